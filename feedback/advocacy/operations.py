"""Offers of independent advocacy, and the report against the target that 70% of care experienced young people
are offered or accept it (the Promise).

Historical offers come in as a CSV (`feedback advocacy import`) checked the same careful way as the register
(`people.register`): every row is checked before anything is written, every problem is reported at once by row
(numbered as a spreadsheet numbers them, the header being row 1) and field, and nothing is written unless the
whole file is good, or, when asked (`skip_bad`), the good rows are loaded and the bad ones reported. Messages never
repeat what a cell held.

An offer is one young person, day and context: the same offer on two rows, or one already stored, is refused,
because counting it twice would flatter the figure the service is judged by.

The report counts young people, not offers, and runs in SQL: one GROUP BY per breakdown over the register, with
each person's offers in the period folded into two flags. Managers read it unsuppressed (the issue says so); it
is not for the champions role.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TextIO

from sqlalchemy import ColumnElement, and_, case, extract, func, insert, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback.advocacy.models import AdvocacyOffer, OfferResponse
from feedback.core import csvfile
from feedback.core.clock import local_date
from feedback.core.errors import Invalid
from feedback.core.plain_dates import long_date
from feedback.insight.summary import EARLIEST, NOT_RECORDED, months_before
from feedback.people.models import Person
from feedback.people.operations import AGE_BANDS, CARE_SETTINGS
from feedback.people.register import REF_MAX_LENGTH, RegisterError, RowError
from feedback.surveys.export import write_table
from feedback.surveys.models import Answer, Question

COLUMNS = ("ref", "offered_on", "offered_by", "context", "response")
CONTEXTS = ("looked-after-review", "childrens-hearing", "child-protection", "leaving-care", "complaint", "other")
CONTEXT_LABELS = {
    "looked-after-review": "Looked after review", "childrens-hearing": "Children's Hearing",
    "child-protection": "Child protection", "leaving-care": "Leaving care", "complaint": "Complaint", "other": "Other",
}  # fmt: skip
RESPONSES = tuple(OfferResponse)
OFFERED_BY_MAX_LENGTH = 200
# Asked when advocacy closes (`advocacy.cases`): the rating question's key in that survey, 1 to 5.
VOICE_SURVEY = "advocacy-voice"
VOICE_QUESTION = "heard"
# A rating of 4 or 5 counts as feeling heard.
HEARD_FROM = 4
ALREADY_RECORDED = "is an offer already recorded (the same young person, date and context)"
# A ref not found: said for `feedback advocacy import`, and for the browser (where a person adds them by hand).
NOT_ON_REGISTER = "is not on the register: load the young person with `feedback people import` first"
NOT_ON_REGISTER_IN_BROWSER = (
    "is not on the register, or not one of the young people you log offers for: check it, or add them on the "
    "Young people page first"
)
# A report's period when none is given: the year up to today, as the target is measured.
DEFAULT_MONTHS = 12
# Values looked up in one IN (...): well under SQLite's limit on bound parameters.
_CHUNK = 500


class OfferFileError(RegisterError):
    """A file of offers that was not loaded. `errors` names every bad row and field; nothing was written by the
    import (after a failure while writing, the caller rolls the session back). A RegisterError, so that both
    imports are reported the same way."""


class PeriodError(Invalid):
    """A report period that cannot be used; the message says why in plain words."""


@dataclass
class ImportResult(csvfile.Loaded):
    added: int = 0


@dataclass
class _Row(csvfile.CheckedRow):
    """One data row as checked: what each field means, or `errors`."""

    ref: str | None = None
    offered_on: date | None = None
    offered_by: str | None = None
    context: str | None = None
    response: str | None = None
    person_id: int | None = None

    @property
    def offer(self) -> tuple[int, date, str] | None:
        """What makes an offer the same offer: the young person, the day and the context."""
        if self.person_id is None or self.offered_on is None or self.context is None:
            return None
        return (self.person_id, self.offered_on, self.context)


def decode(data: bytes) -> str:
    """A file's bytes as text: UTF-8, with or without the byte order mark spreadsheets write."""
    return csvfile.decode(data, OfferFileError)


def import_offers(session: Session, text: str, *, now: datetime, skip_bad: bool = False) -> ImportResult:
    """Check every row of a CSV of offers, then add them (one INSERT; the caller commits).

    `now`'s date in UK time is "today": no offer can be later. Raises OfferFileError, having written nothing,
    when the file cannot be read or (unless `skip_bad`) any row is bad.
    """
    today = local_date(now)
    rows = [check_row(number, cells, today) for number, cells in _read(text)]
    check_against_register(session, rows)
    _check_duplicates(rows)
    check_against_stored(session, rows)
    bad = [error for row in rows for error in row.errors]
    if bad and not skip_bad:
        raise OfferFileError(bad)
    result = ImportResult(skipped=bad)
    good = [row for row in rows if not row.errors]
    if good:
        try:
            session.execute(insert(AdvocacyOffer), [_new_offer(row, now) for row in good])
        except IntegrityError as exc:
            # Only when someone logged one of these offers while the file was loading.
            message = "offers were logged while this file was loading; run the import again"
            raise OfferFileError([RowError(None, None, message)]) from exc
    result.added = len(good)
    return result


# --- reading ------------------------------------------------------------------------------------------------


def _read(text: str) -> list[tuple[int, dict[str, str]]]:
    return csvfile.read_rows(text, COLUMNS, OfferFileError)


# --- checking each row --------------------------------------------------------------------------------------


def check_row(number: int | None, cells: dict[str, str], today: date) -> _Row:
    row = _Row(number)
    if "" in cells:
        row.fail(None, cells[""])
        return row
    checks = {
        "ref": _ref,
        "offered_on": _offered_on,
        "offered_by": _offered_by,
        "context": _context,
        "response": _response,
    }
    for column, check in checks.items():
        # Nothing else in the service, nor PostgreSQL (which refuses NUL), should see such a character.
        if any(unicodedata.category(char) in {"Cc", "Cs"} for char in cells[column]):
            row.fail(column, "has a line break or a control character in it")
        else:
            check(row, cells[column], today)
    return row


def _ref(row: _Row, value: str, today: date) -> None:
    if not value:
        row.fail("ref", "is missing: every row needs the council's reference")
    elif len(value) > REF_MAX_LENGTH:
        row.fail("ref", f"is longer than {REF_MAX_LENGTH} characters")
    else:
        row.ref = value


def _offered_on(row: _Row, value: str, today: date) -> None:
    if not value:
        row.fail("offered_on", "is missing: every offer needs its date")
        return
    try:
        offered_on = csvfile.parse_day(value)
    except ValueError as wrong:
        row.fail("offered_on", str(wrong))
        return
    if offered_on > today:
        row.fail("offered_on", "is in the future")
        return
    row.offered_on = offered_on


def _offered_by(row: _Row, value: str, today: date) -> None:
    if not value:
        row.fail("offered_by", "is missing: say who offered it, by name or role")
    elif len(value) > OFFERED_BY_MAX_LENGTH:
        row.fail("offered_by", f"is longer than {OFFERED_BY_MAX_LENGTH} characters")
    else:
        row.offered_by = value


def _context(row: _Row, value: str, today: date) -> None:
    row.context = _CONTEXT_NAMES.get(_folded(value))
    if row.context is None:
        row.fail("context", f"is not one of: {', '.join(CONTEXTS)}")


def response_named(value: str) -> str | None:
    """The response a word names ("Thinking about it" is thinking), or None."""
    return _RESPONSE_NAMES.get(_folded(value))


def _response(row: _Row, value: str, today: date) -> None:
    row.response = response_named(value)
    if row.response is None:
        row.fail("response", f"is not one of: {', '.join(RESPONSES)}")


def _folded(value: str) -> str:
    """How names are compared: any case, spaces or hyphens, with or without an apostrophe ("Children's Hearing"
    is childrens-hearing)."""
    return "-".join(re.sub(r"['’]", "", value).replace("-", " ").replace("_", " ").split()).casefold()


_CONTEXT_NAMES = {_folded(slug): slug for slug in CONTEXTS} | {
    _folded(label): slug for slug, label in CONTEXT_LABELS.items()
}
_RESPONSE_NAMES = {_folded(slug): slug for slug in RESPONSES} | {"thinking-about-it": "thinking"}


# --- checks against the register, across rows and against the offers stored ---------------------------------


def check_against_register(
    session: Session,
    rows: list[_Row],
    *,
    people: ColumnElement[bool] | None = None,
    not_found: str = NOT_ON_REGISTER,
) -> None:
    """Find each row's young person by ref; the offer must fall while they were eligible (there is no first day
    of eligibility on the register, so: not before they were born, not after their eligibility ended). With
    `people`, only those young people are found: anyone else's ref reads as not on the register (`not_found`,
    which says what to do where it is read)."""
    refs = sorted({row.ref for row in rows if row.ref is not None})
    found: dict[str, tuple[int, date | None, date | None]] = {}
    for start in range(0, len(refs), _CHUNK):
        query = select(Person.ref, Person.id, Person.date_of_birth, Person.eligible_until).where(
            Person.ref.in_(refs[start : start + _CHUNK]), *([people] if people is not None else [])
        )
        found |= {ref: (person_id, born, until) for ref, person_id, born, until in session.execute(query) if ref}
    for row in rows:
        if row.ref is None:
            continue
        if row.ref not in found:
            row.fail("ref", not_found)
            continue
        row.person_id, born, until = found[row.ref]
        if row.offered_on is None:
            continue
        if born is not None and row.offered_on < born:
            row.fail("offered_on", "is before the young person was born, by the register")
        elif until is not None and row.offered_on > until:
            row.fail("offered_on", f"is after the young person stopped being eligible ({long_date(until)})")


def _check_duplicates(rows: list[_Row]) -> None:
    """The same offer (young person, day and context) on two rows makes both bad: a person decides which is
    right, perhaps because the second was a different context entered wrongly."""
    seen: dict[tuple[int, date, str], list[_Row]] = defaultdict(list)
    for row in rows:
        if row.offer is not None:
            seen[row.offer].append(row)
    for same in seen.values():
        for row in same if len(same) > 1 else ():
            others = [str(other.number) for other in same if other is not row]
            where = f"rows {', '.join(others[:-1])} and {others[-1]}" if len(others) > 1 else f"row {others[0]}"
            row.fail("offered_on", f"is the same offer (young person, date and context) as on {where}")


def check_against_stored(session: Session, rows: list[_Row]) -> None:
    """An offer already stored (the same young person, day and context) is not logged again."""
    person_ids = sorted({offer[0] for row in rows if (offer := row.offer) is not None})
    stored: set[tuple[int, date, str]] = set()
    for start in range(0, len(person_ids), _CHUNK):
        query = select(AdvocacyOffer.person_id, AdvocacyOffer.offered_on, AdvocacyOffer.context).where(
            AdvocacyOffer.person_id.in_(person_ids[start : start + _CHUNK])
        )
        stored |= {(person_id, offered_on, context) for person_id, offered_on, context in session.execute(query)}
    for row in rows:
        if row.offer in stored:
            row.fail("offered_on", ALREADY_RECORDED)


def _new_offer(row: _Row, now: datetime) -> dict[str, Any]:
    return {
        "person_id": row.person_id,
        "offered_on": row.offered_on,
        "offered_by": row.offered_by,
        "context": row.context,
        "response": row.response,
        "created_at": now,
    }


# --- the report ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """Young people eligible in the period, those offered advocacy in it (whatever they answered), and those who
    accepted."""

    eligible: int = 0
    offered_or_accepted: int = 0
    accepted: int = 0

    @property
    def share(self) -> float:
        """Offered or accepted, as a share of the eligible (0 to 1; 0 when nobody is eligible)."""
        return self.offered_or_accepted / self.eligible if self.eligible else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "offered_or_accepted": self.offered_or_accepted,
            "accepted": self.accepted,
            "share": round(self.share, 4),
        }

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            self.eligible + other.eligible,
            self.offered_or_accepted + other.offered_or_accepted,
            self.accepted + other.accepted,
        )


@dataclass(frozen=True)
class Voice:
    """For advocacy that closed in the period: how many young people were asked "Did you feel your voice was
    heard?", how many rated it (1 to 5), and how many of those said 4 or 5."""

    closed: int = 0
    asked: int = 0
    answered: int = 0
    heard: int = 0
    rating_total: int = 0

    @property
    def share_heard(self) -> float:
        return self.heard / self.answered if self.answered else 0.0

    @property
    def average(self) -> float | None:
        return self.rating_total / self.answered if self.answered else None

    def as_json(self) -> dict[str, Any]:
        average = self.average
        return {
            "closed": self.closed,
            "asked": self.asked,
            "answered": self.answered,
            "heard": self.heard,
            "share_heard": round(self.share_heard, 4),
            "average_rating": None if average is None else round(average, 2),
        }


@dataclass(frozen=True)
class Report:
    target: float
    since: date
    until: date  # inclusive
    overall: Figures
    by_locality: dict[str, Figures]
    by_care_setting: dict[str, Figures]
    by_age_band: dict[str, Figures]
    by_month: dict[str, int]  # YYYY-MM -> offers made that month, every month of the period
    not_offered: list[str]  # the refs of eligible young people with no offer in the period
    voice: Voice  # "Did you feel your voice was heard?", for advocacy closed in the period

    @property
    def met(self) -> bool:
        return self.overall.share >= self.target


def parse_period(
    since: str | None, until: str | None, *, today: date, names: tuple[str, str] = ("since", "until")
) -> tuple[date, date]:
    """A report's period from the command line or a page: `until` defaults to today, `since` to a year before.
    `names` are what the command line or the page calls the two, for its errors."""
    last = _day(until, names[1]) or today
    first = _day(since, names[0]) or (months_before(last, DEFAULT_MONTHS) + timedelta(days=1))
    if first > last:
        raise PeriodError(f"The period starts ({long_date(first)}) after it ends ({long_date(last)}).")
    if last > today:
        raise PeriodError(f"The period cannot end in the future ({long_date(last)}).")
    return first, last


def _day(value: str | None, name: str) -> date | None:
    if value is None or not value.strip():
        return None
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise PeriodError(f"{name} must be a date written YYYY-MM-DD, not {value!r}.") from None
    if day < EARLIEST:
        raise PeriodError(f"{name} must be {long_date(EARLIEST)} or later, not {value!r}.")
    return day


def report(
    session: Session,
    *,
    since: date,
    until: date,
    target: float,
    localities: Sequence[str],
    people: ColumnElement[bool] | None = None,
) -> Report:
    """The share of eligible young people offered or accepting advocacy from `since` to `until` (inclusive).

    Eligible: on the register (a ref) and still eligible on the first day of the period. Groups with nobody in
    them are there with zeros, so a locality with no one offered shows as 0, not as missing; a locality, care
    setting or age band the register does not give (or no longer knows) counts under "Not recorded". With
    `people` (`permissions.advocacy_people`: a manager's team), every figure is about those young people only.
    """
    scope = people if people is not None else true()
    flags = _flags(since, until, scope)
    overall = _figures(session, since, flags, None, scope).get(None, Figures())
    return Report(
        target=target,
        since=since,
        until=until,
        overall=overall,
        by_locality=_grouped(session, since, flags, Person.locality, localities, scope=scope),
        by_care_setting=_grouped(session, since, flags, Person.care_setting, CARE_SETTINGS, scope=scope),
        by_age_band=_grouped(session, since, flags, Person.age_band, AGE_BANDS, scope=scope),
        by_month=_by_month(session, since, until, scope),
        not_offered=_not_offered(session, since, until, scope),
        voice=_voice(session, since, until, scope),
    )


def _eligible(since: date) -> ColumnElement[bool]:
    return and_(Person.ref.is_not(None), or_(Person.eligible_until.is_(None), Person.eligible_until >= since))


def _offer_of(scope: ColumnElement[bool]) -> ColumnElement[bool]:
    """The offer is to one of the young people in `scope`."""
    return select(Person.id).where(Person.id == AdvocacyOffer.person_id, scope).exists()


def _in_period(since: date, until: date) -> ColumnElement[bool]:
    return AdvocacyOffer.offered_on.between(since, until)


def _flags(since: date, until: date, scope: ColumnElement[bool]) -> Any:
    """One row per young person offered advocacy in the period: 1 in `accepted` if they accepted any offer."""
    accepted = func.max(case((AdvocacyOffer.response == "accepted", 1), else_=0))
    return (
        select(AdvocacyOffer.person_id, accepted.label("accepted"))
        .where(_in_period(since, until), _offer_of(scope))
        .group_by(AdvocacyOffer.person_id)
        .subquery()
    )


def _figures(session: Session, since: date, flags: Any, column: Any, scope: ColumnElement[bool]) -> dict[Any, Figures]:
    """Figures per value of `column` (or one row, keyed None, when it is None), in one GROUP BY."""
    measures = (
        func.count(Person.id),
        func.count(flags.c.person_id),
        func.coalesce(func.sum(flags.c.accepted), 0),
    )
    grouped = [column] if column is not None else []
    query = (
        select(*grouped, *measures)
        .select_from(Person)
        .outerjoin(flags, flags.c.person_id == Person.id)
        .where(_eligible(since), scope)
        .group_by(*grouped)
    )
    figures: dict[Any, Figures] = {}
    for row in session.execute(query):
        n, offered, accepted = row[-3:]
        figures[row[0] if grouped else None] = Figures(int(n), int(offered), int(accepted))
    return figures


def _grouped(
    session: Session, since: date, flags: Any, column: Any, names: Sequence[str], *, scope: ColumnElement[bool]
) -> dict[str, Figures]:
    groups = dict.fromkeys([*names, NOT_RECORDED], Figures())
    for key, figures in _figures(session, since, flags, column, scope).items():
        name = key if key in groups and key != NOT_RECORDED else NOT_RECORDED
        groups[name] = groups[name] + figures
    return groups


def _by_month(session: Session, since: date, until: date, scope: ColumnElement[bool]) -> dict[str, int]:
    year, month = extract("year", AdvocacyOffer.offered_on), extract("month", AdvocacyOffer.offered_on)
    rows = session.execute(
        select(year, month, func.count()).where(_in_period(since, until), _offer_of(scope)).group_by(year, month)
    ).all()
    found = {f"{int(y):04d}-{int(m):02d}": int(n) for y, m, n in rows}
    months: dict[str, int] = {}
    day = since.replace(day=1)
    while day <= until:
        label = day.strftime("%Y-%m")
        months[label] = found.get(label, 0)
        day = (day + timedelta(days=32)).replace(day=1)
    return months


def _not_offered(session: Session, since: date, until: date, scope: ColumnElement[bool]) -> list[str]:
    offered = select(AdvocacyOffer.id).where(AdvocacyOffer.person_id == Person.id, _in_period(since, until))
    query = select(Person.ref).where(_eligible(since), scope, ~offered.exists()).order_by(Person.ref)
    return [ref for ref in session.scalars(query) if ref is not None]


def _voice(session: Session, since: date, until: date, scope: ColumnElement[bool]) -> Voice:
    """One pass over the offers closed in the period, each joined to the rating its young person gave, if any."""
    rating = (
        select(Answer.conversation_id, Answer.value_number)
        .join(Question, Question.id == Answer.question_id)
        .where(Question.key == VOICE_QUESTION, Answer.status == "answered", Answer.value_number.is_not(None))
        .subquery()
    )
    query = (
        select(
            func.count(AdvocacyOffer.id),
            func.count(AdvocacyOffer.voice_conversation_id),
            func.count(rating.c.value_number),
            func.coalesce(func.sum(case((rating.c.value_number >= HEARD_FROM, 1), else_=0)), 0),
            func.coalesce(func.sum(rating.c.value_number), 0),
        )
        .select_from(AdvocacyOffer)
        .outerjoin(rating, rating.c.conversation_id == AdvocacyOffer.voice_conversation_id)
        .where(AdvocacyOffer.closed_on.between(since, until), _offer_of(scope))
    )
    closed, asked, answered, heard, total = session.execute(query).one()
    return Voice(int(closed), int(asked), int(answered), int(heard), int(total))


# --- writing the report -------------------------------------------------------------------------------------


def report_document(result: Report) -> dict[str, Any]:
    """The report as the JSON contract of `feedback report advocacy --format json`."""
    return {
        "target": result.target,
        "since": result.since.isoformat(),
        "until": result.until.isoformat(),
        "overall": result.overall.as_json(),
        "by_locality": {name: figures.as_json() for name, figures in result.by_locality.items()},
        "by_care_setting": {name: figures.as_json() for name, figures in result.by_care_setting.items()},
        "by_age_band": {name: figures.as_json() for name, figures in result.by_age_band.items()},
        "by_month": dict(result.by_month),
        "voice_heard": result.voice.as_json(),
        "not_offered": list(result.not_offered),
    }


CSV_COLUMNS = (
    "breakdown", "group", "eligible", "offered_or_accepted", "accepted", "share", "target", "offers",
    "closed", "asked", "answered", "heard", "share_heard", "average_rating",
)  # fmt: skip


def report_rows(result: Report) -> list[dict[str, Any]]:
    """One row overall, one per group of each breakdown, one per month (with only its offers), and one for
    "Did you feel your voice was heard?"."""
    rows = [_figures_row("overall", "all", result.overall, result.target)]
    for breakdown, groups in (
        ("locality", result.by_locality),
        ("care_setting", result.by_care_setting),
        ("age_band", result.by_age_band),
    ):
        rows += [_figures_row(breakdown, name, figures, result.target) for name, figures in groups.items()]
    rows += [dict.fromkeys(CSV_COLUMNS, "") | {"breakdown": "month", "group": month, "offers": n}
             for month, n in result.by_month.items()]  # fmt: skip
    rows.append(dict.fromkeys(CSV_COLUMNS, "") | {"breakdown": "voice_heard", "group": "all"} | result.voice.as_json())
    return rows


def _figures_row(breakdown: str, group: str, figures: Figures, target: float) -> dict[str, Any]:
    return dict.fromkeys(CSV_COLUMNS, "") | {
        "breakdown": breakdown,
        "group": group,
        **figures.as_json(),
        "target": target,
    }


def write_csv(rows: list[dict[str, Any]], out: TextIO) -> None:
    """The rows as CSV, any cell a spreadsheet would run as a formula made inert (locality names are settings)."""
    write_table(rows, out, CSV_COLUMNS)


# --- the headline, for the staff home page ------------------------------------------------------------------


def overall(session: Session, *, since: date, until: date, people: ColumnElement[bool] | None = None) -> Figures:
    """The report's overall figures alone (`report(...).overall`), in one query: eligible young people in the
    period, and how many were offered advocacy or accepted it. Those with no offer are `eligible - offered`, the
    report's `not_offered` list."""
    scope = people if people is not None else true()
    return _figures(session, since, _flags(since, until, scope), None, scope).get(None, Figures())


def follow_ups_due(session: Session, *, today: date, people: ColumnElement[bool] | None = None) -> int:
    """How many open offers have come to their day to check back (today or before): the log of offers' "Follow-ups
    due" (`show=follow-up`)."""
    scope = people if people is not None else true()
    return int(
        session.scalar(select(func.count()).select_from(AdvocacyOffer).where(follow_up_due(today), _offer_of(scope)))
        or 0
    )


def follow_up_due(today: date) -> ColumnElement[bool]:
    """An open offer whose day to check back has come (today or before)."""
    return and_(AdvocacyOffer.follow_up_on <= today, AdvocacyOffer.closed_on.is_(None))

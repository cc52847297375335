"""Views collected before the service: a CSV of what young people said (a Mind of My Own export, paper forms, an
event's post-its) brought in as stored messages (`feedback messages import`), screened, and filed against themes in
the period they were said in.

The file has the columns `received_at` and `text`, and may have `ref`, `source`, `locality`, `age_band` and
`care_setting`. It is checked as the register is (`people.register`): every problem named by row and field, never
by repeating a cell, and nothing written unless the whole file is good, or, with `skip_bad`, the good rows are.

Decisions, and why:

- **Who said it.** `InboundMessage.person_id` stays required. A row whose `ref` is on the register is that young
  person's; a `ref` not on the register is a bad row (their words must not land on someone else, nor on nobody
  by a typo). A row without a `ref` gets an anonymous record of its own, with a pseudonym and nothing else, as
  someone answering an open web link does. So every query that joins a message to its young person (summaries,
  who may read what, safeguarding alerts, "you said, we did", subject access, erasure) works unchanged, and nothing
  is dropped by an inner join. One record per row, not one per file: two rows may be two young people, and one
  shared record would put strangers' words in one subject access request, or one erasure.
- **Locality, age band, care setting.** The row's value where it gives one: it says where the young person was
  when they said it, which the register, holding where they are now, cannot. Otherwise the register's, read
  when the message is filed (`insight.filing.report_facts`), so a correction to the register reaches them as it
  reaches every other message. An age band the row leaves blank is worked out, where the register has a date of
  birth, from the age they were on the day they said it, and kept as if the row had given it.
- **Safeguarding.** Every imported message is screened, as every message is. What the screen reads as a risk or a
  concern becomes a concern for review (`safeguarding.alerting.concern_for_review`): an alert of the concern tier
  at the least urgent severity, which emails, texts and pages nobody and never goes up the ladder. The words may be
  years old; an out-of-hours page about them would help nobody, but a worker should still read them. A message the
  screen reads as a risk keeps its risk flag, so it is counted and never quoted, like any other.
- **Once only.** Each message's `provider_sid` is "import:" and a keyed hash (`ENCRYPTION_KEY`'s lookup key) of its
  moment, words, ref, source and which copy of those it is in the file: importing a file twice, or a later export
  that repeats earlier rows, adds nothing, while three young people who wrote the same words at one event stay
  three messages. The hash is keyed so that it cannot be used to guess words that erasure or retention removed,
  and a row whose words were erased is not brought back by importing the file again.
- **One transaction.** The messages are written together (the caller commits): all of them or none. Analysis comes
  after (`analyse_imported`, in committed batches); a message whose analysis did not finish is analysed by the
  worker, as any pending message is.

Dates are UK local time unless the cell gives a zone; a date alone is the start of that day.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feedback.analysis.safeguarding import Screening, screen
from feedback.core import csvfile
from feedback.core.clock import LOCAL_TIME, local_date
from feedback.core.csvfile import FileError, RowError
from feedback.core.db_types import current_cipher
from feedback.insight import filing
from feedback.messages.models import ImportedMessage, InboundChannel, InboundMessage, InboundStatus
from feedback.people.models import Person, new_pseudonym
from feedback.people.operations import AGE_BANDS, CARE_SETTING_LABELS, CARE_SETTINGS
from feedback.people.register import REF_MAX_LENGTH, age_band, age_on
from feedback.safeguarding import alerting
from feedback.safeguarding import screening as screens

log = logging.getLogger(__name__)

COLUMNS = ("received_at", "text")
OPTIONAL = ("ref", "source", "locality", "age_band", "care_setting")
# As much as a young person may write in one answer on the web (`surveys.web_responses.MAX_TEXT_LENGTH`): longer is
# more likely several views pasted into one cell, or a document, than one thing said.
TEXT_MAX_LENGTH = 2000
# Earlier is a typo in the year, or a spreadsheet's day 0 (1900-01-00), not a view anyone collected.
EARLIEST = date(2000, 1, 1)
SOURCE_MAX_LENGTH = 32
# A word for where views were collected: letters first, then letters, digits, spaces and hyphens, and never five
# digits in a row, so a phone number or a reference pasted into the column is refused rather than stored and shown.
_SOURCE = re.compile(r"[a-z][a-z0-9 _-]*")
_DIGITS = re.compile(r"[0-9]{5}")
KEY_PREFIX = "import:"
# The whole of `provider_sid` (64 characters) after the prefix: 57 hex digits, 228 bits of the keyed hash.
_KEY_LENGTH = 64 - len(KEY_PREFIX)
# How an imported message is handled: as a view, analysed and filed (`filing.ANALYSED_HANDLING`).
HANDLING = "feedback"
IMPORTED = InboundChannel.IMPORT
# What an imported concern's alert says it is, before the screen's categories.
REASON = "in views from before the service"
# Rows written, and provider_sids looked up, in one statement; messages analysed in one committed batch.
_CHUNK = 500
ANALYSE_BATCH = 500

_DAY, _TIME, _ZONE = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    r"[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?",
    r"Z|[+-][0-9]{2}:?[0-9]{2}",
)
_ISO = re.compile(rf"{_DAY}(?:[T ]{_TIME})?(?:{_ZONE})?")
_UK = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})(?:,? ([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?)?")
_WHEN = "is not a date, or a date and time: write 2024-03-31 or 2024-03-31 14:05 (or 31/03/2024 14:05, day first)"
_ALLOWED_IN_TEXT = {"\n", "\r", "\t"}


class HistoryFileError(FileError):
    """A file of views that was not imported. `errors` names every bad row and field; nothing was written (after a
    failure while writing, the caller rolls the session back)."""


@dataclass
class Imported(csvfile.Loaded):
    """What an import wrote: the messages added (their ids, to analyse), the rows already imported before, and how
    many of the added were on the register or became concerns for review."""

    batch: str = ""
    message_ids: list[int] = field(default_factory=list)
    already: int = 0
    on_register: int = 0
    concerns: int = 0
    # Of those added: received longer ago than the words are kept (MESSAGE_RETENTION_DAYS).
    past_retention: int = 0

    @property
    def added(self) -> int:
        return len(self.message_ids)


@dataclass
class _Row(csvfile.CheckedRow):
    """One data row as checked: what each field means, or `errors`. None means the cell was blank."""

    received_at: datetime | None = None
    text: str | None = None
    ref: str | None = None
    source: str | None = None
    locality: str | None = None
    age_band: str | None = None
    care_setting: str | None = None
    person_id: int | None = None
    # "import:" and the keyed hash under each key (the current key's first), once the row's moment and words read.
    keys: list[str] = field(default_factory=list)
    already: bool = False


def decode(data: bytes) -> str:
    """A file's bytes as text: UTF-8, with or without the byte order mark spreadsheets write."""
    return csvfile.decode(data, HistoryFileError)


def import_history(
    session: Session,
    text: str,
    *,
    localities: Sequence[str],
    now: datetime,
    skip_bad: bool = False,
    retention_days: int | None = None,
) -> Imported:
    """Check every row of a CSV of views, then store the new ones as processed messages, screened, with their
    facts (flushed; the caller commits, and then analyses them with `analyse_imported`).

    `localities` are the names a row's locality may take; `now` is when the import happens: no row may be later.
    Raises HistoryFileError, having written nothing, when the file cannot be read or (unless `skip_bad`) any row
    is bad. A row imported before is not written again, and is not an error.
    """
    checker = _Checker(localities, now)
    rows = [checker.check(number, cells) for number, cells in _read(text)]
    _find_people(session, rows)
    _key(rows)
    _find_imported(session, rows)
    bad = [error for row in rows for error in row.errors]
    if bad and not skip_bad:
        raise HistoryFileError(bad)
    result = Imported(skipped=bad, batch=secrets.token_hex(8))
    good = [row for row in rows if not row.errors]
    result.already = sum(row.already for row in good)
    new = [row for row in good if not row.already]
    try:
        _write(session, new, now, result)
    except IntegrityError as exc:
        # Only when another import of the same rows ran while this one was loading.
        message = "the same views were imported while this file was loading; run the import again"
        raise HistoryFileError([RowError(None, None, message)]) from exc
    if retention_days is not None:
        cutoff = now - timedelta(days=retention_days)
        result.past_retention = sum(row.received_at is not None and row.received_at < cutoff for row in new)
    log.info(
        "history import %s: %s added, %s already imported, %s bad rows left out, %s concerns for review",
        result.batch, result.added, result.already, result.skipped_rows, result.concerns,
    )  # fmt: skip
    return result


def analyse_imported(
    session: Session,
    message_ids: Sequence[int],
    *,
    now: datetime,
    batch: int = ANALYSE_BATCH,
    progress: Callable[[int], None] | None = None,
) -> int:
    """File what an import stored against themes, `batch` messages at a time (each batch committed by
    `filing.analyse_messages`, as the worker's own analysis is). Returns how many were analysed."""
    done = 0
    for start in range(0, len(message_ids), batch):
        chunk = message_ids[start : start + batch]
        done += filing.analyse_messages(session, chunk, now=now)
        if progress is not None:
            progress(len(chunk))
    return done


# --- reading ------------------------------------------------------------------------------------------------


def _read(text: str) -> list[tuple[int, dict[str, str]]]:
    return csvfile.read_rows(text, COLUMNS, HistoryFileError, what="the history's", optional=OPTIONAL)


# --- checking each row --------------------------------------------------------------------------------------


def parse_moment(value: str) -> datetime:
    """When a view was given, in UTC: ISO 8601 (2024-03-31, 2024-03-31 14:05, 2024-03-31T14:05:00+01:00) or a UK
    spreadsheet's day-first date (31/03/2024, 31/03/2024 14:05). UK local time unless a zone is given; a date alone
    is the start of that day. Raises ValueError saying what is wrong, never repeating the value."""
    if _ISO.fullmatch(value):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("is not a real date or time") from None
    elif found := _UK.fullmatch(value):
        day, month, year, hour, minute, second = (int(part) if part else 0 for part in found.groups())
        try:
            moment = datetime(year, month, day, hour, minute, second)
        except ValueError:
            raise ValueError("is not a real date or time (the day comes first: 31/03/2024)") from None
    else:
        raise ValueError(_WHEN)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TIME)
    return moment.astimezone(UTC)


class _Checker:
    """Checks one row's cells at a time against the configured localities, the age bands and care settings."""

    def __init__(self, localities: Sequence[str], now: datetime) -> None:
        self.now = now
        self.localities = {_folded(name): name for name in localities}
        self.locality_list = ", ".join(localities)
        self.age_bands = {_folded(band).replace(" ", ""): band for band in AGE_BANDS}
        self.care_settings = {_folded(slug): slug for slug in CARE_SETTINGS}
        self.care_settings |= {_folded(slug.replace("-", " ")): slug for slug in CARE_SETTINGS}
        self.care_settings |= {_folded(label): slug for slug, label in CARE_SETTING_LABELS.items()}

    def check(self, number: int, cells: dict[str, str]) -> _Row:
        row = _Row(number)
        if "" in cells:
            row.fail(None, cells[""])
            return row
        self._text(row, cells["text"])
        checks = {
            "received_at": self._received_at,
            "ref": self._ref,
            "source": self._source,
            "locality": self._locality,
            "age_band": self._age_band,
            "care_setting": self._care_setting,
        }
        for column, check in checks.items():
            # Nothing else in the service, nor PostgreSQL (which refuses NUL), should see such a character.
            if _controls(cells[column]):
                row.fail(column, "has a line break or a control character in it")
            else:
                check(row, cells[column])
        return row

    def _received_at(self, row: _Row, value: str) -> None:
        if not value:
            row.fail("received_at", "is missing: every view needs the date it was given")
            return
        try:
            moment = parse_moment(value)
        except ValueError as wrong:
            row.fail("received_at", str(wrong))
            return
        if moment > self.now:
            row.fail("received_at", "is in the future")
        elif local_date(moment) < EARLIEST:
            row.fail("received_at", f"is before {EARLIEST.year}: check the year")
        else:
            row.received_at = moment

    def _text(self, row: _Row, value: str) -> None:
        if not value:
            row.fail("text", "is empty: every row needs what the young person said")
        elif len(value) > TEXT_MAX_LENGTH:
            row.fail("text", f"is longer than {TEXT_MAX_LENGTH:,} characters")
        elif _controls(value, allowed=_ALLOWED_IN_TEXT):
            row.fail("text", "has a control character in it (line breaks and tabs are fine)")
        else:
            row.text = value

    def _ref(self, row: _Row, value: str) -> None:
        if len(value) > REF_MAX_LENGTH:
            row.fail("ref", f"is longer than {REF_MAX_LENGTH} characters")
        elif value:
            row.ref = value

    def _source(self, row: _Row, value: str) -> None:
        if not value:
            return
        source = _folded(value)
        if len(source) > SOURCE_MAX_LENGTH or not _SOURCE.fullmatch(source) or _DIGITS.search(source):
            row.fail(
                "source",
                f"must be a short word for where the views were collected, such as momo, paper or event (a letter "
                f"first, at most {SOURCE_MAX_LENGTH} characters, no long numbers)",
            )
        else:
            row.source = source

    def _locality(self, row: _Row, value: str) -> None:
        if not value:
            return
        row.locality = self.localities.get(_folded(value))
        if row.locality is None:
            row.fail("locality", f"is not one of the localities: {self.locality_list}")

    def _age_band(self, row: _Row, value: str) -> None:
        if not value:
            return
        row.age_band = self.age_bands.get(_folded(value).replace(" ", ""))
        if row.age_band is None:
            row.fail("age_band", f"is not one of the age bands: {', '.join(AGE_BANDS)}")

    def _care_setting(self, row: _Row, value: str) -> None:
        if not value:
            return
        row.care_setting = self.care_settings.get(_folded(value))
        if row.care_setting is None:
            row.fail("care_setting", f"is not one of: {', '.join(CARE_SETTINGS)}")


def _controls(value: str, *, allowed: set[str] | frozenset[str] = frozenset()) -> bool:
    return any(unicodedata.category(char) in {"Cc", "Cs"} and char not in allowed for char in value)


def _folded(value: str) -> str:
    """How names are compared: any case, any run of spaces."""
    return " ".join(value.split()).casefold()


# --- checks against the register and what is stored --------------------------------------------------------


def _find_people(session: Session, rows: list[_Row]) -> None:
    """Each row's young person by ref; an unknown ref is a bad row. A blank age band is worked out from the
    register's date of birth on the day the view was given."""
    refs = sorted({row.ref for row in rows if row.ref is not None})
    people: dict[str, tuple[int, date | None]] = {}
    for chunk in _chunks(refs):
        found = session.execute(select(Person.ref, Person.id, Person.date_of_birth).where(Person.ref.in_(chunk)))
        people.update({str(ref): (person_id, born) for ref, person_id, born in found})
    for row in rows:
        if row.ref is None:
            continue
        if row.ref not in people:
            row.fail("ref", "is not on the register: load the register first, or leave ref blank")
            continue
        row.person_id, born = people[row.ref]
        if row.age_band is None and born is not None and row.received_at is not None:
            row.age_band = age_band(age_on(born, local_date(row.received_at)))


def _key(rows: list[_Row]) -> None:
    """Each row's keys: its moment, words, ref and source, and which copy of those it is in the file (the first,
    the second...), hashed under each key the service holds."""
    cipher = current_cipher()
    copies: Counter[tuple[str, str, str, str]] = Counter()
    for row in rows:
        if row.received_at is None or row.text is None:
            continue
        said = (row.received_at.isoformat(), row.text, row.ref or "", row.source or "")
        copies[said] += 1
        material = json.dumps([*said, copies[said]], ensure_ascii=False)
        row.keys = [KEY_PREFIX + digest[:_KEY_LENGTH] for digest in cipher.lookup_hashes(material)]


def _find_imported(session: Session, rows: list[_Row]) -> None:
    """Mark the rows imported before (under any key the service holds)."""
    wanted = sorted({key for row in rows for key in row.keys})
    stored: set[str] = set()
    for chunk in _chunks(wanted):
        stored.update(
            session.scalars(select(InboundMessage.provider_sid).where(InboundMessage.provider_sid.in_(chunk)))
        )
    for row in rows:
        row.already = any(key in stored for key in row.keys)


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


# --- writing ------------------------------------------------------------------------------------------------


def _write(session: Session, rows: list[_Row], now: datetime, result: Imported) -> None:
    """Anonymous records for the rows that name nobody, the messages (screened), their facts and any concern for
    review; flushed. Each chunk is a few statements, so a file of thousands of rows is a few dozen."""
    for chunk in _chunks(rows):
        _write_chunk(session, list(chunk), now, result)
    session.flush()


def _write_chunk(session: Session, rows: list[_Row], now: datetime, result: Imported) -> None:
    nobody = [row for row in rows if row.person_id is None]
    if nobody:
        made = session.scalars(
            insert(Person).returning(Person.id, sort_by_parameter_order=True),
            [{"pseudonym": new_pseudonym(), "created_at": now} for _ in nobody],
        ).all()
        for row, person_id in zip(nobody, made, strict=True):
            row.person_id = person_id
    learned = screens.model(session)  # the learned screen as staff have taught it, once for the chunk
    screened = [screen(row.text or "", model=learned) for row in rows]
    message_ids = session.scalars(
        insert(InboundMessage).returning(InboundMessage.id, sort_by_parameter_order=True),
        [_message(row, screening, now) for row, screening in zip(rows, screened, strict=True)],
    ).all()
    session.execute(
        insert(ImportedMessage),
        [
            {
                "inbound_message_id": message_id,
                "batch": result.batch,
                "imported_at": now,
                "file_row": row.number,
                "source": row.source,
                "locality": row.locality,
                "age_band": row.age_band,
                "care_setting": row.care_setting,
            }
            for row, message_id in zip(rows, message_ids, strict=True)
        ],
    )
    for row, screening, message_id in zip(rows, screened, message_ids, strict=True):
        if screening.concern:
            assert row.person_id is not None  # noqa: S101 - found on the register or made above
            alert = alerting.concern_for_review(
                session, message_id=message_id, person_id=row.person_id, reason=_reason(screening), now=now
            )
            result.concerns += alert is not None
    result.message_ids += message_ids
    result.on_register += sum(row.ref is not None for row in rows)


def _message(row: _Row, screening: Screening, now: datetime) -> dict[str, Any]:
    return {
        "channel": IMPORTED,
        "provider_sid": row.keys[0],
        "person_id": row.person_id,
        "body": row.text,
        "received_at": row.received_at,
        "status": InboundStatus.PROCESSED,
        "processed_at": now,
        "handling": HANDLING,
        # The screen's own verdict, as for any message: a risk is counted and never quoted.
        "risk": screening.risk,
        "risk_reason": screening.reason[:200] if screening.risk else None,
    }


def _reason(screening: Screening) -> str:
    """What the concern's alert says: where the words came from and the screen's categories, never the words."""
    found = screening.reason or ", ".join(screening.concern_reasons)
    return f"{REASON}: {found}" if found else REASON

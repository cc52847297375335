"""Surveys that go out on their own: once at a given moment, or on a recurring rule (cron's five fields, read in
UK time, so "0 17 1-7 * mon" is the first Monday of each month at 17:00 whatever the clocks do), to a group:
everyone who may be texted, or those in some localities, care settings or age bands, or a list of the council's
references.

`run_due` sends whatever is due at a moment, once: each run is an occurrence named after the time it was due, and
(person, survey, occurrence) is unique, so a run repeated, or run by two processes at once, texts nobody twice. A
schedule that missed several times (the scheduler was down) runs once for the latest, not once per miss. Quiet
hours are the outbox's business: a run due at 02:00 queues its texts, and they wait for the morning.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, joinedload

from feedback.core.clock import LOCAL_TIME, local_date
from feedback.core.errors import Invalid, NotFound
from feedback.core.transactions import commits
from feedback.people import operations as people
from feedback.people.models import Person
from feedback.people.operations import AGE_BANDS, CARE_SETTINGS
from feedback.people.register import age_band_bounds
from feedback.surveys import operations as surveys
from feedback.surveys import sending
from feedback.surveys.models import Schedule, Survey
from feedback.surveys.schedule_words import rule_in_words

log = logging.getLogger(__name__)

EVERYONE = "everyone"
GROUP_KINDS = ("everyone", "locality", "care-setting", "age-band", "refs")
GROUP_WORDS = {
    "everyone": "Everyone who may be texted",
    "locality": "Localities",
    "care-setting": "Care settings",
    "age-band": "Age bands",
    "refs": "Young people by reference",
}
MAX_REFS = 5000
# Cron counts weekdays from Sunday (0 or 7); APScheduler from Monday. Numbers are turned into names first.
_WEEKDAYS = {"0": "sun", "1": "mon", "2": "tue", "3": "wed", "4": "thu", "5": "fri", "6": "sat", "7": "sun"}
# A schedule that missed runs looks ahead this many times at most to find the latest it missed.
_MAX_CATCH_UP_STEPS = 100_000


class ScheduleError(Invalid):
    """A schedule that cannot be made or run; the message says what to change."""


class ScheduleNotFound(NotFound):
    pass


@dataclass(frozen=True)
class Group:
    kind: str
    values: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.kind == EVERYONE:
            return GROUP_WORDS[EVERYONE]
        shown = ", ".join(self.values[:5]) + (f" and {len(self.values) - 5} more" if len(self.values) > 5 else "")
        return f"{GROUP_WORDS[self.kind]}: {shown}"


def parse_group(raw: str | None, *, localities: Sequence[str]) -> Group:
    """`everyone`, or `locality:Hamilton,East Kilbride`, `care-setting:foster`, `age-band:12-15` or
    `refs:SL-001,SL-002`. Names are checked against the settings and the register's own lists."""
    text = (raw or "").strip()
    if not text or text.casefold() == EVERYONE:
        return Group(EVERYONE)
    kind, _, rest = text.partition(":")
    kind = kind.strip().casefold().replace("_", "-")
    if kind not in GROUP_KINDS or kind == EVERYONE:
        raise ScheduleError(
            "the group must be everyone, or one of locality:, care-setting:, age-band: or refs: followed by names "
            "separated by commas"
        )
    values = tuple(dict.fromkeys(value.strip() for value in rest.split(",") if value.strip()))
    if not values:
        raise ScheduleError(f"name at least one after {kind}:")
    known = {"locality": localities, "care-setting": CARE_SETTINGS, "age-band": AGE_BANDS}.get(kind)
    if known is not None:
        by_fold = {name.casefold(): name for name in known}
        unknown = [value for value in values if value.casefold() not in by_fold]
        if unknown:
            raise ScheduleError(f"{kind} must be from: {', '.join(known)} (not {', '.join(unknown)})")
        values = tuple(by_fold[value.casefold()] for value in values)
    elif len(values) > MAX_REFS:
        raise ScheduleError(f"a list can name at most {MAX_REFS} young people; use a group instead")
    return Group(kind, values)


def group_of(schedule: Schedule) -> Group:
    return Group(schedule.group_kind, tuple(schedule.group_values or ()))


def trigger(rule: str) -> CronTrigger:
    """A cron rule (minute hour day month weekday) read in UK time; ScheduleError in plain words if it is not."""
    fields = rule.split()
    if len(fields) != 5:
        raise ScheduleError(
            f"the rule needs five fields (minute hour day month weekday), such as '0 17 1-7 * mon', not {rule!r}"
        )
    fields[4] = re.sub(r"(?<![\w/])[0-7](?![\w])", lambda m: _WEEKDAYS[m.group(0)], fields[4].lower())
    try:
        return CronTrigger.from_crontab(" ".join(fields), timezone=LOCAL_TIME)
    except ValueError as exc:
        raise ScheduleError(f"the rule {rule!r} is not a cron rule: {exc}") from None


def in_words(rule: str, *, capital: bool = False) -> str | None:
    """The rule as the scheduler reads it, in words ("the first Monday of each month at 5:00pm"); None when it
    cannot be said exactly (show the rule itself then)."""
    try:
        return rule_in_words(trigger(rule), capital=capital)
    except ScheduleError:
        return None


def next_fire(rule: str, after: datetime) -> datetime | None:
    """The first time the rule is due strictly after `after` (UTC)."""
    fire = trigger(rule).get_next_fire_time(None, after + timedelta(microseconds=1))
    return None if fire is None else fire.astimezone(after.tzinfo)


def add(
    session: Session,
    slug: str,
    *,
    cron: str | None = None,
    at: datetime | None = None,
    group: Group,
    now: datetime,
    created_by_id: int | None = None,
) -> Schedule:
    """A schedule for a published survey; every part is checked before it is added (flushed, not committed)."""
    if (cron is None) == (at is None):
        raise ScheduleError("give a recurring rule or a moment to send it once, not both")
    try:
        survey = surveys.find_survey(session, slug)
        surveys.current_version(session, slug)
    except surveys.SurveyNotFound as exc:
        raise ScheduleError(f"there is no published survey {slug!r}") from exc
    if survey.purpose == surveys.STATEMENT:
        raise ScheduleError(f"{slug!r} is a statement: young people send those from their own page")
    if survey.closed_at is not None:
        raise ScheduleError(f"{slug!r} is closed")
    if cron is not None:
        cron = " ".join(cron.split())
        first = next_fire(cron, now)
        if first is None:
            raise ScheduleError(f"the rule {cron!r} is never due")
    else:
        assert at is not None  # noqa: S101 - one of the two, checked above
        if at <= now:
            raise ScheduleError("the moment to send it is in the past")
        first = at
    schedule = Schedule(
        survey_id=survey.id,
        cron=cron,
        run_at=at,
        timezone=str(LOCAL_TIME),
        group_kind=group.kind,
        group_values=list(group.values),
        active=True,
        next_run_at=first,
        created_by_id=created_by_id,
        created_at=now,
    )
    session.add(schedule)
    session.flush()
    return schedule


def listed(session: Session) -> Sequence[Schedule]:
    return session.scalars(
        select(Schedule)
        .where(Schedule.active.is_(True))
        .options(joinedload(Schedule.survey))
        .order_by(Schedule.next_run_at, Schedule.id)
    ).all()


def remove(session: Session, schedule_id: int) -> Schedule:
    """Stop a schedule. Its past runs stay named in their conversations; it never runs again."""
    schedule = session.get(Schedule, schedule_id)
    if schedule is None or not schedule.active:
        raise ScheduleNotFound(schedule_id)
    schedule.active = False
    schedule.next_run_at = None
    return schedule


# --- who a group is -----------------------------------------------------------------------------------------


def members(session: Session, group: Group, *, today: date) -> list[int]:
    """The ids of the group's young people who may be texted, in one query."""
    query = select(Person.id).where(people.may_be_texted())
    if group.kind == "locality":
        query = query.where(Person.locality.in_(group.values))
    elif group.kind == "care-setting":
        query = query.where(Person.care_setting.in_(group.values))
    elif group.kind == "age-band":
        query = query.where(or_(*(_in_band(band, today) for band in group.values)))
    elif group.kind == "refs":
        query = query.where(Person.ref.in_(group.values))
    return list(session.scalars(query.order_by(Person.id)))


def _in_band(band: str, today: date) -> ColumnElement[bool]:
    """In an age band today: by date of birth where the register has one (the stored band was right on the day
    the record was saved), otherwise by the band recorded."""
    born_after, born_on_or_before = age_band_bounds(band, today)
    by_birth = Person.date_of_birth <= born_on_or_before
    if born_after is not None:
        by_birth = and_(by_birth, Person.date_of_birth > born_after)
    return or_(
        and_(Person.date_of_birth.is_not(None), by_birth), and_(Person.date_of_birth.is_(None), Person.age_band == band)
    )


# --- running ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    schedule_id: int
    survey: str
    due_at: datetime
    missed: int  # runs missed before this one (the scheduler was down): caught up once, not each time
    report: sending.SendReport


@commits("each schedule's run is kept as it goes, so one that fails does not undo the others")
def run_due(session: Session, *, now: datetime, links_to: sending.LinkSettings | None = None) -> list[Run]:
    """Run every schedule due at `now`, each once (committed one by one)."""
    due_ids = list(
        session.scalars(
            select(Schedule.id)
            .where(Schedule.active.is_(True), Schedule.next_run_at <= now)
            .order_by(Schedule.next_run_at, Schedule.id)
        )
    )
    runs = []
    for schedule_id in due_ids:
        run = _run_one(session, schedule_id, now=now, links_to=links_to)
        session.commit()
        if run is not None:
            runs.append(run)
    return runs


def _run_one(session: Session, schedule_id: int, *, now: datetime, links_to: sending.LinkSettings | None) -> Run | None:
    # Locked, and checked again: another scheduler or a cron run may have just done it.
    schedule = session.scalars(
        select(Schedule)
        .where(Schedule.id == schedule_id, Schedule.active.is_(True), Schedule.next_run_at <= now)
        .with_for_update(skip_locked=True)
    ).one_or_none()
    if schedule is None or schedule.next_run_at is None:
        return None
    due_at, missed = schedule.next_run_at, 0
    if schedule.cron:
        while (later := next_fire(schedule.cron, due_at)) is not None and later <= now:
            due_at, missed = later, missed + 1
            if missed >= _MAX_CATCH_UP_STEPS:
                break
    schedule.last_run_at = due_at
    schedule.next_run_at = next_fire(schedule.cron, now) if schedule.cron else None
    schedule.active = schedule.next_run_at is not None
    survey: Survey = schedule.survey
    if survey.closed_at is not None:
        log.warning("schedule %s: survey %s is closed; not sent", schedule.id, survey.slug)
        schedule.last_queued = 0
        return None
    try:
        version = surveys.current_version(session, survey.slug)
    except surveys.SurveyNotFound:
        log.warning("schedule %s: survey %s has no published version; not sent", schedule.id, survey.slug)
        schedule.last_queued = 0
        return None
    ids = members(session, group_of(schedule), today=local_date(now))
    occurrence = f"schedule-{schedule.id}-{due_at.astimezone(LOCAL_TIME):%Y%m%dT%H%M}"
    report = sending.send_survey(session, version, ids, occurrence=occurrence, now=now, links_to=links_to)
    schedule.last_queued = report.queued
    log.info(
        "schedule %s ran for %s (missed %s): queued %s, already sent %s, may not be texted %s",
        schedule.id, due_at.isoformat(), missed, report.queued, report.already_sent, report.not_textable,
    )  # fmt: skip
    return Run(schedule.id, survey.slug, due_at, missed, report)

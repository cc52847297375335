"""Safeguarding alerts: a message that may show a risk of harm waits for a member of staff to act on it.

An alert goes to the people who can act for that young person (`permissions.alerts`): their named worker, their
team's duty inbox (no active named worker), their team's managers and the admins. If nobody active is there to see
it, every worker and manager does: a concern must always reach a person. An open alert is shown on every staff page
of those people until someone acknowledges it with a note of what they did; open alerts are read most severe first,
then oldest first. What staff do meanwhile (a text to the young person, a call) is kept as `AlertStep`s, and the
time each risk alert took to acknowledge is reported by month against the aim.

This module reads: what alerts there are, what each is about and who was told, and how long they took. Acting on
one (acknowledging, texting, logging a call) is `feedback.safeguarding.alerts`. Each takes the session, the member
of staff as `Viewer` and the time; none commits.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, func, select
from sqlalchemy.orm import Session, joinedload

from feedback.accounts.models import StaffUser, Team
from feedback.core import permissions
from feedback.core.clock import LOCAL_TIME, local_month
from feedback.core.errors import Invalid, NotFound
from feedback.core.permissions import Viewer
from feedback.messages.models import InboundMessage, OutboundMessage
from feedback.people import register
from feedback.people.models import Person
from feedback.safeguarding.models import AlertStep, AlertTier, Notification, SafeguardingAlert
from feedback.statements.models import Statement
from feedback.surveys.models import Answer, Conversation, Question, SurveyVersion

SEVERITIES = {
    1: "suicide or self-harm",
    2: "abuse, violence or exploitation",
    3: "feeling unsafe or going missing",
    4: "a concern",
}

HISTORY_PAGE_SIZE = 50

# A young person's history shows their newest entries, this many at most, and says when there are more.
PERSON_HISTORY_LIMIT = 200

MONTHS_SHOWN = 12


class AlertError(Invalid):
    """An alert action that cannot be done; the message says why."""


class NoSuchAlert(AlertError, NotFound):
    """No such alert, or not one this member of staff may see (the same answer for both)."""


class NoSuchPerson(NotFound):
    """No such young person, or not one this member of staff may see (the same answer for both)."""


@dataclass(frozen=True)
class Subject:
    """A young person as staff acting on an alert know them: the register's reference (or, when they are not on the
    register, their pseudonym), their worker and team, and what the register says. Never a name or a number."""

    person_id: int
    ref: str | None
    pseudonym: str
    worker: str | None
    worker_active: bool
    team: str | None
    age_band: str | None
    locality: str | None
    care_setting: str | None
    opted_out: bool
    has_phone: bool
    no_consent: bool  # the register says they do not consent to texts

    @property
    def name(self) -> str:
        return self.ref or self.pseudonym

    @property
    def on_register(self) -> bool:
        return self.ref is not None

    @property
    def cannot_text(self) -> str | None:
        """Why this young person cannot be texted, in words for staff; None when they can."""
        if self.opted_out:
            return "they have opted out of texts (they texted STOP), so no text can be sent until they text START."
        if self.no_consent:
            return "the register says they do not consent to texts."
        if not self.has_phone:
            return "there is no phone number for them: they have only used the web."
        return None


def describe(
    session: Session, people: Iterable[Person], *, duty_team_id: int | None, today: date
) -> dict[int, Subject]:
    """Who each of `people` is, by person id. Their team is their own, else their named worker's, else the duty team
    (`permissions.team_of`); their age band is their age today when the register has their date of birth."""
    found = list(people)
    if not found:
        return {}
    teams = dict(session.execute(select(Team.id, Team.name)).all())
    described = {}
    for person in found:
        worker = person.worker
        team_id = person.team_id or (worker.team_id if worker is not None else None) or duty_team_id
        band = person.age_band
        if person.date_of_birth is not None:  # as old as they are today, not as on the day the record was saved
            band = register.age_band(register.age_on(person.date_of_birth, today))
        described[person.id] = Subject(
            person_id=person.id,
            ref=person.ref,
            pseudonym=person.pseudonym,
            worker=(worker.display_name or worker.email) if worker is not None else None,
            worker_active=worker is not None and worker.active,
            team=teams.get(team_id) if team_id is not None else None,
            age_band=band,
            locality=person.locality,
            care_setting=person.care_setting,
            opted_out=person.opted_out,
            has_phone=person.phone_hash is not None,
            no_consent=person.consent_sms is False,
        )
    return described


@dataclass(frozen=True)
class Listed:
    alert: SafeguardingAlert
    subject: Subject

    @property
    def time_to_acknowledge(self) -> timedelta | None:
        if self.alert.acknowledged_at is None:
            return None
        return self.alert.acknowledged_at - self.alert.created_at


def _listed(session: Session, alerts: Sequence[SafeguardingAlert], viewer: Viewer, today: date) -> list[Listed]:
    subjects = describe(session, (a.person for a in alerts), duty_team_id=viewer.duty_team_id, today=today)
    return [Listed(alert, subjects[alert.person_id]) for alert in alerts]


def _with_people() -> tuple[Any, ...]:
    return (
        joinedload(SafeguardingAlert.message),
        joinedload(SafeguardingAlert.person).joinedload(Person.worker),
    )


def open_alerts(session: Session, viewer: Viewer, *, today: date) -> list[Listed]:
    """The open alerts this member of staff should act on: the most severe first, then the oldest first."""
    found = session.scalars(
        select(SafeguardingAlert)
        .where(SafeguardingAlert.acknowledged_at.is_(None), permissions.alerts(viewer))
        .options(*_with_people())
        .order_by(SafeguardingAlert.severity, SafeguardingAlert.created_at, SafeguardingAlert.id)
    ).all()
    return _listed(session, found, viewer, today)


def count_open(session: Session, viewer: Viewer) -> tuple[int, int, int]:
    """How many urgent alerts wait on this member of staff, how many of those were escalated, and how many concerns
    (to read today) wait besides: the banner on every staff page."""
    risk = SafeguardingAlert.tier == AlertTier.RISK
    waiting, escalated, concerns = session.execute(
        select(
            func.count().filter(risk),
            func.count(SafeguardingAlert.escalated_at).filter(risk),
            func.count().filter(SafeguardingAlert.tier == AlertTier.CONCERN),
        ).where(SafeguardingAlert.acknowledged_at.is_(None), permissions.alerts(viewer))
    ).one()
    return int(waiting), int(escalated), int(concerns)


def get_for(session: Session, alert_id: int, viewer: Viewer, *, today: date) -> Listed:
    """One alert this member of staff may see, with who it is about; `NoSuchAlert` for any other."""
    alert = session.scalar(
        select(SafeguardingAlert)
        .where(SafeguardingAlert.id == alert_id, permissions.alerts(viewer))
        .options(*_with_people(), joinedload(SafeguardingAlert.acknowledged_by))
    )
    if alert is None:
        raise NoSuchAlert("There is no such alert for you.")
    return _listed(session, [alert], viewer, today)[0]


@dataclass(frozen=True)
class Told:
    """A notification about an alert as staff may see it: who in words, how, why and when. Never the address
    (`Notification.recipient`) nor what it said (`Notification.body`), which are not even read."""

    label: str
    channel: str
    reason: str
    status: str
    queued_at: datetime
    sent_at: datetime | None

    @property
    def escalation_step(self) -> int | None:
        prefix, _, step = self.reason.partition("-")
        return int(step) if prefix == "escalation" and step.isdigit() else None


def notifications(session: Session, alert_id: int) -> list[Told]:
    """Who was told about an alert, in the order they were told (the caller has checked the alert is theirs)."""
    rows = session.execute(
        select(
            Notification.recipient_label,
            Notification.channel,
            Notification.reason,
            Notification.status,
            Notification.created_at,
            Notification.sent_at,
        )
        .where(Notification.alert_id == alert_id)
        .order_by(Notification.created_at, Notification.id)
    )
    return [Told(*row) for row in rows]


@dataclass(frozen=True)
class Step:
    """Something a member of staff did about an alert, with how a text to the young person fared."""

    step: AlertStep
    who: str
    delivery: str | None  # the outbound message's status, for a text


def steps(session: Session, alert_ids: Sequence[int]) -> dict[int, list[Step]]:
    """What was done about each of these alerts, oldest first, by alert id."""
    if not alert_ids:
        return {}
    rows = session.execute(
        select(AlertStep, OutboundMessage.status)
        .outerjoin(OutboundMessage, OutboundMessage.id == AlertStep.outbound_message_id)
        .where(AlertStep.alert_id.in_(alert_ids))
        .options(joinedload(AlertStep.staff_user))
        .order_by(AlertStep.created_at, AlertStep.id)
    )
    found: dict[int, list[Step]] = defaultdict(list)
    for step, delivery in rows:
        found[step.alert_id].append(Step(step, _name(step.staff_user), delivery))
    return found


def _name(user: StaffUser | None) -> str:
    if user is None:
        return "someone no longer here"
    return user.display_name or user.email


@dataclass(frozen=True)
class HistoryPage:
    rows: list[Listed]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(math.ceil(self.total / HISTORY_PAGE_SIZE), 1)


def acknowledged(session: Session, viewer: Viewer, *, page: int, today: date) -> HistoryPage:
    """Acknowledged alerts this member of staff may see, the most recently acknowledged first, a page at a time."""
    condition = and_(SafeguardingAlert.acknowledged_at.is_not(None), permissions.alerts(viewer))
    total = session.scalar(select(func.count()).select_from(SafeguardingAlert).where(condition)) or 0
    page = min(max(page, 1), max(math.ceil(total / HISTORY_PAGE_SIZE), 1))  # past the end: the last page
    found = session.scalars(
        select(SafeguardingAlert)
        .where(condition)
        .options(*_with_people(), joinedload(SafeguardingAlert.acknowledged_by))
        .order_by(SafeguardingAlert.acknowledged_at.desc(), SafeguardingAlert.id.desc())
        .limit(HISTORY_PAGE_SIZE)
        .offset((page - 1) * HISTORY_PAGE_SIZE)
    ).all()
    return HistoryPage(_listed(session, found, viewer, today), int(total), page)


def percentile(values: Sequence[float], fraction: float) -> float:
    """The `fraction` percentile of `values` (sorted), between the two nearest ranks (as numpy's default and
    `statistics.quantiles(method="inclusive")` do): the median of an even count is the mean of the middle two."""
    if not values:
        raise ValueError("no values")
    position = (len(values) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


@dataclass(frozen=True)
class Month:
    """How fast risk alerts raised in one calendar month (UK time) were acknowledged. The median and the 90th
    percentile are of those acknowledged; those still open are counted apart, and any open longer than the aim
    already missed it."""

    month: str  # YYYY-MM
    raised: int
    acknowledged: int
    still_open: int
    median: timedelta | None
    p90: timedelta | None
    within_aim: int

    @property
    def label(self) -> str:
        return date.fromisoformat(self.month + "-01").strftime("%B %Y")


def months_back(now: datetime, count: int) -> list[str]:
    """The `count` calendar months (UK time) up to and including the one `now` is in, newest first."""
    local = now.astimezone(LOCAL_TIME)
    year, month = local.year, local.month
    found = []
    for _ in range(count):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found


def time_to_acknowledge(
    session: Session, viewer: Viewer, *, now: datetime, aim: timedelta, months: int = MONTHS_SHOWN
) -> list[Month]:
    """Risk alerts this member of staff may see, by the calendar month (UK time) they were raised in, for the last
    `months` months, newest first: how many, how many still open, and the median and 90th percentile time to
    acknowledge against `aim`. Worked out here from the rows, so SQLite and PostgreSQL give the same figures."""
    names = months_back(now, months)
    oldest = names[-1]
    start = datetime(int(oldest[:4]), int(oldest[5:]), 1, tzinfo=LOCAL_TIME)
    rows = session.execute(
        select(SafeguardingAlert.created_at, SafeguardingAlert.acknowledged_at).where(
            SafeguardingAlert.tier == AlertTier.RISK, SafeguardingAlert.created_at >= start, permissions.alerts(viewer)
        )
    )
    taken: dict[str, list[float]] = defaultdict(list)
    still_open: dict[str, int] = defaultdict(int)
    for created, acknowledged_at in rows:
        month = local_month(created)
        if acknowledged_at is None:
            still_open[month] += 1
        else:
            taken[month].append((acknowledged_at - created).total_seconds())
    found = []
    for month in names:
        seconds = sorted(taken[month])
        found.append(
            Month(
                month=month,
                raised=len(seconds) + still_open[month],
                acknowledged=len(seconds),
                still_open=still_open[month],
                median=timedelta(seconds=percentile(seconds, 0.5)) if seconds else None,
                p90=timedelta(seconds=percentile(seconds, 0.9)) if seconds else None,
                within_aim=sum(1 for s in seconds if s <= aim.total_seconds()),
            )
        )
    return found


def person_for(session: Session, person_id: int, viewer: Viewer, *, today: date) -> Subject:
    """A young person whose words this member of staff may read (`permissions.people_in_care`); `NoSuchPerson` for
    anyone else, the same answer as for nobody."""
    person = session.scalar(
        select(Person)
        .where(Person.id == person_id, permissions.people_in_care(viewer))
        .options(joinedload(Person.worker))
    )
    if person is None:
        raise NoSuchPerson(person_id)
    return describe(session, [person], duty_team_id=viewer.duty_team_id, today=today)[person.id]


def may_see_person(session: Session, person_id: int, viewer: Viewer) -> tuple[bool, bool]:
    """Whether this member of staff may open this young person's history, and their register record."""
    history, record = session.execute(
        select(
            permissions.people_in_care(viewer), and_(Person.ref.is_not(None), permissions.register_records(viewer))
        ).where(Person.id == person_id)
    ).one()
    return bool(history), bool(record)


@dataclass(frozen=True)
class Entry:
    """One thing in a young person's history: a message (with the question it answered, if it did), an answer
    given without words (a tap on the web), a statement, or an alert and what was done about it."""

    at: datetime
    kind: str  # message | answer | statement | alert
    words: str | None = None
    channel: str | None = None
    survey: str | None = None
    question: str | None = None
    flagged: bool = False
    statement: Statement | None = None
    alert: SafeguardingAlert | None = None
    steps: list[Step] = field(default_factory=list)


@dataclass(frozen=True)
class History:
    entries: list[Entry]
    total: int

    @property
    def capped(self) -> bool:
        return self.total > len(self.entries)


def _not_in_a_statement(conversation_id: Any) -> ColumnElement[bool]:
    """The row is not part of a statement: a statement is one entry, read on its own page."""
    return ~exists(select(Statement.id).where(Statement.conversation_id == conversation_id))


def history(session: Session, person_id: int, viewer: Viewer, *, limit: int = PERSON_HISTORY_LIMIT) -> History:
    """A young person's messages, survey answers, statements and alerts that this member of staff may see, the
    newest first, at most `limit` of them (`total` says how many there are)."""
    messages_seen = and_(
        InboundMessage.person_id == person_id,
        permissions.messages(viewer),
        _not_in_a_statement(InboundMessage.conversation_id),
    )
    answers_seen = and_(
        Conversation.person_id == person_id,
        Answer.inbound_message_id.is_(None),
        Answer.status == "answered",
        permissions.conversations(viewer),
        _not_in_a_statement(Answer.conversation_id),
    )
    statements_seen = and_(Statement.person_id == person_id, permissions.statements(viewer))
    alerts_seen = and_(SafeguardingAlert.person_id == person_id, permissions.alerts(viewer))
    entries = (
        _messages(session, messages_seen, limit)
        + _answers(session, answers_seen, limit)
        + _statements(session, statements_seen, limit)
        + _alerts(session, alerts_seen, limit)
    )
    # An alert goes above the message that raised it, as what came of it.
    entries.sort(key=lambda entry: (entry.at, entry.kind == "alert"), reverse=True)
    total = sum(
        session.scalar(query) or 0
        for query in (
            select(func.count()).select_from(InboundMessage).where(messages_seen),
            select(func.count()).select_from(Answer).join(Conversation).where(answers_seen),
            select(func.count()).select_from(Statement).where(statements_seen),
            select(func.count()).select_from(SafeguardingAlert).where(alerts_seen),
        )
    )
    return History(entries[:limit], int(total))


def _messages(session: Session, condition: ColumnElement[bool], limit: int) -> list[Entry]:
    rows = session.execute(
        select(InboundMessage, Question.web_text, Question.text, SurveyVersion.title)
        .outerjoin(Answer, Answer.inbound_message_id == InboundMessage.id)
        .outerjoin(Question, Question.id == Answer.question_id)
        .outerjoin(SurveyVersion, SurveyVersion.id == Question.survey_version_id)
        .where(condition)
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        .limit(limit)
    )
    found: dict[int, Entry] = {}
    for message, web_text, text, title in rows:
        found.setdefault(
            message.id,
            Entry(
                at=message.received_at,
                kind="message",
                words=message.body,
                channel=message.channel,
                survey=title,
                question=web_text or text,
                flagged=bool(message.risk),
            ),
        )
    return list(found.values())


def _answers(session: Session, condition: ColumnElement[bool], limit: int) -> list[Entry]:
    rows = session.execute(
        select(Answer, Question, SurveyVersion.title, Conversation.channel)
        .join(Conversation, Conversation.id == Answer.conversation_id)
        .join(Question, Question.id == Answer.question_id)
        .join(SurveyVersion, SurveyVersion.id == Question.survey_version_id)
        .where(condition)
        .order_by(Answer.answered_at.desc(), Answer.id.desc())
        .limit(limit)
    )
    return [
        Entry(
            at=answer.answered_at,
            kind="answer",
            words=answer_words(answer, question),
            channel=channel,
            survey=title,
            question=question.web_text or question.text,
        )
        for answer, question, title, channel in rows
    ]


def answer_words(answer: Answer, question: Question) -> str:
    """An answer as the young person gave it, in words: a rating by its label where the question has them."""
    if answer.value_number is not None and question.labels and question.min_value is not None:
        index = answer.value_number - question.min_value
        if 0 <= index < len(question.labels):
            return f"{answer.value_number} ({question.labels[index]})"
    if answer.value_number is not None and question.min_value is not None and question.max_value is not None:
        return f"{answer.value_number} on a scale of {question.min_value} to {question.max_value}"
    if answer.value_number is not None:
        return str(answer.value_number)
    return answer.value_option or answer.value_text or answer.raw_text or ""


def _statements(session: Session, condition: ColumnElement[bool], limit: int) -> list[Entry]:
    found = session.scalars(
        select(Statement)
        .where(condition)
        .options(joinedload(Statement.conversation).joinedload(Conversation.version))
        .order_by(Statement.sent_at.desc(), Statement.id.desc())
        .limit(limit)
    ).all()
    return [
        Entry(
            at=s.sent_at,
            kind="statement",
            survey=s.conversation.version.title,
            channel=s.conversation.channel,
            statement=s,
        )
        for s in found
    ]


def _alerts(session: Session, condition: ColumnElement[bool], limit: int) -> list[Entry]:
    found = session.scalars(
        select(SafeguardingAlert)
        .where(condition)
        .options(joinedload(SafeguardingAlert.acknowledged_by))
        .order_by(SafeguardingAlert.created_at.desc(), SafeguardingAlert.id.desc())
        .limit(limit)
    ).all()
    done = steps(session, [alert.id for alert in found])
    return [Entry(at=alert.created_at, kind="alert", alert=alert, steps=done.get(alert.id, [])) for alert in found]


# --- what waits, by whose young person it is about (the staff home page) ----------------------------------------


@dataclass(frozen=True)
class Waiting:
    """Open alerts about one group of young people: urgent ones (how many escalated, when the oldest was raised)
    and concerns to read today."""

    risk: int = 0
    escalated: int = 0
    oldest_risk: datetime | None = None
    concerns: int = 0


# Whose young person an alert is about, as the member of staff sees it: one they are the named worker of, one of
# their team's, or anyone else's they see (every one for an admin; for workers and managers, a young person nobody
# active would otherwise see).
YOURS, TEAM, OTHERS = "yours", "team", "others"


def waiting_by_whose(session: Session, viewer: Viewer) -> dict[str, Waiting]:
    """The open alerts this member of staff sees (`permissions.alerts`, as the banner and the alerts page count
    them), by whose young person they are about (`YOURS`, `TEAM`, `OTHERS`); a group with none is left out. Open
    alerts are few, so they are grouped here rather than in SQL. Whose is read apart: `permissions.alerts` names the
    young person in a subquery of its own, which a join to them here would swallow."""
    rows = session.execute(
        select(
            SafeguardingAlert.tier,
            SafeguardingAlert.escalated_at,
            SafeguardingAlert.created_at,
            SafeguardingAlert.person_id,
        ).where(SafeguardingAlert.acknowledged_at.is_(None), permissions.alerts(viewer))
    ).all()
    in_team = permissions.team_of(viewer.duty_team_id) == viewer.team_id if viewer.team_id is not None else false()
    whose_of = {
        person_id: YOURS if named else TEAM if team else OTHERS
        for person_id, named, team in session.execute(
            select(Person.id, Person.worker_id == viewer.id, in_team).where(Person.id.in_({r.person_id for r in rows}))
        )
    }
    found: dict[str, Waiting] = {}
    for tier, escalated_at, created_at, person_id in rows:
        whose = whose_of[person_id]
        was = found.get(whose, Waiting())
        if tier == AlertTier.RISK:
            oldest = created_at if was.oldest_risk is None else min(was.oldest_risk, created_at)
            was = Waiting(was.risk + 1, was.escalated + (escalated_at is not None), oldest, was.concerns)
        else:
            was = Waiting(was.risk, was.escalated, was.oldest_risk, was.concerns + 1)
        found[whose] = was
    return found

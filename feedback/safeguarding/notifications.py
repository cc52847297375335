"""Who is told about a safeguarding alert, and what they are told.

A new risk alert goes at once to the young person's named worker and to their team's duty inbox (the team's email
address, or else every active member of the team), by email and, to those who gave a mobile, by text; a young
person with no named worker and no team (most who text in are not on the register) is the `DUTY_TEAM_NAME` team's.
Out of office hours the council's out-of-hours service is told too, by email and text. A concern (a worker should
read it today) goes by email to the named worker, or the duty inbox, and pages nobody. If nobody at all would be
told, every active manager and admin is: a risk must always reach a person.

What a notification says is safe for an inbox or a phone's lock screen: never the young person's words and never a
phone number. It gives their register reference (or pseudonym), the named worker and team, the kind of concern, when,
and a link to the alert, where staff who may see that young person read the rest once signed in.

Everything here only queues (`notification` rows, flushed with the alert in the caller's transaction): the worker
delivers them (`delivery`). Each row's key names the alert, the step of the ladder, the channel and the recipient,
so the same notification is never queued twice, whatever retries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Exists, exists, select
from sqlalchemy.orm import Session

from feedback.accounts.models import StaffUser, Team
from feedback.core.clock import LOCAL_TIME
from feedback.core.db_types import current_cipher
from feedback.core.dbutil import insert_or_ignore
from feedback.core.errors import Invalid
from feedback.core.permissions import NAMED_WORKER_ROLES, Role
from feedback.people.models import Person
from feedback.safeguarding.models import (
    AlertTier,
    Notification,
    NotificationChannel,
    NotificationStatus,
    SafeguardingAlert,
)
from feedback.safeguarding.office_hours import OfficeHours
from feedback.statements.models import Statement

EMAIL, SMS = NotificationChannel.EMAIL, NotificationChannel.SMS
QUEUED = NotificationStatus.QUEUED

# Who a step of the escalation ladder tells.
MANAGERS = "managers"
OUT_OF_HOURS = "out-of-hours"
HEAD_OF_SERVICE = "head-of-service"
ADMINS = "admins"
AUDIENCES = (MANAGERS, OUT_OF_HOURS, HEAD_OF_SERVICE, ADMINS)
DEFAULT_LADDER = ((MANAGERS,), (OUT_OF_HOURS, HEAD_OF_SERVICE))


class LadderError(Invalid):
    """An escalation ladder that cannot be read; the message says how to write one."""


def parse_ladder(raw: str | None) -> tuple[tuple[str, ...], ...]:
    """ "managers; out-of-hours, head-of-service": steps separated by semicolons, each naming who it tells."""
    if raw is None or not raw.strip():
        return DEFAULT_LADDER
    steps = []
    for part in raw.split(";"):
        names = tuple(dict.fromkeys(name.strip().lower() for name in part.split(",") if name.strip()))
        unknown = [name for name in names if name not in AUDIENCES]
        if unknown or not names:
            raise LadderError(
                f"SAFEGUARDING_ESCALATION_LADDER: each step names some of {', '.join(AUDIENCES)}, steps separated by "
                f"semicolons (such as 'managers; out-of-hours, head-of-service'), not {raw!r}"
            )
        steps.append(names)
    return tuple(steps)


@dataclass(frozen=True)
class NotifyPolicy:
    base_url: str
    office_hours: OfficeHours
    duty_team_name: str
    escalate_after: timedelta
    ladder: tuple[tuple[str, ...], ...] = DEFAULT_LADDER
    out_of_hours_email: str | None = None
    out_of_hours_phone: str | None = None
    head_of_service_email: str | None = None
    head_of_service_phone: str | None = None
    statement_escalation_days: int = 2

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> NotifyPolicy:
        """The policy of these settings. Built once per distinct settings: every text's webhook asks for it, and
        parsing office hours, the ladder and two phone numbers each time would be work on the hot path."""
        from feedback.config import ConfigurationError, public_base_url

        try:
            base_url = public_base_url(config)
        except ConfigurationError:
            base_url = ""  # links in notifications are then paths on the staff pages
        return _policy(
            base_url=base_url,
            office_hours=config["OFFICE_HOURS"],
            holidays=tuple(config["PUBLIC_HOLIDAYS"]),
            duty_team_name=config["DUTY_TEAM_NAME"],
            escalate_minutes=int(config["SAFEGUARDING_ESCALATION_MINUTES"]),
            ladder=config.get("SAFEGUARDING_ESCALATION_LADDER"),
            out_of_hours_email=config.get("OUT_OF_HOURS_EMAIL"),
            out_of_hours_phone=config.get("OUT_OF_HOURS_PHONE"),
            head_of_service_email=config.get("HEAD_OF_SERVICE_EMAIL"),
            head_of_service_phone=config.get("HEAD_OF_SERVICE_PHONE"),
            statement_escalation_days=int(config["STATEMENT_ESCALATION_WORKING_DAYS"]),
        )

    def step(self, number: int) -> tuple[str, ...]:
        """Who step `number` (1, 2, ...) tells: past the top of the ladder, the top again, until someone acts."""
        return self.ladder[min(number, len(self.ladder)) - 1]


@lru_cache(maxsize=8)
def _policy(
    *,
    base_url: str,
    office_hours: str,
    holidays: tuple[date, ...],
    duty_team_name: str,
    escalate_minutes: int,
    ladder: str | None,
    out_of_hours_email: str | None,
    out_of_hours_phone: str | None,
    head_of_service_email: str | None,
    head_of_service_phone: str | None,
    statement_escalation_days: int,
) -> NotifyPolicy:
    return NotifyPolicy(
        base_url=base_url,
        office_hours=OfficeHours.parse(office_hours, holidays),
        duty_team_name=duty_team_name,
        escalate_after=timedelta(minutes=escalate_minutes),
        ladder=parse_ladder(ladder),
        out_of_hours_email=out_of_hours_email,
        out_of_hours_phone=_phone(out_of_hours_phone),
        head_of_service_email=head_of_service_email,
        head_of_service_phone=_phone(head_of_service_phone),
        statement_escalation_days=statement_escalation_days,
    )


def _phone(raw: str | None) -> str | None:
    from feedback.people.operations import normalise_phone

    return normalise_phone(raw) if raw else None


@dataclass(frozen=True)
class Recipient:
    channel: str
    address: str
    # Safe to show and to log: a role and a display name, never the address.
    label: str
    staff_user_id: int | None = None


@dataclass(frozen=True)
class Who:
    """The young person an alert is about, as a notification may name them."""

    reference: str
    worker: StaffUser | None
    team: Team | None

    def lines(self) -> list[str]:
        worker = self.worker.display_name or "their named worker" if self.worker else "none"
        team = f" ({self.team.name})" if self.team else ""
        return [f"Who: {self.reference}", f"Named worker: {worker}{team}"]


def who(session: Session, person: Person, duty_team_name: str) -> Who:
    worker = person.worker if person.worker is not None and person.worker.active else None
    team_id = person.team_id or (worker.team_id if worker else None)
    team = session.get(Team, team_id) if team_id else _duty_team(session, duty_team_name)
    if person.ref:
        reference = f"register reference {person.ref}"
    else:
        reference = f"pseudonym {person.pseudonym} (not on the register)"
    return Who(reference, worker, team)


def _duty_team(session: Session, name: str) -> Team | None:
    return session.scalar(select(Team).where(Team.name == name))


def _staff(user: StaffUser, role_label: str, *, text: bool) -> list[Recipient]:
    label = f"{role_label} {user.display_name or 'member of staff'}".strip()
    found = [Recipient(EMAIL, user.email, label, user.id)]
    if text and user.mobile:
        found.append(Recipient(SMS, user.mobile, label, user.id))
    return found


def _members(session: Session, team: Team | None, roles: Iterable[Role]) -> Sequence[StaffUser]:
    if team is None:
        return []
    return session.scalars(
        select(StaffUser)
        .where(StaffUser.team_id == team.id, StaffUser.active.is_(True), StaffUser.role.in_([r.value for r in roles]))
        .order_by(StaffUser.id)
    ).all()


def _everyone_in_charge(session: Session, *, text: bool) -> list[Recipient]:
    """Every active manager and admin: the last resort when nobody else would be told."""
    people = session.scalars(
        select(StaffUser)
        .where(StaffUser.active.is_(True), StaffUser.role.in_([Role.MANAGER.value, Role.ADMIN.value]))
        .order_by(StaffUser.id)
    ).all()
    return [r for user in people for r in _staff(user, user.role, text=text)]


def _out_of_hours(policy: NotifyPolicy, *, text: bool) -> list[Recipient]:
    found = []
    if policy.out_of_hours_email:
        found.append(Recipient(EMAIL, policy.out_of_hours_email, "out-of-hours service"))
    if text and policy.out_of_hours_phone:
        found.append(Recipient(SMS, policy.out_of_hours_phone, "out-of-hours service"))
    return found


def first_recipients(
    session: Session, alert: SafeguardingAlert, whom: Who, *, now: datetime, policy: NotifyPolicy
) -> list[Recipient]:
    """Who hears of a new alert at once."""
    urgent = alert.tier == AlertTier.RISK
    found: list[Recipient] = []
    if whom.worker is not None:
        found += _staff(whom.worker, "named worker", text=urgent)
    if whom.worker is None or urgent:
        if whom.team is not None and whom.team.email:
            found.append(Recipient(EMAIL, whom.team.email, f"{whom.team.name} duty inbox"))
        else:
            for member in _members(session, whom.team, NAMED_WORKER_ROLES):
                found += _staff(member, f"{whom.team.name if whom.team else 'team'} duty", text=urgent)
    if not found:
        found = _everyone_in_charge(session, text=urgent)
    if urgent and not policy.office_hours.open_at(now):
        found += _out_of_hours(policy, text=True)
    return _unique(found)


def step_recipients(session: Session, whom: Who, audiences: Iterable[str], policy: NotifyPolicy) -> list[Recipient]:
    """Who a step of the escalation ladder tells."""
    found: list[Recipient] = []
    for audience in audiences:
        if audience == MANAGERS:
            managers = _members(session, whom.team, [Role.MANAGER])
            found += [r for m in managers for r in _staff(m, "manager", text=True)]
            if not managers:  # a team with no manager: every manager and admin
                found += _everyone_in_charge(session, text=True)
        elif audience == OUT_OF_HOURS:
            found += _out_of_hours(policy, text=True)
        elif audience == HEAD_OF_SERVICE:
            if policy.head_of_service_email:
                found.append(Recipient(EMAIL, policy.head_of_service_email, "head of service"))
            if policy.head_of_service_phone:
                found.append(Recipient(SMS, policy.head_of_service_phone, "head of service"))
        elif audience == ADMINS:
            admins = session.scalars(
                select(StaffUser).where(StaffUser.active.is_(True), StaffUser.role == Role.ADMIN.value)
            ).all()
            found += [r for a in admins for r in _staff(a, "admin", text=True)]
    if not found:
        found = _everyone_in_charge(session, text=True)
    return _unique(found)


def _unique(found: Iterable[Recipient]) -> list[Recipient]:
    seen: dict[tuple[str, str], Recipient] = {}
    for recipient in found:
        seen.setdefault((recipient.channel, recipient.address.strip().lower()), recipient)
    return list(seen.values())


def _short_reference(whom: Who) -> str:
    """SL-0042, or the pseudonym of someone not on the register."""
    return whom.reference.removeprefix("register reference ").removeprefix("pseudonym ").split(" (")[0]


def _when(moment: datetime) -> str:
    local = moment.astimezone(LOCAL_TIME)
    return f"{local:%H:%M} on {local:%A} {local.day} {local:%B %Y} (UK time)"


def _short_when(moment: datetime) -> str:
    local = moment.astimezone(LOCAL_TIME)
    return f"{local:%H:%M %a} {local.day} {local:%b}"


def kind_of(alert: SafeguardingAlert) -> str:
    return alert.reason or ("a possible risk of harm" if alert.tier == AlertTier.RISK else "a concern")


def alert_link(policy: NotifyPolicy, alert: SafeguardingAlert) -> str:
    return f"{policy.base_url}/staff/alerts/{alert.id}"


def compose_alert(
    alert: SafeguardingAlert, whom: Who, *, step: int, policy: NotifyPolicy, channel: str
) -> tuple[str, str]:
    """The subject and body of a notification about an alert: no words of the young person, no phone number."""
    urgent = alert.tier == AlertTier.RISK
    title = "Safeguarding alert" if urgent else "Safeguarding concern"
    kind = kind_of(alert)
    link = alert_link(policy, alert)
    minutes = int(policy.escalate_after.total_seconds() // 60)
    if channel == SMS:
        first = f"{'ESCALATED ' if step else ''}{title}: {kind}."
        worker = whom.worker.display_name or "named" if whom.worker else "none"
        return "", f"{first} Ref {_short_reference(whom)}, worker {worker}. {_short_when(alert.created_at)}. {link}"
    reference = _short_reference(whom)
    if step:
        subject = f"Escalated {title.lower()}: {kind} ({reference}), not acknowledged for {minutes * step} minutes"
        opening = (
            f"Nobody has acknowledged this safeguarding alert for {minutes * step} minutes. Please make sure someone "
            "acts on it now."
        )
    elif urgent:
        subject = f"{title}: {kind} ({reference})"
        opening = "A young person's message may show a risk of harm. Someone needs to act on it now."
    else:
        subject = f"{title}: {kind} ({reference})"
        opening = "A young person's message may show a concern a worker should read today."
    lines = [
        opening,
        "",
        *whom.lines(),
        f"Kind of concern: {kind}",
        f"Received: {_when(alert.created_at)}",
        f"Open the alert: {link}",
        "",
        "Their words are not in this email: open the alert, signed in, to read them and their history. "
        "Acknowledge it there with what you did.",
    ]
    if urgent:
        lines.append(f"Until someone does, it is escalated every {minutes} minutes.")
    return subject[:200], "\n".join(lines) + "\n"


def _queue(
    session: Session,
    recipients: Iterable[Recipient],
    *,
    key: str,
    reason: str,
    compose: Any,
    now: datetime,
    alert_id: int | None = None,
    statement_id: int | None = None,
) -> int:
    rows = []
    for recipient in recipients:
        subject, body = compose(recipient.channel)
        address_key = current_cipher().lookup_hash(recipient.address.strip().lower())[:32]
        rows.append(
            {
                "key": f"{key}:{recipient.channel}:{address_key}",
                "channel": recipient.channel,
                "recipient": recipient.address.strip(),
                "recipient_label": recipient.label[:120],
                "staff_user_id": recipient.staff_user_id,
                "alert_id": alert_id,
                "statement_id": statement_id,
                "reason": reason,
                "subject": subject or body[:200],
                "body": body,
                "status": QUEUED,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    if not rows:
        return 0
    result = session.execute(insert_or_ignore(session, Notification, ["key"]), rows)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def alert_raised(session: Session, alert: SafeguardingAlert, *, now: datetime, policy: NotifyPolicy) -> int:
    """Queue the notifications of a new alert (in the caller's transaction). Returns how many were queued."""
    person = alert.person or session.get(Person, alert.person_id)
    assert person is not None  # noqa: S101 - an alert always has its person
    whom = who(session, person, policy.duty_team_name)
    recipients = first_recipients(session, alert, whom, now=now, policy=policy)
    return _queue(
        session,
        recipients,
        key=f"alert:{alert.id}:0",
        reason="new",
        compose=lambda channel: compose_alert(alert, whom, step=0, policy=policy, channel=channel),
        now=now,
        alert_id=alert.id,
    )


def alert_escalated(session: Session, alert: SafeguardingAlert, *, now: datetime, policy: NotifyPolicy) -> int:
    """Queue the notifications of the step the alert has just gone up to (`alert.escalation_step`)."""
    step = alert.escalation_step
    whom = who(session, alert.person, policy.duty_team_name)
    recipients = step_recipients(session, whom, policy.step(step), policy)
    return _queue(
        session,
        recipients,
        key=f"alert:{alert.id}:{step}",
        reason=f"escalation-{step}",
        compose=lambda channel: compose_alert(alert, whom, step=step, policy=policy, channel=channel),
        now=now,
        alert_id=alert.id,
    )


def statement_escalated(session: Session, statement: Statement, *, now: datetime, policy: NotifyPolicy) -> int:
    """Email the team's managers about a statement nobody has read in its working days."""
    person = session.get(Person, statement.person_id)
    assert person is not None  # noqa: S101 - a statement always has its person
    whom = who(session, person, policy.duty_team_name)
    team = session.get(Team, statement.team_id) if statement.team_id else whom.team
    managers = _members(session, team, [Role.MANAGER]) if team else []
    recipients = [r for m in managers for r in _staff(m, "manager", text=False)]
    if not recipients:
        recipients = _everyone_in_charge(session, text=False)
    link = f"{policy.base_url}/staff/statements/{statement.id}"
    days = policy.statement_escalation_days

    def compose(channel: str) -> tuple[str, str]:
        reference = _short_reference(whom)
        body = "\n".join(
            [
                f"A statement from a young person has not been read for {days} working days.",
                "",
                *whom.lines(),
                f"Sent: {_when(statement.sent_at)}",
                f"Open the statement: {link}",
                "",
                "Its words are not in this email: open it, signed in, to read and answer it.",
            ]
        )
        return f"Unread statement ({reference}): {days} working days without a reply", body + "\n"

    return _queue(
        session,
        recipients,
        key=f"statement:{statement.id}:escalation",
        reason="statement-escalation",
        compose=compose,
        now=now,
        statement_id=statement.id,
    )


# Why a notification went, for the statements it is about (the notifications page words them).
STATEMENT_ANSWER = "statement-answer"


def statement_answered(
    session: Session,
    statement: Statement,
    answer_id: int,
    answered_at: datetime,
    *,
    now: datetime,
    policy: NotifyPolicy,
) -> int:
    """Email the statement's worker (with none, or one who has left, the team's duty inbox) that the young person
    answered their reply: as the escalation email does, a reference, who and when, and a link, never their words.
    Queued once per answer."""
    person = session.get(Person, statement.person_id)
    assert person is not None  # noqa: S101 - a statement always has its person
    whom = who(session, person, policy.duty_team_name)
    link = f"{policy.base_url}/staff/statements/{statement.id}"

    def compose(channel: str) -> tuple[str, str]:
        body = "\n".join(
            [
                "A young person has answered your reply to their statement. It is waiting for you to read it.",
                "",
                *whom.lines(),
                f"Answered: {_when(answered_at)}",
                f"Open the statement: {link}",
                "",
                "Their words are not in this email: open it, signed in, to read and answer it.",
            ]
        )
        return f"A young person answered your reply ({_short_reference(whom)})", body + "\n"

    return _queue(
        session,
        _statement_readers(session, statement, whom),
        key=f"statement:{statement.id}:answer:{answer_id}",
        reason=STATEMENT_ANSWER,
        compose=compose,
        now=now,
        statement_id=statement.id,
    )


def _statement_readers(session: Session, statement: Statement, whom: Who) -> list[Recipient]:
    """Who reads a statement's answer: its worker while they are active, else its team's duty inbox (the team's
    address, or its workers and managers), else every manager and admin, as for a concern: someone always reads it."""
    worker = statement.worker if statement.worker is not None and statement.worker.active else None
    if worker is not None:
        return _staff(worker, "named worker", text=False)
    team = session.get(Team, statement.team_id) if statement.team_id else whom.team
    if team is not None and team.email:
        return [Recipient(EMAIL, team.email, f"{team.name} duty inbox")]
    members = _members(session, team, NAMED_WORKER_ROLES)
    found = [r for member in members for r in _staff(member, f"{team.name if team else 'team'} duty", text=False)]
    return found or _everyone_in_charge(session, text=False)


STAFF_TEXT_REPLY = (
    "This number is for young people's messages, so your text has not been kept or read. To act on an alert, open it "
    "on the staff pages: {link}"
)


def is_staff_number(session: Session, phone: str, policy: NotifyPolicy) -> bool:
    """Whether a text comes from a member of staff's mobile or the out-of-hours service or head of service (texted
    from the service's own number, they may text back): never filed as a young person's message."""
    if is_service_number(phone, policy):
        return True
    return bool(session.scalar(select(staff_mobile_among(current_cipher().lookup_hashes(phone)))))


def is_service_number(phone: str, policy: NotifyPolicy) -> bool:
    """The out-of-hours service's or the head of service's number: staff numbers kept in the settings."""
    return phone in {policy.out_of_hours_phone, policy.head_of_service_phone}


def staff_mobile_among(hashes: Any) -> Exists:
    """Whether a member of staff's mobile has one of these keyed hashes (`Cipher.lookup_hashes`; a list, or an
    expanding bind parameter for a statement built once): `is_staff_number` for the staff kept in the database."""
    return exists().where(StaffUser.mobile_hash.in_(hashes))


def staff_text_reply(policy: NotifyPolicy) -> str:
    return STAFF_TEXT_REPLY.format(link=f"{policy.base_url}/staff/alerts")

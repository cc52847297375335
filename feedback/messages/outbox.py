"""The outbox: messages to young people, queued in the database and delivered by senders.

A message is claimed by exactly one sender before it is sent (an atomic UPDATE, with SKIP LOCKED on PostgreSQL),
so any number of senders can run at once and none sends a message twice. Opt-out is checked again at the moment
of sending. Transient failures are retried with exponential backoff; Twilio's error 21610 (the number has opted
out with the carrier) opts the person out here too.

Replies to a young person's own message go first (`priority` 0), then single messages from staff, then bulk
sends, so a reply is never stuck behind a survey going to thousands. In quiet hours (21:00 to 08:00 local time by
default) only those replies are sent; everything else waits in the queue for the morning. All senders together
keep to one send rate per sending number (`Pacer`), whose next free slot is a row in the database.

If a sender dies between handing a message to Twilio and recording it, the message stays `sending`; if Twilio
took the request but its answer never came (a read timeout), the message is `unconfirmed`. Neither is retried
automatically, because sending twice is worse than asking a person to look.
"""

from __future__ import annotations

import logging
import time as wallclock
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import Table, func, select, text, update
from sqlalchemy.orm import Session

from feedback.core.clock import LOCAL_TIME
from feedback.core.db_types import current_cipher
from feedback.core.dbutil import insert_or_ignore
from feedback.core.errors import FeedbackError
from feedback.core.transactions import commits
from feedback.messages.models import OPT_OUT_HANDLING, InboundMessage, OutboundMessage, OutboundStatus, SendPace
from feedback.people import operations as people
from feedback.people.models import Person
from feedback.surveys import conversations
from feedback.surveys.models import Conversation

log = logging.getLogger(__name__)

QUEUED = OutboundStatus.QUEUED
SENDING = OutboundStatus.SENDING
SENT = OutboundStatus.SENT
SIMULATED = OutboundStatus.SIMULATED
SKIPPED = OutboundStatus.SKIPPED
FAILED = OutboundStatus.FAILED
UNCONFIRMED = OutboundStatus.UNCONFIRMED  # Twilio may have taken it: never retried, for a person to check
REPLIED = OutboundStatus.REPLIED  # given back in the webhook's own answer (TwiML), not through the outbox

# What goes first. A reply to the young person's own message (also in quiet hours); one message from staff to one
# young person; a bulk send.
REPLY_PRIORITY, SINGLE_PRIORITY, BULK_PRIORITY = 0, 1, 2
_PRIORITIES = {
    "reply": REPLY_PRIORITY,
    "safeguarding": REPLY_PRIORITY,  # a worker's text about a safeguarding alert: never held for quiet hours
    "statement-reply": SINGLE_PRIORITY,
    "link": SINGLE_PRIORITY,
}


def priority_of(kind: str) -> int:
    return _PRIORITIES.get(kind, BULK_PRIORITY)


# Twilio: "Attempt to send to unsubscribed recipient" (the person texted STOP to the carrier or Twilio).
TWILIO_UNSUBSCRIBED = 21610

# Delivery states from Twilio's status callbacks, in the order they can happen; a late callback never moves a
# message backwards.
STATUS_RANK = {
    QUEUED: 0, "accepted": 0, "scheduled": 0, SENDING: 1, UNCONFIRMED: 1, SENT: 2, SIMULATED: 2,
    "delivered": 3, "undelivered": 3, FAILED: 3, "read": 4, "canceled": 3,
}  # fmt: skip


@dataclass(frozen=True)
class SendResult:
    provider_sid: str | None
    status: str  # sent | simulated


class SendError(FeedbackError):
    """A send that failed. `transient` failures (Twilio out of reach, 429, 5xx) are worth retrying; an
    `unconfirmed` one (the request went, the answer never came) may have been sent and must not be retried."""

    def __init__(self, message: str, *, transient: bool, code: int | None = None, unconfirmed: bool = False) -> None:
        super().__init__(message)
        self.transient = transient and not unconfirmed
        self.code = code
        self.unconfirmed = unconfirmed


# Where the app factory puts the function that chooses a sender from the settings (the SMS channel's): the worker
# and the commands take it from there, so nothing below the channels imports one.
SENDER_EXTENSION = "feedback.sender"


class Sender(Protocol):
    def send(self, to: str, body: str) -> SendResult: ...


class SimulatedSender:
    """Stores instead of sending: used without Twilio credentials and for fictional numbers."""

    def send(self, to: str, body: str) -> SendResult:
        return SendResult(provider_sid=None, status=SIMULATED)


@dataclass
class FlushReport:
    sent: int = 0
    simulated: int = 0
    skipped: int = 0
    failed: int = 0
    unconfirmed: int = 0
    retrying: int = 0
    error_codes: dict[int, int] = field(default_factory=dict)
    held: int = 0  # due, but waiting for quiet hours to end

    @property
    def handled(self) -> int:
        return self.sent + self.simulated + self.skipped + self.failed + self.unconfirmed + self.retrying


@dataclass(frozen=True)
class QuietHours:
    """From `start` to `end` local time (across midnight when start > end) nothing but replies is sent."""

    start: time = time(21, 0)
    end: time = time(8, 0)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> QuietHours:
        return cls(config["QUIET_HOURS_START"], config["QUIET_HOURS_END"])

    def contains(self, moment: datetime) -> bool:
        local = moment.astimezone(LOCAL_TIME).time()
        if self.start == self.end:
            return False  # no quiet hours
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def ends_after(self, moment: datetime) -> datetime:
        """When the quiet hours `moment` falls in end (in UTC); `moment` itself when it is not quiet."""
        if not self.contains(moment):
            return moment
        local = moment.astimezone(LOCAL_TIME)
        day = local.date() if local.time() < self.end else local.date() + timedelta(days=1)
        return datetime.combine(day, self.end, tzinfo=LOCAL_TIME).astimezone(UTC)


NO_QUIET_HOURS = QuietHours(time(0, 0), time(0, 0))


def goes_at(quiet: QuietHours, now: datetime, kind: str) -> datetime:
    """When a text of `kind` queued at `now` may go: now, or (anything but a reply to the young person's own
    message, `claim_next`) when the quiet hours `now` falls in end. What a page tells staff about a text it queued."""
    return now if priority_of(kind) == REPLY_PRIORITY else quiet.ends_after(now)


class Pacer:
    """Keeps every sender together to `rate` messages a second for one sending number: each send takes the next
    free slot from the `send_pace` row (locked while it is moved on) and waits for it. Real time, not the
    service's clock: it paces what actually leaves."""

    def __init__(
        self,
        sender: str,
        rate: float,
        *,
        sleep: Callable[[float], None] = wallclock.sleep,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.sender = sender[:64]
        self.interval = timedelta(seconds=1 / rate)
        self.sleep = sleep
        self.clock = clock

    @commits("a send slot is taken for every sender process at once")
    def wait(self, session: Session) -> None:
        moment = self.clock()
        session.execute(
            insert_or_ignore(session, SendPace, ["sender"]), {"sender": self.sender, "next_slot_at": moment}
        )
        pace = session.scalars(select(SendPace).where(SendPace.sender == self.sender).with_for_update()).one()
        slot = max(pace.next_slot_at, moment)
        pace.next_slot_at = slot + self.interval
        session.commit()
        delay = (slot - moment).total_seconds()
        if delay > 0:
            self.sleep(delay)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_seconds: int = 30
    cap_seconds: int = 3600

    def delay(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class Outgoing:
    """A message to one young person, before it is recorded."""

    person_id: int
    body: str
    kind: str
    conversation_id: int | None = None
    in_reply_to_id: int | None = None
    channel: str = "sms"


def record(session: Session, messages: Sequence[Outgoing], *, now: datetime, replied_inline: bool = False) -> list[int]:
    """Record outbound messages in one statement: queued for the senders, or (`replied_inline`) already given back
    in the webhook's own answer. Every outbound message is written here. Returns their ids, in order."""
    if not messages:
        return []
    if len(messages) >= BULK_ROWS and session.get_bind().dialect.name == "postgresql":
        return _record_bulk_postgres(session, messages, now=now, replied_inline=replied_inline)
    inserted = session.execute(
        cast(Table, OutboundMessage.__table__).insert().returning(OutboundMessage.id, sort_by_parameter_order=True),
        [
            {
                "person_id": m.person_id,
                "conversation_id": m.conversation_id,
                "in_reply_to_id": m.in_reply_to_id,
                "channel": m.channel,
                "kind": m.kind,
                "priority": priority_of(m.kind),
                "body": m.body,
                "status": REPLIED if replied_inline else QUEUED,
                "attempts": 0,
                "sent_at": now if replied_inline else None,
                "next_attempt_at": None if replied_inline else now,
                "created_at": now,
                "updated_at": now,
            }
            for m in messages
        ],
    )
    return list(inserted.scalars())


# From this many messages at once (a bulk send), PostgreSQL takes them as arrays in one INSERT ... SELECT FROM
# unnest: one short statement, parsed once, instead of a thousand-row VALUES list parsed afresh each batch.
BULK_ROWS = 100

_BULK_INSERT = text(
    """
    INSERT INTO outbound_message (person_id, conversation_id, in_reply_to_id, channel, kind, priority, body, status,
                                  attempts, sent_at, next_attempt_at, created_at, updated_at)
    SELECT t.person_id, t.conversation_id, t.in_reply_to_id, t.channel, t.kind, t.priority, t.body, :status,
           0, :sent_at, :next_attempt_at, :now, :now
    FROM unnest(CAST(:person_ids AS integer[]), CAST(:conversation_ids AS integer[]),
                CAST(:in_reply_to_ids AS integer[]), CAST(:channels AS text[]), CAST(:kinds AS text[]),
                CAST(:priorities AS integer[]), CAST(:bodies AS text[]))
         WITH ORDINALITY AS t(person_id, conversation_id, in_reply_to_id, channel, kind, priority, body, n)
    ORDER BY t.n
    RETURNING id
    """
)


def _record_bulk_postgres(
    session: Session, messages: Sequence[Outgoing], *, now: datetime, replied_inline: bool
) -> list[int]:
    """`record` for many messages on PostgreSQL. The bodies are encrypted here, as the column type would. The
    ids come from one sequence in the order the rows go in, so sorted they are in the order of `messages`."""
    cipher = current_cipher()
    rows = session.execute(
        _BULK_INSERT,
        {
            "person_ids": [m.person_id for m in messages],
            "conversation_ids": [m.conversation_id for m in messages],
            "in_reply_to_ids": [m.in_reply_to_id for m in messages],
            "channels": [m.channel for m in messages],
            "kinds": [m.kind for m in messages],
            "priorities": [priority_of(m.kind) for m in messages],
            "bodies": [cipher.encrypt(m.body) for m in messages],
            "status": REPLIED if replied_inline else QUEUED,
            "sent_at": now if replied_inline else None,
            "next_attempt_at": None if replied_inline else now,
            "now": now,
        },
    )
    return sorted(rows.scalars())


# Loop protection: the same text to the same person this many times within the window is not sent again (an
# auto-responder answering our replies would otherwise ping-pong with us for ever).
LOOP_REPEATS = 3
LOOP_WINDOW = timedelta(minutes=10)


def repeated(session: Session, person_id: int, bodies: Iterable[str], now: datetime) -> set[str]:
    """Which of `bodies` the person has already been sent LOOP_REPEATS times in the last LOOP_WINDOW. The
    bodies are encrypted with a random IV, so the few recent ones are read and compared here, not in SQL."""
    wanted = set(bodies)
    if not wanted:
        return set()
    recent = session.scalars(
        select(OutboundMessage.body)
        .where(
            OutboundMessage.person_id == person_id,
            OutboundMessage.created_at >= now - LOOP_WINDOW,
            OutboundMessage.status != SKIPPED,
        )
        .order_by(OutboundMessage.id.desc())
        .limit(100)
    )
    counts = Counter(body for body in recent if body in wanted)
    return {body for body, n in counts.items() if n >= LOOP_REPEATS}


def queue(session: Session, message: Outgoing, *, now: datetime) -> int:
    """Queue one message for the senders, due at `now`; returns its id."""
    return record(session, [message], now=now)[0]


@commits("a claim must be seen by every other sender before the message is sent, so only one sends it")
def claim_next(session: Session, now: datetime, quiet: QuietHours = NO_QUIET_HOURS) -> int | None:
    """Claim the most urgent due message for this sender (committed), or None when nothing may go now: in quiet
    hours, only replies to a young person's own message."""
    due = select(OutboundMessage.id).where(OutboundMessage.status == QUEUED, OutboundMessage.next_attempt_at <= now)
    if quiet.contains(now):
        due = due.where(OutboundMessage.priority == REPLY_PRIORITY)
    first = (
        due.order_by(OutboundMessage.priority, OutboundMessage.next_attempt_at, OutboundMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    claimed = session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == first, OutboundMessage.status == QUEUED)
        .values(status=SENDING, attempts=OutboundMessage.attempts + 1, updated_at=now)
        .returning(OutboundMessage.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    session.commit()
    return claimed


def held(session: Session, now: datetime, quiet: QuietHours) -> int:
    """How many due messages wait for quiet hours to end (0 outside them)."""
    if not quiet.contains(now):
        return 0
    return int(
        session.scalar(
            select(func.count()).where(
                OutboundMessage.status == QUEUED,
                OutboundMessage.next_attempt_at <= now,
                OutboundMessage.priority != REPLY_PRIORITY,
            )
        )
        or 0
    )


@dataclass(frozen=True)
class Delivery:
    status: str
    error_code: int | None = None


def deliver(session: Session, message_id: int, sender: Sender, *, now: datetime, retry: RetryPolicy) -> Delivery:
    """Send one claimed message and record what happened (committed)."""
    message = session.get(OutboundMessage, message_id)
    if message is None or message.status != SENDING:
        raise LookupError(f"outbound message {message_id} is not claimed")
    person = message.person
    if person.phone is None or (person.opted_out and not _confirms_opt_out(session, message)):
        return Delivery(_finish(session, message, SKIPPED, now))
    transport: Sender = SimulatedSender() if people.is_fictional(person.phone) else sender
    try:
        result = transport.send(person.phone, message.body)
    except SendError as exc:
        return Delivery(_failed(session, message, person, exc, now=now, retry=retry), exc.code)
    message.provider_sid = result.provider_sid
    message.sent_at = now
    return Delivery(_finish(session, message, result.status, now))


def _confirms_opt_out(session: Session, message: OutboundMessage) -> bool:
    """Whether `message` is the reply to the young person's own STOP: the one text that goes to someone opted out,
    saying they are (`inbound._opt_out` gives no other reply to it)."""
    if message.kind != "reply" or message.in_reply_to_id is None:
        return False
    handling = session.scalar(select(InboundMessage.handling).where(InboundMessage.id == message.in_reply_to_id))
    return handling == OPT_OUT_HANDLING


@commits("what became of a send is kept the moment it is known, so a message is never sent twice")
def _failed(
    session: Session,
    message: OutboundMessage,
    person: Person,
    exc: SendError,
    *,
    now: datetime,
    retry: RetryPolicy,
) -> str:
    message.error_code = exc.code
    log.warning("outbound message %s failed (attempt %s, code %s)", message.id, message.attempts, exc.code)
    if exc.code == TWILIO_UNSUBSCRIBED:
        people.opt_out(person, now)
        return _finish(session, message, FAILED, now)
    if exc.unconfirmed:
        return _finish(session, message, UNCONFIRMED, now)
    if exc.transient and message.attempts < retry.max_attempts:
        message.status = QUEUED
        message.next_attempt_at = now + retry.delay(message.attempts)
        message.updated_at = now
        session.commit()
        return QUEUED
    return _finish(session, message, FAILED, now)


@commits("what became of a send is kept the moment it is known, so a message is never sent twice")
def _finish(session: Session, message: OutboundMessage, status: str, now: datetime) -> str:
    message.status = status
    message.updated_at = now
    if message.conversation_id is not None:
        conversation = session.get(Conversation, message.conversation_id)
        if conversation is not None and conversation.status == conversations.INVITED:
            if status in {SENT, SIMULATED, UNCONFIRMED}:
                # Most likely delivered (Twilio rarely loses one): the reply should answer the first question.
                conversations.activate(session, conversation, now)
            else:
                conversations.cancel(conversation, now)
    session.commit()
    return status


def flush(
    session: Session,
    sender: Sender,
    *,
    now: datetime,
    retry: RetryPolicy,
    limit: int | None = None,
    quiet: QuietHours = NO_QUIET_HOURS,
    pacer: Pacer | None = None,
    clock: Callable[[], datetime] | None = None,
) -> FlushReport:
    """Deliver everything that may go at `now`, most urgent first, one claimed message at a time (each after its
    slot, with a pacer), and report what happened and what waits for quiet hours to end.

    With a `clock` (the worker), each claim asks it for the time afresh, so a reply queued while a bulk send is
    going out is the very next message claimed, not one for the next round."""
    report = FlushReport()
    while limit is None or report.handled < limit:
        if clock is not None:
            now = clock()
        message_id = claim_next(session, now, quiet)
        if message_id is None:
            break
        if pacer is not None:
            pacer.wait(session)
        delivery = deliver(session, message_id, sender, now=now, retry=retry)
        if delivery.status == QUEUED:
            report.retrying += 1
        else:
            setattr(report, delivery.status, getattr(report, delivery.status) + 1)
        if delivery.error_code is not None:
            report.error_codes[delivery.error_code] = report.error_codes.get(delivery.error_code, 0) + 1
    report.held = held(session, now, quiet)
    return report


def record_status(session: Session, provider_sid: str, status: str, error_code: int | None, now: datetime) -> int:
    """Apply a delivery status callback; a late or repeated callback never moves a message backwards."""
    status = status.lower()
    rank = STATUS_RANK.get(status)
    if rank is None:
        return 0
    messages = session.scalars(select(OutboundMessage).where(OutboundMessage.provider_sid == provider_sid)).all()
    changed = 0
    for message in messages:
        if STATUS_RANK.get(message.status, 0) <= rank and message.status != status:
            message.status = status
            message.updated_at = now
            changed += 1
        if error_code is not None:
            message.error_code = error_code
            if error_code == TWILIO_UNSUBSCRIBED:
                people.opt_out(message.person, now)
    session.flush()
    return changed


def backlog(session: Session, now: datetime) -> int:
    """How many messages are due and not yet sent."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(OutboundMessage)
            .where(OutboundMessage.status == QUEUED, OutboundMessage.next_attempt_at <= now)
        )
        or 0
    )

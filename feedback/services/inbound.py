"""Everything a young person sends: stored first, screened, then handled, once.

`receive()` commits the message before anything else happens, deduplicated on the provider's id, so a message is
never lost even if handling it fails. `process()` screens it for safeguarding first (opt-out words included),
then handles it: opt-out and opt-in, HELP, a survey keyword, an answer, or free-text feedback. It commits the
outcome together with the replies it records, and does nothing for a message already processed, so a retried
webhook never sends a reply twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from feedback.models import InboundMessage, Person, SafeguardingAlert
from feedback.services import conversations, outbox, people
from feedback.services.dbutil import insert_or_ignore
from feedback.services.keywords import HELP_WORDS, START_WORDS, STOP_WORDS, keyword_of
from feedback.services.screening import screen_message
from feedback.services.surveys import find_by_keyword
from feedback.services.wording import Wording

log = logging.getLogger(__name__)

RECEIVED = "received"
PROCESSED = "processed"
MAX_HANDLING_ATTEMPTS = 5
# A stored message still unprocessed after this long lost its webhook's handling (the request failed and Twilio
# did not retry): the worker handles it and queues the replies.
STRANDED_AFTER = timedelta(minutes=2)


@dataclass(frozen=True)
class InboundPolicy:
    wording: Wording
    conversation_timeout: timedelta
    max_reasks: int
    acknowledgement_interval: timedelta = timedelta(hours=24)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> InboundPolicy:
        return cls(
            wording=Wording.from_config(config),
            conversation_timeout=timedelta(hours=config["CONVERSATION_TIMEOUT_HOURS"]),
            max_reasks=config["MAX_REASKS"],
        )


@dataclass(frozen=True)
class Received:
    message_id: int
    duplicate: bool


@dataclass
class Outcome:
    handling: str
    replies: list[str] = field(default_factory=list)
    already_processed: bool = False
    risk: bool = False


@dataclass(frozen=True)
class Arrival:
    """A message as it arrived on a channel, before anything has been done with it."""

    channel: str
    provider_sid: str
    sender: str
    body: str
    num_media: int = 0
    opt_out_type: str | None = None


def receive(session: Session, arrival: Arrival, *, now: datetime) -> Received:
    """Store an inbound message durably (committed) and say whether it was already stored."""
    person_id = people.person_id_for(session, people.sender_address(arrival.sender))
    inserted = session.execute(
        insert_or_ignore(session, InboundMessage, ["provider_sid"]).returning(InboundMessage.id),
        {
            "channel": arrival.channel,
            "provider_sid": arrival.provider_sid,
            "person_id": person_id,
            "body": arrival.body,
            "num_media": arrival.num_media,
            "opt_out_type": (arrival.opt_out_type or "").upper() or None,
            "received_at": now,
            "status": RECEIVED,
        },
    ).scalar_one_or_none()
    if inserted is None:
        message_id = session.scalar(
            select(InboundMessage.id).where(InboundMessage.provider_sid == arrival.provider_sid)
        )
        assert message_id is not None  # noqa: S101 - the conflict means it is there
    else:
        message_id = inserted
    session.commit()
    return Received(message_id=message_id, duplicate=inserted is None)


def accept(session: Session, arrival: Arrival, *, now: datetime, policy: InboundPolicy) -> Outcome:
    """Store, then screen and handle, one message that has just arrived; the replies go back inline."""
    received = receive(session, arrival, now=now)
    return process(session, received.message_id, now=now, policy=policy)


def process(
    session: Session, message_id: int, *, now: datetime, policy: InboundPolicy, reply_inline: bool = True
) -> Outcome:
    """Screen and handle a stored message once, commit, and return the replies to send back.

    With `reply_inline` the caller sends the replies in its own answer (TwiML); without it (a message picked up
    later by the worker) they are queued in the outbox.
    """
    # One message per person at a time: the message and its person are locked together, so two texts sent in quick
    # succession are handled in turn (on PostgreSQL the second waits here) and answer two questions rather than
    # racing for one.
    row = session.execute(
        select(InboundMessage, Person)
        .join(Person, InboundMessage.person_id == Person.id)
        .where(InboundMessage.id == message_id)
        .with_for_update()
    ).one_or_none()
    if row is None:
        raise LookupError(f"no inbound message {message_id}")
    message, person = row
    if message.status == PROCESSED:
        session.rollback()
        return Outcome(message.handling or "", already_processed=True)

    screening = screen_message(session, message.body)
    replies: list[str] = []
    alert = None
    if screening.risk:
        alert, replies = _raise_alert(session, message, person, reason=screening.reason, now=now, policy=policy)
        outcome = _handle_keeping_alert(
            session, message, person, now=now, policy=policy, reason=screening.reason, help_replies=replies
        )
    else:
        # Writes are collected and flushed together at the end: one UPDATE of the message, not one per change.
        with session.no_autoflush:
            outcome = _handle(session, message, person, now, policy)
    outcome.risk = screening.risk
    _hold_back_loops(session, message, person, outcome, now)
    outcome.replies[:0] = replies  # the safeguarding help is never held back
    message.risk = screening.risk
    message.risk_reason = screening.reason or None
    message.handling = outcome.handling
    message.status = PROCESSED
    message.processed_at = now
    outbox.record(
        session,
        [
            outbox.Outgoing(
                person_id=person.id,
                body=reply,
                kind="reply",
                conversation_id=message.conversation_id,
                in_reply_to_id=message.id,
                channel=message.channel,
            )
            for reply in outcome.replies
        ],
        now=now,
        replied_inline=reply_inline,
    )
    session.commit()
    if alert is not None:
        log.warning("safeguarding alert %s raised (%s)", alert.id, screening.reason)
    return outcome


# A sender who texts more than this in BURST_WINDOW is still stored, screened and handled, but not answered: a
# runaway phone or a script must not make the service text back without end.
BURST_LIMIT = 30
BURST_WINDOW = timedelta(minutes=10)


def _hold_back_loops(
    session: Session, message: InboundMessage, person: Person, outcome: Outcome, now: datetime
) -> None:
    """Loop protection: no reply to a burst of texts, and never the same reply again and again."""
    if not outcome.replies:
        return
    recent = session.scalar(
        select(func.count()).where(
            InboundMessage.person_id == person.id, InboundMessage.received_at >= now - BURST_WINDOW
        )
    )
    if (recent or 0) > BURST_LIMIT:
        log.warning("message %s: not answered (more than %s texts in %s)", message.id, BURST_LIMIT, BURST_WINDOW)
        outcome.replies = []
        return
    looping = outbox.repeated(session, person.id, outcome.replies, now)
    if looping:
        log.warning("message %s: %s repeated replies held back (loop protection)", message.id, len(looping))
        outcome.replies = [reply for reply in outcome.replies if reply not in looping]


def _raise_alert(
    session: Session, message: InboundMessage, person: Person, *, reason: str, now: datetime, policy: InboundPolicy
) -> tuple[SafeguardingAlert | None, list[str]]:
    """The alert for a message that may show risk, and the help to send at once; nothing new if an earlier
    attempt at handling this message already raised them."""
    if session.scalar(select(SafeguardingAlert.id).where(SafeguardingAlert.inbound_message_id == message.id)):
        return None, []
    alert = SafeguardingAlert(inbound_message_id=message.id, person_id=person.id, reason=reason, created_at=now)
    session.add(alert)
    session.flush()
    # Someone who has opted out is not texted, even now; the alert still reaches a person.
    return alert, [] if person.opted_out else [policy.wording.safeguarding]


def _handle_keeping_alert(
    session: Session,
    message: InboundMessage,
    person: Person,
    *,
    now: datetime,
    policy: InboundPolicy,
    reason: str,
    help_replies: list[str],
) -> Outcome:
    """Handle a message that raised an alert. If handling fails, the alert and the help reply are committed all
    the same (a concern never waits on a bug), and the message stays stored to be handled again."""
    try:
        with session.begin_nested(), session.no_autoflush:
            return _handle(session, message, person, now, policy)
    except Exception:
        message.risk = True
        message.risk_reason = reason
        outbox.record(
            session,
            [
                outbox.Outgoing(person_id=person.id, body=reply, kind="reply", in_reply_to_id=message.id)
                for reply in help_replies
            ],
            now=now,
        )
        session.commit()
        log.warning("message %s shows risk (%s) and its handling failed; its alert stands", message.id, reason)
        raise


def _handle(session: Session, message: InboundMessage, person: Person, now: datetime, policy: InboundPolicy) -> Outcome:
    keyword = keyword_of(message.body)
    # Twilio's Advanced Opt-Out has already answered a message it tags with OptOutType: say nothing more.
    twilio_replied = message.opt_out_type is not None
    wording = policy.wording

    if message.opt_out_type == "STOP" or keyword in STOP_WORDS:
        changed = people.opt_out(person, now)
        conversations.end_active(session, person.id, conversations.STOPPED, now)
        return Outcome("opt-out", [wording.opted_out] if changed and not twilio_replied else [])
    if person.opted_out:
        if message.opt_out_type == "START" or keyword in START_WORDS:
            people.opt_in(person)
            return Outcome("opt-in", [] if twilio_replied else [wording.opted_in])
        # Opted out: stored and screened like everything else, but nothing is sent back.
        return Outcome("feedback")
    if message.opt_out_type == "HELP" or keyword in HELP_WORDS:
        return Outcome("help", [] if twilio_replied else [wording.help])
    if keyword in START_WORDS - {"YES"}:
        return Outcome("opt-in", [wording.already_subscribed])

    conversation = conversations.active_conversation(session, person, now, policy.conversation_timeout)
    version = find_by_keyword(session, keyword)
    if version is not None:
        if conversation is not None and conversation.survey_version_id == version.id:
            message.conversation_id = conversation.id
            conversation.last_activity_at = now
            return Outcome("survey-resume", [conversations.current_question(conversation).text])
        started = conversations.start(session, person, version, channel=message.channel, now=now)
        message.conversation_id = started.id
        return Outcome("survey-start", [conversations.opening(version)])
    if conversation is not None:
        message.conversation_id = conversation.id
        step = conversations.answer(
            session, conversation, message.body, message=message, now=now, max_reasks=policy.max_reasks
        )
        return Outcome(step.handling, [step.reply])
    return Outcome("feedback", _acknowledge(person, now, policy))


def _acknowledge(person: Person, now: datetime, policy: InboundPolicy) -> list[str]:
    """Thank someone for unprompted feedback, at most once a day, so that chatting never floods them."""
    last = person.last_acknowledged_at
    if last is not None and now - last < policy.acknowledgement_interval:
        return []
    person.last_acknowledged_at = now
    return [policy.wording.acknowledgement]


def unprocessed(session: Session, now: datetime, limit: int = 100) -> list[int]:
    """Messages stored at least STRANDED_AFTER ago but never handled (their handling failed and no retry came),
    oldest first, leaving out those waiting after a failed attempt and those that have failed too often (they
    need a person)."""
    return list(
        session.scalars(
            select(InboundMessage.id)
            .where(
                InboundMessage.status == RECEIVED,
                InboundMessage.received_at <= now - STRANDED_AFTER,
                InboundMessage.handling_attempts < MAX_HANDLING_ATTEMPTS,
                or_(InboundMessage.retry_after.is_(None), InboundMessage.retry_after <= now),
            )
            .order_by(InboundMessage.received_at)
            .limit(limit)
        )
    )


def note_failed_attempt(session: Session, message_id: int, now: datetime) -> int:
    """Record that handling a stored message failed (committed): it waits 2, 4, 8... minutes before the next try.
    The message itself is kept whatever happens. Returns the number of attempts so far."""
    message = session.get(InboundMessage, message_id)
    if message is None:
        raise LookupError(f"no inbound message {message_id}")
    message.handling_attempts += 1
    message.retry_after = now + timedelta(minutes=2**message.handling_attempts)
    session.commit()
    return message.handling_attempts

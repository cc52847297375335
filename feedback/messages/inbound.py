"""Everything a young person sends: stored first, screened, then handled, once.

`receive()` commits the message before anything else happens, deduplicated on the provider's id, so a message is
never lost even if handling it fails. `process()` screens it for safeguarding first (opt-out words included),
then handles it. A message that may show risk raises its alert and is answered with the safeguarding help alone:
it is kept as free text, never as an answer, and a survey in progress waits at its question; only STOP still acts
on it. A concern raises an alert of its own tier and is otherwise handled as usual: opt-out (a STOP word, or a wish
to stop in the young person's own words) and opt-in, HELP, a survey keyword, a request for help, an answer, or
free-text feedback. It commits the outcome together with the replies it records, and does nothing for a message
already processed, so a retried webhook never sends a reply twice.

Storing never waits on handling: handling locks the message and its person `FOR NO KEY UPDATE`, which lets
another transaction insert rows that point at the person (the foreign key check takes only `FOR KEY SHARE`), so
the next text from someone whose last one is being handled is still stored at once.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from feedback.analysis.safeguarding import LEARNED_CONCERN
from feedback.core.dbutil import insert_or_ignore
from feedback.core.errors import FeedbackError
from feedback.core.transactions import commits
from feedback.messages import outbox
from feedback.messages.keywords import HELP_WORDS, START_WORDS, STOP_WORDS, keyword_of, wants_to_stop
from feedback.messages.models import Channel, InboundMessage, InboundStatus
from feedback.messages.wording import Wording
from feedback.people import links
from feedback.people import operations as people
from feedback.people.models import Person
from feedback.safeguarding.alerting import concern_reason, raise_alert
from feedback.safeguarding.models import AlertTier, SafeguardingAlert
from feedback.safeguarding.notifications import NotifyPolicy
from feedback.safeguarding.screening import Screening, screen_message
from feedback.surveys import conversations
from feedback.surveys.operations import find_by_keyword

log = logging.getLogger(__name__)

SMS = Channel.SMS
RECEIVED = InboundStatus.RECEIVED
PROCESSED = InboundStatus.PROCESSED
# How a message was handled (InboundMessage.handling), where more than one function needs the word.
OPT_OUT = "opt-out"
# A message that may show risk: answered with the safeguarding help alone, kept as free text, never an answer.
SAFEGUARDING = "safeguarding"
# "help me", "can someone phone me" (a concern): answered with `Wording.help_on_its_way`, kept as free text.
HELP_REQUEST = "help-request"
MAX_HANDLING_ATTEMPTS = 5
# A stored message still unprocessed after this long lost its webhook's handling (the request failed and Twilio
# did not retry): the worker handles it and queues the replies.
STRANDED_AFTER = timedelta(minutes=2)
# A web form's nonce as its page makes it (secrets.token_urlsafe): what the form sends is stored as "web-" + nonce
# (64 characters at most), so the same form sent twice is stored once.
WEB_NONCE = re.compile(r"[A-Za-z0-9_-]{1,60}")


def form_nonce(nonce: str) -> str:
    """`nonce` when it is one a page made; else a fresh one. It is a hidden field anyone can change: one too long
    for its column, or with a NUL byte in it, must not lose the words, which are stored as a form of their own."""
    return nonce if WEB_NONCE.fullmatch(nonce) else secrets.token_urlsafe(16)


# PostgreSQL's SQLSTATE when a lock was not granted within lock_timeout (or NOWAIT).
LOCK_NOT_AVAILABLE = "55P03"


class Busy(FeedbackError):
    """Another transaction held a lock that handling needs for longer than the caller would wait (normally the
    young person's previous message being handled). Nothing was done: the message stays stored, to be handled
    when the lock is free."""


@dataclass(frozen=True)
class InboundPolicy:
    wording: Wording
    conversation_timeout: timedelta
    max_reasks: int
    notify: NotifyPolicy
    acknowledgement_interval: timedelta = timedelta(hours=24)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> InboundPolicy:
        return cls(
            wording=Wording.from_config(config),
            notify=NotifyPolicy.from_config(config),
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
    # The replies are to go back in the caller's own answer (TwiML); otherwise they were queued in the outbox.
    replied_inline: bool = False


@dataclass(frozen=True)
class Arrival:
    """A message as it arrived on a channel, before anything has been done with it."""

    channel: str
    provider_sid: str
    sender: str
    body: str
    num_media: int = 0
    opt_out_type: str | None = None


@commits("store first: what a young person sent is kept before anything else may fail")
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
    session: Session,
    message_id: int,
    *,
    now: datetime,
    policy: InboundPolicy,
    reply_inline: bool = True,
    lock_wait: timedelta | None = None,
    reply_by: float | None = None,
) -> Outcome:
    """Screen and handle a stored message once, commit, and return the replies to send back.

    With `reply_inline` the caller sends the replies in its own answer (TwiML), unless `reply_by` (a
    `time.monotonic()` deadline) has passed when they are recorded: an answer that late would reach nobody, so
    they are queued in the outbox, as they always are without `reply_inline` (a message the worker picked up).
    `Outcome.replied_inline` says which. With `lock_wait` (PostgreSQL) no lock is waited for longer than that:
    `Busy` is raised instead, having done nothing.
    """
    try:
        return _process(
            session, message_id, now=now, policy=policy, lock_wait=lock_wait, inline=reply_inline, reply_by=reply_by
        )
    except OperationalError as exc:
        if not lock_not_available(exc):
            raise
        session.rollback()
        raise Busy(f"message {message_id}: a lock its handling needs is held elsewhere") from exc


@commits("handling one stored message is a transaction of its own, its replies recorded with it")
def _process(
    session: Session,
    message_id: int,
    *,
    now: datetime,
    policy: InboundPolicy,
    lock_wait: timedelta | None,
    inline: bool,
    reply_by: float | None,
) -> Outcome:
    wait_at_most(session, lock_wait)
    # One message per person at a time: the message and its person are locked together, so two texts sent in quick
    # succession are handled in turn (on PostgreSQL the second waits here) and answer two questions rather than
    # racing for one. FOR NO KEY UPDATE, not FOR UPDATE: rows that point at the person (the next message, being
    # stored) may still be inserted meanwhile.
    row = session.execute(
        select(InboundMessage, Person)
        .join(Person, InboundMessage.person_id == Person.id)
        .where(InboundMessage.id == message_id)
        .with_for_update(key_share=True)
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
        alert, replies = _raise_alert(
            session, message, person, reason=screening.reason, severity=screening.severity, now=now, policy=policy
        )
        outcome = _handle_keeping_alert(
            session, message, person, now=now, policy=policy, reason=screening.reason, help_replies=replies
        )
        if outcome.handling == OPT_OUT:
            # STOP wins: they are opted out and the alert stands, but nothing more is texted (Twilio would refuse
            # it after its own opt-out); the people the alert reached can phone.
            replies = []
    else:
        if screening.concern and not _is_help_keyword(message):
            # Raised first, in the same transaction as the handling: both commit, or neither and the message is
            # handled again. The HELP keyword alone asks what the service is, the way every SMS service is asked;
            # "help me" is a young person asking for someone.
            alert = _raise_concern(session, message, person, screening, now=now, policy=policy)
        # Writes are collected and flushed together at the end: one UPDATE of the message, not one per change.
        with session.no_autoflush:
            outcome = _handle(session, message, person, now, policy, screening=screening)
    outcome.risk = screening.risk
    _hold_back_loops(session, message, person, outcome, now)
    outcome.replies[:0] = replies  # the safeguarding help is never held back
    # The urgent flag only: a concern is an alert of its own tier, not a risk.
    message.risk = screening.risk
    message.risk_reason = screening.reason if screening.risk else None
    message.handling = outcome.handling
    message.status = PROCESSED
    message.processed_at = now
    outcome.replied_inline = inline and (reply_by is None or time.monotonic() < reply_by)
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
        replied_inline=outcome.replied_inline,
    )
    session.commit()
    if alert is not None:
        log.warning("safeguarding alert %s raised (%s, %s)", alert.id, alert.tier, alert.reason)
    return outcome


def wait_at_most(session: Session, wait: timedelta | None) -> None:
    """On PostgreSQL, wait at most `wait` for any lock for the rest of this transaction (SET LOCAL lock_timeout):
    past it the statement fails with LOCK_NOT_AVAILABLE (`lock_not_available`). SQLite has no row locks; its busy
    timeout bounds the wait for the write lock."""
    if wait is None or session.get_bind().dialect.name != "postgresql":
        return
    milliseconds = max(1, int(wait.total_seconds() * 1000))  # 0 would mean no limit at all
    session.execute(text("SELECT set_config('lock_timeout', :wait, true)"), {"wait": f"{milliseconds}ms"})


def lock_not_available(error: OperationalError) -> bool:
    """Whether a statement failed because a lock was not granted within `wait_at_most`."""
    return getattr(error.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE


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
    session: Session,
    message: InboundMessage,
    person: Person,
    *,
    reason: str,
    severity: int | None,
    now: datetime,
    policy: InboundPolicy,
) -> tuple[SafeguardingAlert | None, list[str]]:
    """The alert for a message that may show risk, and the help to send at once; nothing new if an earlier
    attempt at handling this message already raised them."""
    alert = raise_alert(
        session,
        message_id=message.id,
        person_id=person.id,
        reason=reason,
        tier=AlertTier.RISK,
        severity=severity,
        now=now,
        policy=policy.notify,
    )
    if alert is None:
        return None, []
    # Someone who has opted out is not texted, even now; the alert still reaches a person.
    return alert, [] if person.opted_out else [policy.wording.safeguarding]


def _raise_concern(
    session: Session,
    message: InboundMessage,
    person: Person,
    screening: Screening,
    *,
    now: datetime,
    policy: InboundPolicy,
) -> SafeguardingAlert | None:
    """The concern alert for a message that is not a risk but that a worker should read today; nothing new if an
    earlier attempt at handling this message already raised it. No help reply of its own: the message is handled
    as usual (a request for help gets its answer there)."""
    return raise_alert(
        session,
        message_id=message.id,
        person_id=person.id,
        reason=concern_reason(screening),
        tier=AlertTier.CONCERN,
        severity=screening.severity,
        now=now,
        policy=policy.notify,
    )


@commits("a safeguarding alert already raised is kept even if the handling after it fails")
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
    """Handle a message that raised an alert (`_handle_risky`). If handling fails, the alert and the help reply are
    committed all the same (a concern never waits on a bug), and the message stays stored to be handled again."""
    try:
        with session.begin_nested(), session.no_autoflush:
            return _handle_risky(session, message, person, now, policy)
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


def _handle_risky(
    session: Session, message: InboundMessage, person: Person, now: datetime, policy: InboundPolicy
) -> Outcome:
    """A message that may show risk: its only reply is the safeguarding help (`_raise_alert`), never an everyday
    acknowledgement or the next question. It is kept as free text, analysed like feedback, and not as an answer:
    a survey in progress waits at the same question, and the young person's next text carries it on. STOP still
    opts out."""
    if _is_stop(message):
        return _opt_out(session, message, person, now, policy)
    conversation = conversations.active_conversation(session, person, now, policy.conversation_timeout)
    if conversation is not None:
        # Kept beside the survey it interrupted, which stays open for as long as they are still texting.
        message.conversation_id = conversation.id
        conversation.last_activity_at = now
    return Outcome(SAFEGUARDING)


def _is_help_keyword(message: InboundMessage) -> bool:
    """Twilio's HELP, or HELP or INFO as the whole message."""
    return message.opt_out_type == "HELP" or keyword_of(message.body) in HELP_WORDS


def _is_stop(message: InboundMessage) -> bool:
    """Twilio's opt-out, or one of the STOP words as the whole message."""
    return message.opt_out_type == "STOP" or keyword_of(message.body) in STOP_WORDS


def _opt_out(
    session: Session, message: InboundMessage, person: Person, now: datetime, policy: InboundPolicy
) -> Outcome:
    """Opt the person out and end their survey in progress; confirm it once, unless Twilio's Advanced Opt-Out
    already did (it tags the message with OptOutType)."""
    changed = people.opt_out(person, now)
    conversations.end_active(session, person.id, conversations.STOPPED, now)
    twilio_replied = message.opt_out_type is not None
    return Outcome(OPT_OUT, [policy.wording.opted_out] if changed and not twilio_replied else [])


def _handle(
    session: Session,
    message: InboundMessage,
    person: Person,
    now: datetime,
    policy: InboundPolicy,
    *,
    screening: Screening,
) -> Outcome:
    """Handle a message that shows no risk. A concern (its alert raised) is handled as usual, an answer staying an
    answer, except that a concern the screen names is never read as a wish to stop in the young person's own words
    ("he won't leave me alone"), and a request for help ("help me", "can someone phone me") is answered as one."""
    keyword = keyword_of(message.body)
    # Twilio's Advanced Opt-Out has already answered a message it tags with OptOutType: say nothing more.
    twilio_replied = message.opt_out_type is not None
    wording = policy.wording

    if _is_stop(message) or (wants_to_stop(message.body) and not _names_a_concern(screening)):
        return _opt_out(session, message, person, now, policy)
    if person.opted_out:
        if message.opt_out_type == "START" or keyword in START_WORDS:
            people.opt_in(person)
            return Outcome("opt-in", [] if twilio_replied else [wording.opted_in])
        # Opted out: stored and screened like everything else, but nothing is sent back.
        return Outcome("feedback")
    if message.opt_out_type == "HELP" or keyword in HELP_WORDS:
        return _help(session, message, person, now, policy, twilio_replied=twilio_replied)
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
    if screening.concern and screening.asks_for_help:
        # "help me", "can someone phone me": a worker has been asked (the concern alert), and that is the whole
        # reply; a survey in progress waits at the same question, as it does for a risk.
        if conversation is not None:
            message.conversation_id = conversation.id
            conversation.last_activity_at = now
        return Outcome(HELP_REQUEST, [wording.help_on_its_way])
    if conversation is not None:
        message.conversation_id = conversation.id
        step = conversations.answer(
            session, conversation, message.body, message=message, now=now, max_reasks=policy.max_reasks
        )
        return Outcome(step.handling, [step.reply])
    return Outcome("feedback", _acknowledge(person, now, policy))


def _names_a_concern(screening: Screening) -> bool:
    """Whether the screen names a concern in a message (a risk never comes here): then a wish to stop in the young
    person's own words is read as what it may be, and handled as usual. Only the learned screen's hunch on a message
    that is nothing but a wish to stop ("stop texting me pls") does not keep them texted against their word: they are
    opted out, and its concern alert stands all the same."""
    return any(reason != LEARNED_CONCERN for reason in screening.concern_reasons)


def _help(
    session: Session,
    message: InboundMessage,
    person: Person,
    now: datetime,
    policy: InboundPolicy,
    *,
    twilio_replied: bool,
) -> Outcome:
    """HELP: who we are, how to stop and the help numbers, and for a young person the service knows a new link to
    their own page (`links.help_replies`: how an expired link is replaced); mid-survey, then the question they were
    on, as a text of its own (the help already takes two), so they can carry on where they were."""
    replies = links.help_replies(session, person, wording=policy.wording, now=now, twilio_replied=twilio_replied)
    conversation = conversations.active_conversation(session, person, now, policy.conversation_timeout)
    if conversation is not None:
        message.conversation_id = conversation.id
        conversation.last_activity_at = now
        replies.append(conversations.current_question(conversation).text)
    return Outcome("help", replies)


def _acknowledge(person: Person, now: datetime, policy: InboundPolicy) -> list[str]:
    """Thank someone for unprompted feedback, at most once a day, so that chatting never floods them."""
    last = person.last_acknowledged_at
    if last is not None and now - last < policy.acknowledgement_interval:
        return []
    person.last_acknowledged_at = now
    return [policy.wording.acknowledgement]


def unprocessed(session: Session, now: datetime, limit: int = 100) -> list[int]:
    """Texts stored but never handled, oldest first: those stored at least STRANDED_AFTER ago (their handling
    failed and no retry came) and those whose `retry_after` has come (left to the worker by their webhook, or
    waiting after a failed attempt), leaving out those that have failed too often (they need a person).

    Texts only: a web answer is recorded by its page, which knows the question it answers; it was stored and
    screened before anything else, and the young person's next submit of the same page records it."""
    return list(
        session.scalars(
            select(InboundMessage.id)
            .where(
                InboundMessage.status == RECEIVED,
                InboundMessage.channel == SMS,
                InboundMessage.handling_attempts < MAX_HANDLING_ATTEMPTS,
                or_(
                    and_(InboundMessage.retry_after.is_(None), InboundMessage.received_at <= now - STRANDED_AFTER),
                    InboundMessage.retry_after <= now,
                ),
            )
            .order_by(InboundMessage.received_at)
            .limit(limit)
        )
    )


@commits("the alert is kept before anything else may fail, and before its reply is sent")
def raise_alert_first(
    session: Session, message_id: int, *, now: datetime, policy: InboundPolicy, lock_wait: timedelta | None = None
) -> list[str]:
    """Screen a stored message whose handling has to wait (`Busy`) and, if it may show a risk of harm, raise its
    alert and give the help now: a concern never waits on a lock. Returns the help to send back in the webhook's own
    answer, recorded as replied inline; the handling that follows finds the alert and sends no second help.
    Commits. Needs no lock another handling holds: the alert and the reply only point at the person."""
    try:
        wait_at_most(session, lock_wait)
        message = session.get(InboundMessage, message_id)
        if message is None or message.status == PROCESSED:
            session.rollback()
            return []
        screening = screen_message(session, message.body)
        if not screening.risk:
            session.rollback()
            return []
        person = session.get(Person, message.person_id)
        assert person is not None  # noqa: S101 - a message always has its person
        alert, replies = _raise_alert(
            session, message, person, reason=screening.reason, severity=screening.severity, now=now, policy=policy
        )
        message.risk = True
        message.risk_reason = screening.reason
        outbox.record(
            session,
            [
                outbox.Outgoing(
                    person_id=person.id, body=reply, kind="reply", in_reply_to_id=message.id, channel=message.channel
                )
                for reply in replies
            ],
            now=now,
            replied_inline=True,
        )
        session.commit()
    except OperationalError as exc:
        session.rollback()
        if not lock_not_available(exc):
            raise
        return []
    if alert is not None:
        log.warning("safeguarding alert %s raised (%s) before its message could be handled", alert.id, screening.reason)
    return replies


@commits("the worker must see the message is due at once, whatever the webhook does next")
def leave_to_worker(session: Session, message_id: int, now: datetime, *, lock_wait: timedelta | None = None) -> bool:
    """A stored message its webhook could not handle now (`Busy`): due for the worker at once, not counted as a
    failed attempt (committed). False if even that had to wait too long: the worker then finds it STRANDED_AFTER
    its arrival, as any message whose handling never happened."""
    try:
        wait_at_most(session, lock_wait)
        session.execute(
            update(InboundMessage)
            .where(InboundMessage.id == message_id, InboundMessage.status == RECEIVED)
            .values(retry_after=now)
        )
        session.commit()
    except OperationalError as exc:
        session.rollback()
        if not lock_not_available(exc):
            raise
        return False
    return True


@commits("a failed attempt is counted though the handling it belongs to was rolled back")
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

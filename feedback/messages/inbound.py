"""Everything a young person sends: stored first, screened, then handled, once.

A text's webhook only stores it (`receive_from_known`, else `receive`): one commit, deduplicated on the
provider's id, so a message is never lost even if handling it fails, and Twilio has its answer in a few
milliseconds however busy the service is. On PostgreSQL the insert wakes the workers at once (a trigger NOTIFYs
`inbound_message`, migration 0021); each worker takes the texts that are due (`claimable`: each young person's
in the order sent) and `process()` screens each one for safeguarding first (opt-out words included), then handles
it, its replies queued in the outbox that the same workers send from.

A message that may show risk raises its alert and is answered with the safeguarding help alone: it is kept as free
text, never as an answer, and a survey in progress waits at its question; only STOP still acts on it. A concern
raises an alert of its own tier and is otherwise handled as usual: opt-out (a STOP word, or a wish to stop in the
young person's own words) and opt-in, HELP, a survey keyword, a request for help, an answer, or free-text feedback.
It commits the outcome together with the replies it records, and does nothing for a message already processed, so
no reply is ever sent twice, however many workers try.

Storing never waits on handling: handling locks the message and its person `FOR NO KEY UPDATE`, which lets
another transaction insert rows that point at the person (the foreign key check takes only `FOR KEY SHARE`), so
the next text from someone whose last one is being handled is still stored at once.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, select, text, union_all
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from feedback.analysis.safeguarding import LEARNED_CONCERN
from feedback.core.db_types import current_cipher
from feedback.core.dbutil import dialect_insert, insert_or_ignore
from feedback.core.errors import FeedbackError
from feedback.core.transactions import commits
from feedback.messages import outbox
from feedback.messages.keywords import HELP_WORDS, START_WORDS, STOP_WORDS, keyword_of, wants_to_stop
from feedback.messages.models import OPT_OUT_HANDLING, Channel, InboundMessage, InboundStatus
from feedback.messages.wording import Wording
from feedback.people import links
from feedback.people import operations as people
from feedback.people.models import Person
from feedback.safeguarding.alerting import concern_reason, raise_alert
from feedback.safeguarding.models import AlertTier, SafeguardingAlert
from feedback.safeguarding.notifications import NotifyPolicy, staff_mobile_among
from feedback.safeguarding.screening import Screening, screen_message
from feedback.surveys import conversations
from feedback.surveys.operations import find_by_keyword

log = logging.getLogger(__name__)

SMS = Channel.SMS
RECEIVED = InboundStatus.RECEIVED
PROCESSED = InboundStatus.PROCESSED
# How a message was handled (InboundMessage.handling), where more than one function needs the word.
OPT_OUT = OPT_OUT_HANDLING
# A message that may show risk: answered with the safeguarding help alone, kept as free text, never an answer.
SAFEGUARDING = "safeguarding"
# "help me", "can someone phone me" (a concern): answered with `Wording.help_on_its_way`, kept as free text.
HELP_REQUEST = "help-request"
MAX_HANDLING_ATTEMPTS = 5
# A web answer still unprocessed after this long lost its page's handling (the request failed after storing it):
# the worker finishes it (`statements.stranded_answers`).
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
    # The replies are for the caller to give back itself; otherwise they were queued in the outbox.
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


@commits("store first: what a young person sent is kept before anything else may fail")
def receive_from_known(session: Session, arrival: Arrival, address: str, *, now: datetime) -> Received | None:
    """The webhook's usual case in one statement: store a text from someone the service already knows (`address`,
    from `people.sender_address`) and commit, unless it comes from a member of staff's mobile. None, having stored
    nothing, when it is not that case (someone new, a staff number, or a retry of a stored text): then
    `is_staff_number` and `receive` do it step by step."""
    dialect = session.get_bind().dialect.name
    hashes = current_cipher().lookup_hashes(address)
    statement = _store_from_known(dialect, len(hashes))
    values = {
        **{f"hash_{n}": value for n, value in enumerate(hashes)},
        "channel": arrival.channel,
        "provider_sid": arrival.provider_sid,
        "body": arrival.body,
        "num_media": arrival.num_media,
        "opt_out_type": (arrival.opt_out_type or "").upper() or None,
        "received_at": now,
        "status": RECEIVED,
        "handling_attempts": 0,
    }
    if dialect == "postgresql" and not session.in_transaction():
        # The one statement is its own transaction, on a connection of its own: no BEGIN and COMMIT (each a round
        # trip), and none of the session's bookkeeping.
        engine = session.get_bind()
        assert isinstance(engine, Engine)  # noqa: S101 - the app's sessions are bound to its engine
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            inserted = connection.execute(statement, values).scalar_one_or_none()
    else:
        inserted = session.execute(statement, values).scalar_one_or_none()
        session.commit()
    return None if inserted is None else Received(message_id=inserted, duplicate=False)


_STORED_COLUMNS = ("channel", "provider_sid", "body", "num_media", "opt_out_type", "received_at", "status")


@cache
def _store_from_known(dialect: str, keys: int) -> Any:
    """`receive_from_known`'s statement, built once per dialect and number of lookup keys (building it costs more
    than running it; one bind parameter for each hash, as an IN list that expands costs as much again)."""
    table = InboundMessage.__table__
    hashes: list[Any] = [bindparam(f"hash_{n}") for n in range(keys)]
    person = select(Person.id).where(Person.phone_hash.in_(hashes)).limit(1).scalar_subquery()
    columns = [*_STORED_COLUMNS, "handling_attempts"]
    source = select(*(bindparam(name, type_=table.c[name].type) for name in columns), person).where(
        person.is_not(None), ~staff_mobile_among(hashes)
    )
    return (
        dialect_insert(dialect, table)
        .from_select([*columns, "person_id"], source)
        .on_conflict_do_nothing(index_elements=["provider_sid"])
        .returning(table.c.id)
    )


def accept(session: Session, arrival: Arrival, *, now: datetime, policy: InboundPolicy) -> Outcome:
    """Store, then screen and handle, one message that has just arrived; the replies go back inline."""
    received = receive(session, arrival, now=now)
    return process(session, received.message_id, now=now, policy=policy)


def process(
    session: Session, message_id: int, *, now: datetime, policy: InboundPolicy, reply_inline: bool = True
) -> Outcome:
    """Screen and handle a stored message once, commit, and return the replies to send back, waiting for its young
    person's other text to be handled first if one is (the simulator's page, and tests; the workers use
    `process_claimed`, which never waits).

    With `reply_inline` the caller gives the replies back itself (the simulator's page), and they are recorded as
    given; without it they are queued in the outbox.
    """
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
    return _handle_locked(session, message, person, now=now, policy=policy, inline=reply_inline)


class HandlingFailed(FeedbackError):
    """Handling the text a worker claimed failed (the cause is chained): it was rolled back, and the text stays
    stored to be tried again (`note_failed_attempt`)."""

    def __init__(self, message_id: int) -> None:
        super().__init__(f"handling stored message {message_id} failed")
        self.message_id = message_id


def process_claimed(session: Session, message_id: int, *, now: datetime, policy: InboundPolicy) -> Outcome | None:
    """A worker's step: claim a text that `claimable` offered, with its young person, unless another worker holds
    either (SKIP LOCKED: workers never wait on one another, nor take the same text), then screen and handle it as
    `process` does, its replies queued in the outbox. None, having done nothing, when it was not to be had (taken,
    or handled meanwhile). Raises `HandlingFailed` if handling fails (rolled back; the alert of a risky text
    stands)."""
    row = session.execute(_claim_text(), {"message_id": message_id}).one_or_none()
    if row is None:
        session.rollback()
        return None
    message, person = row
    try:
        return _handle_locked(session, message, person, now=now, policy=policy, inline=False)
    except Exception as exc:
        session.rollback()
        raise HandlingFailed(message_id) from exc


@commits("handling one stored message is a transaction of its own, its replies recorded with it")
def _handle_locked(
    session: Session, message: InboundMessage, person: Person, *, now: datetime, policy: InboundPolicy, inline: bool
) -> Outcome:
    """Screen and handle a text not yet processed, it and its person locked by the caller; commits."""
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
    outcome.replied_inline = inline
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


def _text_waiting() -> ColumnElement[bool]:
    """A text stored and not handled yet."""
    return and_(InboundMessage.status == RECEIVED, InboundMessage.channel == SMS)


# How many of the oldest waiting texts a worker looks through for those it may take.
CLAIM_WINDOW = 500


def claimable(session: Session, now: datetime, limit: int = 100) -> list[int]:
    """The texts a worker may take now, oldest first, for `process_claimed`: of each young person's texts not handled
    yet, the oldest (so that however many workers run, each person's texts are handled in the order sent), and any
    text whose `retry_after` has come after a failed attempt (a text that failed holds up nobody's others), leaving
    out those that have failed too often (they need a person).

    Texts only: a web answer is recorded by its page, which knows the question it answers; it was stored and
    screened before anything else, and the young person's next submit of the same page records it.

    One pass over the oldest CLAIM_WINDOW texts waiting (the partial index `ix_inbound_message_to_handle`), whatever
    the planner's statistics and however long the queue: a claim that tested each waiting text against the others
    slowed to 120 ms a claim with 3,000 waiting, just when a backlog needs the workers fastest."""
    waiting = _text_waiting()
    # The oldest waiting texts are enough to find the first of each young person among them: anything older than a
    # text in the window is in the window too. The oldest of them always is one, so the window never comes up empty.
    oldest = (
        select(InboundMessage.id, InboundMessage.person_id, InboundMessage.received_at)
        .where(waiting, InboundMessage.handling_attempts == 0)
        .order_by(InboundMessage.received_at, InboundMessage.id)
        .limit(CLAIM_WINDOW)
        .subquery()
    )
    place = (
        func.row_number()
        .over(partition_by=oldest.c.person_id, order_by=(oldest.c.received_at, oldest.c.id))
        .label("place")
    )
    fresh = select(oldest.c.id, oldest.c.received_at, place).subquery()
    heads = select(fresh.c.id, fresh.c.received_at).where(fresh.c.place == 1)
    retried = select(InboundMessage.id, InboundMessage.received_at).where(
        waiting,
        InboundMessage.handling_attempts.between(1, MAX_HANDLING_ATTEMPTS - 1),
        InboundMessage.retry_after <= now,
    )
    due = union_all(heads, retried).subquery()
    return list(session.scalars(select(due.c.id).order_by(due.c.received_at, due.c.id).limit(limit)))


@dataclass(frozen=True)
class Waiting:
    """Texts stored and not handled yet, for monitoring: a number that keeps rising means no worker is running."""

    texts: int
    oldest_seconds: int | None


def waiting(session: Session, now: datetime) -> Waiting:
    """How many texts wait to be handled (failed ones given up on excluded), and how long the oldest has."""
    count, oldest = session.execute(
        select(func.count(), func.min(InboundMessage.received_at)).where(
            _text_waiting(), InboundMessage.handling_attempts < MAX_HANDLING_ATTEMPTS
        )
    ).one()
    return Waiting(int(count), None if oldest is None else max(0, int((now - oldest).total_seconds())))


# A text still waiting this long after it came (an earlier text from the same young person is held up, or every
# worker is busy) is screened on its own, so that if it may show risk its alert is raised and its help sent now.
SCREEN_WAITING_AFTER = timedelta(seconds=10)


def waiting_unscreened(session: Session, now: datetime, limit: int = 100) -> list[int]:
    """Texts not handled SCREEN_WAITING_AFTER after they came and not screened yet, oldest first: for
    `raise_alert_first`."""
    return list(
        session.scalars(
            select(InboundMessage.id)
            .where(
                _text_waiting(),
                InboundMessage.risk.is_(None),
                InboundMessage.handling_attempts == 0,  # a failed handling screened it first
                InboundMessage.received_at <= now - SCREEN_WAITING_AFTER,
            )
            .order_by(InboundMessage.received_at, InboundMessage.id)
            .limit(limit)
        )
    )


@cache
def _claim_text() -> Any:
    """`process_claimed`'s lock, built once (building it cost more than running it)."""
    return (
        select(InboundMessage, Person)
        .join(Person, InboundMessage.person_id == Person.id)
        .where(InboundMessage.id == bindparam("message_id"), InboundMessage.status == RECEIVED)
        .with_for_update(key_share=True, skip_locked=True)
    )


@commits("the alert is kept before anything else may fail, and before its reply is sent")
def raise_alert_first(session: Session, message_id: int, *, now: datetime, policy: InboundPolicy) -> list[str] | None:
    """Screen a stored text whose handling is held up (`waiting_unscreened`) and, if it may show a risk of harm,
    raise its alert and queue the help now: a concern never waits on a lock or a queue. Returns the help queued (the
    handling that follows finds the alert and sends no second help), or None, having done nothing, when the text is
    being handled or screened elsewhere right now (that screens it) or already was. Commits, the message marked as
    screened either way. Needs no lock another handling holds but the text's own row (the alert and the reply only
    point at the person)."""
    # Its row locked (SKIP LOCKED: never waited for), so that two workers, or a worker and the text's handling,
    # never screen it at once.
    message = session.scalar(
        select(InboundMessage)
        .where(InboundMessage.id == message_id, InboundMessage.status == RECEIVED, InboundMessage.risk.is_(None))
        .with_for_update(key_share=True, skip_locked=True)
    )
    if message is None:
        session.rollback()
        return None
    screening = screen_message(session, message.body)
    if not screening.risk:
        message.risk = False  # screened: not again by the next round; its handling screens it once more
        session.commit()
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
    )
    session.commit()
    if alert is not None:
        log.warning("safeguarding alert %s raised (%s) before its message could be handled", alert.id, screening.reason)
    return replies


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

"""Statements: a young person's guided message to their own worker, and the worker's answer to it.

A statement is a completed conversation of a survey whose purpose is "statement" (its wording is data, edited like
any survey). It goes to the young person's named worker or, with none, to their team's duty inbox. The young person
sees it move from sent to read (a worker acknowledged it) to replied. One left unread for `escalate_after` working
days is escalated to the team's managers.

A reply can be answered (`answer_reply`): the young person's answer is something they send, so it is stored first
(committed), screened for safeguarding, and only then filed in the thread. Filing moves the statement back to sent,
so it waits in the worker's inbox to be read again, and the worker is told by email (never the young person's words).

This module writes; what a member of staff may see is `feedback.statements.queries`.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from feedback.accounts import operations as staff
from feedback.accounts.models import StaffUser
from feedback.core.clock import LOCAL_TIME
from feedback.core.dbutil import insert_or_ignore
from feedback.core.errors import Invalid
from feedback.core.transactions import commits
from feedback.messages import inbound, outbox
from feedback.messages.models import Channel, InboundMessage, InboundStatus
from feedback.people.models import Person
from feedback.safeguarding import notifications
from feedback.safeguarding.alerting import alert_for
from feedback.safeguarding.notifications import NotifyPolicy
from feedback.safeguarding.screening import Screening, screen_message
from feedback.statements.models import Statement, StatementAnswer, StatementReply, StatementStatus
from feedback.statements.queries import can_answer
from feedback.surveys.models import Conversation

log = logging.getLogger(__name__)

SENT = StatementStatus.SENT

READ = StatementStatus.READ

REPLIED = StatementStatus.REPLIED

MAX_REPLY_LENGTH = 1000

REPLY_KIND = "statement-reply"

# A young person's answer to a reply may be as long as a web answer (surveys.web_responses.MAX_TEXT_LENGTH).
MAX_ANSWER_LENGTH = 2000
# What an answer's inbound message was (InboundMessage.handling): words to their worker, so never analysed or quoted
# for the Champions Board (insight.filing analyses only its ANALYSED_HANDLING).
ANSWER_HANDLING = "statement-answer"
TOO_LONG_HANDLING = "too-long"
# The notification's reason (Notification.reason): a young person answered a reply.
ANSWER_REASON = notifications.STATEMENT_ANSWER


class StatementError(Invalid):
    """A statement action that cannot be done; the message says why, for the member of staff."""


def add_working_days(start: datetime, days: int) -> datetime:
    """`days` working days (Monday to Friday, UK time) after `start`, at the same time of day."""
    local = start.astimezone(LOCAL_TIME)
    counted = 0
    while counted < days:
        local = (local + timedelta(days=1)).replace(tzinfo=LOCAL_TIME)
        if local.weekday() < 5:
            counted += 1
    return local.astimezone(start.tzinfo)


def create(
    session: Session, conversation: Conversation, *, now: datetime, escalate_after_days: int, duty_team_name: str
) -> Statement:
    """File a completed statement conversation: to the named worker, else to the team's duty inbox."""
    person = session.get(Person, conversation.person_id)
    assert person is not None  # noqa: S101 - a conversation always has its person
    worker = session.get(StaffUser, person.worker_id) if person.worker_id else None
    if worker is not None and not worker.active:
        worker = None  # a worker who has left: the team picks it up rather than nobody
    team_id = person.team_id or (worker.team_id if worker else None) or staff.team_named(session, duty_team_name).id
    statement = Statement(
        conversation_id=conversation.id,
        person_id=person.id,
        worker_id=worker.id if worker else None,
        team_id=team_id,
        status=SENT,
        sent_at=now,
        due_at=add_working_days(now, escalate_after_days),
    )
    session.add(statement)
    session.flush()
    return statement


def acknowledge(session: Session, statement: Statement, user: StaffUser, *, now: datetime) -> bool:
    """Mark a statement read by `user`: the young person sees "read". True when this changed anything."""
    if statement.read_at is not None:
        return False
    statement.read_at = now
    statement.read_by_id = user.id
    if statement.status == SENT:
        statement.status = READ
    session.flush()
    return True


def reply(session: Session, statement: Statement, user: StaffUser, body: str, *, now: datetime) -> StatementReply:
    """Answer a statement. It shows on the young person's page, and is texted to them when they can be texted.

    Replying is reading: a reply acknowledges the statement too.
    """
    body = body.strip()
    if not body:
        raise StatementError("Write a reply first.")
    if len(body) > MAX_REPLY_LENGTH:
        raise StatementError(f"A reply can be up to {MAX_REPLY_LENGTH} characters; this one is {len(body)}.")
    acknowledge(session, statement, user, now=now)
    statement.status = REPLIED
    outbound_id = None
    person = statement.person
    if person.phone_hash is not None and not person.opted_out:
        name = user.display_name or "your worker"
        (outbound_id,) = outbox.record(
            session,
            [outbox.Outgoing(person_id=person.id, body=f"Reply from {name}: {body}", kind=REPLY_KIND)],
            now=now,
        )
    answer = StatementReply(
        statement_id=statement.id, author_id=user.id, body=body, created_at=now, outbound_message_id=outbound_id
    )
    session.add(answer)
    session.flush()
    return answer


def escalate_overdue(session: Session, *, now: datetime) -> list[Statement]:
    """Escalate every statement still unread at its due time to the team's managers (flushed), and return them for
    their managers to be told. Runs on a schedule; a statement is escalated once, whoever else runs it."""
    due = session.scalars(
        select(Statement)
        .where(Statement.status == SENT, Statement.escalated_at.is_(None), Statement.due_at <= now)
        .order_by(Statement.due_at)
        .with_for_update(skip_locked=True)
    ).all()
    for statement in due:
        statement.escalated_at = now
    session.flush()
    return list(due)


# --- the young person answers a reply -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerPolicy:
    notify: NotifyPolicy
    escalate_after_days: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AnswerPolicy:
        return cls(NotifyPolicy.from_config(config), int(config["STATEMENT_ESCALATION_WORKING_DAYS"]))


@dataclass(frozen=True)
class Answered:
    """What became of an answer the young person sent."""

    error: str | None = None  # shown beside the answer, which stays in the box
    risk: bool = False  # the words may show a risk: the page shows where to get help now
    asks_for_help: bool = False  # the words ask for help (a concern, its alert raised)
    duplicate: bool = False  # this form was already sent (a double tap): nothing more was done


@dataclass(frozen=True)
class _Stored:
    message_id: int
    threaded: bool  # in the thread (a StatementAnswer), not refused as too long


@commits("store first: a young person's answer is kept, and screened, before anything else may fail")
def answer_reply(
    session: Session, statement: Statement, body: str, *, nonce: str, now: datetime, policy: AnswerPolicy
) -> Answered:
    """The young person answers their worker's reply, from the form under it (`nonce` names that rendering of it).

    In three commits, each kept whatever fails after it: the words are stored, with their place in the thread; they
    are screened, with the alert of a risk or a concern; then the statement waits to be read again and its worker is
    emailed. A form already sent records nothing more; one whose later steps failed does them when sent again.
    """
    if not can_answer(statement):
        raise StatementError("There is no reply to answer yet.")
    nonce = inbound.form_nonce(nonce)
    done = session.scalar(
        select(InboundMessage.id).where(
            InboundMessage.provider_sid == f"web-{nonce}",
            InboundMessage.person_id == statement.person_id,
            InboundMessage.status == InboundStatus.PROCESSED,
        )
    )
    if done is not None:
        return Answered(duplicate=True)
    if not body.strip():
        return Answered(error="Write your answer first.")
    stored = _store_answer(session, statement, body, nonce=nonce, now=now)
    screening = _screen_answer(session, stored.message_id, now=now, notify=policy.notify)
    if screening is None:
        return Answered(duplicate=True)  # sent twice at once: the other request filed it
    risk, asks_for_help = screening.risk, screening.asks_for_help and not screening.risk
    if not stored.threaded:
        # Kept and screened (a concern in it has its alert), but not put in the thread: the page asks for it shorter.
        _file_answer_message(session, stored.message_id, TOO_LONG_HANDLING, now)
        session.commit()
        return Answered(
            error=f"That's {len(body):,} characters. Please make it {MAX_ANSWER_LENGTH:,} or fewer.",
            risk=risk,
            asks_for_help=asks_for_help,
        )
    filed = _file_answer(session, statement, stored.message_id, now=now, policy=policy)
    session.commit()
    return Answered(risk=risk, asks_for_help=asks_for_help, duplicate=not filed)


def stranded_answers(session: Session, now: datetime, limit: int = 100) -> list[int]:
    """Answers to a reply that were stored but never finished (the page failed after storing them, and the young
    person never sent the form again), left at least `inbound.STRANDED_AFTER`: the worker finishes them
    (`finish_answer`), so every answer is screened and reaches its worker even when its page failed."""
    return list(
        session.scalars(
            select(InboundMessage.id)
            .join(StatementAnswer, StatementAnswer.inbound_message_id == InboundMessage.id)
            .where(
                InboundMessage.status == InboundStatus.RECEIVED,
                InboundMessage.handling_attempts < inbound.MAX_HANDLING_ATTEMPTS,
                or_(
                    and_(
                        InboundMessage.retry_after.is_(None), InboundMessage.received_at <= now - inbound.STRANDED_AFTER
                    ),
                    InboundMessage.retry_after <= now,
                ),
            )
            .order_by(InboundMessage.received_at)
            .limit(limit)
        )
    )


@commits("safeguarding first: the screen's alert is kept before the answer is filed")
def finish_answer(session: Session, message_id: int, *, now: datetime, policy: AnswerPolicy) -> None:
    """Screen and file a stranded answer, as its page would have: the same steps, so a page and the worker racing
    to finish one answer file it once, and screening it again raises no second alert."""
    if _screen_answer(session, message_id, now=now, notify=policy.notify) is None:
        return
    answer = session.scalars(select(StatementAnswer).where(StatementAnswer.inbound_message_id == message_id)).one()
    _file_answer(session, answer.statement, message_id, now=now, policy=policy)
    session.commit()


@commits("store first: a young person's answer is kept before anything else may fail")
def _store_answer(session: Session, statement: Statement, body: str, *, nonce: str, now: datetime) -> _Stored:
    """Store the words as an inbound message on the web channel, on the statement's conversation, and (unless too
    long) their place in the thread, in one commit. Only rows are added, so storing never waits on the worker, who
    may be replying to the statement at that moment. The same form sent again finds what the first stored."""
    provider_sid = f"web-{nonce}"
    threaded = len(body) <= MAX_ANSWER_LENGTH
    message_id = session.execute(
        insert_or_ignore(session, InboundMessage, ["provider_sid"]).returning(InboundMessage.id),
        {
            "channel": Channel.WEB,
            "provider_sid": provider_sid,
            "person_id": statement.person_id,
            "body": body,
            "num_media": 0,
            "received_at": now,
            "status": InboundStatus.RECEIVED,
            "handling_attempts": 0,
            "conversation_id": statement.conversation_id,
        },
    ).scalar_one_or_none()
    if message_id is None:
        earlier = session.scalars(select(InboundMessage).where(InboundMessage.provider_sid == provider_sid)).one()
        if earlier.person_id != statement.person_id or earlier.conversation_id != statement.conversation_id:
            # A nonce replayed from another form or another person: theirs is left alone, this is stored afresh.
            session.rollback()
            return _store_answer(session, statement, body, nonce=secrets.token_urlsafe(16), now=now)
        in_thread = session.scalar(select(StatementAnswer.id).where(StatementAnswer.inbound_message_id == earlier.id))
        session.commit()
        return _Stored(earlier.id, threaded=in_thread is not None)
    if threaded:
        session.add(StatementAnswer(statement_id=statement.id, inbound_message_id=message_id, created_at=now))
    session.commit()
    return _Stored(message_id, threaded=threaded)


@commits("safeguarding first: an alert raised is kept before anything else may fail")
def _screen_answer(session: Session, message_id: int, *, now: datetime, notify: NotifyPolicy) -> Screening | None:
    """Screen a stored answer and raise the alert of a risk or a concern (committed); None, doing nothing, when it
    has been filed already. Screening it again after a failure raises no second alert."""
    message = _locked_message(session, message_id)
    if message.status == InboundStatus.PROCESSED:
        session.rollback()
        return None
    screening = screen_message(session, message.body)
    alert = alert_for(session, screening, message_id=message.id, person_id=message.person_id, now=now, policy=notify)
    # The urgent flag only, as for a text: a concern is an alert of its own tier, not a risk.
    message.risk = screening.risk
    message.risk_reason = screening.reason if screening.risk else None
    session.commit()
    if alert is not None:
        log.warning("safeguarding alert %s raised (%s, %s) by an answer to a reply", alert.id, alert.tier, alert.reason)
    return screening


def _file_answer(
    session: Session, statement: Statement, message_id: int, *, now: datetime, policy: AnswerPolicy
) -> bool:
    """The answer (stored and screened) waits for the worker: the statement is sent again, unread, and the worker is
    emailed. Flushed; False, doing nothing, when another request filed it first."""
    message = _locked_message(session, message_id)
    if message.status == InboundStatus.PROCESSED:
        return False
    answer = session.scalars(select(StatementAnswer).where(StatementAnswer.inbound_message_id == message_id)).one()
    # Locked (FOR NO KEY UPDATE) and read afresh: a worker acknowledging or replying at this moment goes first or after.
    statement = session.scalars(
        select(Statement)
        .where(Statement.id == statement.id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()
    _waits_again(statement, now=now, escalate_after_days=policy.escalate_after_days)
    notifications.statement_answered(session, statement, answer.id, answer.created_at, now=now, policy=policy.notify)
    _file_answer_message(session, message_id, ANSWER_HANDLING, now)
    session.flush()
    return True


def _waits_again(statement: Statement, *, now: datetime, escalate_after_days: int) -> None:
    """An answer is for the worker to read: the statement is unread again (sent), due in `escalate_after_days` working
    days. Already waiting, it keeps its due time. It is escalated at most once (`escalate_overdue`): one escalated
    before keeps that mark, since its managers were told of it then."""
    if statement.status == SENT:
        return
    statement.status = SENT
    statement.read_at = None
    statement.read_by_id = None
    statement.due_at = add_working_days(now, escalate_after_days)


def _file_answer_message(session: Session, message_id: int, handling: str, now: datetime) -> None:
    message = session.get(InboundMessage, message_id)
    assert message is not None  # noqa: S101 - stored by `_store_answer`
    message.status = InboundStatus.PROCESSED
    message.handling = handling
    message.processed_at = now


def _locked_message(session: Session, message_id: int) -> InboundMessage:
    """The stored answer, locked FOR NO KEY UPDATE and read afresh: a form sent twice at once is handled in turn."""
    return session.scalars(
        select(InboundMessage)
        .where(InboundMessage.id == message_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()

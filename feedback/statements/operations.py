"""Statements: a young person's guided message to their own worker, and the worker's answer to it.

A statement is a completed conversation of a survey whose purpose is "statement" (its wording is data, edited like
any survey). It goes to the young person's named worker or, with none, to their team's duty inbox. The young person
sees it move from sent to read (a worker acknowledged it) to replied. One left unread for `escalate_after` working
days is escalated to the team's managers.

This module writes; what a member of staff may see is `feedback.statements.queries`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.accounts import operations as staff
from feedback.accounts.models import StaffUser
from feedback.core.clock import LOCAL_TIME
from feedback.core.errors import Invalid
from feedback.messages import outbox
from feedback.people.models import Person
from feedback.statements.models import Statement, StatementReply, StatementStatus
from feedback.surveys.models import Conversation

SENT = StatementStatus.SENT

READ = StatementStatus.READ

REPLIED = StatementStatus.REPLIED

MAX_REPLY_LENGTH = 1000

REPLY_KIND = "statement-reply"


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

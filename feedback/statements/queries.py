"""What statements a member of staff may see: their inbox, what waits, one statement and its lines, and a young
person's own. Sending, reading and answering one is `feedback.statements.operations`; none here commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, joinedload

from feedback.accounts.models import Team
from feedback.core import permissions
from feedback.core.errors import Refused
from feedback.core.permissions import Viewer
from feedback.statements.models import Statement, StatementStatus
from feedback.surveys.models import Answer, Conversation, Question


class NotAllowed(Refused):
    """This member of staff may not see this statement."""


@dataclass(frozen=True)
class Line:
    """One question of a statement and the young person's answer, as the worker reads it."""

    question: str
    answer: str | None
    skipped: bool


def duty_team_id(session: Session, name: str) -> int | None:
    """The duty team's id, if it exists (read only: pages never create it)."""
    return session.scalar(select(Team.id).where(Team.name == name))


def inbox(session: Session, viewer: Viewer, limit: int = 200) -> Sequence[Statement]:
    """The statements this member of staff may read (`permissions.statements`): unread first (oldest first), then
    the rest, newest first."""
    return session.scalars(
        select(Statement)
        .where(permissions.statements(viewer))
        .options(joinedload(Statement.conversation).joinedload(Conversation.version), joinedload(Statement.person))
        .order_by((Statement.status == StatementStatus.SENT).desc(), Statement.sent_at)
        .limit(limit)
    ).all()


@dataclass(frozen=True)
class Waiting:
    unread: int
    escalated: int


def waiting(session: Session, viewer: Viewer) -> Waiting:
    """How many statements wait unread on this member of staff (one who answers statements), and how many of those
    have been escalated."""
    if viewer.role not in permissions.NAMED_WORKER_ROLES:
        return Waiting(0, 0)
    unread, escalated = session.execute(
        select(func.count(), func.count(Statement.escalated_at)).where(
            permissions.statements(viewer), Statement.status == StatementStatus.SENT
        )
    ).one()
    return Waiting(int(unread), int(escalated))


def get_for(session: Session, statement_id: int, viewer: Viewer) -> Statement:
    statement = session.scalar(select(Statement).where(Statement.id == statement_id, permissions.statements(viewer)))
    if statement is None:
        # The same answer for one that does not exist and one that is not theirs.
        raise NotAllowed("no such statement for you")
    return statement


def lines(session: Session, statement: Statement) -> list[Line]:
    """The statement as questions and answers, in the order it was asked."""
    rows = session.execute(
        select(Question.text, Question.web_text, Answer.value_text, Answer.raw_text, Answer.status)
        .join(Answer, and_(Answer.question_id == Question.id, Answer.conversation_id == statement.conversation_id))
        .order_by(Question.position)
    ).all()
    return [
        Line(question=web_text or text, answer=value or raw or None, skipped=status != "answered")
        for text, web_text, value, raw, status in rows
    ]


def for_person(session: Session, person_id: int) -> Sequence[Statement]:
    """A young person's own statements, newest first, with their replies: what their page shows them."""
    return (
        session.scalars(
            select(Statement)
            .where(Statement.person_id == person_id)
            .options(joinedload(Statement.replies), joinedload(Statement.conversation).joinedload(Conversation.version))
            .order_by(Statement.sent_at.desc())
        )
        .unique()
        .all()
    )

"""What statements a member of staff may see: their inbox, what waits, one statement and its lines, and a young
person's own. Sending, reading and answering one is `feedback.statements.operations`; none here commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, false, func, select
from sqlalchemy.orm import Session, joinedload

from feedback.accounts.models import StaffUser, Team
from feedback.core import permissions
from feedback.core.errors import Refused
from feedback.core.permissions import Viewer
from feedback.people.models import Person
from feedback.statements.models import Statement, StatementAnswer, StatementReply, StatementStatus
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


# --- a statement as a thread: what was sent, the worker's replies and the young person's answers -----------------


@dataclass(frozen=True)
class Said:
    """One message of a statement's thread after the statement itself: a worker's reply, or the young person's answer
    to one."""

    at: datetime
    body: str
    author: StaffUser | None  # the worker who replied; None for the young person's answer
    texted: bool = False  # a reply that was texted to them too

    @property
    def by_young_person(self) -> bool:
        return self.author is None


def thread(statement: Statement) -> list[Said]:
    """The replies and the young person's answers to them, oldest first (a reply before an answer sent at the same
    moment)."""
    said = [Said(r.created_at, r.body, r.author, texted=r.outbound_message_id is not None) for r in statement.replies]
    said += [Said(a.created_at, a.message.body, None) for a in statement.answers]
    return sorted(said, key=lambda s: (s.at, s.by_young_person))


@dataclass(frozen=True)
class Thread:
    """One statement as the young person's page shows it: what they sent, then what was said since."""

    statement: Statement
    lines: list[Line]
    said: list[Said]

    @property
    def can_answer(self) -> bool:
        """The form to answer goes under the latest reply."""
        return can_answer(self.statement)


def can_answer(statement: Statement) -> bool:
    """A young person answers a reply: a statement with none has nothing to answer yet."""
    return bool(statement.replies)


def threads_for(session: Session, person_id: int) -> list[Thread]:
    """A young person's statements as threads, newest first: what their own page shows them."""
    found = (
        session.scalars(
            select(Statement)
            .where(Statement.person_id == person_id)
            .options(
                joinedload(Statement.replies).joinedload(StatementReply.author),
                joinedload(Statement.answers).joinedload(StatementAnswer.message),
                joinedload(Statement.conversation).joinedload(Conversation.version),
                joinedload(Statement.worker),
            )
            .order_by(Statement.sent_at.desc(), Statement.id.desc())
        )
        .unique()
        .all()
    )
    return [Thread(statement, lines(session, statement), thread(statement)) for statement in found]


def owned_by(session: Session, statement_id: int, person_id: int) -> Statement | None:
    """One of a young person's own statements, or None (someone else's looks the same as none)."""
    return session.scalar(select(Statement).where(Statement.id == statement_id, Statement.person_id == person_id))


@dataclass(frozen=True)
class Reader:
    """Who reads what a young person sends, in their words: their named worker and team, or the team's duty workers,
    or (nobody named yet) the duty team. Where `operations.create` sends a statement."""

    worker: str | None  # the named worker's name; None with no named worker, or one not named on the service
    team: str | None  # "Hamilton team"; None when nobody is named yet (the duty team reads it)
    named: bool  # they have a named worker (who may have no name on the service)


def reader_for(session: Session, person: Person) -> Reader:
    worker = session.get(StaffUser, person.worker_id) if person.worker_id else None
    if worker is not None and not worker.active:
        worker = None  # a worker who has left: the team picks it up, as `operations.create` does
    team_id = person.team_id or (worker.team_id if worker else None)
    team = session.get(Team, team_id) if team_id else None
    name = team.name if team else None
    if name and not name.lower().endswith("team"):
        name = f"{name} team"
    return Reader(worker=worker.display_name if worker else None, team=name, named=worker is not None)


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


# --- what waits, by whom it was sent to (the staff home page) ----------------------------------------------------


@dataclass(frozen=True)
class Unread:
    """Statements waiting to be read in one group: how many, how many escalated, when the oldest was sent."""

    count: int
    escalated: int
    oldest: datetime


# Whom a statement was sent to, as the member of staff sees it: to them by name, to their team (its duty inbox, or
# for a manager one of the team's workers), or to anyone else they may read (an admin: every one).
YOURS, TEAM, OTHERS = "yours", "team", "others"


def unread_by_whom(session: Session, viewer: Viewer) -> dict[str, Unread]:
    """The unread statements this member of staff may read (`permissions.statements`, as the inbox lists them), by
    whom they were sent to (`YOURS`, `TEAM`, `OTHERS`); a group with none is left out."""
    whom = case(
        (Statement.worker_id == viewer.id, YOURS),
        (Statement.team_id == viewer.team_id if viewer.team_id is not None else false(), TEAM),
        else_=OTHERS,
    ).label("whom")
    mine = (
        select(whom, Statement.escalated_at, Statement.sent_at)
        .where(permissions.statements(viewer), Statement.status == StatementStatus.SENT)
        .subquery()
    )
    rows = session.execute(
        select(mine.c.whom, func.count(), func.count(mine.c.escalated_at), func.min(mine.c.sent_at)).group_by(
            mine.c.whom
        )
    ).all()
    return {whom: Unread(int(n), int(escalated), oldest) for whom, n, escalated, oldest in rows}


@dataclass(frozen=True)
class Owed:
    """Statements read and not answered yet: how many, and when the one read longest ago was read."""

    count: int
    oldest_read: datetime | None


def replies_owed(session: Session, viewer: Viewer) -> Owed:
    """The statements this member of staff marked read and has not answered (the young person sees "read" and
    waits for a reply); only those they may still read."""
    n, oldest = session.execute(
        select(func.count(), func.min(Statement.read_at)).where(
            permissions.statements(viewer),
            Statement.status == StatementStatus.READ,
            Statement.read_by_id == viewer.id,
        )
    ).one()
    return Owed(int(n), oldest)

"""Statements from young people to their worker, the worker's replies, and the young person's answers to them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.core.clock import utcnow
from feedback.core.db_types import EncryptedText, UTCDateTime, one_of
from feedback.extensions import Model

if TYPE_CHECKING:
    from feedback.accounts.models import StaffUser, Team
    from feedback.messages.models import InboundMessage
    from feedback.people.models import Person
    from feedback.surveys.models import Conversation


class StatementStatus(StrEnum):
    """A statement to a worker: sent -> read -> replied, and back to sent when the young person answers a reply
    (it waits to be read again); moved only by `feedback.statements.operations`."""

    SENT = "sent"
    READ = "read"
    REPLIED = "replied"


class Statement(Model):
    """A young person's statement to their worker: the answers of a completed statement conversation, and where
    it went. The young person sees it move sent -> read -> replied, and back to sent when they answer a reply; the
    replies and their answers make it a thread."""

    __tablename__ = "statement"
    __table_args__ = (
        Index("ix_statement_status_sent_at", "status", "sent_at"),
        one_of("status", StatementStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # sent | read | replied
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    conversation: Mapped[Conversation] = relationship()
    person: Mapped[Person] = relationship()
    worker: Mapped[StaffUser | None] = relationship(foreign_keys=[worker_id])
    team: Mapped[Team | None] = relationship()
    replies: Mapped[list[StatementReply]] = relationship(
        back_populates="statement", order_by="StatementReply.created_at"
    )
    answers: Mapped[list[StatementAnswer]] = relationship(
        back_populates="statement", order_by="StatementAnswer.created_at"
    )


class StatementReply(Model):
    """A worker's reply to a statement: shown on the young person's page, and texted when they can be texted."""

    __tablename__ = "statement_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    body: Mapped[str] = mapped_column(EncryptedText())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    outbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_message.id"))

    statement: Mapped[Statement] = relationship(back_populates="replies")
    author: Mapped[StaffUser] = relationship()


class StatementAnswer(Model):
    """The young person's answer to a reply: their words are an inbound message on the web channel (stored first and
    screened like everything a young person sends, `operations.answer_reply`); this row puts it in the statement's
    thread. One row per message, so a page submitted twice is one answer."""

    __tablename__ = "statement_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id"), index=True)
    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_message.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    statement: Mapped[Statement] = relationship(back_populates="answers")
    message: Mapped[InboundMessage] = relationship()

"""Offers of independent advocacy and the sessions that followed."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.core.clock import utcnow
from feedback.core.db_types import EncryptedText, UTCDateTime, one_of
from feedback.extensions import Model

if TYPE_CHECKING:
    from feedback.people.models import Person
    from feedback.surveys.models import Conversation


class OfferResponse(StrEnum):
    """How a young person answered an offer of advocacy (`feedback.advocacy`)."""

    ACCEPTED = "accepted"
    DECLINED = "declined"
    THINKING = "thinking"


class AdvocacyOffer(Model):
    """An offer of independent advocacy to a young person on the register, as an advocacy worker logged it, and
    how it ended. Unique on person, day and context, so the same offer can never be counted twice against the
    target however often a file is imported."""

    __tablename__ = "advocacy_offer"
    __table_args__ = (
        UniqueConstraint("person_id", "offered_on", "context"),
        Index("ix_advocacy_offer_offered_on", "offered_on"),
        one_of("response", OfferResponse),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    offered_on: Mapped[date] = mapped_column(Date)
    # Who offered it, as given: a name or a role ("IRO", "social worker").
    offered_by: Mapped[str] = mapped_column(String(200))
    # looked-after-review | childrens-hearing | child-protection | leaving-care | complaint | other
    context: Mapped[str] = mapped_column(String(32))
    response: Mapped[str] = mapped_column(String(16))  # accepted | declined | thinking
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    # Encrypted: what a worker writes about a young person is as private as what the young person writes.
    notes: Mapped[str | None] = mapped_column(EncryptedText())
    # How advocacy ended, as recorded when it closed; None while it is open (or was never taken up).
    outcome: Mapped[str | None] = mapped_column(String(200))
    closed_on: Mapped[date | None] = mapped_column(Date)
    # "Did you feel your voice was heard?", asked when advocacy closed: by text, or by a web link the worker gave.
    voice_conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversation.id"))
    # None for offers loaded from a file of history.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    person: Mapped[Person] = relationship()
    voice_conversation: Mapped[Conversation | None] = relationship()
    sessions: Mapped[list[AdvocacySession]] = relationship(
        back_populates="offer", order_by="AdvocacySession.held_on", cascade="all, delete-orphan"
    )


class AdvocacySession(Model):
    """One meeting between an advocate and a young person who accepted an offer."""

    __tablename__ = "advocacy_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("advocacy_offer.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(EncryptedText())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    offer: Mapped[AdvocacyOffer] = relationship(back_populates="sessions")

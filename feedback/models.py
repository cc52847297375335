"""The database models.

Young people are pseudonymous: a `Person` is a random pseudonym with an encrypted phone number and a keyed hash
to find it. Everything a young person writes is encrypted at rest. Who answered (the person) is kept apart from
what they said (messages and answers), joined only through ids.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.clock import utcnow
from feedback.db_types import EncryptedText, UTCDateTime
from feedback.extensions import db


def new_pseudonym() -> str:
    """A random public id for a young person: it says nothing about them and cannot be reversed."""
    return "yp-" + secrets.token_hex(6)


class Theme(db.Model):  # type: ignore[name-defined]
    """A theme responses are filed against. A slug never changes meaning once used."""

    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    shanarri: Mapped[list[str]] = mapped_column(JSON, default=list)
    promise_foundation: Mapped[str] = mapped_column(String(32), default="")
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Person(db.Model):  # type: ignore[name-defined]
    """A young person, known to this service only by a pseudonym and (encrypted) a phone number."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(32), unique=True, default=new_pseudonym)
    phone_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Deferred: most work on a person never needs the number, and reading it costs a decryption.
    phone: Mapped[str | None] = mapped_column(EncryptedText(), deferred=True)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def opted_out(self) -> bool:
        return self.opted_out_at is not None


class Survey(db.Model):  # type: ignore[name-defined]
    """A survey, identified by its slug; its content lives in numbered versions."""

    __tablename__ = "survey"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    versions: Mapped[list[SurveyVersion]] = relationship(
        back_populates="survey", order_by="SurveyVersion.number", cascade="all, delete-orphan"
    )


class SurveyVersion(db.Model):  # type: ignore[name-defined]
    """One imported version of a survey. It never changes: importing again makes a new version."""

    __tablename__ = "survey_version"
    __table_args__ = (UniqueConstraint("survey_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # draft | published
    title: Mapped[str] = mapped_column(String(200))
    keyword: Mapped[str | None] = mapped_column(String(32), index=True)
    intro: Mapped[str] = mapped_column(Text, default="")
    thanks: Mapped[str] = mapped_column(Text, default="")
    # The file as imported, for export only: deferred, so running a survey never reads or parses it.
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    survey: Mapped[Survey] = relationship(back_populates="versions")
    questions: Mapped[list[Question]] = relationship(
        back_populates="version", order_by="Question.position", cascade="all, delete-orphan"
    )


class Question(db.Model):  # type: ignore[name-defined]
    __tablename__ = "question"
    __table_args__ = (
        UniqueConstraint("survey_version_id", "key"),
        UniqueConstraint("survey_version_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id"))
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(16))  # text | rating | choice | yesno
    text: Mapped[str] = mapped_column(Text)
    min_value: Mapped[int | None] = mapped_column(Integer)
    max_value: Mapped[int | None] = mapped_column(Integer)
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    optional: Mapped[bool] = mapped_column(Boolean, default=False)
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)

    version: Mapped[SurveyVersion] = relationship(back_populates="questions")


class Conversation(db.Model):  # type: ignore[name-defined]
    """One young person going through one survey version on one channel.

    `invited` conversations wait for their first message to be sent; a person has at most one `active`
    conversation (a partial unique index). `occurrence` names a deliberate send, and (person, survey,
    occurrence) is unique, so the same send can never reach the same person twice.
    """

    __tablename__ = "conversation"
    __table_args__ = (
        UniqueConstraint("person_id", "survey_id", "occurrence"),
        Index(
            "uq_conversation_one_active_per_person",
            "person_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_conversation_status_last_activity", "status", "last_activity_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"))
    survey_version_id: Mapped[int] = mapped_column(ForeignKey("survey_version.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    # invited | active | completed | expired | replaced | stopped | cancelled
    status: Mapped[str] = mapped_column(String(16))
    occurrence: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    invalid_attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship()
    version: Mapped[SurveyVersion] = relationship()


class InboundMessage(db.Model):  # type: ignore[name-defined]
    """A message as a young person sent it, stored before anything else happens to it.

    `provider_sid` (Twilio's MessageSid) is unique, so a redelivered webhook is recognised. `status` is
    `received` until processing commits, so a message whose processing failed is processed again by the
    retry or by the worker's sweep, never lost.
    """

    __tablename__ = "inbound_message"
    __table_args__ = (Index("ix_inbound_message_status_received_at", "status", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    provider_sid: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    body: Mapped[str] = mapped_column(EncryptedText())
    num_media: Mapped[int] = mapped_column(Integer, default=0)
    opt_out_type: Mapped[str | None] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="received")  # received | processed
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Failed attempts by the worker to handle a message its webhook stored but never handled, and when to try
    # again: a message that keeps failing waits longer each time and never holds up the others.
    handling_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    retry_after: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the message turned out to be: answer, invalid-answer, survey-start, opt-out, opt-in, help,
    # feedback, ignored.
    handling: Mapped[str | None] = mapped_column(String(32))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversation.id"), index=True)
    risk: Mapped[bool | None] = mapped_column(Boolean)
    risk_reason: Mapped[str | None] = mapped_column(String(200))

    person: Mapped[Person] = relationship()


class Answer(db.Model):  # type: ignore[name-defined]
    """A young person's answer to one question of the version they answered.

    The answer as given and any free text are encrypted; the normalised value of a rating, choice or yes/no is
    kept plain (a number or one of the survey's own options) so that summaries can run in SQL.
    """

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("conversation_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversation.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), index=True)
    inbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_message.id"))
    status: Mapped[str] = mapped_column(String(16))  # answered | skipped | unanswered
    raw_text: Mapped[str | None] = mapped_column(EncryptedText())
    value_text: Mapped[str | None] = mapped_column(EncryptedText())
    value_number: Mapped[int | None] = mapped_column(Integer)
    value_option: Mapped[str | None] = mapped_column(String(200))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    conversation: Mapped[Conversation] = relationship()
    question: Mapped[Question] = relationship()


class OutboundMessage(db.Model):  # type: ignore[name-defined]
    """A message to a young person: a reply given in TwiML, or one queued in the outbox for a sender.

    Queued messages move queued -> sending (claimed by exactly one sender) -> sent | simulated | failed |
    skipped, and then follow Twilio's status callbacks (delivered, undelivered, failed).
    """

    __tablename__ = "outbound_message"
    __table_args__ = (Index("ix_outbound_message_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversation.id"), index=True)
    in_reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_message.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="sms")
    kind: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(EncryptedText())
    status: Mapped[str] = mapped_column(String(16))
    provider_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    error_code: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship()


class SafeguardingAlert(db.Model):  # type: ignore[name-defined]
    """A message that may show a risk of harm, waiting for a person to act on it (never only a count)."""

    __tablename__ = "safeguarding_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_message.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    action_note: Mapped[str | None] = mapped_column(Text)

    message: Mapped[InboundMessage] = relationship()
    person: Mapped[Person] = relationship()


class StaffUser(UserMixin, db.Model):  # type: ignore[name-defined]
    """A member of staff who signs in to the staff pages."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def is_active(self) -> bool:
        return self.active

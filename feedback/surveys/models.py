"""Surveys, their versions and questions, a young person's way through one, their answers, and schedules."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.core.clock import utcnow
from feedback.core.db_types import EncryptedText, UTCDateTime, one_of
from feedback.extensions import Model
from feedback.messages.models import Channel

if TYPE_CHECKING:
    from feedback.people.models import Person


class SurveyPurpose(StrEnum):
    SURVEY = "survey"
    STATEMENT = "statement"  # a guided message from a young person to their worker, built like a survey


class VersionStatus(StrEnum):
    """A survey version: a draft staff are writing, or published and frozen (`feedback.surveys.operations`)."""

    DRAFT = "draft"
    PUBLISHED = "published"


class ConversationStatus(StrEnum):
    """One young person's way through one survey; moved only by `feedback.surveys.conversations`."""

    INVITED = "invited"
    ACTIVE = "active"
    COMPLETED = "completed"
    EXPIRED = "expired"
    REPLACED = "replaced"
    STOPPED = "stopped"
    CANCELLED = "cancelled"


class AnswerStatus(StrEnum):
    ANSWERED = "answered"
    SKIPPED = "skipped"
    UNANSWERED = "unanswered"


class Survey(Model):
    """A survey, identified by its slug; its content lives in numbered versions."""

    __tablename__ = "survey"
    __table_args__ = (one_of("purpose", SurveyPurpose),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    # survey | statement (a guided message from a young person to their worker, built like a survey)
    purpose: Mapped[str] = mapped_column(String(16), default="survey", server_default="survey")
    # A closed survey has no current version: its links and keyword stop working, its answers stay.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    versions: Mapped[list[SurveyVersion]] = relationship(
        back_populates="survey", order_by="SurveyVersion.number", cascade="all, delete-orphan"
    )


class SurveyVersion(Model):
    """One imported version of a survey. It never changes: importing again makes a new version."""

    __tablename__ = "survey_version"
    __table_args__ = (
        UniqueConstraint("survey_id", "number"),
        one_of("status", VersionStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # draft | published
    title: Mapped[str] = mapped_column(String(200))
    keyword: Mapped[str | None] = mapped_column(String(32), index=True)
    intro: Mapped[str] = mapped_column(Text, default="")
    # The intro on the web's first page, when the texted one ("reply STOP to opt out") does not fit a screen.
    web_intro: Mapped[str | None] = mapped_column(Text)
    thanks: Mapped[str] = mapped_column(Text, default="")
    # The thanks on the web's last page, when the texted one does not fit it; empty: a general thank you.
    web_thanks: Mapped[str] = mapped_column(Text, default="", server_default="")
    # questions: the invitation texts the first question; link: it texts a personal link to do it online.
    sms_invite: Mapped[str] = mapped_column(String(16), default="questions", server_default="questions")
    # The file as imported, for export only: deferred, so running a survey never reads or parses it.
    definition: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    survey: Mapped[Survey] = relationship(back_populates="versions")
    questions: Mapped[list[Question]] = relationship(
        back_populates="version", order_by="Question.position", cascade="all, delete-orphan"
    )


class Question(Model):
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
    # The question as a web page asks it, when the SMS wording ("Reply 1 to 5") does not fit a screen.
    web_text: Mapped[str | None] = mapped_column(Text)
    min_value: Mapped[int | None] = mapped_column(Integer)
    max_value: Mapped[int | None] = mapped_column(Integer)
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Words for each point of a rating, lowest first: a rating is never numbers (or colours) alone.
    labels: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    optional: Mapped[bool] = mapped_column(Boolean, default=False)
    themes: Mapped[list[str]] = mapped_column(JSON, default=list)

    version: Mapped[SurveyVersion] = relationship(back_populates="questions")


class Conversation(Model):
    """One young person going through one survey version on one channel.

    `invited` conversations wait for their first message to be sent; a person has at most one `active`
    conversation (a partial unique index). `occurrence` names a deliberate send, and (person, survey,
    occurrence) is unique, so the same send can never reach the same person twice.
    """

    __tablename__ = "conversation"
    __table_args__ = (
        UniqueConstraint("person_id", "survey_id", "occurrence"),
        # One SMS conversation at a time, because a text answers whichever is active. Web pages name their
        # conversation, so a young person may have a survey and a statement open at once.
        Index(
            "uq_conversation_one_active_sms_per_person",
            "person_id",
            unique=True,
            sqlite_where=text("status = 'active' AND channel = 'sms'"),
            postgresql_where=text("status = 'active' AND channel = 'sms'"),
        ),
        Index("ix_conversation_status_last_activity", "status", "last_activity_at"),
        one_of("status", ConversationStatus),
        one_of("channel", Channel),
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
    # When the one reminder for an unfinished survey was queued; never more than one.
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship()
    version: Mapped[SurveyVersion] = relationship()


class Answer(Model):
    """A young person's answer to one question of the version they answered.

    The answer as given and any free text are encrypted; the normalised value of a rating, choice or yes/no is
    kept plain (a number or one of the survey's own options) so that summaries can run in SQL.
    """

    __tablename__ = "answer"
    __table_args__ = (
        UniqueConstraint("conversation_id", "question_id"),
        one_of("status", AnswerStatus),
    )

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


class Schedule(Model):
    """A survey sent to a group on its own: once (`run_at`) or on a recurring rule (`cron`, five fields, read in
    `timezone`). `next_run_at` is the next time it is due; each run is an occurrence named after the time it was
    due, so (person, survey, occurrence) being unique means even a run done twice texts nobody twice."""

    __tablename__ = "schedule"
    __table_args__ = (Index("ix_schedule_active_next_run_at", "active", "next_run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id"))
    cron: Mapped[str | None] = mapped_column(String(120))
    run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(64))
    # everyone | locality | care_setting | age_band | refs, and the values (names, or the council's refs).
    group_kind: Mapped[str] = mapped_column(String(16))
    group_values: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_queued: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    survey: Mapped[Survey] = relationship()

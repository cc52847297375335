"""The database models.

Young people are pseudonymous: a `Person` is a random pseudonym with an encrypted phone number and a keyed hash
to find it. Everything a young person writes is encrypted at rest. Who answered (the person) is kept apart from
what they said (messages and answers), joined only through ids.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.core.clock import utcnow
from feedback.core.db_types import EncryptedJSON, EncryptedText, UTCDateTime, one_of
from feedback.extensions import db

# --- the states and kinds each row may be in ---------------------------------------------------------------------
# Each is a StrEnum (its members are the strings stored), each column holding one has a CHECK constraint (migration
# 0016) so no other value can be written, and each state machine is moved only by the module named.


class Role(StrEnum):
    """A member of staff's role: what each may do is `feedback.core.permissions`."""

    ADMIN = "admin"
    CHAMPIONS = "champions"
    WORKER = "worker"
    ADVOCACY = "advocacy"
    MANAGER = "manager"


class SurveyPurpose(StrEnum):
    SURVEY = "survey"
    STATEMENT = "statement"  # a guided message from a young person to their worker, built like a survey


class VersionStatus(StrEnum):
    """A survey version: a draft staff are writing, or published and frozen (`feedback.surveys.operations`)."""

    DRAFT = "draft"
    PUBLISHED = "published"


class Channel(StrEnum):
    """How a young person reached us, or how we reach them."""

    SMS = "sms"
    WEB = "web"


class ConversationStatus(StrEnum):
    """One young person's way through one survey; moved only by `feedback.surveys.conversations`."""

    INVITED = "invited"
    ACTIVE = "active"
    COMPLETED = "completed"
    EXPIRED = "expired"
    REPLACED = "replaced"
    STOPPED = "stopped"
    CANCELLED = "cancelled"


class InboundStatus(StrEnum):
    """A stored message: received (stored, not handled yet) -> processed (`feedback.messages.inbound`)."""

    RECEIVED = "received"
    PROCESSED = "processed"


class AnswerStatus(StrEnum):
    ANSWERED = "answered"
    SKIPPED = "skipped"
    UNANSWERED = "unanswered"


class OutboundStatus(StrEnum):
    """A message to a young person; moved only by `feedback.messages.outbox`. Ours first, then the statuses Twilio's
    callbacks report."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    SIMULATED = "simulated"
    SKIPPED = "skipped"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"  # Twilio may have taken it: never retried, for a person to check
    REPLIED = "replied"  # given back in the webhook's own answer (TwiML), not through the outbox
    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    READ = "read"
    CANCELED = "canceled"


class AlertTier(StrEnum):
    """A safeguarding alert's tier (`feedback.safeguarding.alerting` raises them)."""

    RISK = "risk"
    CONCERN = "concern"


class StepKind(StrEnum):
    """What a member of staff did about an alert."""

    TEXT = "text"
    CALL = "call"
    NOTE = "note"


class NotificationStatus(StrEnum):
    """An email or text to staff; moved only by `feedback.safeguarding.delivery`."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    STORED = "stored"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"


class NotificationChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class StatementStatus(StrEnum):
    """A statement to a worker: sent -> read -> replied; moved only by `feedback.statements.operations`."""

    SENT = "sent"
    READ = "read"
    REPLIED = "replied"


class ThemeSource(StrEnum):
    """Who filed a message under a theme (`feedback.insight.filing`)."""

    AUTO = "auto"  # the analysis
    QUESTION = "question"  # the question it answered
    STAFF = "staff"
    REMOVED = "removed"  # staff said the message is not about this theme: re-analysis never gives it again


class ActionStatus(StrEnum):
    """ "You said, we did": an action against a theme (`feedback.actions.operations`)."""

    PLANNED = "planned"
    IN_PROGRESS = "in-progress"
    DONE = "done"


class OfferResponse(StrEnum):
    """How a young person answered an offer of advocacy (`feedback.advocacy`)."""

    ACCEPTED = "accepted"
    DECLINED = "declined"
    THINKING = "thinking"


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
    # Phrases staff gave the theme (often from the emerging themes list): the analysis files a message containing
    # one under this theme.
    cues: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A theme merged into another: its messages moved there, and its slug still means the other theme.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Team(db.Model):  # type: ignore[name-defined]
    """A team of workers with a manager. Its duty inbox takes statements from young people with no named worker."""

    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # The team's duty inbox as an email address: a new safeguarding alert goes there instead of to every member.
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Person(db.Model):  # type: ignore[name-defined]
    """A young person, known to this service only by a pseudonym and (encrypted) a phone number.

    Someone answering an open web link anonymously is a person too, with no number.
    """

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(32), unique=True, default=new_pseudonym)
    phone_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Deferred: most work on a person never needs the number, and reading it costs a decryption.
    phone: Mapped[str | None] = mapped_column(EncryptedText(), deferred=True)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Where their statements go: their named worker, or with none, their team's duty inbox.
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    # What summaries break down by (from the register): never shown beside their words.
    locality: Mapped[str | None] = mapped_column(String(64))
    age_band: Mapped[str | None] = mapped_column(String(16))
    care_setting: Mapped[str | None] = mapped_column(String(32))
    # The register (`feedback people import`): the council's own id for them, never a name. People who texted
    # before they were on the register have none until an import with their number gives them one.
    ref: Mapped[str | None] = mapped_column(String(64), unique=True)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    # The day they stopped being eligible (for advocacy, aftercare); None while they are.
    eligible_until: Mapped[date | None] = mapped_column(Date)
    # What the register says about texting them; None when it does not say. An opt-out by text always wins.
    consent_sms: Mapped[bool | None] = mapped_column(Boolean)
    # When their identifiers and words were erased (`feedback people erase`); anonymous counts stay.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    worker: Mapped[StaffUser | None] = relationship(foreign_keys=[worker_id])

    @property
    def opted_out(self) -> bool:
        return self.opted_out_at is not None


class Survey(db.Model):  # type: ignore[name-defined]
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


class SurveyVersion(db.Model):  # type: ignore[name-defined]
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
    # questions: the invitation texts the first question; link: it texts a personal link to do it online.
    sms_invite: Mapped[str] = mapped_column(String(16), default="questions", server_default="questions")
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


class Conversation(db.Model):  # type: ignore[name-defined]
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


class InboundMessage(db.Model):  # type: ignore[name-defined]
    """A message as a young person sent it, stored before anything else happens to it.

    `provider_sid` (Twilio's MessageSid) is unique, so a redelivered webhook is recognised. `status` is
    `received` until processing commits, so a message whose processing failed is processed again by the
    retry or by the worker's sweep, never lost.
    """

    __tablename__ = "inbound_message"
    __table_args__ = (
        Index("ix_inbound_message_status_received_at", "status", "received_at"),
        one_of("status", InboundStatus),
        one_of("channel", Channel),
    )

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
    # A member of staff's view of the risk flag: confirmed (True) or cleared (False), kept beside the screen's own.
    risk_confirmed: Mapped[bool | None] = mapped_column(Boolean)

    person: Mapped[Person] = relationship()


class Answer(db.Model):  # type: ignore[name-defined]
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


class OutboundMessage(db.Model):  # type: ignore[name-defined]
    """A message to a young person: a reply given in TwiML, or one queued in the outbox for a sender.

    Queued messages move queued -> sending (claimed by exactly one sender) -> sent | simulated | failed |
    skipped, and then follow Twilio's status callbacks (delivered, undelivered, failed).
    """

    __tablename__ = "outbound_message"
    __table_args__ = (
        Index("ix_outbound_message_status_next_attempt_at", "status", "next_attempt_at"),
        # How senders claim: the most urgent due message first (replies before bulk sends), oldest first; with the id
        # in it a claim reads one index entry, not a bulk send's whole backlog sorted.
        Index("ix_outbound_message_claim", "status", "priority", "next_attempt_at", "id"),
        one_of("status", OutboundStatus),
        one_of("channel", Channel),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversation.id"), index=True)
    in_reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_message.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="sms")
    kind: Mapped[str] = mapped_column(String(32))
    # 0: a reply to the young person's own message, which also goes in quiet hours; 1: one message to one person
    # (a worker's reply, a link); 2: a bulk send (invitations, reminders, notices). Lower goes first.
    priority: Mapped[int] = mapped_column(Integer, default=2, server_default="2")
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
    __table_args__ = (
        one_of("tier", AlertTier, "ck_safeguarding_alert_tier"),
        Index("ix_safeguarding_alert_open", "acknowledged_at", "severity", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_message.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    # risk: urgent, people are told at once and up the ladder until someone acts; concern: the named worker
    # should read it today, and nobody is paged out of hours.
    tier: Mapped[str] = mapped_column(String(16), default="risk", server_default="risk")
    # 1 suicide and self-harm; 2 abuse, violence and exploitation; 3 feeling unsafe and going missing; 4 a concern.
    # Open alerts are read most severe first, then oldest first.
    severity: Mapped[int] = mapped_column(Integer, default=3, server_default="3")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    action_note: Mapped[str | None] = mapped_column(EncryptedText())
    # When nobody acknowledged it in time it goes up the ladder: step 1 the team's managers, step 2 the
    # out-of-hours service and the head of service. `escalated_at` is when it last went up.
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalation_step: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    acknowledged_by: Mapped[StaffUser | None] = relationship(foreign_keys=[acknowledged_by_id])

    message: Mapped[InboundMessage] = relationship()
    person: Mapped[Person] = relationship()


class AlertStep(db.Model):  # type: ignore[name-defined]
    """Something a member of staff did about an alert: a text to the young person, a call, a note."""

    __tablename__ = "alert_step"
    __table_args__ = (one_of("kind", StepKind, "ck_alert_step_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("safeguarding_alert.id"), index=True)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    kind: Mapped[str] = mapped_column(String(16))  # text | call | note
    note: Mapped[str | None] = mapped_column(EncryptedText())
    outbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_message.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    staff_user: Mapped[StaffUser | None] = relationship()


class Notification(db.Model):  # type: ignore[name-defined]
    """An email or a text to a member of staff or the out-of-hours service about an alert or a statement.

    Never the young person's words nor a phone number: a reference, the kind of concern, when, and a link. `key`
    is unique (alert, reason, channel, recipient), so the same notification is never queued, and never sent, twice.
    queued -> sending (claimed by one worker) -> sent | stored (no mail server set: shown on a staff page) |
    failed | unconfirmed (the mail server may have taken it: never retried, for a person to check).
    """

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_claim", "status", "next_attempt_at", "id"),
        one_of("channel", NotificationChannel, "ck_notification_channel"),
        one_of("status", NotificationStatus, "ck_notification_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(8))  # email | sms
    recipient: Mapped[str] = mapped_column(EncryptedText())
    # Who it went to in words safe to show and log ("named worker Sam", "out-of-hours service").
    recipient_label: Mapped[str] = mapped_column(String(120))
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("safeguarding_alert.id"), index=True)
    statement_id: Mapped[int | None] = mapped_column(ForeignKey("statement.id"))
    reason: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(EncryptedText())
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(String(200))
    provider_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StaffUser(UserMixin, db.Model):  # type: ignore[name-defined]
    """A member of staff who signs in to the staff pages."""

    __tablename__ = "staff_user"
    __table_args__ = (one_of("role", Role),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    # How young people see them ("Sam"); never their email.
    display_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Sign-in failures in a row, and until when the account is locked after too many.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The optional second factor: a TOTP secret, encrypted; None when the account has none.
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Carried by every signed-in session and checked on every request: signing out, a new password, a new role or
    # deactivation adds one, and every session begun before then ends on the server, wherever its cookie is.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # A mobile number for urgent safeguarding texts, encrypted like young people's; its keyed hash recognises a text
    # back from this member of staff at the webhook, so it is never filed as a young person's message.
    mobile: Mapped[str | None] = mapped_column(EncryptedText(), deferred=True)
    mobile_hash: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """What a signed-in session carries (Flask-Login's user id): the account and its session version, "12:3",
        checked on every request by `feedback.accounts.operations.session_user`."""
        return f"{self.id}:{self.session_version}"


class PersonalLink(db.Model):  # type: ignore[name-defined]
    """A personal web link for one young person. Only a hash of its token is kept: the link itself lives only in
    the message that carried it, so a copy of the database opens nobody's page."""

    __tablename__ = "personal_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship()


class Statement(db.Model):  # type: ignore[name-defined]
    """A young person's statement to their worker: the answers of a completed statement conversation, and where
    it went. The young person sees it move sent -> read -> replied."""

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


class StatementReply(db.Model):  # type: ignore[name-defined]
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


class ReportFacts:
    """What summaries filter and group by, copied onto each filed row when the message is analysed (and again on
    re-analysis), so that every summary is one GROUP BY over one indexed table, never a join over a million
    messages. Locality, age band and care setting are as the register had them when the message was filed."""

    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    month: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM, local time
    channel: Mapped[str | None] = mapped_column(String(16))
    survey_id: Mapped[int | None] = mapped_column(Integer)
    locality: Mapped[str | None] = mapped_column(String(64))
    age_band: Mapped[str | None] = mapped_column(String(16))
    care_setting: Mapped[str | None] = mapped_column(String(32))
    # Flagged for safeguarding: counted like any message, never quoted.
    risk: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class MessageAnalysis(ReportFacts, db.Model):  # type: ignore[name-defined]
    """What the analysis read in one message: sentiment, key phrases and a copy safe to quote. Its themes are
    `MessageTheme` rows, so that summaries group by them in SQL. Re-analysis replaces this row and the automatic
    themes, never a member of staff's codes."""

    __tablename__ = "message_analysis"
    # The total of messages in a period is counted from this index alone, filters included where they are common.
    __table_args__ = (
        Index("ix_message_analysis_received_at", "received_at", postgresql_include=["channel", "locality"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_message.id"), unique=True)
    sentiment: Mapped[float] = mapped_column(Float)
    sentiment_label: Mapped[str] = mapped_column(String(16), index=True)
    # Words from the message: encrypted like the message itself.
    key_phrases: Mapped[list[str]] = mapped_column(EncryptedJSON(), default=list)
    # Why each theme was given (theme slug -> the words), for staff.
    why: Mapped[dict[str, list[str]]] = mapped_column(EncryptedJSON(), default=dict)
    redacted: Mapped[str] = mapped_column(EncryptedText())
    analyser: Mapped[str] = mapped_column(String(32))
    analysed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MessageTheme(ReportFacts, db.Model):  # type: ignore[name-defined]
    """A message filed against a theme: by the analysis (auto), by the question it answered, or by staff."""

    __tablename__ = "message_theme"
    __table_args__ = (
        UniqueConstraint("inbound_message_id", "theme_id"),
        Index("ix_message_theme_theme_id_source", "theme_id", "source"),
        # A summary reads a period's rows from this index without visiting the table (PostgreSQL).
        Index(
            "ix_message_theme_received_at_theme_id",
            "received_at",
            "theme_id",
            postgresql_include=["source", "sentiment", "channel", "locality"],
        ),
        one_of("source", ThemeSource),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_message.id"), index=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id"))
    # auto | question | staff (a member of staff gave it) | removed (a member of staff said it is not this theme,
    # so re-analysis never gives it again)
    source: Mapped[str] = mapped_column(String(16))
    strong: Mapped[bool] = mapped_column(Boolean, default=True)
    sentiment: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Recode(db.Model):  # type: ignore[name-defined]
    """A member of staff changing how a message is filed: who, what and when. Kept for ever, never edited."""

    __tablename__ = "recode"

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_message.id"), index=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    # add-theme | remove-theme | confirm-risk | clear-risk
    action: Mapped[str] = mapped_column(String(16))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    staff_user: Mapped[StaffUser] = relationship()
    theme: Mapped[Theme | None] = relationship()


class Action(db.Model):  # type: ignore[name-defined]
    """ "You said, we did": what young people said about a theme, and what was done or will be done about it."""

    __tablename__ = "action"
    __table_args__ = (one_of("status", ActionStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id"), index=True)
    you_said: Mapped[str] = mapped_column(Text)
    we_did: Mapped[str] = mapped_column(Text)
    by_whom: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # planned | in-progress | done
    action_date: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    theme: Mapped[Theme] = relationship()
    created_by: Mapped[StaffUser] = relationship()


class ActionNotice(db.Model):  # type: ignore[name-defined]
    """One text telling one young person about one action: unique, so nobody is ever told twice."""

    __tablename__ = "action_notice"
    __table_args__ = (UniqueConstraint("action_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    outbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_message.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApiToken(db.Model):  # type: ignore[name-defined]
    """A token for the read-only summary API, kept only as a keyed hash; it acts with its owner's role."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    staff_user: Mapped[StaffUser] = relationship()


class AdvocacyOffer(db.Model):  # type: ignore[name-defined]
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


class AdvocacySession(db.Model):  # type: ignore[name-defined]
    """One meeting between an advocate and a young person who accepted an offer."""

    __tablename__ = "advocacy_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("advocacy_offer.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(EncryptedText())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    offer: Mapped[AdvocacyOffer] = relationship(back_populates="sessions")


class Schedule(db.Model):  # type: ignore[name-defined]
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


class SendPace(db.Model):  # type: ignore[name-defined]
    """The next moment a sending number may send, shared by every sender process so that together they keep to
    SEND_RATE_PER_SECOND: each send takes the next slot in one UPDATE."""

    __tablename__ = "send_pace"

    sender: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_slot_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SchedulerLease(db.Model):  # type: ignore[name-defined]
    """Which process is the scheduler, and its last heartbeat: a second `feedback scheduler` runs no job while
    the holder's heartbeat is fresh, and takes over when it stops."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_job: Mapped[str | None] = mapped_column(String(64))
    last_job_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEvent(db.Model):  # type: ignore[name-defined]
    """Who did what, when, to which record: every view and export of identifiable data, every recode and every
    role change. Append-only: the database refuses to change or delete a row (triggers, migration 0012), and no
    page or command offers to. `detail` never holds a phone number or anything a young person wrote."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_at", "at"), Index("ix_audit_event_subject", "subject_type", "subject_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The member of staff, or None for the command line (`actor` then says so, e.g. "command line").
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    actor: Mapped[str] = mapped_column(String(254))
    # view | export | recode | role-change | erase | subject-access | login | login-failed | ...
    action: Mapped[str] = mapped_column(String(32))
    subject_type: Mapped[str | None] = mapped_column(String(32))  # person | message | report | staff_user ...
    subject_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


# APScheduler's own job store (`feedback scheduler`), as its SQLAlchemyJobStore defines it: created by the
# migrations like every other table, so the schema has one owner.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    db.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)

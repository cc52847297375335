"""Safeguarding alerts, what staff did about each, and the emails and texts that told staff."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.core.clock import utcnow
from feedback.core.db_types import EncryptedText, UTCDateTime, one_of
from feedback.extensions import Model

if TYPE_CHECKING:
    from feedback.accounts.models import StaffUser
    from feedback.messages.models import InboundMessage
    from feedback.people.models import Person


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


class SafeguardingAlert(Model):
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


class AlertStep(Model):
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


class Notification(Model):
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

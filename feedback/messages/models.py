"""Every message in from a young person and out to one, and the send pace shared by every sender."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.core.clock import utcnow
from feedback.core.db_types import EncryptedText, UTCDateTime, one_of
from feedback.extensions import Model

if TYPE_CHECKING:
    from feedback.people.models import Person


class Channel(StrEnum):
    """How a young person reached us, or how we reach them."""

    SMS = "sms"
    WEB = "web"


class InboundChannel(StrEnum):
    """How a stored message came in: a channel, or brought in from before the service (`feedback messages import`,
    `feedback.messages.history`). Apart from `Channel` so that nothing can be sent, or a survey run, on "import"."""

    SMS = Channel.SMS.value
    WEB = Channel.WEB.value
    IMPORT = "import"


# How a message came in, in words, after "Raised ..." or "Sent ...".
CAME_IN = {
    InboundChannel.SMS: "by text",
    InboundChannel.WEB: "on the web",
    InboundChannel.IMPORT: "in a view brought in from before the service",
}


class InboundStatus(StrEnum):
    """A stored message: received (stored, not handled yet) -> processed (`feedback.messages.inbound`)."""

    RECEIVED = "received"
    PROCESSED = "processed"


# How a text that opted its sender out was handled (`InboundMessage.handling`): its one reply, the confirmation,
# is the only text ever sent to someone opted out.
OPT_OUT_HANDLING = "opt-out"


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


class InboundMessage(Model):
    """A message as a young person sent it, stored before anything else happens to it.

    `provider_sid` (Twilio's MessageSid) is unique, so a redelivered webhook is recognised. `status` is
    `received` until processing commits, so a message whose processing failed is processed again by the
    retry or by the worker's sweep, never lost.
    """

    __tablename__ = "inbound_message"
    __table_args__ = (
        Index("ix_inbound_message_status_received_at", "status", "received_at"),
        # The texts the workers have still to handle, oldest first (`inbound.claimable`): a handful among
        # millions, found at once whatever the planner's statistics say (a new database has none).
        Index(
            "ix_inbound_message_to_handle",
            "received_at",
            "id",
            postgresql_where=text("status = 'received'"),
            sqlite_where=text("status = 'received'"),
        ),
        one_of("status", InboundStatus),
        one_of("channel", InboundChannel),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    # Twilio's MessageSid; a web answer's own id; for a message brought in from before the service, "import:" and a
    # keyed hash of its row (`messages.history`), so a file imported twice adds nothing.
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


class ImportedMessage(Model):
    """Where a message brought in from before the service came from (`feedback messages import`): its source, and
    the locality, age band and care setting its row gave (None where the row left them blank: the register's
    then stand, read in `insight.filing.report_facts`). One row per imported `InboundMessage`, which holds the
    words, the date and the young person (an anonymous record of their own when the row named nobody)."""

    __tablename__ = "imported_message"

    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_message.id"), primary_key=True)
    # One run of the command: every message it brought in shares the batch, and when.
    batch: Mapped[str] = mapped_column(String(32), index=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The row of the file it came from (the header is row 1), to find it again in the file.
    file_row: Mapped[int] = mapped_column(Integer)
    # Where the views were collected: momo (Mind of My Own), paper, event...; a word, never a person's name.
    source: Mapped[str | None] = mapped_column(String(32))
    locality: Mapped[str | None] = mapped_column(String(64))
    age_band: Mapped[str | None] = mapped_column(String(16))
    care_setting: Mapped[str | None] = mapped_column(String(32))


class OutboundMessage(Model):
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


class SendPace(Model):
    """The next moment a sending number may send, shared by every sender process so that together they keep to
    SEND_RATE_PER_SECOND: each send takes the next slot in one UPDATE."""

    __tablename__ = "send_pace"

    sender: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_slot_at: Mapped[datetime] = mapped_column(UTCDateTime())

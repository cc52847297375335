"""Young people as the service knows them, and their personal links."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.core.clock import utcnow
from feedback.core.db_types import EncryptedText, UTCDateTime
from feedback.extensions import Model

if TYPE_CHECKING:
    from feedback.accounts.models import StaffUser


def new_pseudonym() -> str:
    """A random public id for a young person: it says nothing about them and cannot be reversed."""
    return "yp-" + secrets.token_hex(6)


class Person(Model):
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


class PersonalLink(Model):
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

"""Staff accounts, their teams and their API tokens, and the roles they may have."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.core.clock import utcnow
from feedback.core.db_types import EncryptedText, UTCDateTime, one_of
from feedback.extensions import Model


class Role(StrEnum):
    """A member of staff's role: what each may do is `feedback.core.permissions`."""

    ADMIN = "admin"
    CHAMPIONS = "champions"
    WORKER = "worker"
    ADVOCACY = "advocacy"
    MANAGER = "manager"


class Team(Model):
    """A team of workers with a manager. Its duty inbox takes statements from young people with no named worker."""

    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # The team's duty inbox as an email address: a new safeguarding alert goes there instead of to every member.
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StaffUser(UserMixin, Model):
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


class ApiToken(Model):
    """A token for the read-only summary API, kept only as a keyed hash; it acts with its owner's role."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    staff_user: Mapped[StaffUser] = relationship()

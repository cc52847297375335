"""The audit log: append-only (migrations 0012 and 0013 refuse UPDATE, DELETE and TRUNCATE)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from feedback.core.clock import utcnow
from feedback.core.db_types import UTCDateTime
from feedback.extensions import Model


class AuditEvent(Model):
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

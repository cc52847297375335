"""The audit log: who viewed or exported identifiable data, who recoded a message, who signed in and out, who
changed a role, a password or whether an account is active, who erased a young person's data, and when. Rows are
only ever added (the database refuses changes, migration 0012). `detail` holds ids, counts and filter names, never
an email, a password, a phone number or anything a young person wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.accounts.models import StaffUser
from feedback.audit.models import AuditEvent

COMMAND_LINE = "command line"
ACTIONS = (
    "view", "export", "edit", "recode", "role-change", "erase", "subject-access", "retention",
    "login", "login-failed", "two-factor", "keys-rotated",
    "sign-out", "password-change", "deactivate", "reactivate", "refused", "staff-text", "mobile-change",
)  # fmt: skip
PAGE_SIZE = 100


def record(
    session: Session,
    action: str,
    *,
    now: datetime,
    staff: StaffUser | None = None,
    actor: str | None = None,
    subject_type: str | None = None,
    subject_id: int | str | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add one event (flushed; the caller commits with the change it records, or at once for a view)."""
    event = AuditEvent(
        at=now,
        staff_user_id=staff.id if staff is not None else None,
        actor=(staff.email if staff is not None else actor) or COMMAND_LINE,
        action=action,
        subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id),
        detail=detail,
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class Page:
    events: Sequence[AuditEvent]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max((self.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)


def listed(session: Session, *, action: str | None = None, subject_type: str | None = None, page: int = 1) -> Page:
    """Events, the newest first, optionally of one action or one kind of record."""
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action == action)
    if subject_type:
        query = query.where(AuditEvent.subject_type == subject_type)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = min(max(page, 1), max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1))  # past the end: the last page
    events = session.scalars(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return Page(events, total, page)

"""Safeguarding alerts: a message that may show a risk of harm waits for a member of staff to act on it.

An alert goes to the people who can act for that young person (`permissions.alerts`): their named worker, their
team's duty inbox (no active named worker), their team's managers and the admins. If nobody active is there to see
it, every worker and manager does: a concern must always reach a person. An open alert is shown on every staff page
of those people until someone acknowledges it with a note of what they did. One left unacknowledged for
`escalate_after` (30 minutes by default) is escalated to the managers, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from feedback.core import permissions
from feedback.core.permissions import Viewer
from feedback.models import SafeguardingAlert, StaffUser

MAX_NOTE_LENGTH = 2000


class AlertError(ValueError):
    """An alert action that cannot be done; the message says why."""


class NoSuchAlert(AlertError):
    """No such alert, or not one this member of staff may see (the same answer for both)."""


def open_alerts(session: Session, viewer: Viewer) -> Sequence[SafeguardingAlert]:
    """The open alerts this member of staff should act on, oldest first."""
    return session.scalars(
        select(SafeguardingAlert)
        .where(SafeguardingAlert.acknowledged_at.is_(None), permissions.alerts(viewer))
        .options(joinedload(SafeguardingAlert.message), joinedload(SafeguardingAlert.person))
        .order_by(SafeguardingAlert.created_at)
    ).all()


def count_open(session: Session, viewer: Viewer) -> tuple[int, int]:
    """How many alerts wait on this member of staff, and how many of those were escalated."""
    waiting, escalated = session.execute(
        select(func.count(), func.count(SafeguardingAlert.escalated_at)).where(
            SafeguardingAlert.acknowledged_at.is_(None), permissions.alerts(viewer)
        )
    ).one()
    return int(waiting), int(escalated)


def acknowledge(
    session: Session, alert_id: int, user: StaffUser, note: str, *, now: datetime, viewer: Viewer
) -> SafeguardingAlert:
    """Close an alert with a note of what was done. The note is required: an alert is never just dismissed."""
    alert = session.scalar(
        select(SafeguardingAlert)
        .where(SafeguardingAlert.id == alert_id, permissions.alerts(viewer))
        .with_for_update(of=SafeguardingAlert)
    )
    if alert is None:
        raise NoSuchAlert("There is no such alert for you.")
    note = note.strip()
    if not note:
        raise AlertError("Write what you did or will do: an alert is closed with an action, never just dismissed.")
    if len(note) > MAX_NOTE_LENGTH:
        raise AlertError(f"The note can be up to {MAX_NOTE_LENGTH:,} characters; this one is {len(note):,}.")
    if alert.acknowledged_at is not None:
        raise AlertError("Someone has already acknowledged this alert.")
    alert.acknowledged_at = now
    alert.acknowledged_by_id = user.id
    alert.action_note = note
    session.flush()
    return alert


def escalate_overdue(session: Session, *, now: datetime, after: timedelta) -> int:
    """Escalate every alert still unacknowledged `after` it was raised. Runs on a schedule; each alert once."""
    result = session.execute(
        update(SafeguardingAlert)
        .where(
            SafeguardingAlert.acknowledged_at.is_(None),
            SafeguardingAlert.escalated_at.is_(None),
            SafeguardingAlert.created_at <= now - after,
        )
        .values(escalated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

"""Safeguarding alerts: a message that may show a risk of harm waits for a member of staff to act on it.

An open alert is shown on every staff page until someone acknowledges it with a note of what they did. One left
unacknowledged for `escalate_after` (30 minutes by default) is escalated to the managers, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from feedback.models import SafeguardingAlert, StaffUser

MAX_NOTE_LENGTH = 2000
# Who acts on alerts. Champions and advocacy roles never see a young person's words here.
RESPONDERS = ("admin", "worker", "manager")


class AlertError(ValueError):
    """An alert action that cannot be done; the message says why."""


def open_alerts(session: Session) -> Sequence[SafeguardingAlert]:
    """Alerts nobody has acknowledged, oldest first."""
    return session.scalars(
        select(SafeguardingAlert)
        .where(SafeguardingAlert.acknowledged_at.is_(None))
        .options(joinedload(SafeguardingAlert.message), joinedload(SafeguardingAlert.person))
        .order_by(SafeguardingAlert.created_at)
    ).all()


def count_open(session: Session) -> tuple[int, int]:
    """How many alerts are open, and how many of those were escalated."""
    total, escalated = session.execute(
        select(func.count(), func.count(SafeguardingAlert.escalated_at)).where(
            SafeguardingAlert.acknowledged_at.is_(None)
        )
    ).one()
    return int(total), int(escalated)


def acknowledge(session: Session, alert_id: int, user: StaffUser, note: str, *, now: datetime) -> SafeguardingAlert:
    """Close an alert with a note of what was done. The note is required: an alert is never just dismissed."""
    note = note.strip()
    if not note:
        raise AlertError("Write what you did or will do: an alert is closed with an action, never just dismissed.")
    if len(note) > MAX_NOTE_LENGTH:
        raise AlertError(f"The note can be up to {MAX_NOTE_LENGTH:,} characters; this one is {len(note):,}.")
    alert = session.get(SafeguardingAlert, alert_id, with_for_update=True)
    if alert is None:
        raise AlertError("There is no such alert.")
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

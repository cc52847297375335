"""Safeguarding alerts: a message that may show a risk of harm waits for a member of staff to act on it.

An alert goes to the people who can act for that young person: their named worker, the staff of their team (or,
with none, of the duty team) and the admins. If nobody active is there to see it, every worker and manager does:
a concern must always reach a person. An open alert is shown on every staff page of those people until someone
acknowledges it with a note of what they did. One left unacknowledged for `escalate_after` (30 minutes by default)
is escalated to the managers, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from feedback.models import SafeguardingAlert, StaffUser

MAX_NOTE_LENGTH = 2000
# Who acts on alerts. Champions and advocacy roles never see a young person's words here.
RESPONDERS = ("admin", "worker", "manager")


class AlertError(ValueError):
    """An alert action that cannot be done; the message says why."""


def _all_open(session: Session) -> Sequence[SafeguardingAlert]:
    return session.scalars(
        select(SafeguardingAlert)
        .where(SafeguardingAlert.acknowledged_at.is_(None))
        .options(joinedload(SafeguardingAlert.message), joinedload(SafeguardingAlert.person))
        .order_by(SafeguardingAlert.created_at)
    ).all()


def _staffed_teams(session: Session) -> set[int]:
    return set(
        session.scalars(
            select(StaffUser.team_id).where(
                StaffUser.active.is_(True), StaffUser.team_id.is_not(None), StaffUser.role.in_(("worker", "manager"))
            )
        )
    )


def _reaches(alert: SafeguardingAlert, user: StaffUser, duty_team_id: int | None, staffed: set[int]) -> bool:
    if user.role not in RESPONDERS:
        return False
    if user.role == "admin":
        return True
    person = alert.person
    team_id = person.team_id or duty_team_id
    if person.worker_id == user.id or (team_id is not None and user.team_id == team_id):
        return True
    # Nobody there to act (no named worker, nobody in the team): it goes to every worker and manager.
    worker_active = person.worker is not None and person.worker.active
    return not worker_active and team_id not in staffed


def open_alerts(session: Session, user: StaffUser, duty_team_id: int | None) -> list[SafeguardingAlert]:
    """The open alerts this member of staff should act on, oldest first."""
    staffed = _staffed_teams(session)
    return [alert for alert in _all_open(session) if _reaches(alert, user, duty_team_id, staffed)]


def count_open(session: Session, user: StaffUser, duty_team_id: int | None) -> tuple[int, int]:
    """How many alerts wait on this member of staff, and how many of those were escalated."""
    mine = open_alerts(session, user, duty_team_id)
    return len(mine), sum(1 for alert in mine if alert.escalated_at is not None)


def acknowledge(
    session: Session, alert_id: int, user: StaffUser, note: str, *, now: datetime, duty_team_id: int | None
) -> SafeguardingAlert:
    """Close an alert with a note of what was done. The note is required: an alert is never just dismissed."""
    note = note.strip()
    if not note:
        raise AlertError("Write what you did or will do: an alert is closed with an action, never just dismissed.")
    if len(note) > MAX_NOTE_LENGTH:
        raise AlertError(f"The note can be up to {MAX_NOTE_LENGTH:,} characters; this one is {len(note):,}.")
    alert = session.get(SafeguardingAlert, alert_id, with_for_update=True)
    if alert is None or not _reaches(alert, user, duty_team_id, _staffed_teams(session)):
        raise AlertError("There is no such alert for you.")
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

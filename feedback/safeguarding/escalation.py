"""Up the ladder until someone acts: a risk alert nobody has acknowledged `escalate_after` (30 minutes) after it was
raised goes to the next step of the ladder (by default the team's managers), and again after the same time at each
step (by default the out-of-hours service and the head of service), and at the top again every interval, until
someone acknowledges it. A concern is for the named worker to read today: it pages nobody.

Run every minute by the scheduler (and `feedback alerts escalate`); an alert goes up at most one step a run, and
two schedulers or a scheduler and a cron run never send a step twice (the rows are locked, and each notification's
key names its step).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, joinedload

from feedback.safeguarding import notifications
from feedback.safeguarding.models import AlertTier, SafeguardingAlert
from feedback.safeguarding.notifications import NotifyPolicy
from feedback.statements import operations as statements

log = logging.getLogger(__name__)


def escalate_alerts(session: Session, *, now: datetime, policy: NotifyPolicy) -> int:
    """Move every overdue risk alert up one step and queue its notifications (flushed). Returns how many moved."""
    overdue = now - policy.escalate_after
    due = session.scalars(
        select(SafeguardingAlert)
        .where(
            SafeguardingAlert.acknowledged_at.is_(None),
            SafeguardingAlert.tier == AlertTier.RISK,
            or_(
                and_(SafeguardingAlert.escalation_step == 0, SafeguardingAlert.created_at <= overdue),
                and_(SafeguardingAlert.escalation_step > 0, SafeguardingAlert.escalated_at <= overdue),
            ),
        )
        .order_by(SafeguardingAlert.severity, SafeguardingAlert.created_at)
        .options(joinedload(SafeguardingAlert.person))
        .with_for_update(skip_locked=True, of=SafeguardingAlert)
    ).all()
    for alert in due:
        alert.escalation_step += 1
        alert.escalated_at = now
        session.flush()
        queued = notifications.alert_escalated(session, alert, now=now, policy=policy)
        log.warning("safeguarding alert %s escalated to step %s (%s notifications)", alert.id, alert.escalation_step,
                    queued)  # fmt: skip
    return len(due)


def escalate_statements(session: Session, *, now: datetime, policy: NotifyPolicy) -> int:
    """Statements unread past their due time go to the team's managers, by email, once (flushed)."""
    escalated = statements.escalate_overdue(session, now=now)
    for statement in escalated:
        notifications.statement_escalated(session, statement, now=now, policy=policy)
    return len(escalated)

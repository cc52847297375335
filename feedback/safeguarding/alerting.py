"""Raising a safeguarding alert: the one place an alert is created, for a text or a web answer, and its people told.

The alert and its notifications are written in the caller's transaction, so the alert, the help sent to the young
person and the notifications that tell a person all commit together, or none does and the message is handled again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.safeguarding import notifications
from feedback.safeguarding.models import AlertTier, SafeguardingAlert
from feedback.safeguarding.notifications import NotifyPolicy


def raise_alert(
    session: Session,
    *,
    message_id: int,
    person_id: int,
    reason: str,
    tier: str,
    severity: int | None,
    now: datetime,
    policy: NotifyPolicy,
) -> SafeguardingAlert | None:
    """The alert for a stored message that may show risk (`tier` "risk") or a concern ("concern"), with its
    notifications queued; None, doing nothing, if this message already has one (an earlier attempt raised it)."""
    if session.scalar(select(SafeguardingAlert.id).where(SafeguardingAlert.inbound_message_id == message_id)):
        return None
    alert = SafeguardingAlert(
        inbound_message_id=message_id,
        person_id=person_id,
        reason=reason[:200],
        tier=tier,
        # The screen gives one whenever it reads risk or concern; the least urgent of the tier otherwise.
        severity=severity if severity is not None else (3 if tier == AlertTier.RISK else 4),
        created_at=now,
    )
    session.add(alert)
    session.flush()
    notifications.alert_raised(session, alert, now=now, policy=policy)
    return alert

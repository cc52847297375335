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
from feedback.safeguarding.screening import Screening

# A concern's reason when the screen names no category but the words ask for help.
ASKS_FOR_HELP = "asks for help"


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
    alert = _new_alert(
        session, message_id=message_id, person_id=person_id, reason=reason, tier=tier, severity=severity, now=now
    )
    if alert is not None:
        notifications.alert_raised(session, alert, now=now, policy=policy)
    return alert


def alert_for(
    session: Session, screening: Screening, *, message_id: int, person_id: int, now: datetime, policy: NotifyPolicy
) -> SafeguardingAlert | None:
    """The alert a screening calls for, for a stored message outside a text's own handling (a web answer, an answer
    to a statement's reply): a risk, else a concern, else none; None too if this message has one already."""
    if not (screening.risk or screening.concern):
        return None
    return raise_alert(
        session,
        message_id=message_id,
        person_id=person_id,
        reason=screening.reason if screening.risk else concern_reason(screening),
        tier=AlertTier.RISK if screening.risk else AlertTier.CONCERN,
        severity=screening.severity,
        now=now,
        policy=policy,
    )


def concern_reason(screening: Screening) -> str:
    """What the alert says the concern is: the screen's categories, never the young person's words."""
    return screening.reason or (ASKS_FOR_HELP if screening.asks_for_help else AlertTier.CONCERN)


def concern_for_review(
    session: Session, *, message_id: int, person_id: int, reason: str, now: datetime
) -> SafeguardingAlert | None:
    """A concern in words written long before they reached the service (views brought in by `feedback messages
    import`), whatever the screen read in them, a risk included: an alert of the concern tier at the least urgent
    severity, for a worker to review in the alerts list, below every alert about what a young person sent now.
    Nobody is emailed, texted or paged, and it never goes up the ladder (only risks do): the words may be years
    old, and whoever they concern was, or should have been, helped then. None if the message has one already."""
    return _new_alert(
        session,
        message_id=message_id,
        person_id=person_id,
        reason=reason,
        tier=AlertTier.CONCERN,
        severity=LEAST_URGENT,
        now=now,
    )


# A concern's severity when the screen gives none, and an imported one's always: after every other alert.
LEAST_URGENT = 4


def _new_alert(
    session: Session,
    *,
    message_id: int,
    person_id: int,
    reason: str,
    tier: str,
    severity: int | None,
    now: datetime,
) -> SafeguardingAlert | None:
    if session.scalar(select(SafeguardingAlert.id).where(SafeguardingAlert.inbound_message_id == message_id)):
        return None
    alert = SafeguardingAlert(
        inbound_message_id=message_id,
        person_id=person_id,
        reason=reason[:200],
        tier=tier,
        # The screen gives one whenever it reads risk or concern; the least urgent of the tier otherwise.
        severity=severity if severity is not None else (3 if tier == AlertTier.RISK else LEAST_URGENT),
        created_at=now,
    )
    session.add(alert)
    session.flush()
    return alert

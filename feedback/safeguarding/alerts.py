"""Acting on a safeguarding alert: acknowledging it with a note of what was done, texting the young person it is
about, and keeping a note of a call. Each checks the alert is this member of staff's to act on, with its row locked;
none commits. What alerts there are, and what staff may read of them, is `feedback.safeguarding.queries`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.accounts.models import StaffUser
from feedback.core import permissions
from feedback.core.clock import local_date
from feedback.core.permissions import Viewer
from feedback.messages import outbox
from feedback.safeguarding.models import AlertStep, SafeguardingAlert, StepKind
from feedback.safeguarding.queries import AlertError, NoSuchAlert, describe

MAX_NOTE_LENGTH = 2000

# A text to a young person about an alert: short enough for a few SMS segments, long enough to say who and why.
MAX_TEXT_LENGTH = 600

# The outbox kind of a text to a young person about an alert: sent first, and in quiet hours too.
TEXT_KIND = "safeguarding"


def _locked(session: Session, alert_id: int, viewer: Viewer) -> SafeguardingAlert:
    alert = session.scalar(
        select(SafeguardingAlert)
        .where(SafeguardingAlert.id == alert_id, permissions.alerts(viewer))
        .with_for_update(of=SafeguardingAlert)
    )
    if alert is None:
        raise NoSuchAlert("There is no such alert for you.")
    return alert


def _checked(text: str, *, empty: str, limit: int, what: str) -> str:
    text = text.strip()
    if not text:
        raise AlertError(empty)
    if len(text) > limit:
        raise AlertError(f"{what} can be up to {limit:,} characters; this one is {len(text):,}.")
    return text


def acknowledge(
    session: Session, alert_id: int, user: StaffUser, note: str, *, now: datetime, viewer: Viewer
) -> SafeguardingAlert:
    """Close an alert with a note of what was done. The note is required: an alert is never just dismissed."""
    alert = _locked(session, alert_id, viewer)
    note = _checked(
        note,
        empty="Write what you did or will do: an alert is closed with an action, never just dismissed.",
        limit=MAX_NOTE_LENGTH,
        what="The note",
    )
    if alert.acknowledged_at is not None:
        raise AlertError("Someone has already acknowledged this alert.")
    alert.acknowledged_at = now
    alert.acknowledged_by_id = user.id
    alert.action_note = note
    session.flush()
    return alert


def text_young_person(
    session: Session, alert_id: int, user: StaffUser, body: str, *, now: datetime, viewer: Viewer
) -> AlertStep:
    """Text the young person an alert is about, through the outbox, ahead of everything else and in quiet hours too
    (`TEXT_KIND`), and keep it as a step. Refused when they cannot be texted: opted out, no consent on the register,
    or no number (someone who only used the web). The text begins with who it is from."""
    alert = _locked(session, alert_id, viewer)
    body = _checked(body, empty="Write the text first.", limit=MAX_TEXT_LENGTH, what="A text")
    person = alert.person
    today = local_date(now)
    subject = describe(session, [person], duty_team_id=viewer.duty_team_id, today=today)[person.id]
    if subject.cannot_text:
        raise AlertError(f"This text cannot be sent: {subject.cannot_text}")
    sent = f"From {user.display_name}: {body}" if user.display_name else body
    outbound_id = outbox.queue(session, outbox.Outgoing(person_id=person.id, body=sent, kind=TEXT_KIND), now=now)
    step = AlertStep(
        alert_id=alert.id,
        staff_user_id=user.id,
        kind=StepKind.TEXT,
        note=body,
        outbound_message_id=outbound_id,
        created_at=now,
    )
    session.add(step)
    session.flush()
    return step


def log_call(
    session: Session, alert_id: int, user: StaffUser, note: str, *, now: datetime, viewer: Viewer
) -> AlertStep:
    """Keep a note of a call about an alert (to the young person, their carer, the police...) as a step."""
    alert = _locked(session, alert_id, viewer)
    note = _checked(note, empty="Write a note of the call.", limit=MAX_NOTE_LENGTH, what="The note")
    step = AlertStep(alert_id=alert.id, staff_user_id=user.id, kind=StepKind.CALL, note=note, created_at=now)
    session.add(step)
    session.flush()
    return step

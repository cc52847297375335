"""The audit log in the browser (admins only, read-only: there is nothing to edit and the database would refuse).
What a page records there is `feedback.staff.views.audited`.

The page says each entry in words ("Viewed", "Alert 12", "Shown: 5") and when in plain English, with the exact
moment (UTC, to the second) kept in the page for an auditor: in the `<time>` element's `datetime` and its title.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue

from feedback.audit import operations as audit
from feedback.core.clock import LOCAL_TIME
from feedback.core.permissions import Capability
from feedback.core.plain_dates import clock_time, day_and_date
from feedback.extensions import current_session
from feedback.staff.views import bp, requires

# What happened, in words. An action added since has its name shown with its dashes as spaces.
ACTION_WORDS = {
    "view": "Viewed",
    "export": "Exported",
    "edit": "Changed",
    "recode": "Changed the themes or risk of a message",
    "role-change": "Changed a role",
    "erase": "Erased a young person's data",
    "subject-access": "Gave a young person their data",
    "retention": "Deleted what was past its keeping time",
    "login": "Signed in",
    "login-failed": "Sign-in refused",
    "two-factor": "Turned two-factor sign-in on or off",
    "keys-rotated": "Changed the encryption key",
    "sign-out": "Signed out",
    "password-change": "Changed a password",
    "deactivate": "Switched an account off",
    "reactivate": "Switched an account back on",
    "refused": "Refused a page",
    "staff-text": "A text from a staff mobile",
    "mobile-change": "Changed a mobile number",
}
# What it was done to. The id follows: a record's number in the database, never a name.
SUBJECT_WORDS = {
    "person": "Young person",
    "person-list": "The register",
    "person-history": "A young person's history",
    "alert": "Alert",
    "alert-list": "Open alerts",
    "alert-history": "Acknowledged alerts",
    "message": "Message",
    "message-list": "Messages",
    "statement": "Statement",
    "statement-list": "The inbox",
    "advocacy-offer": "Offer of advocacy",
    "advocacy-offer-list": "Offers of advocacy",
    "advocacy-report": "The advocacy report",
    "staff_user": "Staff account",
    "responses": "Survey responses",
    "sms": "A text",
}
DETAIL_WORDS = {
    "shown": "shown",
    "page": "page",
    "searched": "searched",
    "new": "new record",
    "step": "what was done",
    "added": "themes added",
    "risk": "risk",
    "endpoint": "page",
    "method": "how",
    "status": "answer",
    "refused": "refused because",
    "reason": "reason",
    "role": "role",
    "was": "was",
    "named": "named worker of",
    "counts": "counts",
    "turned": "turned",
    "own": "their own",
    "reset": "reset",
    "closed": "closed",
    "not_offered": "not offered",
    "values": "values",
    "phones": "phone numbers",
    "answers": "answers",
    "format": "format",
}
STATUS_WORDS = {403: "not allowed for their role (403)", 404: "not found, or not theirs to see (404)"}
METHOD_WORDS = {"GET": "opened", "POST": "sent a form"}


@bp.get("/audit")
@requires(Capability.ADMINISTER)
def audit_log() -> ResponseReturnValue:
    action = request.args.get("action", "")
    if action and action not in audit.ACTIONS:
        abort(400, description="There is no such kind of entry: choose one from the list on the audit log.")
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    found = audit.listed(current_session(), action=action or None, page=page)
    return render_template(
        "audit/audit.html",
        found=found,
        action=action,
        actions=[(name, action_words(name)) for name in audit.ACTIONS],
        action_words=action_words,
        subject_words=subject_words,
        detail_words=detail_words,
        exact=exact,
        stamp=stamp,
    )


def action_words(action: str) -> str:
    return ACTION_WORDS.get(action, action.replace("-", " ").capitalize())


def subject_words(subject_type: str | None, subject_id: str | None) -> str:
    if not subject_type:
        return ""
    words = SUBJECT_WORDS.get(subject_type, subject_type.replace("-", " ").replace("_", " ").capitalize())
    return f"{words} {subject_id}" if subject_id else words


def detail_words(detail: dict[str, Any]) -> list[str]:
    """Each detail of an entry as "what: value" in words ("shown: 5", "page: alert text")."""
    said = []
    for key, value in detail.items():
        said.append(f"{DETAIL_WORDS.get(key, key.replace('_', ' '))}: {_value_words(key, value)}")
    return said


def _value_words(key: str, value: Any) -> str:
    if key == "endpoint" and isinstance(value, str):
        return value.rpartition(".")[2].replace("_", " ")  # "staff.alert_text": the page "alert text"
    if key == "status" and value in STATUS_WORDS:
        return STATUS_WORDS[value]
    if key == "method" and value in METHOD_WORDS:
        return METHOD_WORDS[value]
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{name.replace('_', ' ')} {_value_words(name, inner)}" for name, inner in value.items())
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "none"
    if value is None:
        return "none"
    return str(value).replace("-", " ") if key in {"role", "was"} else str(value)


def stamp(at: datetime) -> str:
    """The exact moment for a `<time datetime>`: UTC, to the second."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def exact(at: datetime) -> str:
    """The exact moment in words, for an auditor: "Monday 23 November 2026 at 2:05:33pm UK time"."""
    local = at.astimezone(LOCAL_TIME)
    seconds = f":{local.second:02d}"
    time = clock_time(local)
    return f"{day_and_date(local)} at {time[:-2]}{seconds}{time[-2:]} UK time"

"""The audit log in the browser (admins only, read-only: there is nothing to edit and the database would refuse),
and `audited`, which the views of identifiable data call so that every view leaves a trace."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request
from flask_login import current_user

from feedback.clock import now
from feedback.core.permissions import Capability
from feedback.extensions import current_session, db
from feedback.services import audit
from feedback.staff.views import bp, requires


def audited(action: str, subject_type: str | None = None, subject_id: int | str | None = None, **detail: Any) -> None:
    """Record what the signed-in member of staff just did. Committed at once for a view (a page that was seen
    leaves its trace whatever happens next); for a change, call it before the change's own commit."""
    audit.record(
        current_session(),
        action,
        now=now(),
        staff=current_user._get_current_object(),
        subject_type=subject_type,
        subject_id=subject_id,
        **detail,
    )
    if action == "view":
        db.session.commit()


@bp.get("/audit")
@requires(Capability.ADMINISTER)
def audit_log() -> str:
    action = request.args.get("action", "")
    if action and action not in audit.ACTIONS:
        abort(400, description=f"action must be one of: {', '.join(audit.ACTIONS)}.")
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    found = audit.listed(current_session(), action=action or None, page=page)
    return render_template("staff/audit.html", found=found, action=action, actions=audit.ACTIONS)

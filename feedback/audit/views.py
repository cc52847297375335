"""The audit log in the browser (admins only, read-only: there is nothing to edit and the database would refuse).
What a page records there is `feedback.staff.views.audited`."""

from __future__ import annotations

from flask import abort, render_template, request
from flask.typing import ResponseReturnValue

from feedback.audit import operations as audit
from feedback.core.permissions import Capability
from feedback.extensions import current_session
from feedback.staff.views import bp, requires


@bp.get("/audit")
@requires(Capability.ADMINISTER)
def audit_log() -> ResponseReturnValue:
    action = request.args.get("action", "")
    if action and action not in audit.ACTIONS:
        abort(400, description=f"action must be one of: {', '.join(audit.ACTIONS)}.")
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    found = audit.listed(current_session(), action=action or None, page=page)
    return render_template("audit/audit.html", found=found, action=action, actions=audit.ACTIONS)

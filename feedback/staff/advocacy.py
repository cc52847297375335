"""The advocacy page: the share of eligible young people offered or accepting advocacy against the target, by
locality, care setting and age band, offers by month, and the young people with no offer yet, for the workers who
make them. Thin: the figures come from `services.advocacy`. Managers' figures, not suppressed, so the champions
role never sees this page.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, request

from feedback.clock import LOCAL_TIME, now
from feedback.extensions import current_session
from feedback.services import advocacy
from feedback.services.people import CARE_SETTING_LABELS
from feedback.staff.views import bp, roles

# Unsuppressed counts and young people's refs: never the champions role.
ADVOCACY_ROLES = ("advocacy", "manager", "admin")


@bp.get("/advocacy")
@roles(*ADVOCACY_ROLES)
def advocacy_report() -> Any:
    today = now().astimezone(LOCAL_TIME).date()
    try:
        since, until = advocacy.parse_period(request.args.get("since"), request.args.get("until"), today=today)
    except advocacy.PeriodError as error:
        return render_template("staff/advocacy.html", error=str(error), report=None, args=request.args), 400
    result = advocacy.report(
        current_session(),
        since=since,
        until=until,
        target=float(current_app.config["ADVOCACY_TARGET"]),
        localities=current_app.config["LOCALITIES"],
    )
    return render_template(
        "staff/advocacy.html", report=result, args=request.args, care_settings=CARE_SETTING_LABELS, error=None
    )

"""Reviewing how messages were filed: staff see why a message got its themes and risk flag, and recode it. Only
the messages of young people this member of staff may see (`permissions.messages`): any other answers 404."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from feedback.core.clock import now
from feedback.core.permissions import Capability
from feedback.extensions import current_session, db
from feedback.insight import filing as analysis
from feedback.insight import themes
from feedback.insight.models import Recode, ThemeSource
from feedback.messages.models import CAME_IN
from feedback.staff.views import audited, bp, refuse, requires, viewer

# Who filed a message under a theme, after the theme's name.
FILED_BY = {ThemeSource.AUTO: "by the analysis", ThemeSource.QUESTION: "by its question", ThemeSource.STAFF: "by staff"}
# A member of staff's change to how a message is filed, after their name (`Recode.action`).
CHANGED = {
    "add-theme": "filed it under {theme}",
    "remove-theme": "took it off {theme}",
    "confirm-risk": "confirmed the risk flag",
    "clear-risk": "cleared the risk flag",
}


def changed(change: Recode) -> str:
    """A recode in words: "filed it under Money"."""
    words = CHANGED.get(change.action, change.action.replace("-", " "))
    return words.format(theme=change.theme.label if change.theme else "a theme")


@bp.get("/messages")
@requires(Capability.READ_MESSAGES)
def messages() -> ResponseReturnValue:
    rows = analysis.recent(current_session(), viewer())
    audited("view", "message-list", None, shown=len(rows))
    return render_template("insight/messages.html", rows=rows)


@bp.get("/messages/<int:message_id>")
@requires(Capability.READ_MESSAGES)
def message(message_id: int) -> ResponseReturnValue:
    item = analysis.filed(current_session(), message_id, viewer())
    if item is None:
        refuse(404, "message", message_id)
    audited("view", "message", message_id)
    return render_template(
        "insight/message.html",
        item=item,
        all_themes=themes.live(current_session()),
        came_in=CAME_IN,
        filed_by=FILED_BY,
        changed=changed,
    )


@bp.post("/messages/<int:message_id>/themes")
@requires(Capability.RECODE)
def recode(message_id: int) -> ResponseReturnValue:
    _readable(message_id)
    try:
        added, removed = analysis.recode_themes(
            current_session(), message_id, current_user, request.form.getlist("theme"), now=now()
        )
    except analysis.RecodeError as exc:
        db.session.rollback()
        abort(400, description=str(exc))
    audited("recode", "message", message_id, added=sorted(added), removed=sorted(removed))
    db.session.commit()
    flash(f"Saved the themes: {len(added)} added, {len(removed)} taken off. Analysing it again keeps your choice.")
    return redirect(url_for("staff.message", message_id=message_id))


@bp.post("/messages/<int:message_id>/risk")
@requires(Capability.REVIEW_RISK)
def review_risk(message_id: int) -> ResponseReturnValue:
    _readable(message_id)
    decision = request.form.get("decision")
    if decision not in {"confirm", "clear"}:
        abort(400, description="Choose confirm or clear.")
    try:
        analysis.review_risk(current_session(), message_id, current_user, confirmed=decision == "confirm", now=now())
    except analysis.RecodeError as exc:
        db.session.rollback()
        abort(400, description=str(exc))
    audited("recode", "message", message_id, risk=decision)
    db.session.commit()
    flash("Risk flag confirmed." if decision == "confirm" else "Risk flag cleared; the screen's own verdict is kept.")
    return redirect(url_for("staff.message", message_id=message_id))


def _readable(message_id: int) -> None:
    """A change to a message this member of staff may not read is refused as if there were no such message."""
    if not analysis.readable(current_session(), message_id, viewer()):
        refuse(404, "message", message_id)

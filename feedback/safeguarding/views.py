"""Safeguarding alerts in the browser: the open alerts, most severe first; an alert's own page, where staff read what
the young person wrote, see who was told and what has been done, and act (text them, log a call, acknowledge); a
young person's whole history; and the acknowledged alerts with how long each took, by month for managers.

Only workers, managers and admins open these (`Capability.REVIEW_RISK`), and each sees only the alerts and young
people `permissions` gives them: any other answers 404, as if it did not exist, and the refusal is audited. Every
page is audited as a view. Thin: the reads and writes are in `feedback.safeguarding.alerts`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import TextAreaField

from feedback.core import permissions
from feedback.core.clock import local_date, now
from feedback.core.permissions import Capability
from feedback.extensions import current_session, db
from feedback.messages.models import CAME_IN
from feedback.people.operations import CARE_SETTING_LABELS
from feedback.safeguarding import alerts as alert_service
from feedback.safeguarding import notifications
from feedback.safeguarding import queries as alert_queries
from feedback.safeguarding.notifications import LadderError, parse_ladder
from feedback.staff.forms import FORM_EXPIRED
from feedback.staff.views import audited, bp, refuse, requires, viewer

# Who each step of the escalation ladder tells, in words (the ladder itself is SAFEGUARDING_ESCALATION_LADDER).
AUDIENCE_WORDS = {
    "managers": "the team's managers",
    "out-of-hours": "the out-of-hours service",
    "head-of-service": "the head of service",
    "admins": "the admins",
}
NOTIFICATION_STATUS_WORDS = {
    "queued": "Waiting to go",
    "sending": "Sending",
    "sent": "Sent",
    "stored": "Stored, not sent",
    "failed": "Failed",
    "unconfirmed": "Not confirmed: check",
}
DELIVERY_WORDS = {
    "queued": "waiting to go",
    "sending": "sending",
    "sent": "sent",
    "simulated": "simulated (a pretend number)",
    "delivered": "delivered",
    "undelivered": "not delivered",
    "failed": "failed",
    "skipped": "not sent: they cannot be texted",
    "unconfirmed": "not confirmed: check",
    "accepted": "taken by the text service",
    "scheduled": "waiting to go",
    "replied": "sent",
    "read": "read",
    "canceled": "cancelled",
}


class TextForm(FlaskForm):
    body = TextAreaField(
        "Your text to them",
        description=f"Up to {alert_service.MAX_TEXT_LENGTH} characters. It goes straight away, even in quiet hours.",
        render_kw={"rows": 4},
    )


class CallForm(FlaskForm):
    note = TextAreaField(
        "Note of the call",
        description="Who you called, what was said and what happens next.",
        render_kw={"rows": 4},
    )


class AcknowledgeForm(FlaskForm):
    note = TextAreaField(
        "What you did or will do",
        description="You must write this: an alert is closed with an action, never just dismissed.",
        render_kw={"rows": 4},
    )


def _forms() -> dict[str, FlaskForm]:
    # Prefixed, so that three forms on one page never share a field's id. The acknowledgement keeps the plain
    # `note` it has always posted.
    return {"text_form": TextForm(prefix="text"), "call_form": CallForm(prefix="call"), "ack_form": AcknowledgeForm()}


def _today() -> date:
    return local_date(now())


def _alert(alert_id: int) -> alert_queries.Listed:
    """An alert this member of staff may see; 404 (audited) for any other, so none is given away."""
    try:
        return alert_queries.get_for(current_session(), alert_id, viewer(), today=_today())
    except alert_queries.NoSuchAlert:
        refuse(404, "alert", alert_id)


# --- the pages --------------------------------------------------------------------------------------------------


@bp.get("/alerts")
@requires(Capability.REVIEW_RISK)
def alerts() -> ResponseReturnValue:
    found = alert_queries.open_alerts(current_session(), viewer(), today=_today())
    audited("view", "alert-list", None, shown=len(found))
    return render_template("safeguarding/alerts.html", rows=found, aim=_aim())


@bp.get("/alerts/<int:alert_id>")
@requires(Capability.REVIEW_RISK)
def alert(alert_id: int) -> ResponseReturnValue:
    listed = _alert(alert_id)
    audited("view", "alert", listed.alert.id)
    return _alert_page(listed, _forms())


def _alert_page(listed: alert_queries.Listed, forms: dict[str, FlaskForm], *, status: int = 200) -> Any:
    session = current_session()
    history, record = alert_queries.may_see_person(session, listed.alert.person_id, viewer())
    return render_template(
        "safeguarding/alert.html",
        row=listed,
        told=alert_queries.notifications(session, listed.alert.id),
        steps=alert_queries.steps(session, [listed.alert.id]).get(listed.alert.id, []),
        history_link=history,
        record_link=record,
        **forms,
    ), status


@bp.post("/alerts/<int:alert_id>/text")
@requires(Capability.REVIEW_RISK)
def alert_text(alert_id: int) -> ResponseReturnValue:
    forms = _forms()
    form = _submitted(forms["text_form"])
    try:
        alert_service.text_young_person(
            current_session(), alert_id, current_user, form.body.data or "", now=now(), viewer=viewer()
        )
    except alert_service.AlertError as exc:
        return _not_done(alert_id, forms, form.body, exc)
    return _done(alert_id, "text", "Text queued: it goes to them straight away, even in quiet hours.")


@bp.post("/alerts/<int:alert_id>/call")
@requires(Capability.REVIEW_RISK)
def alert_call(alert_id: int) -> ResponseReturnValue:
    forms = _forms()
    form = _submitted(forms["call_form"])
    try:
        alert_service.log_call(
            current_session(), alert_id, current_user, form.note.data or "", now=now(), viewer=viewer()
        )
    except alert_service.AlertError as exc:
        return _not_done(alert_id, forms, form.note, exc)
    return _done(alert_id, "call", "Call logged.")


@bp.post("/alerts/<int:alert_id>/acknowledge")
@requires(Capability.REVIEW_RISK)
def acknowledge_alert(alert_id: int) -> ResponseReturnValue:
    forms = _forms()
    form = _submitted(forms["ack_form"])
    try:
        alert_service.acknowledge(
            current_session(), alert_id, current_user, form.note.data or "", now=now(), viewer=viewer()
        )
    except alert_service.AlertError as exc:
        return _not_done(alert_id, forms, form.note, exc)
    # On to the next one.
    return _done(alert_id, "acknowledge", "Alert acknowledged, with your note.", then=url_for("staff.alerts"))


def _submitted(form: Any) -> Any:
    if not form.validate_on_submit():
        abort(400, description=FORM_EXPIRED)
    return form


def _not_done(alert_id: int, forms: dict[str, FlaskForm], field: Any, exc: alert_queries.AlertError) -> Any:
    """Not theirs: refused as if it did not exist. A mistake: the page again, the reason beside the box and what
    they wrote still in it."""
    if isinstance(exc, alert_queries.NoSuchAlert):
        refuse(404, "alert", alert_id)
    db.session.rollback()
    field.errors = [str(exc)]
    return _alert_page(_alert(alert_id), forms, status=400)


def _done(alert_id: int, step: str, message: str, *, then: str | None = None) -> Any:
    """Audit what was done (which step, never what was written) with the change, commit both, and say so."""
    audited("edit", "alert", alert_id, step=step)
    db.session.commit()
    flash(message)
    return redirect(then or url_for("staff.alert", alert_id=alert_id))


@bp.get("/alerts/history")
@requires(Capability.REVIEW_RISK)
def alerts_history() -> ResponseReturnValue:
    session = current_session()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    found = alert_queries.acknowledged(session, viewer(), page=page, today=_today())
    months = None
    if permissions.can(current_user, Capability.SEE_SUMMARIES):  # managers and admins: how fast, by month
        months = alert_queries.time_to_acknowledge(session, viewer(), now=now(), aim=_aim())
    audited("view", "alert-history", None, page=found.page, shown=len(found.rows))
    return render_template("safeguarding/alerts_history.html", found=found, months=months, aim=_aim())


@bp.get("/people/<int:person_id>/history")
@requires(Capability.REVIEW_RISK)
def person_history(person_id: int) -> ResponseReturnValue:
    session = current_session()
    try:
        subject = alert_queries.person_for(session, person_id, viewer(), today=_today())
    except alert_queries.NoSuchPerson:
        refuse(404, "person", person_id)
    found = alert_queries.history(session, person_id, viewer())
    _, record = alert_queries.may_see_person(session, person_id, viewer())
    audited("view", "person-history", person_id, shown=len(found.entries))
    return render_template("safeguarding/person_history.html", subject=subject, found=found, record_link=record)


def _aim() -> timedelta:
    return timedelta(minutes=int(current_app.config["SAFEGUARDING_ESCALATION_MINUTES"]))


# --- words for the pages ----------------------------------------------------------------------------------------


@bp.app_context_processor
def alert_words() -> dict[str, Any]:
    return {
        "care_settings": CARE_SETTING_LABELS,
        "severities": alert_queries.SEVERITIES,
        "notification_status": NOTIFICATION_STATUS_WORDS,
        "delivery_words": DELIVERY_WORDS,
        "escalated_to": escalated_to,
        "came_in": CAME_IN,
        "told_why": told_why,
    }


def told_why(reason: str) -> str:
    """Why an email or a text went to staff, in words ("A new alert", "Escalation, step 2")."""
    if reason == "new":
        return "A new alert"
    if reason == "statement-escalation":
        return "A statement not read in time"
    if reason == notifications.STATEMENT_ANSWER:
        return "A young person answered a reply"
    prefix, _, step = reason.partition("-")
    if prefix == "escalation":
        return f"Escalation, step {step}" if step.isdigit() else "Escalation"
    return "Another reason"


def escalated_to(step: int) -> str:
    """Who step `step` of the escalation ladder told, in words ("the team's managers")."""
    try:
        ladder = parse_ladder(current_app.config.get("SAFEGUARDING_ESCALATION_LADDER"))
    except LadderError:
        return f"step {step}"
    audiences = ladder[min(step, len(ladder)) - 1] if step > 0 else ladder[0]
    return " and ".join(AUDIENCE_WORDS.get(name, name) for name in audiences)

"""Staff pages: sign in, the SMS simulator, and open safeguarding alerts. Thin: the work is in services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from feedback.clock import now
from feedback.extensions import current_session, db, limiter
from feedback.services import alerts as alert_service
from feedback.services import people, simulator, staff, statements, surveys
from feedback.services.inbound import InboundPolicy
from feedback.services.sending import LinkSettings, send_survey
from feedback.staff import signin
from feedback.staff.forms import LoginForm, SimulatedSendForm, SimulatedTextForm

bp = Blueprint("staff", __name__, url_prefix="/staff")
log = logging.getLogger(__name__)

# Views anyone may open; everything else on this blueprint needs a signed-in member of staff.
PUBLIC_ENDPOINTS = frozenset({"staff.login", "staff.login_code"})

F = TypeVar("F", bound=Callable[..., Any])


@bp.before_request
def require_sign_in() -> Response | None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if current_user.is_authenticated:
        if not signin.expired(current_app.config):
            signin.touch()
            return None
        log.info("staff user %s signed out: session expired", current_user.id)
        signin.end()
        flash(signin.SIGNED_OUT_IDLE)
    return redirect(url_for("staff.login", next=request.full_path))


def roles(*allowed: str) -> Callable[[F], F]:
    """Only these roles may open the view; anyone else gets 403, and the attempt is logged (who, which page)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in allowed:
                log.warning(
                    "access refused: staff user %s (%s) to %s", current_user.id, current_user.role, request.endpoint
                )
                abort(403)
            return view(*args, **kwargs)

        checked.allowed_roles = allowed  # type: ignore[attr-defined]  # for the test of every route and role
        return cast(F, checked)

    return decorate


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to somewhere else."""
    if not target:
        return url_for("staff.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/"):
        return url_for("staff.home")
    return target


def login_attempts() -> str:
    return f"{current_app.config['LOGIN_ATTEMPTS_PER_MINUTE']}/minute"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_attempts, methods=["POST"], scope="staff-login")
def login() -> Any:
    form = LoginForm()
    if form.validate_on_submit():
        user = staff.authenticate(
            current_session(),
            form.email.data or "",
            form.password.data or "",
            now=now(),
            policy=staff.SignInPolicy.from_config(current_app.config),
        )
        if user is not None and user.totp_secret:
            db.session.commit()
            signin.await_code(user)
            return redirect(url_for("staff.login_code", next=request.args.get("next")))
        if user is not None:
            staff.record_sign_in(user, now=now())
            db.session.commit()
            signin.begin(user)
            return redirect(_safe_next(request.args.get("next")))
        db.session.commit()
        flash(signin.REFUSED, "error")
    return render_template("staff/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    signin.end()
    return redirect(url_for("staff.login"))


@bp.get("/")
def home() -> str:
    return render_template("staff/home.html", waiting=statements.waiting(current_session(), current_user))


@bp.get("/simulator")
@roles("admin", "worker", "manager")
def simulator_page() -> str:
    person = None
    pseudonym = request.args.get("p")
    if pseudonym:
        person = simulator.simulated_person(current_session(), pseudonym)
        if person is None:
            abort(404)
    text_form = SimulatedTextForm()
    send_form = _send_form()
    if person is not None and person.phone:
        text_form.phone.data = person.phone
    return render_template(
        "staff/simulator.html",
        person=person,
        thread=simulator.thread(current_session(), person) if person else [],
        text_form=text_form,
        send_form=send_form,
        keywords=[s for s in surveys.list_surveys(current_session()) if s.keyword and s.current],
        live=bool(current_app.config.get("TWILIO_ACCOUNT_SID")),
    )


def _send_form() -> SimulatedSendForm:
    form = SimulatedSendForm()
    form.survey.choices = [
        SelectChoice(s.slug, s.title)
        for s in surveys.list_surveys(current_session())
        if s.current and s.purpose == surveys.SURVEY
    ]
    return form


@bp.post("/simulator/text")
@roles("admin", "worker", "manager")
def simulator_text() -> Any:
    form = SimulatedTextForm()
    if not form.validate_on_submit():
        abort(400, description="A pretend number and a message are needed.")
    try:
        person = simulator.text_as(
            current_session(),
            form.phone.data or "",
            form.body.data or "",
            now=now(),
            policy=InboundPolicy.from_config(current_app.config),
        )
    except (simulator.NotFictional, people.InvalidPhoneNumber) as exc:
        flash(str(exc), "error")
        return redirect(url_for("staff.simulator_page"))
    return redirect(url_for("staff.simulator_page", p=person.pseudonym))


@bp.post("/simulator/send/<pseudonym>")
@roles("admin", "worker", "manager")
def simulator_send(pseudonym: str) -> Response:
    person = simulator.simulated_person(current_session(), pseudonym)
    if person is None:
        abort(404)
    form = _send_form()
    if not form.validate_on_submit():
        abort(400, description="Choose a survey.")
    version = surveys.current_version(current_session(), form.survey.data or "")
    at = now()
    report = send_survey(
        current_session(),
        version,
        [person.id],
        occurrence=f"simulator-{at.isoformat()}",
        now=at,
        links_to=LinkSettings.from_config(current_app.config),
    )
    db.session.commit()
    if report.queued:
        flash("Queued: it appears here when the outbox is next flushed (the worker does it every few seconds).")
    else:
        flash("Not queued: this number has opted out.", "error")
    return redirect(url_for("staff.simulator_page", p=person.pseudonym))


@bp.context_processor
def open_alert_banner() -> dict[str, Any]:
    """Every staff page of a responder shows how many alerts wait, until each is acknowledged."""
    if not current_user.is_authenticated or current_user.role not in alert_service.RESPONDERS:
        return {"alert_banner": None}
    return {"alert_banner": alert_service.count_open(current_session(), current_user, _duty_team_id())}


def _duty_team_id() -> int | None:
    return statements.duty_team_id(current_session(), current_app.config["DUTY_TEAM_NAME"])


@bp.get("/alerts")
@roles(*alert_service.RESPONDERS)
def alerts() -> str:
    from feedback.staff.audit import audited  # the audit views register on this module's bp

    found = alert_service.open_alerts(current_session(), current_user, _duty_team_id())
    audited("view", "alert-list", None, shown=len(found))
    return render_template("staff/alerts.html", alerts=found, errors={})


@bp.post("/alerts/<int:alert_id>/acknowledge")
@roles(*alert_service.RESPONDERS)
def acknowledge_alert(alert_id: int) -> Any:
    note = request.form.get("note", "")
    try:
        alert_service.acknowledge(
            current_session(), alert_id, current_user, note, now=now(), duty_team_id=_duty_team_id()
        )
    except alert_service.AlertError as exc:
        db.session.rollback()
        # The note stays in its box with the reason it was not saved (or, if the alert is closed, the reason on top).
        open_now = alert_service.open_alerts(current_session(), current_user, _duty_team_id())
        return render_template(
            "staff/alerts.html",
            alerts=open_now,
            errors={alert_id: str(exc)},
            notes={alert_id: note},
            general_error=None if any(a.id == alert_id for a in open_now) else str(exc),
        ), 400
    db.session.commit()
    flash("Alert acknowledged, with your note.")
    return redirect(url_for("staff.alerts"))

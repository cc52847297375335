"""Staff pages: sign in, the SMS simulator, and the menu and alert banner on every page (the alert pages are in
`feedback.staff.alerts`). Thin: the work is in services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar, cast

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from feedback.clock import now
from feedback.core import permissions
from feedback.core.permissions import Capability, Viewer
from feedback.extensions import current_session, db, limiter
from feedback.services import alerts as alert_service
from feedback.services import audit, people, simulator, staff, statements, surveys
from feedback.services.inbound import InboundPolicy
from feedback.services.sending import LinkSettings, send_survey
from feedback.staff import menu, signin
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
    elif signin.ended_elsewhere():
        # The cookie names an account, but its session was ended on the server: say so, not just "sign in".
        signin.end()
        flash(signin.SIGNED_OUT_ELSEWHERE)
    return redirect(url_for("staff.login", next=request.full_path))


def requires(capability: Capability) -> Callable[[F], F]:
    """Only members of staff whose role has `capability` may open the view; anyone else gets 403, and the refusal
    is audited (who, which page, what was needed)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not permissions.can(current_user, capability):
                refuse(403, needed=str(capability))
            return view(*args, **kwargs)

        # For the test of every route and role, and the menus.
        checked.allowed_roles = permissions.roles_with(capability)  # type: ignore[attr-defined]
        checked.capability = capability  # type: ignore[attr-defined]
        return cast(F, checked)

    return decorate


def refuse(
    status: int, subject_type: str | None = None, subject_id: int | str | None = None, **detail: Any
) -> NoReturn:
    """Refuse the request (403: the role may not; 404: a record this member of staff may not see, answered as one
    that does not exist) and audit it with the account and what was asked, committed whatever happens next."""
    db.session.rollback()
    log.warning(
        "access refused: staff user %s (%s) to %s %s", current_user.id, current_user.role, request.method,
        request.endpoint,
    )  # fmt: skip
    audit.record(
        current_session(), "refused", now=now(), staff=current_user._get_current_object(),
        subject_type=subject_type, subject_id=subject_id, endpoint=request.endpoint, method=request.method,
        status=status, **detail,
    )  # fmt: skip
    db.session.commit()
    abort(status)


def viewer() -> Viewer:
    """The signed-in member of staff as the visibility rules see them."""
    return Viewer.of(current_user, _duty_team_id())


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: back where the browser was going if that is a path of this service
    (`signin.local_path`), else Home. Never an open redirect to somewhere else."""
    path = signin.local_path(target)
    if target and path is None:
        log.warning("sign-in: a return address that is not a path of this service was refused; going Home")
    return path or url_for("staff.home")


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
            return redirect(url_for("staff.login_code", next=signin.local_path(request.args.get("next"))))
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
    """Sign out everywhere: the account's session version moves on, so every session of it ends, on this device and
    any other, whoever holds a copy of its cookie."""
    staff.sign_out(current_user._get_current_object(), now=now())
    db.session.commit()
    signin.end()
    flash(signin.SIGNED_OUT)
    return redirect(url_for("staff.login"))


@bp.get("/")
def home() -> str:
    return render_template("staff/home.html", waiting=statements.waiting(current_session(), viewer()))


@bp.get("/simulator")
@requires(Capability.USE_SIMULATOR)
def simulator_page() -> str:
    person = None
    pseudonym = request.args.get("p")
    if pseudonym:
        person = _simulated(pseudonym)
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


def _simulated(pseudonym: str) -> Any:
    """A pretend young person this member of staff may see the thread of; 404 (audited) for any other."""
    person = simulator.simulated_person(current_session(), pseudonym, viewer())
    if person is None:
        refuse(404, "person", pseudonym[:64])
    return person


def _send_form() -> SimulatedSendForm:
    form = SimulatedSendForm()
    form.survey.choices = [
        SelectChoice(s.slug, s.title)
        for s in surveys.list_surveys(current_session())
        if s.current and s.purpose == surveys.SURVEY
    ]
    return form


@bp.post("/simulator/text")
@requires(Capability.USE_SIMULATOR)
def simulator_text() -> Any:
    form = SimulatedTextForm()
    if not form.validate_on_submit():
        abort(400, description="A pretend number and a message are needed.")
    try:
        phone = simulator.fictional_phone(form.phone.data or "")
    except (simulator.NotFictional, people.InvalidPhoneNumber) as exc:
        flash(str(exc), "error")
        return redirect(url_for("staff.simulator_page"))
    known = people.find_person(current_session(), phone)
    if known is not None and simulator.simulated_person(current_session(), known.pseudonym, viewer()) is None:
        # Texting as a pretend young person who is someone else's to see would show their thread's replies.
        refuse(404, "person", known.id)
    person = simulator.text_as(
        current_session(), phone, form.body.data or "", now=now(), policy=InboundPolicy.from_config(current_app.config)
    )
    return redirect(url_for("staff.simulator_page", p=person.pseudonym))


@bp.post("/simulator/send/<pseudonym>")
@requires(Capability.USE_SIMULATOR)
def simulator_send(pseudonym: str) -> Response:
    person = _simulated(pseudonym)
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


@bp.app_context_processor
def staff_menu() -> dict[str, Any]:
    """Every page a member of staff sees (error pages too): the menu of what they may open, `can` for the parts
    of a page their role may use, and (for those who act on alerts) how many alerts wait, until each is
    acknowledged."""
    if not current_user.is_authenticated:
        return {"alert_banner": None, "menu": [], "can": _cannot, "Capability": Capability}
    banner = None
    if permissions.can(current_user, Capability.REVIEW_RISK):
        banner = alert_service.count_open(current_session(), viewer())
    return {"alert_banner": banner, "menu": menu.for_user(current_user), "can": _can, "Capability": Capability}


def _can(capability: Capability) -> bool:
    return permissions.can(current_user, capability)


def _cannot(capability: Capability) -> bool:
    return False


def _duty_team_id() -> int | None:
    return statements.duty_team_id(current_session(), current_app.config["DUTY_TEAM_NAME"])

"""The frame every staff page shares: the `staff` blueprint, private by default (`require_sign_in`), `requires` for
a page's capability, `refuse` and `audited` for what the audit log must hold, the home page, and the menu and alert
banner on every page. Each feature's own pages are in its folder (`feedback/<feature>/views.py`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar, cast

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.wrappers import Response

from feedback.accounts import signin
from feedback.accounts.models import Team
from feedback.audit import operations as audit
from feedback.core import permissions
from feedback.core.clock import now
from feedback.core.permissions import Capability, Viewer
from feedback.extensions import current_session, db
from feedback.safeguarding import queries as alert_queries
from feedback.staff import home as home_page
from feedback.staff import menu
from feedback.statements import queries as statement_queries

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


def viewer() -> Viewer:
    """The signed-in member of staff as the visibility rules see them."""
    return Viewer.of(current_user, _duty_team_id())


@bp.get("/")
def home() -> ResponseReturnValue:
    """Each member of staff's home: what waits on them (`feedback.staff.home`), the pages their role may open, their
    account."""
    session = current_session()
    user = current_user._get_current_object()
    team = session.get(Team, user.team_id) if user.team_id is not None else None
    return render_template(
        "staff/home.html",
        todo=home_page.todo(session, viewer(), user, now(), current_app.config),
        role=home_page.role_in_words(user, team.name if team else None),
    )


@bp.app_context_processor
def staff_menu() -> dict[str, Any]:
    """Every page a member of staff sees (error pages too): the menu of what they may open, `can` for the parts
    of a page their role may use, and (for those who act on alerts) how many alerts wait, until each is
    acknowledged."""
    if not current_user.is_authenticated:
        return {"alert_banner": None, "menu": [], "can": _cannot, "Capability": Capability}
    banner = None
    if permissions.can(current_user, Capability.REVIEW_RISK):
        banner = alert_queries.count_open(current_session(), viewer())
    return {"alert_banner": banner, "menu": menu.for_user(current_user), "can": _can, "Capability": Capability}


def _can(capability: Capability) -> bool:
    return permissions.can(current_user, capability)


def _cannot(capability: Capability) -> bool:
    return False


def _duty_team_id() -> int | None:
    return statement_queries.duty_team_id(current_session(), current_app.config["DUTY_TEAM_NAME"])

"""Staff accounts in the browser, for admins: each account's role, team, whether it is on, its second factor, its
last sign-in and how many young people name it as their worker; and, for each, a new role or switching it off or
on again (deactivating and reactivating it). A new role or switching off ends every session of the account at once.

Thin: the rules (not your own account, never the last active admin, never a named worker's statements sent to an
account with no inbox) are in `feedback.accounts.operations`, the same as `feedback users set-role` and `deactivate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from feedback.accounts import operations as staff
from feedback.accounts.models import StaffUser, Team
from feedback.core import permissions
from feedback.core.clock import now
from feedback.core.permissions import Capability
from feedback.extensions import current_session, db
from feedback.staff.forms import FORM_EXPIRED, error_sentence
from feedback.staff.views import bp, refuse, requires

# Each role in words, and what it may do (`feedback.core.permissions`), for the page.
ROLE_WORDS = {
    "worker": "Worker",
    "manager": "Manager",
    "advocacy": "Advocacy worker",
    "champions": "Champions Board",
    "admin": "Admin",
}
ROLE_ABOUT = {
    "worker": "reads and answers the statements and alerts of the young people they work with",
    "manager": "a worker for their whole team, who also sees the summaries, runs surveys and keeps the register",
    "advocacy": "keeps the register and the advocacy log; never sees what young people wrote",
    "champions": "sees the summaries only, with small numbers hidden",
    "admin": "sees everything, and looks after staff accounts, the themes and the audit log",
}


def role_words(role: str) -> str:
    return ROLE_WORDS.get(role, "Not a role")


class RoleForm(FlaskForm):
    role = SelectField(
        "New role",
        choices=[SelectChoice(role, role_words(role)) for role in permissions.ROLES],
        validate_choice=False,
    )  # checked by the service, so a made-up role gets its reason beside the box


@dataclass(frozen=True)
class Account:
    """One account as the page lists it."""

    user: StaffUser
    team: str | None
    named: int
    locked_until: datetime | None
    role_form: RoleForm


@bp.get("/users")
@requires(Capability.ADMINISTER)
def user_list() -> ResponseReturnValue:
    return _page()


@bp.post("/users/<int:user_id>/role")
@requires(Capability.ADMINISTER)
def user_role(user_id: int) -> ResponseReturnValue:
    user = _account(user_id)
    form = _role_form(user, formdata=True)
    if not form.validate():
        abort(400, description=FORM_EXPIRED)
    role = form.role.data or ""
    by = current_user._get_current_object()
    try:
        changed = staff.set_role(current_session(), user, role, now=now(), by=by)
    except staff.StaffError as exc:
        db.session.rollback()
        asked = role if role in permissions.ROLES else "not a role"
        staff.record_refusal(current_session(), user, "role-change", exc, now=now(), by=by, role=asked)
        db.session.commit()
        reason = error_sentence("", str(exc))
        form.role.errors = [reason]
        return _page(errors={user.id: ("role", reason)}, forms={user.id: form}, status=400)
    db.session.commit()
    if changed:
        flash(
            f"{user.email} now has the role “{role_words(role)}”. "
            "Every session of theirs has ended: they sign in again."
        )
    else:
        flash(f"{user.email} already had the role “{role_words(role)}”: nothing changed.")
    return redirect(url_for("staff.user_list", _anchor=f"account-{user.id}"))


@bp.post("/users/<int:user_id>/deactivate")
@requires(Capability.ADMINISTER)
def user_deactivate(user_id: int) -> ResponseReturnValue:
    user = _account(user_id)
    if not FlaskForm().validate():
        abort(400, description=FORM_EXPIRED)
    by = current_user._get_current_object()
    try:
        changed = staff.deactivate(current_session(), user, now=now(), by=by)
    except staff.StaffError as exc:
        db.session.rollback()
        staff.record_refusal(current_session(), user, "deactivate", exc, now=now(), by=by)
        db.session.commit()
        return _page(errors={user.id: ("active", error_sentence("", str(exc)))}, status=400)
    named = staff.named_count(current_session(), user)
    db.session.commit()
    if not changed:
        flash(f"{user.email} was already switched off: nothing changed.")
        return redirect(url_for("staff.user_list", _anchor=f"account-{user.id}"))
    message = (
        f"{user.email} is switched off: every session of theirs has ended, they cannot sign in, and their API tokens "
        "no longer work."
    )
    if named:
        message += (
            f" {staff.young_people(named)} name them as their worker: their new statements go to the team's duty inbox "
            "until you give them another worker (Young people)."
        )
    flash(message)
    return redirect(url_for("staff.user_list", _anchor=f"account-{user.id}"))


@bp.post("/users/<int:user_id>/reactivate")
@requires(Capability.ADMINISTER)
def user_reactivate(user_id: int) -> ResponseReturnValue:
    user = _account(user_id)
    if not FlaskForm().validate():
        abort(400, description=FORM_EXPIRED)
    changed = staff.reactivate(current_session(), user, now=now(), by=current_user._get_current_object())
    db.session.commit()
    if changed:
        flash(f"{user.email} is switched back on: they can sign in with their password.")
    else:
        flash(f"{user.email} was already active: nothing changed.")
    return redirect(url_for("staff.user_list", _anchor=f"account-{user.id}"))


def _account(user_id: int) -> StaffUser:
    user = current_session().get(StaffUser, user_id) if 0 < user_id < 2**31 else None
    if user is None:
        refuse(404, "staff_user", user_id)
    return user


def _role_form(user: StaffUser, *, formdata: bool = False) -> RoleForm:
    """Each account's own role form: its fields are named after the account ("u7-role"), so ids never repeat."""
    if formdata:
        form = RoleForm(prefix=f"u{user.id}")
    else:
        form = RoleForm(prefix=f"u{user.id}", formdata=None, data={"role": user.role})
    form.role.label.text = f"New role for {user.display_name or user.email}"  # one label per account on the page
    return form


def _page(
    *, errors: dict[int, tuple[str, str]] | None = None, forms: dict[int, RoleForm] | None = None, status: int = 200
) -> Any:
    """The list; `errors` holds, for an account whose change was refused, which form ("role" or "active") and why."""
    session = current_session()
    named = staff.named_counts(session)
    at = now()
    rows = session.execute(
        select(StaffUser, Team.name)
        .outerjoin(Team, Team.id == StaffUser.team_id)
        .order_by(StaffUser.active.desc(), StaffUser.email)
    ).all()
    accounts = [
        Account(
            user=user,
            team=team,
            named=named.get(user.id, 0),
            locked_until=user.locked_until if staff.is_locked(user, at) else None,
            role_form=(forms or {}).get(user.id) or _role_form(user),
        )
        for user, team in rows
    ]
    return render_template(
        "accounts/users.html",
        accounts=accounts,
        errors=errors or {},
        roles=permissions.ROLES,
        role_words=role_words,
        role_about=ROLE_ABOUT,
    ), status

"""Signing in and out (the password, then any code from an authenticator app), and a staff member's own pages:
two-factor sign-in, a new password and a mobile for urgent texts."""

from __future__ import annotations

import logging

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField

from feedback.accounts import operations as staff
from feedback.accounts import signin
from feedback.core.clock import now
from feedback.core.crypto import DecryptionError
from feedback.core.db_types import current_cipher
from feedback.extensions import current_session, db, limiter
from feedback.staff.forms import FORM_EXPIRED, CodeForm, LoginForm, error_sentence
from feedback.staff.views import bp

log = logging.getLogger(__name__)

# The secret being set up, encrypted, between showing it and the first code from the app. Only then is it saved.
SETUP_KEY = "two-factor-setup"


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
def login() -> ResponseReturnValue:
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
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out everywhere: the account's session version moves on, so every session of it ends, on this device and
    any other, whoever holds a copy of its cookie."""
    staff.sign_out(current_user._get_current_object(), now=now())
    db.session.commit()
    signin.end()
    flash(signin.SIGNED_OUT)
    return redirect(url_for("staff.login"))


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(login_attempts, methods=["POST"], scope="staff-login-code")
def login_code() -> ResponseReturnValue:
    user = signin.pending_user()
    if user is None:
        # Never gave a password here, or took more than a few minutes: start again.
        return redirect(url_for("staff.login", next=signin.local_path(request.args.get("next"))))
    form = CodeForm()
    if form.validate_on_submit():
        policy = staff.SignInPolicy.from_config(current_app.config)
        if staff.check_second_factor(user, form.code.data or "", now=now(), policy=policy):
            staff.record_sign_in(user, now=now())
            db.session.commit()
            signin.begin(user)
            return redirect(_safe_next(request.args.get("next")))
        locked = staff.is_locked(user, now())
        db.session.commit()
        if locked:
            signin.forget_pending()
            flash(signin.REFUSED, "error")
            return redirect(url_for("staff.login"))
        flash(signin.WRONG_CODE, "error")
    return render_template("accounts/login_code.html", form=form)


# Their own account's pages: every signed-in member of staff, whatever their role (tests/core/test_routes.py).
@bp.route("/account/two-factor", methods=["GET", "POST"])
@limiter.limit(login_attempts, methods=["POST"], scope="staff-two-factor")
def two_factor() -> ResponseReturnValue:
    """Turn the second factor on (a new secret, confirmed with a code) or off (with a current code)."""
    user = current_user._get_current_object()
    form = CodeForm()
    secret = None
    if user.totp_secret is None:
        secret = _setup_secret()
    if form.validate_on_submit():
        try:
            if secret is not None:
                staff.turn_on_two_factor(user, secret, form.code.data or "", now=now())
                message = "Two-factor sign-in is on: from now on, sign-in asks for a code from your app."
            else:
                staff.turn_off_two_factor(user, form.code.data or "", now=now())
                message = "Two-factor sign-in is off: sign-in asks for your password only."
        except staff.StaffError as exc:
            db.session.rollback()
            form.code.errors.append(str(exc)[0].upper() + str(exc)[1:] + ".")
        else:
            db.session.commit()
            session.pop(SETUP_KEY, None)
            flash(message)
            return redirect(url_for("staff.two_factor"))
    return render_template(
        "accounts/two_factor.html",
        form=form,
        secret=secret,
        uri=staff.totp_uri(secret, user.email) if secret else None,
    )


class PasswordForm(FlaskForm):
    # Every rule (the current password, the length, the two the same) is the service's, so that each reason shows
    # beside its own box. Nothing typed is ever sent back to the page.
    current_password = PasswordField("Your current password", render_kw={"autocomplete": "current-password"})
    new_password = PasswordField(
        "New password",
        description=f"At least {staff.MIN_PASSWORD_LENGTH} characters. A few words you will remember are good.",
        render_kw={"autocomplete": "new-password"},
    )
    repeat_password = PasswordField("The new password again", render_kw={"autocomplete": "new-password"})


@bp.route("/account/password", methods=["GET", "POST"])
@limiter.limit(login_attempts, methods=["POST"], scope="staff-password")
def password() -> ResponseReturnValue:
    """Change one's own password. Every other session of the account ends (a phone left signed in, a browser
    someone else saw it typed in); this browser carries on, with the account's new session version."""
    user = current_user._get_current_object()
    form = PasswordForm()
    if not form.is_submitted():
        return render_template("accounts/password.html", form=form)
    if not form.validate():
        abort(400, description=FORM_EXPIRED)
    try:
        staff.change_password(
            user,
            form.current_password.data or "",
            form.new_password.data or "",
            form.repeat_password.data or "",
            now=now(),
        )
    except staff.StaffError as exc:
        db.session.rollback()
        staff.record_refusal(current_session(), user, "password-change", exc, now=now(), by=user, own=True)
        db.session.commit()
        getattr(form, exc.field or "new_password").errors.append(error_sentence("", str(exc)))
        return render_template("accounts/password.html", form=form), 400
    db.session.commit()
    signin.renew(user)
    flash("Your password is changed. You are still signed in here, and signed out everywhere else.")
    return redirect(url_for("staff.home"))


class MobileForm(FlaskForm):
    mobile = StringField(
        "Mobile number for urgent safeguarding texts",
        description="Such as 07700 900123. Only alerts about young people you work with are texted, never their words.",
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    remove = BooleanField("Stop texting me: remove my mobile number")


@bp.route("/account/mobile", methods=["GET", "POST"])
def mobile() -> ResponseReturnValue:
    """One's own mobile for urgent safeguarding texts: kept encrypted; texts back to the service's number from it are
    recognised and never filed as a young person's message."""
    user = current_user._get_current_object()
    form = MobileForm()
    has_mobile = bool(user.mobile)
    if not form.is_submitted():
        return render_template("accounts/mobile.html", form=form, has_mobile=has_mobile)
    if not form.validate():
        abort(400, description=FORM_EXPIRED)
    try:
        number = None if form.remove.data else (form.mobile.data or "")
        if number is not None and not number.strip():
            raise staff.StaffError("Write your mobile number, or tick the box to remove it.")
        staff.set_mobile(current_session(), user, number, now=now(), by=user)
    except staff.StaffError as exc:
        db.session.rollback()
        form.mobile.errors.append(error_sentence("", str(exc)))
        return render_template("accounts/mobile.html", form=form, has_mobile=has_mobile), 400
    db.session.commit()
    flash("Your mobile number is removed." if form.remove.data else "Urgent safeguarding alerts will be texted to you.")
    return redirect(url_for("staff.home"))


def _setup_secret() -> str:
    """The secret shown while setting up: the same one until it is confirmed, kept encrypted in the session."""
    cipher = current_cipher()
    stored = session.get(SETUP_KEY)
    if isinstance(stored, str):
        try:
            return cipher.decrypt(stored)
        except DecryptionError:  # the key changed since: a new secret (nothing was saved yet)
            session.pop(SETUP_KEY, None)
    secret = staff.new_totp_secret()
    session[SETUP_KEY] = cipher.encrypt(secret)
    return secret

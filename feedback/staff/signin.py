"""A staff member's session: begun after the password (and code), ended after SESSION_HOURS, or after
SESSION_IDLE_MINUTES without a request; and the short 'pending' state between the password and the code.

Both limits are checked here, on every staff request, from stamps inside the signed cookie, rather than by
shortening PERMANENT_SESSION_LIFETIME: that one setting also keeps a young person's place in an open survey
(a permanent session, so they can come back tomorrow), and 8 hours would cut it short. A staff session is not
made permanent, so its cookie also goes when the browser closes.

The times are the wall clock's, like the signature on the cookie itself: a session is about real time passing in
someone's browser, not the app's CLOCK that tests move.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import session
from flask_login import login_user, logout_user

from feedback.clock import utcnow
from feedback.extensions import db
from feedback.models import StaffUser

SIGNED_IN_AT = "signed-in-at"
LAST_SEEN = "last-seen"
PENDING = "pending-sign-in"
# How long the password step is remembered while the code is asked for.
PENDING_FOR = timedelta(minutes=5)

REFUSED = "Email or password not recognised, or the account is locked for a while."
WRONG_CODE = "That code was not recognised, or the account is locked for a while."
SIGNED_OUT_IDLE = "You were signed out after a while without activity. Please sign in again."


def begin(user: StaffUser) -> None:
    """Sign `user` in, stamped now."""
    session.pop(PENDING, None)
    login_user(user)
    moment = utcnow().timestamp()
    session[SIGNED_IN_AT] = moment
    session[LAST_SEEN] = moment


def end() -> None:
    logout_user()
    for key in (SIGNED_IN_AT, LAST_SEEN, PENDING):
        session.pop(key, None)


def expired(config: Mapping[str, Any]) -> bool:
    """Too long since signing in, or since the last request. A session with no stamps (begun before they were
    kept) counts as expired."""
    started, seen = session.get(SIGNED_IN_AT), session.get(LAST_SEEN)
    if not isinstance(started, int | float) or not isinstance(seen, int | float):
        return True
    moment = utcnow().timestamp()
    return (
        moment - started > timedelta(hours=int(config["SESSION_HOURS"])).total_seconds()
        or moment - seen > timedelta(minutes=int(config["SESSION_IDLE_MINUTES"])).total_seconds()
    )


def touch() -> None:
    session[LAST_SEEN] = utcnow().timestamp()


def await_code(user: StaffUser) -> None:
    """The password was right and the account has a second factor: remember who, briefly, for the code page."""
    session[PENDING] = {"user": user.id, "until": (utcnow() + PENDING_FOR).timestamp()}


def pending_user() -> StaffUser | None:
    """Who gave their password in the last few minutes and has a code to give, if anyone."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("user"), int):
        return None
    if not isinstance(pending.get("until"), int | float) or pending["until"] < utcnow().timestamp():
        session.pop(PENDING, None)
        return None
    user = db.session.get(StaffUser, pending["user"], with_for_update=True)  # a wrong code counts, one at a time
    return user if user is not None and user.totp_secret else None


def forget_pending() -> None:
    session.pop(PENDING, None)

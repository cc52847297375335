"""A staff member's session: begun after the password (and code), ended after SESSION_HOURS, or after
SESSION_IDLE_MINUTES without a request; and the short 'pending' state between the password and the code.

Both limits are checked here, on every staff request, from stamps inside the signed cookie, rather than by
shortening PERMANENT_SESSION_LIFETIME: that one setting also keeps a young person's place in an open survey
(a permanent session, so they can come back tomorrow), and 8 hours would cut it short. A staff session is not
made permanent, so its cookie also goes when the browser closes.

The times are the wall clock's, like the signature on the cookie itself: a session is about real time passing in
someone's browser, not the app's CLOCK that tests move.

The cookie also carries the account's session version (`StaffUser.get_id`), so a session can be ended on the server
too: signing out ends every session of the account, everywhere (`feedback.accounts.operations.session_user`).

After signing in, the browser goes back where it was going, but only to a path of this service (`local_path`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import session
from flask_login import login_user, logout_user
from werkzeug.urls import iri_to_uri

from feedback.accounts.models import StaffUser
from feedback.core.clock import utcnow
from feedback.extensions import db

SIGNED_IN_AT = "signed-in-at"
LAST_SEEN = "last-seen"
PENDING = "pending-sign-in"
# How long the password step is remembered while the code is asked for.
PENDING_FOR = timedelta(minutes=5)

REFUSED = "Email or password not recognised, or the account is locked for a while."
WRONG_CODE = "That code was not recognised, or the account is locked for a while."
SIGNED_OUT_IDLE = "You were signed out after a while without activity. Please sign in again."
SIGNED_OUT = "You are signed out, on this device and on any other where you were signed in."
SIGNED_OUT_ELSEWHERE = (
    "You were signed out: you signed out somewhere else, your password or role changed, or your account was "
    "switched off. Please sign in again."
)

# A return address longer than this is not one the service made: refused, not cut short.
LOCAL_PATH_MAX_LENGTH = 2000


def begin(user: StaffUser) -> None:
    """Sign `user` in, stamped now."""
    session.pop(PENDING, None)
    login_user(user)
    moment = utcnow().timestamp()
    session[SIGNED_IN_AT] = moment
    session[LAST_SEEN] = moment


def renew(user: StaffUser) -> None:
    """Carry on in this browser after the account's session version moved on (a new password): the session now
    holds the new version, and keeps its stamps, so the limits still count from the sign-in."""
    login_user(user)


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


def ended_elsewhere() -> bool:
    """This browser was signed in, but nobody is now (its session version is out of date, or the account is
    switched off): the session was ended on the server, not here."""
    return bool(session.get("_user_id"))


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


def local_path(target: object) -> str | None:
    r"""`target` as a path of this service to go back to after signing in ("/staff/inbox?page=2"), or None if a
    browser could read it as any other site.

    Only one leading slash, followed by neither a slash nor a backslash ("//evil.example" and "/\evil.example" are
    another host to a browser). Nothing a browser drops or rewrites before it reads an address: tabs, newlines and
    every other control character ("/\t/evil.example" is "//evil.example" to a browser, and to Werkzeug), spaces,
    backslashes (read as slashes) and invisible characters. No scheme ("javascript:", "http:"). `target` is as Flask
    decoded it from the query string, so a percent-encoded "%2F%2F" arrives here as "//". The answer is the address
    exactly as it will be sent (non-ASCII characters percent-encoded), checked again in that form.
    """
    if not isinstance(target, str) or not target or len(target) > LOCAL_PATH_MAX_LENGTH:
        return None
    if any(char in " \\" or not char.isprintable() for char in target) or not _one_leading_slash(target):
        return None
    try:
        location = iri_to_uri(target)  # as Werkzeug writes it into the Location header
    except ValueError:  # it reads a host and port out of some addresses, and can fail at it
        return None
    return location if _one_leading_slash(location) else None


def _one_leading_slash(address: str) -> bool:
    if not address.startswith("/") or address[1:2] in {"/", "\\"}:
        return False
    try:
        parts = urlsplit(address)
    except ValueError:  # "Invalid IPv6 URL", and the like
        return False
    return not parts.scheme and not parts.netloc

"""Staff accounts: argon2 password hashes, roles, the lock after repeated failures and the optional TOTP
second factor."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from feedback.models import Person, StaffUser, Team
from feedback.services import audit

ROLES = ("admin", "champions", "worker", "advocacy", "manager")
MIN_PASSWORD_LENGTH = 12

log = logging.getLogger(__name__)
# Who a refused sign-in is from, in the audit log: nobody is known to be the account's owner.
SIGN_IN_PAGE = "sign-in page"
_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password-just-for-timing")


class StaffError(ValueError):
    pass


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        raise StaffError("that does not look like an email address")
    return email


def create_user(
    session: Session, email: str, password: str, role: str, *, team: str | None = None, display_name: str = ""
) -> StaffUser:
    """A new staff account. `team` (created if new) is where their duty inbox and their manager are."""
    email = normalise_email(email)
    if role not in ROLES:
        raise StaffError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise StaffError("a user with that email already exists")
    if len(display_name) > 100:
        raise StaffError("the name young people see can be up to 100 characters")
    user = StaffUser(
        email=email,
        password_hash=_hasher.hash(password),
        role=role,
        display_name=display_name.strip(),
        team_id=team_named(session, team).id if team else None,
    )
    session.add(user)
    session.flush()
    return user


@dataclass(frozen=True)
class SignInPolicy:
    """How many failures in a row lock an account, and for how long."""

    max_failures: int = 5
    lock_for: timedelta = timedelta(minutes=15)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SignInPolicy:
        return cls(
            max_failures=int(config["LOGIN_MAX_FAILURES"]),
            lock_for=timedelta(minutes=int(config["LOGIN_LOCK_MINUTES"])),
        )


def authenticate(
    session: Session, email: str, password: str, *, now: datetime, policy: SignInPolicy | None = None
) -> StaffUser | None:
    """The account whose password this is, if it may sign in now; None for every refusal alike (unknown email,
    wrong password, locked, inactive), after the same argon2 work, so the answer says nothing about which.

    A wrong password counts towards the lock. The count is reset only by `record_sign_in`, once any second
    factor has been given too: a right password alone does not wipe the failures of a wrong code.
    """
    policy = policy or SignInPolicy()
    try:
        email = normalise_email(email)
    except StaffError:
        email = ""
    # Locked for the rest of the transaction, so that attempts at once cannot each count one failure fewer.
    query = select(StaffUser).where(StaffUser.email == email).with_for_update()
    user = session.scalar(query) if email else None
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
        right = True
    except (VerificationError, InvalidHashError):
        right = False
    if user is None:
        log.info("sign-in refused: no such account")
        audit.record(session, "login-failed", now=now, actor=SIGN_IN_PAGE, reason="no such account")
        return None
    if is_locked(user, now):
        log.warning("sign-in refused: staff user %s is locked", user.id)
        _audit_refusal(user, now, "locked")
        return None
    if not right:
        record_failure(user, now=now, policy=policy)
        return None
    if not user.active:
        log.warning("sign-in refused: staff user %s is not active", user.id)
        _audit_refusal(user, now, "not active")
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


def is_locked(user: StaffUser, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def record_failure(user: StaffUser, *, now: datetime, policy: SignInPolicy, reason: str = "wrong password") -> None:
    """One more failure in a row; the last one allowed locks the account (and the count starts again)."""
    user.failed_logins = (user.failed_logins or 0) + 1
    locked = user.failed_logins >= policy.max_failures
    if locked:
        user.failed_logins = 0
        user.locked_until = now + policy.lock_for
        log.warning("sign-in refused: %s for staff user %s; account locked for a while", reason, user.id)
    else:
        log.warning("sign-in refused: %s for staff user %s (%s in a row)", reason, user.id, user.failed_logins)
    _audit_refusal(user, now, reason, locked=locked)


def _audit_refusal(user: StaffUser, now: datetime, reason: str, **detail: Any) -> None:
    """In the audit log by account number: the actor is the sign-in page, as nobody is known to be them."""
    session = object_session(user)
    if session is not None:
        audit.record(
            session, "login-failed", now=now, actor=SIGN_IN_PAGE, subject_type="staff_user", subject_id=user.id,
            reason=reason, **detail,
        )  # fmt: skip


def record_sign_in(user: StaffUser, *, now: datetime) -> None:
    """A complete sign-in (password, and code if they have a second factor): the failures are forgotten."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    log.info("staff user %s signed in", user.id)
    if (session := object_session(user)) is not None:
        audit.record(
            session, "login", now=now, staff=user, subject_type="staff_user", subject_id=user.id,
            second_factor=user.totp_secret is not None,
        )  # fmt: skip


# --- the optional second factor (TOTP, RFC 6238) --------------------------------------------------------------

TOTP_ISSUER = "Champions Board feedback"


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, email: str) -> str:
    """The otpauth:// address an authenticator app takes (typed or pasted: no QR image is drawn)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=TOTP_ISSUER)


def totp_step(secret: str, code: str, now: datetime) -> int | None:
    """The 30-second step `code` belongs to, if it is this step's code or the one before (a slow typist or a
    phone's clock a little behind); None if it is neither."""
    code = "".join(code.split())
    if len(code) != 6 or not code.isdecimal():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current, current - 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def check_second_factor(user: StaffUser, code: str, *, now: datetime, policy: SignInPolicy) -> bool:
    """The code finishes signing in: a current code not already used. A code from the step of the last sign-in
    or before is refused (so a code seen over a shoulder cannot be used again); a wrong code counts towards the
    lock, like a wrong password."""
    if user.totp_secret is None or is_locked(user, now) or not user.active:
        return False
    step = totp_step(user.totp_secret, code, now)
    last = user.last_login_at
    if step is not None and last is not None and step <= pyotp.TOTP(user.totp_secret).timecode(last):
        record_failure(user, now=now, policy=policy, reason="a code already used")
        return False
    if step is None:
        record_failure(user, now=now, policy=policy, reason="wrong code")
        return False
    return True


def turn_on_two_factor(user: StaffUser, secret: str, code: str, *, now: datetime) -> None:
    """Save the secret (encrypted by its column), once the code from the authenticator app proves it was set."""
    if totp_step(secret, code, now) is None:
        raise StaffError("that code does not match: check the app's clock, and type the code it shows now")
    user.totp_secret = secret
    log.info("staff user %s turned on two-factor sign-in", user.id)
    _audit_two_factor(user, now, "on", staff=user)


def turn_off_two_factor(user: StaffUser, code: str, *, now: datetime) -> None:
    if user.totp_secret is None or totp_step(user.totp_secret, code, now) is None:
        raise StaffError("that code does not match: type the code your app shows now")
    user.totp_secret = None
    log.info("staff user %s turned off two-factor sign-in", user.id)
    _audit_two_factor(user, now, "off", staff=user)


def reset_two_factor(user: StaffUser, *, now: datetime) -> None:
    """An admin clears a colleague's second factor (a lost phone): they sign in with the password alone."""
    user.totp_secret = None
    log.warning("two-factor sign-in cleared for staff user %s from the command line", user.id)
    _audit_two_factor(user, now, "off", staff=None)


def _audit_two_factor(user: StaffUser, now: datetime, turned: str, *, staff: StaffUser | None) -> None:
    if (session := object_session(user)) is not None:
        audit.record(
            session, "two-factor", now=now, staff=staff, subject_type="staff_user", subject_id=user.id, turned=turned
        )


def team_named(session: Session, name: str) -> Team:
    """The team with this name, created if new."""
    name = name.strip()
    if not name or len(name) > 100:
        raise StaffError("a team needs a name of up to 100 characters")
    team = session.scalar(select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name)
        session.add(team)
        session.flush()
    return team


def find_user(session: Session, email: str) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.email == normalise_email(email)))
    if user is None:
        raise StaffError("no staff account has that email")
    return user


def assign(session: Session, person: Person, *, worker: StaffUser | None, team: Team | None) -> None:
    """Set who a young person's statements go to: their named worker (and so the worker's team), or a team."""
    if worker is not None and worker.role not in {"worker", "manager"}:
        raise StaffError("a named worker must have the worker or manager role")
    person.worker_id = worker.id if worker else None
    person.team_id = team.id if team else (worker.team_id if worker else None)
    session.flush()

"""Staff accounts: argon2 password hashes, roles, the lock after repeated failures, the optional TOTP second factor,
and the session version that lets the server end every session of an account (signing out, a new password, a new
role, deactivation)."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, cached_property
from typing import Any

import pyotp
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from feedback.accounts.models import StaffUser, Team
from feedback.audit import operations as audit
from feedback.core import permissions
from feedback.core.db_types import current_cipher
from feedback.core.errors import Invalid
from feedback.people import operations as people
from feedback.people.models import Person

ROLES = permissions.ROLES
# The roles a young person's named worker may have: the ones with an inbox for their statements.
NAMED_WORKER_ROLES = permissions.NAMED_WORKER_ROLES
MIN_PASSWORD_LENGTH = 12
# Longer is refused unread: argon2 would take any length, and a megabyte of "password" is only load.
MAX_PASSWORD_LENGTH = 1024

log = logging.getLogger(__name__)
# Who a refused sign-in is from, in the audit log: nobody is known to be the account's owner.
SIGN_IN_PAGE = "sign-in page"
# argon2-cffi's own defaults (RFC 9106, low memory) everywhere but the test suite, which signs in thousands of times
# and may ask for argon2's cheapest parameters (PASSWORD_HASHING = "cheap"; `config.validate` refuses it elsewhere).
PASSWORD_HASHING = {"standard": PasswordHasher, "cheap": lambda: PasswordHasher.from_parameters(profiles.CHEAPEST)}


@dataclass(frozen=True)
class _Passwords:
    hasher: PasswordHasher

    @cached_property
    def dummy_hash(self) -> str:
        """Verified against when the email is unknown, so a wrong email takes as long as a wrong password. Made at
        the first sign-in, not at import: a hash costs a tenth of a second, and most processes never sign anyone in."""
        return self.hasher.hash("not-a-real-password-just-for-timing")

    @classmethod
    @cache
    def named(cls, profile: str) -> _Passwords:
        return cls(PASSWORD_HASHING[profile]())


_passwords = _Passwords.named("standard")


def use_password_hashing(profile: str) -> None:
    """Hash and verify passwords with the named parameters from now on (the app factory calls it)."""
    global _passwords  # noqa: PLW0603 - one choice for the process, made by the app factory
    _passwords = _Passwords.named(profile)


class StaffError(Invalid):
    """A change refused, with the reason in words fit to show; `field` names the form field it is about, if any."""


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
    _check_new_password(password)
    if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise StaffError("a user with that email already exists")
    if len(display_name) > 100:
        raise StaffError("the name young people see can be up to 100 characters")
    user = StaffUser(
        email=email,
        password_hash=_passwords.hasher.hash(password),
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
        _passwords.hasher.verify(user.password_hash if user else _passwords.dummy_hash, password)
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
    if _passwords.hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _passwords.hasher.hash(password)
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
    if worker is not None and worker.role not in NAMED_WORKER_ROLES:
        raise StaffError("a named worker must have the worker or manager role")
    person.worker_id = worker.id if worker else None
    person.team_id = team.id if team else (worker.team_id if worker else None)
    session.flush()


# --- sessions that end on the server, passwords, roles and deactivation -----------------------------------------
#
# Every signed-in session carries its account's session version from sign-in (`StaffUser.get_id`), checked on every
# request (`session_user`). Signing out, a new password, a new role and deactivation move the version on, so every
# session begun before then ends, on every device, whoever holds a copy of its cookie. A lock does not: it stops new
# sign-ins only, or anyone could sign a duty worker out by typing wrong passwords for them.

_LARGEST_ID = 2**31 - 1  # the columns are 32-bit integers


def session_user(session: Session, session_id: str) -> StaffUser | None:
    """The member of staff a signed-in session acts as, if it still may: `session_id` is what it carried from
    sign-in ("12:3", the account and its session version). Nobody once the version has moved on or the account is
    switched off, and nobody for a session from before versions were carried ("12"): it signs in again once."""
    user_id, _, version = session_id.partition(":")
    if not (_whole_number(user_id) and _whole_number(version)):
        return None
    user = session.get(StaffUser, int(user_id))
    if user is None:
        return None
    if not user.active or user.session_version != int(version):
        log.info("staff user %s: a session ended on the server was refused", user.id)
        return None
    return user


def _whole_number(text: str) -> bool:
    return 0 < len(text) <= 10 and text.isascii() and text.isdigit() and 0 < int(text) <= _LARGEST_ID


def end_sessions(user: StaffUser) -> None:
    """Every session of this account ends, on every device: its session version moves on. Added in the database
    (not read, then written), so that two changes at once both count."""
    user.session_version = StaffUser.session_version + 1
    if (session := object_session(user)) is not None:
        session.flush()  # and the attribute is read again, with the new version, when next used


def sign_out(user: StaffUser, *, now: datetime) -> None:
    """The member of staff signs out: every session of theirs ends, in this browser and in any other."""
    end_sessions(user)
    log.info("staff user %s signed out: every session of theirs ended", user.id)
    _audit_account(user, "sign-out", now, staff=user)


def change_password(user: StaffUser, current: str, new: str, repeated: str, *, now: datetime) -> None:
    """A member of staff changes their own password: the current one first (an unattended open session is not
    enough), the new one twice. Every session of theirs ends; the caller begins a new one for the browser in use."""
    if len(current) > MAX_PASSWORD_LENGTH or not _verifies(user.password_hash, current):
        raise StaffError("that is not your current password", field="current_password")
    _check_new_password(new, field="new_password")
    if new != repeated:
        raise StaffError("the two new passwords are not the same", field="repeat_password")
    if new == current:
        raise StaffError("the new password must be different from the current one", field="new_password")
    _set_password(user, new)
    log.info("staff user %s changed their password: their other sessions ended", user.id)
    _audit_account(user, "password-change", now, staff=user, own=True)


def reset_password(user: StaffUser, new: str, *, now: datetime) -> None:
    """An admin sets a colleague's password from the command line (forgotten, or thought seen): every session of
    theirs ends. The lock, if any, stays: it ends by itself."""
    _check_new_password(new)
    _set_password(user, new)
    log.warning("password reset for staff user %s from the command line: their sessions ended", user.id)
    _audit_account(user, "password-change", now, staff=None, reset=True)


def set_role(session: Session, user: StaffUser, role: str, *, now: datetime, by: StaffUser | None = None) -> bool:
    """Give the account another role (`by`: the admin doing it, or None from the command line). Every session of
    theirs ends, so that no page stays open with the old role's rights. False if it had that role already.

    Refused: an admin changing their own role, the last active admin's, and taking the worker role from someone
    young people name as their worker (their statements would go to an account with no inbox)."""
    if role not in ROLES:
        raise StaffError(f"the role must be one of {', '.join(ROLES)}", field="role")
    if role == user.role:
        return False
    if by is not None and by.id == user.id:
        raise StaffError("you cannot change your own role: ask another admin", field="role")
    if user.role == "admin":
        _keep_an_admin(session, user, "change its role")
    if role not in NAMED_WORKER_ROLES and (named := named_count(session, user)):
        raise StaffError(
            f"{young_people(named)} name them as their worker, and a named worker must be a worker or a manager: "
            "give them another worker first (Young people), or deactivate this account instead",
            field="role",
        )
    was, user.role = user.role, role
    end_sessions(user)
    log.warning("staff user %s now has the role %s (was %s): their sessions ended", user.id, role, was)
    _audit_account(user, "role-change", now, staff=by, role=role, was=was)
    return True


def deactivate(session: Session, user: StaffUser, *, now: datetime, by: StaffUser | None = None) -> bool:
    """Switch the account off (someone who left): every session of theirs ends, they cannot sign in and their API
    tokens stop working. Young people who name them as their worker keep them on record (reactivating restores it);
    their new statements go to the team's duty inbox meanwhile. False if it was off already."""
    if not user.active:
        return False
    if by is not None and by.id == user.id:
        raise StaffError("you cannot deactivate your own account: ask another admin")
    if user.role == "admin":
        _keep_an_admin(session, user, "deactivate it")
    user.active = False
    end_sessions(user)
    log.warning("staff user %s deactivated: their sessions ended", user.id)
    _audit_account(user, "deactivate", now, staff=by, named=named_count(session, user))
    return True


def reactivate(session: Session, user: StaffUser, *, now: datetime, by: StaffUser | None = None) -> bool:
    """Switch the account back on: they sign in again with their password. False if it was on already."""
    if user.active:
        return False
    user.active = True
    end_sessions(user)  # nothing should be open; if a cookie from before survived somewhere, it stays dead
    log.warning("staff user %s reactivated", user.id)
    _audit_account(user, "reactivate", now, staff=by)
    return True


def set_mobile(
    session: Session, user: StaffUser, raw: str | None, *, now: datetime, by: StaffUser | None = None
) -> None:
    """Give a member of staff a mobile number for urgent safeguarding texts (encrypted, with a keyed hash that
    recognises a text back from them), or take it away with None or an empty string. Audited without the number."""
    if raw is None or not raw.strip():
        user.mobile = None
        user.mobile_hash = None
        _audit_account(user, "mobile-change", now, staff=by, mobile="removed")
        return
    try:
        number = people.normalise_phone(raw)
    except people.InvalidPhoneNumber as exc:
        raise StaffError("That is not a mobile number: write it as 07700 900123 or +44 7700 900123.") from exc
    mobile_hash = current_cipher().lookup_hash(number)
    taken = session.scalar(select(StaffUser.id).where(StaffUser.mobile_hash == mobile_hash, StaffUser.id != user.id))
    if taken is not None:
        raise StaffError("Another staff account has that mobile number: each account needs its own.")
    if session.scalar(select(Person.id).where(Person.phone_hash.in_(current_cipher().lookup_hashes(number)))):
        # A number a young person texts from would have their texts taken for a member of staff's.
        raise StaffError("That number is a young person's: a staff mobile must be one no young person texts from.")
    user.mobile = number
    user.mobile_hash = mobile_hash
    _audit_account(user, "mobile-change", now, staff=by, mobile="set")


def set_team_email(session: Session, team: Team, email: str | None) -> None:
    """A team's duty inbox as one email address (new alerts go there instead of to every member), or none."""
    if email is None or not email.strip():
        team.email = None
        return
    email = email.strip()
    if email.count("@") != 1 or any(c.isspace() for c in email) or len(email) > 254:
        raise StaffError("That is not an email address: write it as duty@example.org.")
    team.email = email


def record_refusal(
    session: Session, user: StaffUser, action: str, error: StaffError, *, now: datetime, by: StaffUser | None = None,
    **asked: Any,
) -> None:  # fmt: skip
    """A change to an account that was refused, in the audit log: who asked, for which account, what and why (the
    reason's words hold no email or password). The caller rolled the change back, and commits this."""
    audit.record(
        session, action, now=now, staff=by, subject_type="staff_user", subject_id=user.id, refused=str(error), **asked
    )


def named_count(session: Session, user: StaffUser) -> int:
    """How many young people name this member of staff as their worker."""
    return session.scalar(select(func.count()).select_from(Person).where(Person.worker_id == user.id)) or 0


def named_counts(session: Session) -> dict[int, int]:
    """How many young people name each member of staff as their worker (those with none are left out)."""
    rows = session.execute(
        select(Person.worker_id, func.count()).where(Person.worker_id.is_not(None)).group_by(Person.worker_id)
    )
    return {worker_id: int(count) for worker_id, count in rows if worker_id is not None}


def _keep_an_admin(session: Session, user: StaffUser, doing: str) -> None:
    """Refuse if `user` is the last active admin: nobody would be left to manage accounts from the pages. Every
    active admin's row is locked, in order, so that two admins demoting each other at once cannot both succeed."""
    admins = session.scalars(
        select(StaffUser.id)
        .where(StaffUser.role == "admin", StaffUser.active.is_(True))
        .order_by(StaffUser.id)
        .with_for_update()
    ).all()
    if user.active and not [admin for admin in admins if admin != user.id]:
        raise StaffError(f"this is the last active admin account: make another account an admin before you {doing}")


def young_people(count: int) -> str:
    """ "1 young person", "3 young people": for messages about how many name someone as their worker."""
    return "1 young person" if count == 1 else f"{count} young people"


def _check_new_password(password: str, *, field: str | None = None) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StaffError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters", field=field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise StaffError(f"the password can be up to {MAX_PASSWORD_LENGTH} characters", field=field)


def _set_password(user: StaffUser, password: str) -> None:
    user.password_hash = _passwords.hasher.hash(password)
    end_sessions(user)


def _verifies(password_hash: str, password: str) -> bool:
    try:
        return bool(_passwords.hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def _audit_account(user: StaffUser, action: str, now: datetime, *, staff: StaffUser | None, **detail: Any) -> None:
    """A change to a staff account, by account number (never an email); `staff` None means the command line."""
    if (session := object_session(user)) is not None:
        audit.record(session, action, now=now, staff=staff, subject_type="staff_user", subject_id=user.id, **detail)

"""Staff accounts: argon2 password hashes and roles."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.models import Person, StaffUser, Team

ROLES = ("admin", "champions", "worker", "advocacy", "manager")
MIN_PASSWORD_LENGTH = 12

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


def authenticate(session: Session, email: str, password: str) -> StaffUser | None:
    try:
        email = normalise_email(email)
    except StaffError:
        email = ""
    user = session.scalar(select(StaffUser).where(StaffUser.email == email)) if email else None
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


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

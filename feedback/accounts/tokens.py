"""Tokens for the read-only summary API, for council dashboards. A token is shown once, when it is made; only its
keyed hash is stored, so a copy of the database lets nobody in. It acts as its owner, with their role, and stops
working when revoked or when its owner can no longer sign in."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.accounts import operations as staff
from feedback.accounts.models import ApiToken, StaffUser
from feedback.audit import operations as audit
from feedback.core.db_types import current_cipher

TOKEN_BYTES = 32
# Who a refused token is from, in the audit log.
SUMMARY_API = "summary API"

log = logging.getLogger(__name__)


def _hash(token: str) -> str:
    return current_cipher().lookup_hash("api:" + token)


def create(session: Session, email: str, *, now: datetime) -> str:
    """A new token for the staff account with this email; the caller shows it once."""
    user = staff.find_user(session, email)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(ApiToken(staff_user_id=user.id, token_hash=_hash(token), created_at=now))
    session.flush()
    return token


def owner(session: Session, token: str, *, now: datetime) -> StaffUser | None:
    """Who a live token acts as, or None for an unknown or revoked one, or one whose owner is deactivated (they all
    look the same to the caller; the last is audited, flushed for the caller to commit)."""
    if not token or len(token) > 200:
        return None
    hashes = current_cipher().lookup_hashes("api:" + token)  # any key's, while a rotation is under way
    found = session.scalar(
        select(ApiToken).where(ApiToken.token_hash.in_(hashes), ApiToken.revoked_at.is_(None)).limit(1)
    )
    if found is None:
        return None
    if not found.staff_user.active:
        # A leaver's token, perhaps still in a dashboard's settings: refused like an unknown one, but on record.
        log.warning("API token %s refused: staff user %s is deactivated", found.id, found.staff_user_id)
        audit.record(
            session, "login-failed", now=now, actor=SUMMARY_API, subject_type="staff_user",
            subject_id=found.staff_user_id, reason="not active", token=found.id,
        )  # fmt: skip
        return None
    found.last_used_at = now
    return found.staff_user


def revoke(session: Session, email: str, *, now: datetime) -> int:
    """Revoke every token of this account; returns how many."""
    user = staff.find_user(session, email)
    live = session.scalars(select(ApiToken).where(ApiToken.staff_user_id == user.id, ApiToken.revoked_at.is_(None)))
    count = 0
    for token in live:
        token.revoked_at = now
        count += 1
    return count

"""Personal web links: a young person's own way into their page, their surveys and their statements.

A link carries a random token. Only its keyed hash is stored, so a copy of the database opens nobody's page; the
link itself exists only in the message that carried it. An unknown, expired or revoked token all look the same to
whoever holds it (no oracle): `resolve` just finds nobody.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from feedback.core.db_types import current_cipher
from feedback.people.models import Person, PersonalLink

TOKEN_BYTES = 16  # 128 bits, 22 characters in a URL


def _hash(token: str) -> str:
    return current_cipher().lookup_hash("link:" + token)


def issue(session: Session, person_id: int, *, now: datetime, valid_for: timedelta) -> str:
    """A new personal link token for the person, valid for `valid_for`. The caller puts it in a message."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(PersonalLink(token_hash=_hash(token), person_id=person_id, created_at=now, expires_at=now + valid_for))
    session.flush()
    return token


def resolve(session: Session, token: str, *, now: datetime) -> Person | None:
    """The person a live token belongs to, or None for one that is unknown, expired or revoked."""
    if not token or len(token) > 64:
        return None
    # Any key's hash: a link sent before a key rotation keeps working while the old key is still given.
    hashes = current_cipher().lookup_hashes("link:" + token)
    link = session.scalar(select(PersonalLink).where(PersonalLink.token_hash.in_(hashes)).limit(1))
    if link is None or link.revoked_at is not None or link.expires_at <= now:
        return None
    if link.last_used_at is None or now - link.last_used_at > timedelta(minutes=5):
        link.last_used_at = now  # coarse, so that reading a page rarely writes
    return link.person


def revoke_all(session: Session, person_id: int, *, now: datetime) -> int:
    """Revoke every live link of the person (a lost phone, a link shared by mistake). Returns how many."""
    result = session.execute(
        update(PersonalLink)
        .where(PersonalLink.person_id == person_id, PersonalLink.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def page_url(base_url: str, token: str) -> str:
    """The young person's own page: what they can do, and their statements."""
    return f"{base_url}/me/{token}"


def survey_url(base_url: str, slug: str, token: str) -> str:
    return f"{base_url}/s/{slug}/{token}"

"""Personal web links: a young person's own way into their page, their surveys and their statements.

A link carries a random token. Only its keyed hash is stored, so a copy of the database opens nobody's page; the
link itself exists only in the message that carried it. An unknown, expired or revoked token all look the same to
whoever holds it (no oracle): `resolve` just finds nobody.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from feedback.core.db_types import current_cipher
from feedback.people.models import Person, PersonalLink

if TYPE_CHECKING:
    from feedback.messages.wording import Wording

TOKEN_BYTES = 16  # 128 bits, 22 characters in a URL
TOKEN_LENGTH = len(secrets.token_urlsafe(TOKEN_BYTES))  # every token is as long: what a text carrying one costs


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


def known(person: Person) -> bool:
    """Whether the service knows who this young person is: on the register, or given a named worker or a team.
    Only they are texted a new link to their page when they ask (HELP): someone else's page would be looked after by
    nobody who knows them, and a number passed on would open it."""
    if person.erased_at is not None:
        return False
    return person.ref is not None or person.worker_id is not None or person.team_id is not None


def help_replies(
    session: Session, person: Person, *, wording: Wording, now: datetime, twilio_replied: bool
) -> list[str]:
    """What HELP gets back: who we are, how to stop and the help numbers, with a new link to their own page for a
    young person the service `known`s, when it fits in HELP's two texts (`Wording.sends_page_links`: else no link is
    made). With Twilio's Advanced Opt-Out (`twilio_replied`) Twilio has sent its own help: a known young person gets
    the link in a text of its own, anyone else nothing more. This is how an expired link is replaced."""
    if not wording.sends_page_links or wording.public_base_url is None or not known(person):
        return [] if twilio_replied else [wording.help]
    token = issue(session, person.id, now=now, valid_for=wording.page_link_valid_for)
    return [wording.with_page_link(page_url(wording.public_base_url, token), alone=twilio_replied)]

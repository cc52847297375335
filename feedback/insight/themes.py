"""The theme taxonomy as staff keep it: add, rename, give cues, retire and merge themes, and see emerging ones.

A slug never changes meaning once used: it cannot be renamed or reused, and a theme merged into another keeps
pointing there, so a question or a report that names the old slug still means the same thing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from feedback.core.errors import Invalid
from feedback.insight import daily
from feedback.insight.models import MessageAnalysis, MessageTheme, Theme
from feedback.messages.models import InboundMessage

SLUG = re.compile(r"^[a-z][a-z0-9-]{1,62}[a-z0-9]$")
MAX_CUES = 50


class ThemeError(Invalid):
    """A change to the taxonomy that cannot be made; the message says why."""


def get(session: Session, slug: str) -> Theme:
    theme = session.scalar(select(Theme).where(Theme.slug == slug))
    if theme is None:
        raise ThemeError(f"There is no theme {slug!r}.")
    return theme


def live(session: Session) -> list[tuple[str, str]]:
    """The themes staff may file under or act on now, as (slug, label), in the order their labels read."""
    return [
        (slug, label)
        for slug, label in session.execute(
            select(Theme.slug, Theme.label).where(Theme.retired_at.is_(None)).order_by(Theme.label)
        )
    ]


def ids_by_slug(session: Session) -> dict[str, int]:
    """Every slug ever used and the theme it files under now: a live theme itself, a merged one its target."""
    rows = session.execute(select(Theme.slug, Theme.id, Theme.retired_at, Theme.merged_into_id)).all()
    target = {theme_id: merged for _, theme_id, _, merged in rows}
    live = {theme_id for _, theme_id, retired, _ in rows if retired is None}
    found = {}
    for slug, own_id, _, _ in rows:
        current: int | None = own_id
        seen: set[int] = set()
        while current is not None and current not in live and current not in seen:
            seen.add(current)
            current = target.get(current)
        if current is not None and current in live:
            found[slug] = current
    return found


def cues(session: Session) -> dict[str, list[str]]:
    return {
        slug: list(words)
        for slug, words in session.execute(select(Theme.slug, Theme.cues).where(Theme.retired_at.is_(None)))
        if words
    }


def _clean_cues(phrases: Iterable[str]) -> list[str]:
    cleaned = list(dict.fromkeys(p.strip().lower() for p in phrases if p.strip()))
    if len(cleaned) > MAX_CUES or any(len(p) > 60 or len(p) < 3 for p in cleaned):
        raise ThemeError(f"Give up to {MAX_CUES} cue phrases, each 3 to 60 characters.")
    return cleaned


def add(session: Session, slug: str, label: str, description: str = "", phrases: Iterable[str] = ()) -> Theme:
    slug = slug.strip().lower()
    if not SLUG.match(slug):
        raise ThemeError("A slug is 3 to 64 lower-case letters, numbers and dashes, such as school-transport.")
    if session.scalar(select(Theme.id).where(Theme.slug == slug)) is not None:
        raise ThemeError(
            f"The slug {slug!r} is already used (perhaps by a retired theme): a slug never changes meaning."
        )
    if not label.strip() or len(label) > 200:
        raise ThemeError("A theme needs a label of up to 200 characters.")
    theme = Theme(slug=slug, label=label.strip(), description=description.strip(), cues=_clean_cues(phrases))
    session.add(theme)
    session.flush()
    return theme


def edit(session: Session, slug: str, *, label: str, description: str, phrases: Iterable[str]) -> Theme:
    """Rename a theme or change its description and cues. Its slug stays."""
    theme = get(session, slug)
    if not label.strip() or len(label) > 200:
        raise ThemeError("A theme needs a label of up to 200 characters.")
    theme.label = label.strip()
    theme.description = description.strip()
    theme.cues = _clean_cues(phrases)
    session.flush()
    return theme


def retire(session: Session, slug: str, *, now: datetime) -> Theme:
    """Stop filing messages under a theme. Messages already filed keep it, for past reports."""
    theme = get(session, slug)
    theme.retired_at = theme.retired_at or now
    session.flush()
    return theme


def merge(session: Session, slug: str, into: str, *, now: datetime) -> int:
    """Move every message of one theme to another, and retire the first (its slug then means the other).
    Returns how many messages moved."""
    source, target = get(session, slug), get(session, into)
    if source.id == target.id:
        raise ThemeError("A theme cannot be merged into itself.")
    if target.retired_at is not None:
        raise ThemeError(f"{into!r} is retired: merge into a theme in use.")
    both = select(MessageTheme.inbound_message_id).where(MessageTheme.theme_id == target.id)
    with daily.recount(session, select(MessageTheme.inbound_message_id).where(MessageTheme.theme_id == source.id)):
        session.execute(
            delete(MessageTheme).where(MessageTheme.theme_id == source.id, MessageTheme.inbound_message_id.in_(both))
        )
        moved = session.execute(
            update(MessageTheme).where(MessageTheme.theme_id == source.id).values(theme_id=target.id)
        ).rowcount  # type: ignore[attr-defined]
    source.retired_at = now
    source.merged_into_id = target.id
    target.cues = _clean_cues([*(target.cues or []), *(source.cues or [])])
    session.flush()
    return int(moved or 0)


def emerging(session: Session, *, since: datetime, at_least: int = 3, limit: int = 20) -> list[tuple[str, int]]:
    """Key phrases that keep coming up in recent messages the analysis could not file under any theme: candidates
    for new themes. Phrases come from the quotable copies, so they carry no names."""
    filed = select(MessageTheme.inbound_message_id).where(MessageTheme.source != "removed")
    rows = session.scalars(
        select(MessageAnalysis.key_phrases)
        .join(InboundMessage, InboundMessage.id == MessageAnalysis.inbound_message_id)
        .where(InboundMessage.received_at >= since, MessageAnalysis.inbound_message_id.not_in(filed))
        .limit(10_000)
    )
    counts: Counter[str] = Counter()
    for phrases in rows:
        counts.update(set(phrases or ()))
    return [(phrase, seen) for phrase, seen in counts.most_common(limit) if seen >= at_least]


def usage(session: Session, *, since: datetime | None = None) -> dict[int, int]:
    """How many messages each theme files (removed ones left out): all of them, or those received since a moment.
    For the taxonomy's admins: these counts are not protected, so never show them to the board."""
    query = select(MessageTheme.theme_id, func.count()).where(MessageTheme.source != "removed")
    if since is not None:
        query = query.where(MessageTheme.received_at >= since)
    return dict(session.execute(query.group_by(MessageTheme.theme_id)).all())

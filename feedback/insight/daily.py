"""Daily totals of what young people raised in their own words (`ThemeDay`), kept up to date in the same
transaction as every change to how messages are filed, so that a summary's cost does not grow with history.

Every write to the filed rows goes through `recount`: it reads what the messages it is given add to the totals
before the change, lets the change happen, reads it again after, and applies the difference with one upsert per
row of totals (`messages = messages + change`, atomic in the database, in a fixed order so that two workers
filing at once never wait on each other in a circle). Erasure blanks words but keeps a message's themes and
feeling, so it changes no total.

`rebuild` works the totals out again from the filed rows, for a database restored from before the table or a
check that the two agree (`tests/insight/test_daily.py` proves the summaries from both are the same).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from feedback.core.clock import local_date
from feedback.core.dbutil import upsert_adding
from feedback.insight.models import OWN_WORDS, MessageAnalysis, MessageTheme, ThemeDay, ThemeSource
from feedback.messages.models import InboundMessage

ALL = "all"
# The dimensions a summary reads, each its own set of rows: `all` for everyone (and by month), the others by group.
DIMENSIONS = (ALL, "channel", "survey", "locality", "age_band", "care_setting")
EVERYONE = 0  # the theme id of the rows for all messages
# The theme rows that count as a young person raising the theme: filed by the analysis or by staff, not by the
# question it answered, nor taken away by staff.
RAISED = (ThemeSource.AUTO, ThemeSource.STAFF)
FEELINGS = ("negative", "neutral", "positive")
_BATCH = 500

Key = tuple[date, int, str, str]  # day, theme id, dimension, group
Counts = tuple[int, int, int, int]  # messages, negative, neutral, positive


def group_value(dimension: str, row: Any) -> str:
    """The group a filed row is counted in for a dimension: its value as text, "" where none was recorded."""
    if dimension == ALL:
        return ""
    value = row.survey_id if dimension == "survey" else getattr(row, dimension)
    return "" if value is None else str(value)


def _add(totals: dict[Key, Counts], theme_id: int, row: Any, feeling: str | None) -> None:
    day = local_date(row.received_at)
    felt = (feeling == "negative", feeling == "neutral", feeling == "positive")
    for dimension in DIMENSIONS:
        key = (day, theme_id, dimension, group_value(dimension, row))
        n, neg, neu, pos = totals.get(key, (0, 0, 0, 0))
        totals[key] = (n + 1, neg + felt[0], neu + felt[1], pos + felt[2])


def contributions(session: Session, message_ids: Iterable[int]) -> dict[Key, Counts]:
    """What these messages add to the daily totals as they are filed now."""
    totals: dict[Key, Counts] = {}
    ids = sorted(set(message_ids))
    facts = (
        MessageTheme.received_at,
        MessageTheme.channel,
        MessageTheme.survey_id,
        MessageTheme.locality,
        MessageTheme.age_band,
        MessageTheme.care_setting,
    )
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        everyone = session.execute(
            select(
                MessageAnalysis.received_at,
                MessageAnalysis.channel,
                MessageAnalysis.survey_id,
                MessageAnalysis.locality,
                MessageAnalysis.age_band,
                MessageAnalysis.care_setting,
                MessageAnalysis.sentiment_label,
            ).where(
                MessageAnalysis.inbound_message_id.in_(chunk),
                MessageAnalysis.origin.in_(OWN_WORDS),
                MessageAnalysis.received_at.is_not(None),
            )
        )
        for row in everyone:
            _add(totals, EVERYONE, row, row.sentiment_label)
        themed = session.execute(
            select(MessageTheme.theme_id, *facts, MessageTheme.feeling).where(
                MessageTheme.inbound_message_id.in_(chunk),
                MessageTheme.origin.in_(OWN_WORDS),
                MessageTheme.source.in_(RAISED),
                MessageTheme.received_at.is_not(None),
            )
        )
        for theme_row in themed:
            _add(totals, theme_row.theme_id, theme_row, theme_row.feeling)
    return totals


def apply(session: Session, before: dict[Key, Counts], after: dict[Key, Counts]) -> int:
    """Add the difference between two readings to the totals; returns how many rows of totals changed."""
    changes: list[dict[str, Any]] = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key, (0, 0, 0, 0)), after.get(key, (0, 0, 0, 0))
        change = tuple(b - a for a, b in zip(old, new, strict=True))
        if any(change):
            day, theme_id, dimension, value = key
            changes.append(
                {
                    "day": day,
                    "month": day.strftime("%Y-%m"),
                    "theme_id": theme_id,
                    "dimension": dimension,
                    "value": value,
                    **dict(zip(("messages", *FEELINGS), change, strict=True)),
                }
            )
    if changes:
        upsert_adding(
            session,
            ThemeDay,
            ["dimension", "day", "theme_id", "value"],
            ["messages", *FEELINGS],
            changes,
        )
    return len(changes)


@contextmanager
def recount(session: Session, message_ids: Sequence[int] | Any) -> Iterator[None]:
    """Keep the totals right across a change to how these messages are filed: everything inside the block that
    writes their filed rows is counted once it is flushed. `message_ids` may be a select of ids, read before."""
    ids = sorted(set(session.scalars(message_ids) if not isinstance(message_ids, Sequence) else message_ids))
    # The messages are locked first (PostgreSQL; SQLite has one writer at a time), so that a recode and a
    # re-analysis of the same message take turns: a change committed between this reading and the next
    # would otherwise be counted by both.
    for start in range(0, len(ids), _BATCH):
        session.execute(
            select(InboundMessage.id)
            .where(InboundMessage.id.in_(ids[start : start + _BATCH]))
            .order_by(InboundMessage.id)
            .with_for_update()
        ).all()
    before = contributions(session, ids)
    yield
    session.flush()
    apply(session, before, contributions(session, ids))


def rebuild(session: Session) -> int:
    """Work every total out again from the filed rows. Returns how many rows of totals there are now."""
    session.execute(delete(ThemeDay))
    ids = list(session.scalars(select(MessageAnalysis.inbound_message_id).order_by(MessageAnalysis.inbound_message_id)))
    found: dict[Key, Counts] = {}
    for start in range(0, len(ids), 5 * _BATCH):
        _merge(found, contributions(session, ids[start : start + 5 * _BATCH]))
    return apply(session, {}, found)


def _merge(into: dict[Key, Counts], more: dict[Key, Counts]) -> None:
    for key, counts in more.items():
        old = into.get(key, (0, 0, 0, 0))
        into[key] = tuple(a + b for a, b in zip(old, counts, strict=True))  # type: ignore[assignment]

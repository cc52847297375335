"""The current time, in one place, so tests can move it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

# The service's local time: working days, months in summaries, quiet hours.
LOCAL_TIME = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    """The wall-clock time, timezone-aware UTC."""
    return datetime.now(UTC)


def now() -> datetime:
    """The app's idea of now: its configured `CLOCK` (tests) or the wall clock."""
    if has_app_context():
        clock: Callable[[], datetime] | None = current_app.config.get("CLOCK")
        if clock is not None:
            return clock()
    return utcnow()


def local_date(moment: datetime) -> date:
    """The day a moment falls on in the UK: working days, ages, "today" in a report."""
    return moment.astimezone(LOCAL_TIME).date()


def local_month(moment: datetime) -> str:
    """The month a moment falls in, in local time, as YYYY-MM."""
    return moment.astimezone(LOCAL_TIME).strftime("%Y-%m")

"""The current time, in one place, so tests can move it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from flask import current_app, has_app_context


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

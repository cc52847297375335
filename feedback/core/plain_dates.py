"""Dates, times and lengths of time in plain English, in UK time, for every page: "today at 2:05pm",
"25 minutes ago", "15 January 2027". Babel gives the UK formats and humanize the lengths of time; this module only
chooses which to say. Pure: the caller passes today or now (pages use `register`, which reads the app's clock)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import humanize
from babel.dates import format_date, format_time

from feedback.core.clock import LOCAL_TIME, local_date, now

if TYPE_CHECKING:
    from flask import Flask

LOCALE = "en_GB"


def clock_time(moment: datetime) -> str:
    """ "2:05pm", UK time."""
    return format_time(moment.astimezone(LOCAL_TIME), "h:mma", locale=LOCALE)


def long_date(value: date | datetime | None) -> str:
    """ "15 January 2027" (a moment is read in UK time)."""
    if value is None:
        return ""
    return format_date(_day(value), "d MMMM y", locale=LOCALE)


def day_and_date(value: date | datetime | None) -> str:
    """ "Friday 15 January 2027"."""
    if value is None:
        return ""
    return format_date(_day(value), "EEEE d MMMM y", locale=LOCALE)


def _day(value: date | datetime) -> date:
    """The day itself, or the UK day a moment falls on."""
    return local_date(value) if isinstance(value, datetime) else value


def when(moment: datetime | None, *, today: date, capital: bool = False) -> str:
    """A moment as a person says it: "today at 2:05pm", "yesterday at 9:30am", "tomorrow at 8:00am", "Monday at
    11:00am" (within a week either way), "6 November at 4:15pm" (this year), "6 November 2025 at 4:15pm"."""
    if moment is None:
        return ""
    local = moment.astimezone(LOCAL_TIME)
    days = (today - local.date()).days
    if days == 0:
        day = "today"
    elif days == 1:
        day = "yesterday"
    elif days == -1:
        day = "tomorrow"
    elif -7 < days < 7:
        day = format_date(local.date(), "EEEE", locale=LOCALE)
    elif local.year == today.year:
        day = format_date(local.date(), "d MMMM", locale=LOCALE)
    else:
        day = long_date(local.date())
    words = f"{day} at {clock_time(local)}"
    return words[0].upper() + words[1:] if capital else words


def duration(delta: timedelta | None) -> str:
    """A length of time: "under a minute", "12 minutes", "1 hour and 5 minutes", "2 days and 3 hours"."""
    if delta is None:
        return ""
    if delta < timedelta(minutes=1):
        return "under a minute"
    unit = "minutes" if delta < timedelta(days=1) else "hours"
    return humanize.precisedelta(delta, minimum_unit=unit, format="%d")


def ago(moment: datetime | None, *, at: datetime) -> str:
    """How long before `at`: "25 minutes ago"; or after it: "in 3 hours"."""
    if moment is None:
        return ""
    if moment > at:
        return f"in {duration(moment - at)}"
    return f"{duration(at - moment)} ago"


def register(app: Flask) -> None:
    """The filters every template may use, read against the app's clock (`clock.now`)."""
    app.add_template_filter(
        lambda moment, capital=False: when(moment, today=local_date(now()), capital=capital), "uk_when"
    )
    app.add_template_filter(lambda moment: ago(moment, at=now()), "ago")
    app.add_template_filter(duration, "duration")
    app.add_template_filter(long_date, "long_date")
    app.add_template_filter(day_and_date, "day_and_date")
    app.add_template_filter(clock_time, "clock_time")
    # `{% if statement.due_at is past %}`: a time a page calls "due" is "overdue" once it has gone by.
    app.add_template_test(lambda moment: moment is not None and moment <= now(), "past")

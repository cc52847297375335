"""A schedule's recurring rule in words ("the first Monday of each month at 5:00pm"), read from the APScheduler
trigger that runs it, so the words say what will fire and not what the rule would mean to classic cron.

Two differences make that matter. APScheduler 3 fires only when the day of the month AND the weekday both match
(classic cron fires when either does), which is why `0 17 1-7 * mon` means the first Monday and not "the 1st to the
7th and every Monday". And its weekday numbers count from Monday, so `*/2` in the weekday field is Monday,
Wednesday, Friday and Sunday. A generic cron-to-words library gets both wrong.

Pure: no Flask, no database. Anything it cannot say exactly gives None, and the page shows the rule itself,
labelled, rather than a sentence that might be wrong.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Sequence
from datetime import time

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.cron.expressions import (
    AllExpression,
    LastDayOfMonthExpression,
    RangeExpression,
    WeekdayPositionExpression,
)
from apscheduler.triggers.cron.fields import MAX_VALUES, MIN_VALUES, BaseField
from babel.dates import format_time

from feedback.core.errors import FeedbackError

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")  # APScheduler's 0-6
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
# Days 1-7 with one weekday are its first in the month, 8-14 its second, and so on; 29-31 its fifth, if any.
WEEK_OF_MONTH = {(1, 7): "first", (8, 14): "second", (15, 21): "third", (22, 28): "fourth", (29, 31): "fifth"}
POSITION_WORDS = ("first", "second", "third", "fourth", "fifth", "last")  # WeekdayPositionExpression's options
# More times a day than this are said as a frequency ("every 15 minutes") or not at all.
MAX_TIMES_LISTED = 6
# A leap year, so the 29th of February counts as a day that happens.
_LEAP_YEAR = 2028
_COMMON_YEAR = 2027


class _Unsayable(FeedbackError):
    """The rule has a part these words cannot say exactly (never leaves this module: `rule_in_words` says None)."""


def rule_in_words(trigger: CronTrigger, *, capital: bool = False) -> str | None:
    """When the trigger fires, in words: "every weekday, Monday to Friday, at 9:00am", "the first Monday of each
    month at 5:00pm", "every 15 minutes from 9:00am to 5:45pm, every Monday". None when it cannot be said exactly.
    Times are the trigger's own (UK time for a schedule)."""
    try:
        words = _words({field.name: field for field in trigger.fields})
    except _Unsayable:
        return None
    return words[0].upper() + words[1:] if capital else words


def _words(fields: dict[str, BaseField]) -> str:
    if str(fields["year"]) != "*" or str(fields["week"]) != "*" or str(fields["second"]) != "0":
        raise _Unsayable  # a crontab never sets these; a trigger built by hand might
    months = _values(fields["month"])
    weekdays = _values(fields["day_of_week"])
    days = _days(fields["day"], months)
    when = _time_of_day(_values(fields["hour"]), _values(fields["minute"]))
    on, proviso = _day_phrase(days, weekdays, months)
    if when.startswith("at "):
        return f"{on} {when}{proviso}"
    if on == "every day":
        return when
    return f"{when}, {'on ' if on.startswith('the ') else ''}{on}{proviso}"


# --- the fields' values --------------------------------------------------------------------------------------


def _values(field: BaseField, low: int | None = None, high: int | None = None) -> list[int]:
    """Every value an ordinary field matches (a union of its expressions), lowest first."""
    low = MIN_VALUES[field.name] if low is None else low
    high = MAX_VALUES[field.name] if high is None else high
    found: set[int] = set()
    for expression in field.expressions:
        if isinstance(expression, (WeekdayPositionExpression, LastDayOfMonthExpression)):
            raise _Unsayable  # only the day field has these, and _days reads them itself
        if isinstance(expression, RangeExpression):  # also the month and weekday names
            last = expression.last if expression.last is not None else high
            found.update(range(max(expression.first, low), min(last, high) + 1, expression.step or 1))
        elif isinstance(expression, AllExpression):
            found.update(range(low, high + 1, expression.step or 1))
        else:
            raise _Unsayable
    return sorted(found)


def _days(field: BaseField, months: Sequence[int]) -> list[int] | str | tuple[int, int]:
    """The days of the month: a list of numbers, "last" (the last day of the month), or (position, weekday) for
    "the second Monday" and "the last Friday" (a trigger built by hand; a crontab cannot write them)."""
    expressions = field.expressions
    if len(expressions) == 1 and isinstance(expressions[0], LastDayOfMonthExpression):
        return "last"
    if len(expressions) == 1 and isinstance(expressions[0], WeekdayPositionExpression):
        return (expressions[0].option_num, expressions[0].weekday)
    days = _values(field)
    # A day no chosen month has (the 30th of February) never fires: say so by saying nothing.
    if not any(day <= monthrange(_LEAP_YEAR, month)[1] for day in days for month in months):
        raise _Unsayable
    return days


# --- the time of day -----------------------------------------------------------------------------------------


def _clock(hour: int, minute: int) -> str:
    """ "5:00pm", as the pages say a time (feedback.core.plain_dates.clock_time)."""
    return format_time(time(hour, minute), "h:mma", locale="en_GB")


def _step(values: Sequence[int], size: int) -> int | None:
    """The step when the values are 0, n, 2n... to the end of a cycle of `size` that n divides (so the gap from
    the last back to 0 is n too, and "every n" is exact); otherwise None."""
    if len(values) < 2 or values[0] != 0:
        return None
    step = values[1] - values[0]
    if size % step or list(values) != list(range(0, size, step)):
        return None
    return step


def _run(values: Sequence[int]) -> bool:
    """Consecutive values: 9, 10, 11, 12."""
    return list(values) == list(range(values[0], values[-1] + 1))


def _time_of_day(hours: list[int], minutes: list[int]) -> str:
    if len(hours) * len(minutes) <= MAX_TIMES_LISTED:
        return "at " + _and([_clock(h, m) for h in hours for m in minutes])
    every_minutes = _step(minutes, 60) if len(minutes) > 1 else None
    if len(minutes) == 60:
        every = "every minute"
    elif every_minutes:
        every = f"every {every_minutes} minutes"
    elif len(minutes) == 1:
        every = "every hour"
    else:
        raise _Unsayable
    if len(hours) == 24:
        if len(minutes) == 1:
            return "every hour, on the hour" if minutes[0] == 0 else f"every hour, at {minutes[0]} minutes past"
        return every
    if _run(hours):
        return f"{every} from {_clock(hours[0], minutes[0])} to {_clock(hours[-1], minutes[-1])}"
    every_hours = _step(hours, 24)
    if len(minutes) == 1 and every_hours:
        return f"every {every_hours} hours from {_clock(0, minutes[0])}"
    raise _Unsayable


# --- the days ------------------------------------------------------------------------------------------------


def _day_phrase(days: list[int] | str | tuple[int, int], weekdays: list[int], months: list[int]) -> tuple[str, str]:
    """Which days, and a proviso said after the time ("the 13th of each month", ", when it is a Friday")."""
    every_weekday = len(weekdays) == 7
    if isinstance(days, tuple):
        position, weekday = days
        if not every_weekday:
            raise _Unsayable  # "the last Friday, when it is a Monday" never fires
        return f"the {POSITION_WORDS[position]} {WEEKDAY_NAMES[weekday]} of {_months_of(months)}", ""
    if isinstance(days, list) and len(days) == 31:
        if every_weekday:
            return "every day" + _months_in(months), ""
        return _every_weekday(weekdays) + _months_in(months), ""
    if isinstance(days, list) and len(weekdays) == 1 and (days[0], days[-1]) in WEEK_OF_MONTH and _run(days):
        nth = WEEK_OF_MONTH[(days[0], days[-1])]
        on = f"the {nth} {WEEKDAY_NAMES[weekdays[0]]} of {_months_of(months)}"
        return on, ", when there is one" if nth == "fifth" else ""
    if days == "last":
        on, proviso = f"the last day of {_months_of(months)}", ""
    else:
        assert isinstance(days, list)  # noqa: S101 - the other shapes returned above
        on, proviso = _dates_of(days, months)
    if every_weekday:
        return on, proviso
    return on, f"{proviso}, when it is a {_or([WEEKDAY_NAMES[w] for w in weekdays])}"


def _every_weekday(weekdays: list[int]) -> str:
    """ "every Monday", "every Monday and Thursday", "Monday to Friday"."""
    if len(weekdays) > 2 and _run(weekdays):
        return f"{WEEKDAY_NAMES[weekdays[0]]} to {WEEKDAY_NAMES[weekdays[-1]]}"
    return "every " + _and([WEEKDAY_NAMES[w] for w in weekdays])


def _ordinal(day: int) -> str:
    suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def _dates_of(days: list[int], months: list[int]) -> tuple[str, str]:
    """ "the 1st and 15th of each month", and, when some of the months lack a day, that they skip it."""
    if len(days) > 2 and _run(days):
        listed = f"every day from the {_ordinal(days[0])} to the {_ordinal(days[-1])}"
    elif len(days) <= 5:
        listed = "the " + _and([_ordinal(day) for day in days])
    else:
        raise _Unsayable
    shortest = min(monthrange(_COMMON_YEAR, month)[1] for month in months)
    lacking = [_ordinal(day) for day in days if day > shortest]
    if not lacking:
        return f"{listed} of {_months_of(months)}", ""
    proviso = f" (months without the {_or(lacking)} skip {'it' if len(lacking) == 1 else 'those days'})"
    return f"{listed} of {_months_of(months)}", proviso


def _months_of(months: list[int]) -> str:
    """ "each month", "each month from March to June", "January, April, July and October"."""
    if len(months) == 12:
        return "each month"
    if len(months) > 2 and _run(months):
        return f"each month from {MONTH_NAMES[months[0] - 1]} to {MONTH_NAMES[months[-1] - 1]}"
    return _and([MONTH_NAMES[m - 1] for m in months])


def _months_in(months: list[int]) -> str:
    """ "" (every month), " from March to June", " in January and July"."""
    if len(months) == 12:
        return ""
    if len(months) > 2 and _run(months):
        return f" from {MONTH_NAMES[months[0] - 1]} to {MONTH_NAMES[months[-1] - 1]}"
    return " in " + _and([MONTH_NAMES[m - 1] for m in months])


def _and(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _or(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]

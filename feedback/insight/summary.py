"""The theme summary the Champions Board and services read: for a calendar quarter, what young people raised in
their own words: each theme's count, its change on the quarter before, its feeling and its share of all messages,
for everyone or for one group (a channel, survey, locality, age band or care setting), or broken down by one
dimension; and a trend by quarter.

Why so little choice: any two published figures can be set against each other. Two overlapping periods give the
days where they differ; two filters with a breakdown give a two-way table whose inner cells follow from its
margins. So a request names one quarter, at most one group, and a breakdown only for everyone. What is published
is then a family of one-way tables, one per quarter and dimension, that `suppression.protect_dimension` protects
as a whole (docs/privacy.md: "Small numbers: how no count under the threshold can be worked out"): a group's view
shows exactly the protected cells of its breakdown, and the trend the protected figures of each quarter.

Every figure is counted in SQL from the daily totals (`insight.daily`: one GROUP BY over one dimension's days, so
the cost is the period's length, not its messages; `read_directly` counts the same from the filed rows, as the
reference) and protected before anyone sees it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TextIO

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from feedback.core.clock import LOCAL_TIME
from feedback.core.errors import Invalid
from feedback.insight import daily
from feedback.insight.models import OWN_WORDS, QUOTABLE, MessageAnalysis, MessageTheme, Theme, ThemeDay
from feedback.insight.suppression import (
    MARK,
    Count,
    count,
    footnote,
    hidden,
    protect_dimension,
    protect_row,
    total_hidden,
)
from feedback.people.operations import AGE_BANDS, CARE_SETTING_LABELS, CARE_SETTINGS
from feedback.surveys.export import write_table
from feedback.surveys.models import Survey, SurveyVersion

NOT_RECORDED = "Not recorded"
CHANNELS = ("sms", "web", "import")
# The groups a view may be narrowed to (one at a time), and what it may be broken down by (for everyone only).
FILTERS = ("channel", "survey", "locality", "age_band", "care_setting")
BREAKDOWNS = ("month", *FILTERS)
DIMENSION_NAMES = {
    "month": "Month",
    "channel": "Channel",
    "survey": "Survey",
    "locality": "Locality",
    "age_band": "Age band",
    "care_setting": "Care setting",
}
_COLUMN = {"survey": "survey_id"}
TREND_QUARTERS = 8
# How many of a quarter's newest messages in a theme are read for quotes and phrases: enough to find 20 with words
# in them, and a bound on what one page decrypts.
QUOTE_SCAN = 1000
# The first day a period may touch. Long before any message, and far enough from year 1 that the quarter before one
# and two years of trend can still be counted back in dates.
EARLIEST = date(1900, 1, 1)
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_QUARTER = re.compile(r"([0-9]{4})-?Q([1-4])", re.IGNORECASE)
ONE_QUARTER = (
    "Summaries cover one calendar quarter at a time (January to March, April to June, July to September or "
    "October to December): a longer or shifted period could be set against another to work out a hidden quarter "
    "or day by subtraction."
)
ONE_GROUP = (
    "Two groups together would let a small group be worked out from the others by subtraction, so a summary "
    "shows everyone or one group."
)


class FilterError(Invalid):
    """A filter that cannot be used; the message says which and why, in plain words."""


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter, in UK local dates: the only period a summary covers."""

    year: int
    number: int  # 1 to 4

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter | None:
        """`2026-Q4` or `2026Q4`, in any case; None if it is neither."""
        found = _QUARTER.fullmatch(text)
        return cls(int(found.group(1)), int(found.group(2))) if found else None

    def shift(self, quarters: int) -> Quarter:
        year, index = divmod(self.year * 4 + self.number - 1 + quarters, 4)
        return Quarter(year, index + 1)

    @property
    def first(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last(self) -> date:
        return date(self.year, 12, 31) if self.number == 4 else self.shift(1).first - timedelta(days=1)

    @property
    def months(self) -> tuple[date, date, date]:
        month = 3 * self.number - 2
        return date(self.year, month, 1), date(self.year, month + 1, 1), date(self.year, month + 2, 1)

    @property
    def label(self) -> str:
        """Short, for a chart's axis: `2026 Q4`."""
        return f"{self.year} Q{self.number}"

    @property
    def name(self) -> str:
        """In words: `October to December 2026`."""
        month = 3 * self.number - 3
        return f"{MONTH_NAMES[month]} to {MONTH_NAMES[month + 2]} {self.year}"

    def __str__(self) -> str:
        return f"{self.year:04d}-Q{self.number}"


@dataclass(frozen=True)
class Filters:
    quarter: Quarter
    complete: bool = True  # False for the quarter under way: its figures so far
    channel: str | None = None
    survey: str | None = None  # a survey's slug
    locality: str | None = None
    age_band: str | None = None
    care_setting: str | None = None
    by: str | None = None

    @property
    def since(self) -> date:
        return self.quarter.first

    @property
    def until(self) -> date:
        """The quarter's last day (inclusive), even while it is under way."""
        return self.quarter.last

    @property
    def previous(self) -> tuple[date, date]:
        """The quarter before: the first and last day."""
        before = self.quarter.shift(-1)
        return before.first, before.last

    @property
    def group(self) -> tuple[str, str] | None:
        """The one group the view is narrowed to, as (dimension, value), if any."""
        for name in FILTERS:
            value = getattr(self, name)
            if value:
                return name, value
        return None

    def query(self) -> dict[str, str]:
        """As URL parameters, for links that keep the view."""
        values = {"period": str(self.quarter)}
        if self.group:
            values[self.group[0]] = self.group[1]
        if self.by:
            values["by"] = self.by
        return values


@dataclass(frozen=True)
class Choices:
    """The values each filter accepts: anything else is refused."""

    localities: tuple[str, ...]
    surveys: Mapping[str, str]  # slug -> title
    channels: tuple[str, ...] = CHANNELS
    age_bands: tuple[str, ...] = AGE_BANDS
    care_settings: tuple[str, ...] = CARE_SETTINGS

    def labels(self, by: str) -> Mapping[str, str]:
        """The values of a filter, with how each is shown."""
        if by == "channel":
            return {"sms": "Text message", "web": "Web", "import": "Brought in from before the service"}
        if by == "survey":
            return dict(self.surveys)
        if by == "locality":
            return {name: name for name in self.localities}
        if by == "age_band":
            return {band: band for band in self.age_bands}
        return {setting: CARE_SETTING_LABELS[setting] for setting in self.care_settings}

    def groups(self, dimension: str, quarter: Quarter) -> dict[str, str]:
        """The groups of a dimension in a quarter, keyed as counted, with how each is shown. Messages with no value,
        or one no longer configured, are "Not recorded", so that the groups cover every message; every message has
        a month."""
        if dimension == "month":
            return {day.strftime("%Y-%m"): f"{MONTH_NAMES[day.month - 1]} {day.year}" for day in quarter.months}
        return {**self.labels(dimension), NOT_RECORDED: NOT_RECORDED}


def choices(session: Session, localities: Sequence[str]) -> Choices:
    rows = session.execute(
        select(Survey.slug, SurveyVersion.title)
        .join(SurveyVersion, SurveyVersion.survey_id == Survey.id)
        .order_by(Survey.slug, SurveyVersion.number)
    ).all()
    surveys: dict[str, str] = {slug: title for slug, title in rows}  # each survey's latest title
    return Choices(localities=tuple(localities), surveys=surveys)


def _text(raw: Mapping[str, Any], name: str) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def parse_filters(raw: Mapping[str, Any], known: Choices, *, today: date) -> Filters:
    """Filters from a URL, a form or the command line, checked against the values that exist.

    The period is a quarter: `period` (`2026-Q4`), or for links made before quarters, the quarter holding `until`
    (default today) with `since`, if given, in the same quarter. The group is one of the filters, given by name
    (`locality=Hamilton`) or as the form's `show=locality:Hamilton`.
    """
    quarter = _quarter(raw, today)
    checks = {
        "channel": known.channels,
        "survey": tuple(known.surveys),
        "locality": known.localities,
        "age_band": known.age_bands,
        "care_setting": known.care_settings,
    }
    chosen: list[tuple[str, str]] = []
    for name, allowed in checks.items():
        value = _text(raw, name)
        if value is not None:
            chosen.append((name, _allowed(name, value, allowed)))
    show = _text(raw, "show")
    if show is not None:
        name, _, value = show.partition(":")
        if name not in checks or not value:
            raise FilterError(f"Unknown group {show!r}: choose Everyone or one group from the list.")
        if (name, value) not in chosen:
            chosen.append((name, _allowed(name, value, checks[name])))
    if len(chosen) > 1:
        named = " and ".join(f"{name.replace('_', ' ')} {value}" for name, value in chosen)
        raise FilterError(f"Choose one group at a time, not {named}. {ONE_GROUP}")
    by = _text(raw, "by")
    if by is not None:
        by = _allowed("by", by, BREAKDOWNS)
        if chosen:
            ((name, value),) = chosen
            raise FilterError(
                f"A breakdown is for everyone: choose Everyone to break down by {by.replace('_', ' ')}, or no "
                f"breakdown to see {name.replace('_', ' ')} {value}. A breakdown of one group, beside the breakdown "
                "for everyone, would let a small group be worked out by subtraction."
            )
    return Filters(quarter=quarter, complete=quarter.last < today, by=by, **dict(chosen))


def _allowed(name: str, value: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise FilterError(f"Unknown {name.replace('_', ' ')} {value!r}: choose one of {', '.join(allowed)}.")
    return value


def _quarter(raw: Mapping[str, Any], today: date) -> Quarter:
    until = _date(_text(raw, "until"), "until")
    since = _date(_text(raw, "since"), "since")
    if since and until and since > until:
        raise FilterError(f"The period starts ({since.isoformat()}) after it ends ({until.isoformat()}).")
    period = _text(raw, "period")
    if period is not None:
        quarter = Quarter.parse(period)
        if quarter is None:
            raise FilterError(f"period must be a quarter written like 2026-Q4, not {period!r}.")
        if quarter < Quarter.containing(EARLIEST):  # compared as numbers: year 0 has no dates
            raise FilterError(f"period must be {EARLIEST.year}-Q1 or later, not {period!r}.")
    else:
        quarter = Quarter.containing(until or today)
    for name, day in (("since", since), ("until", until)):
        if day is not None and Quarter.containing(day) != quarter:
            raise FilterError(f"{name} {day.isoformat()} is not in {quarter.name}. {ONE_QUARTER}")
    if quarter.first > today:
        raise FilterError(f"The period cannot be in the future: {quarter.name} has not started yet.")
    return quarter


def _date(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise FilterError(f"{name} must be a date written YYYY-MM-DD, not {value!r}.") from None
    if day < EARLIEST:
        raise FilterError(f"{name} must be {EARLIEST.isoformat()} or later, not {value!r}.")
    return day


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` earlier (the last day of that month where it is shorter)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    following = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (following - timedelta(days=1)).day))


def local_start(day: date) -> datetime:
    """The moment a local day begins, in UTC."""
    return datetime.combine(day, time(), LOCAL_TIME).astimezone(UTC)


# --- the filter form --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    """What the filter form offers and has chosen, from the request as given (even one that was refused)."""

    quarters: list[tuple[str, str]]  # value, label; newest first
    period: str
    groups: list[tuple[str, list[tuple[str, str]]]]  # a heading per dimension: its (value, label) options
    show: str
    breakdowns: list[tuple[str, str]]
    by: str


def form(known: Choices, raw: Mapping[str, Any], *, today: date) -> Form:
    current = Quarter.containing(today)
    period = _text(raw, "period") or ""
    chosen = Quarter.parse(period)
    if chosen is None:
        try:
            chosen = Quarter.containing(date.fromisoformat(_text(raw, "until") or ""))
        except ValueError:
            chosen = current
    quarters = [current.shift(-n) for n in range(TREND_QUARTERS)]
    if chosen not in quarters and Quarter.containing(EARLIEST) <= chosen < current:
        quarters.append(chosen)
    show = _text(raw, "show") or next((f"{name}:{raw[name]}" for name in FILTERS if _text(raw, name)), "")
    return Form(
        quarters=[(str(q), f"{q.name} (so far)" if q == current else q.name) for q in quarters],
        period=str(chosen),
        groups=[
            (DIMENSION_NAMES[name], [(f"{name}:{value}", label) for value, label in known.labels(name).items()])
            for name in FILTERS
        ],
        show=show,
        breakdowns=[(name, DIMENSION_NAMES[name]) for name in BREAKDOWNS],
        by=_text(raw, "by") or "",
    )


# --- counting ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Theme:
    id: int
    slug: str
    label: str


def _themes(session: Session) -> list[_Theme]:
    rows = session.execute(
        select(Theme.id, Theme.slug, Theme.label).where(Theme.retired_at.is_(None)).order_by(Theme.id)
    ).all()
    return [_Theme(*row) for row in rows]


Feelings = tuple[int, int, int]  # negative, neutral, positive
_NO_FEELINGS: Feelings = (0, 0, 0)


@dataclass
class _Cells:
    """One quarter's counts along one dimension, in the order of `Choices.groups`: what young people raised in
    their own words (`daily`)."""

    total: list[int]  # all messages
    themes: dict[int, list[int]]  # theme id -> messages
    feeling: dict[int, list[Feelings]]  # theme id -> how many were negative, neutral and positive


def _empty(quarters: Sequence[Quarter], keys: Mapping[Quarter, list[str]], theme_ids: Sequence[int]) -> dict:
    return {
        quarter: _Cells(
            total=[0] * len(keys[quarter]),
            themes={theme: [0] * len(keys[quarter]) for theme in theme_ids},
            feeling={theme: [_NO_FEELINGS] * len(keys[quarter]) for theme in theme_ids},
        )
        for quarter in quarters
    }


class _Placer:
    """Where a counted row goes: its quarter's cells and the index of its group."""

    def __init__(
        self, session: Session, found: dict[Quarter, _Cells], keys: Mapping[Quarter, list[str]], dimension: str
    ) -> None:
        self.found, self.keys, self.dimension = found, keys, dimension
        self.slug_of: dict[str, str] = {}
        if dimension == "survey":
            self.slug_of = {str(survey_id): slug for survey_id, slug in session.execute(select(Survey.id, Survey.slug))}

    def place(self, month: date, value: Any) -> tuple[_Cells, int] | None:
        quarter = Quarter.containing(month)
        if quarter not in self.found:
            return None
        keys = self.keys[quarter]
        if self.dimension == "month":
            key = month.strftime("%Y-%m")
        else:
            text = None if value is None else str(value)
            named = self.slug_of.get(text or "") if self.dimension == "survey" else text
            key = named if isinstance(named, str) and named in keys[:-1] else NOT_RECORDED
        return self.found[quarter], keys.index(key)

    def add(self, month: date, value: Any, theme_id: int, seen: int, felt: Feelings) -> None:
        spot = self.place(month, value)
        if spot is None:
            return
        cells, i = spot
        if theme_id == daily.EVERYONE:
            cells.total[i] += seen
        elif theme_id in cells.themes:
            cells.themes[theme_id][i] += seen
            before = cells.feeling[theme_id][i]
            cells.feeling[theme_id][i] = (before[0] + felt[0], before[1] + felt[1], before[2] + felt[2])


def _read(
    session: Session, quarters: Sequence[Quarter], dimension: str, known: Choices, theme_ids: Sequence[int]
) -> dict[Quarter, _Cells]:
    """Counts for these quarters along one dimension, from the daily totals: one GROUP BY over one dimension's
    rows of `theme_day` by month, theme and group, folded into each quarter's groups in Python. Its cost is the
    days in the quarters, never the messages in them."""
    first, last = min(quarters), max(quarters)
    keys = {quarter: list(known.groups(dimension, quarter)) for quarter in quarters}
    found = _empty(quarters, keys, theme_ids)
    placer = _Placer(session, found, keys, dimension)
    along = daily.ALL if dimension == "month" else dimension
    query = (
        select(
            ThemeDay.month,
            ThemeDay.theme_id,
            ThemeDay.value,
            func.sum(ThemeDay.messages),
            func.sum(ThemeDay.negative),
            func.sum(ThemeDay.neutral),
            func.sum(ThemeDay.positive),
        )
        .where(
            ThemeDay.dimension == along,
            ThemeDay.month >= first.first.strftime("%Y-%m"),
            ThemeDay.month <= last.months[-1].strftime("%Y-%m"),
        )
        .group_by(ThemeDay.month, ThemeDay.theme_id, ThemeDay.value)
    )
    for month, theme_id, value, seen, negative, neutral, positive in session.execute(query):
        placer.add(
            date.fromisoformat(f"{month}-01"),
            value or None,
            int(theme_id),
            int(seen or 0),
            (int(negative or 0), int(neutral or 0), int(positive or 0)),
        )
    return found


def read_directly(
    session: Session, quarters: Sequence[Quarter], dimension: str, known: Choices, theme_ids: Sequence[int]
) -> dict[Quarter, _Cells]:
    """The same counts as `_read`, straight from the filed rows: a GROUP BY over every row of the quarters. Kept
    as the reference the daily totals are proved against (`tests/insight/test_daily.py`) and measured against
    (`bench/summary.py`)."""
    first, last = min(quarters), max(quarters)
    months = _months(first, last)
    bounds = [local_start(day) for day in months] + [local_start(last.last + timedelta(days=1))]
    keys = {quarter: list(known.groups(dimension, quarter)) for quarter in quarters}
    found = _empty(quarters, keys, theme_ids)
    placer = _Placer(session, found, keys, dimension)

    def grouped(model: Any, *extra: Any, where: Sequence[Any] = ()) -> tuple[Any, list[Any]]:
        """The rows of the quarters, each with its month (worked out from when it arrived, so that it agrees with
        the quarters' bounds to the second) and its value, in a subquery so that the GROUP BY names columns."""
        moment = model.received_at
        month = case(*[(moment < bounds[i + 1], i) for i in range(len(months) - 1)], else_=len(months) - 1)
        columns = [month.label("month")]
        if dimension != "month":
            columns.append(getattr(model, _COLUMN.get(dimension, dimension)).label("value"))
        rows = (
            select(*columns, *extra)
            .where(moment >= bounds[0], moment < bounds[-1], model.origin.in_(OWN_WORDS), *where)
            .subquery()
        )
        return rows, [rows.c.month, rows.c.value] if dimension != "month" else [rows.c.month]

    def labelled(column: Any, name: str) -> Any:
        return func.sum(case((column == name, 1), else_=0))

    rows, by = grouped(
        MessageTheme,
        MessageTheme.theme_id.label("theme_id"),
        MessageTheme.feeling.label("feeling"),
        where=[MessageTheme.source.in_(daily.RAISED), MessageTheme.theme_id.in_(theme_ids)],
    )
    query = select(rows.c.theme_id, *by, func.count(), *(labelled(rows.c.feeling, f) for f in daily.FEELINGS))
    for theme_id, month, *rest in session.execute(query.group_by(rows.c.theme_id, *by)):
        value = rest.pop(0) if dimension != "month" else None
        seen, negative, neutral, positive = (int(n or 0) for n in rest)
        placer.add(months[month], value, int(theme_id), seen, (negative, neutral, positive))
    rows, by = grouped(MessageAnalysis)
    for month, *rest in session.execute(select(*by, func.count()).group_by(*by)):
        value = rest.pop(0) if dimension != "month" else None
        placer.add(months[month], value, daily.EVERYONE, int(rest[0]), _NO_FEELINGS)
    return found


def _months(first: Quarter, last: Quarter) -> list[date]:
    months: list[date] = []
    quarter = first
    while quarter <= last:
        months += quarter.months
        quarter = quarter.shift(1)
    return months


# --- protecting -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Feeling:
    """How a theme's messages felt, in words: how many were negative, neutral and positive, each a protected count
    (the three add up to the theme's count, so they are protected as a row: `suppression.protect_row`)."""

    negative: Count
    neutral: Count
    positive: Count

    @property
    def parts(self) -> list[tuple[str, Count]]:
        return [("negative", self.negative), ("neutral", self.neutral), ("positive", self.positive)]

    @property
    def total(self) -> int:
        return sum(count.value for _, count in self.parts)

    def share(self, name: str) -> float | None:
        """The share of one feeling, or None where its count is hidden."""
        part = dict(self.parts)[name]
        return None if part.suppressed or not self.total else part.value / self.total

    @property
    def words(self) -> str:
        return feeling_lead(self.parts)


def feeling_lead(parts: Sequence[tuple[str, Count]]) -> str:
    """How a theme's messages felt, in a few words: `mostly negative` where one feeling is more than half, `partly
    hidden` where the hidden shares together are more than half (one of them might be most), `all hidden`, or
    `mixed`; `none` where no message had a feeling. From the shown shares only."""
    total = sum(part.value for _, part in parts)
    if not total:
        return "none"
    known = [(part.value / total, name) for name, part in parts if not part.suppressed]
    if not known:
        return "all hidden"
    most, name = max(known)
    if most > 0.5:
        return f"mostly {name}"
    if 1 - sum(share for share, _ in known) > 0.5:
        return "partly hidden"
    return "mixed"


def feeling_of(felt: Feelings, threshold: int) -> Feeling:
    values = list(felt)
    mask = protect_row(values, threshold)
    negative, neutral, positive = (Count(v, flag, threshold) for v, flag in zip(values, mask, strict=True))
    return Feeling(negative, neutral, positive)


@dataclass(frozen=True)
class _Figures:
    """One quarter's protected figures: its counts, and one dimension's table."""

    total: Count
    themes: dict[int, Count]
    feeling: dict[int, Feeling | None]  # None where the count is hidden
    groups_total: list[Count]  # all messages, per group
    groups: dict[int, list[Count]]  # each theme, per group


def _protect(cells: _Cells, theme_ids: Sequence[int], threshold: int) -> _Figures:
    """Protect one quarter's table for one dimension, and the quarter's counts (its rows' sums, the same in every
    dimension): the count of all messages is hidden when it is small or when all messages less some theme would be,
    and then so is every group of all messages (`suppression.total_hidden`, `protect_dimension`).

    A theme's feeling is published for the quarter and everyone only, never by group: with the quarter's figure
    beside them, groups' feelings would make a two-way table (feeling by group) whose hidden cells follow from its
    margins."""
    quarter = {t: sum(cells.themes[t]) for t in theme_ids}
    everyone = sum(cells.total)
    masks = protect_dimension(cells.total, [cells.themes[t] for t in theme_ids], threshold)
    groups = {
        t: [Count(value, flag, threshold) for value, flag in zip(cells.themes[t], mask, strict=True)]
        for t, mask in zip(theme_ids, masks.themes, strict=True)
    }
    counts = {t: count(n, threshold) for t, n in quarter.items()}
    feeling: dict[int, Feeling | None] = {}
    for t in theme_ids:
        felt = cells.feeling[t]
        summed = (sum(f[0] for f in felt), sum(f[1] for f in felt), sum(f[2] for f in felt))
        feeling[t] = None if counts[t].suppressed or not counts[t].value else feeling_of(summed, threshold)
    return _Figures(
        total=Count(everyone, total_hidden(everyone, list(quarter.values()), threshold), threshold),
        themes=counts,
        feeling=feeling,
        groups_total=[Count(value, flag, threshold) for value, flag in zip(cells.total, masks.total, strict=True)],
        groups=groups,
    )


# --- the summary ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeSummary:
    slug: str
    label: str
    count: Count
    previous: Count
    feeling: Feeling | None  # for everyone only; None where the count is hidden
    share: float | None  # of all messages in the view; None where either count is hidden
    groups: dict[str, Count] = field(default_factory=dict)

    @property
    def change(self) -> int | None:
        """The change on the quarter before, only when neither count is hidden."""
        if self.count.suppressed or self.previous.suppressed:
            return None
        return self.count.value - self.previous.value

    @property
    def direction(self) -> str | None:
        change = self.change
        if change is None:
            return None
        return "rising" if change > 0 else "falling" if change < 0 else "no change"


@dataclass(frozen=True)
class Summary:
    filters: Filters
    threshold: int
    total: Count  # messages in the view
    previous_total: Count
    themes: list[ThemeSummary]  # largest shown first, then the hidden ones by name
    groups: dict[str, str] = field(default_factory=dict)  # breakdown key -> label, in order
    group_totals: dict[str, Count] = field(default_factory=dict)  # all messages in each group of the breakdown

    def theme(self, slug: str) -> ThemeSummary | None:
        return next((t for t in self.themes if t.slug == slug), None)


def _view(
    figures: _Figures, filters: Filters, known: Choices, quarter: Quarter
) -> tuple[Count, dict[int, Count], dict[int, Feeling | None]]:
    """The quarter's figures for everyone, or the protected cells of the one group."""
    if filters.group is None:
        return figures.total, figures.themes, figures.feeling
    dimension, value = filters.group
    i = list(known.groups(dimension, quarter)).index(value)
    return (
        figures.groups_total[i],
        {t: cells[i] for t, cells in figures.groups.items()},
        dict.fromkeys(figures.groups),
    )


def _dimension(filters: Filters) -> str:
    """The one table a view is drawn from: its breakdown's, else the one its trend is drawn from."""
    return filters.by or _trend_dimension(filters)


def summarise(session: Session, filters: Filters, known: Choices, *, threshold: int, direct: bool = False) -> Summary:
    """The summary of a view. `direct` counts every figure from the filed rows instead of the daily totals: the
    reference the totals are proved against and measured against, never what a page uses."""
    themes = _themes(session)
    quarters = [filters.quarter.shift(-1), filters.quarter]
    read = read_directly if direct else _read
    cells = read(session, quarters, _dimension(filters), known, [theme.id for theme in themes])
    return _summary(cells, themes, filters, known, threshold)


def overview(
    session: Session,
    filters: Filters,
    known: Choices,
    *,
    threshold: int,
    quarters: int = TREND_QUARTERS,
    direct: bool = False,
) -> tuple[Summary, Trend]:
    """The summary and its trend, as a page shows them together: read once where both come from the same table
    (for everyone, or one group), as `summarise` and `trend` would each read it. `direct` as for `summarise`."""
    themes = _themes(session)
    ids = [theme.id for theme in themes]
    along = _trend_dimension(filters)
    reader = read_directly if direct else _read
    read = reader(session, _trend_quarters(filters, quarters), along, known, ids)
    # A breakdown has a table of its own, for the quarter and the one before; otherwise the trend's table serves.
    own = _dimension(filters)
    cells = read if own == along else reader(session, [filters.quarter.shift(-1), filters.quarter], own, known, ids)
    return _summary(cells, themes, filters, known, threshold), _trend(read, themes, filters, known, threshold)


def _summary(
    cells: Mapping[Quarter, _Cells], themes: Sequence[_Theme], filters: Filters, known: Choices, threshold: int
) -> Summary:
    quarter, before = filters.quarter, filters.quarter.shift(-1)
    ids = [theme.id for theme in themes]
    now, then = _protect(cells[quarter], ids, threshold), _protect(cells[before], ids, threshold)
    total, counts, feeling = _view(now, filters, known, quarter)
    previous_total, previous, _ = _view(then, filters, known, before)
    groups: dict[str, str] = {}
    group_totals: dict[str, Count] = {}
    if filters.by:
        groups = known.groups(filters.by, quarter)
        group_totals = dict(zip(groups, now.groups_total, strict=True))
    summaries = []
    for theme in themes:
        shown = counts[theme.id]
        share = None
        if not shown.suppressed and not total.suppressed and total.value:
            share = shown.value / total.value
        summaries.append(
            ThemeSummary(
                slug=theme.slug,
                label=theme.label,
                count=shown,
                previous=previous[theme.id],
                feeling=None if shown.suppressed else feeling[theme.id],
                share=share,
                groups=dict(zip(groups, now.groups[theme.id], strict=True)) if filters.by else {},
            )
        )
    return Summary(
        filters=filters,
        threshold=threshold,
        total=total,
        previous_total=previous_total,
        themes=_ordered(summaries),
        groups=groups,
        group_totals=group_totals,
    )


def _ordered(themes: Iterable[ThemeSummary]) -> list[ThemeSummary]:
    """Largest shown count first; then the hidden counts, by name (ordering them by their true size would leak
    it); then the themes nobody raised, by name (a hidden count is known to be more than none)."""

    def key(theme: ThemeSummary) -> tuple[int, int, str]:
        if theme.count.suppressed:
            return 1, 0, theme.label
        return (0, -theme.count.value, theme.label) if theme.count.value else (2, 0, theme.label)

    return sorted(themes, key=key)


@dataclass(frozen=True)
class Trend:
    quarters: list[Quarter]  # oldest first
    themes: dict[str, list[Count]]  # slug -> a count per quarter

    @property
    def labels(self) -> list[str]:
        return [quarter.label for quarter in self.quarters]


def trend(
    session: Session, filters: Filters, known: Choices, *, threshold: int, quarters: int = TREND_QUARTERS
) -> Trend:
    """Each theme by quarter, for the quarters up to the chosen one: each point the figure that quarter's own view
    publishes (for a group, the theme's protected cell in that quarter's table)."""
    periods = _trend_quarters(filters, quarters)
    themes = _themes(session)
    read = _read(session, periods, _trend_dimension(filters), known, [theme.id for theme in themes])
    return _trend(read, themes, filters, known, threshold)


def _trend_quarters(filters: Filters, quarters: int) -> list[Quarter]:
    return [filters.quarter.shift(-n) for n in range(quarters - 1, -1, -1)]


def _trend_dimension(filters: Filters) -> str:
    """The table a trend is drawn from: the group's, or (for everyone) any: by month."""
    return filters.group[0] if filters.group else "month"


def _trend(
    read: Mapping[Quarter, _Cells], themes: Sequence[_Theme], filters: Filters, known: Choices, threshold: int
) -> Trend:
    periods = sorted(read)
    ids = [theme.id for theme in themes]
    dimension, value = filters.group or ("month", None)
    points: dict[str, list[Count]] = {theme.slug: [] for theme in themes}
    for quarter in periods:
        cells = read[quarter]
        if value is None:
            for theme in themes:
                points[theme.slug].append(count(sum(cells.themes[theme.id]), threshold))
            continue
        table = _protect(cells, ids, threshold)
        i = list(known.groups(dimension, quarter)).index(value)
        for theme in themes:
            points[theme.slug].append(table.groups[theme.id][i])
    # A theme nobody raised in these quarters gets no line (a hidden count is known to be more than none).
    return Trend(periods, {slug: counts for slug, counts in points.items() if any(c.value for c in counts)})


@dataclass(frozen=True)
class Quote:
    text: str


def quotes(
    session: Session, slug: str, filters: Filters, *, threshold: int, limit: int = 20
) -> tuple[list[Quote], list[str]]:
    """A theme's redacted quotes for the quarter, newest first and no two alike, and the phrases that keep coming up
    in it.

    Only for everyone: quotes for one group, set beside the quotes for everyone, would tell which group a young
    person who said something is in. Nothing is shown unless the theme's own-words count for the quarter reaches
    the threshold. Quotes come only from what young people wrote to be heard: texts, answers in words and imported
    views; never a statement (written to a worker, not to the board), a message flagged for safeguarding, or an
    answer picked from a list. The messages not quoted are never from 1 to threshold-1, as the count less the
    quotes shown would give them. Phrases are shown, without a count, when as many messages as the threshold use
    them.
    """
    theme_id = session.scalar(select(Theme.id).where(Theme.slug == slug, Theme.retired_at.is_(None)))
    if theme_id is None:
        raise FilterError(f"Unknown theme {slug!r}.")
    if filters.group is not None:
        return [], []
    quarter = filters.quarter
    where = [
        MessageTheme.theme_id == theme_id,
        MessageTheme.received_at >= local_start(quarter.first),
        MessageTheme.received_at < local_start(quarter.last + timedelta(days=1)),
        MessageTheme.source.in_(daily.RAISED),
    ]
    cell = int(
        session.scalar(select(func.count()).select_from(MessageTheme).where(*where, MessageTheme.origin.in_(OWN_WORDS)))
        or 0
    )
    if cell < threshold:
        return [], []
    rows = session.execute(
        select(MessageAnalysis.redacted, MessageAnalysis.key_phrases)
        .select_from(MessageTheme)
        .join(MessageAnalysis, MessageAnalysis.inbound_message_id == MessageTheme.inbound_message_id)
        .where(*where, MessageTheme.origin.in_(QUOTABLE), MessageTheme.risk.is_(False))
        .order_by(MessageTheme.received_at.desc(), MessageTheme.id.desc())
        .limit(QUOTE_SCAN)
    ).all()
    # The redacted copy is encrypted, so an erased message (no words left) is left out here.
    worded = varied([text for text, _ in rows if text and text.strip()], limit)
    shown = len(worded)
    if hidden(cell - shown, threshold):
        shown = max(0, cell - threshold)
    phrases: dict[str, int] = {}
    for _, found in rows:
        for phrase in set(found or ()):
            phrases[phrase] = phrases.get(phrase, 0) + 1
    recurring = sorted((p for p, n in phrases.items() if n >= threshold), key=lambda p: (-phrases[p], p))
    return [Quote(text) for text in worded[:shown]], recurring[:15]


_WORD = re.compile(r"[a-z0-9']+")
# Two quotes whose words overlap this much (shared words over all their words) say the same thing.
NEAR_DUPLICATE = 0.6


def varied(texts: Sequence[str], limit: int) -> list[str]:
    """Up to `limit` of the texts, in their order, leaving out any that nearly repeats one already taken (the same
    words, give or take a few, or one inside the other): a board reads twenty different voices, not one twenty
    times."""
    taken: list[str] = []
    seen: list[set[str]] = []
    for text in texts:
        words = set(_WORD.findall(text.lower()))
        if not words:
            continue
        if any(
            len(words & other) / len(words | other) >= NEAR_DUPLICATE or words <= other or other <= words
            for other in seen
        ):
            continue
        taken.append(text)
        seen.append(words)
        if len(taken) == limit:
            break
    return taken


def report_rows(summary: Summary) -> list[dict[str, Any]]:
    """The summary as rows for a CSV, the command line and the API: one per theme, or one per theme and group with
    a breakdown; a hidden count is the mark "[c]" and takes its change, share and feeling with it. Feeling is the
    share negative, neutral and positive (each a share, or the mark where its count is hidden), for everyone only.
    A row with a hidden figure carries the footnote that says what the mark means."""
    rows = []
    note = footnote(summary.threshold)
    for theme in summary.themes:
        feeling = theme.feeling
        base: dict[str, Any] = {
            "slug": theme.slug,
            "label": theme.label,
            "count": theme.count.public(),
            "previous": theme.previous.public(),
            "change": theme.change,
            "direction": theme.direction,
            "share": None if theme.share is None else round(theme.share, 4),
            "feeling": None if feeling is None else feeling.words,
        }
        for name in daily.FEELINGS:
            share = None if feeling is None else feeling.share(name)
            base[name] = None if feeling is None else MARK if share is None else round(share, 2)
        if not summary.groups:
            rows.append({**base, "note": note if MARK in base.values() else ""})
            continue
        for key, label in summary.groups.items():
            cell = theme.groups[key]
            row = {**base, "by": summary.filters.by, "group": label, "group_count": cell.public()}
            rows.append({**row, "note": note if MARK in row.values() else ""})
    return rows


def write_csv(rows: list[dict[str, Any]], out: TextIO) -> None:
    """The rows as CSV, with any cell a spreadsheet would run as a formula made inert (labels are typed by staff)."""
    if rows:
        write_table(rows, out, list(rows[0]))


def report_document(summary: Summary) -> dict[str, Any]:
    """The summary as one JSON document: the quarter, the totals and the rows."""
    filters = summary.filters
    document: dict[str, Any] = {
        "period": str(filters.quarter),
        "since": filters.since.isoformat(),
        "until": filters.until.isoformat(),
        "complete": filters.complete,
        "filters": {k: v for k, v in filters.query().items() if k != "period"},
        "threshold": summary.threshold,
        "footnote": footnote(summary.threshold),
        "messages": summary.total.public(),
        "previous_messages": summary.previous_total.public(),
        "themes": report_rows(summary),
    }
    if summary.groups:
        document["groups"] = [
            {"group": label, "messages": summary.group_totals[key].public()} for key, label in summary.groups.items()
        ]
    return document

"""The theme summary the Champions Board and services read: for a period, each theme's count, its change against
the previous period of the same length, its sentiment and its share of all messages, with filters, a breakdown
and a trend by month. Every figure is computed in SQL (one GROUP BY over `message_theme`, whose rows carry what
summaries filter by) and passes through `suppression` before anyone sees it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TextIO

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.orm import Session

from feedback.clock import LOCAL_TIME
from feedback.models import MessageAnalysis, MessageTheme, Survey, SurveyVersion, Theme
from feedback.services.export import write_table
from feedback.services.people import AGE_BANDS, CARE_SETTING_LABELS, CARE_SETTINGS
from feedback.services.suppression import Count, count, protect_table

REMOVED = "removed"
DEFAULT_MONTHS = 3
TREND_MONTHS = 12
NOT_RECORDED = "Not recorded"
CHANNELS = ("sms", "web")
# What a summary can be broken down by, and the column each means.
BREAKDOWNS = ("channel", "survey", "locality", "age_band", "care_setting")
_COLUMN = {"survey": "survey_id"}
# The first day a period may touch. Long before any message, and far enough from year 1 that the period before one
# (up to five years) and a year's trend can still be counted back in dates.
EARLIEST = date(1900, 1, 1)


class FilterError(ValueError):
    """A filter that cannot be used; the message says which and why, in plain words."""


@dataclass(frozen=True)
class Filters:
    since: date
    until: date  # inclusive
    channel: str | None = None
    survey: str | None = None  # a survey's slug
    locality: str | None = None
    age_band: str | None = None
    care_setting: str | None = None
    by: str | None = None

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    @property
    def previous(self) -> tuple[date, date]:
        """The period of the same length just before this one."""
        return self.since - timedelta(days=self.days), self.since - timedelta(days=1)

    def query(self) -> dict[str, str]:
        """As URL parameters, for links that keep the filters."""
        values = {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "channel": self.channel,
            "survey": self.survey,
            "locality": self.locality,
            "age_band": self.age_band,
            "care_setting": self.care_setting,
            "by": self.by,
        }
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class Choices:
    """The values each filter accepts: anything else is refused."""

    localities: tuple[str, ...]
    surveys: Mapping[str, str]  # slug -> title
    channels: tuple[str, ...] = CHANNELS
    age_bands: tuple[str, ...] = AGE_BANDS
    care_settings: tuple[str, ...] = CARE_SETTINGS

    def labels(self, by: str) -> Mapping[str, str]:
        """The groups of a breakdown, with how each is shown."""
        if by == "channel":
            return {"sms": "Text message", "web": "Web"}
        if by == "survey":
            return dict(self.surveys)
        if by == "locality":
            return {name: name for name in self.localities}
        if by == "age_band":
            return {band: band for band in self.age_bands}
        return {setting: CARE_SETTING_LABELS[setting] for setting in self.care_settings}


def choices(session: Session, localities: Sequence[str]) -> Choices:
    rows = session.execute(
        select(Survey.slug, SurveyVersion.title)
        .join(SurveyVersion, SurveyVersion.survey_id == Survey.id)
        .order_by(Survey.slug, SurveyVersion.number)
    ).all()
    surveys: dict[str, str] = {slug: title for slug, title in rows}  # each survey's latest title
    return Choices(localities=tuple(localities), surveys=surveys)


def parse_filters(raw: Mapping[str, Any], known: Choices, *, today: date) -> Filters:
    """Filters from a URL, a form or the command line, checked against the values that exist."""

    def one(name: str) -> str | None:
        value = raw.get(name)
        if value is None:
            return None
        value = str(value).strip()
        return value or None

    until = _date(one("until"), "until") or today
    since = _date(one("since"), "since") or (months_before(until, DEFAULT_MONTHS) + timedelta(days=1))
    if since > until:
        raise FilterError(f"The period starts ({since.isoformat()}) after it ends ({until.isoformat()}).")
    if until > today:
        raise FilterError(f"The period cannot end in the future ({until.isoformat()}).")
    if (until - since).days > 366 * 5:
        raise FilterError("Choose a period of five years or less.")
    checks = {
        "channel": known.channels,
        "survey": tuple(known.surveys),
        "locality": known.localities,
        "age_band": known.age_bands,
        "care_setting": known.care_settings,
        "by": BREAKDOWNS,
    }
    values: dict[str, str | None] = {}
    for name, allowed in checks.items():
        value = one(name)
        if value is not None and value not in allowed:
            raise FilterError(f"Unknown {name.replace('_', ' ')} {value!r}: choose one of {', '.join(allowed)}.")
        values[name] = value
    return Filters(since=since, until=until, **values)


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


@dataclass(frozen=True)
class ThemeSummary:
    slug: str
    label: str
    count: Count
    previous: Count
    sentiment: float | None  # None where the count is hidden
    share: float | None  # of all messages in the period; None where the count is hidden
    groups: dict[str, Count] = field(default_factory=dict)

    @property
    def change(self) -> int | None:
        """The change against the previous period, only when neither count is hidden."""
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
    total: Count  # messages in the period
    previous_total: Count
    themes: list[ThemeSummary]  # largest first
    groups: dict[str, str] = field(default_factory=dict)  # breakdown key -> label, in order

    def theme(self, slug: str) -> ThemeSummary | None:
        return next((t for t in self.themes if t.slug == slug), None)


def _where(model: type[MessageAnalysis] | type[MessageTheme], filters: Filters, survey_id: int | None) -> list[Any]:
    conditions: list[ColumnElement[bool]] = []
    if filters.channel:
        conditions.append(model.channel == filters.channel)
    if filters.survey:
        conditions.append(model.survey_id == survey_id)
    for name in ("locality", "age_band", "care_setting"):
        value = getattr(filters, name)
        if value:
            conditions.append(getattr(model, name) == value)
    return conditions


def _survey_id(session: Session, filters: Filters) -> int | None:
    if not filters.survey:
        return None
    return session.scalar(select(Survey.id).where(Survey.slug == filters.survey))


def summarise(session: Session, filters: Filters, known: Choices, *, threshold: int) -> Summary:
    start, end = local_start(filters.since), local_start(filters.until + timedelta(days=1))
    before = local_start(filters.previous[0])
    survey_id = _survey_id(session, filters)
    current = MessageTheme.received_at >= start
    rows = session.execute(
        select(
            MessageTheme.theme_id,
            func.sum(case((current, 1), else_=0)),
            func.sum(case((current, 0), else_=1)),
            func.avg(case((current, MessageTheme.sentiment))),
        )
        .where(
            MessageTheme.received_at >= before,
            MessageTheme.received_at < end,
            MessageTheme.source != REMOVED,
            *_where(MessageTheme, filters, survey_id),
        )
        .group_by(MessageTheme.theme_id)
    ).all()
    in_period = MessageAnalysis.received_at >= start
    now_total, before_total = session.execute(
        select(func.sum(case((in_period, 1), else_=0)), func.sum(case((in_period, 0), else_=1))).where(
            MessageAnalysis.received_at >= before,
            MessageAnalysis.received_at < end,
            *_where(MessageAnalysis, filters, survey_id),
        )
    ).one()
    themes = session.execute(select(Theme.id, Theme.slug, Theme.label).where(Theme.retired_at.is_(None))).all()
    by_id = {row.theme_id: row for row in (_Row(*r) for r in rows)}
    groups = _groups(session, filters, known, period=(start, end), survey_id=survey_id) if filters.by else {}
    group_labels = dict(known.labels(filters.by)) if filters.by else {}
    if filters.by:
        group_labels[NOT_RECORDED] = NOT_RECORDED
    keys = list(group_labels)
    grid = [[groups.get((theme.id, key), 0) for key in keys] for theme in themes]
    protected = protect_table(grid, threshold) if filters.by else [[] for _ in themes]
    total = int(now_total or 0)
    summaries = []
    for theme, cells in zip(themes, protected, strict=True):
        row = by_id.get(theme.id, _Row(theme.id, 0, 0, None))
        shown = count(row.now, threshold)
        summaries.append(
            ThemeSummary(
                slug=theme.slug,
                label=theme.label,
                count=shown,
                previous=count(row.before, threshold),
                sentiment=None if shown.suppressed or row.feeling is None else round(float(row.feeling), 2),
                share=None if shown.suppressed or not total else row.now / total,
                groups=dict(zip(keys, cells, strict=True)),
            )
        )
    summaries.sort(key=lambda t: (-t.count.value, t.label))
    return Summary(
        filters=filters,
        threshold=threshold,
        total=count(total, threshold),
        previous_total=count(int(before_total or 0), threshold),
        themes=summaries,
        groups=group_labels,
    )


@dataclass(frozen=True)
class _Row:
    theme_id: int
    now: int
    before: int
    feeling: float | None


def _groups(
    session: Session, filters: Filters, known: Choices, *, period: tuple[datetime, datetime], survey_id: int | None
) -> dict[tuple[int, str], int]:
    """Each theme's count in the period for each group of the breakdown; messages with no value for it, or a
    value no longer configured, are counted as "not recorded" so that each theme's groups add up to its count."""
    by = filters.by or ""
    start, end = period
    column = getattr(MessageTheme, _COLUMN.get(by, by))
    rows = session.execute(
        select(MessageTheme.theme_id, column, func.count())
        .where(
            MessageTheme.received_at >= start,
            MessageTheme.received_at < end,
            MessageTheme.source != REMOVED,
            *_where(MessageTheme, filters, survey_id),
        )
        .group_by(MessageTheme.theme_id, column)
    ).all()
    keys = known.labels(by)
    slug_of: dict[int, str] = {}
    if by == "survey":
        slug_of = {survey_id: slug for survey_id, slug in session.execute(select(Survey.id, Survey.slug))}
    found: dict[tuple[int, str], int] = {}
    for theme_id, value, seen in rows:
        named = slug_of.get(value) if by == "survey" else value
        key = named if isinstance(named, str) and named in keys else NOT_RECORDED
        found[(theme_id, key)] = found.get((theme_id, key), 0) + int(seen)
    return found


@dataclass(frozen=True)
class Trend:
    months: list[str]  # YYYY-MM, oldest first
    themes: dict[str, list[Count]]  # slug -> a count per month


def trend(session: Session, filters: Filters, *, threshold: int, months: int = TREND_MONTHS) -> Trend:
    """Each theme by month for the months up to the end of the period, protected so that no hidden month can be
    worked out from the theme's total over them."""
    last = filters.until.replace(day=1)
    labels = [months_before(last, n).strftime("%Y-%m") for n in range(months - 1, -1, -1)]
    start = local_start(date.fromisoformat(labels[0] + "-01"))
    end = local_start(filters.until + timedelta(days=1))
    survey_id = _survey_id(session, filters)
    rows = session.execute(
        select(Theme.slug, MessageTheme.month, func.count())
        .join(Theme, Theme.id == MessageTheme.theme_id)
        .where(
            MessageTheme.received_at >= start,
            MessageTheme.received_at < end,
            MessageTheme.source != REMOVED,
            Theme.retired_at.is_(None),
            *_where(MessageTheme, filters, survey_id),
        )
        .group_by(Theme.slug, MessageTheme.month)
    ).all()
    found = {(slug, month): int(n) for slug, month, n in rows}
    slugs = sorted({slug for slug, _, _ in rows})
    grid = [[found.get((slug, month), 0) for month in labels] for slug in slugs]
    return Trend(labels, dict(zip(slugs, protect_table(grid, threshold), strict=True)))


@dataclass(frozen=True)
class Quote:
    text: str
    month: str


def quotes(
    session: Session, slug: str, filters: Filters, *, threshold: int, limit: int = 20
) -> tuple[list[Quote], list[tuple[str, int]]]:
    """A theme's redacted quotes, newest first, and the phrases that keep coming up in it, for the period and
    filters. Nothing is shown unless the theme's count in that cell reaches the threshold; risk-flagged messages
    are never quoted; phrases are shown only when as many messages as the threshold use them."""
    start, end = local_start(filters.since), local_start(filters.until + timedelta(days=1))
    theme_id = session.scalar(select(Theme.id).where(Theme.slug == slug, Theme.retired_at.is_(None)))
    if theme_id is None:
        raise FilterError(f"Unknown theme {slug!r}.")
    survey_id = _survey_id(session, filters)
    where = [
        MessageTheme.theme_id == theme_id,
        MessageTheme.received_at >= start,
        MessageTheme.received_at < end,
        MessageTheme.source != REMOVED,
        *_where(MessageTheme, filters, survey_id),
    ]
    cell = int(session.scalar(select(func.count()).select_from(MessageTheme).where(*where)) or 0)
    if cell < threshold:
        return [], []
    rows = session.execute(
        select(MessageAnalysis.redacted, MessageTheme.month, MessageAnalysis.key_phrases)
        .join(MessageAnalysis, MessageAnalysis.inbound_message_id == MessageTheme.inbound_message_id)
        .where(*where, MessageTheme.risk.is_(False))
        .order_by(MessageTheme.received_at.desc())
        .limit(500)
    ).all()
    shown = [Quote(text, month or "") for text, month, _ in rows[:limit] if text]
    phrases: dict[str, int] = {}
    for _, _, found in rows:
        for phrase in set(found or ()):
            phrases[phrase] = phrases.get(phrase, 0) + 1
    recurring = sorted(((p, n) for p, n in phrases.items() if n >= threshold), key=lambda item: (-item[1], item[0]))
    return shown, recurring[:15]


def report_rows(summary: Summary) -> list[dict[str, Any]]:
    """The summary as rows for a CSV, the command line and the API: one per theme, or one per theme and group with
    a breakdown; a hidden count is the string "<10" and takes its change, share and sentiment with it."""
    rows = []
    for theme in summary.themes:
        base = {
            "slug": theme.slug,
            "label": theme.label,
            "count": theme.count.public(),
            "previous": theme.previous.public(),
            "change": theme.change,
            "direction": theme.direction,
            "share": None if theme.share is None else round(theme.share, 4),
            "sentiment": theme.sentiment,
        }
        if not summary.groups:
            rows.append(base)
            continue
        for key, label in summary.groups.items():
            cell = theme.groups[key]
            rows.append({**base, "by": summary.filters.by, "group": label, "group_count": cell.public()})
    return rows


def write_csv(rows: list[dict[str, Any]], out: TextIO) -> None:
    """The rows as CSV, with any cell a spreadsheet would run as a formula made inert (labels are typed by staff)."""
    if rows:
        write_table(rows, out, list(rows[0]))


def report_document(summary: Summary) -> dict[str, Any]:
    """The summary as one JSON document: the period, the totals and the rows."""
    return {
        "since": summary.filters.since.isoformat(),
        "until": summary.filters.until.isoformat(),
        "filters": {k: v for k, v in summary.filters.query().items() if k not in {"since", "until"}},
        "threshold": summary.threshold,
        "messages": summary.total.public(),
        "previous_messages": summary.previous_total.public(),
        "themes": report_rows(summary),
    }

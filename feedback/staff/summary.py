"""The Champions Board view: the theme summary with its filters and breakdowns, a theme's trend and quotes, the
CSV, and the printable report for a meeting. Thin: the figures come from `services.summary`, already protected.
"""

from __future__ import annotations

import io
from typing import Any

from flask import current_app, render_template, request
from werkzeug.wrappers import Response

from feedback.charts import line_chart
from feedback.clock import LOCAL_TIME, now
from feedback.extensions import current_session
from feedback.services import actions
from feedback.services import summary as summaries
from feedback.staff.views import bp, roles

# Aggregates and redacted quotes: never a phone number, a name or one young person's record.
SUMMARY_ROLES = ("admin", "champions", "manager")
REPORT_THEMES = 6
REPORT_QUOTES = 3


def _threshold() -> int:
    return int(current_app.config["SUPPRESSION_THRESHOLD"])


def _known() -> summaries.Choices:
    return summaries.choices(current_session(), current_app.config["LOCALITIES"])


def _filters(known: summaries.Choices) -> summaries.Filters:
    return summaries.parse_filters(request.args, known, today=now().astimezone(LOCAL_TIME).date())


# The page each view shows a bad filter on, with the filter form to put it right.
_PAGES = {
    "staff.summary": "staff/summary.html",
    "staff.summary_theme": "staff/summary_theme.html",
    "staff.report": "staff/report.html",
}


@bp.errorhandler(summaries.FilterError)
def bad_filter(error: summaries.FilterError) -> Any:
    """A filter that cannot be used: its message and a 400, on the page it was meant for (plain text for the CSV)."""
    template = _PAGES.get(request.endpoint or "")
    if template is None:
        return Response(str(error) + "\n", status=400, mimetype="text/plain")
    return render_template(template, error=str(error), known=_known(), args=request.args, summary=None), 400


def _charts(trend: summaries.Trend, themes: list[summaries.ThemeSummary]) -> dict[str, Any]:
    return {t.slug: line_chart(trend.months, trend.themes[t.slug]) for t in themes if t.slug in trend.themes}


@bp.get("/summary")
@roles(*SUMMARY_ROLES)
def summary() -> Any:
    known = _known()
    filters = _filters(known)
    session = current_session()
    result = summaries.summarise(session, filters, known, threshold=_threshold())
    trend = summaries.trend(session, filters, threshold=_threshold())
    charts = _charts(trend, result.themes[:REPORT_THEMES])
    return render_template(
        "staff/summary.html", summary=result, trend=trend, charts=charts, known=known, args=request.args
    )


@bp.get("/summary/themes/<slug>")
@roles(*SUMMARY_ROLES)
def summary_theme(slug: str) -> Any:
    known = _known()
    filters = _filters(known)
    quoted, phrases = summaries.quotes(current_session(), slug, filters, threshold=_threshold())
    result = summaries.summarise(current_session(), filters, known, threshold=_threshold())
    theme = result.theme(slug)
    trend = summaries.trend(current_session(), filters, threshold=_threshold())
    chart = line_chart(trend.months, trend.themes[slug]) if slug in trend.themes else None
    return render_template(
        "staff/summary_theme.html",
        summary=result,
        theme=theme,
        quotes=quoted,
        phrases=phrases,
        trend=trend,
        chart=chart,
        known=known,
        args=request.args,
    )


@bp.get("/summary.csv")
@roles(*SUMMARY_ROLES)
def summary_csv() -> Any:
    known = _known()
    filters = _filters(known)
    rows = summaries.report_rows(summaries.summarise(current_session(), filters, known, threshold=_threshold()))
    out = io.StringIO()
    summaries.write_csv(rows, out)
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="themes-{filters.since}-{filters.until}.csv"'},
    )


@bp.get("/report")
@roles(*SUMMARY_ROLES)
def report() -> Any:
    """One page to print for a Champions Board meeting: top and rising themes with their trends and quotes, and
    what was done about them."""
    known = _known()
    filters = _filters(known)
    session = current_session()
    result = summaries.summarise(session, filters, known, threshold=_threshold())
    trend = summaries.trend(session, filters, threshold=_threshold())
    top = [t for t in result.themes if not t.count.suppressed and t.count.value][:REPORT_THEMES]
    rising = sorted((t for t in result.themes if t.direction == "rising"), key=lambda t: -(t.change or 0))[
        :REPORT_THEMES
    ]
    quotes = {
        t.slug: summaries.quotes(session, t.slug, filters, threshold=_threshold())[0][:REPORT_QUOTES] for t in top
    }
    charts = _charts(trend, top)
    done = actions.listed(session)[:30]
    return render_template(
        "staff/report.html",
        summary=result,
        top=top,
        rising=rising,
        quotes=quotes,
        charts=charts,
        trend=trend,
        actions=done,
        known=known,
        args=request.args,
    )

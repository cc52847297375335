"""The Champions Board view: the theme summary for a quarter, for everyone or one group, or broken down, a theme's
trend and quotes, the CSV, and the printable report for a meeting. Thin: the figures come from `insight.summary`,
already protected.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from feedback.actions import operations as actions
from feedback.core.clock import local_date, now
from feedback.core.permissions import Capability
from feedback.extensions import current_session
from feedback.insight import summary as summaries
from feedback.insight import suppression
from feedback.insight.charts import line_chart
from feedback.staff.views import bp, requires

REPORT_THEMES = 6
REPORT_QUOTES = 3


# The suppression mark's footnote, worded once (`insight.suppression`), for every page and macro that shows a count.
bp.add_app_template_global(suppression.footnote, "hidden_footnote")


def _threshold() -> int:
    return int(current_app.config["SUPPRESSION_THRESHOLD"])


def _known() -> summaries.Choices:
    return summaries.choices(current_session(), current_app.config["LOCALITIES"])


def _today() -> date:
    return local_date(now())


def _filters(known: summaries.Choices) -> summaries.Filters:
    return summaries.parse_filters(request.args, known, today=_today())


def _form(known: summaries.Choices) -> summaries.Form:
    return summaries.form(known, request.args, today=_today())


def _canonical(filters: summaries.Filters, **values: str) -> Response | None:
    """The form sends its one "Show" menu as `show=locality:Hamilton`: answer with the page's own address instead
    (`locality=Hamilton`), so that what is bookmarked or shared reads plainly."""
    if "show" not in request.args:
        return None
    target: dict[str, Any] = {**values, **filters.query()}
    return redirect(url_for(request.endpoint or "staff.summary", **target))


# The page each view shows a bad filter on, with the filter form to put it right.
_PAGES = {
    "staff.summary": "insight/summary.html",
    "staff.summary_theme": "insight/summary_theme.html",
    "staff.report": "insight/report.html",
}


@bp.errorhandler(summaries.FilterError)
def bad_filter(error: summaries.FilterError) -> Any:
    """A filter that cannot be used: its message and a 400, on the page it was meant for (plain text for the CSV)."""
    template = _PAGES.get(request.endpoint or "")
    if template is None:
        return Response(str(error) + "\n", status=400, mimetype="text/plain")
    known = _known()
    return render_template(template, error=str(error), form=_form(known), threshold=_threshold(), summary=None), 400


def _charts(trend: summaries.Trend, themes: list[summaries.ThemeSummary]) -> dict[str, Any]:
    return {t.slug: line_chart(trend.labels, trend.themes[t.slug]) for t in themes if t.slug in trend.themes}


@bp.get("/summary")
@requires(Capability.SEE_SUMMARIES)
def summary() -> ResponseReturnValue:
    known = _known()
    filters = _filters(known)
    if moved := _canonical(filters):
        return moved
    session = current_session()
    result, trend = summaries.overview(session, filters, known, threshold=_threshold())
    charts = _charts(trend, result.themes[:REPORT_THEMES])
    return render_template(
        "insight/summary.html",
        summary=result,
        trend=trend,
        charts=charts,
        form=_form(known),
        threshold=_threshold(),
        group=_group_name(known, filters),
    )


@bp.get("/summary/themes/<slug>")
@requires(Capability.SEE_SUMMARIES)
def summary_theme(slug: str) -> ResponseReturnValue:
    """A theme's figures, trend and quotes. Quotes are for everyone in the quarter only: the page for one group
    says why, and links to everyone's."""
    known = _known()
    filters = _filters(known)
    if moved := _canonical(filters, slug=slug):
        return moved
    session = current_session()
    quoted, phrases = summaries.quotes(session, slug, filters, threshold=_threshold())
    result, trend = summaries.overview(session, filters, known, threshold=_threshold())
    theme = result.theme(slug)
    chart = line_chart(trend.labels, trend.themes[slug]) if slug in trend.themes else None
    everyone = {"period": str(filters.quarter)}  # the same theme and quarter, for everyone: where quotes are
    return render_template(
        "insight/summary_theme.html",
        summary=result,
        theme=theme,
        quotes=quoted,
        phrases=phrases,
        trend=trend,
        chart=chart,
        group=_group_name(known, filters),
        everyone=everyone,
    )


@bp.get("/summary.csv")
@requires(Capability.SEE_SUMMARIES)
def summary_csv() -> ResponseReturnValue:
    known = _known()
    filters = _filters(known)
    rows = summaries.report_rows(summaries.summarise(current_session(), filters, known, threshold=_threshold()))
    out = io.StringIO()
    summaries.write_csv(rows, out)
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="themes-{filters.quarter}.csv"'},
    )


@bp.get("/report")
@requires(Capability.SEE_SUMMARIES)
def report() -> ResponseReturnValue:
    """One page to print for a Champions Board meeting: top and rising themes with their trends and quotes (for
    everyone only), and what was done about them."""
    known = _known()
    filters = _filters(known)
    if moved := _canonical(filters):
        return moved
    session = current_session()
    result, trend = summaries.overview(session, filters, known, threshold=_threshold())
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
        "insight/report.html",
        summary=result,
        top=top,
        rising=rising,
        quotes=quotes,
        charts=charts,
        trend=trend,
        actions=done,
        group=_group_name(known, filters),
    )


def _group_name(known: summaries.Choices, filters: summaries.Filters) -> str | None:
    """The one group a view is for, in words ("locality Hamilton"), or None for everyone."""
    if filters.group is None:
        return None
    name, value = filters.group
    return f"{summaries.DIMENSION_NAMES[name].lower()} {known.labels(name).get(value, value)}"

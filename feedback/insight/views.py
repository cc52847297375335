"""The Champions Board view: the theme summary for a quarter, for everyone or one group, or broken down, a theme's
trend and quotes, the CSV, and the printable report for a meeting. Thin: the figures come from `insight.summary`,
already protected.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from flask import current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from feedback.actions import operations as actions
from feedback.advocacy import operations as advocacy
from feedback.core.clock import local_date, now
from feedback.core.permissions import Capability
from feedback.extensions import current_session
from feedback.insight import charts, suppression, survey_charts, survey_results
from feedback.insight import summary as summaries
from feedback.staff.views import bp, requires
from feedback.surveys import operations as surveys
from feedback.surveys.models import SurveyPurpose

REPORT_THEMES = 6
REPORT_QUOTES = 3
BREAKDOWN_THEMES = 3  # the themes drawn beside all messages in each group of a breakdown


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


def _names(trend: summaries.Trend) -> list[str]:
    return [quarter.name for quarter in trend.quarters]


def _overview_chart(result: summaries.Summary) -> charts.BarChart:
    quarter = result.filters.quarter
    return charts.overview_chart(
        [(t.label, t.count, t.previous) for t in result.themes], quarter=quarter.name, before=quarter.shift(-1).name
    )


def _trends(trend: summaries.Trend, themes: list[summaries.ThemeSummary]) -> list[tuple[summaries.ThemeSummary, Any]]:
    """Every theme with a line in the trend (not only the top few), in the summary's order, each a small chart on
    one scale shared by all of them."""
    lined = [t for t in themes if t.slug in trend.themes]
    drawn = charts.small_multiples(trend.labels, [(t.label, trend.themes[t.slug]) for t in lined], names=_names(trend))
    return list(zip(lined, drawn, strict=True))


def _breakdown_chart(result: summaries.Summary) -> charts.BarChart | None:
    """All messages and the top themes (the largest shown counts in the quarter) in each group of the breakdown."""
    if not result.groups or not result.filters.by:
        return None
    top = [t for t in result.themes if not t.count.suppressed and t.count.value][:BREAKDOWN_THEMES]
    rows = [(label, [result.group_totals[key], *(t.groups[key] for t in top)]) for key, label in result.groups.items()]
    dimension = summaries.DIMENSION_NAMES[result.filters.by].lower()
    return charts.breakdown_chart(rows, ["All messages", *(t.label for t in top)], dimension=dimension)


def _feelings(themes: list[summaries.ThemeSummary]) -> dict[str, charts.FeelingBar]:
    """A stacked bar of each theme's feeling, where it is shown (for everyone, and a count that is shown)."""
    return {
        t.slug: charts.feeling_bar(t.feeling.parts, title=f"{t.label}: how the messages felt")
        for t in themes
        if t.feeling is not None and t.feeling.total
    }


@bp.get("/summary")
@requires(Capability.SEE_SUMMARIES)
def summary() -> ResponseReturnValue:
    known = _known()
    filters = _filters(known)
    if moved := _canonical(filters):
        return moved
    session = current_session()
    result, trend = summaries.overview(session, filters, known, threshold=_threshold())
    return render_template(
        "insight/summary.html",
        summary=result,
        trend=trend,
        overview=_overview_chart(result),
        trends=_trends(trend, result.themes),
        breakdown=_breakdown_chart(result),
        feelings=_feelings(result.themes),
        form=_form(known),
        threshold=_threshold(),
        group=_group_name(known, filters),
    )


@bp.get("/summary/themes/<slug>")
@requires(Capability.SEE_SUMMARIES)
def summary_theme(slug: str) -> ResponseReturnValue:
    """A theme's figures, feeling, trend and quotes, and the survey questions that ask about it. Quotes are for
    everyone in the quarter only: the page for one group says why, and links to everyone's."""
    known = _known()
    filters = _filters(known)
    if moved := _canonical(filters, slug=slug):
        return moved
    session = current_session()
    quoted, phrases = summaries.quotes(session, slug, filters, threshold=_threshold())
    result, trend = summaries.overview(session, filters, known, threshold=_threshold())
    theme = result.theme(slug)
    chart = None
    if theme is not None and slug in trend.themes:
        chart = charts.line_chart(trend.labels, trend.themes[slug], title=theme.label, names=_names(trend))
    everyone = {"period": str(filters.quarter)}  # the same theme and quarter, for everyone: where quotes are
    return render_template(
        "insight/summary_theme.html",
        summary=result,
        theme=theme,
        quotes=quoted,
        phrases=phrases,
        trend=trend,
        chart=chart,
        feeling=_feelings([theme]).get(slug) if theme else None,
        asked=_asked_about(session, slug),
        group=_group_name(known, filters),
        everyone=everyone,
    )


@dataclass(frozen=True)
class Asked:
    """A survey question whose fixed themes include a theme: where the board can read its answers."""

    survey: str  # the survey's title
    question: str
    url: str


def _asked_about(session: Session, slug: str) -> list[Asked]:
    """The questions of the surveys running now (each one's current version, surveys only: never a statement)
    filed under the theme."""
    found = []
    for listed in surveys.list_surveys(session):
        if listed.purpose != SurveyPurpose.SURVEY or listed.current is None:
            continue
        version = surveys.current_version(session, listed.slug)
        for question in version.questions:
            if slug in (question.themes or ()):
                found.append(Asked(version.title, question.web_text or question.text, _results_url(listed.slug)))
    return found


def _results_url(slug: str) -> str:
    """A survey's results page (`/staff/surveys/<slug>/results`), by its endpoint once one serves it."""
    for rule in current_app.url_map.iter_rules():
        if rule.rule == "/staff/surveys/<slug>/results":
            return url_for(rule.endpoint, slug=slug)
    return f"/staff/surveys/{quote(slug)}/results"


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
    """The board pack to print for a Champions Board meeting: a cover, the top and rising themes with the overview
    chart, each top theme's trend and quotes (for everyone only), what was done about them, and the advocacy
    headline against the Promise's target."""
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
    lines = {
        t.slug: charts.line_chart(trend.labels, trend.themes[t.slug], title=t.label, names=_names(trend))
        for t in top
        if t.slug in trend.themes
    }
    done = actions.listed(session)[:30]
    return render_template(
        "insight/report.html",
        surveys=_survey_results(session, filters, known),
        summary=result,
        top=top,
        rising=rising,
        quotes=quotes,
        overview=_overview_chart(result),
        lines=lines,
        feelings=_feelings(top),
        trend=trend,
        actions=done,
        status_words=actions.STATUS_WORDS,
        done=actions.DONE,
        advocacy=_advocacy(session, filters),
        group=_group_name(known, filters),
    )


@dataclass(frozen=True)
class SurveyQuestion:
    result: survey_results.QuestionResult
    chart: survey_charts.BarChart
    desc: str  # the chart's main point in words


@dataclass(frozen=True)
class SurveyResults:
    title: str
    url: str
    questions: list[SurveyQuestion]


def _running(session: Session) -> list[str]:
    """The slugs of the surveys running now: a current (published, open) version, and a survey, not a statement."""
    return [s.slug for s in surveys.list_surveys(session) if s.purpose == SurveyPurpose.SURVEY and s.current]


def _survey_results(
    session: Session, filters: summaries.Filters, known: summaries.Choices
) -> list[SurveyResults] | None:
    """Each running survey's protected results for the quarter, for everyone (`insight.survey_results`), with a
    bar chart of each question's answers (`insight.survey_charts`). None for a group's pack: survey results are
    for everyone only."""
    if filters.group is not None:
        return None
    asked = survey_results.Request(filters.quarter, filters.complete)
    found = []
    for slug in _running(session):
        result = survey_results.results(session, slug, asked, known, threshold=_threshold())
        questions = []
        for question in result.questions:
            answers = [(a.label, a.count, a.share) for a in question.answers]
            questions.append(SurveyQuestion(question, survey_charts.bar_chart(answers), _answered_most(question)))
        found.append(SurveyResults(result.title, _results_url(slug), questions))
    return found


def _answered_most(question: survey_results.QuestionResult) -> str:
    """A question's chart in words: how many answered, and the answer given most."""
    shown = [a for a in question.answers if not a.count.suppressed and a.count.value]
    if question.answered.suppressed:
        return "How many answered is hidden ([c])."
    if not shown:
        return f"{question.answered.value} answered; no answer has a count big enough to show."
    most = max(shown, key=lambda a: a.count.value)
    given = survey_charts.written(most.count, most.share)
    words = f"{question.answered.value} answered. The answer given most: {most.label}, {given}."
    hidden = sum(1 for a in question.answers if a.count.suppressed)
    return words + (f" {hidden} hidden ([c])." if hidden else "")


@dataclass(frozen=True)
class Advocacy:
    """The board pack's advocacy headline: the share of eligible young people offered or accepting advocacy in the
    quarter, against the target; `share` is None where the numbers behind it are small."""

    share: float | None
    target: float
    eligible: int

    @property
    def met(self) -> bool:
        return self.share is not None and self.share >= self.target


def _advocacy(session: Session, filters: summaries.Filters) -> Advocacy:
    """`advocacy.report` for the quarter (so far), for everyone. Its figures are for advocacy staff and are not
    protected, so the board sees only the share, and not even that where the young people eligible, offered or
    not offered number from 1 to threshold-1: a share of 9 would tell a small number, and one of 100% or 0% of
    a few would say what each of them was offered."""
    target = float(current_app.config["ADVOCACY_TARGET"])
    until = min(filters.until, _today())
    found = advocacy.report(
        session,
        since=filters.since,
        until=until,
        target=target,
        localities=current_app.config["LOCALITIES"],
    ).overall
    threshold = _threshold()
    small = any(
        suppression.hidden(n, threshold)
        for n in (found.eligible, found.offered_or_accepted, found.eligible - found.offered_or_accepted)
    )
    share = None if small or not found.eligible else found.share
    return Advocacy(share, target, found.eligible)


def _group_name(known: summaries.Choices, filters: summaries.Filters) -> str | None:
    """The one group a view is for, in words ("locality Hamilton"), or None for everyone."""
    if filters.group is None:
        return None
    name, value = filters.group
    return f"{summaries.DIMENSION_NAMES[name].lower()} {known.labels(name).get(value, value)}"

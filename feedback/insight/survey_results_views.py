"""Survey results for staff: each question's answers for a quarter, as bars with the numbers beside them and in a
table, broken down if asked, with a trend by month, and the same figures as a CSV. Thin: the figures come from
`insight.survey_results`, already protected; the same capability as the theme summary."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from feedback.core.clock import local_date, now
from feedback.core.permissions import Capability
from feedback.extensions import current_session
from feedback.insight import summary as summaries
from feedback.insight import survey_results as results
from feedback.insight.survey_charts import bar_chart, written
from feedback.staff.views import bp, requires


@bp.app_template_global("surveys_with_results")
def surveys_with_results() -> list[tuple[str, str]]:
    """Each survey with results to show (slug, title), for the theme summary's links to them."""
    return results.listed(current_session())


def _threshold() -> int:
    return int(current_app.config["SUPPRESSION_THRESHOLD"])


def _today() -> date:
    return local_date(now())


def _known() -> summaries.Choices:
    return summaries.choices(current_session(), current_app.config["LOCALITIES"])


def _form(known: summaries.Choices) -> dict[str, Any]:
    """The filter form: the quarters the theme summary offers, and the breakdowns survey results take."""
    chosen = summaries.form(known, request.args, today=_today())
    return {
        "quarters": chosen.quarters,
        "period": chosen.period,
        "breakdowns": [(name, summaries.DIMENSION_NAMES[name]) for name in results.BREAKDOWNS],
        "by": (request.args.get("by") or "").strip(),
    }


@bp.get("/surveys/<slug>/results")
@requires(Capability.SEE_SUMMARIES)
def survey_results(slug: str) -> ResponseReturnValue:
    session = current_session()
    survey, title = results.find_survey(session, slug)
    known = _known()
    try:
        asked = results.parse_request(request.args, known, today=_today())
    except summaries.FilterError as error:
        page = render_template(
            "insight/survey_results.html",
            slug=survey.slug,
            title=title,
            form=_form(known),
            error=str(error),
            found=None,
            threshold=_threshold(),
        )
        return page, 400
    found = results.results(session, slug, asked, known, threshold=_threshold())
    trend = {t.key: t for t in results.trend(session, slug, asked, known, threshold=_threshold())}
    charts = {q.key: bar_chart([(a.label, a.count, a.share) for a in q.answers]) for q in found.questions}
    return render_template(
        "insight/survey_results.html",
        slug=survey.slug,
        title=title,
        form=_form(known),
        error=None,
        found=found,
        trend=trend,
        charts=charts,
        written=written,
        threshold=_threshold(),
    )


@bp.get("/surveys/<slug>/results.csv")
@requires(Capability.SEE_SUMMARIES)
def survey_results_csv(slug: str) -> ResponseReturnValue:
    session = current_session()
    results.find_survey(session, slug)
    known = _known()
    try:
        asked = results.parse_request(request.args, known, today=_today())
    except summaries.FilterError as error:
        return Response(str(error) + "\n", status=400, mimetype="text/plain")
    out = io.StringIO()
    results.write_csv(results.results(session, slug, asked, known, threshold=_threshold()), out)
    name = f"{slug}-{asked.quarter}" + (f"-by-{asked.by}" if asked.by else "")
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )

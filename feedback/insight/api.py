"""The read-only JSON API for council dashboards: the theme summary, with the same filters and the same
suppression as the page and the CSV. Authenticated by a bearer token (`feedback tokens create EMAIL`); no cookies,
so no CSRF, and nothing it answers can change anything."""

from __future__ import annotations

import json
import logging
from importlib import resources

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from feedback.accounts import tokens
from feedback.audit import operations as audit
from feedback.core import permissions
from feedback.core.clock import local_date, now
from feedback.core.permissions import Capability
from feedback.extensions import current_session, db
from feedback.insight import summary as summaries
from feedback.insight import survey_results as results

bp = Blueprint("api", __name__, url_prefix="/api/v1")
log = logging.getLogger(__name__)


def _error(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="feedback"'
    return response


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    """The OpenAPI description of this API (public: it holds no data), listing this service's own localities."""
    document = json.loads(resources.files("feedback").joinpath("data", "openapi.json").read_text(encoding="utf-8"))
    for parameter in document["paths"]["/themes"]["get"]["parameters"]:
        if parameter["name"] == "locality":
            parameter["schema"]["enum"] = [*current_app.config["LOCALITIES"], ""]
    return jsonify(document)


def _reader() -> Response | None:
    """None when the request carries the token of someone who may read summaries; else the refusal to answer."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    session = current_session()
    user = tokens.owner(session, token.strip(), now=now()) if scheme.lower() == "bearer" else None
    if user is None:
        db.session.commit()  # a refused token of a switched-off account is audited (`tokens.owner`)
        return _error(401, "A valid API token is needed: Authorization: Bearer <token>.")
    db.session.commit()  # when the token was last used
    if not permissions.can(user, Capability.SEE_SUMMARIES):
        log.warning("access refused: staff user %s (%s) to the API (%s)", user.id, user.role, request.path)
        audit.record(session, "refused", now=now(), staff=user, endpoint=request.endpoint, method="GET", status=403)
        db.session.commit()
        return _error(403, "This account's role cannot read summaries.")
    return None


def _blank_arguments() -> str | None:
    """The first query argument that is only spaces. An empty one means none (`by=`, as the staff pages' forms send
    it), but spaces are not one of the values the API's description lists for any argument."""
    return next((name for name, value in request.args.items(multi=True) if value and not value.strip()), None)


@bp.get("/themes")
def themes() -> ResponseReturnValue:
    if refused := _reader():
        return refused
    session = current_session()
    known = summaries.choices(session, current_app.config["LOCALITIES"])
    if blank := _blank_arguments():
        return _error(400, f"{blank} is only spaces: leave it out or empty, or give one of its values.")
    try:
        filters = summaries.parse_filters(request.args, known, today=local_date(now()))
    except summaries.FilterError as error:
        return _error(400, str(error))
    result = summaries.summarise(session, filters, known, threshold=int(current_app.config["SUPPRESSION_THRESHOLD"]))
    return jsonify(summaries.report_document(result))


@bp.get("/surveys/<slug>/results")
def survey_results(slug: str) -> ResponseReturnValue:
    """A survey's results for a quarter (`insight.survey_results`), with the same protection as its staff page."""
    if refused := _reader():
        return refused
    session = current_session()
    try:
        results.find_survey(session, slug)
    except results.SurveyResultsNotFound as error:
        return _error(404, str(error))
    known = summaries.choices(session, current_app.config["LOCALITIES"])
    if blank := _blank_arguments():
        return _error(400, f"{blank} is only spaces: leave it out or empty, or give one of its values.")
    try:
        asked = results.parse_request(request.args, known, today=local_date(now()))
    except summaries.FilterError as error:
        return _error(400, str(error))
    found = results.results(session, slug, asked, known, threshold=int(current_app.config["SUPPRESSION_THRESHOLD"]))
    return jsonify(results.report_document(found))

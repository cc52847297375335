"""The JSON API keeps to its OpenAPI description (feedback/data/openapi.json, served at /api/v1/openapi.json):
schemathesis generates requests from it, valid and invalid, and sends them to the app in-process (WSGI) with a
valid token. No request may get a 5xx; every answer has a documented status code, content type, headers and body."""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from feedback.accounts import operations as staff
from feedback.accounts import tokens
from feedback.core.clock import now
from feedback.extensions import db
from feedback.insight import filing as analysis
from tests.conftest import TwilioWebhook

PASSWORD = "a long enough password"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def token(app: Any, twilio: TwilioWebhook) -> str:
    """A champion's token, with messages to summarise: twelve about buses (shown), three about money (hidden) and ten
    about a football club."""
    texts = [f"the bus to college was late again, number {n}" for n in range(12)]
    texts += ["pure skint this week", "no money for the electric", "my UC got stopped"]
    texts += [f"I love going to the football club at the weekend, week {n}" for n in range(10)]
    for n, text in enumerate(texts):
        twilio.replies(text, sender=f"+4477009{500 + n:05d}")
    analysis.analyse_pending(db.session, now=now())
    staff.create_user(db.session, "dashboard@example.org", PASSWORD, "champions")
    value = tokens.create(db.session, "dashboard@example.org", now=now())
    db.session.commit()
    return value


def test_the_description_is_served_publicly_with_the_services_localities(app: Any, client: Any) -> None:
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200 and served.mimetype == "application/json"
    document = served.get_json()
    assert document["openapi"].startswith("3.")
    parameters = {p["name"]: p for p in document["paths"]["/themes"]["get"]["parameters"]}
    assert parameters["locality"]["schema"]["enum"] == [*app.config["LOCALITIES"], ""]  # empty: no filter
    assert set(document["paths"]["/themes"]["get"]["responses"]) == {"200", "400", "401", "403"}


def test_the_description_lists_every_filter_the_api_reads(app: Any) -> None:
    from feedback.insight import summary
    from feedback.people import operations as people

    with app.open_resource("../feedback/data/openapi.json") as raw:
        document = json.load(raw)
    parameters = {p["name"]: p["schema"] for p in document["paths"]["/themes"]["get"]["parameters"]}
    assert set(parameters) == {
        "period",
        "since",
        "until",
        "channel",
        "survey",
        "locality",
        "age_band",
        "care_setting",
        "by",
    }
    assert parameters["channel"]["enum"] == [*summary.CHANNELS, ""]
    assert parameters["age_band"]["enum"] == [*people.AGE_BANDS, ""]
    assert parameters["care_setting"]["enum"] == [*people.CARE_SETTINGS, ""]
    assert parameters["by"]["enum"] == [*summary.BREAKDOWNS, ""]
    assert document["components"]["schemas"]["Breakdown"]["enum"] == list(summary.BREAKDOWNS)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_the_themes_api_keeps_to_its_description(app: Any, token: str, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # Unknown parameters are ignored, as by most APIs, and the token is always the valid one (refusals: below).
    schema.config.generation.update(allow_extra_parameters=False, with_security_parameters=False)
    operation = schema["/themes"]["GET"]
    checks = [*CHECKS, negative_data_rejection] if mode is GenerationMode.NEGATIVE else CHECKS

    @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=checks)

    check()


@pytest.mark.parametrize("query", ["care_setting=%20", "locality=%20%20", "by=%20"])
def test_a_filter_of_only_spaces_is_refused_and_an_empty_one_means_none(app: Any, token: str, query: str) -> None:
    """Found by the negative checks above: `care_setting= ` was read as no filter, against the description."""
    headers = {"Authorization": f"Bearer {token}"}
    refused = app.test_client().get(f"/api/v1/themes?{query}", headers=headers)
    assert refused.status_code == 400 and "only spaces" in refused.json["error"]
    assert app.test_client().get(f"/api/v1/themes?{query.partition('=')[0]}=", headers=headers).status_code == 200


@pytest.mark.parametrize(
    ("headers", "status"),
    [({}, 401), ({"Authorization": "Bearer not-a-token"}, 401), ({"Authorization": "Basic abc"}, 401)],
)
def test_refusals_keep_to_the_description_too(app: Any, headers: dict[str, str], status: int) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    case = schema["/themes"]["GET"].Case(query={})
    response = case.call_and_validate(headers=headers, checks=CHECKS)
    assert response.status_code == status


def test_a_role_that_cannot_read_summaries_gets_the_documented_403(app: Any) -> None:
    staff.create_user(db.session, "worker@example.org", PASSWORD, "worker")
    value = tokens.create(db.session, "worker@example.org", now=now())
    db.session.commit()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    case = schema["/themes"]["GET"].Case(query={"by": "channel"})
    response = case.call_and_validate(headers={"Authorization": f"Bearer {value}"}, checks=CHECKS)
    assert response.status_code == 403


# --- survey results ----------------------------------------------------------------------------------------------


def test_the_survey_results_description_lists_what_the_api_reads(app: Any) -> None:
    from feedback.insight import survey_results

    with app.open_resource("../feedback/data/openapi.json") as raw:
        document = json.load(raw)
    operation = document["paths"]["/surveys/{slug}/results"]["get"]
    parameters = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert set(parameters) == {"slug", "period", "since", "until", "by"}
    assert parameters["by"]["enum"] == [*survey_results.BREAKDOWNS, ""]
    assert set(operation["responses"]) == {"200", "400", "401", "403", "404"}


@pytest.fixture
def answered_token(app: Any) -> str:
    """A champion's token, with answers to the example survey: some shown, some hidden."""
    from datetime import date

    from tests.insight.answers import insert, many

    insert(
        [
            *many(12, {"home": 4, "worker": "yes", "heard": "yes"}, date(2026, 10, 5), locality="Hamilton"),
            *many(3, {"home": 2, "worker": "no", "heard": "no"}, date(2026, 11, 5), care_setting="foster"),
            *many(10, {"home": 5, "worker": "not sure"}, date(2026, 7, 5), age_band="16-17"),
        ]
    )
    staff.create_user(db.session, "dashboard@example.org", PASSWORD, "champions")
    value = tokens.create(db.session, "dashboard@example.org", now=now())
    db.session.commit()
    return value


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
def test_the_survey_results_api_keeps_to_its_description(app: Any, answered_token: str, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.config.generation.update(allow_extra_parameters=False, with_security_parameters=False)
    operation = schema["/surveys/{slug}/results"]["GET"]
    checks = [*CHECKS, negative_data_rejection] if mode is GenerationMode.NEGATIVE else CHECKS

    @settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode), real=st.booleans())
    def check(case: Any, real: bool) -> None:
        if real:  # a made-up slug is a 404: half the time, the survey that has answers
            case.path_parameters = {"slug": "monthly-checkin"}
        case.call_and_validate(headers={"Authorization": f"Bearer {answered_token}"}, checks=checks)

    check()


@pytest.mark.parametrize(("headers", "status"), [({}, 401), ({"Authorization": "Bearer not-a-token"}, 401)])
def test_survey_results_refusals_keep_to_the_description_too(app: Any, headers: dict[str, str], status: int) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    case = schema["/surveys/{slug}/results"]["GET"].Case(path_parameters={"slug": "monthly-checkin"}, query={})
    response = case.call_and_validate(headers=headers, checks=CHECKS)
    assert response.status_code == status

"""The Champions Board's view in the browser, the CSV, the printable report, `feedback report themes` and the API:
the same protected figures everywhere, the right roles only, and bad filters refused clearly."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest

from feedback.clock import now
from feedback.extensions import db
from feedback.services import analysis, staff
from tests.conftest import TwilioWebhook
from tests.staff_client import signed_in

PASSWORD = "a long enough password"
SUMMARY_PAGES = ["/staff/summary", "/staff/summary/themes/transport", "/staff/summary.csv", "/staff/report"]
PHONE = re.compile(r"\+?44\s?7\d{3}|07\d{9}")


@pytest.fixture
def messages(app: Any, twilio: TwilioWebhook) -> None:
    """Twelve texts about buses and three about money, analysed."""
    texts = [f"the bus to college was late again, number {n}" for n in range(12)]
    texts += ["pure skint this week", "no money for the electric", "my UC got stopped"]
    for n, text in enumerate(texts):
        twilio.replies(text, sender=f"+4477009{500 + n:05d}")
    analysis.analyse_pending(db.session, now=now())


def _counts_are_protected(values: list[Any]) -> None:
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool):
            assert value == 0 or value >= 10, value
        else:
            assert value in (None, "<10") or (str(value).isdigit() and (int(value) == 0 or int(value) >= 10)), value


@pytest.mark.usefixtures("messages")
def test_champions_see_the_summary_trends_quotes_and_report_without_small_numbers(app: Any) -> None:
    champion = signed_in(app, "champions")
    page = champion.get("/staff/summary").get_data(as_text=True)
    assert "Getting around" in page and "&lt;10" in page
    assert "<svg" in page and "<table" in page  # a chart, with its numbers in a table behind it
    assert not PHONE.search(page)

    theme = champion.get("/staff/summary/themes/transport").get_data(as_text=True)
    assert "the bus to college was late again" in theme  # twelve messages: quotes may be shown
    money = champion.get("/staff/summary/themes/money").get_data(as_text=True)
    assert "skint" not in money and "No quotes are shown" in money

    exported = champion.get("/staff/summary.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    by_slug = {row["slug"]: row for row in rows}
    assert by_slug["transport"]["count"] == "12" and by_slug["money"]["count"] == "<10"
    _counts_are_protected([row["count"] for row in rows] + [row["previous"] for row in rows])

    report = champion.get("/staff/report").get_data(as_text=True)
    assert "Top themes" in report and "You said, we did" in report and "@media print" not in report
    assert not PHONE.search(report)


@pytest.mark.usefixtures("messages")
def test_breakdowns_hide_the_cell_that_would_give_a_small_one_away(app: Any) -> None:
    champion = signed_in(app, "champions")
    rows = list(csv.DictReader(io.StringIO(champion.get("/staff/summary.csv?by=channel").get_data(as_text=True))))
    _counts_are_protected([row["group_count"] for row in rows])
    transport = {row["group"]: row["group_count"] for row in rows if row["slug"] == "transport"}
    assert transport["Text message"] == "12" and transport["Web"] == "0"


@pytest.mark.parametrize(
    ("query", "says"),
    [("since=yesterday", "since must be a date"), ("locality=Atlantis", "Unknown locality"), ("by=phone", "Unknown")],
)
def test_bad_filters_get_a_clear_message_not_a_500(app: Any, query: str, says: str) -> None:
    champion = signed_in(app, "champions")
    for page in ("/staff/summary", "/staff/report", "/staff/summary.csv"):
        response = champion.get(f"{page}?{query}")
        assert response.status_code == 400
        assert says in response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["worker", "advocacy"])
def test_roles_without_access_get_403_and_no_figures(app: Any, role: str, caplog: Any) -> None:
    client = signed_in(app, role)
    for page in SUMMARY_PAGES:
        response = client.get(page)
        assert response.status_code == 403
        assert "Getting around" not in response.get_data(as_text=True)
    assert "access refused" in caplog.text


def test_anyone_signed_out_is_sent_to_sign_in(client: Any) -> None:
    for page in SUMMARY_PAGES:
        response = client.get(page)
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


@pytest.mark.usefixtures("messages")
def test_the_report_command_prints_the_same_protected_figures(app: Any, runner: Any) -> None:
    db.session.commit()
    result = runner.invoke(args=["report", "themes", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    themes = {row["slug"]: row for row in document["themes"]}
    assert themes["transport"]["count"] == 12 and themes["money"]["count"] == "<10"
    assert document["messages"] == 15 and document["threshold"] == 10
    _counts_are_protected([row["count"] for row in document["themes"]])

    as_csv = runner.invoke(args=["report", "themes", "--by", "locality", "--format", "csv"])
    assert as_csv.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert {"slug", "label", "count", "change", "group", "group_count"} <= set(rows[0])
    _counts_are_protected([row["group_count"] for row in rows])

    bad = runner.invoke(args=["report", "themes", "--since", "2026-02-30"])
    assert bad.exit_code == 2 and "since must be a date" in bad.output
    empty = runner.invoke(args=["report", "themes", "--since", "2020-01-01", "--until", "2020-01-31"])
    assert empty.exit_code == 0 and "transport" in empty.output  # an empty period is all zeros, not an error


@pytest.mark.usefixtures("messages")
def test_the_api_answers_with_a_token_and_the_same_suppression(app: Any, runner: Any) -> None:
    staff.create_user(db.session, "dashboard@example.org", PASSWORD, "champions")
    staff.create_user(db.session, "someone@example.org", PASSWORD, "worker")
    db.session.commit()
    token = runner.invoke(args=["tokens", "create", "dashboard@example.org"]).output.splitlines()[0].strip()
    worker_token = runner.invoke(args=["tokens", "create", "someone@example.org"]).output.splitlines()[0].strip()
    api = app.test_client()

    assert api.get("/api/v1/themes").status_code == 401
    assert api.get("/api/v1/themes", headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    assert api.get("/api/v1/themes", headers={"Authorization": f"Bearer {worker_token}"}).status_code == 403

    answer = api.get("/api/v1/themes?by=channel", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    themes = {row["slug"]: row for row in answer.get_json()["themes"] if row["group"] == "Text message"}
    assert themes["transport"]["group_count"] == 12 and themes["money"]["count"] == "<10"
    _counts_are_protected([row["group_count"] for row in answer.get_json()["themes"]])

    bad = api.get("/api/v1/themes?until=2099-01-01", headers={"Authorization": f"Bearer {token}"})
    assert bad.status_code == 400 and "future" in bad.get_json()["error"]

    assert runner.invoke(args=["tokens", "revoke", "dashboard@example.org"]).exit_code == 0
    assert api.get("/api/v1/themes", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert runner.invoke(args=["tokens", "create", "nobody@example.org"]).exit_code == 2

"""The Champions Board's view in the browser, the CSV, the printable report, `feedback report themes` and the API:
the same protected figures everywhere, the right roles only, and bad filters refused clearly; the issue's case (19
wrote about buses, 16 of them in Hamilton) gives no "3 elsewhere" anywhere."""

from __future__ import annotations

import csv
import io
import itertools
import json
import re
from typing import Any

import pytest
from sqlalchemy import select

from feedback.accounts import operations as staff
from feedback.actions import operations as actions
from feedback.core.clock import local_date, now
from feedback.core.plain_dates import long_date
from feedback.extensions import db
from feedback.insight import filing as analysis
from feedback.people.models import Person
from tests.conftest import TwilioWebhook
from tests.staff_client import signed_in

PASSWORD = "a long enough password"
SUMMARY_PAGES = ["/staff/summary", "/staff/summary/themes/transport", "/staff/summary.csv", "/staff/report"]
PHONE = re.compile(r"\+?44\s?7\d{3}|07\d{9}")
_serial = itertools.count(1)


@pytest.fixture
def messages(app: Any, twilio: TwilioWebhook) -> None:
    """Twelve texts about buses, three about money and ten about a football club, analysed."""
    texts = [f"the bus to college was late again, number {n}" for n in range(12)]
    texts += ["pure skint this week", "no money for the electric", "my UC got stopped"]
    texts += [f"I love going to the football club at the weekend, week {n}" for n in range(10)]
    for n, text in enumerate(texts):
        twilio.replies(text, sender=f"+4477009{500 + n:05d}")
    analysis.analyse_pending(db.session, now=now())


def _texts(twilio: TwilioWebhook, texts: list[str], *, first: int, locality: str) -> None:
    """Young people in one locality text in (the register gives their locality)."""
    for n, text in enumerate(texts):
        twilio.replies(text, sender=f"+4477008{first + n:05d}")
        person = db.session.scalars(select(Person).order_by(Person.id.desc())).first()
        assert person is not None
        person.locality = locality
        db.session.commit()
    analysis.analyse_pending(db.session, now=now())


@pytest.fixture
def buses(app: Any, twilio: TwilioWebhook) -> None:
    """The issue's case: 19 young people wrote about buses this quarter, 16 of them in Hamilton."""
    _texts(twilio, [f"the bus was late again, number {n}" for n in range(16)], first=0, locality="Hamilton")
    _texts(twilio, [f"the bus was late again, number {n}" for n in range(16, 19)], first=100, locality="Clydesdale")


def _token(runner: Any, email: str, role: str = "champions") -> str:
    staff.create_user(db.session, email, PASSWORD, role)
    db.session.commit()
    return str(runner.invoke(args=["tokens", "create", email]).output.splitlines()[0].strip())


def _counts_are_protected(values: list[Any]) -> None:
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool):
            assert value == 0 or value >= 10, value
        else:
            assert value in (None, "[c]") or (str(value).isdigit() and (int(value) == 0 or int(value) >= 10)), value


@pytest.mark.usefixtures("messages")
def test_champions_see_the_summary_trends_quotes_and_report_without_small_numbers(app: Any) -> None:
    champion = signed_in(app, "champions")
    page = champion.get("/staff/summary").get_data(as_text=True)
    assert "Getting around" in page and "[c]" in page
    assert "[c] hidden: fewer than 10, or hidden so that a smaller number cannot be worked out" in page
    assert "<svg" in page and "<table" in page  # a chart, with its numbers in a table behind it
    assert not PHONE.search(page)

    theme = champion.get("/staff/summary/themes/transport").get_data(as_text=True)
    assert "the bus to college was late again" in theme  # twelve messages: quotes may be shown
    money = champion.get("/staff/summary/themes/money").get_data(as_text=True)
    assert "skint" not in money and "No quotes are shown" in money
    assert "October to December 2026 (so far)" in page and "2026 Q4" in page  # the quarter, and the trend's axis

    exported = champion.get("/staff/summary.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    by_slug = {row["slug"]: row for row in rows}
    assert by_slug["transport"]["count"] == "12" and by_slug["money"]["count"] == "[c]"
    assert 'filename="themes-2026-Q4.csv"' in exported.headers["Content-Disposition"]
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


def test_the_board_pack_gives_an_actions_status_and_date_in_words(app: Any, messages: None) -> None:
    lead = staff.create_user(db.session, "lead@example.org", PASSWORD, "manager")
    today = local_date(now())
    proposed = actions.Proposed(
        "transport", "The bus is late", "We asked for a new timetable", "Throughcare team", actions.IN_PROGRESS, today
    )
    actions.create(db.session, proposed, created_by_id=lead.id, now=now())
    db.session.commit()
    report = signed_in(app, "champions").get("/staff/report").get_data(as_text=True)
    done = report.split('id="done"', 1)[1].split("</section>", 1)[0]
    assert f'<strong class="tag">{actions.STATUS_WORDS[actions.IN_PROGRESS]}</strong>' in done
    assert f"<td>{long_date(today)}</td>" in done
    assert today.isoformat() not in done and f">{actions.IN_PROGRESS.value}<" not in done


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("since=yesterday", "since must be a date"),
        ("locality=Atlantis", "Unknown locality"),
        ("by=phone", "Unknown"),
        ("locality=Hamilton&age_band=16-17", "Choose one group at a time"),
        ("locality=Hamilton&by=month", "A breakdown is for everyone"),
        ("since=2026-09-01&until=2026-10-31", "one calendar quarter at a time"),
        ("period=2027-Q1", "future"),
    ],
)
def test_bad_filters_get_a_clear_message_not_a_500(app: Any, query: str, says: str) -> None:
    champion = signed_in(app, "champions")
    for page in ("/staff/summary", "/staff/report", "/staff/summary.csv", "/staff/summary/themes/transport"):
        response = champion.get(f"{page}?{query}")
        assert response.status_code == 400
        assert says in response.get_data(as_text=True)
    assert 'name="period"' in champion.get(f"/staff/summary?{query}").get_data(as_text=True)  # the form, to fix it


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
    assert themes["transport"]["count"] == 12 and themes["money"]["count"] == "[c]"
    assert document["messages"] == 25 and document["threshold"] == 10
    assert (document["period"], document["since"], document["until"]) == ("2026-Q4", "2026-10-01", "2026-12-31")
    assert document["complete"] is False
    _counts_are_protected([row["count"] for row in document["themes"]])
    same = runner.invoke(args=["report", "themes", "--period", "2026q4", "--format", "json"])
    assert json.loads(same.output) == document

    as_csv = runner.invoke(args=["report", "themes", "--by", "locality", "--format", "csv"])
    assert as_csv.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(as_csv.output)))
    assert {"slug", "label", "count", "change", "group", "group_count"} <= set(rows[0])
    _counts_are_protected([row["group_count"] for row in rows])

    bad = runner.invoke(args=["report", "themes", "--since", "2026-02-30"])
    assert bad.exit_code == 2 and "since must be a date" in bad.output
    empty = runner.invoke(args=["report", "themes", "--since", "2020-01-01", "--until", "2020-01-31"])
    assert empty.exit_code == 0 and "transport" in empty.output  # an empty period is all zeros, not an error
    for refused, says in [
        (["--locality", "Hamilton", "--age-band", "16-17"], "Choose one group at a time"),
        (["--locality", "Hamilton", "--by", "channel"], "A breakdown is for everyone"),
        (["--since", "2026-06-01", "--until", "2026-11-01"], "one calendar quarter at a time"),
        (["--period", "2026-Q5"], "period must be a quarter"),
    ]:
        result = runner.invoke(args=["report", "themes", *refused])
        assert result.exit_code == 2 and says in result.output, (refused, result.output)
    hamilton = runner.invoke(args=["report", "themes", "--locality", "Hamilton", "--format", "json"])
    assert hamilton.exit_code == 0 and json.loads(hamilton.output)["filters"] == {"locality": "Hamilton"}


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
    assert themes["transport"]["group_count"] == 12 and themes["money"]["count"] == "[c]"
    _counts_are_protected([row["group_count"] for row in answer.get_json()["themes"]])
    assert answer.get_json()["groups"] == [
        {"group": "Text message", "messages": 25},
        {"group": "Web", "messages": 0},
        {"group": "Brought in from before the service", "messages": 0},
        {"group": "Not recorded", "messages": 0},
    ]

    bad = api.get("/api/v1/themes?until=2099-01-01", headers={"Authorization": f"Bearer {token}"})
    assert bad.status_code == 400 and "future" in bad.get_json()["error"]
    for query, says in [
        ("channel=sms&locality=Hamilton", "Choose one group at a time"),
        ("channel=sms&by=locality", "A breakdown is for everyone"),
        ("since=2026-01-01&until=2026-11-23", "one calendar quarter at a time"),
    ]:
        refused = api.get(f"/api/v1/themes?{query}", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 400 and says in refused.get_json()["error"], query

    assert runner.invoke(args=["tokens", "revoke", "dashboard@example.org"]).exit_code == 0
    assert api.get("/api/v1/themes", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert runner.invoke(args=["tokens", "create", "nobody@example.org"]).exit_code == 2


# --- the case: 19 about buses, 16 of them in Hamilton ------------------------------------------------


def _everywhere(app: Any, runner: Any, query: str) -> dict[str, Any]:
    """What the page, the CSV, the API and the command publish for getting around, for one query."""
    champion = signed_in(app, "champions")
    token = _token(runner, f"dashboard{next(_serial)}@example.org")
    page = champion.get(f"/staff/summary?{query}")
    assert page.status_code == 200
    rows = list(csv.DictReader(io.StringIO(champion.get(f"/staff/summary.csv?{query}").get_data(as_text=True))))
    api = app.test_client().get(f"/api/v1/themes?{query}", headers={"Authorization": f"Bearer {token}"}).get_json()
    options = ["--" + part.replace("_", "-") for part in query.split("&") if part]  # locality=X: --locality=X
    command = json.loads(runner.invoke(args=["report", "themes", "--format", "json", *options]).output)
    return {
        "page": re.search(r">Getting around</a></th>\s*<td>([^<]+)</td>", page.get_data(as_text=True)).group(1),  # type: ignore[union-attr]
        "csv": next(row["count"] for row in rows if row["slug"] == "transport"),
        "api": next(row["count"] for row in api["themes"] if row["slug"] == "transport"),
        "command": next(row["count"] for row in command["themes"] if row["slug"] == "transport"),
        "messages": (api["messages"], command["messages"]),
        "feeling": next(row["feeling"] for row in api["themes"] if row["slug"] == "transport"),
    }


@pytest.mark.usefixtures("buses")
def test_three_elsewhere_cannot_be_worked_out_from_any_view(app: Any, runner: Any) -> None:
    everyone = _everywhere(app, runner, "")
    assert (everyone["page"], everyone["csv"], everyone["api"], everyone["command"]) == ("19", "19", 19, 19)
    # Hamilton's 16 beside everyone's 19 would say 3 elsewhere: the other groups hold 3 between them, so Hamilton's
    # cell is hidden with theirs, in the view of Hamilton as in the breakdown, and its feeling with it.
    hamilton = _everywhere(app, runner, "locality=Hamilton")
    assert (hamilton["page"], hamilton["csv"], hamilton["api"], hamilton["command"]) == ("[c]", "[c]", "[c]", "[c]")
    assert hamilton["messages"] == ("[c]", "[c]") and hamilton["feeling"] is None
    token = _token(runner, "another@example.org")
    rows = app.test_client().get("/api/v1/themes?by=locality", headers={"Authorization": f"Bearer {token}"})
    cells = {row["group"]: row["group_count"] for row in rows.get_json()["themes"] if row["slug"] == "transport"}
    assert cells == {
        "Clydesdale": "[c]",
        "East Kilbride": 0,
        "Hamilton": "[c]",
        "Rutherglen/Cambuslang": 0,
        "Not recorded": 0,
    }
    # Two groups at once, or a group with a breakdown, are refused rather than answered.
    champion = signed_in(app, "champions")
    both = champion.get("/staff/summary?locality=Hamilton&channel=sms")
    assert both.status_code == 400 and "Choose one group at a time" in both.get_data(as_text=True)


@pytest.mark.usefixtures("buses")
def test_hamiltons_count_is_shown_once_the_rest_is_big_enough(app: Any, twilio: TwilioWebhook, runner: Any) -> None:
    _texts(twilio, [f"the bus was late again, number {n}" for n in range(19, 29)], first=200, locality="Clydesdale")
    hamilton = _everywhere(app, runner, "locality=Hamilton")
    # 29 about buses, 16 in Hamilton: 13 elsewhere is no small number, so Hamilton's 16 is shown everywhere.
    assert (hamilton["page"], hamilton["csv"], hamilton["api"], hamilton["command"]) == ("16", "16", 16, 16)
    assert hamilton["messages"] == (16, 16) and hamilton["feeling"] is None  # feeling is for everyone only


@pytest.mark.usefixtures("buses")
def test_a_groups_page_shows_no_quotes_and_says_why(app: Any, twilio: TwilioWebhook) -> None:
    _texts(twilio, [f"the bus was late again, number {n}" for n in range(19, 29)], first=200, locality="Clydesdale")
    champion = signed_in(app, "champions")
    everyone = champion.get("/staff/summary/themes/transport").get_data(as_text=True)
    assert "the bus was late again" in everyone
    hamilton = champion.get("/staff/summary/themes/transport?locality=Hamilton").get_data(as_text=True)
    assert "the bus was late again" not in hamilton and "16 messages" in hamilton
    assert 'class="hint">2026-' not in everyone  # a quote no longer carries its month
    assert "Quotes are shown for everyone in the quarter, not for one group" in hamilton
    assert 'href="/staff/summary/themes/transport?period=2026-Q4"' in hamilton
    report = champion.get("/staff/report?locality=Hamilton").get_data(as_text=True)
    assert "the bus was late again" not in report and "not for one group" in report


def test_the_forms_one_menu_of_groups_leads_to_a_plain_address(app: Any) -> None:
    champion = signed_in(app, "champions")
    moved = champion.get("/staff/summary?period=2026-Q4&show=locality%3AHamilton&by=")
    assert moved.status_code == 302 and moved.headers["Location"] == "/staff/summary?period=2026-Q4&locality=Hamilton"
    page = champion.get(moved.headers["Location"]).get_data(as_text=True)
    assert '<option value="locality:Hamilton" selected>Locality: Hamilton</option>' in page
    assert '<optgroup label="Age band">' in page and '<option value="2026-Q4" selected>' in page
    theme = champion.get("/staff/summary/themes/transport?show=")
    assert theme.status_code == 302 and theme.headers["Location"] == "/staff/summary/themes/transport?period=2026-Q4"


def test_periods_a_day_apart_give_the_same_quarter_not_a_day_to_subtract(
    app: Any, twilio: TwilioWebhook, clock: Any, runner: Any
) -> None:
    """The old periods ended on the day asked for: ending on the 23rd and on the 24th gave the 24th's messages by
    subtraction. Now both are the whole quarter so far, and a period across two quarters is refused."""
    _texts(twilio, [f"the bus was late again, number {n}" for n in range(12)], first=300, locality="Hamilton")
    clock.advance(days=1)
    _texts(twilio, ["the bus was late again, once more"], first=400, locality="Hamilton")
    token = _token(runner, "dashboard@example.org")
    api = app.test_client()

    def themes(query: str) -> dict[str, Any]:
        answer = api.get(f"/api/v1/themes?{query}", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.get_json()
        return dict(answer.get_json())

    before, after = themes("since=2026-10-01&until=2026-11-23"), themes("since=2026-10-01&until=2026-11-24")
    assert before == after == themes("period=2026-Q4") and before["messages"] == 13
    assert themes("until=2026-09-30")["period"] == "2026-Q3"
    across = api.get("/api/v1/themes?since=2026-09-30&until=2026-10-01", headers={"Authorization": f"Bearer {token}"})
    assert across.status_code == 400 and "one calendar quarter at a time" in across.get_json()["error"]

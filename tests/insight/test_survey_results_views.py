"""Survey results on the staff page, in its CSV, through the API and from `feedback report survey`: the same figures
cell for cell; the summary's capability (champions yes, a worker no); an unknown survey is 404 and a bad filter a
400 that says why."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from html import unescape
from typing import Any

import pytest

from feedback.accounts import operations as staff
from feedback.accounts import tokens
from feedback.core.clock import now
from feedback.extensions import db
from feedback.insight.suppression import MARK, footnote
from tests.insight.answers import SURVEY, insert, many
from tests.staff_client import signed_in

PASSWORD = "a long enough password"
PAGE = f"/staff/surveys/{SURVEY}/results"


@pytest.fixture
def answered(app: Any) -> None:
    insert(
        [
            *many(12, {"home": 4, "worker": "yes", "heard": "yes"}, date(2026, 10, 5), locality="Hamilton"),
            *many(10, {"home": 5, "worker": "no", "heard": "yes"}, date(2026, 11, 2), locality="Clydesdale"),
            *many(3, {"home": 1, "worker": "not sure", "heard": "no"}, date(2026, 11, 20), locality="Hamilton"),
        ]
    )
    db.session.commit()


def _token(role: str) -> str:
    staff.create_user(db.session, f"api-{role}@example.org", PASSWORD, role)
    value = tokens.create(db.session, f"api-{role}@example.org", now=now())
    db.session.commit()
    return value


def _cells_from_page(html: str) -> list[str]:
    """Every table cell of the page's answer tables (not the trend), in order."""
    tables = re.findall(r"<table class=\"data\">(.*?)</table>", html, flags=re.S)
    cells = []
    for table in tables:
        if "month by month" in table:
            continue
        cells += [unescape(c.strip()) for c in re.findall(r"<td>(.*?)</td>", table, flags=re.S)]
    return cells


@pytest.mark.parametrize("by", ["", "locality", "month"])
def test_the_page_the_csv_the_api_and_the_command_agree_cell_for_cell(
    app: Any, answered: None, runner: Any, by: str
) -> None:
    champion = signed_in(app, "champions")
    query = f"?period=2026-Q4&by={by}"
    page = champion.get(PAGE + query)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    api = app.test_client().get(
        f"/api/v1/surveys/{SURVEY}/results{query}", headers={"Authorization": f"Bearer {_token('champions')}"}
    )
    assert api.status_code == 200
    document = api.get_json()
    args = ["report", "survey", SURVEY, "--period", "2026-Q4", *(["--by", by] if by else [])]
    printed = runner.invoke(args=[*args, "--format", "json"])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output) == document
    assert document["footnote"] == footnote(10) and document["by"] == (by or None)

    rows = list(csv.DictReader(io.StringIO(champion.get(PAGE.replace("/results", "/results.csv") + query).text)))
    command_rows = list(csv.DictReader(io.StringIO(runner.invoke(args=[*args, "--format", "csv"]).output)))
    assert rows == command_rows
    # The CSV's rows, one per question and answer (and group), hold the document's counts.
    expected = []
    for question in document["questions"]:
        for i, answer in enumerate(question["answers"]):
            if not document["by"]:
                expected.append((question["key"], answer["label"], str(answer["count"]), ""))
                continue
            for group in question["groups"]:
                expected.append(
                    (question["key"], answer["label"], str(answer["count"]), str(group["answers"][i]["count"]))
                )
    assert [(r["question"], r["label"], r["count"], r.get("group_count", "")) for r in rows] == expected
    assert all(r["note"] == (footnote(10) if MARK in r.values() else "") for r in rows)

    # The page's tables, in order: for each question its answers (count, share), then with a breakdown its groups.
    cells = _cells_from_page(html)
    shown = []
    for question in document["questions"]:
        for answer in question["answers"]:
            share = "not shown" if answer["share"] is None else f"{answer['share'] * 100:.0f}%"
            shown += [str(answer["count"]), share]
        if document["by"]:
            shown += [str(g["answered"]) for g in question["groups"]]
            for i in range(len(question["answers"])):
                for group in question["groups"]:
                    cell = group["answers"][i]
                    count, share = cell["count"], cell["share"]
                    shown.append(str(count) if share is None else f"{count:,} ({share * 100:.0f}%)")
            if question["type"] == "rating":
                shown += ["not shown" if g["average"] is None else f"{g['average']:.1f}" for g in question["groups"]]
    assert cells == shown
    assert "[c]" in html and footnote(10) in html


def test_the_page_draws_each_answer_as_a_bar_with_words_and_no_bar_for_a_hidden_count(app: Any, answered: None) -> None:
    html = signed_in(app, "champions").get(PAGE + "?period=2026-Q4").get_data(as_text=True)
    assert html.count('role="img"') == 3 and "<title" in html
    chart = html.split("<svg", 2)[1]  # the rating: 1 (hidden), 2, 3 (none), 4 (12), 5 (10)
    assert "1 (Very bad)" in chart and "4 (Good)" in chart
    assert chart.count("<rect") == 1  # 4: the 1 and the 5 (hidden with it) have no bar, only the mark; 2 and 3 none
    assert ">[c]<" in chart and "12 (48%)" in chart
    assert "average not shown" in html
    assert f'href="/staff/surveys/{SURVEY}/results.csv?period=2026-Q4"' in html


def test_champions_may_see_results_and_a_worker_may_not(app: Any, answered: None) -> None:
    for role, status in (("champions", 200), ("manager", 200), ("admin", 200), ("worker", 403)):
        client = signed_in(app, role)
        assert client.get(PAGE).status_code == status, role
        assert client.get(PAGE + ".csv").status_code == status, role
    worker = _token("worker")
    response = app.test_client().get(f"/api/v1/surveys/{SURVEY}/results", headers={"Authorization": f"Bearer {worker}"})
    assert response.status_code == 403
    assert app.test_client().get(f"/api/v1/surveys/{SURVEY}/results").status_code == 401


def test_an_unknown_survey_or_a_statement_is_not_found(app: Any, runner: Any) -> None:
    champion = signed_in(app, "champions")
    token = _token("champions")
    for slug in ("no-such-survey", "statement-worried"):
        assert champion.get(f"/staff/surveys/{slug}/results").status_code == 404
        assert champion.get(f"/staff/surveys/{slug}/results.csv").status_code == 404
        answer = app.test_client().get(f"/api/v1/surveys/{slug}/results", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 404 and slug in answer.get_json()["error"]
        printed = runner.invoke(args=["report", "survey", slug])
        assert printed.exit_code == 2 and f"There is no survey '{slug}'" in printed.output


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("since=2026-09-01&until=2026-10-05", "is not in October to December 2026"),
        ("by=channel", "Unknown breakdown"),
        ("locality=Hamilton", "cannot be narrowed to one locality"),
        ("period=2026-Q9", "written like 2026-Q4"),
    ],
)
def test_a_bad_filter_is_a_400_that_says_why(app: Any, runner: Any, query: str, words: str) -> None:
    champion = signed_in(app, "champions")
    page = champion.get(f"{PAGE}?{query}")
    assert page.status_code == 400 and words in unescape(page.get_data(as_text=True))
    assert 'name="period"' in page.get_data(as_text=True)  # the form, to put it right
    plain = champion.get(f"{PAGE}.csv?{query}")
    assert plain.status_code == 400 and words in plain.get_data(as_text=True)
    answer = app.test_client().get(
        f"/api/v1/surveys/{SURVEY}/results?{query}", headers={"Authorization": f"Bearer {_token('champions')}"}
    )
    assert answer.status_code == 400 and words in answer.get_json()["error"]
    if "locality" not in query:
        options = [f"--{part.replace('=', ' ').split(' ')[0]}={part.split('=')[1]}" for part in query.split("&")]
        printed = runner.invoke(args=["report", "survey", SURVEY, *options])
        assert printed.exit_code == 2 and words in printed.output


def test_the_surveys_list_and_the_summary_link_to_results(app: Any) -> None:
    manager = signed_in(app, "manager")
    listed = manager.get("/staff/surveys").get_data(as_text=True)
    assert f'href="/staff/surveys/{SURVEY}/results"' in listed
    assert 'href="/staff/surveys/statement-worried/results"' not in listed  # a statement has no results
    summary = signed_in(app, "champions").get("/staff/summary").get_data(as_text=True)
    assert f"/staff/surveys/{SURVEY}/results" in summary

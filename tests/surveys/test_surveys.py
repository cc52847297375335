"""Surveys as data: import checks everything and writes nothing when it fails; versions; list; export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from feedback.extensions import db
from feedback.surveys import operations as surveys
from feedback.surveys.models import Survey
from tests.conftest import count

ISSUE_EXAMPLE = {
    "slug": "monthly-checkin-2",
    "title": "Monthly check-in",
    "keyword": "CHECKIN2",
    "intro": "Hi, it's the Champions Board. 3 quick questions, reply STOP to opt out.",
    "questions": [
        {"key": "home", "type": "rating", "text": "How are things where you live? Reply 1 (bad) to 5 (great)",
         "min": 1, "max": 5, "themes": ["home-placement"]},
        {"key": "worker", "type": "choice", "text": "Do you see your worker enough? Reply A yes, B no, C not sure",
         "choices": ["yes", "no", "not sure"]},
        {"key": "heard", "type": "yesno", "text": "Did you feel listened to at your last review?"},
        {"key": "change", "type": "text", "text": "What one thing would make life better?", "optional": True},
    ],
    "thanks": "Thanks! Your views go to the Champions Board.",
}  # fmt: skip


def write(tmp_path: Path, data: Any, name: str = "survey.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def variant(**changes: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(ISSUE_EXAMPLE))
    data.update(changes)
    return data


def test_the_issue_example_imports_published(app: Any, runner: Any, tmp_path: Path) -> None:
    result = runner.invoke(args=["surveys", "import", str(write(tmp_path, ISSUE_EXAMPLE))])
    assert result.exit_code == 0, result.output
    assert "Imported monthly-checkin-2 version 1 (published)" in result.output
    version = surveys.current_version(db.session, "monthly-checkin-2")
    assert [q.key for q in version.questions] == ["home", "worker", "heard", "change"]
    assert version.questions[0].themes == ["home-placement"]


def test_yaml_imports_too(app: Any, runner: Any, tmp_path: Path) -> None:
    yaml_text = """
slug: leaving-care
title: Leaving care
keyword: LEAVING
questions:
  - key: ready
    type: yesno
    text: Do you feel ready to move on?
"""
    result = runner.invoke(args=["surveys", "import", str(write(tmp_path, yaml_text, "survey.yaml"))])
    assert result.exit_code == 0, result.output
    assert surveys.current_version(db.session, "leaving-care").keyword == "LEAVING"


def test_importing_the_same_slug_again_makes_a_new_version(app: Any, runner: Any, tmp_path: Path) -> None:
    runner.invoke(args=["surveys", "import", str(write(tmp_path, ISSUE_EXAMPLE))])
    changed = variant(title="Monthly check-in (winter)")
    result = runner.invoke(args=["surveys", "import", str(write(tmp_path, changed, "v2.json"))])
    assert "version 2" in result.output
    assert surveys.current_version(db.session, "monthly-checkin-2").title == "Monthly check-in (winter)"
    first = surveys.get_version(db.session, "monthly-checkin-2", 1)
    assert first.title == "Monthly check-in"  # a version never changes


def test_a_draft_is_not_open_until_published(app: Any, runner: Any, tmp_path: Path) -> None:
    runner.invoke(args=["surveys", "import", str(write(tmp_path, variant(status="draft")))])
    with pytest.raises(surveys.SurveyNotFound):
        surveys.current_version(db.session, "monthly-checkin-2")
    assert surveys.find_by_keyword(db.session, "CHECKIN2") is None


def test_a_draft_of_a_new_version_leaves_the_published_one_open(app: Any, runner: Any, tmp_path: Path) -> None:
    runner.invoke(args=["surveys", "import", str(write(tmp_path, ISSUE_EXAMPLE))])
    runner.invoke(args=["surveys", "import", str(write(tmp_path, variant(status="draft", title="Next"), "d.json"))])
    assert surveys.current_version(db.session, "monthly-checkin-2").number == 1


BAD_FILES = [
    ("{not json", "not valid JSON"),
    ("[]", "a survey must be an object"),
    (variant(slug="Not A Slug"), "slug:"),
    (variant(title=""), "title:"),
    (variant(questions=[]), "questions:"),
    (variant(keyword="STOP"), "keyword: STOP is reserved"),
    (variant(keyword="two words"), "keyword:"),
    (variant(questions=[{"key": "q", "type": "slider", "text": "?"}]), "questions[0].type"),
    (variant(questions=[{"key": "q", "type": "text"}]), "questions[0].text"),
    (variant(questions=[{"key": "q", "type": "choice", "text": "?", "choices": ["only one"]}]), "questions[0]"),
    (variant(questions=[{"key": "q", "type": "rating", "text": "?", "min": 5, "max": 1}]), "questions[0]"),
    (variant(questions=[{"key": "q", "type": "yesno", "text": "?", "min": 1}]), "questions[0]"),
    (variant(questions=[{"key": "q", "type": "yesno", "text": "?"}] * 2), "question keys must be unique: q"),
    (variant(questions=[{"key": "q", "type": "text", "text": "?", "themes": ["no-such-theme"]}]),
     "questions[0].themes: unknown theme no-such-theme"),
]  # fmt: skip


@pytest.mark.parametrize(("content", "message"), BAD_FILES)
def test_a_bad_file_is_rejected_naming_the_field_and_nothing_is_written(
    app: Any, runner: Any, tmp_path: Path, content: Any, message: str
) -> None:
    before = (count("survey"), count("survey_version"), count("question"))
    result = runner.invoke(args=["surveys", "import", str(write(tmp_path, content))])
    assert result.exit_code == 1
    assert message in result.output
    assert "Nothing was imported" in result.output
    assert (count("survey"), count("survey_version"), count("question")) == before


def test_a_missing_file_is_a_clear_error(app: Any, runner: Any, tmp_path: Path) -> None:
    result = runner.invoke(args=["surveys", "import", str(tmp_path / "nope.json")])
    assert result.exit_code == 1
    assert "cannot be read" in result.output


def test_a_keyword_used_by_another_survey_is_refused(app: Any, runner: Any, tmp_path: Path) -> None:
    result = runner.invoke(args=["surveys", "import", str(write(tmp_path, variant(keyword="checkin")))])
    assert result.exit_code == 1
    assert "CHECKIN already starts the survey 'monthly-checkin'" in result.output
    assert db.session.scalar(select(Survey).where(Survey.slug == "monthly-checkin-2")) is None


def test_extra_keys_are_allowed_and_kept(app: Any, runner: Any, tmp_path: Path) -> None:
    data = variant(owner="Champions Board", review_by="2027-01-01")
    data["questions"][0]["note"] = "asked every month"
    runner.invoke(args=["surveys", "import", str(write(tmp_path, data))])
    exported = json.loads(runner.invoke(args=["surveys", "export", "monthly-checkin-2"]).output)
    assert exported["owner"] == "Champions Board"
    assert exported["questions"][0]["note"] == "asked every month"


def test_export_then_import_gives_the_same_survey(app: Any, runner: Any, tmp_path: Path) -> None:
    runner.invoke(args=["surveys", "import", str(write(tmp_path, ISSUE_EXAMPLE))])
    first = runner.invoke(args=["surveys", "export", "monthly-checkin-2"]).output
    runner.invoke(args=["surveys", "import", str(write(tmp_path, first, "again.json"))])
    second = runner.invoke(args=["surveys", "export", "monthly-checkin-2"]).output
    assert json.loads(first) == json.loads(second)
    assert surveys.current_version(db.session, "monthly-checkin-2").number == 2


def test_export_of_an_older_version_and_of_an_unknown_survey(app: Any, runner: Any, tmp_path: Path) -> None:
    runner.invoke(args=["surveys", "import", str(write(tmp_path, ISSUE_EXAMPLE))])
    runner.invoke(args=["surveys", "import", str(write(tmp_path, variant(title="Two"), "2.json"))])
    assert (
        json.loads(runner.invoke(args=["surveys", "export", "monthly-checkin-2", "--version", "1"]).output)["title"]
        == "Monthly check-in"
    )
    missing = runner.invoke(args=["surveys", "export", "no-such-survey"])
    assert missing.exit_code == 1
    assert "no survey 'no-such-survey'" in missing.output


def test_list_shows_each_survey_with_its_current_version(app: Any, runner: Any, tmp_path: Path) -> None:
    runner.invoke(args=["surveys", "import", str(write(tmp_path, ISSUE_EXAMPLE))])
    runner.invoke(args=["surveys", "import", str(write(tmp_path, variant(title="Two"), "2.json"))])
    lines = runner.invoke(args=["surveys", "list"]).output.splitlines()
    row = next(line for line in lines if line.startswith("monthly-checkin-2"))
    assert row.split()[:5] == ["monthly-checkin-2", "2", "2", "published", "CHECKIN2"]


def test_import_warns_about_long_or_non_gsm_messages(app: Any, runner: Any, tmp_path: Path) -> None:
    data = variant(intro="Hi! " + "This is a very long introduction. " * 12, thanks="Thanks ’cause it matters")
    result = runner.invoke(args=["surveys", "import", str(write(tmp_path, data))])
    assert result.exit_code == 0
    assert "intro and first question: needs 4 SMS segments (470 GSM-7 units)" in result.output
    assert "thanks: leaves GSM-7 because of '’'" in result.output


def test_answers_point_at_the_version_they_answered(app: Any, runner: Any, tmp_path: Path, twilio: Any) -> None:
    twilio.replies("CHECKIN")
    twilio.replies("4")
    changed = json.loads(runner.invoke(args=["surveys", "export", "monthly-checkin"]).output)
    changed["title"] = "Monthly check-in v2"
    runner.invoke(args=["surveys", "import", str(write(tmp_path, changed))])
    twilio.replies("a")  # still answering version 1
    export = runner.invoke(args=["responses", "export", "--format", "jsonl"]).output.splitlines()
    rows = [json.loads(line) for line in export if line.startswith("{")]
    assert [(r["question"], r["version"]) for r in rows] == [("home", 1), ("worker", 1)]

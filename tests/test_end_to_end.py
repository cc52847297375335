"""The whole SMS channel, end to end, as the issue's "done when" describes it: a survey run entirely by text
(start by keyword, a wrong answer re-asked, a redelivered MessageSid ignored, HELP, STOP then a send that skips
the opted-out number, export), with nothing about the young people in any log line."""

from __future__ import annotations

import csv
import io
import json
import logging
from typing import Any

import pytest
from sqlalchemy import select

from feedback.extensions import db
from feedback.models import OutboundMessage
from tests.conftest import YOUNG_PERSON, TwilioWebhook, count

OTHER_PERSON = "+447700900456"


def test_a_survey_run_entirely_by_text(
    app: Any, twilio: TwilioWebhook, runner: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    # Start by keyword.
    assert "How are things where you live" in twilio.replies("checkin")[0]
    # A wrong answer is asked again with a hint.
    assert twilio.replies("brilliant")[0].startswith("Please reply with a number from 1 to 5.")
    # A valid answer, and Twilio redelivering the same MessageSid: answered once, not twice.
    sid = twilio.new_sid()
    assert "Do you see your worker enough" in twilio.replies("5", sid=sid)[0]
    assert twilio.replies("5", sid=sid) == []
    assert "Did you feel listened to" in twilio.replies("C")[0]
    # HELP in the middle, then carry on to the end.
    assert "STOP" in twilio.replies("help")[0]
    assert "What one thing" in twilio.replies("nah")[0]
    assert "Thanks!" in twilio.replies("more say in where I live")[0]

    # Another young person texts in, then STOP.
    twilio.replies("hi, is this the champions board?", sender=OTHER_PERSON)
    twilio.replies("STOP", sender=OTHER_PERSON)

    # A send to both skips the one who opted out.
    sent = runner.invoke(args=["surveys", "send", "monthly-checkin", "--to", YOUNG_PERSON, "--to", OTHER_PERSON])
    assert "Queued 1; skipped 1 opted out" in sent.output
    flushed = runner.invoke(args=["outbox", "flush"])
    assert "simulated 1" in flushed.output
    invitations = db.session.scalars(select(OutboundMessage).where(OutboundMessage.kind == "survey-invite")).all()
    assert [m.person.phone for m in invitations] == [YOUNG_PERSON]

    # Export: every answer, pseudonymous.
    exported = runner.invoke(args=["responses", "export", "--format", "csv"]).stdout
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [(r["question"], r["answer"], r["value"], r["status"]) for r in rows] == [
        ("home", "5", "5", "answered"),
        ("worker", "C", "not sure", "answered"),
        ("heard", "nah", "no", "answered"),
        ("change", "more say in where I live", "more say in where I live", "answered"),
    ]
    assert {r["survey"] for r in rows} == {"monthly-checkin"}
    assert {r["version"] for r in rows} == {"1"}
    assert {r["channel"] for r in rows} == {"sms"}
    assert len({r["respondent"] for r in rows}) == 1
    assert rows[0]["respondent"].startswith("yp-")
    assert "7700" not in exported
    assert count("inbound_message") == 9  # the redelivered one is stored once

    # Nothing a young person sent, and no phone number, reached a log line.
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in ("7700900123", "7700 900123", "7700900456", "more say in where I live", "champions board?"):
        assert secret not in logged


def test_export_as_json_lines(app: Any, twilio: TwilioWebhook, runner: Any) -> None:
    twilio.replies("CHECKIN")
    twilio.replies("4")
    lines = runner.invoke(args=["responses", "export", "--format", "jsonl"]).stdout.splitlines()
    record = json.loads(lines[0])
    assert set(record) == {
        "survey", "version", "question", "answer", "value", "status", "channel", "answered_at", "respondent",
    }  # fmt: skip
    assert record["value"] == 4
    assert record["answered_at"] == "2026-11-23T14:00:00+00:00"


def test_export_quotes_cells_a_spreadsheet_would_run(app: Any, twilio: TwilioWebhook, runner: Any) -> None:
    for text in ("CHECKIN", "4", "a", "yes"):
        twilio.replies(text)
    twilio.replies('=HYPERLINK("http://evil.example","click")')
    rows = list(csv.DictReader(io.StringIO(runner.invoke(args=["responses", "export"]).stdout)))
    assert rows[-1]["answer"].startswith("'=HYPERLINK")


def test_export_to_a_file(app: Any, twilio: TwilioWebhook, runner: Any, tmp_path: Any) -> None:
    twilio.replies("CHECKIN")
    twilio.replies("4")
    out = tmp_path / "answers.csv"
    result = runner.invoke(args=["responses", "export", "--output", str(out)])
    assert "Exported 1 answers." in result.output
    assert (
        out.read_text().splitlines()[0] == "survey,version,question,answer,value,status,channel,answered_at,respondent"
    )

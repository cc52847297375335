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
from feedback.messages.models import OutboundMessage
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
    assert twilio.text("5", sid=sid).status_code == 200
    assert len(twilio.replies_to(sid)) == 1
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
    assert "Queued 1; skipped 1 who may not be texted" in sent.output
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


def test_a_young_person_on_the_web_answers_a_survey_and_hears_back_from_their_worker(
    app: Any, client: Any, runner: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The web's "done when": a survey completed on a phone, a statement sent to the named worker, acknowledged and
    answered, the reply texted to the young person and shown on their page, and the answers in the export."""
    import re

    from tests.web_client import Respondent

    caplog.set_level(logging.DEBUG)
    password = "a long enough password"
    created = runner.invoke(
        args=["users", "create", "sam@example.org", "--role", "worker", "--team", "Hamilton", "--name", "Sam",
              "--password-stdin"],
        input=password + "\n",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert (
        runner.invoke(args=["people", "assign", "--phone", YOUNG_PERSON, "--worker", "sam@example.org"]).exit_code == 0
    )
    issued = runner.invoke(args=["links", "issue", "--phone", YOUNG_PERSON])
    match = re.search(r"/me/(\S+)", issued.output)
    assert match is not None
    token = match.group(1)

    phone = Respondent(client)
    assert "What would you like to do?" in phone.page(f"/me/{token}").get_data(as_text=True)
    phone.complete(f"/s/monthly-checkin/{token}", ["3", "no", "no", "See my worker more often"])
    phone.complete(f"/s/statement-change/{token}", ["I want to see my brother at weekends", None])
    assert "Sent: not read yet" in phone.page(f"/me/{token}").get_data(as_text=True)

    worker = app.test_client()
    assert worker.post("/staff/login", data={"email": "sam@example.org", "password": password}).status_code == 302
    inbox = worker.get("/staff/inbox").get_data(as_text=True)
    statement_path = re.search(r'href="(/staff/statements/\d+)"', inbox)
    assert statement_path is not None
    assert "see my brother" in worker.get(statement_path.group(1)).get_data(as_text=True)
    assert worker.post(statement_path.group(1) + "/acknowledge").status_code == 302
    assert "Read by your worker" in phone.page(f"/me/{token}").get_data(as_text=True)
    assert (
        worker.post(statement_path.group(1) + "/reply", data={"body": "Yes, let's sort it on Monday"}).status_code
        == 302
    )

    flushed = runner.invoke(args=["outbox", "flush"])
    assert flushed.exit_code == 0 and "simulated 1" in flushed.output
    texted = db.session.scalars(select(OutboundMessage).where(OutboundMessage.kind == "statement-reply")).one()
    assert texted.status == "simulated" and texted.body == "Reply from Sam: Yes, let's sort it on Monday"
    assert "let&#39;s sort it on Monday" in phone.page(f"/me/{token}").get_data(as_text=True)

    exported = runner.invoke(args=["responses", "export", "--format", "csv"])
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert [(r["question"], r["value"], r["channel"]) for r in rows] == [
        ("home", "3", "web"),
        ("worker", "no", "web"),
        ("heard", "no", "web"),
        ("change", "See my worker more often", "web"),
    ]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (YOUNG_PERSON, "07700 900123", "see my brother", "See my worker", token):
        assert secret not in logged

"""What the official twilio client sends for us is what Twilio's own API description accepts.

Stoplight Prism serves Twilio's OpenAPI description (../shared/twilio/twilio_api_v2010.json) as a mock on
loopback: it answers a valid request with Twilio's documented example (201) and refuses an invalid one (422)
with the reason. Numbers in Ofcom's drama range never reach Twilio, so these tests text +447911123456.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from feedback.channels.sms.twilio_sender import RedirectingHttpClient
from feedback.extensions import db
from feedback.messages import outbox
from feedback.messages.models import OutboundMessage
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, SERVICE_NUMBER
from tests.processes import stop

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT.parent / "shared" / "twilio" / "twilio_api_v2010.json"
PRISM = ROOT / "node_modules" / ".bin" / "prism"
START_SECONDS = 60

REAL = "+447911123456"
PRISM_EXAMPLE_SID = "SM" + "a" * 32  # the sid in Twilio's documented example answer
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Twilio's API as Twilio describes it, served by Prism on a free loopback port for the whole session."""
    if not SPEC.is_file():
        pytest.fail(f"Twilio's API description is missing: expected {SPEC}", pytrace=False)
    if not PRISM.exists():
        pytest.fail(f"Stoplight Prism is missing ({PRISM}): run `npm ci` in {ROOT} (`make test` does)", pytrace=False)
    port = free_port()
    log_path = tmp_path_factory.mktemp("prism") / "prism.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_SECONDS
        while not listening(port):
            if process.poll() is not None or time.monotonic() > deadline:
                # Nothing has been sent yet, so the log holds only Prism's own start-up messages.
                tail = log_path.read_text(errors="replace")[-2000:]
                pytest.fail(f"Prism did not start listening on port {port}:\n{tail}", pytrace=False)
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process, wait=10)


@pytest.fixture
def app_config(prism: str) -> dict[str, Any]:
    return {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_API_BASE_URL": prism}


def send_and_flush(cli: FlaskCliRunner) -> str:
    sent = cli.invoke(args=["surveys", "send", "monthly-checkin", "--to", REAL])
    assert "Queued 1;" in sent.output, sent.output
    flushed = cli.invoke(args=["outbox", "flush"])
    assert flushed.exit_code == 0, flushed.output
    return flushed.output


def the_message() -> OutboundMessage:
    return db.session.scalars(select(OutboundMessage)).one()


def test_an_invitation_from_a_number_is_accepted_by_twilios_api(app: Flask, runner: FlaskCliRunner) -> None:
    assert "Sent 1," in send_and_flush(runner)
    message = the_message()
    assert (message.status, message.provider_sid, message.error_code) == (outbox.SENT, PRISM_EXAMPLE_SID, None)


def test_an_invitation_from_a_messaging_service_is_accepted_by_twilios_api(
    app: Flask, runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "TWILIO_MESSAGING_SERVICE_SID", "MG" + "1" * 32)
    monkeypatch.setitem(app.config, "TWILIO_FROM_NUMBER", None)
    assert "Sent 1," in send_and_flush(runner)
    message = the_message()
    assert (message.status, message.provider_sid) == (outbox.SENT, PRISM_EXAMPLE_SID)


def post_message(prism: str, form: dict[str, str]) -> Any:
    """A request made with the twilio client's own HTTP client, redirected to Prism as the app's is."""
    return RedirectingHttpClient(prism).request("POST", MESSAGES_URL, data=form, auth=(ACCOUNT_SID, AUTH_TOKEN))


def test_prism_accepts_a_complete_message(prism: str) -> None:
    response = post_message(prism, {"To": REAL, "From": SERVICE_NUMBER, "Body": "Hello"})
    assert response.status_code == 201


def test_prism_really_validates_a_message_without_a_recipient_is_refused(prism: str) -> None:
    response = post_message(prism, {"From": SERVICE_NUMBER, "Body": "Hello"})
    assert 400 <= response.status_code < 500
    assert "required property 'To'" in response.text

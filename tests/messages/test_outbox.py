"""Outbound delivery: surveys queued once per occurrence, delivered by senders that never send a message
twice, never text someone who opted out, retry what is worth retrying, and give up on what is not.

Tests that must reach Twilio use a small in-process stand-in for its Messages API and the real twilio client;
numbers in Ofcom's drama range (07700 900xxx) never reach Twilio at all, so those tests use +447911123456.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from feedback.channels.sms import twilio_sender
from feedback.extensions import db
from feedback.messages import inbound, outbox
from feedback.messages.models import InboundMessage, OutboundMessage
from feedback.ops import runner as worker
from feedback.people import operations as people
from feedback.people.models import Person
from feedback.surveys import conversations, sending
from feedback.surveys import operations as surveys
from feedback.surveys.models import Answer, Conversation
from tests.conftest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_BASE_URL,
    SERVICE_NUMBER,
    Clock,
    TwilioWebhook,
    count,
)

SURVEY = "monthly-checkin"
FIRST = "+447700900123"  # fictional (Ofcom drama range): always simulated
SECOND = "+447700900124"
THIRD = "+447700900125"
REAL = "+447911123456"  # a valid UK mobile outside the drama range: goes to the Twilio stand-in
OTHER_REAL = ("+447911123457", "+447911123458")
MESSAGING_SERVICE_SID = "MG" + "1" * 32


# --- helpers ------------------------------------------------------------------------------------------------


def send(cli: FlaskCliRunner, *args: str) -> Result:
    return cli.invoke(args=["surveys", "send", SURVEY, *args])


def flush(cli: FlaskCliRunner, *args: str) -> str:
    result = cli.invoke(args=["outbox", "flush", *args])
    assert result.exit_code == 0, result.output
    return result.output


def messages(kind: str | None = None) -> list[OutboundMessage]:
    db.session.expire_all()
    query = select(OutboundMessage).order_by(OutboundMessage.id)
    if kind is not None:
        query = query.where(OutboundMessage.kind == kind)
    return list(db.session.scalars(query))


def only_message(kind: str | None = None) -> OutboundMessage:
    (message,) = messages(kind)
    return message


def person(number: str) -> Person:
    db.session.expire_all()
    found = people.find_person(db.session, number)
    assert found is not None
    return found


def conversation_of(message: OutboundMessage) -> Conversation:
    found = db.session.get(Conversation, message.conversation_id)
    assert found is not None
    return found


def opted_out(number: str, at: datetime) -> Person:
    someone = people.get_or_create_person(db.session, number)
    people.opt_out(someone, at)
    db.session.commit()
    return someone


def opening() -> str:
    return conversations.opening(surveys.current_version(db.session, SURVEY))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RecordingSender:
    """A sender that records what it was given and says Twilio took it."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    def send(self, to: str, body: str) -> outbox.SendResult:
        self.sent.append((to, body))
        return outbox.SendResult(provider_sid=f"SM{len(self.sent):032x}", status=outbox.SENT)


# --- a stand-in for Twilio's Messages API -------------------------------------------------------------------

MESSAGES_PATH = re.compile(r"/2010-04-01/Accounts/(AC[0-9a-f]{32})/Messages\.json")


def twilio_error(status: int, code: int, message: str) -> tuple[int, dict[str, Any]]:
    return status, {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


UNSUBSCRIBED = twilio_error(400, 21610, "Attempt to send to unsubscribed recipient")
INVALID_TO = twilio_error(400, 21211, "Invalid 'To' Phone Number")
SERVER_ERROR = twilio_error(500, 20500, "Internal Server Error")
UNAVAILABLE = twilio_error(503, 20503, "Service Unavailable")
TOO_MANY = twilio_error(429, 20429, "Too Many Requests")


@dataclass
class TwilioStandIn:
    """Answers POST /2010-04-01/Accounts/<sid>/Messages.json as Twilio does.

    `script` holds the answers to give next, in order (a number is seconds to hang before answering, longer
    than the client waits); once it is empty every message is accepted with a new sid.
    """

    url: str = ""
    script: list[tuple[int, dict[str, Any]] | float] = field(default_factory=list)
    requests: list[dict[str, str]] = field(default_factory=list)
    accepted: list[dict[str, str]] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    released: threading.Event = field(default_factory=threading.Event)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        match = MESSAGES_PATH.fullmatch(request.path)
        if request.method != "POST" or match is None:
            return Response(status=404)(environ, start_response)
        form = request.form.to_dict()
        with self.lock:
            self.requests.append(form)
            self.authorizations.append(request.headers.get("Authorization", ""))
            answer = self.script.pop(0) if self.script else None
            if answer is None:
                self.accepted.append(form)
                answer = (201, self._message(match[1], form, len(self.accepted)))
        if isinstance(answer, float):
            self.released.wait(answer)
            answer = SERVER_ERROR
        status, payload = answer
        return Response(json.dumps(payload), status=status, mimetype="application/json")(environ, start_response)

    @staticmethod
    def _message(account_sid: str, form: dict[str, str], number: int) -> dict[str, Any]:
        sid = f"SM{number:032x}"
        return {
            "account_sid": account_sid,
            "api_version": "2010-04-01",
            "body": form.get("Body"),
            "date_created": "Mon, 23 Nov 2026 14:00:00 +0000",
            "date_sent": None,
            "date_updated": "Mon, 23 Nov 2026 14:00:00 +0000",
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "GBP",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}/Media.json"},
            "to": form.get("To"),
            "uri": f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json",
        }

    def accepted_numbers(self) -> list[str]:
        return [form["To"] for form in self.accepted]


@pytest.fixture
def twilio_api() -> Iterator[TwilioStandIn]:
    stand_in = TwilioStandIn()
    server = make_server("127.0.0.1", 0, stand_in, threaded=True)
    stand_in.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield stand_in
    stand_in.released.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


# --- sending a survey from the command line -----------------------------------------------------------------


def test_sending_a_survey_queues_one_invitation_per_young_person(app: Flask, runner: FlaskCliRunner) -> None:
    result = send(runner, "--to", "07700900123", "--to", "+44 7700 900124")
    assert result.exit_code == 0, result.output
    assert "Queued 2;" in result.output
    queued = messages()
    assert {m.person_id for m in queued} == {person(FIRST).id, person(SECOND).id}
    assert {(m.kind, m.status, m.body) for m in queued} == {("survey-invite", outbox.QUEUED, opening())}
    assert {conversation_of(m).status for m in queued} == {conversations.INVITED}


def test_the_command_never_prints_a_phone_number(app: Flask, runner: FlaskCliRunner) -> None:
    output = send(runner, "--to", "07700900123").output + flush(runner)
    assert "900123" not in output
    assert opening() not in output


def test_sending_the_same_survey_again_reaches_nobody_twice(app: Flask, runner: FlaskCliRunner) -> None:
    send(runner, "--to", "07700900123", "--to", "+44 7700 900124")
    again = send(runner, "--to", "07700900123", "--to", "+44 7700 900124")
    assert again.exit_code == 0, again.output
    assert "Queued 0;" in again.output
    assert "2 already sent" in again.output
    assert count("outbound_message") == 2
    assert count("conversation") == 2


def test_a_named_occurrence_sends_the_survey_again_on_purpose(app: Flask, runner: FlaskCliRunner) -> None:
    send(runner, "--to", "07700900123")
    again = send(runner, "--to", "07700900123", "--occurrence", "december-2026")
    assert "Queued 1;" in again.output
    assert {conversation_of(m).occurrence for m in messages()} == {"version-1", "december-2026"}


def test_the_same_number_written_twice_is_one_invitation(app: Flask, runner: FlaskCliRunner) -> None:
    result = send(runner, "--to", "07700900123", "--to", "+44 7700 900123")
    assert "Queued 1;" in result.output
    assert count("person") == 1


def test_all_reaches_everyone_who_has_not_opted_out(app: Flask, runner: FlaskCliRunner, clock: Clock) -> None:
    for number in (FIRST, SECOND):
        people.get_or_create_person(db.session, number)
    opted_out(THIRD, clock())
    result = send(runner, "--all")
    assert result.exit_code == 0, result.output
    assert "Queued 2;" in result.output
    assert {m.person_id for m in messages()} == {person(FIRST).id, person(SECOND).id}


@pytest.mark.parametrize("args", [["--all", "--to", "07700900123"], []], ids=["both", "neither"])
def test_giving_both_or_neither_of_to_and_all_is_a_usage_error(
    app: Flask, runner: FlaskCliRunner, args: list[str]
) -> None:
    result = send(runner, *args)
    assert result.exit_code == 2
    assert "Give --to NUMBER" in result.output
    assert count("conversation") == 0
    assert count("outbound_message") == 0


@pytest.mark.parametrize("invalid", ["not-a-number", "123"])
def test_an_invalid_number_is_a_clear_error_and_nothing_is_written(
    app: Flask, runner: FlaskCliRunner, invalid: str
) -> None:
    result = send(runner, "--to", "07700900123", "--to", invalid)
    assert result.exit_code == 2
    assert "not valid" in result.output
    assert "nothing was queued" in result.output
    assert invalid not in result.output
    assert count("person") == 0
    assert count("conversation") == 0
    assert count("outbound_message") == 0


def test_an_unknown_survey_is_an_error(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["surveys", "send", "no-such-survey", "--to", "07700900123"])
    assert result.exit_code == 1
    assert "no-such-survey" in result.output
    assert count("person") == 0
    assert count("outbound_message") == 0


# --- opting out ---------------------------------------------------------------------------------------------


def test_a_young_person_who_opted_out_is_skipped_at_queue_time(
    app: Flask, runner: FlaskCliRunner, clock: Clock
) -> None:
    opted_out(SECOND, clock())
    result = send(runner, "--to", FIRST, "--to", SECOND)
    assert "Queued 1; skipped 1 who may not be texted" in result.output
    assert [m.person_id for m in messages()] == [person(FIRST).id]
    assert count("conversation") == 1


def test_a_young_person_who_opts_out_before_the_flush_is_skipped_at_send_time(
    app: Flask, runner: FlaskCliRunner, twilio: TwilioWebhook
) -> None:
    send(runner, "--to", FIRST)
    [confirmation] = twilio.replies("STOP", sender=FIRST)
    assert "skipped 1 (opted out)" in flush(runner)  # the survey; the confirmation of their STOP still goes
    reply = only_message("reply")
    assert (reply.body, reply.status) == (confirmation, outbox.SIMULATED)
    message = only_message(sending.INVITATION)
    assert message.status == outbox.SKIPPED
    assert message.sent_at is None
    assert conversation_of(message).status == conversations.CANCELLED


# --- delivery and what follows it ---------------------------------------------------------------------------


def test_once_the_invitation_is_sent_the_next_text_answers_question_one(
    app: Flask, runner: FlaskCliRunner, twilio: TwilioWebhook
) -> None:
    send(runner, "--to", FIRST)
    flush(runner)
    conversation = conversation_of(only_message())
    assert conversation.status == conversations.ACTIVE
    questions = conversation.version.questions
    assert twilio.replies("4", sender=FIRST) == [questions[1].text]
    answer = db.session.scalars(select(Answer)).one()
    assert (answer.conversation_id, answer.question_id, answer.value_number) == (
        conversation.id,
        questions[0].id,
        4,
    )


def test_without_twilio_credentials_messages_are_simulated(app: Flask, runner: FlaskCliRunner, clock: Clock) -> None:
    assert isinstance(worker.configured_sender(), outbox.SimulatedSender)
    send(runner, "--to", REAL)
    assert "simulated 1" in flush(runner)
    message = only_message()
    assert (message.status, message.provider_sid, message.sent_at) == (outbox.SIMULATED, None, clock())
    assert conversation_of(message).status == conversations.ACTIVE


def test_with_twilio_credentials_the_sender_is_twilio(app: Flask) -> None:
    app.config["TWILIO_ACCOUNT_SID"] = ACCOUNT_SID
    assert isinstance(worker.configured_sender(), twilio_sender.TwilioSender)


def test_a_message_due_later_waits_until_then(app: Flask, runner: FlaskCliRunner, clock: Clock) -> None:
    someone = people.get_or_create_person(db.session, FIRST)
    outbox.queue(db.session, outbox.Outgoing(someone.id, "Later", "reply"), now=clock() + timedelta(minutes=30))
    db.session.commit()
    assert "simulated 0" in flush(runner)
    clock.advance(minutes=30)
    assert "simulated 1" in flush(runner)


def test_flush_acts_at_the_moment_given_with_now(app: Flask, runner: FlaskCliRunner, clock: Clock) -> None:
    someone = people.get_or_create_person(db.session, FIRST)
    outbox.queue(db.session, outbox.Outgoing(someone.id, "Later", "reply"), now=clock() + timedelta(minutes=30))
    db.session.commit()
    assert "simulated 1" in flush(runner, "--now", "2026-11-23T15:00:00")
    assert only_message().sent_at == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def test_flush_with_a_now_that_is_not_a_moment_is_a_usage_error(app: Flask, runner: FlaskCliRunner) -> None:
    send(runner, "--to", FIRST)
    result = runner.invoke(args=["outbox", "flush", "--now", "yesterday"])
    assert result.exit_code == 2
    assert "'yesterday' is not an ISO 8601 date and time" in result.output
    assert only_message().status == outbox.QUEUED


# --- the worker ---------------------------------------------------------------------------------------------


def stored_but_not_handled(body: str, clock: Clock) -> inbound.Received:
    """A text its webhook stored, not handled yet."""
    arrival = inbound.Arrival(channel="sms", provider_sid="SM" + "5" * 32, sender=REAL, body=body)
    return inbound.receive(db.session, arrival, now=clock())


def test_the_worker_handles_a_stranded_message_and_sends_its_reply_through_the_outbox(app: Flask, clock: Clock) -> None:
    stored = stored_but_not_handled("CHECKIN", clock)
    clock.advance(minutes=3)
    sender = RecordingSender()
    assert worker.work_once(sender) == 2
    message = db.session.get(InboundMessage, stored.message_id)
    assert message is not None
    assert (message.status, message.handling) == (inbound.PROCESSED, "survey-start")
    assert sender.sent == [(REAL, opening())]
    reply = only_message()
    assert (reply.kind, reply.in_reply_to_id, reply.status) == ("reply", message.id, outbox.SENT)
    assert reply.provider_sid == "SM" + "0" * 31 + "1"


def queue_for(numbers: list[str], now: datetime) -> list[int]:
    ids = [
        outbox.queue(
            db.session, outbox.Outgoing(people.get_or_create_person(db.session, number).id, "Hello", "reply"), now=now
        )
        for number in numbers
    ]
    db.session.commit()
    return ids


def test_a_claimed_message_is_never_claimed_again(app: Flask, clock: Clock) -> None:
    first, second = queue_for([FIRST, SECOND], clock())
    assert outbox.claim_next(db.session, clock()) == first
    assert outbox.claim_next(db.session, clock()) == second
    assert outbox.claim_next(db.session, clock() + timedelta(days=30)) is None
    assert {m.status for m in messages()} == {outbox.SENDING}


def test_senders_running_at_once_claim_each_message_exactly_once(app: Flask, clock: Clock) -> None:
    wanted = queue_for([f"+4477009001{n:02d}" for n in range(40)], clock())
    start, first_claims = threading.Barrier(4), threading.Barrier(4)
    claimed: list[list[int]] = [[] for _ in range(4)]
    errors: list[BaseException] = []

    def sender(mine: list[int]) -> None:
        try:
            with app.app_context():
                start.wait(timeout=10)
                # Each sender claims a message while the others are claiming theirs, before any goes on: with warm
                # connections one sender could otherwise claim all 40 before another began, and test no race.
                if (message_id := outbox.claim_next(db.session, clock())) is not None:
                    mine.append(message_id)
                first_claims.wait(timeout=30)
                while (message_id := outbox.claim_next(db.session, clock())) is not None:
                    mine.append(message_id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=sender, args=(mine,)) for mine in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    everything = [message_id for mine in claimed for message_id in mine]
    assert sorted(everything) == sorted(wanted)
    assert sum(1 for mine in claimed if mine) >= 2, "the senders did not overlap; the race was not tested"


# --- through the twilio client, against a stand-in for Twilio -----------------------------------------------


class TestThroughTwilio:
    @pytest.fixture
    def app_config(self, twilio_api: TwilioStandIn) -> dict[str, Any]:
        return {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_API_BASE_URL": twilio_api.url}

    def test_a_message_reaches_twilio_with_a_status_callback_and_is_marked_sent(
        self, app: Flask, runner: FlaskCliRunner, twilio_api: TwilioStandIn, clock: Clock
    ) -> None:
        send(runner, "--to", REAL)
        assert "Sent 1," in flush(runner)
        (request,) = twilio_api.requests
        assert request == {
            "To": REAL,
            "Body": opening(),
            "From": SERVICE_NUMBER,
            "StatusCallback": PUBLIC_BASE_URL + "/sms/status",
        }
        credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        assert twilio_api.authorizations == [f"Basic {credentials}"]
        message = only_message()
        assert (message.status, message.provider_sid, message.sent_at) == (
            outbox.SENT,
            "SM" + "0" * 31 + "1",
            clock(),
        )
        assert conversation_of(message).status == conversations.ACTIVE

    def test_with_a_messaging_service_twilio_is_given_it_instead_of_a_from_number(
        self, app: Flask, runner: FlaskCliRunner, twilio_api: TwilioStandIn, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(app.config, "TWILIO_MESSAGING_SERVICE_SID", MESSAGING_SERVICE_SID)
        send(runner, "--to", REAL)
        flush(runner)
        (request,) = twilio_api.requests
        assert request["MessagingServiceSid"] == MESSAGING_SERVICE_SID
        assert "From" not in request
        assert request["StatusCallback"] == PUBLIC_BASE_URL + "/sms/status"

    def test_a_fictional_number_never_reaches_twilio(
        self, app: Flask, runner: FlaskCliRunner, twilio_api: TwilioStandIn
    ) -> None:
        send(runner, "--to", FIRST)
        assert "simulated 1" in flush(runner)
        assert twilio_api.requests == []

    def test_each_message_is_sent_exactly_once_however_often_the_outbox_is_flushed(
        self, app: Flask, runner: FlaskCliRunner, twilio_api: TwilioStandIn, clock: Clock
    ) -> None:
        send(runner, *[arg for number in (REAL, *OTHER_REAL) for arg in ("--to", number)])
        assert "Sent 3," in flush(runner)
        clock.advance(hours=1)
        assert "Sent 0," in flush(runner)
        assert sorted(twilio_api.accepted_numbers()) == sorted([REAL, *OTHER_REAL])
        assert len(twilio_api.requests) == 3
        assert len({m.provider_sid for m in messages()}) == 3

    def test_twilios_unsubscribed_error_fails_the_message_and_opts_the_person_out(
        self, app: Flask, runner: FlaskCliRunner, twilio_api: TwilioStandIn, clock: Clock
    ) -> None:
        twilio_api.script.append(UNSUBSCRIBED)
        send(runner, "--to", REAL)
        output = flush(runner)
        assert "failed 1," in output
        assert "Twilio error 21610: 1" in output
        message = only_message()
        assert (message.status, message.error_code) == (outbox.FAILED, 21610)
        assert conversation_of(message).status == conversations.CANCELLED
        assert person(REAL).opted_out_at == clock()
        later = send(runner, "--to", REAL, "--occurrence", "next-month")
        assert "Queued 0; skipped 1 who may not be texted" in later.output
        clock.advance(hours=1)
        flush(runner)
        assert len(twilio_api.requests) == 1

    def test_a_server_error_is_tried_again_later_with_growing_backoff(
        self, app: Flask, runner: FlaskCliRunner, twilio_api: TwilioStandIn, clock: Clock
    ) -> None:
        base = timedelta(seconds=app.config["SEND_RETRY_BASE_SECONDS"])
        twilio_api.script.extend([SERVER_ERROR, SERVER_ERROR])
        send(runner, "--to", REAL)
        start = clock()
        assert "retrying later 1." in flush(runner)
        message = only_message()
        assert (message.status, message.attempts, message.next_attempt_at) == (outbox.QUEUED, 1, start + base)
        assert conversation_of(message).status == conversations.INVITED
        clock.advance(seconds=base.total_seconds() - 1)
        flush(runner)
        assert len(twilio_api.requests) == 1, "retried before its time"
        clock.advance(seconds=1)
        flush(runner)
        assert only_message().next_attempt_at == start + base + 2 * base
        clock.advance(seconds=2 * base.total_seconds())
        assert "Sent 1," in flush(runner)
        assert only_message().status == outbox.SENT
        assert len(twilio_api.requests) == 3
        assert twilio_api.accepted_numbers() == [REAL]

    @pytest.mark.parametrize("answer", [TOO_MANY, SERVER_ERROR, UNAVAILABLE], ids=["429", "500", "503"])
    def test_a_busy_or_broken_twilio_is_a_transient_failure(
        self,
        app: Flask,
        runner: FlaskCliRunner,
        twilio_api: TwilioStandIn,
        clock: Clock,
        answer: tuple[int, dict[str, Any]],
    ) -> None:
        twilio_api.script.append(answer)
        send(runner, "--to", REAL)
        assert "retrying later 1." in flush(runner)
        assert only_message().status == outbox.QUEUED
        clock.advance(hours=1)
        assert "Sent 1," in flush(runner)

    def test_a_permanent_refusal_fails_without_a_retry(
        self, app: Flask, runner: FlaskCliRunner, twilio_api: TwilioStandIn, clock: Clock
    ) -> None:
        twilio_api.script.append(INVALID_TO)
        send(runner, "--to", REAL)
        assert "Twilio error 21211: 1" in flush(runner)
        clock.advance(days=1)
        flush(runner)
        message = only_message()
        assert (message.status, message.error_code, message.attempts) == (outbox.FAILED, 21211, 1)
        assert len(twilio_api.requests) == 1
        assert person(REAL).opted_out_at is None
        assert conversation_of(message).status == conversations.CANCELLED

    def test_twilio_out_of_reach_is_a_transient_failure(
        self, app: Flask, runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(app.config, "TWILIO_API_BASE_URL", f"http://127.0.0.1:{free_port()}")
        send(runner, "--to", REAL)
        assert "retrying later 1." in flush(runner)
        message = only_message()
        assert (message.status, message.attempts, message.error_code) == (outbox.QUEUED, 1, None)

    def test_a_twilio_that_does_not_answer_in_time_may_have_sent_it_so_it_is_never_sent_again(
        self,
        app: Flask,
        runner: FlaskCliRunner,
        twilio_api: TwilioStandIn,
        clock: Clock,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr(twilio_sender, "TIMEOUT_SECONDS", 0.3)
        twilio_api.script.append(1.5)
        send(runner, "--to", REAL)
        assert "unconfirmed 1," in flush(runner)
        clock.advance(days=1)
        flush(runner)
        message = only_message()
        assert message.status == outbox.UNCONFIRMED
        assert len(twilio_api.requests) == 1
        # Most likely it arrived: the young person's reply answers the first question.
        assert conversation_of(message).status == conversations.ACTIVE

    def test_after_the_last_attempt_a_transient_failure_is_final(
        self,
        app: Flask,
        runner: FlaskCliRunner,
        twilio_api: TwilioStandIn,
        clock: Clock,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setitem(app.config, "SEND_MAX_ATTEMPTS", 3)
        twilio_api.script.extend([UNAVAILABLE] * 5)
        send(runner, "--to", REAL)
        for _ in range(5):
            flush(runner)
            clock.advance(hours=2)
        message = only_message()
        assert (message.status, message.attempts, message.error_code) == (outbox.FAILED, 3, 20503)
        assert len(twilio_api.requests) == 3
        assert conversation_of(message).status == conversations.CANCELLED


def test_a_message_that_cannot_be_handled_never_holds_up_the_others(
    app: Flask, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    poison = stored_but_not_handled("this one breaks", clock)
    real_screen = inbound.screen_message

    def screen(session: Any, body: str) -> Any:
        if body == "this one breaks":
            raise RuntimeError("a bug in handling")
        return real_screen(session, body)

    monkeypatch.setattr(inbound, "screen_message", screen)
    other = inbound.receive(
        db.session,
        inbound.Arrival(channel="sms", provider_sid="SM" + "6" * 32, sender="+447911123457", body="CHECKIN"),
        now=clock(),
    )
    clock.advance(minutes=3)
    sender = RecordingSender()
    worker.work_once(sender)
    # The other message was handled and its reply sent; the broken one is kept, waiting to be tried again.
    assert db.session.get(InboundMessage, other.message_id).status == inbound.PROCESSED  # type: ignore[union-attr]
    assert len(sender.sent) == 1
    broken = db.session.get(InboundMessage, poison.message_id)
    assert broken is not None
    assert (broken.status, broken.handling_attempts) == (inbound.RECEIVED, 1)
    assert broken.body == "this one breaks"
    # Not tried again until its wait is over, then at most MAX_HANDLING_ATTEMPTS times in all.
    worker.work_once(sender)
    assert db.session.get(InboundMessage, poison.message_id).handling_attempts == 1  # type: ignore[union-attr]
    for _ in range(10):
        clock.advance(hours=1)
        worker.work_once(sender)
    db.session.expire_all()
    assert db.session.get(InboundMessage, poison.message_id).handling_attempts == inbound.MAX_HANDLING_ATTEMPTS  # type: ignore[union-attr]

"""The SMS webhook: signed by Twilio or refused, stored before anything else, never lost, never doubled."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from feedback.extensions import db
from feedback.messages import inbound
from feedback.messages.models import InboundMessage, OutboundMessage
from feedback.people.models import Person
from feedback.surveys import conversations
from tests.conftest import PUBLIC_BASE_URL, YOUNG_PERSON, TwilioWebhook, count, twiml_messages


def test_an_unsigned_request_is_refused_and_nothing_is_stored(app: Any, client: Any, twilio: TwilioWebhook) -> None:
    params = twilio.sms_params("hello")
    response = client.post("/sms/inbound", data=params)
    assert response.status_code == 403
    assert count("inbound_message") == 0
    assert count("person") == 0


def test_a_wrong_signature_is_refused(app: Any, twilio: TwilioWebhook) -> None:
    params = twilio.sms_params("hello")
    assert twilio.post("/sms/inbound", params, signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
    assert count("inbound_message") == 0


def test_a_signature_for_other_parameters_is_refused(app: Any, twilio: TwilioWebhook) -> None:
    params = twilio.sms_params("hello")
    signature = twilio.sign("/sms/inbound", params)
    params["Body"] = "something else"
    assert twilio.post("/sms/inbound", params, signature=signature).status_code == 403


def test_a_signature_for_another_address_is_refused(app: Any, twilio: TwilioWebhook) -> None:
    params = twilio.sms_params("hello")
    signature = twilio.validator.compute_signature("https://attacker.example/sms/inbound", params)
    assert twilio.post("/sms/inbound", params, signature=signature).status_code == 403


def test_without_an_auth_token_every_webhook_is_refused(
    app: Any, twilio: TwilioWebhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", None)
    assert twilio.text("hello").status_code == 403
    assert count("inbound_message") == 0


def test_the_signature_covers_the_query_string(app: Any, twilio: TwilioWebhook) -> None:
    params = twilio.sms_params("hello")
    signature = twilio.validator.compute_signature(PUBLIC_BASE_URL + "/sms/inbound?tenant=south-lanarkshire", params)
    response = twilio.client.post(
        "/sms/inbound?tenant=south-lanarkshire", data=params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200


@pytest.mark.parametrize("missing", ["From", "Body", "MessageSid"])
def test_a_missing_parameter_is_a_400_with_nothing_written(app: Any, twilio: TwilioWebhook, missing: str) -> None:
    params = twilio.sms_params("hello")
    del params[missing]
    response = twilio.post("/sms/inbound", params)
    assert response.status_code == 400
    assert missing in response.get_data(as_text=True)
    assert count("inbound_message") == 0
    assert count("person") == 0


def test_an_empty_body_from_a_picture_message_is_stored(app: Any, twilio: TwilioWebhook) -> None:
    assert twilio.text("", NumMedia="1").status_code == 200
    message = db.session.scalars(select(InboundMessage)).one()
    assert message.body == ""
    assert message.num_media == 1


@pytest.mark.parametrize(
    "body",
    [
        "😀" * 400 + "ok",  # emoji, outside the Basic Multilingual Plane
        "Tha mi ag iarraidh taigh ùr — ’s e àite math a th’ ann " * 20,  # Gaelic, curly quotes
        "مرحبا، أحتاج مساعدة في السكن",  # Arabic
        "我需要帮助 " * 100,  # Chinese
        "x" * 1600,  # the longest concatenated SMS
        "  spaces kept  \n and new lines \r\n too ",
        "<script>alert('hi')</script> & \"quotes\"",
    ],
)
def test_any_script_is_stored_exactly(app: Any, twilio: TwilioWebhook, body: str) -> None:
    assert twilio.text(body).status_code == 200
    message = db.session.scalars(select(InboundMessage)).one()
    assert message.body == body


def test_the_body_is_encrypted_at_rest(app: Any, twilio: TwilioWebhook) -> None:
    twilio.text("my worker keeps changing")
    raw_body = db.session.execute(text("SELECT body FROM inbound_message")).scalar_one()
    raw_phone = db.session.execute(text("SELECT phone FROM person")).scalar_one()
    assert "worker" not in raw_body
    assert "7700" not in raw_phone
    assert db.session.scalars(select(Person)).one().phone == YOUNG_PERSON


def test_a_redelivered_message_sid_is_stored_and_answered_once(app: Any, twilio: TwilioWebhook) -> None:
    sid = twilio.new_sid()
    first = twilio.replies("CHECKIN", sid=sid)
    again = twilio.text("CHECKIN", sid=sid)
    assert len(first) == 1 and "How are things where you live" in first[0]
    assert (again.status_code, twiml_messages(again.get_data(as_text=True))) == (200, [])
    assert twilio.replies_to(sid) == first
    assert count("inbound_message") == 1
    assert count("conversation") == 1
    assert count("outbound_message") == 1


def test_the_webhook_only_stores_and_answers_with_nothing(app: Any, twilio: TwilioWebhook) -> None:
    """Twilio's answer never waits on handling: the text is stored, and a worker answers it through the outbox."""
    sid = twilio.new_sid()
    response = twilio.text("CHECKIN", sid=sid, handle=False)
    assert (response.status_code, response.mimetype) == (200, "text/xml")
    assert twiml_messages(response.get_data(as_text=True)) == []
    message = db.session.scalars(select(InboundMessage)).one()
    assert (message.status, message.risk, message.handling) == (inbound.RECEIVED, None, None)
    assert count("outbound_message") == 0

    assert twilio.handle() == 1
    [reply] = db.session.scalars(select(OutboundMessage)).all()
    assert (reply.status, reply.in_reply_to_id, reply.kind) == ("queued", message.id, "reply")
    assert "How are things where you live" in reply.body


@contextmanager
def database_fails_in(app: Any, target: Any, name: str) -> Iterator[None]:
    """While inside, `target.name` fails as a dropped database connection would (the webhook answers 500)."""

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError(name, {}, Exception("server closed the connection"))

    app.config["PROPAGATE_EXCEPTIONS"] = False
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(target, name, fail)
        yield


def test_a_database_error_while_handling_keeps_the_text_and_a_later_round_handles_it_once(
    app: Any, twilio: TwilioWebhook, clock: Any
) -> None:
    sid = twilio.new_sid()
    with database_fails_in(app, conversations, "start"):
        response = twilio.text("CHECKIN", sid=sid)
    assert response.status_code == 200  # stored: Twilio's part is done, whatever handling does
    # Stored first: the message is there, waiting to be tried again.
    message = db.session.scalars(select(InboundMessage)).one()
    assert (message.status, message.handling_attempts) == (inbound.RECEIVED, 1)
    assert message.retry_after is not None and message.retry_after > clock()
    assert count("conversation") == 0
    assert twilio.handle() == 0  # not due yet

    clock.advance(minutes=2)
    assert twilio.handle() == 1
    assert twilio.handle() == 0
    [reply] = twilio.replies_to(sid)
    assert "How are things where you live" in reply
    db.session.expire_all()
    assert count("inbound_message") == 1
    assert count("conversation") == 1
    assert db.session.scalars(select(InboundMessage)).one().status == inbound.PROCESSED


def test_a_lost_connection_while_storing_is_tried_once_more_on_a_fresh_one(app: Any, twilio: TwilioWebhook) -> None:
    """A pooled connection the database dropped (it restarted) fails once; the webhook stores the text afresh."""
    from sqlalchemy.exc import DBAPIError

    real = inbound.receive_from_known
    calls = []

    def dropped_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise DBAPIError("INSERT", {}, Exception("server closed the connection"), connection_invalidated=True)
        return real(*args, **kwargs)

    twilio.text("hello", handle=False)  # someone the service knows
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(inbound, "receive_from_known", dropped_once)
        assert twilio.text("hello again", handle=False).status_code == 200
    assert len(calls) == 2
    assert count("inbound_message") == 2


def test_a_database_error_while_storing_answers_5xx_so_twilio_retries(app: Any, twilio: TwilioWebhook) -> None:
    with database_fails_in(app, inbound, "receive"):
        assert twilio.text("hello").status_code == 500


def test_a_staff_number_is_answered_in_twiml_and_nothing_is_stored(app: Any, twilio: TwilioWebhook) -> None:
    from feedback.accounts import operations as staff

    sam = staff.create_user(db.session, "sam@example.org", "a long enough password", "worker", team="Clydesdale")
    staff.set_mobile(db.session, sam, "07700 900555", now=datetime(2026, 11, 23, 14, 0, tzinfo=UTC))
    db.session.commit()
    response = twilio.text("on my way", sender="+447700900555", handle=False)
    assert response.mimetype == "text/xml"
    [answer] = twiml_messages(response.get_data(as_text=True))
    assert "not been kept or read" in answer
    assert count("inbound_message") == 0


def test_a_status_callback_records_delivery_and_error_codes(app: Any, twilio: TwilioWebhook) -> None:
    person = Person(phone_hash="h", phone=YOUNG_PERSON)
    db.session.add(person)
    db.session.flush()
    message = OutboundMessage(person_id=person.id, kind="survey-invite", body="hi", status="sent", provider_sid="SM1")
    db.session.add(message)
    db.session.commit()

    assert twilio.status("SM1", "delivered").status_code == 204
    db.session.refresh(message)
    assert message.status == "delivered"

    # A late "sent" never moves a delivered message backwards.
    twilio.status("SM1", "sent")
    db.session.refresh(message)
    assert message.status == "delivered"


def test_a_failed_delivery_keeps_its_error_code(app: Any, twilio: TwilioWebhook) -> None:
    person = Person(phone_hash="h", phone=YOUNG_PERSON)
    db.session.add(person)
    db.session.flush()
    message = OutboundMessage(person_id=person.id, kind="reply", body="hi", status="sent", provider_sid="SM2")
    db.session.add(message)
    db.session.commit()
    twilio.status("SM2", "undelivered", ErrorCode="30005")
    db.session.refresh(message)
    assert (message.status, message.error_code) == ("undelivered", 30005)


def test_status_callbacks_are_signed_too(app: Any, client: Any) -> None:
    response = client.post("/sms/status", data={"MessageSid": "SM1", "MessageStatus": "delivered"})
    assert response.status_code == 403


def test_a_status_callback_without_a_status_is_a_400(app: Any, twilio: TwilioWebhook) -> None:
    assert twilio.post("/sms/status", {"MessageSid": "SM1"}).status_code == 400
    assert (
        twilio.post("/sms/status", {"MessageSid": "SM1", "MessageStatus": "sent", "ErrorCode": "x"}).status_code == 400
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.text(max_size=1600), sender=st.sampled_from([YOUNG_PERSON, "+447700900124", "12345", "Alpha Sender"]))
def test_whatever_is_sent_is_stored_exactly_and_answered_without_error(
    app: Any, twilio: TwilioWebhook, body: str, sender: str
) -> None:
    sid = twilio.new_sid()
    response = twilio.text(body, sender=sender, sid=sid)
    assert response.status_code == 200
    stored = db.session.scalars(select(InboundMessage).where(InboundMessage.provider_sid == sid)).one()
    assert stored.body == body
    assert stored.status == inbound.PROCESSED


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(answers=st.lists(st.text(max_size=300), min_size=1, max_size=5), who=st.integers(100, 999))
def test_whatever_is_sent_mid_survey_is_handled_without_error(
    app: Any, twilio: TwilioWebhook, answers: list[str], who: int
) -> None:
    sender = f"+447700900{who}"
    assert twilio.text("CHECKIN", sender=sender).status_code == 200
    for answer in answers:
        assert twilio.text(answer, sender=sender).status_code == 200
    person = db.session.scalars(select(Person).where(Person.phone_hash.is_not(None))).all()
    assert any(p.phone == sender for p in person)


@pytest.mark.parametrize(
    ("name", "value"),
    [("MessageSid", "SM" + "a" * 100), ("MessageSid", "SM-not-an-id"), ("NumMedia", "99999999999"), ("NumMedia", "-1")],
)
def test_parameters_twilio_would_never_send_are_a_400_with_nothing_written(
    app: Any, twilio: TwilioWebhook, name: str, value: str
) -> None:
    params = twilio.sms_params("hello")
    params[name] = value
    if name == "MessageSid":
        params["SmsSid"] = params["SmsMessageSid"] = value
    response = twilio.post("/sms/inbound", params)
    assert response.status_code == 400
    assert count("inbound_message") == 0


def test_an_unknown_opt_out_type_is_ignored(app: Any, twilio: TwilioWebhook) -> None:
    twilio.replies("hello", OptOutType="SOMETHING")
    assert not db.session.scalars(select(Person)).one().opted_out


def test_an_error_code_out_of_range_is_a_400(app: Any, twilio: TwilioWebhook) -> None:
    response = twilio.post("/sms/status", {"MessageSid": "SM1", "MessageStatus": "failed", "ErrorCode": "9" * 12})
    assert response.status_code == 400


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(
        st.sampled_from(["MessageSid", "From", "Body", "NumMedia", "OptOutType", "To", "SmsSid"]),
        st.text(max_size=80),
    )
)
def test_any_parameters_get_an_answer_never_a_server_error(
    app: Any, twilio: TwilioWebhook, params: dict[str, str]
) -> None:
    before = count("inbound_message")
    response = twilio.post("/sms/inbound", params)
    assert response.status_code in {200, 400}
    if response.status_code == 400:
        assert count("inbound_message") == before  # nothing half-written
    else:
        stored = db.session.scalars(select(InboundMessage).where(InboundMessage.provider_sid == params["MessageSid"]))
        assert len(stored.all()) == 1


def test_a_risky_message_whose_handling_fails_still_raises_its_alert_and_gets_help_once(
    app: Any, twilio: TwilioWebhook, clock: Any
) -> None:
    from feedback.safeguarding.models import SafeguardingAlert

    sid = twilio.new_sid()
    with database_fails_in(app, conversations, "active_conversation"):
        assert twilio.text("my dad hits me", sid=sid).status_code == 200
    # The concern reached staff, and the help numbers are on their way, though handling failed.
    assert count("safeguarding_alert") == 1
    help_text = db.session.scalars(select(OutboundMessage)).one()
    assert (help_text.status, "Childline" in help_text.body) == ("queued", True)
    assert db.session.scalars(select(InboundMessage)).one().status == inbound.RECEIVED

    # The worker tries again once the fault has passed: handled once, no second alert, no second help text.
    clock.advance(minutes=2)
    assert twilio.handle() == 1
    assert [reply for reply in twilio.replies_to(sid) if "Childline" in reply] == [help_text.body]
    assert count("safeguarding_alert") == 1
    assert len(db.session.scalars(select(SafeguardingAlert)).all()) == 1
    db.session.expire_all()
    assert db.session.scalars(select(InboundMessage)).one().status == inbound.PROCESSED

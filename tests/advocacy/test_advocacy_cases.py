"""An advocacy worker's log in the browser: an offer is logged with the import's own checks (a bad field named,
nothing saved), then the response, follow-ups, sessions and the outcome; closing asks the young person "Did you
feel your voice was heard?" by text when they may be texted and by a link shown once otherwise, never twice, and
the answer comes back into the report beside the target."""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from feedback.advocacy import cases as advocacy_cases
from feedback.advocacy.models import AdvocacyOffer, AdvocacySession
from feedback.extensions import db
from feedback.messages.models import OutboundMessage
from feedback.people.models import Person
from feedback.surveys import sending
from feedback.surveys.models import Conversation
from tests.conftest import Clock, TwilioWebhook, count
from tests.staff_client import signed_in
from tests.web_client import Respondent

PASSWORD = "a long enough password"
# SL-001 may be texted; SL-002 has no number; SL-003 has one but the register says no to texts.
PEOPLE = """ref,phone,date_of_birth,locality,care_setting,worker_email,consent_sms
SL-001,07700 900123,2010-05-01,Hamilton,foster,,yes
SL-002,,2004-01-15,East Kilbride,continuing-care,,
SL-003,07700 900301,2012-09-09,Hamilton,residential,,no
"""
LINK = re.compile(r"https?://[^\s<\"]+/s/advocacy-voice/[A-Za-z0-9_-]+")


@pytest.fixture
def register(app: Any, runner: Any, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE, encoding="utf-8")
    result = runner.invoke(args=["people", "import", str(path)])
    assert result.exit_code == 0, result.output


def offer_form(**overrides: str) -> dict[str, str]:
    return {
        "ref": "SL-001",
        "offered_on": "2026-11-02",
        "offered_by": "Independent reviewing officer",
        "context": "looked-after-review",
        "response": "accepted",
        "follow_up_on": "",
        "notes": "",
        **overrides,
    }


def offers() -> list[AdvocacyOffer]:
    db.session.expire_all()
    return list(db.session.scalars(select(AdvocacyOffer).order_by(AdvocacyOffer.id)))


def logged(client: Any, **overrides: str) -> int:
    response = client.post("/staff/advocacy/offers/new", data=offer_form(**overrides))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "Logged the offer" in text(client.get(response.location))  # the page it goes to, with its message
    return offers()[-1].id


def text(response: Any) -> str:
    return str(response.get_data(as_text=True))


# --- logging an offer ---------------------------------------------------------------------------------------


def test_an_advocacy_worker_logs_an_offer_in_the_browser(app: Any, register: None, runner: Any) -> None:
    client = signed_in(app, "advocacy")
    form = client.get("/staff/advocacy/offers/new?ref=SL-002")
    assert 'value="SL-002"' in text(form) and 'value="2026-11-23"' in text(form)  # from the no-offer list, today
    offer_id = logged(client, ref="SL-002", response="thinking", follow_up_on="2026-12-01", notes="Wants to think")
    (offer,) = offers()
    assert (offer.person.ref, offer.offered_on, offer.context, offer.response) == (
        "SL-002", date(2026, 11, 2), "looked-after-review", "thinking",
    )  # fmt: skip
    assert offer.follow_up_on == date(2026, 12, 1) and offer.notes == "Wants to think"
    assert offer.recorded_by_id is not None
    page = text(client.get(f"/staff/advocacy/offers/{offer_id}"))
    assert "Offer to SL-002 on 2 November 2026" in page and "Wants to think" in page
    assert "Follow up on</dt><dd>Tuesday 1 December 2026" in page
    listed = text(client.get("/staff/advocacy/offers"))
    assert "SL-002" in listed and "Thinking about it" in listed
    report = json.loads(runner.invoke(args=["report", "advocacy", "--format", "json"]).stdout)
    assert report["overall"]["offered_or_accepted"] == 1 and report["not_offered"] == ["SL-001", "SL-003"]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"ref": "SL-999"}, "Young person&#39;s reference is not on the register"),
        ({"ref": ""}, "Young person&#39;s reference is missing"),
        ({"offered_on": "2026-11-24"}, "Date offered is in the future."),
        ({"offered_on": "02/11/2026"}, "Date offered is not a date written YYYY-MM-DD"),
        ({"offered_on": "2010-04-30"}, "Date offered is before the young person was born"),
        ({"context": "assembly"}, "When it was offered is not one of"),
        ({"response": "maybe"}, "Their response is not one of"),
        ({"offered_by": ""}, "Offered by is missing"),
        ({"follow_up_on": "2026-11-01"}, "Follow up on is before the offer"),
        ({"notes": "x" * 2001}, "Notes are longer than 2000 characters"),
    ],
)
def test_a_bad_offer_is_named_beside_its_field_and_nothing_is_saved(
    app: Any, register: None, overrides: dict[str, str], expected: str
) -> None:
    response = signed_in(app, "advocacy").post("/staff/advocacy/offers/new", data=offer_form(**overrides))
    assert response.status_code == 400
    assert expected in text(response)
    assert "Nothing was saved" in text(response)
    assert count("advocacy_offer") == 0


def test_the_same_offer_twice_is_refused(app: Any, register: None) -> None:
    client = signed_in(app, "advocacy")
    logged(client)
    again = client.post("/staff/advocacy/offers/new", data=offer_form(offered_by="Someone else"))
    assert again.status_code == 400 and "is an offer already recorded" in text(again)
    assert count("advocacy_offer") == 1


def test_an_offer_after_eligibility_ended_is_refused(app: Any, register: None) -> None:
    person = db.session.scalar(select(Person).where(Person.ref == "SL-002"))
    assert person is not None
    person.eligible_until = date(2026, 6, 30)
    db.session.commit()
    response = signed_in(app, "advocacy").post("/staff/advocacy/offers/new", data=offer_form(ref="SL-002"))
    assert response.status_code == 400 and "after the young person stopped being eligible" in text(response)


@pytest.mark.parametrize("role", ["champions", "worker"])
def test_only_advocacy_workers_managers_and_admins_keep_the_log(app: Any, register: None, role: str) -> None:
    owner = signed_in(app, "advocacy")
    offer_id = logged(owner, notes="Private note")
    client = signed_in(app, role)
    for path in ("/staff/advocacy/offers", "/staff/advocacy/offers/new", f"/staff/advocacy/offers/{offer_id}"):
        response = client.get(path)
        assert response.status_code == 403 and "Private note" not in text(response)
    assert client.post("/staff/advocacy/offers/new", data=offer_form(offered_on="2026-11-03")).status_code == 403
    assert count("advocacy_offer") == 1


def test_the_log_filters_and_refuses_a_filter_it_does_not_know(app: Any, register: None, clock: Clock) -> None:
    client = signed_in(app, "advocacy")
    logged(client, ref="SL-001")
    logged(client, ref="SL-002", response="thinking", follow_up_on="2026-11-20")
    logged(client, ref="SL-003", response="declined")
    follow_ups = text(client.get("/staff/advocacy/offers?show=follow-up"))
    assert "SL-002" in follow_ups and "SL-001" not in follow_ups and "SL-003" not in follow_ups
    going_on = text(client.get("/staff/advocacy/offers?show=open"))
    assert "SL-001" in going_on and "SL-002" not in going_on
    assert "SL-003" in text(client.get("/staff/advocacy/offers?q=l-003"))
    bad = client.get("/staff/advocacy/offers?show=everything")
    assert bad.status_code == 400 and "show must be one of" in text(bad)


# --- response, sessions and closing -------------------------------------------------------------------------


def test_someone_thinking_about_it_accepts_then_sessions_are_recorded(app: Any, register: None) -> None:
    client = signed_in(app, "advocacy")
    offer_id = logged(client, response="thinking")
    refused = client.post(f"/staff/advocacy/offers/{offer_id}/sessions", data={"session-held_on": "2026-11-10"})
    assert refused.status_code == 400 and "Sessions are only for an offer that was accepted" in text(refused)
    changed = client.post(
        f"/staff/advocacy/offers/{offer_id}",
        data={"update-response": "accepted", "update-follow_up_on": "", "update-notes": "Said yes on the phone"},
    )
    assert changed.status_code == 302
    for day in ("2026-11-10", "2026-11-17"):
        added = client.post(
            f"/staff/advocacy/offers/{offer_id}/sessions", data={"session-held_on": day, "session-notes": "Met"}
        )
        assert added.status_code == 302
    (offer,) = offers()
    assert offer.response == "accepted" and offer.notes == "Said yes on the phone"
    assert [held.held_on for held in offer.sessions] == [date(2026, 11, 10), date(2026, 11, 17)]
    undo = client.post(f"/staff/advocacy/offers/{offer_id}", data={"update-response": "declined"})
    assert undo.status_code == 400 and "cannot change once sessions are recorded" in text(undo)
    assert offers()[0].response == "accepted"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"session-held_on": "2026-11-01"}, "Date of the session is before the offer (2 November 2026)"),
        ({"session-held_on": "2026-11-24"}, "Date of the session is in the future"),
        ({"session-held_on": "yesterday"}, "Date of the session is not a date written YYYY-MM-DD"),
        ({"session-held_on": ""}, "Date of the session is missing"),
    ],
)
def test_a_bad_session_is_refused(app: Any, register: None, data: dict[str, str], expected: str) -> None:
    client = signed_in(app, "advocacy")
    offer_id = logged(client)
    response = client.post(f"/staff/advocacy/offers/{offer_id}/sessions", data=data)
    assert response.status_code == 400 and expected in text(response)
    assert count("advocacy_session") == 0


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"close-outcome": "achieved", "close-closed_on": "2026-11-09"}, "before the last session (10 November 2026)"),
        ({"close-outcome": "achieved", "close-closed_on": "2026-11-24"}, "Date advocacy closed is in the future"),
        ({"close-outcome": "", "close-closed_on": "2026-11-20"}, "Outcome is not one of the outcomes listed"),
        ({"close-outcome": "achieved", "close-closed_on": ""}, "Date advocacy closed is missing"),
    ],
)
def test_a_bad_close_is_refused_and_nobody_is_asked(
    app: Any, register: None, data: dict[str, str], expected: str
) -> None:
    client = signed_in(app, "advocacy")
    offer_id = logged(client)
    client.post(f"/staff/advocacy/offers/{offer_id}/sessions", data={"session-held_on": "2026-11-10"})
    response = client.post(f"/staff/advocacy/offers/{offer_id}/close", data=data)
    assert response.status_code == 400 and expected in text(response)
    (offer,) = offers()
    assert offer.closed_on is None and offer.voice_conversation_id is None
    assert count("conversation") == 0 and count("outbound_message") == 0


def close(client: Any, offer_id: int, day: str = "2026-11-20") -> Any:
    return client.post(
        f"/staff/advocacy/offers/{offer_id}/close", data={"close-outcome": "views-heard", "close-closed_on": day}
    )


def voice(runner: Any) -> dict[str, Any]:
    result = runner.invoke(args=["report", "advocacy", "--format", "json"])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout)["voice_heard"])


def test_closing_texts_the_question_and_the_answer_comes_back_into_the_report(
    app: Any, register: None, runner: Any, twilio: TwilioWebhook, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = signed_in(app, "advocacy")
    offer_id = logged(client)
    closed = close(client, offer_id)
    assert closed.status_code == 200
    assert 'SL-001 is queued to be texted now, asking "Did you feel your voice was heard?".' in text(closed)
    assert not LINK.search(text(closed))
    (offer,) = offers()
    assert offer.outcome == "views-heard" and offer.closed_on == date(2026, 11, 20)
    conversation = db.session.get(Conversation, offer.voice_conversation_id)
    assert conversation is not None and conversation.occurrence == f"advocacy-offer-{offer_id}"
    (invitation,) = db.session.scalars(select(OutboundMessage)).all()
    assert "Did you feel your voice was heard?" in invitation.body
    assert voice(runner) == {
        "closed": 1, "asked": 1, "answered": 0, "heard": 0, "share_heard": 0.0, "average_rating": None,
    }  # fmt: skip

    assert "simulated 1" in runner.invoke(args=["outbox", "flush"]).output
    assert "Anything you want to tell us" in twilio.replies("4")[0]
    assert "Thanks" in twilio.replies("She really listened to me")[0]
    assert voice(runner) == {
        "closed": 1, "asked": 1, "answered": 1, "heard": 1, "share_heard": 1.0, "average_rating": 4.0,
    }  # fmt: skip
    page = text(client.get("/staff/advocacy"))
    assert "<strong>1 of 1</strong> young people who answered (100%) said their" in page

    # Closed: no second close, no second question.
    again = close(client, offer_id, "2026-11-21")
    assert again.status_code == 400 and "Advocacy closed on 20 November 2026: nothing more" in text(again)
    asked = select(OutboundMessage).where(OutboundMessage.kind == sending.INVITATION)
    assert len(db.session.scalars(asked).all()) == 1
    logged_lines = "\n".join(record.getMessage() for record in caplog.records)
    assert "She really listened" not in logged_lines and "7700900123" not in logged_lines


def test_closing_in_quiet_hours_says_when_the_question_will_be_texted(app: Any, register: None, clock: Clock) -> None:
    client = signed_in(app, "advocacy")
    offer_id = logged(client)
    clock.advance(hours=8)  # 22:00: texts wait for quiet hours to end at 08:00
    page = text(close(client, offer_id))
    assert "SL-001 will be texted tomorrow at 8:00am, after quiet hours" in page
    assert "is queued to be texted now" not in page and "has been sent" not in page
    (message,) = db.session.scalars(select(OutboundMessage)).all()
    assert message.status == "queued"  # in the outbox, not sent: it goes when quiet hours end


def test_closing_for_someone_who_opted_out_says_so_and_gives_a_link(
    app: Any, register: None, twilio: TwilioWebhook
) -> None:
    twilio.replies("STOP", sender="+447700900123")  # SL-001
    client = signed_in(app, "advocacy")
    page = text(close(client, logged(client)))
    assert "SL-001 cannot be texted: they have opted out of texts." in page and LINK.search(page)


def test_a_ref_not_on_the_register_says_what_to_do_in_the_browser(app: Any, register: None) -> None:
    response = signed_in(app, "advocacy").post("/staff/advocacy/offers/new", data=offer_form(ref="SL-999"))
    page = text(response)
    assert "check it, or add them on the Young people page first" in page
    assert "feedback people import" not in page  # a command is no help in a browser


@pytest.mark.parametrize("ref", ["SL-002", "SL-003"])
def test_someone_who_cannot_be_texted_gets_a_link_shown_once(app: Any, register: None, runner: Any, ref: str) -> None:
    client = signed_in(app, "advocacy")
    offer_id = logged(client, ref=ref)
    closed = close(client, offer_id)
    why = {"SL-002": "the register has no mobile number for them", "SL-003": "the register says they do not agree"}
    assert f"{ref} cannot be texted: {why[ref]}" in text(closed)
    assert "works until 23 December at 2:00pm" in text(closed)  # 30 days, though other links last longer
    found = LINK.search(text(closed))
    assert found is not None
    assert count("outbound_message") == 0  # no text to someone without a number or without consent
    assert not LINK.search(text(client.get(f"/staff/advocacy/offers/{offer_id}")))  # shown only once

    base = urlsplit(found.group(0)).path
    Respondent(app.test_client()).complete(base, ["2", "It was hard to get a word in"])
    assert voice(runner) == {
        "closed": 1, "asked": 1, "answered": 1, "heard": 0, "share_heard": 0.0, "average_rating": 2.0,
    }  # fmt: skip


def test_each_offer_is_asked_once_and_a_second_offer_is_asked_again(app: Any, register: None, runner: Any) -> None:
    client = signed_in(app, "advocacy")
    first = logged(client, ref="SL-002", offered_on="2026-10-01")
    close(client, first, "2026-10-20")
    offer = db.session.get(AdvocacyOffer, first)
    assert offer is not None
    repeat = advocacy_cases.ask_voice_heard(
        db.session, offer, now=offer.created_at, links_to=sending.LinkSettings("http://x")
    )
    assert repeat.channel is None and "asked already" in (repeat.reason or "")
    second = logged(client, ref="SL-002", offered_on="2026-11-02", context="complaint")
    assert LINK.search(text(close(client, second)))
    assert voice(runner)["asked"] == 2
    assert count("conversation") == 2


def test_closing_without_the_survey_closes_and_says_why_nobody_was_asked(app: Any, register: None) -> None:
    db.session.execute(db.text("UPDATE survey SET slug = 'renamed-voice' WHERE slug = 'advocacy-voice'"))
    db.session.commit()
    client = signed_in(app, "advocacy")
    offer_id = logged(client)
    closed = close(client, offer_id)
    page = text(closed)
    assert closed.status_code == 200 and "the survey that asks it is not published" in page
    assert "An admin can publish it on the Surveys page" in page and "feedback defaults" not in page
    assert offers()[0].closed_on == date(2026, 11, 20) and offers()[0].voice_conversation_id is None


def test_sessions_are_kept_with_their_offer(app: Any, register: None) -> None:
    client = signed_in(app, "advocacy")
    offer_id = logged(client)
    client.post(f"/staff/advocacy/offers/{offer_id}/sessions", data={"session-held_on": "2026-11-05"})
    assert db.session.scalar(select(AdvocacySession.offer_id)) == offer_id

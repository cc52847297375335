"""A statement is a thread: the young person's own page names their worker and shows what they sent, the worker's
replies and their own answers, in time order; they answer a reply from under it, and the answer is stored first,
screened, never lost and never stored twice, waits in the worker's inbox again and reaches the worker by email
(without their words). An expired link says how to get a new one, and HELP from a young person the service knows
carries it. The web's thanks page shows the survey's own web thanks, never the texted one."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask, current_app
from sqlalchemy import select

from feedback.accounts import operations as staff
from feedback.accounts.models import StaffUser
from feedback.core.clock import now
from feedback.extensions import db
from feedback.messages import outbox
from feedback.messages.models import InboundMessage, OutboundMessage
from feedback.messages.wording import HELP_MAX_SEGMENTS, Wording
from feedback.ops import runner
from feedback.people import links
from feedback.people import operations as people
from feedback.people.models import Person
from feedback.safeguarding import notifications
from feedback.safeguarding.models import Notification, SafeguardingAlert
from feedback.statements import operations as statements
from feedback.statements.models import Statement, StatementAnswer
from feedback.surveys import operations as surveys
from tests import log_watch
from tests.conftest import SERVICE_NUMBER, YOUNG_PERSON, Clock, TwilioWebhook, count
from tests.ops.test_migrations import bare_app, empty_database  # noqa: F401 - the migration test's fixtures
from tests.web_client import Respondent

PASSWORD = "a long enough password"
WORRIED = "statement-worried"
WORRY = "My placement might change and nobody has said"
FIRST_REPLY = "Thanks for telling me. Can we talk on Thursday?"
ANSWER = "Thursday is fine but after school please, I finish at 3"
SECOND_REPLY = "Great, I'll come to the house at 4 on Thursday."
RISKY = "He hits me when he's drunk and I'm scared to go home"


# --- the people in it --------------------------------------------------------------------------------------------


def worker(email: str = "sam@example.org", name: str = "Sam Jones", team: str = "Hamilton") -> StaffUser:
    user = staff.create_user(db.session, email, PASSWORD, "worker", team=team, display_name=name)
    db.session.commit()
    return user


def young_person(phone: str = YOUNG_PERSON, *, named: StaffUser | None = None) -> tuple[Person, str]:
    person = people.get_or_create_person(db.session, phone)
    if named is not None:
        staff.assign(db.session, person, worker=named, team=None)
    token = links.issue(db.session, person.id, now=now(), valid_for=timedelta(days=90))
    db.session.commit()
    return person, token


def staff_client(app: Flask, email: str = "sam@example.org") -> Any:
    signed = app.test_client()
    assert signed.post("/staff/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return signed


def send_statement(client: Any, token: str, worry: str = WORRY) -> Statement:
    Respondent(client).complete(f"/s/{WORRIED}/{token}", [worry, "Tell me what is happening"])
    return db.session.scalars(select(Statement).order_by(Statement.id.desc())).first()  # type: ignore[return-value]


def reply(app: Flask, statement: Statement, words: str, email: str = "sam@example.org") -> None:
    response = staff_client(app, email).post(f"/staff/statements/{statement.id}/reply", data={"body": words})
    assert response.status_code == 302, response.get_data(as_text=True)


def answer_form(client: Any, token: str, statement: Statement) -> dict[str, str]:
    """The fields of the form under the latest reply, as the page rendered them (its own nonce)."""
    page = client.get(f"/me/{token}").get_data(as_text=True)
    action = f"/me/{token}/statements/{statement.id}/answer"
    found = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', page, re.S)
    assert found, f"no form to answer statement {statement.id}"
    fields = dict(re.findall(r'<input type="hidden" name="(csrf_token|nonce)" value="([^"]*)"', found.group()))
    return fields


def send_answer(client: Any, token: str, statement: Statement, words: str, fields: dict[str, str] | None = None) -> Any:
    log_watch.remember(words)
    fields = fields if fields is not None else answer_form(client, token, statement)
    return client.post(f"/me/{token}/statements/{statement.id}/answer", data={**fields, "body": words})


def fresh(statement: Statement) -> Statement:
    db.session.expire_all()
    found = db.session.get(Statement, statement.id)
    assert found is not None
    return found


def stored_as(words: str) -> list[InboundMessage]:
    """The inbound messages holding these words (encrypted in the database, so read and compared here)."""
    return [m for m in db.session.scalars(select(InboundMessage).order_by(InboundMessage.id)) if m.body == words]


def answer_emails() -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.reason == statements.ANSWER_REASON)))


# --- the thread both ways ----------------------------------------------------------------------------------------


def test_the_thread_goes_both_ways_and_the_worker_is_told(app: Flask, client: Any, clock: Clock) -> None:
    sam = worker()
    person, token = young_person(named=sam)
    statement = send_statement(client, token)
    mine = client.get(f"/me/{token}").get_data(as_text=True)
    assert "Your worker is <strong>Sam Jones</strong>, Hamilton team." in mine
    assert WORRY in mine and "Sent: not read yet" in mine
    assert "Write back to" not in mine  # nothing to answer until the worker replies

    clock.advance(hours=2)
    reply(app, statement, FIRST_REPLY)
    mine = client.get(f"/me/{token}").get_data(as_text=True)
    assert "Replied" in mine and "Sam Jones replied" in mine and "Write back to Sam Jones" in mine

    answered_at = clock.advance(hours=3)
    assert send_answer(client, token, statement, ANSWER).status_code == 302
    answered = fresh(statement)
    # The answer is for the worker to read: the statement waits unread in their inbox again, due in working days.
    assert answered.status == statements.SENT and answered.read_at is None and answered.read_by_id is None
    assert answered.due_at == statements.add_working_days(answered_at, 2)
    (stored,) = stored_as(ANSWER)
    assert (stored.channel, stored.person_id, stored.conversation_id) == ("web", person.id, statement.conversation_id)
    assert (stored.status, stored.handling, stored.risk) == ("processed", statements.ANSWER_HANDLING, False)
    assert [a.inbound_message_id for a in answered.answers] == [stored.id]

    (email,) = answer_emails()
    assert (email.channel, email.recipient, email.staff_user_id) == ("email", "sam@example.org", sam.id)
    assert email.statement_id == statement.id and "A young person answered your reply" in email.subject
    assert f"/staff/statements/{statement.id}" in email.body and "Their words are not in this email" in email.body
    for words in (ANSWER, "Thursday", WORRY, FIRST_REPLY):
        assert words not in email.body and words not in email.subject

    page = client.get(f"/me/{token}").get_data(as_text=True)
    assert "Sent. Sam Jones will get an email to say it's here." in page  # once, straight after sending
    assert "Sent. Sam Jones" not in client.get(f"/me/{token}").get_data(as_text=True)

    sam_pages = staff_client(app)
    shown = sam_pages.get(f"/staff/statements/{statement.id}").get_data(as_text=True)
    assert ANSWER in shown and "Reply to their answer" in shown and "Mark as read" in shown
    assert shown.index(WORRY) < shown.index(FIRST_REPLY) < shown.index(ANSWER)
    clock.advance(hours=1)
    reply(app, statement, SECOND_REPLY)
    assert fresh(statement).status == statements.REPLIED

    thread = client.get(f"/me/{token}").get_data(as_text=True)
    said = [WORRY, FIRST_REPLY, ANSWER, "Great, I&#39;ll come to the house at 4 on Thursday."]
    assert [thread.index(words) for words in said] == sorted(thread.index(words) for words in said)
    assert "You wrote back" in thread and "Write back to Sam Jones" in thread
    # The second reply is texted like the first; the young person's answer never is.
    texted = db.session.scalars(select(OutboundMessage.body).where(OutboundMessage.kind == "statement-reply")).all()
    assert len(texted) == 2 and not any(ANSWER in body for body in texted)


def test_an_answer_to_the_duty_inbox_emails_the_duty_team(app: Flask, client: Any) -> None:
    duty = worker("alex@example.org", name="Alex", team="Duty team")
    _, token = young_person()
    statement = send_statement(client, token)
    assert statement.worker_id is None
    reply(app, statement, FIRST_REPLY, email="alex@example.org")
    page = client.get(f"/me/{token}").get_data(as_text=True)
    assert "Nobody is named as your worker yet" in page and "Write back to your worker" in page
    send_answer(client, token, statement, ANSWER)
    (email,) = answer_emails()
    assert email.staff_user_id == duty.id and ANSWER not in email.body


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("worker", "Your worker is <strong>Sam Jones</strong>, Hamilton team."),
        ("worker without a name", "You have a named worker in the Hamilton team."),
        ("team", "You don't have a named worker yet. What you send here goes to the workers on duty in the "
         "Clydesdale team."),
        ("worker who left", "You don't have a named worker yet. What you send here goes to the workers on duty "
         "in the Hamilton team."),
        ("nobody", "Nobody is named as your worker yet."),
    ],
)  # fmt: skip
def test_their_page_says_plainly_who_reads_what_they_send(app: Flask, client: Any, given: str, words: str) -> None:
    person, token = young_person()
    if given in {"worker", "worker who left"}:
        staff.assign(db.session, person, worker=worker(), team=None)
    elif given == "worker without a name":
        staff.assign(db.session, person, worker=worker(name=""), team=None)
    elif given == "team":
        staff.assign(db.session, person, worker=None, team=staff.team_named(db.session, "Clydesdale"))
    if given == "worker who left":
        db.session.scalars(select(StaffUser)).one().active = False
    db.session.commit()
    assert words in client.get(f"/me/{token}").get_data(as_text=True)


# --- never lost, never twice -------------------------------------------------------------------------------------


def replied_statement(app: Flask, client: Any) -> tuple[Statement, str]:
    _, token = young_person(named=worker())
    statement = send_statement(client, token)
    reply(app, statement, FIRST_REPLY)
    return statement, token


def test_the_thread_and_the_expired_page_read_at_eleven_or_under(app: Flask, client: Any) -> None:
    from feedback.analysis.readability import MAX_READING_AGE, reading

    statement, token = replied_statement(app, client)
    send_answer(client, token, statement, ANSWER)
    for path in (f"/me/{token}", "/me/no-such-link"):
        page = re.sub(r"(?s)<(script|style|head|svg)\b.*?</\1>", " ", client.get(path).get_data(as_text=True))
        words = html.unescape(re.sub(r"<[^>]+>", "\n", page))
        for theirs in (WORRY, FIRST_REPLY, ANSWER, "Tell me what is happening"):
            words = words.replace(theirs, "")  # what people wrote is theirs to word; the page's own words are read
        assert reading(words).age <= MAX_READING_AGE, path


def test_a_double_submit_stores_one_answer(app: Flask, client: Any) -> None:
    statement, token = replied_statement(app, client)
    fields = answer_form(client, token, statement)
    first = send_answer(client, token, statement, ANSWER, fields)
    again = send_answer(client, token, statement, ANSWER, fields)
    assert first.status_code == again.status_code == 302
    assert count("statement_answer") == 1 and len(answer_emails()) == 1
    assert len(stored_as(ANSWER)) == 1
    # A new rendering of the form is a new answer.
    send_answer(client, token, statement, "And can my sister come too?")
    assert count("statement_answer") == 2 and len(answer_emails()) == 2


def test_a_failing_screen_keeps_the_answer_and_sending_again_finishes_it(
    app: Flask, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    statement, token = replied_statement(app, client)
    fields = answer_form(client, token, statement)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the screen is down")

    monkeypatch.setattr(statements, "screen_message", broken)
    with pytest.raises(RuntimeError):
        send_answer(client, token, statement, ANSWER, fields)
    db.session.rollback()
    (stored,) = stored_as(ANSWER)
    assert stored.status == "received"  # kept, waiting to be screened
    assert db.session.scalars(select(StatementAnswer.inbound_message_id)).all() == [stored.id]  # and in the thread
    assert ANSWER in client.get(f"/me/{token}").get_data(as_text=True)
    assert fresh(statement).status == statements.REPLIED and answer_emails() == []

    monkeypatch.undo()
    assert send_answer(client, token, statement, ANSWER, fields).status_code == 302  # the same form, pressed again
    db.session.expire_all()
    assert db.session.get(InboundMessage, stored.id).status == "processed"  # type: ignore[union-attr]
    assert count("statement_answer") == 1 and len(answer_emails()) == 1
    assert fresh(statement).status == statements.SENT


def test_an_answer_whose_page_failed_is_finished_by_the_worker_if_never_sent_again(
    app: Flask, client: Any, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    statement, token = replied_statement(app, client)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the screen is down")

    monkeypatch.setattr(statements, "screen_message", broken)
    with pytest.raises(RuntimeError):
        send_answer(client, token, statement, RISKY)  # and the young person closes the page
    db.session.rollback()
    monkeypatch.undo()
    (stored,) = stored_as(RISKY)
    assert statements.stranded_answers(db.session, now()) == []  # its page may still finish it

    clock.advance(minutes=3)
    assert statements.stranded_answers(db.session, now()) == [stored.id]
    runner.work_once(outbox.SimulatedSender())
    db.session.expire_all()
    assert db.session.get(InboundMessage, stored.id).status == "processed"  # type: ignore[union-attr]
    alert = db.session.scalars(select(SafeguardingAlert).where(SafeguardingAlert.inbound_message_id == stored.id)).one()
    assert alert.tier == "risk"  # screened: the risk reaches a person though nobody sent the page again
    assert fresh(statement).status == statements.SENT and len(answer_emails()) == 1
    runner.work_once(outbox.SimulatedSender())
    again = db.session.scalars(select(SafeguardingAlert).where(SafeguardingAlert.inbound_message_id == stored.id))
    assert len(again.all()) == 1 and len(answer_emails()) == 1  # finished once


def test_a_failing_email_keeps_the_answer_and_its_alert(
    app: Flask, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    statement, token = replied_statement(app, client)
    fields = answer_form(client, token, statement)
    real_queue = notifications._queue

    def queue_but_not_for_answers(*args: Any, **kwargs: Any) -> int:
        if kwargs.get("reason") == statements.ANSWER_REASON:
            raise RuntimeError("the outbox is broken")
        return real_queue(*args, **kwargs)

    monkeypatch.setattr(notifications, "_queue", queue_but_not_for_answers)
    with pytest.raises(RuntimeError):
        send_answer(client, token, statement, RISKY, fields)
    db.session.rollback()
    (stored,) = stored_as(RISKY)
    assert stored.status == "received" and stored.risk is True  # stored and screened
    alert = db.session.scalars(select(SafeguardingAlert).where(SafeguardingAlert.inbound_message_id == stored.id)).one()
    assert alert.tier == "risk"  # the alert stands whatever failed after it
    assert count("statement_answer") == 1

    monkeypatch.undo()
    assert send_answer(client, token, statement, RISKY, fields).status_code == 302
    assert len(answer_emails()) == 1
    assert db.session.scalars(
        select(SafeguardingAlert.inbound_message_id).where(SafeguardingAlert.inbound_message_id == stored.id)
    ).all() == [stored.id]  # no second alert
    assert fresh(statement).status == statements.SENT


def test_a_risky_answer_raises_an_alert_and_shows_where_to_get_help(app: Flask, client: Any) -> None:
    statement, token = replied_statement(app, client)
    response = send_answer(client, token, statement, RISKY)
    assert response.status_code == 302
    (stored,) = stored_as(RISKY)
    alert = db.session.scalars(select(SafeguardingAlert).where(SafeguardingAlert.inbound_message_id == stored.id)).one()
    assert alert.tier == "risk" and stored.channel == "web" and stored.risk
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'role="alert"' in page and "Thank you for telling us" in page and 'href="tel:08001111"' in page
    assert RISKY.replace("'", "&#39;") in page  # still their answer, in the thread
    assert fresh(statement).status == statements.SENT
    for note in db.session.scalars(select(Notification)):
        assert "hits me" not in note.body and "hits me" not in note.subject
    assert "Thank you for telling us" not in client.get(f"/me/{token}").get_data(as_text=True)  # shown once


def test_an_answer_asking_for_help_says_a_worker_will_be_in_touch(app: Flask, client: Any) -> None:
    statement, token = replied_statement(app, client)
    response = send_answer(client, token, statement, "can someone phone me")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thanks for asking for help" in page
    (stored,) = stored_as("can someone phone me")
    alert = db.session.scalars(select(SafeguardingAlert).where(SafeguardingAlert.inbound_message_id == stored.id)).one()
    assert alert.tier == "concern" and alert.reason == "asks for help"


def test_an_empty_answer_is_refused_and_a_long_one_kept_but_not_sent(app: Flask, client: Any) -> None:
    statement, token = replied_statement(app, client)
    empty = send_answer(client, token, statement, "   ")
    assert empty.status_code == 400 and "Write your answer first." in empty.get_data(as_text=True)
    assert count("inbound_message") == 2  # the statement's two answers, nothing more

    long = "I want to say this. " * 120
    refused = send_answer(client, token, statement, long)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "Please make it 2,000 or fewer." in page
    assert long.strip() in page and 'aria-invalid="true"' in page  # kept in the box
    (kept,) = stored_as(long)
    assert (kept.status, kept.handling) == ("processed", statements.TOO_LONG_HANDLING)
    assert count("statement_answer") == 0 and answer_emails() == []
    assert fresh(statement).status == statements.REPLIED


def test_only_their_own_statement_with_a_reply_can_be_answered(app: Flask, client: Any) -> None:
    statement, token = replied_statement(app, client)
    _, other_token = young_person("+447700900777")
    fields = answer_form(client, token, statement)
    elsewhere = client.post(f"/me/{other_token}/statements/{statement.id}/answer", data={**fields, "body": ANSWER})
    assert elsewhere.status_code == 404 and "This link has expired" in elsewhere.get_data(as_text=True)
    unreplied = send_statement(client, other_token, "Another worry about school")
    not_yet = client.post(f"/me/{other_token}/statements/{unreplied.id}/answer", data={**fields, "body": ANSWER})
    assert not_yet.status_code == 302
    assert count("statement_answer") == 0
    assert stored_as(ANSWER) == []


def test_an_answer_is_never_analysed_for_the_board(app: Flask, client: Any) -> None:
    from feedback.insight import filing

    statement, token = replied_statement(app, client)
    send_answer(client, token, statement, ANSWER)
    (stored,) = stored_as(ANSWER)
    assert stored.id not in filing.pending(db.session)


# --- an expired link, and a new one by text ----------------------------------------------------------------------


def test_the_expired_page_says_how_to_get_a_new_link_with_a_link_to_text_us(app: Flask, client: Any) -> None:
    page = client.get("/me/not-a-real-token")
    text = page.get_data(as_text=True)
    assert page.status_code == 404 and "This link has expired" in text
    assert f'href="sms:{SERVICE_NUMBER}?&amp;body=HELP"' in text and "Text HELP to 07700 900999" in text
    assert "on the council's list of young people in care or leaving care" in text
    assert "our help numbers, but no link" in text and "text START first" in text
    assert 'href="tel:08001111"' in text  # the help numbers, to tap and call

    app.config["TWILIO_FROM_NUMBER"] = None  # sending from a Messaging Service: no one number to name
    text = client.get("/me/not-a-real-token").get_data(as_text=True)
    assert "sms:" not in text and "Send it to the number the link came from." in text
    app.config["PUBLIC_BASE_URL"] = "https://feedback.example.org/" + "a-very-long-address/" * 10
    text = client.get("/me/not-a-real-token").get_data(as_text=True)
    assert "Text HELP" not in text and "Ask your worker for a new link." in text


def test_help_from_a_young_person_on_the_register_brings_a_new_link(
    app: Flask, client: Any, twilio: TwilioWebhook
) -> None:
    person, token = young_person(named=worker())
    links.revoke_all(db.session, person.id, now=now())  # their old link no longer works
    db.session.commit()
    assert client.get(f"/me/{token}").status_code == 404

    (answer,) = twilio.replies("HELP")
    found = re.search(r"https://feedback\.example\.org(/me/\S+)", answer)
    assert found and answer.startswith("The South Lanarkshire Champions Board: here is a new link to your own page:")
    assert "Reply STOP to stop" in answer and "Childline 0800 1111" in answer
    page = client.get(found.group(1))
    assert page.status_code == 200 and "Your worker is <strong>Sam Jones</strong>" in page.get_data(as_text=True)


def test_help_from_someone_the_service_does_not_know_has_no_link(app: Flask, twilio: TwilioWebhook) -> None:
    assert twilio.replies("HELP") == [Wording.from_config(app.config).help]
    assert count("personal_link") == 0


def test_help_replies_make_a_link_only_for_a_known_young_person_and_only_when_it_fits(app: Flask) -> None:
    wording = Wording.from_config(app.config)
    stranger = people.get_or_create_person(db.session, "+447700900555")
    assert links.help_replies(db.session, stranger, wording=wording, now=now(), twilio_replied=False) == [wording.help]
    assert links.help_replies(db.session, stranger, wording=wording, now=now(), twilio_replied=True) == []
    on_register = people.get_or_create_person(db.session, YOUNG_PERSON)
    on_register.ref = "SL-0042"
    (with_link,) = links.help_replies(db.session, on_register, wording=wording, now=now(), twilio_replied=False)
    from feedback.core.segments import count_segments

    assert "/me/" in with_link and count_segments(with_link).segments <= HELP_MAX_SEGMENTS
    # With Twilio's Advanced Opt-Out Twilio sends its own help: the link goes in a text of its own.
    (alone,) = links.help_replies(db.session, on_register, wording=wording, now=now(), twilio_replied=True)
    assert alone.startswith("Here is a new link to your own page: https://feedback.example.org/me/")
    assert count("personal_link") == 2
    long_address = {**app.config, "PUBLIC_BASE_URL": "https://feedback.example.org/" + "very-long/" * 20}
    too_long = Wording.from_config(long_address)
    assert not too_long.sends_page_links
    assert links.help_replies(db.session, on_register, wording=too_long, now=now(), twilio_replied=False) == [
        too_long.help
    ]
    assert count("personal_link") == 2  # no link made that would not be sent
    own_words = Wording.from_config({**app.config, "HELP_TEXT": "Champions Board. Reply STOP to stop."})
    assert own_words.with_page_link("https://x.example/me/t") == "Champions Board. Reply STOP to stop. Your page: " + (
        "https://x.example/me/t"
    )


def test_help_brings_a_new_link_through_the_real_webhook(app: Flask, twilio: TwilioWebhook) -> None:
    young_person(named=worker())
    (answer,) = twilio.replies("HELP")
    assert "/me/" in answer


# --- the web's thanks --------------------------------------------------------------------------------------------


def test_the_thanks_page_shows_the_web_thanks_and_never_the_texted_one(app: Flask, client: Any) -> None:
    respondent = Respondent(client)
    respondent.complete("/s/monthly-checkin", ["4", "not sure", "yes", None])
    page = client.get("/s/monthly-checkin/done").get_data(as_text=True)
    assert "Thank you" in page and "Reply HELP" not in page

    version = surveys.current_version(db.session, "monthly-checkin")
    version.web_thanks = "Thanks for telling us how things are. Come back next month!"
    db.session.commit()
    again = Respondent(app.test_client())
    again.complete("/s/monthly-checkin", ["3", "yes", "no", None])
    page = again.client.get("/s/monthly-checkin/done").get_data(as_text=True)
    assert "Thanks for telling us how things are. Come back next month!" in page and "Reply HELP" not in page


# --- the migration -----------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("bare_app")
def test_0020_goes_down_without_losing_an_answer_and_up_again() -> None:
    """Down to 0019 the thread's rows go, and every word stays an inbound message of the young person; up again,
    the schema works."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from feedback.ops.defaults import load_defaults

    upgrade()
    load_defaults(db.session)
    db.session.commit()
    client = current_app.test_client()
    sam = worker()
    person, token = young_person(named=sam)
    statement = send_statement(client, token)
    statements.reply(db.session, statement, sam, FIRST_REPLY, now=now())
    db.session.commit()
    send_answer(client, token, statement, ANSWER)
    assert count("statement_answer") == 1
    db.session.commit()  # end the read, or PostgreSQL's DROP TABLE waits for it

    downgrade(revision="0019")
    assert "statement_answer" not in inspect(db.engine).get_table_names()
    kept = [m for m in stored_as(ANSWER) if m.person_id == person.id]
    assert len(kept) == 1 and kept[0].conversation_id == statement.conversation_id
    db.session.commit()
    upgrade()
    assert count("statement_answer") == 0
    assert count("statement") == 1

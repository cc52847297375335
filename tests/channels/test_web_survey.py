"""Surveys on the web: one question per page, saved as the young person goes, resumable, with the same answers and
export as SMS; and the ways a page can go wrong (a double submit, over-long text, a lost session, a bot, an
expired link) without losing anything a young person sent."""

from __future__ import annotations

import csv
import io
import os
import secrets
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from feedback.core.clock import now
from feedback.extensions import db
from feedback.messages.models import InboundMessage
from feedback.people import links
from feedback.people import operations as people
from feedback.safeguarding.models import SafeguardingAlert
from feedback.surveys import export
from feedback.surveys.models import Answer, Conversation
from tests.conftest import YOUNG_PERSON, Clock, TwilioWebhook, count
from tests.web_client import Respondent, hidden_fields

CHECKIN = "/s/monthly-checkin"
FULL_ANSWERS: list[str | None] = ["4", "not sure", "yes", "A bus pass that works at weekends"]


@pytest.fixture
def respondent(client: Any) -> Respondent:
    return Respondent(client)


def personal_token(phone: str = YOUNG_PERSON) -> str:
    person = people.get_or_create_person(db.session, phone)
    token = links.issue(db.session, person.id, now=now(), valid_for=timedelta(days=90))
    db.session.commit()
    return token


def test_an_open_link_shows_the_survey_one_question_per_page(app: Any, respondent: Respondent) -> None:
    start = respondent.page(CHECKIN).get_data(as_text=True)
    assert "Monthly check-in" in start and f'href="{CHECKIN}/q/1"' in start
    page = respondent.page(f"{CHECKIN}/q/1").get_data(as_text=True)
    assert "Question 1 of 4" in page
    assert "How are things where you live?" in page  # the web wording, not "Reply 1 (bad) to 5"
    # A rating shows words as well as numbers.
    for words in ("<strong>1</strong> Very bad", "<strong>3</strong> OK", "<strong>5</strong> Great"):
        assert words in page
    assert f'href="{CHECKIN}"' in page  # back to the start
    assert count("conversation") == 0 and count("person") == 0  # opening a page writes nothing


def test_a_whole_survey_on_the_web_lands_in_the_export_beside_sms(
    app: Any, respondent: Respondent, twilio: TwilioWebhook
) -> None:
    done = respondent.complete(CHECKIN, FULL_ANSWERS)
    assert done.headers["Location"].endswith(f"{CHECKIN}/done")
    thanks = respondent.page(f"{CHECKIN}/done").get_data(as_text=True)
    assert "What happens next" in thanks
    # The same survey by SMS, from someone else.
    twilio.replies("checkin")
    for reply in ("2", "a", "no", "skip"):
        twilio.replies(reply)

    rows = list(export.iter_responses(db.session))
    web = [r for r in rows if r["channel"] == "web"]
    sms = [r for r in rows if r["channel"] == "sms"]
    assert [(r["question"], r["value"]) for r in web] == [
        ("home", 4),
        ("worker", "not sure"),
        ("heard", "yes"),
        ("change", "A bus pass that works at weekends"),
    ]
    assert len(sms) == 4
    assert web[0]["respondent"] != sms[0]["respondent"]
    conversation = db.session.scalars(select(Conversation).where(Conversation.channel == "web")).one()
    assert conversation.status == "completed"


def test_the_cli_export_has_the_web_answers(app: Any, respondent: Respondent, runner: Any) -> None:
    respondent.complete(CHECKIN, FULL_ANSWERS)
    result = runner.invoke(args=["responses", "export", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["channel"] for r in rows} == {"web"} and len(rows) == 4


def test_leaving_and_coming_back_resumes_where_they_left_off(app: Any, respondent: Respondent) -> None:
    respondent.submit(f"{CHECKIN}/q/1", "4")
    respondent.submit(f"{CHECKIN}/q/2", "yes")
    start = respondent.page(CHECKIN).get_data(as_text=True)
    assert "Carry on where you left off" in start and f"{CHECKIN}/q/3" in start
    # Going back shows the answer given, and changing it replaces it (one answer per question).
    back = respondent.page(f"{CHECKIN}/q/1").get_data(as_text=True)
    assert 'value="4" checked' in back
    respondent.submit(f"{CHECKIN}/q/1", "2")
    answers = db.session.scalars(select(Answer)).all()
    assert sorted(a.value_number or 0 for a in answers) == [0, 2]
    assert count("answer") == 2


def test_a_double_submit_records_one_answer(app: Any, respondent: Respondent) -> None:
    page = respondent.page(f"{CHECKIN}/q/4").get_data(as_text=True)
    fields = hidden_fields(page)
    first = respondent.post(f"{CHECKIN}/q/4", fields, "More say in my placement")
    second = respondent.post(f"{CHECKIN}/q/4", fields, "More say in my placement")
    assert first.status_code == second.status_code == 302
    assert count("answer") == 1
    assert count("inbound_message") == 1


def test_skip_works_only_on_optional_questions(app: Any, respondent: Respondent) -> None:
    refused = respondent.submit(f"{CHECKIN}/q/1", skip=True)
    assert refused.status_code == 400
    assert "This one needs an answer" in refused.get_data(as_text=True)
    assert count("answer") == 0
    skipped = respondent.submit(f"{CHECKIN}/q/4", skip=True)
    assert skipped.status_code == 302
    assert db.session.scalars(select(Answer.status)).one() == "skipped"


def test_nothing_chosen_is_asked_again_plainly(app: Any, respondent: Respondent) -> None:
    response = respondent.submit(f"{CHECKIN}/q/2")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in html and "Choose an answer" in html
    assert count("inbound_message") == 0  # nothing was sent, so nothing is stored


def test_a_made_up_choice_is_refused(app: Any, respondent: Respondent) -> None:
    response = respondent.submit(f"{CHECKIN}/q/2", "free pizza")
    assert response.status_code == 400
    assert count("answer") == 0


def test_over_long_text_is_refused_and_kept_in_the_box(app: Any, respondent: Respondent) -> None:
    words = "I want to say this. " * 105  # 2,100 characters
    response = respondent.submit(f"{CHECKIN}/q/4", words)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "2,100 characters" in html and "2,000 or fewer" in html
    assert words.strip() in html  # kept in the box
    assert count("answer") == 0
    # The words are still stored (and were screened), as every message a young person sends is.
    message = db.session.scalars(select(InboundMessage)).one()
    assert message.handling == "too-long" and message.body == words
    # Shortened, it goes through on the page's fresh nonce.
    assert respondent.submit(f"{CHECKIN}/q/4", words[:1990]).status_code == 302
    assert count("answer") == 1


def test_html_in_an_answer_is_stored_as_written_and_escaped_when_shown(app: Any, respondent: Respondent) -> None:
    script = '<script>alert("hi")</script> & <b>bold</b>'
    meeting = f"/s/statement-meeting/{personal_token()}"
    respondent.submit(f"{meeting}/q/1", script)
    assert db.session.scalars(select(Answer.raw_text)).one() == script
    page = respondent.page(f"{meeting}/q/1").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;hi&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page


def test_a_worrying_answer_raises_an_alert_and_shows_help(app: Any, respondent: Respondent) -> None:
    response = respondent.submit(f"{CHECKIN}/q/4", "I want to kill myself")
    assert response.status_code == 302
    alert = db.session.scalars(select(SafeguardingAlert)).one()
    assert alert.message.channel == "web"
    # The help comes next, on a page of its own, its numbers links to tap and call (tests/messages/test_replies.py).
    assert response.headers["Location"].endswith(f"{CHECKIN}/help")
    following = respondent.page(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you for telling us" in following and '<a href="tel:08001111">0800 1111</a>' in following


def test_the_honeypot_turns_a_bot_away_quietly(app: Any, respondent: Respondent) -> None:
    response = respondent.submit(f"{CHECKIN}/q/1", "4", website="http://spam.example")
    assert response.status_code == 302  # it looks like it worked
    assert count("answer") == 0 and count("person") == 0


def test_open_links_limit_new_responses_per_address(app: Any) -> None:
    app.config["ANONYMOUS_SUBMISSIONS_PER_HOUR"] = 3
    # Three young people on the same wifi each finish the survey: answers to a survey begun do not count.
    for _ in range(3):
        Respondent(app.test_client()).complete(CHECKIN, FULL_ANSWERS)
    fourth = Respondent(app.test_client()).submit(f"{CHECKIN}/q/1", "5")
    assert fourth.status_code == 429
    assert "Please wait a bit" in fourth.get_data(as_text=True)
    assert count("conversation") == 3
    # Another address is not held up, and personal links are never limited.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert Respondent(other).submit(f"{CHECKIN}/q/1", "4").status_code == 302
    token = personal_token()
    assert Respondent(app.test_client()).submit(f"{CHECKIN}/{token}/q/1", "3").status_code == 302


def test_answering_one_page_again_and_again_is_limited_too(app: Any, respondent: Respondent) -> None:
    app.config["ANONYMOUS_SUBMISSIONS_PER_HOUR"] = 1
    statuses = [respondent.submit(f"{CHECKIN}/q/1", str(1 + n % 5)).status_code for n in range(11)]
    assert statuses[:10] == [302] * 10 and statuses[10] == 429
    assert count("answer") == 1


@pytest.mark.parametrize("path", ["/s/no-such-survey", "/s/monthly-checkin/not-a-real-token", "/me/not-a-real-token"])
def test_a_link_that_never_existed_says_it_has_expired(app: Any, respondent: Respondent, path: str) -> None:
    response = respondent.page(path)
    assert response.status_code == 404
    assert "This link has expired" in response.get_data(as_text=True)


def test_expired_and_revoked_links_look_exactly_like_unknown_ones(
    app: Any, respondent: Respondent, clock: Clock
) -> None:
    unknown = respondent.page("/me/AAAAAAAAAAAAAAAAAAAAAA")
    token = personal_token()
    assert respondent.page(f"/me/{token}").status_code == 200
    clock.advance(days=91)
    expired = respondent.page(f"/me/{token}")
    fresh = personal_token()
    person = people.find_person(db.session, YOUNG_PERSON)
    assert person is not None
    links.revoke_all(db.session, person.id, now=now())
    db.session.commit()
    revoked = respondent.page(f"/me/{fresh}")
    assert unknown.status_code == expired.status_code == revoked.status_code == 404
    assert unknown.get_data() == expired.get_data() == revoked.get_data()


def test_a_statement_cannot_be_opened_without_a_personal_link(app: Any, respondent: Respondent) -> None:
    assert respondent.page("/s/statement-worried").status_code == 404
    assert respondent.page("/s/statement-worried/q/1").status_code == 404


def test_a_closed_survey_stops_opening(app: Any, respondent: Respondent, runner: Any) -> None:
    from feedback.surveys import operations as surveys

    surveys.close(db.session, "monthly-checkin", now())
    db.session.commit()
    assert respondent.page(CHECKIN).status_code == 404


def test_a_personal_link_survey_is_done_once_and_then_says_so(app: Any, respondent: Respondent) -> None:
    token = personal_token()
    respondent.complete(f"{CHECKIN}/{token}", FULL_ANSWERS)
    again = respondent.page(f"{CHECKIN}/{token}")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"{CHECKIN}/{token}/done")
    conversation = db.session.scalars(select(Conversation)).one()
    assert conversation.person.phone_hash is not None  # attached to the young person who owns the link


def test_a_survey_begun_by_text_carries_on_online_with_its_answers(
    app: Any, respondent: Respondent, twilio: TwilioWebhook
) -> None:
    twilio.replies("checkin")
    twilio.replies("5")  # question 1 answered by text
    token = personal_token()
    start = respondent.page(f"{CHECKIN}/{token}").get_data(as_text=True)
    assert "Carry on where you left off" in start and f"{CHECKIN}/{token}/q/2" in start
    for number, answer in ((2, "yes"), (3, "no"), (4, "More youth clubs")):
        assert respondent.submit(f"{CHECKIN}/{token}/q/{number}", answer).status_code == 302
    conversation = db.session.scalars(select(Conversation)).one()
    assert conversation.status == "completed" and conversation.channel == "web"
    assert count("answer") == 4
    # A text now is not taken as an answer to the web survey.
    assert twilio.replies("hello") != []
    assert count("answer") == 4


def test_a_lost_csrf_token_shows_the_page_again_with_the_answer_kept(app: Any) -> None:
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    page = client.get(f"{CHECKIN}/q/4").get_data(as_text=True)
    fields = hidden_fields(page)
    assert "csrf_token" in fields
    forged = dict(fields, csrf_token="expired-or-forged")
    response = client.post(f"{CHECKIN}/q/4", data={**forged, "answer": "My words, kept", "next": "1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "open a long time" in html and "My words, kept" in html
    assert count("answer") == 0
    # With the fresh token the page now carries, it goes through.
    retry = client.post(f"{CHECKIN}/q/4", data={**hidden_fields(html), "answer": "My words, kept", "next": "1"})
    assert retry.status_code == 302
    assert count("answer") == 1


def test_pages_with_young_peoples_words_are_never_cached(app: Any, respondent: Respondent) -> None:
    response = respondent.page(f"{CHECKIN}/q/1")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_the_last_page_does_not_finish_a_survey_with_a_question_left_unanswered(
    app: Any, respondent: Respondent
) -> None:
    # Straight to the last (optional) question, skipping it: the survey is not finished without the others.
    response = respondent.submit(f"{CHECKIN}/q/4", skip=True)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{CHECKIN}/q/1")
    assert "this one still needs an answer" in respondent.page(f"{CHECKIN}/q/1").get_data(as_text=True)
    conversation = db.session.scalars(select(Conversation)).one()
    assert conversation.status == "active"
    for number, answer in ((1, "4"), (2, "yes")):
        respondent.submit(f"{CHECKIN}/q/{number}", answer)
    assert respondent.submit(f"{CHECKIN}/q/3", "no").headers["Location"].endswith(f"{CHECKIN}/done")
    db.session.refresh(conversation)
    assert conversation.status == "completed"


# A database of its own on the local Redis: the test clears it.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_web_workers_share_the_limit_through_redis(app: Any) -> None:
    """Two web workers (two apps) counting in Redis: a fourth new response is refused whichever one takes it."""
    from feedback import create_app
    from feedback.extensions import limiter
    from tests.conftest import base_config

    prefix = f"feedback-test-{secrets.token_hex(4)}"
    settings = {"RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix, "ANONYMOUS_SUBMISSIONS_PER_HOUR": 3}
    workers = [create_app(base_config(app.config["SQLALCHEMY_DATABASE_URI"], **settings)) for _ in range(2)]
    try:
        statuses = []
        for attempt in range(4):
            worker = workers[attempt % 2]
            with worker.app_context():
                statuses.append(Respondent(worker.test_client()).submit(f"{CHECKIN}/q/1", "4").status_code)
        assert statuses == [302, 302, 302, 429]
    finally:
        limiter.reset()


def test_a_failure_shows_a_young_persons_error_page_and_keeps_earlier_answers(
    app: Any, respondent: Respondent, monkeypatch: pytest.MonkeyPatch
) -> None:
    respondent.submit(f"{CHECKIN}/q/1", "4")
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("feedback.surveys.conversations.answer_question", broken)
    response = respondent.submit(f"{CHECKIN}/q/2", "yes")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, something went wrong" in html and "/staff" not in html and "Traceback" not in html
    assert count("answer") == 1
    # The words of the failed page were stored before anything else, so they are not lost either.
    assert db.session.scalars(select(InboundMessage.body).order_by(InboundMessage.id.desc())).first() == "yes"


def test_a_shared_device_forgets_a_finished_survey_so_the_next_young_person_starts_afresh(
    app: Any, respondent: Respondent
) -> None:
    respondent.complete(CHECKIN, FULL_ANSWERS)
    start = respondent.page(CHECKIN).get_data(as_text=True)
    assert "Carry on where you left off" not in start and f'href="{CHECKIN}/q/1"' in start
    page = respondent.page(f"{CHECKIN}/q/4").get_data(as_text=True)
    assert "A bus pass that works at weekends" not in page  # the last person's words are not shown
    respondent.complete(CHECKIN, ["2", "no", "no", None])
    assert count("conversation") == 2 and count("person") == 2

"""Replies that fit what a young person said: a risk gets the help alone and the survey waits; "help me" raises a
concern and says a worker has been asked to get in touch; a wish to stop in their own words opts them out (but
never a disclosure that sounds like one); HELP mid-survey gives the question back; and on the web, the help comes
on a page of its own, with every help number a link to tap and call."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from markupsafe import Markup
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from feedback.analysis.readability import MAX_READING_AGE, reading
from feedback.analysis.safeguarding import LEARNED_CONCERN, Screening
from feedback.channels.web.phone_links import phone_links
from feedback.core.clock import now
from feedback.extensions import db
from feedback.insight import filing as analysis
from feedback.messages import inbound
from feedback.messages.keywords import wants_to_stop
from feedback.messages.models import InboundMessage
from feedback.messages.wording import HELP_REPLY_MAX_CHARACTERS, Wording
from feedback.people import links
from feedback.people import operations as people
from feedback.people.models import Person
from feedback.safeguarding.models import SafeguardingAlert
from feedback.surveys import conversations
from feedback.surveys.models import Answer, Conversation, Question
from tests import log_watch
from tests.browser import (
    CHROMIUM_ARGS,
    PHONE,
    LiveApp,
    axe_source,
    axe_violations,
    chromium_path,
    describe_violations,
    serve,
    small_tap_targets,
)
from tests.conftest import YOUNG_PERSON, Clock, TwilioWebhook, count
from tests.web_client import Respondent

FIRST = "How are things where you live"
SECOND = "Do you see your worker enough"
THIRD = "Did you feel listened to"
FOURTH = "What one thing would make life better"
CHECKIN = "/s/monthly-checkin"
CHILDLINE_LINK = '<a href="tel:08001111">0800 1111</a>'
DISCLOSURE = "my dad hits me when he's drunk"


def wording(app: Any) -> Wording:
    return Wording.from_config(app.config)


def answered() -> dict[str, str]:
    rows = db.session.execute(
        select(Question.key, Answer.raw_text).join(Question, Answer.question_id == Question.id)
    ).all()
    return dict(rows)


def the_person() -> Person:
    return db.session.scalars(select(Person)).one()


def last_message() -> InboundMessage:
    return db.session.scalars(select(InboundMessage).order_by(InboundMessage.id.desc()).limit(1)).one()


def the_alert() -> SafeguardingAlert:
    return db.session.scalars(select(SafeguardingAlert)).one()


def sms_conversation() -> Conversation:
    return db.session.scalars(select(Conversation)).one()


# --- a risk: the help alone, and the survey waits -------------------------------------------------------------


def test_a_risky_text_mid_survey_gets_the_help_alone_and_the_survey_carries_on_at_the_same_question(
    app: Any, twilio: TwilioWebhook
) -> None:
    twilio.replies("CHECKIN")
    assert SECOND in twilio.replies("4")[0]

    assert twilio.replies(DISCLOSURE) == [wording(app).safeguarding]
    message = last_message()
    assert (message.handling, message.risk) == ("safeguarding", True)
    assert the_alert().tier == "risk"
    assert "worker" not in answered()  # not an answer to the question it interrupted
    conversation = sms_conversation()
    assert (conversation.status, conversation.position) == ("active", 1)

    # The next text answers the question they were on.
    assert THIRD in twilio.replies("b")[0]
    assert answered() == {"home": "4", "worker": "b"}


def test_a_risky_text_is_kept_as_free_text_and_analysed_like_feedback(app: Any, twilio: TwilioWebhook) -> None:
    twilio.replies("CHECKIN")
    twilio.replies(DISCLOSURE)
    assert last_message().id in analysis.pending(db.session)


def test_a_risky_unprompted_text_gets_no_everyday_acknowledgement(app: Any, twilio: TwilioWebhook) -> None:
    assert twilio.replies("he keeps hitting me") == [wording(app).safeguarding]
    # The acknowledgement was not used up: the next everyday text still gets it.
    assert twilio.replies("the bus to college is always late") == [wording(app).acknowledgement]


def test_stop_wins_over_risky_words_and_the_alert_stands(app: Any, twilio: TwilioWebhook) -> None:
    twilio.replies("CHECKIN")
    twilio.replies("4")
    # Twilio's Advanced Opt-Out took it as STOP (and answered it): opted out here too, and nothing more is texted,
    # but the alert reaches a person.
    assert twilio.replies("Stop, he hits me", OptOutType="STOP") == []
    assert the_person().opted_out
    assert sms_conversation().status == "stopped"
    assert last_message().handling == "opt-out"
    assert the_alert().tier == "risk" and last_message().risk


def test_a_wish_to_stop_with_a_risk_in_it_is_a_risk_not_an_opt_out(app: Any, twilio: TwilioWebhook) -> None:
    twilio.replies("CHECKIN")
    assert twilio.replies("stop texting me or I'll hurt myself") == [wording(app).safeguarding]
    assert not the_person().opted_out
    assert sms_conversation().status == "active"
    assert the_alert().tier == "risk"
    assert answered() == {}


def test_the_help_is_given_once_when_a_risky_texts_handling_is_retried(app: Any, twilio: TwilioWebhook) -> None:
    sid = twilio.new_sid()
    assert twilio.replies(DISCLOSURE, sid=sid) == [wording(app).safeguarding]
    assert twilio.text(DISCLOSURE, sid=sid).status_code == 200  # Twilio's retry of the same message
    assert twilio.replies_to(sid) == [wording(app).safeguarding]
    assert count("safeguarding_alert") == 1


# --- a concern: its own alert, handled as usual ------------------------------------------------------------------


def test_help_me_raises_a_concern_and_says_a_worker_has_been_asked_to_get_in_touch(
    app: Any, twilio: TwilioWebhook
) -> None:
    replies = twilio.replies("help me")
    assert replies == [wording(app).help_on_its_way]
    assert "worker" in replies[0] and "Childline 0800 1111" in replies[0]
    alert = the_alert()
    assert (alert.tier, alert.severity) == ("concern", 4)
    message = last_message()
    assert message.risk is False  # the urgent flag is for risks only
    assert message.handling == "help-request"
    assert message.id in analysis.pending(db.session)


@pytest.mark.parametrize("words", ["I need help", "can someone phone me"])
def test_asking_for_help_mid_survey_gets_the_same_reply_and_the_survey_waits(
    app: Any, twilio: TwilioWebhook, words: str
) -> None:
    twilio.replies("CHECKIN")
    assert twilio.replies(words) == [wording(app).help_on_its_way]
    assert the_alert().tier == "concern"
    assert answered() == {}
    assert SECOND in twilio.replies("4")[0]


def test_asking_for_help_with_a_risk_gets_the_safeguarding_help_alone(app: Any, twilio: TwilioWebhook) -> None:
    assert twilio.replies("help me, my dad hits me") == [wording(app).safeguarding]
    assert the_alert().tier == "risk"


def test_a_concern_that_is_an_answer_stays_an_answer(app: Any, twilio: TwilioWebhook) -> None:
    for text in ("CHECKIN", "4", "a", "yes"):
        twilio.replies(text)
    replies = twilio.replies("I can't stop crying")
    assert "Your views go to the Champions Board" in replies[0]  # the survey's thanks, as usual
    assert answered()["change"] == "I can't stop crying"
    assert not the_person().opted_out
    alerts = db.session.scalars(select(SafeguardingAlert)).all()
    assert all(alert.tier == "concern" for alert in alerts)


def test_a_concern_alert_is_raised_in_the_same_transaction_as_the_handling(
    app: Any, twilio: TwilioWebhook, clock: Clock
) -> None:
    sid = twilio.new_sid()

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("active_conversation", {}, Exception("server closed the connection"))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(conversations, "active_conversation", fail)
        assert twilio.text("can someone phone me", sid=sid).status_code == 200
    # Handling failed: nothing of it was kept, the alert included, and the message waits to be handled again.
    assert count("safeguarding_alert") == 0
    assert last_message().status == inbound.RECEIVED
    clock.advance(minutes=2)
    assert twilio.handle() == 1
    assert twilio.replies_to(sid) == [wording(app).help_on_its_way]
    alert = the_alert()
    assert (alert.tier, alert.severity) == ("concern", 4)


# --- a wish to stop, in their own words ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "words",
    ["stop texting me pls", "STOP TEXTING ME!!", "leave me alone", "unsubscribe me", "dont text me again",
     "take me off this", "no more texts", "don’t message me anymore", "pls stop txting me", "stop sending me texts"],
)  # fmt: skip
def test_a_wish_to_stop_mid_survey_opts_out_and_is_never_an_answer(app: Any, twilio: TwilioWebhook, words: str) -> None:
    twilio.replies("CHECKIN")
    twilio.replies("4")
    assert twilio.replies(words) == [wording(app).opted_out]
    assert the_person().opted_out
    assert sms_conversation().status == "stopped"
    assert answered() == {"home": "4"}
    assert last_message().handling == "opt-out"
    assert not last_message().risk
    # They can come back.
    assert twilio.replies("START") == [wording(app).opted_in]


def test_he_wont_leave_me_alone_is_a_disclosure_not_an_opt_out(app: Any, twilio: TwilioWebhook) -> None:
    replies = twilio.replies("he won't leave me alone")
    assert wording(app).opted_out not in replies
    assert not the_person().opted_out
    assert count("safeguarding_alert") == 1


def screen_as(monkeypatch: pytest.MonkeyPatch, words: str, screening: Screening) -> None:
    """The screen reads `screening` in `words`, and everything else as it always does."""
    real = inbound.screen_message
    monkeypatch.setattr(
        inbound, "screen_message", lambda session, text: screening if text == words else real(session, text)
    )


def test_a_wish_to_stop_in_which_the_screen_names_a_concern_is_handled_as_usual(
    app: Any, twilio: TwilioWebhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Whatever the screen of the day reads in these words: a concern it names (not only the learned screen's hunch)
    # keeps the words from being an opt-out.
    screen_as(monkeypatch, "just leave me alone", Screening(risk=False, concern=True, concern_reasons=("low mood",)))
    for text in ("CHECKIN", "4", "a", "yes"):
        twilio.replies(text)
    assert wording(app).opted_out not in twilio.replies("just leave me alone")
    assert not the_person().opted_out
    assert answered()["change"] == "just leave me alone"  # a concern's answer stays an answer
    assert the_alert().tier == "concern"


def test_a_wish_to_stop_that_only_the_learned_screen_wonders_about_opts_out_and_keeps_its_alert(
    app: Any, twilio: TwilioWebhook, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen_as(
        monkeypatch, "stop texting me pls", Screening(risk=False, concern=True, concern_reasons=(LEARNED_CONCERN,))
    )
    twilio.replies("CHECKIN")
    assert twilio.replies("stop texting me pls") == [wording(app).opted_out]
    assert the_person().opted_out
    assert answered() == {}
    assert the_alert().tier == "concern"  # a worker still reads it today


@pytest.mark.parametrize("words", ["I can't stop crying", "stop the bus", "don't stop asking us"])
def test_stop_in_a_sentence_is_not_an_opt_out(app: Any, twilio: TwilioWebhook, words: str) -> None:
    for text in ("CHECKIN", "4", "a", "yes"):
        twilio.replies(text)
    assert wording(app).opted_out not in twilio.replies(words)
    assert not the_person().opted_out
    assert answered()["change"] == words


@pytest.mark.parametrize(
    "words",
    ["stop texting me pls", "STOP TEXTING ME!!", "Stop txting me", "stop msging me thx", "leave me alone 😡",
     "just leave me alone!!!", "Unsubscribe me please", "dont text me again", "don't text me anymore",
     "dinnae text me again", "take me off this", "take me off your list", "remove me from this list",
     "no more texts", "No more messages please", "i dont want these texts", "can you stop texting me please",
     "opt me out", "stop the texts"],
)  # fmt: skip
def test_a_wish_to_stop_is_recognised_however_it_is_written(words: str) -> None:
    assert wants_to_stop(words)


@pytest.mark.parametrize(
    "words",
    ["I can't stop crying", "stop the bus", "don't stop asking us", "he won't leave me alone", "stop it",
     "stop texting me or I'll hurt myself", "he wont stop texting me", "stop texting my sister", "stop them",
     "stop moving me about", "leave her alone", "take me away from here", "remove me from this placement",
     "no more school", "i want to stop", "", "STOP"],
)  # fmt: skip
def test_a_wish_to_stop_is_not_read_into_other_words(words: str) -> None:
    # "STOP" on its own is one of the STOP words, handled before: this is only the young person's own wording.
    assert not wants_to_stop(words)


# --- HELP mid-survey ----------------------------------------------------------------------------------------------


def test_help_mid_survey_gives_the_help_then_the_question_again(app: Any, twilio: TwilioWebhook) -> None:
    twilio.replies("CHECKIN")
    twilio.replies("4")
    replies = twilio.replies("HELP")
    assert len(replies) == 2
    assert replies[0] == wording(app).help
    assert SECOND in replies[1]
    # The survey carries on where it was.
    assert THIRD in twilio.replies("b")[0]
    assert answered() == {"home": "4", "worker": "b"}


def test_help_outside_a_survey_is_the_help_alone(app: Any, twilio: TwilioWebhook) -> None:
    assert twilio.replies("HELP") == [wording(app).help]


def test_help_on_its_way_is_built_from_the_service_name_and_numbers_and_fits_two_texts(app: Any) -> None:
    text = wording(app).help_on_its_way
    assert text.startswith("The South Lanarkshire Champions Board:")
    assert app.config["HELP_NUMBERS"] in text
    assert len(text) <= HELP_REPLY_MAX_CHARACTERS
    assert not any(word in text.lower() for word in ("today", "hour", "minutes", "soon"))  # no time promised
    long_name = Wording.from_config({**app.config, "SERVICE_NAME": "the " + "Very Long Name " * 8}).help_on_its_way
    assert len(long_name) <= HELP_REPLY_MAX_CHARACTERS and app.config["HELP_NUMBERS"] in long_name
    assert Wording.from_config({**app.config, "HELP_ON_ITS_WAY_TEXT": "Own words"}).help_on_its_way == "Own words"


# --- the web -----------------------------------------------------------------------------------------------------


@pytest.fixture
def respondent(client: Any) -> Respondent:
    return Respondent(client)


def personal_link() -> str:
    person = people.get_or_create_person(db.session, YOUNG_PERSON)
    token = links.issue(db.session, person.id, now=now(), valid_for=timedelta(days=90))
    db.session.commit()
    return token


def test_a_risky_answer_on_the_web_is_followed_by_the_help_on_a_page_of_its_own(
    app: Any, respondent: Respondent
) -> None:
    worried = f"/s/statement-worried/{personal_link()}"
    response = respondent.submit(f"{worried}/q/1", "my stepdad hits me and I'm scared to go home")
    assert response.headers["Location"].endswith(f"{worried}/help")
    page = respondent.page(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you for telling us" in page
    assert CHILDLINE_LINK in page and '<a href="tel:999">999</a>' in page
    assert "What would help?" not in page  # the next question waits
    assert f'href="{worried}/q/2"' in page  # until they carry on
    assert the_alert().tier == "risk"
    # On the web the words were written in the question's box: they stay the answer (a statement goes to the worker).
    assert answered() == {"worry": "my stepdad hits me and I'm scared to go home"}
    # Opened again, the page still lists where to get help.
    again = respondent.page(f"{worried}/help").get_data(as_text=True)
    assert CHILDLINE_LINK in again


def test_a_risky_last_answer_on_the_web_shows_the_help_then_the_thanks(app: Any, respondent: Respondent) -> None:
    for number, answer in enumerate(["4", "no", "yes"], start=1):
        respondent.submit(f"{CHECKIN}/q/{number}", answer)
    response = respondent.submit(f"{CHECKIN}/q/4", "I want to kill myself")
    assert response.headers["Location"].endswith(f"{CHECKIN}/help")
    page = respondent.page(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you for telling us" in page and CHILDLINE_LINK in page
    assert "We don't know who you are" in page  # an open link: nobody can get in touch
    assert f'href="{CHECKIN}/done"' in page


def test_asking_for_help_on_the_web_raises_a_concern_and_says_a_worker_has_been_asked(
    app: Any, respondent: Respondent
) -> None:
    worried = f"/s/statement-worried/{personal_link()}"
    response = respondent.submit(f"{worried}/q/1", "I need help")
    assert response.headers["Location"].endswith(f"{worried}/help")
    page = respondent.page(response.headers["Location"]).get_data(as_text=True)
    assert "asked a worker to get in touch" in page and CHILDLINE_LINK in page
    alert = the_alert()
    assert (alert.tier, alert.severity) == ("concern", 4)
    assert alert.message.risk is False


def test_a_risky_answer_that_cannot_be_saved_yet_shows_the_help_above_the_question(
    app: Any, respondent: Respondent
) -> None:
    # A rating page posted with words (a forged form): not an answer, but screened and alerted all the same.
    page = respondent.submit(f"{CHECKIN}/q/1", "I want to kill myself")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert "Thank you for telling us" in html and CHILDLINE_LINK in html
    assert the_alert().tier == "risk"


@pytest.mark.parametrize("words", ["I want to kill myself", "I need help"])
def test_the_help_page_reads_at_eleven_or_under(app: Any, respondent: Respondent, words: str) -> None:
    for token in (None, personal_link()):
        base = f"/s/statement-worried/{token}" if token else CHECKIN
        question = 1 if token else 4
        location = respondent.submit(f"{base}/q/{question}", words).headers["Location"]
        page = respondent.page(location).get_data(as_text=True)
        text = html.unescape(re.sub(r"<[^>]+>", "\n", re.sub(r"(?s)<(script|style|head)\b.*?</\1>", " ", page)))
        assert reading(text).age <= MAX_READING_AGE, text


@pytest.mark.parametrize("path", [CHECKIN, f"{CHECKIN}/q/1", f"{CHECKIN}/done", "/privacy", "/you-said-we-did"])
def test_help_numbers_are_links_to_tap_and_call_on_young_peoples_pages(app: Any, client: Any, path: str) -> None:
    page = client.get(path).get_data(as_text=True)
    assert CHILDLINE_LINK in page
    assert "Childline 0800 1111" not in page  # no number left as plain text


def test_the_thanks_page_lists_every_help_number_as_a_link(app: Any, respondent: Respondent) -> None:
    respondent.complete(CHECKIN, ["4", "not sure", "yes", None])
    page = respondent.page(f"{CHECKIN}/done").get_data(as_text=True)
    for link in (CHILDLINE_LINK, '<a href="tel:116123">116 123</a>', '<a href="tel:0800838587">0800 83 85 87</a>',
                 '<a href="tel:111">111</a>', '<a href="tel:999">999</a>'):  # fmt: skip
        assert link in page


# --- the links themselves --------------------------------------------------------------------------------------


def test_phone_numbers_become_links_and_everything_else_stays_text() -> None:
    linked = phone_links(
        "Childline 0800 1111, Samaritans 116 123, Breathing Space 0800 83 85 87, NHS 24 111. In an emergency call 999."
    )
    assert isinstance(linked, Markup)
    assert linked == (
        'Childline <a href="tel:08001111">0800 1111</a>, Samaritans <a href="tel:116123">116 123</a>, '
        'Breathing Space <a href="tel:0800838587">0800 83 85 87</a>, NHS 24 <a href="tel:111">111</a>. '
        'In an emergency call <a href="tel:999">999</a>.'
    )


def test_phone_links_escape_what_they_are_given() -> None:
    linked = phone_links('<script>alert("x")</script> & "Helpline" <b>0141 123 4567</b>')
    assert "<script>" not in linked and "<b>" not in linked
    assert "&lt;script&gt;" in linked and "&amp;" in linked
    assert '<a href="tel:01411234567">0141 123 4567</a>' in linked
    # Text already marked safe is escaped too: only the links are markup.
    assert "&lt;i&gt;" in phone_links(Markup("<i>call</i> 999"))


def test_phone_links_leave_numbers_that_are_not_phone_numbers_alone() -> None:
    assert phone_links("open 24/7, 9 to 5, since 2019") == "open 24/7, 9 to 5, since 2019"
    assert phone_links("Text SHOUT to 85258") == 'Text SHOUT to <a href="sms:85258">85258</a>'
    assert phone_links("+44 141 123 4567") == '<a href="tel:+441411234567">+44 141 123 4567</a>'
    assert phone_links(None) == ""


# --- in a real browser, on a phone --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    with serve(tmp_path_factory.mktemp("browser") / "feedback.db") as live_app:
        yield live_app


@pytest.fixture
def phone() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(**PHONE)
        context.set_default_timeout(5000)
        yield context.new_page()
        browser.close()


@pytest.mark.parametrize(("words", "heading"), [("I want to kill myself", "Thank you for telling us"),
                                                 ("can someone phone me", "Thanks for asking for help")])  # fmt: skip
def test_the_help_page_on_a_phone_meets_wcag_22_aa_with_numbers_big_enough_to_tap(
    live: LiveApp, phone: Page, words: str, heading: str
) -> None:
    log_watch.remember(words)
    phone.goto(f"{live.url}{CHECKIN}/q/4")
    phone.get_by_role("textbox").fill(words)
    phone.get_by_role("button", name="Finish").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(heading)
    call = phone.get_by_role("main").get_by_role("link", name="0800 1111")
    expect(call).to_have_attribute("href", "tel:08001111")
    problems = describe_violations(axe_violations(phone, axe_source()))
    assert problems == "" and small_tap_targets(phone) == [], (problems, small_tap_targets(phone))
    # Carrying on goes back to the question still to answer (this open link began at the last one).
    phone.get_by_role("link", name="Carry on").click()
    expect(phone.get_by_text("Question 1 of 4")).to_be_visible()


def test_the_help_keyword_alone_asks_about_the_service_and_pages_nobody(app: Any, twilio: TwilioWebhook) -> None:
    replies = twilio.replies("HELP")
    assert replies
    assert db.session.scalars(select(SafeguardingAlert)).all() == []
    twilio.replies("help me")
    assert [a.tier for a in db.session.scalars(select(SafeguardingAlert))] == ["concern"]

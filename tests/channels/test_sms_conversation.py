"""A young person texting the service: surveys by keyword, answers, re-asks, SKIP, HELP, STOP and START,
unprompted feedback, and safeguarding that no keyword can swallow."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from feedback.extensions import db
from feedback.messages.models import InboundMessage
from feedback.messages.wording import Wording
from feedback.people.models import Person
from feedback.safeguarding.models import SafeguardingAlert
from feedback.surveys.models import Answer, Conversation, Question
from tests.conftest import Clock, TwilioWebhook, count

FIRST = "How are things where you live"
SECOND = "Do you see your worker enough"
THIRD = "Did you feel listened to"
FOURTH = "What one thing would make life better"
THANKS = "Your views go to the Champions Board"


def answers() -> dict[str, tuple[str, Any]]:
    rows = db.session.execute(
        select(Question.key, Answer.status, Answer.value_number, Answer.value_option, Answer.value_text).join(
            Question, Answer.question_id == Question.id
        )
    ).all()
    return {
        key: (status, number if number is not None else option or text) for key, status, number, option, text in rows
    }


def wording(app: Any) -> Wording:
    return Wording.from_config(app.config)


@pytest.mark.parametrize("keyword", ["CHECKIN", "checkin", "  CheckIn  ", "checkin!"])
def test_texting_a_keyword_in_any_case_starts_the_survey(app: Any, twilio: TwilioWebhook, keyword: str) -> None:
    replies = twilio.replies(keyword)
    assert len(replies) == 1
    assert replies[0].startswith("Hi, it's the Champions Board")
    assert FIRST in replies[0]


def test_a_whole_survey_by_text(app: Any, twilio: TwilioWebhook) -> None:
    assert FIRST in twilio.replies("CHECKIN")[0]
    assert SECOND in twilio.replies("four")[0]
    assert THIRD in twilio.replies("b")[0]
    assert FOURTH in twilio.replies("aye")[0]
    assert THANKS in twilio.replies("a youth club near me 🙏")[0]
    assert answers() == {
        "home": ("answered", 4),
        "worker": ("answered", "no"),
        "heard": ("answered", "yes"),
        "change": ("answered", "a youth club near me 🙏"),
    }
    conversation = db.session.scalars(select(Conversation)).one()
    assert conversation.status == "completed"


@pytest.mark.parametrize(
    ("reply", "expected"),
    [("4", 4), (" 4 ", 4), ("four", 4), ("4/5", 4), ("Four!", 4), ("5 out of 5", 5), ("1", 1), ("3️⃣", 3)],
)
def test_ratings_are_read_the_way_young_people_write_them(
    app: Any, twilio: TwilioWebhook, reply: str, expected: int
) -> None:
    twilio.replies("CHECKIN")
    assert SECOND in twilio.replies(reply)[0]
    assert answers()["home"] == ("answered", expected)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [("A", "yes"), ("a", "yes"), ("1", "yes"), ("YES", "yes"), ("no", "no"), ("2", "no"), ("C", "not sure"),
     ("Not Sure", "not sure"), ("not sure.", "not sure"), ("b) no", "no"), ("3", "not sure")],
)  # fmt: skip
def test_choices_accept_the_letter_the_number_or_the_words(
    app: Any, twilio: TwilioWebhook, reply: str, expected: str
) -> None:
    twilio.replies("CHECKIN")
    twilio.replies("4")
    assert THIRD in twilio.replies(reply)[0]
    assert answers()["worker"] == ("answered", expected)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [(word, "yes") for word in ("y", "yes", "Yeah", "yep", "AYE", "👍")]
    + [(word, "no") for word in ("n", "no", "naw", "Nah", "nope", "no.")],
)
def test_yes_or_no_accepts_the_ways_of_saying_it(app: Any, twilio: TwilioWebhook, reply: str, expected: str) -> None:
    twilio.replies("CHECKIN")
    twilio.replies("4")
    twilio.replies("a")
    assert FOURTH in twilio.replies(reply)[0]
    assert answers()["heard"] == ("answered", expected)


def test_an_invalid_answer_is_asked_again_with_a_hint_at_most_twice(app: Any, twilio: TwilioWebhook) -> None:
    twilio.replies("CHECKIN")
    first = twilio.replies("dunno")[0]
    assert first.startswith("Please reply with a number from 1 to 5.")
    assert FIRST in first
    second = twilio.replies("9")[0]
    assert second.startswith("Please reply with a number from 1 to 5.")
    # A third invalid answer: the question is left unanswered and the survey moves on.
    assert SECOND in twilio.replies("4/10")[0]
    assert answers()["home"] == ("unanswered", None)
    # The count starts again for the next question.
    assert twilio.replies("maybe")[0].startswith("Please reply A, B or C.")


def test_an_invalid_answer_keeps_what_was_said(app: Any, twilio: TwilioWebhook) -> None:
    twilio.replies("CHECKIN")
    for text in ("dunno", "not telling", "meh"):
        twilio.replies(text)
    unanswered = db.session.scalars(select(Answer)).one()
    assert unanswered.raw_text == "meh"
    assert count("inbound_message") == 4


def test_skip_skips_an_optional_question(app: Any, twilio: TwilioWebhook) -> None:
    for text in ("CHECKIN", "4", "a", "yes"):
        twilio.replies(text)
    assert THANKS in twilio.replies("skip")[0]
    assert answers()["change"] == ("skipped", None)


def test_skip_on_a_required_question_explains_and_asks_again(app: Any, twilio: TwilioWebhook) -> None:
    twilio.replies("CHECKIN")
    reply = twilio.replies("SKIP")[0]
    assert reply.startswith("This one needs an answer.")
    assert FIRST in reply
    assert count("answer") == 0


def test_a_conversation_expires_after_48_hours_of_silence_keeping_its_answers(
    app: Any, twilio: TwilioWebhook, clock: Clock
) -> None:
    twilio.replies("CHECKIN")
    twilio.replies("4")
    clock.advance(hours=48, seconds=1)
    # The survey has expired: "b" is now unprompted feedback, acknowledged, not an answer.
    assert twilio.replies("b") == [wording(app).acknowledgement]
    conversation = db.session.scalars(select(Conversation)).one()
    assert conversation.status == "expired"
    assert answers() == {"home": ("answered", 4)}


def test_a_conversation_within_48_hours_carries_on(app: Any, twilio: TwilioWebhook, clock: Clock) -> None:
    twilio.replies("CHECKIN")
    clock.advance(hours=47)
    assert SECOND in twilio.replies("4")[0]


def test_the_expiry_is_configurable(app: Any, twilio: TwilioWebhook, clock: Clock) -> None:
    app.config["CONVERSATION_TIMEOUT_HOURS"] = 1
    twilio.replies("CHECKIN")
    clock.advance(minutes=61)
    assert twilio.replies("4") == [wording(app).acknowledgement]


def test_the_keyword_again_mid_survey_repeats_the_current_question(app: Any, twilio: TwilioWebhook) -> None:
    twilio.replies("CHECKIN")
    twilio.replies("4")
    replies = twilio.replies("checkin")
    assert replies == [db.session.scalars(select(Question).where(Question.key == "worker")).one().text]
    assert count("conversation") == 1


def test_unprompted_texts_are_kept_as_feedback_and_acknowledged_once_a_day(
    app: Any, twilio: TwilioWebhook, clock: Clock
) -> None:
    ack = wording(app).acknowledgement
    assert twilio.replies("the bus to my sister's takes two hours") == [ack]
    clock.advance(hours=3)
    assert twilio.replies("and it costs loads") == []
    clock.advance(hours=21)
    assert twilio.replies("still no bus") == [ack]
    handled = db.session.scalars(select(InboundMessage.handling)).all()
    assert handled == ["feedback", "feedback", "feedback"]


def test_help_says_who_runs_the_service_and_how_to_stop(app: Any, twilio: TwilioWebhook) -> None:
    for word in ("HELP", "help", "Info"):
        reply = twilio.replies(word)[0]
        assert "Champions Board" in reply
        assert "STOP" in reply
        assert "Childline 0800 1111" in reply


def test_help_mid_survey_leaves_the_survey_where_it_was(app: Any, twilio: TwilioWebhook) -> None:
    twilio.replies("CHECKIN")
    twilio.replies("HELP")
    assert SECOND in twilio.replies("4")[0]


@pytest.mark.parametrize("word", ["STOP", "stop", "StopAll", "UNSUBSCRIBE", "cancel", "END", "quit", "Stop."])
def test_stop_words_opt_out(app: Any, twilio: TwilioWebhook, word: str) -> None:
    assert twilio.replies(word) == [wording(app).opted_out]
    assert db.session.scalars(select(Person)).one().opted_out


def test_stop_mid_survey_ends_it_keeping_the_answers(app: Any, twilio: TwilioWebhook) -> None:
    twilio.replies("CHECKIN")
    twilio.replies("4")
    twilio.replies("STOP")
    assert db.session.scalars(select(Conversation)).one().status == "stopped"
    assert answers() == {"home": ("answered", 4)}


def test_after_stop_nothing_is_sent_until_start(app: Any, twilio: TwilioWebhook) -> None:
    twilio.replies("STOP")
    assert twilio.replies("STOP") == []  # already opted out: no second confirmation
    assert twilio.replies("CHECKIN") == []
    assert twilio.replies("HELP") == []
    assert twilio.replies("hello?") == []
    assert count("conversation") == 0
    assert twilio.replies("START") == [wording(app).opted_in]
    assert FIRST in twilio.replies("CHECKIN")[0]


@pytest.mark.parametrize("word", ["START", "unstop", "Yes"])
def test_start_unstop_or_yes_opt_back_in(app: Any, twilio: TwilioWebhook, word: str) -> None:
    twilio.replies("STOP")
    assert twilio.replies(word) == [wording(app).opted_in]
    assert not db.session.scalars(select(Person)).one().opted_out


def test_yes_is_an_answer_for_someone_who_has_not_opted_out(app: Any, twilio: TwilioWebhook) -> None:
    for text in ("CHECKIN", "4", "a"):
        twilio.replies(text)
    assert FOURTH in twilio.replies("YES")[0]
    assert answers()["heard"] == ("answered", "yes")


def test_stop_inside_a_sentence_is_an_answer_not_an_opt_out(app: Any, twilio: TwilioWebhook) -> None:
    for text in ("CHECKIN", "4", "a", "yes"):
        twilio.replies(text)
    twilio.replies("stop moving me about")
    assert not db.session.scalars(select(Person)).one().opted_out
    assert answers()["change"] == ("answered", "stop moving me about")


def test_twilio_advanced_opt_out_is_honoured_without_a_second_reply(app: Any, twilio: TwilioWebhook) -> None:
    # Twilio has already replied to the young person; the message still opts them out here.
    assert twilio.replies("Stop please", OptOutType="STOP") == []
    assert db.session.scalars(select(Person)).one().opted_out
    assert twilio.replies("start", OptOutType="START") == []
    assert not db.session.scalars(select(Person)).one().opted_out


def test_every_message_is_screened_and_a_risk_gets_help_and_an_alert(app: Any, twilio: TwilioWebhook) -> None:
    replies = twilio.replies("my dad hits me when he's angry")
    assert replies[0] == wording(app).safeguarding
    assert "Childline 0800 1111" in replies[0]
    assert "999" in replies[0]
    alert = db.session.scalars(select(SafeguardingAlert)).one()
    assert alert.reason == "abuse or violence"
    assert alert.message.body == "my dad hits me when he's angry"


def test_a_risky_text_mid_survey_is_alerted_and_answered_with_the_help_alone_and_the_survey_waits(
    app: Any, twilio: TwilioWebhook
) -> None:
    for text in ("CHECKIN", "4", "a", "yes"):
        twilio.replies(text)
    assert twilio.replies("I want to hurt myself") == [wording(app).safeguarding]
    assert "change" not in answers()  # kept as free text, not as the answer to the question it interrupted
    assert count("safeguarding_alert") == 1
    assert THANKS in twilio.replies("a youth club")[0]
    assert answers()["change"] == ("answered", "a youth club")


def test_a_risky_invalid_answer_is_never_swallowed_by_the_re_ask(app: Any, twilio: TwilioWebhook) -> None:
    twilio.replies("CHECKIN")
    assert twilio.replies("nobody cares if i live or die") == [wording(app).safeguarding]
    assert count("safeguarding_alert") == 1
    assert db.session.scalars(select(Conversation)).one().invalid_attempts == 0


def test_someone_who_opted_out_still_raises_an_alert_but_gets_no_text(app: Any, twilio: TwilioWebhook) -> None:
    twilio.replies("STOP")
    assert twilio.replies("he keeps hitting me") == []
    assert count("safeguarding_alert") == 1


def test_figures_of_speech_raise_no_alert(app: Any, twilio: TwilioWebhook) -> None:
    twilio.replies("this exam is killing me")
    twilio.replies("I'm dying to see the new film")
    assert count("safeguarding_alert") == 0


def test_a_new_keyword_mid_survey_starts_the_other_survey(
    app: Any, twilio: TwilioWebhook, runner: Any, tmp_path: Any
) -> None:
    survey = tmp_path / "placement.json"
    survey.write_text(
        '{"slug": "placement", "title": "Placement", "keyword": "HOME",'
        ' "questions": [{"key": "settled", "type": "yesno", "text": "Do you feel settled?"}]}'
    )
    assert runner.invoke(args=["surveys", "import", str(survey)]).exit_code == 0
    twilio.replies("CHECKIN")
    assert twilio.replies("home") == ["Do you feel settled?"]
    statuses = sorted(db.session.scalars(select(Conversation.status)))
    assert statuses == ["active", "replaced"]

"""Every stored message a young person wrote is analysed by the worker: themes (automatic, from the question it
answered, or from staff), sentiment, key phrases and a quotable copy; and re-analysed on demand without touching
what staff coded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from feedback.core.clock import now
from feedback.extensions import db
from feedback.insight import filing as analysis
from feedback.insight.models import MessageAnalysis, MessageTheme, Theme
from feedback.messages.models import InboundMessage
from feedback.messages.outbox import SimulatedSender
from feedback.ops import runner as processes
from tests.conftest import TwilioWebhook, count
from tests.web_client import Respondent


def themes_of(message_id: int) -> dict[str, str]:
    rows = db.session.execute(
        select(Theme.slug, MessageTheme.source)
        .join(MessageTheme, MessageTheme.theme_id == Theme.id)
        .where(MessageTheme.inbound_message_id == message_id)
    ).all()
    return dict(rows)


def message_with(body: str) -> InboundMessage:
    """The stored message with these words (bodies are encrypted, so they are compared once read)."""
    (message,) = [m for m in db.session.scalars(select(InboundMessage)) if m.body == body]
    return message


def test_the_worker_files_an_unprompted_text_with_why(app: Any, twilio: TwilioWebhook) -> None:
    twilio.replies("ma sw Kirsty never texts back and I'm pure skint")
    assert count("message_analysis") == 0  # not on the webhook's path
    processes.work_once(SimulatedSender())
    message = message_with("ma sw Kirsty never texts back and I'm pure skint")
    result = db.session.scalars(select(MessageAnalysis)).one()
    assert result.inbound_message_id == message.id
    assert themes_of(message.id) == {"worker-relationships": "auto", "money": "auto"}
    assert result.sentiment_label == "negative" and "skint" in result.why["money"]
    assert "Kirsty" not in result.redacted and "[name]" in result.redacted


def test_answers_carry_their_questions_themes_and_only_free_text_is_read(app: Any, twilio: TwilioWebhook) -> None:
    for reply in ("checkin", "2", "b", "no", "the bus to my gran's takes two hours"):
        twilio.replies(reply)
    analysis.analyse_pending(db.session, now=now())
    rating = message_with("2")
    assert themes_of(rating.id) == {"home-placement": "question"}
    free_text = message_with("the bus to my gran's takes two hours")
    assert themes_of(free_text.id) == {"family-contact": "auto", "transport": "auto"}
    # Keywords and opt-outs are instructions, not views: never analysed.
    assert (
        db.session.scalar(select(MessageAnalysis.id).join(InboundMessage).where(InboundMessage.body == "checkin"))
        is None
    )


def test_web_answers_and_statements_are_analysed_too(app: Any, client: Any) -> None:
    Respondent(client).complete("/s/monthly-checkin", ["4", "yes", "yes", "more youth clubs near me please"])
    analysed = analysis.analyse_pending(db.session, now=now())
    assert analysed == 4
    assert themes_of(message_with("more youth clubs near me please").id) == {"activities": "auto"}


def test_reprocessing_replaces_automatic_themes_and_keeps_staff_codes(
    app: Any, twilio: TwilioWebhook, runner: Any
) -> None:
    twilio.replies("the bus to college is never on time")
    analysis.analyse_pending(db.session, now=now())
    message = message_with("the bus to college is never on time")
    money = db.session.scalars(select(Theme.id).where(Theme.slug == "money")).one()
    db.session.add(MessageTheme(inbound_message_id=message.id, theme_id=money, source="staff", created_at=now()))
    db.session.commit()
    result = runner.invoke(args=["analyse", "--reprocess"])
    assert result.exit_code == 0, result.output
    assert "Analysed 1 messages again" in result.output
    assert themes_of(message.id) == {"education": "auto", "money": "staff", "transport": "auto"}
    assert count("message_analysis") == 1


def test_analyse_pending_from_the_command_line(app: Any, twilio: TwilioWebhook, runner: Any) -> None:
    twilio.replies("I got my first job!!!")
    result = runner.invoke(args=["analyse", "--pending"])
    assert result.exit_code == 0 and "Analysed 1 messages." in result.output
    again = runner.invoke(args=["analyse", "--pending"])
    assert "Analysed 0 messages." in again.output


def test_a_statement_is_analysed_like_any_other_free_text(app: Any, client: Any) -> None:
    from datetime import timedelta

    from feedback.people import links
    from feedback.people import operations as people

    person = people.get_or_create_person(db.session, "+447700900123")
    token = links.issue(db.session, person.id, now=now(), valid_for=timedelta(days=1))
    db.session.commit()
    Respondent(client).complete(f"/s/statement-worried/{token}", ["i'm pure skint and the bus costs a fortune", None])
    analysis.analyse_pending(db.session, now=now())
    assert themes_of(message_with("i'm pure skint and the bus costs a fortune").id) == {
        "money": "auto",
        "transport": "auto",
    }

"""The theme summary counts what young people raised in their own words (issue 17, item 1): a question's fixed
themes are not a young person raising the theme; statements are counted, never quoted; quotes come from messages
with words, up to 20, no two alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from feedback.core.clock import now
from feedback.extensions import db
from feedback.insight import filing
from feedback.insight import summary as summaries
from feedback.insight.models import MessageAnalysis, Origin
from tests.conftest import Clock, TwilioWebhook
from tests.insight.words import PLACES, TROUBLES
from tests.statements.test_statements import send_worried, worker, young_person

THRESHOLD = 10


def _summary(app: Any, clock: Clock) -> summaries.Summary:
    known = summaries.choices(db.session, app.config["LOCALITIES"])
    filters = summaries.parse_filters({}, known, today=clock.current.date())
    return summaries.summarise(db.session, filters, known, threshold=THRESHOLD)


def _check_in(twilio: TwilioWebhook, sender: str, better: str) -> None:
    for reply in ("CHECKIN", "4", "A", "yes", better):
        twilio.replies(reply, sender=sender)


def test_ratings_and_choices_are_survey_results_not_themes_raised(
    app: Any, twilio: TwilioWebhook, clock: Clock
) -> None:
    # Twelve young people do the check-in: a rating about where they live, a choice about their worker, yes/no
    # about being heard, and one thing that would make life better, in their own words, about money.
    for n in range(12):
        _check_in(twilio, f"+4477009{n:05d}", f"more money for {PLACES[n]}, it is {TROUBLES[n]}")
    filing.analyse_pending(db.session, now=now())
    origins = sorted(str(o) for o in db.session.scalars(select(MessageAnalysis.origin)))
    assert origins.count(Origin.CHOICE) == 36 and origins.count(Origin.ANSWER) == 12
    summary = _summary(app, clock)
    counts = {theme.slug: theme.count.value for theme in summary.themes}
    # The 36 picked answers raise nothing: where they live, their worker and being heard were the questions' words.
    assert counts["home-placement"] == counts["worker-relationships"] == counts["being-heard"] == 0
    assert counts["money"] == 12
    assert summary.total.value == 12  # messages in their own words
    quoted, _ = summaries.quotes(db.session, "money", summary.filters, threshold=THRESHOLD)
    # Newer answers with no words do not crowd out the ones with words: all twelve are quoted.
    assert len(quoted) == 12 and all(q.text.startswith("more money") for q in quoted)


def test_words_about_the_questions_theme_are_the_young_persons_own(
    app: Any, twilio: TwilioWebhook, clock: Clock
) -> None:
    # Answering "what would make life better" with words about where they live raises that theme, though the
    # rating before it, about the same thing, does not.
    for n in range(10):
        _check_in(twilio, f"+4477008{n:05d}", f"a placement near {PLACES[n]}, my foster carers are {TROUBLES[n]}")
    filing.analyse_pending(db.session, now=now())
    theme = _summary(app, clock).theme("home-placement")
    assert theme is not None and theme.count.value == 10


def test_statements_are_counted_and_never_quoted(app: Any, twilio: TwilioWebhook, clock: Clock) -> None:
    sam = worker()
    for n in range(10):
        _, token = young_person(f"+4477007{n:05d}", worker_user=sam)
        send_worried(app.test_client(), token, worry=f"my placement at {PLACES[n]} might end, it is {TROUBLES[n]}")
    for n in range(10):
        twilio.replies(f"my placement in {PLACES[n + 10]} is {TROUBLES[n + 10]}", sender=f"+4477006{n:05d}")
    filing.analyse_pending(db.session, now=now())
    summary = _summary(app, clock)
    theme = summary.theme("home-placement")
    assert theme is not None and theme.count.value == 20
    quoted, _ = summaries.quotes(db.session, "home-placement", summary.filters, threshold=THRESHOLD)
    # The ten texts are quoted; the ten statements, written to a worker, never are.
    assert len(quoted) == 10 and all("might end" not in q.text for q in quoted)


def test_quotes_are_varied_and_at_most_twenty(app: Any, twilio: TwilioWebhook, clock: Clock) -> None:
    texts = [f"the bus to {PLACES[n]} is {TROUBLES[n]}" for n in range(30)]
    texts += [f"the bus to {PLACES[0]} is {TROUBLES[0]} again" for _ in range(10)]  # one voice, ten times
    for n, text in enumerate(texts):
        twilio.replies(text, sender=f"+4477005{n:05d}")
    filing.analyse_pending(db.session, now=now())
    summary = _summary(app, clock)
    quoted, _ = summaries.quotes(db.session, "transport", summary.filters, threshold=THRESHOLD)
    assert len(quoted) == 20
    assert sum(1 for q in quoted if PLACES[0] in q.text.split()) == 1


def test_near_duplicates_are_left_out() -> None:
    kept = summaries.varied(
        [
            "the bus is always late",
            "The bus is always late!!",
            "the bus is always late and cold",
            "no money for the bus",
            "my placement is good",
        ],
        20,
    )
    assert kept == ["the bus is always late", "no money for the bus", "my placement is good"]
    assert summaries.varied(["a b c", "d e f", "g h i"], 2) == ["a b c", "d e f"]
    assert summaries.varied(["", "!!!", "ok"], 5) == ["ok"]

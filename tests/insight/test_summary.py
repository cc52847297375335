"""The theme summary: counts checked against a count done independently, small numbers hidden everywhere (with
secondary suppression that leaves no small sum to subtract), quarters and one group at a time, and quotes only
where the quarter's count is big enough. (That no small count can be worked out from any mix of views:
test_disclosure.py.)"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from feedback.core.clock import now
from feedback.extensions import db
from feedback.insight import filing as analysis
from feedback.insight import summary as summaries
from feedback.insight.models import MessageAnalysis
from feedback.insight.suppression import count, hidden, protect_dimension, protect_row, total_hidden
from feedback.messages.models import InboundMessage
from feedback.people.models import Person
from tests.conftest import Clock, TwilioWebhook
from tests.insight.words import varied

THRESHOLD = 10


def test_small_counts_are_hidden_and_zero_is_not() -> None:
    assert [count(n, THRESHOLD).shown for n in (0, 1, 9, 10, 250)] == ["0", "[c]", "[c]", "10", "250"]
    assert count(3, THRESHOLD).public() == "[c]" and count(12, THRESHOLD).public() == 12


def test_the_hidden_cells_of_a_row_add_up_to_none_or_at_least_the_threshold() -> None:
    assert protect_row([2, 40, 15, 0], THRESHOLD) == [True, False, True, False]  # 2 and 15 hidden: 17
    # The rule this replaces hid only a second cell when there was one: 2 and 3 stayed the only hidden cells, and
    # 45 less 40 gave "5 in those two" away. Now the 40 goes too.
    assert protect_row([2, 3, 40], THRESHOLD) == [True, True, True]
    assert protect_row([2, 3, 40, 12], THRESHOLD) == [True, True, False, True]  # 2 + 3 + 12 = 17
    assert protect_row([4, 0, 3], THRESHOLD) == [True, False, True]  # the total (7) is hidden itself
    assert protect_row([0, 25, 12], THRESHOLD) == [False, False, False]  # nothing small: nothing hidden


@given(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=8))
def test_no_hidden_cell_can_be_worked_out_from_its_row_total(row: list[int]) -> None:
    mask = protect_row(row, THRESHOLD)
    assert all(mask[i] for i, value in enumerate(row) if hidden(value, THRESHOLD))
    assert not any(mask[i] for i, value in enumerate(row) if value == 0)  # zero is shown
    if not hidden(sum(row), THRESHOLD):
        # The total is shown: the total less the shown cells is what the hidden ones hold together.
        assert not hidden(sum(value for value, flag in zip(row, mask, strict=True) if flag), THRESHOLD)


def test_a_theme_that_covers_nearly_every_message_hides_the_count_of_all_messages() -> None:
    # 15 messages, 12 about getting around: 15 less 12 would say 3 were about something else.
    assert total_hidden(15, [12, 3], THRESHOLD)
    assert not total_hidden(25, [12, 12, 10, 3], THRESHOLD)
    assert total_hidden(7, [0], THRESHOLD)  # small itself


def test_a_theme_cell_is_hidden_where_the_messages_not_about_it_would_be_small() -> None:
    # Hamilton: 30 messages, 28 about getting around; Clydesdale: 20 and 10. Showing 28 beside 30 says 2 messages
    # in Hamilton were about something else.
    protected = protect_dimension([30, 20], [[28, 10]], THRESHOLD)
    assert protected.themes == [[True, True]]  # 28, and 10 with it so the hidden cells hold 38
    assert protected.total == [False, False]


def test_themes_that_never_meet_and_cover_everything_but_a_few_are_made_to_meet() -> None:
    # Getting around only in Hamilton (20 of its 22), money only in Clydesdale (15 of its 16). With every cell
    # hidden, the zeros still say the two never meet, so all messages (38) less both (35) would count the other 3.
    # Money's zero in Hamilton is hidden too: nobody can tell it from a small count, and the two cannot be taken
    # away together.
    protected = protect_dimension([22, 16, 0], [[20, 0, 0], [0, 15, 0]], THRESHOLD)
    assert protected.total == [True, True, False]
    assert protected.themes == [[True, False, False], [True, True, False]]


def _send(twilio: TwilioWebhook, texts: list[str], *, first: int, locality: str | None = None) -> None:
    for n, text in enumerate(texts):
        sender = f"+4477009{first + n:05d}"
        twilio.replies(text, sender=sender)
        if locality:
            person = db.session.scalars(select(Person).order_by(Person.id.desc())).first()
            assert person is not None
            person.locality = locality
            db.session.commit()


def _kind(theme: summaries.ThemeSummary) -> str:
    return "hidden" if theme.count.suppressed else "shown" if theme.count.value else "zero"


def _known(app: Any) -> summaries.Choices:
    return summaries.choices(db.session, app.config["LOCALITIES"])


def _summary(app: Any, clock: Clock, **raw: str) -> summaries.Summary:
    filters = summaries.parse_filters(raw, _known(app), today=clock.current.date())
    return summaries.summarise(db.session, filters, _known(app), threshold=THRESHOLD)


def test_the_summary_matches_an_independent_count_and_hides_small_ones(
    app: Any, twilio: TwilioWebhook, clock: Clock
) -> None:
    buses = [f"the bus to college was late again, number {n}" for n in range(12)]
    skint = ["pure skint this week", "no money for the electric", "cant afford the bus fare"]
    clubs = [f"I love going to the football club at the weekend, week {n}" for n in range(10)]
    _send(twilio, buses[:10], first=1, locality="Hamilton")
    _send(twilio, buses[10:], first=20, locality="Clydesdale")
    _send(twilio, skint, first=40)
    _send(twilio, clubs, first=60, locality="Hamilton")
    analysis.analyse_pending(db.session, now=now())

    # Counted independently: every stored message whose own analysis filed it under transport or money.
    filed = [analysis.filed(db.session, m.id) for m in db.session.scalars(select(InboundMessage))]
    by_hand = {
        slug: sum(1 for f in filed if f and slug in {row.slug for row in f.themes}) for slug in ("transport", "money")
    }
    result = _summary(app, clock)
    transport, money = result.theme("transport"), result.theme("money")
    assert transport is not None and money is not None
    assert transport.count.value == by_hand["transport"] == 13  # twelve buses and a fare
    assert transport.count.shown == "13" and transport.share == pytest.approx(13 / 25)
    assert money.count.value == by_hand["money"] and money.count.shown == "[c]"
    assert money.feeling is None and money.share is None and money.change is None
    assert result.total.shown == "25" and result.filters.quarter == summaries.Quarter(2026, 4)
    assert result.themes[0].slug == "transport"  # largest first
    # The shown counts largest first, then the hidden ones by name (never in their true order), then the zeros.
    kinds = [kind for t in result.themes for kind in [_kind(t)]]
    assert kinds == sorted(kinds, key=["shown", "hidden", "zero"].index)
    hidden_ones = [t.label for t in result.themes if t.count.suppressed]
    assert hidden_ones == sorted(hidden_ones)

    by_place = _summary(app, clock, by="locality")
    cells = by_place.theme("transport")
    assert cells is not None
    # Hamilton 10, Clydesdale 2, not recorded 1: 2 and 1 are hidden, and Hamilton with them, or 13 less 10 would
    # give the 3 elsewhere away.
    assert {key: cell.shown for key, cell in cells.groups.items() if cell.value} == {
        "Hamilton": "[c]",
        "Clydesdale": "[c]",
        summaries.NOT_RECORDED: "[c]",
    }
    rows = summaries.report_rows(by_place)
    assert {"slug": "transport", "group": "Clydesdale", "group_count": "[c]"}.items() <= next(
        r for r in rows if r["slug"] == "transport" and r["group"] == "Clydesdale"
    ).items()
    assert all(not isinstance(r["group_count"], int) or r["group_count"] == 0 or r["group_count"] >= 10 for r in rows)
    # The view of one group shows exactly its cell of the breakdown.
    hamilton = _summary(app, clock, locality="Hamilton").theme("transport")
    assert hamilton is not None and hamilton.count == cells.groups["Hamilton"]


def test_the_change_compares_with_the_quarter_before(app: Any, twilio: TwilioWebhook, clock: Clock) -> None:
    _send(twilio, [f"the bus is always late, day {n}" for n in range(11)], first=100)
    analysis.analyse_pending(db.session, now=now())
    clock.current += timedelta(days=95)  # 26 February 2027: the next quarter
    _send(twilio, [f"the bus never comes, week {n}" for n in range(14)], first=200)
    analysis.analyse_pending(db.session, now=now())
    result = _summary(app, clock)
    transport = result.theme("transport")
    assert transport is not None and result.filters.quarter == summaries.Quarter(2027, 1)
    assert (transport.count.value, transport.previous.value, transport.change) == (14, 11, 3)
    assert transport.direction == "rising"
    assert not result.filters.complete  # the quarter is under way
    assert _summary(app, clock, period="2026-Q4").filters.complete


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ({"since": "2026-13-01"}, "since must be a date"),
        ({"since": "2026-11-01", "until": "2026-10-01"}, "starts"),
        ({"until": "2099-01-01"}, "future"),
        ({"period": "2027-Q1"}, "future"),
        ({"period": "autumn"}, "period must be a quarter"),
        ({"period": "1899-Q4"}, "1900-Q1 or later"),
        ({"locality": "Atlantis"}, "Unknown locality"),
        ({"by": "phone"}, "Unknown by"),
        ({"survey": "no-such-survey"}, "Unknown survey"),
        ({"show": "locality"}, "Unknown group"),
        ({"locality": "Hamilton", "age_band": "16-17"}, "Choose one group at a time"),
        ({"locality": "Hamilton", "show": "locality:Clydesdale"}, "Choose one group at a time"),
        ({"locality": "Hamilton", "by": "age_band"}, "A breakdown is for everyone"),
        ({"since": "2026-09-15", "until": "2026-11-01"}, "one calendar quarter at a time"),
        ({"period": "2026-Q4", "until": "2026-09-30"}, "not in October to December 2026"),
    ],
)
def test_bad_filters_are_refused_with_a_clear_message(app: Any, clock: Clock, raw: dict[str, str], says: str) -> None:
    with pytest.raises(summaries.FilterError, match=says):
        summaries.parse_filters(raw, _known(app), today=clock.current.date())


def test_the_period_is_a_calendar_quarter(app: Any) -> None:
    known, today = _known(app), date(2026, 11, 23)
    filters = summaries.parse_filters({}, known, today=today)
    assert (filters.since, filters.until, filters.complete) == (date(2026, 10, 1), date(2026, 12, 31), False)
    assert filters.previous == (date(2026, 7, 1), date(2026, 9, 30))
    assert filters.query() == {"period": "2026-Q4"}
    for raw in (
        {"period": "2026q3"},
        {"period": "2026-Q3"},
        {"until": "2026-08-01"},
        {"since": "2026-07-02", "until": "2026-09-30"},
    ):
        assert summaries.parse_filters(raw, known, today=today).quarter == summaries.Quarter(2026, 3), raw
    # The form's one menu of groups is the same as naming the filter.
    shown = summaries.parse_filters({"show": "locality:Hamilton", "by": ""}, known, today=today)
    assert shown.group == ("locality", "Hamilton") and shown.query() == {"period": "2026-Q4", "locality": "Hamilton"}
    assert summaries.Quarter(2026, 1).shift(-1) == summaries.Quarter(2025, 4)
    assert summaries.Quarter(2024, 1).last == date(2024, 3, 31) and summaries.Quarter(2026, 4).name == (
        "October to December 2026"
    )


def _wordless(bodies: set[str]) -> None:
    """Blank the redacted copy of these messages, as for a rating that has no words to quote."""
    for message in db.session.scalars(select(InboundMessage)):
        if message.body in bodies:
            found = db.session.scalar(select(MessageAnalysis).where(MessageAnalysis.inbound_message_id == message.id))
            assert found is not None
            found.redacted = ""
    db.session.commit()


def test_quotes_only_for_a_big_enough_quarter_never_a_risk_and_never_for_one_group(
    app: Any, twilio: TwilioWebhook, clock: Clock
) -> None:
    _send(twilio, varied("the bus to {place} is {trouble} every day, Kirsty", 9), first=300)
    analysis.analyse_pending(db.session, now=now())
    filters = summaries.parse_filters({}, _known(app), today=clock.current.date())
    assert summaries.quotes(db.session, "transport", filters, threshold=THRESHOLD) == ([], [])  # 9: too few

    _send(twilio, varied("buses are rubbish, {place} ones {trouble}", 10, 10), first=320, locality="Hamilton")
    twilio.replies("the bus driver grabbed me and said not to tell anyone", sender="+447700900399")
    analysis.analyse_pending(db.session, now=now())
    quoted, phrases = summaries.quotes(db.session, "transport", filters, threshold=THRESHOLD)
    # 20 in the quarter; the one showing a risk is never quoted, and showing the other 19 would say that exactly
    # one was held back: so 10 are shown, and 10 held back could be anything.
    assert len(quoted) == 10
    assert all("grabbed" not in q.text and "Kirsty" not in q.text for q in quoted)  # redacted copies only
    assert "buses" in phrases  # in at least 10 messages; shown without a count
    with pytest.raises(summaries.FilterError):
        summaries.quotes(db.session, "made-up", filters, threshold=THRESHOLD)
    hamilton = summaries.parse_filters({"locality": "Hamilton"}, _known(app), today=clock.current.date())
    assert summaries.quotes(db.session, "transport", hamilton, threshold=THRESHOLD) == ([], [])


def test_answers_with_no_words_are_left_out_before_the_newest_are_picked(
    app: Any, twilio: TwilioWebhook, clock: Clock
) -> None:
    texts = varied("the {place} bus was {trouble}", 30)
    _send(twilio, texts, first=400)
    analysis.analyse_pending(db.session, now=now())
    _wordless(set(texts[5:]))  # the 25 newest have nothing to quote
    filters = summaries.parse_filters({}, _known(app), today=clock.current.date())
    quoted, _ = summaries.quotes(db.session, "transport", filters, threshold=THRESHOLD, limit=20)
    # Picking 20 first and dropping the wordless after left 0 to show. The 5 with words are found; 25 held back.
    assert sorted(q.text for q in quoted) == sorted(texts[:5])

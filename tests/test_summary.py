"""The theme summary: counts checked against a count done independently, small numbers hidden everywhere (with
secondary suppression), filters checked, and quotes only where the cell is big enough."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from feedback.clock import now
from feedback.extensions import db
from feedback.models import InboundMessage, Person
from feedback.services import analysis
from feedback.services import summary as summaries
from feedback.services.suppression import count, hidden, protect_rows
from tests.conftest import Clock, TwilioWebhook

THRESHOLD = 10


def test_small_counts_are_hidden_and_zero_is_not() -> None:
    assert [count(n, THRESHOLD).shown for n in (0, 1, 9, 10, 250)] == ["0", "<10", "<10", "10", "250"]
    assert count(3, THRESHOLD).public() == "<10" and count(12, THRESHOLD).public() == 12


def test_one_hidden_cell_in_a_row_takes_the_smallest_other_with_it() -> None:
    assert protect_rows([[2, 40, 15, 0]], THRESHOLD) == [[True, False, True, False]]
    assert protect_rows([[2, 3, 40]], THRESHOLD) == [[True, True, False]]  # two hidden already: nothing to add
    assert protect_rows([[4, 0, 3]], THRESHOLD) == [[True, False, True]]  # the total (7) is hidden itself


@given(st.lists(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=6), min_size=1, max_size=5))
def test_no_hidden_cell_can_be_worked_out_from_its_row_total(rows: list[list[int]]) -> None:
    for row, mask in zip(rows, protect_rows(rows, THRESHOLD), strict=True):
        assert all(mask[i] for i, value in enumerate(row) if hidden(value, THRESHOLD))
        if not hidden(sum(row), THRESHOLD):
            # The total is shown: a single hidden non-zero cell would be the total minus the others.
            assert sum(1 for i, value in enumerate(row) if mask[i] and value) != 1


def _send(twilio: TwilioWebhook, texts: list[str], *, first: int, locality: str | None = None) -> None:
    for n, text in enumerate(texts):
        sender = f"+4477009{first + n:05d}"
        twilio.replies(text, sender=sender)
        if locality:
            person = db.session.scalars(select(Person).order_by(Person.id.desc())).first()
            assert person is not None
            person.locality = locality
            db.session.commit()


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
    _send(twilio, buses[:10], first=1, locality="Hamilton")
    _send(twilio, buses[10:], first=20, locality="Clydesdale")
    _send(twilio, skint, first=40)
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
    assert transport.count.shown == "13" and transport.share == pytest.approx(13 / 15)
    assert money.count.value == by_hand["money"] and money.count.shown == "<10"
    assert money.sentiment is None and money.share is None and money.change is None
    assert result.total.shown == "15"
    assert result.themes[0].slug == "transport"  # largest first

    by_place = _summary(app, clock, by="locality")
    cells = by_place.theme("transport")
    assert cells is not None
    # Hamilton 10, Clydesdale 2, not recorded 1: Clydesdale and not recorded are hidden; nothing is left to
    # subtract them from but Hamilton, which is shown as 10 against a total of 13: 3 hidden in two cells.
    assert cells.groups["Hamilton"].shown == "10"
    assert cells.groups["Clydesdale"].shown == "<10" and cells.groups[summaries.NOT_RECORDED].shown == "<10"
    rows = summaries.report_rows(by_place)
    assert {"slug": "transport", "group": "Clydesdale", "group_count": "<10"}.items() <= next(
        r for r in rows if r["slug"] == "transport" and r["group"] == "Clydesdale"
    ).items()
    assert all(not isinstance(r["group_count"], int) or r["group_count"] == 0 or r["group_count"] >= 10 for r in rows)


def test_the_change_compares_with_the_period_before(app: Any, twilio: TwilioWebhook, clock: Clock) -> None:
    _send(twilio, [f"the bus is always late, day {n}" for n in range(11)], first=100)
    analysis.analyse_pending(db.session, now=now())
    clock.current += timedelta(days=95)
    _send(twilio, [f"the bus never comes, week {n}" for n in range(14)], first=200)
    analysis.analyse_pending(db.session, now=now())
    transport = _summary(app, clock).theme("transport")
    assert transport is not None
    assert (transport.count.value, transport.previous.value, transport.change) == (14, 11, 3)
    assert transport.direction == "rising"


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ({"since": "2026-13-01"}, "since must be a date"),
        ({"since": "2026-11-01", "until": "2026-10-01"}, "starts"),
        ({"until": "2099-01-01"}, "future"),
        ({"locality": "Atlantis"}, "Unknown locality"),
        ({"by": "phone"}, "Unknown by"),
        ({"survey": "no-such-survey"}, "Unknown survey"),
    ],
)
def test_bad_filters_are_refused_with_a_clear_message(app: Any, clock: Clock, raw: dict[str, str], says: str) -> None:
    with pytest.raises(summaries.FilterError, match=says):
        summaries.parse_filters(raw, _known(app), today=clock.current.date())


def test_the_default_period_is_the_last_three_months(app: Any) -> None:
    filters = summaries.parse_filters({}, _known(app), today=date(2026, 11, 23))
    assert (filters.since, filters.until) == (date(2026, 8, 24), date(2026, 11, 23))
    assert filters.previous == (date(2026, 5, 24), date(2026, 8, 23))  # the same 92 days before


def test_quotes_only_where_the_cell_is_big_enough_and_never_a_risk(
    app: Any, twilio: TwilioWebhook, clock: Clock
) -> None:
    _send(twilio, [f"the bus to school is late every day, Kirsty {n}" for n in range(9)], first=300)
    analysis.analyse_pending(db.session, now=now())
    filters = summaries.parse_filters({}, _known(app), today=clock.current.date())
    assert summaries.quotes(db.session, "transport", filters, threshold=THRESHOLD) == ([], [])  # 9: too few

    twilio.replies("the bus driver grabbed me and said not to tell anyone", sender="+447700900399")
    analysis.analyse_pending(db.session, now=now())
    quoted, phrases = summaries.quotes(db.session, "transport", filters, threshold=THRESHOLD)
    assert len(quoted) == 9  # ten in the cell now, but the one showing a risk is never quoted
    assert all("grabbed" not in q.text and "Kirsty" not in q.text for q in quoted)  # redacted copies only
    with pytest.raises(summaries.FilterError):
        summaries.quotes(db.session, "made-up", filters, threshold=THRESHOLD)
    assert all(n >= THRESHOLD for _, n in phrases)

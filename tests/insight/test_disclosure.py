"""No count from 1 to threshold-1, no mean over so few messages and no quote placed among so few can be worked out
by adding or subtracting what the summaries publish (issue 14, item 2; docs/privacy.md, "Small numbers").

The checker plays the attacker. It knows only the definitions of the published figures (which theme, or all
messages; which quarter; which group), never the data: a signed sum of figures gives the count of a set when, on
every combination of the predicates' own values (an "atom"), the signs add up to 0 or 1. For every such sum of two
or three shown figures the true count of the set must be 0 or at least the threshold. The checker is shown to find
the issue's case ("19 about buses, 16 in Hamilton: 3 elsewhere") in figures published the old way, then let loose
on the service with random messages and random pairs and triples of requests.

Beside it, `protect_dimension` on its own against an exact attacker: every set of atoms, any combination (any
number of figures, rational coefficients) of the published cells, zeros known to be empty.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from feedback.analysis.sentiment import label_for
from feedback.core.clock import LOCAL_TIME
from feedback.extensions import db
from feedback.insight import daily
from feedback.insight import summary as summaries
from feedback.insight.models import MessageAnalysis, MessageTheme, Theme
from feedback.insight.summary import NOT_RECORDED, Quarter
from feedback.insight.suppression import hidden, protect_dimension, total_hidden
from feedback.messages.models import InboundMessage
from feedback.people.models import Person
from feedback.surveys.models import Survey

THRESHOLD = 4  # small, so that random data has shown and hidden cells side by side
TODAY = date(2026, 11, 23)  # the tests' clock (tests/conftest.py)
THEMES = ("transport", "money", "education")
LOCALITIES = ("Clydesdale", "East Kilbride", "Hamilton", "Rutherglen/Cambuslang")
SURVEY = "monthly-checkin"
# Each example fills the database and asks the service up to three times: shrinking a failure would replay it for
# longer than the test may take, so a failure is reported as found (its requests and sums are in the message).
FIGURE_SETTINGS = settings(
    max_examples=50,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- what an attacker can work out -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    themes: frozenset[str]
    day: date  # UK local date
    channel: str | None
    survey: str | None
    locality: str | None
    age_band: str | None
    care_setting: str | None
    risk: bool = False
    sentiment: float = 0.0
    text: str = ""

    def value(self, dimension: str, allowed: Mapping[str, Sequence[str]]) -> str:
        """The group this message is in, for a dimension: as summaries fold it ("not recorded" for none)."""
        if dimension == "month":
            return self.day.strftime("%Y-%m")
        value = getattr(self, dimension)
        return value if value in allowed[dimension] else NOT_RECORDED


@dataclass(frozen=True)
class Predicate:
    """The definition of a published figure: a theme (or None, all messages), a quarter, and one group or none."""

    theme: str | None
    quarter: Quarter
    group: tuple[str, str] | None = None

    def holds(self, message: Message, allowed: Mapping[str, Sequence[str]]) -> bool:
        if self.theme is not None and self.theme not in message.themes:
            return False
        if Quarter.containing(message.day) != self.quarter:
            return False
        return self.group is None or message.value(self.group[0], allowed) == self.group[1]


@dataclass(frozen=True)
class Figure:
    predicate: Predicate
    value: int  # its true count (what it says when shown)
    mean: bool = False  # a mean of the messages' feeling is published with it


@dataclass(frozen=True)
class Derivation:
    terms: tuple[tuple[int, Predicate], ...]  # sign, figure
    count: int
    of: str  # "count" or "mean"


def _atoms(predicates: Iterable[Predicate], allowed: Mapping[str, Sequence[str]]) -> list[tuple[Any, ...]]:
    """Every combination of the predicates' own values: the themes they name (each in or out, on its own: a message
    may have several), the quarters they name or another, and for each dimension they name its values (all three
    months of a named quarter; for other dimensions the values named, and "another" where there are more)."""
    predicates = list(predicates)
    themes = sorted({p.theme for p in predicates if p.theme is not None})
    quarters: list[Quarter | None] = [*sorted({p.quarter for p in predicates}), None]
    dimensions = sorted({p.group[0] for p in predicates if p.group and p.group[0] != "month"})
    months = any(p.group and p.group[0] == "month" for p in predicates)
    values: list[list[str | None]] = []
    for dimension in dimensions:
        named = sorted({p.group[1] for p in predicates if p.group and p.group[0] == dimension})
        values.append([*named, None] if len(named) < len(allowed[dimension]) + 1 else named)  # + "not recorded"
    atoms = []
    for inside in itertools.product((False, True), repeat=len(themes)):
        chosen = frozenset(t for t, flag in zip(themes, inside, strict=True) if flag)
        for quarter in quarters:
            month_values: list[str | None] = [None]
            if months and quarter is not None:
                month_values = [day.strftime("%Y-%m") for day in quarter.months]
            for month in month_values:
                for rest in itertools.product(*values):
                    atoms.append((chosen, quarter, month, dict(zip(dimensions, rest, strict=True))))
    return atoms


def _in(predicate: Predicate, atom: tuple[Any, ...]) -> bool:
    chosen, quarter, month, values = atom
    if predicate.theme is not None and predicate.theme not in chosen:
        return False
    if predicate.quarter != quarter:
        return False
    if predicate.group is None:
        return True
    dimension, value = predicate.group
    return bool(month == value) if dimension == "month" else bool(values[dimension] == value)


def is_a_set(terms: Sequence[tuple[int, Predicate]], allowed: Mapping[str, Sequence[str]]) -> bool:
    """Whether this signed sum of figures counts a set: 0 or 1 on every atom, and 1 on some."""
    found = False
    for atom in _atoms((p for _, p in terms), allowed):
        weight = sum(sign for sign, predicate in terms if _in(predicate, atom))
        if weight not in (0, 1):
            return False
        found = found or weight == 1
    return found


def derivations(
    figures: Iterable[Figure], allowed: Mapping[str, Sequence[str]], *, threshold: int, of: str = "count"
) -> list[Derivation]:
    """Every signed sum of two or three shown figures that counts a set of 1 to threshold-1 messages. The true
    count of a set is the same signed sum of the figures' true counts, so the search looks only at sums in that
    range (sums of shown figures alone are never small) and asks of those whether they count a set."""
    shown = sorted({f.predicate: f for f in figures}.values(), key=lambda f: f.value)
    values = [f.value for f in shown]
    found: list[Derivation] = []

    def consider(terms: tuple[tuple[int, int], ...]) -> None:
        total = sum(sign * values[i] for sign, i in terms)
        if not hidden(total, threshold):
            return
        signed = tuple((sign, shown[i].predicate) for sign, i in terms)
        if is_a_set(signed, allowed):
            found.append(Derivation(signed, total, of))

    n = len(shown)
    for i, j in itertools.combinations(range(n), 2):
        for a, b in ((1, -1), (-1, 1)):
            consider(((a, i), (b, j)))
        for a, b in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
            partial = a * values[i] + b * values[j]
            for c in (1, -1):
                if a == b == c:
                    continue  # all added (never small) or all taken away (never positive)
                # The third figure's value must bring the sum into 1..threshold-1: only those are looked at.
                low, high = (1 - partial, threshold - 1 - partial) if c == 1 else (partial - threshold + 1, partial - 1)
                for k in range(j + 1, n):
                    if low <= values[k] <= high:
                        consider(((a, i), (b, j), (c, k)))
    return found


def quote_placements(
    lists: Iterable[tuple[Predicate, frozenset[int]]],
    messages: Sequence[Message],
    allowed: Mapping[str, Sequence[str]],
    *,
    threshold: int,
) -> list[tuple[int, int]]:
    """For each quote (a message's index) in some of a theme's published lists and not in others: the messages of
    the theme in every list's predicate that holds it and in none of the others'. Returns (quote, group size) for
    each group of 1 to threshold-1."""
    by_theme: dict[str, list[tuple[Predicate, frozenset[int]]]] = {}
    for predicate, quoted in lists:
        assert predicate.theme is not None
        by_theme.setdefault(predicate.theme, []).append((predicate, quoted))
    small = []
    for theme, theirs in by_theme.items():
        for quote in set().union(*(quoted for _, quoted in theirs)):
            group = [
                m
                for m in messages
                if theme in m.themes
                and all(p.holds(m, allowed) for p, quoted in theirs if quote in quoted)
                and not any(p.holds(m, allowed) for p, quoted in theirs if quote not in quoted)
            ]
            if hidden(len(group), threshold):
                small.append((quote, len(group)))
    return small


def _allowed(known: summaries.Choices) -> dict[str, Sequence[str]]:
    return {dimension: tuple(known.labels(dimension)) for dimension in summaries.FILTERS}


# --- the checker finds the issue's case in figures published the old way ---------------------------------------

KNOWN = summaries.Choices(localities=LOCALITIES, surveys={SURVEY: "Monthly check-in"})
Q4 = Quarter(2026, 4)


def _buses() -> list[Message]:
    """19 young people wrote about buses this quarter, 16 of them in Hamilton."""
    return [
        Message(frozenset({"transport"}), date(2026, 10, 5 + n), "sms", None, place, None, None, text=f"bus {n}")
        for n, place in enumerate(["Hamilton"] * 16 + ["Clydesdale"] * 3)
    ]


def test_the_checker_finds_three_elsewhere_in_the_old_figures() -> None:
    """The old summary showed the theme's 19 for everyone and 16 with locality=Hamilton, each with its mean, and
    quoted all 19 for everyone and the 16 for Hamilton."""
    allowed = _allowed(KNOWN)
    everyone, hamilton = Predicate("transport", Q4), Predicate("transport", Q4, ("locality", "Hamilton"))
    old = [Figure(everyone, 19, mean=True), Figure(hamilton, 16, mean=True)]

    counts = derivations(old, allowed, threshold=10)
    assert [(d.terms, d.count) for d in counts] == [(((-1, hamilton), (1, everyone)), 3)]
    means = derivations([f for f in old if f.mean], allowed, threshold=10, of="mean")
    assert [d.count for d in means] == [3]  # two means and two counts give the other 3's mean

    lists = [(everyone, frozenset(range(19))), (hamilton, frozenset(range(16)))]
    assert sorted(quote_placements(lists, _buses(), allowed, threshold=10)) == [(16, 3), (17, 3), (18, 3)]

    # Not fooled by sums that count no set: Hamilton's 16 less Clydesdale's 3 is 13 of nobody in particular, and
    # all messages less a theme is a set (the messages not about it).
    clydesdale = Predicate("transport", Q4, ("locality", "Clydesdale"))
    assert not is_a_set(((1, hamilton), (-1, clydesdale)), allowed)
    assert is_a_set(((1, Predicate(None, Q4)), (-1, everyone)), allowed)
    assert not is_a_set(((1, everyone), (-1, Predicate("transport", Quarter(2026, 3)))), allowed)


# --- the service, with the issue's case and with random messages ---------------------------------------------


def _insert(messages: Sequence[Message]) -> None:
    """The rows the summary reads, as the analysis writes them (`analysis.analyse_messages`, `report_facts`), in
    the open transaction: the caller rolls back. Every theme but the three in play is retired meanwhile, so that the
    figures to check are theirs."""
    db.session.execute(
        update(Theme).where(Theme.slug.not_in(THEMES)).values(retired_at=datetime(2026, 1, 1, tzinfo=UTC))
    )
    ids = {slug: theme_id for slug, theme_id in db.session.execute(select(Theme.slug, Theme.id))}
    survey_id = db.session.scalar(select(Survey.id).where(Survey.slug == SURVEY))
    person = Person()
    db.session.add(person)
    db.session.flush()
    for n, message in enumerate(messages):
        received = datetime.combine(message.day, time(12), LOCAL_TIME).astimezone(UTC)
        inbound = InboundMessage(
            # The summary reads the channel from the facts below (None there: not recorded); the stored message
            # must still hold one the database allows.
            channel=message.channel or "sms",
            provider_sid=f"TEST{n:06d}",
            person_id=person.id,
            body=message.text or "4",
            received_at=received,
            status="processed",
            handling="feedback",
            risk=message.risk,
        )
        db.session.add(inbound)
        db.session.flush()
        facts = {
            "received_at": received,
            "month": message.day.strftime("%Y-%m"),
            "channel": message.channel,
            "survey_id": survey_id if message.survey else None,
            "locality": message.locality,
            "age_band": message.age_band,
            "care_setting": message.care_setting,
            "risk": message.risk,
        }
        db.session.add(
            MessageAnalysis(
                inbound_message_id=inbound.id,
                sentiment=message.sentiment,
                sentiment_label=label_for(message.sentiment),
                key_phrases=[],
                why={},
                redacted=message.text,
                analyser="test",
                analysed_at=received,
                **facts,
            )
        )
        for slug in message.themes:
            db.session.add(
                MessageTheme(
                    inbound_message_id=inbound.id,
                    theme_id=ids[slug],
                    source="auto",
                    strong=True,
                    sentiment=message.sentiment,
                    feeling=label_for(message.sentiment),
                    created_at=received,
                    **facts,
                )
            )
    db.session.flush()
    daily.rebuild(db.session)


@dataclass
class Published:
    """Everything the requests published, as the attacker sees it."""

    figures: dict[Predicate, tuple[bool, int]]  # predicate -> (shown, value), the same in every view
    quotes: list[tuple[Predicate, frozenset[int]]]
    messages: Sequence[Message]
    allowed: Mapping[str, Sequence[str]]

    def shown(self) -> list[Figure]:
        return [Figure(p, value) for p, (visible, value) in self.figures.items() if visible]


def _publish(app: Any, messages: Sequence[Message], requests: Iterable[Mapping[str, str]]) -> Published:
    """Ask the service as the pages, the CSV and the API do, and collect every figure it publishes with its
    definition, checking each against a count done here, from the messages themselves."""
    known = summaries.choices(db.session, app.config["LOCALITIES"])
    allowed = _allowed(known)
    published = Published({}, [], messages, allowed)
    text_of = {m.text: n for n, m in enumerate(messages) if m.text}

    def record(predicate: Predicate, shown: bool, value: int, feeling: summaries.Feeling | None = None) -> None:
        true = [m for m in messages if predicate.holds(m, allowed)]
        assert value == len(true), (predicate, value, len(true))
        assert shown == published.figures.get(predicate, (shown, value))[0], f"{predicate} shown in one view only"
        assert not (shown and hidden(value, THRESHOLD)), predicate
        published.figures[predicate] = (shown, value)
        if feeling is not None:
            # A theme's feeling, for everyone in a quarter only: three counts that add up to its shown count and
            # appear in no other figure, so the row's own protection is all there is to check.
            assert shown and predicate.group is None, f"a feeling without its count, or for a group: {predicate}"
            parts = [part for _, part in feeling.parts]
            assert [part.value for part in parts] == [
                sum(1 for m in true if label_for(m.sentiment) == name) for name in daily.FEELINGS
            ]
            assert not any(not part.suppressed and hidden(part.value, THRESHOLD) for part in parts), feeling
            assert not hidden(sum(part.value for part in parts if part.suppressed), THRESHOLD), feeling

    for raw in requests:
        try:
            filters = summaries.parse_filters(raw, known, today=TODAY)
        except summaries.FilterError:
            continue  # refused, as the page, the CSV and the API refuse it: nothing published
        result = summaries.summarise(db.session, filters, known, threshold=THRESHOLD)
        quarter, before, group = filters.quarter, filters.quarter.shift(-1), filters.group
        record(Predicate(None, quarter, group), not result.total.suppressed, result.total.value)
        record(Predicate(None, before, group), not result.previous_total.suppressed, result.previous_total.value)
        for theme in result.themes:
            record(Predicate(theme.slug, quarter, group), not theme.count.suppressed, theme.count.value, theme.feeling)
            record(Predicate(theme.slug, before, group), not theme.previous.suppressed, theme.previous.value)
            if theme.share is not None:  # a share is shown only beside both its counts: it adds nothing to them
                assert not theme.count.suppressed and not result.total.suppressed
            for key, cell in theme.groups.items():
                assert filters.by is not None
                record(Predicate(theme.slug, quarter, (filters.by, key)), not cell.suppressed, cell.value)
        for key, cell in result.group_totals.items():
            assert filters.by is not None
            record(Predicate(None, quarter, (filters.by, key)), not cell.suppressed, cell.value)
        trend = summaries.trend(db.session, filters, known, threshold=THRESHOLD)
        for slug, points in trend.themes.items():
            for point_quarter, point in zip(trend.quarters, points, strict=True):
                record(Predicate(slug, point_quarter, group), not point.suppressed, point.value)
        for slug in THEMES:
            quoted, _ = summaries.quotes(db.session, slug, filters, threshold=THRESHOLD)
            if group is not None:
                assert quoted == [], "quotes for one group"
                continue
            indices = frozenset(text_of[q.text] for q in quoted)
            assert not any(messages[i].risk or not messages[i].text for i in indices)
            cell = published.figures[Predicate(slug, quarter)][1]
            assert not indices or not hidden(cell - len(indices), THRESHOLD), "the messages not quoted are few"
            published.quotes.append((Predicate(slug, quarter), indices))
    return published


def _audit(published: Published) -> list[Any]:
    shown = published.shown()
    problems: list[Any] = derivations(shown, published.allowed, threshold=THRESHOLD)
    problems += quote_placements(published.quotes, published.messages, published.allowed, threshold=THRESHOLD)
    return problems


@pytest.fixture
def rolled_back(app: Any) -> Any:
    """Each example's rows live in one transaction, rolled back after it."""
    yield app
    db.session.rollback()


def test_the_issues_case_gives_nothing_away_through_the_service(rolled_back: Any) -> None:
    messages = _buses()
    _insert(messages)
    requests = [{}, {"locality": "Hamilton"}, {"by": "locality"}, {"locality": "Clydesdale"}, {"by": "month"}]
    published = _publish(rolled_back, messages, requests)
    hamilton = published.figures[Predicate("transport", Q4, ("locality", "Hamilton"))]
    assert published.figures[Predicate("transport", Q4)] == (True, 19) and hamilton == (False, 16)
    assert _audit(published) == []
    # The same figures published the old way are caught by the same audit.
    published.figures[Predicate("transport", Q4, ("locality", "Hamilton"))] = (True, 16)
    found = [d for d in _audit(published) if isinstance(d, Derivation)]
    assert found and {d.count for d in found} == {3}


def test_a_theme_covering_all_but_a_few_messages_hides_the_count_of_all(rolled_back: Any) -> None:
    # 19 about buses and 2 about nothing else: 21 less 19 would count the 2.
    messages = [*_buses(), *(Message(frozenset(), date(2026, 10, 30), "sms", None, None, None, None) for _ in "ab")]
    _insert(messages)
    published = _publish(rolled_back, messages, [{}, {"by": "channel"}])
    assert published.figures[Predicate(None, Q4)] == (False, 21)
    assert _audit(published) == []


# Random messages over two quarters and a bit (so that requests a day apart straddle a quarter's end), mostly on a
# few days and in bunches of alike messages, so that some groups reach the threshold and others do not.
DAYS = st.one_of(
    st.sampled_from([date(2026, 6, 30), date(2026, 7, 1), date(2026, 8, 14), date(2026, 9, 30), date(2026, 10, 1)]),
    st.sampled_from([date(2026, 10, 20), date(2026, 11, 22)]),
    st.dates(min_value=date(2026, 6, 15), max_value=date(2026, 11, 22)),
)
MESSAGES = st.builds(
    Message,
    themes=st.sets(st.sampled_from(THEMES), min_size=1, max_size=2).map(frozenset),
    day=DAYS,
    channel=st.sampled_from(["sms", "sms", "web", None]),
    survey=st.sampled_from([None, SURVEY]),
    locality=st.sampled_from(["Hamilton", "Hamilton", "Clydesdale", "East Kilbride", None, "Lanark"]),
    age_band=st.sampled_from(["16-17", "18-21", None]),
    care_setting=st.sampled_from(["foster", "kinship", None]),
    risk=st.sampled_from([False, False, False, True]),
    sentiment=st.sampled_from([-1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0]),
    text=st.sampled_from(["words", "words", ""]),
)
BUNCHES = st.lists(st.tuples(MESSAGES, st.integers(min_value=1, max_value=10)), min_size=4, max_size=16)
GROUPS = [(name, value) for name in summaries.FILTERS for value in {
    "channel": ["sms", "web"],
    "survey": [SURVEY],
    "locality": ["Hamilton", "Clydesdale", "East Kilbride"],
    "age_band": ["16-17", "18-21"],
    "care_setting": ["foster", "kinship"],
}[name]]  # fmt: skip
BASE_DAYS = [date(2026, 8, 14), date(2026, 9, 29), date(2026, 9, 30), date(2026, 10, 1), date(2026, 11, 22)]


@st.composite
def requests(draw: Any) -> list[dict[str, str]]:
    """Two or three requests around one day: periods a day apart, each for everyone, one group or (refused) two,
    with or without a breakdown."""
    base = draw(st.sampled_from(BASE_DAYS))
    made = []
    for _ in range(draw(st.integers(min_value=2, max_value=3))):
        day = base + timedelta(days=draw(st.integers(min_value=0, max_value=1)))
        raw: dict[str, str] = {}
        period = draw(st.sampled_from(["today", "until", "since-until", "period"]))
        if period == "until":
            raw["until"] = day.isoformat()
        elif period == "since-until":
            raw.update(since=day.isoformat(), until=(day + timedelta(days=1)).isoformat())
        elif period == "period":
            raw["period"] = str(Quarter.containing(day))
        how_many = draw(st.sampled_from([0, 0, 1, 1, 1, 2]))  # two groups are refused: now and then
        for name, value in draw(
            st.lists(st.sampled_from(GROUPS), min_size=how_many, max_size=how_many, unique_by=lambda g: g[0])
        ):
            raw[name] = value
        if draw(st.integers(min_value=0, max_value=2)) == 0:
            raw["by"] = draw(st.sampled_from(summaries.BREAKDOWNS))
        made.append(raw)
    return made


def _expand(bunches: Sequence[tuple[Message, int]]) -> list[Message]:
    out = []
    for bunch, (message, copies) in enumerate(bunches):
        for copy in range(copies):
            out.append(replace(message, text=f"{message.text} {bunch}.{copy}" if message.text else ""))
    return out


@FIGURE_SETTINGS
@given(bunches=BUNCHES, asked=requests())
def test_no_small_count_mean_or_quote_group_can_be_worked_out_from_the_summaries(
    app: Any, bunches: list[tuple[Message, int]], asked: list[dict[str, str]]
) -> None:
    messages = _expand(bunches)
    try:
        _insert(messages)
        published = _publish(app, messages, asked)
        assert _audit(published) == [], asked
    finally:
        db.session.rollback()


# --- one protected table against an exact attacker -------------------------------------------------------------

PRIME = (1 << 61) - 1  # span arithmetic modulo a large prime: exact for vectors of 0s and 1s this small


def _reduce(basis: list[tuple[int, list[int]]], vector: list[int]) -> list[int]:
    vector = [x % PRIME for x in vector]
    for pivot, row in basis:
        if vector[pivot]:
            factor = vector[pivot]
            vector = [(a - factor * b) % PRIME for a, b in zip(vector, row, strict=True)]
    return vector


def _basis(vectors: Iterable[list[int]]) -> list[tuple[int, list[int]]]:
    basis: list[tuple[int, list[int]]] = []
    for vector in vectors:
        reduced = _reduce(basis, vector)
        pivot = next((i for i, x in enumerate(reduced) if x), None)
        if pivot is None:
            continue
        inverse = pow(reduced[pivot], PRIME - 2, PRIME)
        reduced = [(x * inverse) % PRIME for x in reduced]
        basis = [
            (p, [(a - row[pivot] * b) % PRIME for a, b in zip(row, reduced, strict=True)] if row[pivot] else row)
            for p, row in basis
        ]
        basis.append((pivot, reduced))
    return basis


Atom = tuple[frozenset[int], tuple[int, ...]]  # the themes a message has, and its group in each dimension
Key = tuple[int | None, int | None, int | None]  # a figure: a theme or None (all), a dimension and group or None


def smallest_derivable_set(atoms: Mapping[Atom, int], published: Mapping[str, Any]) -> int | None:
    """The count of some set of 1 to threshold-1 messages that a combination of the published figures gives, or
    None. Atoms inside a figure shown as 0 are known to be empty, so a combination may give them any weight."""
    threshold = published["threshold"]
    keys = sorted(atoms, key=lambda a: (sorted(a[0]), a[1]))

    def vector(theme: int | None, dimension: int | None, group: int | None) -> list[int]:
        return [
            int((theme is None or theme in s) and (dimension is None or cells[dimension] == group)) for s, cells in keys
        ]

    figures = [(vector(*key), value) for key, value in published["figures"].items()]
    empty = {i for v, value in figures if value == 0 for i, x in enumerate(v) if x}
    live = [i for i in range(len(keys)) if i not in empty]
    basis = _basis([[v[i] for i in live] for v, _ in figures])
    for bits in itertools.product((0, 1), repeat=len(live)):
        total = sum(bit * atoms[keys[i]] for bit, i in zip(bits, live, strict=True))
        if hidden(total, threshold) and not any(_reduce(basis, list(bits))):
            return total
    return None


def publish_tables(atoms: Mapping[Atom, int], themes: int, shape: Sequence[int], threshold: int) -> dict[str, Any]:
    """What the summaries publish from one quarter's tables, one per dimension, protected by the service's rules."""
    everyone = sum(atoms.values())
    quarter = [sum(n for (s, _), n in atoms.items() if t in s) for t in range(themes)]
    figures: dict[Key, int] = {}
    if not total_hidden(everyone, quarter, threshold):
        figures[(None, None, None)] = everyone
    figures.update({(t, None, None): n for t, n in enumerate(quarter) if not hidden(n, threshold)})
    for d, groups in enumerate(shape):
        total = [sum(n for (s, c), n in atoms.items() if c[d] == g) for g in range(groups)]
        rows = [
            [sum(n for (s, c), n in atoms.items() if c[d] == g and t in s) for g in range(groups)]
            for t in range(themes)
        ]
        masks = protect_dimension(total, rows, threshold)
        figures.update({(None, d, g): total[g] for g in range(groups) if not masks.total[g]})
        for t, row in enumerate(rows):
            figures.update({(t, d, g): row[g] for g in range(groups) if not masks.themes[t][g]})
    return {"threshold": threshold, "figures": figures}


def _table(themes: int, groups: int) -> Any:
    subsets = [frozenset(s) for r in range(themes + 1) for s in itertools.combinations(range(themes), r)]
    keys = [(s, (g,)) for s in subsets for g in range(groups)]
    counts = st.lists(st.sampled_from([0, 0, 0, 1, 2, 3, 4, 5, 7, 9]), min_size=len(keys), max_size=len(keys))
    return counts.map(lambda values: dict(zip(keys, values, strict=True)))


TABLES = st.one_of(
    st.tuples(st.just(1), st.just(4), _table(1, 4)),
    st.tuples(st.just(2), st.just(3), _table(2, 3)),
    st.tuples(st.just(3), st.just(2), _table(3, 2)),
)


@settings(max_examples=60, deadline=None)
@given(table=TABLES, threshold=st.sampled_from([3, 4, 5]))
def test_no_set_of_a_few_can_be_worked_out_from_a_protected_table_by_any_combination(
    table: tuple[int, int, dict[Atom, int]], threshold: int
) -> None:
    themes, groups, atoms = table
    assert smallest_derivable_set(atoms, publish_tables(atoms, themes, [groups], threshold)) is None


def test_the_exact_attacker_finds_what_the_old_rule_left() -> None:
    """All messages and getting around by locality, the old way: each row protected alone (a small cell hidden
    with the smallest other), the count of all messages shown. Hamilton 22, all about getting around; Clydesdale 5,
    4 of them: every cell is hidden, yet all messages (27) less getting around (26) is the 1 about something else."""
    atoms = {
        (frozenset({0}), (0,)): 22,
        (frozenset(), (0,)): 0,
        (frozenset({0}), (1,)): 4,
        (frozenset(), (1,)): 1,
    }
    old = {"threshold": 10, "figures": {(None, None, None): 27, (0, None, None): 26}}
    assert smallest_derivable_set(atoms, old) == 1
    assert smallest_derivable_set(atoms, publish_tables(atoms, 1, [2], 10)) is None


def test_zeros_can_give_a_set_away_so_one_is_hidden_when_they_would() -> None:
    """Getting around only in Hamilton (20 of 22 messages there), money only in Clydesdale (15 of 16). Even with
    every non-zero cell hidden, the zeros shown say the two themes never meet: all messages (38) less both (35)
    counts the 3 about neither. The service hides one zero as well, and nothing can be worked out."""
    atoms: dict[Atom, int] = {(frozenset(s), (g,)): 0 for s in ((), (0,), (1,), (0, 1)) for g in range(3)}
    atoms.update(
        {(frozenset({0}), (0,)): 20, (frozenset(), (0,)): 2, (frozenset({1}), (1,)): 15, (frozenset(), (1,)): 1}
    )
    zeros = {(None, 0, 2): 0, (0, 0, 1): 0, (0, 0, 2): 0, (1, 0, 0): 0}
    zeros_shown = {
        "threshold": 10,
        "figures": {(None, None, None): 38, (0, None, None): 20, (1, None, None): 15, **zeros},
    }
    assert smallest_derivable_set(atoms, zeros_shown) == 3
    published = publish_tables(atoms, 2, [3], 10)
    assert (1, 0, 0) not in published["figures"]  # money's zero in Hamilton
    assert smallest_derivable_set(atoms, published) is None


@pytest.mark.xfail(
    strict=True, reason="two themes across two dimensions: see docs/privacy.md, 'What this does not cover'"
)
def test_two_themes_across_two_breakdowns() -> None:
    """The known limit of the method. Two themes, and two dimensions of two groups each (say locality and age band),
    every cell shown. Five figures (all messages in age band A, each theme in one locality less the same theme in
    age band A) count the messages about one theme and not the other in one locality and the other age band, and
    the like: here 1 message. The themes' overlaps are a dimension no table shows, and each theme's two one-way
    tables are its margins. If this passes, the limit is gone: say so in docs/privacy.md and drop the mark."""
    counts = {
        ((), (0, 1)): 8, ((), (1, 1)): 3,
        ((0,), (0, 1)): 1, ((0,), (1, 0)): 8, ((0,), (1, 1)): 2,
        ((0, 1), (0, 0)): 8, ((0, 1), (1, 0)): 4,
    }  # fmt: skip
    atoms: dict[Atom, int] = {
        (frozenset(s), cells): counts.get((s, cells), 0)
        for s in ((), (0,), (1,), (0, 1))
        for cells in itertools.product(range(2), range(2))
    }
    assert smallest_derivable_set(atoms, publish_tables(atoms, 2, [2, 2], 3)) is None

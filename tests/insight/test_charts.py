"""The charts' geometry, without a browser: one scale where charts are read together, no bar or point for a hidden
count (only the mark), words on every chart, nothing drawn with a negative size, and nothing that divides by zero
when there is nothing to show."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback.insight import charts
from feedback.insight.suppression import Count, count

THRESHOLD = 10
HIDDEN = Count(4, True, THRESHOLD)
NOW, BEFORE = "October to December 2026", "July to September 2026"


def shown(n: int) -> Count:
    return Count(n, False, THRESHOLD)


counts = st.builds(count, st.integers(min_value=0, max_value=500), st.just(THRESHOLD))


# --- bars -------------------------------------------------------------------------------------------------------


def test_the_overview_puts_each_theme_beside_the_quarter_before_on_one_scale() -> None:
    chart = charts.overview_chart(
        [("Getting around", shown(40), shown(30)), ("Money", shown(20), shown(25)), ("Housing", HIDDEN, shown(12))],
        quarter=NOW,
        before=BEFORE,
    )
    assert [t.text for t in chart.labels] == ["Getting around", "Money", "Housing"]  # words, on the chart
    assert [s.label.text for s in chart.legend] == [NOW, BEFORE]
    bars = {(b.series, b.label.text): b for b in chart.bars}
    longest = bars[(NOW, "40")].width
    # One scale: 20 is half of 40 whichever quarter it is in; 25 is five eighths of it.
    assert bars[(NOW, "20")].width == pytest.approx(longest / 2, abs=0.1)
    assert bars[(BEFORE, "25")].width == pytest.approx(longest * 25 / 40, abs=0.1)
    # Each bar's number is written just after its end.
    assert all(b.label.x == pytest.approx(b.x + b.width + 4) for b in chart.bars)
    # The two quarters differ by pattern, not by colour alone.
    assert len({(b.style.pattern, b.style.colour) for b in chart.bars}) == 2
    assert len({b.style.pattern for b in chart.bars}) == 2
    assert chart.title == f"Messages by theme, {NOW} beside {BEFORE}"
    assert chart.desc.startswith(f"Getting around had the most messages in {NOW}: 40 (up 10 on {BEFORE}).")
    assert "1 theme is hidden ([c])" in chart.desc


def test_a_hidden_count_has_no_bar_only_the_mark_and_never_sets_the_scale() -> None:
    chart = charts.overview_chart([("Money", Count(900, True, THRESHOLD), shown(12))], quarter=NOW, before=BEFORE)
    money = next(b for b in chart.bars if b.series == NOW)
    assert money.hidden and money.width == 0 and money.label.text == "[c]"
    assert chart.top == 12  # the hidden 900 is nowhere in the drawing, not even as the scale
    assert "900" not in repr(chart)


def test_themes_nobody_raised_are_left_out_and_a_fall_to_none_is_kept() -> None:
    chart = charts.overview_chart(
        [("Getting around", shown(15), shown(0)), ("Money", shown(0), shown(0)), ("Housing", shown(0), shown(11))],
        quarter=NOW,
        before=BEFORE,
    )
    assert [t.text for t in chart.labels] == ["Getting around", "Housing"]
    nothing = charts.overview_chart([("Money", shown(0), shown(0))], quarter=NOW, before=BEFORE)
    assert nothing.bars == [] and nothing.desc == f"Nobody raised a theme in {NOW} or {BEFORE}."
    assert nothing.height >= 0 and nothing.top == 1  # zero-safe: a scale of at least 1, nothing divided by 0


def test_a_breakdown_draws_all_messages_and_the_top_themes_per_group_on_one_scale() -> None:
    chart = charts.breakdown_chart(
        [
            ("Hamilton", [shown(60), shown(30), HIDDEN]),
            ("Clydesdale", [shown(20), shown(0), shown(10)]),
            ("Rutherglen/Cambuslang", [shown(0), shown(0), shown(0)]),
        ],
        ["All messages", "Getting around", "Money"],
        dimension="locality",
    )
    assert [t.text for t in chart.labels] == ["Hamilton", "Clydesdale"]  # a group with no messages is left out
    widths = {(b.series, b.label.text): b.width for b in chart.bars}
    assert widths[("Getting around", "30")] == pytest.approx(widths[("All messages", "60")] / 2, abs=0.1)
    assert widths[("All messages", "20")] == pytest.approx(widths[("All messages", "60")] / 3, abs=0.1)
    assert widths[("Money", "[c]")] == 0
    assert [s.label.text for s in chart.legend] == ["All messages", "Getting around", "Money"]
    assert len({b.style.key for b in chart.bars}) == 3
    assert chart.title == "All messages and the top themes by locality"
    assert "Most messages came from Hamilton: 60." in chart.desc and "1 figure is hidden ([c])" in chart.desc


def test_a_long_label_wraps_inside_the_chart() -> None:
    label = "A theme whose name is far too long to fit on one line of a chart on a phone screen at all"
    chart = charts.bar_chart([(label, [shown(10)])], ["Messages"], title="t", desc="d")
    lines = [t.text for t in chart.labels]
    assert len(lines) > 1 and " ".join(lines) == label
    assert all(len(line) * charts.FONT * charts.CHAR_WIDTH <= charts.WIDTH for line in lines)


def test_a_row_must_have_a_count_for_each_series() -> None:
    with pytest.raises(ValueError, match="2 series"):
        charts.bar_chart([("Money", [shown(3)])], ["Now", "Before"], title="t", desc="d")


@given(st.lists(st.lists(counts, min_size=2, max_size=2), min_size=0, max_size=12))
def test_bars_never_have_a_negative_size_or_run_off_the_chart(rows: list[list[Count]]) -> None:
    chart = charts.bar_chart(
        [(f"Theme {i}", cells) for i, cells in enumerate(rows)], ["Now", "Before"], title="t", desc="d"
    )
    assert chart.height >= 0 and chart.top >= 1
    for bar in chart.bars:
        assert 0 <= bar.width <= chart.width - charts.NUMBER_ROOM
        assert bar.height > 0 and bar.y >= 0 and bar.y + bar.height <= chart.height
        assert (bar.width == 0) if bar.hidden else True
    largest = max([c.value for cells in rows for c in cells if not c.suppressed] + [0])
    if largest:
        assert max(b.width for b in chart.bars) == chart.width - charts.NUMBER_ROOM


# --- feeling ----------------------------------------------------------------------------------------------------


def test_feeling_is_words_and_shares_never_a_score() -> None:
    parts = [("negative", shown(62)), ("neutral", shown(25)), ("positive", shown(13))]
    bar = charts.feeling_bar(parts, title="Getting around: how the messages felt")
    assert bar.words == "mostly negative: 62% negative, 25% neutral, 13% positive"
    assert bar.desc == f"Feeling: {bar.words}."
    assert [s.name for s in bar.segments] == ["negative", "neutral", "positive"]
    assert sum(s.width for s in bar.segments) == pytest.approx(bar.width, abs=0.2)  # 100% wide
    assert bar.segments[0].width == pytest.approx(bar.width * 0.62, abs=0.1)
    assert len({(s.style.pattern if s.style else "") for s in bar.segments}) == 3  # patterns, not colour alone
    mixed = [("negative", shown(30)), ("neutral", shown(40)), ("positive", shown(30))]
    assert charts.feeling_words(mixed) == "mixed: 30% negative, 40% neutral, 30% positive"


def test_hidden_feelings_are_one_outlined_gap_never_a_width_each() -> None:
    parts = [("negative", Count(6, True, THRESHOLD)), ("neutral", shown(10)), ("positive", Count(4, True, THRESHOLD))]
    bar = charts.feeling_bar(parts, title="t")
    assert bar.words == "mixed: [c] negative, 50% neutral, [c] positive"
    assert [s.name for s in bar.segments] == ["neutral", "hidden"]
    assert bar.segments[-1].style is None and bar.segments[-1].share is None
    # Most of the messages hidden: which feeling is most cannot be said.
    most_hidden = [("negative", Count(8, True, THRESHOLD)), ("neutral", shown(0)), ("positive", Count(7, True, 10))]
    assert charts.feeling_words(most_hidden).startswith("partly hidden: [c] negative, 0% neutral")
    every = [(name, Count(n, True, THRESHOLD)) for name, n in (("negative", 4), ("neutral", 3), ("positive", 5))]
    assert charts.feeling_words(every) == "all hidden: [c] negative, [c] neutral, [c] positive"


def test_no_feelings_draws_nothing_and_divides_by_nothing() -> None:
    bar = charts.feeling_bar([("negative", shown(0)), ("neutral", shown(0)), ("positive", shown(0))], title="t")
    assert bar.segments == [] and bar.words == "none"


# --- lines ------------------------------------------------------------------------------------------------------

LABELS = ["2026 Q1", "2026 Q2", "2026 Q3", "2026 Q4"]
NAMES = ["January to March 2026", "April to June 2026", "July to September 2026", NOW]


def test_a_hidden_quarter_is_a_gap_in_the_line_with_the_mark() -> None:
    chart = charts.line_chart(LABELS, [shown(12), HIDDEN, shown(15), shown(19)], title="Getting around", names=NAMES)
    assert [[p.label for p in segment] for segment in chart.segments] == [["2026 Q1"], ["2026 Q3", "2026 Q4"]]
    assert [gap.text for gap in chart.gaps] == ["[c]"] and chart.gaps[0].x == chart.ticks[1].x
    assert chart.title == "Getting around: messages by quarter"
    assert chart.desc.startswith(f"Getting around: 19 in {NOW}, up 4 on July to September 2026 (15).")
    assert "1 quarter is hidden ([c]): a gap in the line." in chart.desc
    assert [tick.lines for tick in chart.ticks] == [["Q1", "2026"], ["Q2"], ["Q3"], ["Q4"]]


def test_small_multiples_share_one_scale() -> None:
    drawn = charts.small_multiples(
        LABELS, [("Getting around", [shown(12), shown(40)] * 2), ("Money", [shown(10), HIDDEN, shown(11), shown(0)])]
    )
    assert {chart.top for chart in drawn} == {40}
    # The same count is drawn at the same height in every chart.
    getting_around, money = drawn
    assert money.segments[0][0].y == pytest.approx(getting_around.segments[0][0].y + (12 - 10) * _per(money))
    assert [t.lines for t in money.ticks] == [["2026 Q1"], ["2026 Q4"]]  # a small chart labels its ends only


def _per(chart: charts.LineChart) -> float:
    return (chart.baseline - chart.plot_top) / chart.top


def test_the_scale_reads_easily_and_a_hidden_count_never_sets_it() -> None:
    assert [charts.nice_top(n) for n in (0, 1, 7, 12, 19, 31, 101, 460)] == [1, 1, 8, 12, 20, 40, 120, 500]
    chart = charts.line_chart(LABELS, [shown(11), Count(95, True, THRESHOLD), shown(0), shown(14)])
    assert chart.top == 15


@given(st.lists(counts, min_size=1, max_size=8), st.booleans())
def test_every_point_is_inside_the_chart(cells: list[Count], small: bool) -> None:
    labels = [f"2026 Q{i}" for i in range(len(cells))]
    chart = charts.line_chart(labels, cells, small=small)
    points = [p for segment in chart.segments for p in segment]
    assert len(points) + len(chart.gaps) == len(cells)
    for p in points:
        assert chart.left <= p.x <= chart.width - chart.right
        assert chart.plot_top <= p.y <= chart.baseline


def test_every_colour_stands_out_3_to_1_from_white() -> None:
    styles = [*charts.SERIES_STYLES, *charts.FEELING_STYLES.values()]
    assert all(charts.contrast_with_white(style.colour) >= 3 for style in styles)
    assert len({style.key for style in charts.SERIES_STYLES}) == len(charts.SERIES_STYLES)  # a pattern id each
    # Neighbouring series differ in pattern, so that nothing rests on colour.
    patterns = [style.pattern for style in charts.SERIES_STYLES]
    assert all(a != b for a, b in itertools.pairwise(patterns))

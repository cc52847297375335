"""Charts drawn on the server as SVG, with no script and no outside service: pure geometry here (no Flask, no
database), drawn by the macros in `templates/insight/_summary.html`.

The rules every chart keeps, so that a board reads it at a glance and nobody is picked out by it:

- It shows only protected counts (`insight.suppression.Count`), and a hidden count is never drawn, even as a length
  or a height: a bar is left out and the mark [c] written where it would start; a line has a gap, with the mark.
- Charts that are read together share one scale, so that a longer bar or a higher line means more messages.
- Words and numbers are on the chart itself (labels, the number at the end of each bar), and series differ by
  pattern as well as colour, each colour at least 3:1 against white (WCAG 1.4.11), so the charts read without
  colour and print in black and white.
- Each chart has a title and a description of its main point in words (`title`, `desc`), and the page puts the
  numbers in a table behind it.
- A chart is a viewBox `WIDTH` wide, drawn at the width of the page on a phone (a 390 px screen gives it about
  358 px, so its text is drawn at nearly its own size) and capped on a wide screen (static/site.css). Small
  multiples are `SMALL_WIDTH` wide, two side by side on a phone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from feedback.insight.summary import feeling_lead
from feedback.insight.suppression import MARK, Count

WIDTH = 360
SMALL_WIDTH = 180
FONT = 14  # labels, in viewBox units
SMALL = 12  # axis ticks and the numbers on a line
# Roughly how wide a character of the sans-serif font is, as a share of its size: enough to wrap a label before it
# runs off the chart (the chart's width is fixed by its viewBox, so text never grows past it on a phone).
CHAR_WIDTH = 0.56


# --- styles: a colour and a pattern for each series -----------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """How one series is filled: `solid`, or a pattern of `stripes`, `dots` or `grid` in its colour on white. The
    outline is always the colour, so even a pale pattern has an edge that stands out 3:1 from the page."""

    key: str  # also the pattern's id, after the chart's own
    pattern: str  # solid | stripes | dots | grid
    colour: str


# In the order series take them. Every colour is at least 3:1 against white (tests/insight/test_charts.py).
SERIES_STYLES = (
    Style("s0", "solid", "#00507a"),  # dark blue
    Style("s1", "stripes", "#505a5f"),  # grey
    Style("s2", "dots", "#8a3c00"),  # brown
    Style("s3", "grid", "#2e6b30"),  # green
    Style("s4", "stripes", "#6a2c91"),  # purple
    Style("s5", "dots", "#1b1b1b"),  # black
)
FEELING_STYLES = {
    "negative": Style("negative", "solid", "#a8000b"),  # red, solid
    "neutral": Style("neutral", "stripes", "#505a5f"),  # grey, striped
    "positive": Style("positive", "dots", "#00703c"),  # green, dotted
}


def series_style(index: int) -> Style:
    return SERIES_STYLES[index % len(SERIES_STYLES)]


def contrast_with_white(colour: str) -> float:
    """WCAG's contrast ratio of a `#rrggbb` colour against white."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


# --- words -------------------------------------------------------------------------------------------------------


def wrap(text: str, width: float, size: int = FONT) -> list[str]:
    """The text in lines that fit `width` viewBox units at `size` (a word longer than a line has a line to itself)."""
    most = max(int(width / (size * CHAR_WIDTH)), 1)
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > most:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, line] if line else lines or [""]


def _listed(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def change_words(now: Count, before: Count) -> str:
    """`up 4`, `down 2`, `no change`, or `change hidden` when either count is hidden. (A chart's words never say
    "show": a page's "Show" menu is found by its label, and a chart named with the word would be found too.)"""
    if now.suppressed or before.suppressed:
        return "change hidden"
    change = now.value - before.value
    return f"up {change}" if change > 0 else f"down {-change}" if change < 0 else "no change"


def nice_top(value: int) -> int:
    """The top of an axis: the value, rounded up to a number that reads easily (12, 15, 20, 25, 30, 40, 50, ...)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        top = step * power
        if top >= value and top == int(top):
            return int(top)
    return 10 * power  # pragma: no cover: 10 always fits


# --- bars --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Bar:
    """One bar, or (when its count is hidden) no bar: `width` 0 and the mark at `label`."""

    x: float
    y: float
    width: float
    height: float
    style: Style
    series: str
    label: Text  # the number (or the mark) at the end of the bar
    hidden: bool


@dataclass(frozen=True)
class Swatch:
    x: float
    y: float
    size: float
    style: Style
    label: Text


@dataclass(frozen=True)
class BarChart:
    title: str
    desc: str
    labels: list[Text]  # each line of each row's label
    bars: list[Bar]
    legend: list[Swatch]
    styles: list[Style]  # the patterns the chart uses, to define once
    top: int  # the count a full-width bar stands for: one scale for every bar
    width: int
    height: float


BAR = 16
BAR_GAP = 3
ROW_GAP = 14
LINE = FONT + 4
NUMBER_ROOM = 44  # for the number (or [c]) after the longest bar


def _legend(series: Sequence[str], styles: Sequence[Style], y: float) -> tuple[list[Swatch], float]:
    """One line per series (a phone has no room for them side by side): a swatch and its name."""
    swatches = []
    for name, style in zip(series, styles, strict=True):
        swatches.append(Swatch(0, y, FONT, style, Text(FONT + 6, y + FONT - 2, name)))
        y += LINE + 2
    return swatches, y


def bar_chart(
    rows: Sequence[tuple[str, Sequence[Count]]],
    series: Sequence[str],
    *,
    title: str,
    desc: str,
    styles: Sequence[Style] | None = None,
    width: int = WIDTH,
) -> BarChart:
    """Horizontal bars: for each row (a theme, a group) its label on a line of its own, then a bar for each series,
    every bar on one scale whose full width is the largest shown count. A hidden count has no bar, only the mark;
    a zero has no bar and the number 0."""
    styles = list(styles) if styles is not None else [series_style(i) for i in range(len(series))]
    legend, y = _legend(series, styles, 0) if len(series) > 1 else ([], 0.0)
    y += 6 if legend else 0
    shown = [cell.value for _, cells in rows for cell in cells if not cell.suppressed]
    top = max([*shown, 1])
    span = width - NUMBER_ROOM
    labels: list[Text] = []
    bars: list[Bar] = []
    for label, cells in rows:
        if len(cells) != len(series):
            raise ValueError(f"row {label!r} has {len(cells)} counts for {len(series)} series")
        for line in wrap(label, width):
            labels.append(Text(0, y + FONT, line))
            y += LINE
        y += 2
        for name, cell, style in zip(series, cells, styles, strict=True):
            length = 0.0 if cell.suppressed else round(span * cell.value / top, 1)
            text = Text(length + 4, y + BAR - 3, cell.shown)
            bars.append(Bar(0, y, length, BAR, style, name, text, cell.suppressed))
            y += BAR + BAR_GAP
        y += ROW_GAP - BAR_GAP
    used = list({style.key: style for style in styles}.values())
    return BarChart(title, desc, labels, bars, legend, used, top, width, round(max(y, 1), 1))


def overview_chart(
    themes: Sequence[tuple[str, Count, Count]], *, quarter: str, before: str, width: int = WIDTH
) -> BarChart:
    """Each theme's messages in the quarter beside the quarter before (label, this quarter, the one before), on one
    scale. Themes nobody raised in either quarter are left out: a row of two zeros says nothing at a glance."""
    raised = [
        (label, now, then)
        for label, now, then in themes
        if now.suppressed or then.suppressed or now.value or then.value
    ]
    shown = [(label, now, then) for label, now, then in raised if not now.suppressed]
    hidden = [label for label, now, _ in raised if now.suppressed]
    if shown:
        first, now, then = max(shown, key=lambda row: row[1].value)
        change = change_words(now, then)
        change = change if then.suppressed or now.value == then.value else f"{change} on {before}"
        words = [f"{first} had the most messages in {quarter}: {now.value} ({change})."]
        others = [f"{label} {now.value}" for label, now, _ in shown if label != first][:3]
        if others:
            words.append(f"Then {_listed(others)}.")
    else:
        words = [f"Every theme's count in {quarter} is hidden ({MARK}) or none."]
    if hidden:
        words.append(f"{_plural(len(hidden), 'theme is', 'themes are')} hidden ({MARK}).")
    if not raised:
        words = [f"Nobody raised a theme in {quarter} or {before}."]
    return bar_chart(
        [(label, (now, then)) for label, now, then in raised],
        [quarter, before],
        title=f"Messages by theme, {quarter} beside {before}",
        desc=" ".join(words),
        width=width,
    )


def breakdown_chart(
    groups: Sequence[tuple[str, Sequence[Count]]], series: Sequence[str], *, dimension: str, width: int = WIDTH
) -> BarChart:
    """A breakdown as grouped bars: for each group (a locality, a month) a bar for all messages and one for each of
    the top themes, all on one scale. `dimension` is the breakdown in words ("locality"). A group with no messages
    at all (every figure a shown zero) is left out: the table beside the chart has it."""
    groups = [(label, cells) for label, cells in groups if any(c.suppressed or c.value for c in cells)]
    words = []
    totals = [(label, cells[0]) for label, cells in groups if cells]
    shown = [(label, cell.value) for label, cell in totals if not cell.suppressed and cell.value]
    if shown:
        label, most = max(shown, key=lambda pair: pair[1])
        words.append(f"Most messages came from {label}: {most}.")
    else:
        words.append(f"Every {dimension}'s count of messages is hidden ({MARK}) or none.")
    hidden = sum(1 for _, cells in groups for cell in cells if cell.suppressed)
    if hidden:
        words.append(f"{_plural(hidden, 'figure is', 'figures are')} hidden ({MARK}).")
    if len(series) > 1:
        named = _listed([s.lower() if i == 0 else s for i, s in enumerate(series)])
        words.append(f"For each {dimension}: {named}.")
    return bar_chart(
        groups, series, title=f"{series[0]} and the top themes by {dimension}", desc=" ".join(words), width=width
    )


# --- feeling -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    x: float
    width: float
    name: str  # negative | neutral | positive, or "hidden" for the parts whose counts are hidden, together
    share: float | None
    style: Style | None  # None for the hidden parts: an outline, no fill


@dataclass(frozen=True)
class FeelingBar:
    title: str
    desc: str
    words: str  # "mostly negative: 62% negative, 25% neutral, 13% positive"
    segments: list[Segment]
    styles: list[Style]
    width: int
    height: int


def percent(share: float | None) -> str:
    return MARK if share is None else f"{round(share * 100)}%"


def feeling_words(parts: Sequence[tuple[str, Count]]) -> str:
    """`mostly negative: 62% negative, 25% neutral, 13% positive`, `mixed: ...` where no feeling is more than half,
    or `partly hidden: ...` where the hidden shares together are more than half (one of them might be most); a
    hidden share is the mark. Never a score: a board reads how many felt what, not an average of feelings."""
    total = sum(count.value for _, count in parts)
    lead = feeling_lead(parts)
    if not total:
        return lead
    shares = [(name, None if count.suppressed else count.value / total) for name, count in parts]
    return f"{lead}: " + ", ".join(f"{percent(s)} {n}" for n, s in shares)


def feeling_bar(parts: Sequence[tuple[str, Count]], *, title: str, width: int = WIDTH, height: int = 18) -> FeelingBar:
    """A stacked bar 100% wide: negative, neutral and positive in turn, each as wide as its share. The parts whose
    counts are hidden are drawn together as one outlined gap at the end (their sum is the theme's count less the
    shown parts, which anyone can work out), never one by one."""
    words = feeling_words(parts)
    total = sum(count.value for _, count in parts)
    segments: list[Segment] = []
    x = 0.0
    rest = 0.0
    for name, count in parts:
        if count.suppressed:
            rest += count.value / total if total else 0
            continue
        share = count.value / total if total else 0.0
        if share:
            segments.append(Segment(round(x, 1), round(width * share, 1), name, share, FEELING_STYLES[name]))
        x += width * share
    if rest:
        segments.append(Segment(round(x, 1), round(width - x, 1), "hidden", None, None))
    used = [segment.style for segment in segments if segment.style is not None]
    return FeelingBar(title, f"Feeling: {words}.", words, segments, used, width, height)


# --- lines -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str  # the quarter
    shown: str  # the count as it may be shown


@dataclass(frozen=True)
class Tick:
    x: float
    lines: list[str]  # "Q4" and, where the year starts or changes, "2026" under it
    anchor: str = "middle"  # how the text stands on x: start, middle or end


@dataclass(frozen=True)
class LineChart:
    """A line by quarter; a hidden quarter breaks the line (its count is never drawn, even as a height) and the mark
    stands where it would be."""

    title: str
    desc: str
    segments: list[list[Point]]
    gaps: list[Text]  # the mark, where a quarter is hidden
    numbers: list[Text]  # the count above each point (all of them, or only the latest on a small chart)
    ticks: list[Tick]
    top: int  # the value at the top of the axis
    width: int
    height: int
    left: float
    right: float
    plot_top: float
    baseline: float


def _tick_lines(labels: Sequence[str], i: int) -> list[str]:
    """`2026 Q4` as `Q4` over `2026`, the year only where it starts or changes."""
    year, _, quarter = labels[i].partition(" ")
    if not quarter:
        return [labels[i]]
    earlier = labels[i - 1].partition(" ")[0] if i else None
    return [quarter, year] if year != earlier else [quarter]


def _trend_words(title: str, counts: Sequence[Count], names: Sequence[str]) -> str:
    words = []
    last, latest = counts[-1], names[-1]
    if last.suppressed:
        words.append(f"{title}: hidden ({MARK}) in {latest}.")
    else:
        words.append(f"{title}: {last.value} in {latest}")
        if len(counts) > 1:
            before = counts[-2]
            if before.suppressed:
                words[-1] += f"; {names[-2]} hidden ({MARK})."
            else:
                words[-1] += f", {change_words(last, before)} on {names[-2]} ({before.value})."
        else:
            words[-1] += "."
    shown = [(c.value, i) for i, c in enumerate(counts) if not c.suppressed]
    if shown:
        most, at = max(shown)
        least, low = min(shown)
        if most != least:
            words.append(f"Highest {most} in {names[at]}; lowest {least} in {names[low]}.")
    gaps = sum(1 for c in counts if c.suppressed)
    if gaps:
        words.append(f"{_plural(gaps, 'quarter is', 'quarters are')} hidden ({MARK}): a gap in the line.")
    return " ".join(words)


def line_chart(
    labels: Sequence[str],
    counts: Sequence[Count],
    *,
    title: str = "Messages",
    names: Sequence[str] | None = None,
    top: int | None = None,
    small: bool = False,
) -> LineChart:
    """A point per quarter (`labels` as an axis shows them, "2026 Q4"; `names` as words, "October to December
    2026"), from counts already protected. `top` is the scale to share with other charts; without it, the largest
    shown count (rounded up) sets the scale, so a hidden one never does. A `small` chart (one of many, side by
    side) is smaller, labels only its first and last quarters and numbers only its latest point."""
    if len(labels) != len(counts):
        raise ValueError("a label for each count")
    names = list(names) if names is not None else list(labels)
    width, height = (SMALL_WIDTH, 100) if small else (WIDTH, 190)
    left, right = (24.0, 8.0) if small else (32.0, 16.0)
    plot_top = 22.0
    baseline = height - (24.0 if small else 38.0)
    visible = [c.value for c in counts if not c.suppressed]
    scale = max(top if top is not None else nice_top(max([*visible, 1])), 1)
    if len(labels) > 1:
        step = (width - left - right) / (len(labels) - 1)
        xs = [round(left + i * step, 1) for i in range(len(labels))]
    else:
        xs = [round((left + width - right) / 2, 1)] * len(labels)
    segments: list[list[Point]] = []
    gaps: list[Text] = []
    numbers: list[Text] = []
    current: list[Point] = []
    for i, (label, cell) in enumerate(zip(labels, counts, strict=True)):
        if cell.suppressed:
            if current:
                segments.append(current)
            current = []
            gaps.append(Text(xs[i], baseline - 4, MARK))
            continue
        y = round(baseline - (baseline - plot_top) * min(cell.value, scale) / scale, 1)
        current.append(Point(xs[i], y, label, cell.shown))
        if (not small and cell.value) or i == len(labels) - 1:  # a zero is on the axis: no number to crowd it
            numbers.append(Text(xs[i], y - 7, cell.shown))
    if current:
        segments.append(current)
    if small:  # the first and last quarters only, whole, kept inside the chart
        ticks = [Tick(xs[0] - 4, [labels[0]], "start")] if labels else []
        if len(labels) > 1:
            ticks.append(Tick(xs[-1] + 4, [labels[-1]], "end"))
    else:
        ticks = [Tick(xs[i], _tick_lines(labels, i)) for i in range(len(labels))]
    desc = _trend_words(title, counts, names) if counts else f"{title}: no quarters."
    return LineChart(
        f"{title}: messages by quarter",
        desc,
        segments,
        gaps,
        numbers,
        ticks,
        scale,
        width,
        height,
        left,
        right,
        plot_top,
        baseline,
    )


def shared_top(series: Sequence[Sequence[Count]]) -> int:
    """One scale for charts read side by side: the largest shown count of any of them, rounded up."""
    return nice_top(max([c.value for counts in series for c in counts if not c.suppressed] + [1]))


def small_multiples(
    labels: Sequence[str], themes: Sequence[tuple[str, Sequence[Count]]], *, names: Sequence[str] | None = None
) -> list[LineChart]:
    """A small line chart for each theme, every one on the same scale, so that the tallest line is the theme
    raised most, whichever chart it is in."""
    top = shared_top([counts for _, counts in themes])
    return [line_chart(labels, counts, title=title, names=names, top=top, small=True) for title, counts in themes]

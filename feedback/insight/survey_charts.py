"""A horizontal bar chart of a question's answers, drawn on the server as SVG: the geometry only (pure: protected
counts in, positions out), for templates/insight/survey_results.html to draw. Each answer is a row: its words on a
line of their own (so long choices fit a phone), and under them its bar with the count and share written beside
it. A hidden count draws no bar, only the mark: its size never sets a length or the scale."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from feedback.insight.suppression import Count

WIDTH = 360  # about a phone's width in CSS pixels, so that text in the SVG reads near the body's size there
ROW = 44  # each answer: its words (18), its bar (18) and a gap
LABEL = 16  # the baseline of the words, from the row's top
BAR_TOP = 22
BAR_HEIGHT = 16
TEXT_ROOM = 96  # kept free right of the longest bar for "1,234 (100%)"


@dataclass(frozen=True)
class Bar:
    label: str  # the answer in words
    y: float  # the row's top
    length: float | None  # None where the count is hidden: no bar at all
    text: str  # the count and share as written beside the bar, or the mark

    @property
    def label_y(self) -> float:
        return self.y + LABEL

    @property
    def bar_y(self) -> float:
        return self.y + BAR_TOP

    @property
    def text_x(self) -> float:
        return (self.length or 0) + 6

    @property
    def text_y(self) -> float:
        return self.y + BAR_TOP + BAR_HEIGHT - 3


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int = WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * ROW + 4

    @property
    def main_point(self) -> str:
        """The chart's point in words, for its description: the answer given most often among those shown."""
        shown = [bar for bar in self.bars if bar.length is not None]
        if not shown:
            return "Every count is hidden (small numbers)."
        top = max(shown, key=lambda bar: bar.length or 0)
        if not top.length:
            return "Nobody gave any of these answers."
        return f"Given most often: {top.label}, {top.text}."


def written(count: Count, share: float | None) -> str:
    """A count as written beside its bar and in the table: "12 (40%)", "0", or the mark."""
    if count.suppressed:
        return count.shown
    return f"{count.value:,}" if share is None else f"{count.value:,} ({share * 100:.0f}%)"


def bar_chart(answers: Sequence[tuple[str, Count, float | None]]) -> BarChart:
    """Bars for (label, count, share) in the order given, scaled to the largest shown count."""
    shown = [count.value for _, count, _ in answers if not count.suppressed]
    top = max([*shown, 1])
    room = WIDTH - TEXT_ROOM
    bars = []
    for i, (label, count, share) in enumerate(answers):
        length = None if count.suppressed else round(room * count.value / top, 1)
        bars.append(Bar(label, i * ROW, length, written(count, share)))
    return BarChart(bars)

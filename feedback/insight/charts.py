"""Charts drawn on the server as SVG, with no script and no outside service: the numbers they show are the
protected counts, and a table of the same numbers sits behind every chart for screen readers and print."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from feedback.insight.suppression import Count

WIDTH = 600
HEIGHT = 160
PAD = 28


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str  # the quarter
    shown: str  # the count as it may be shown


@dataclass(frozen=True)
class LineChart:
    """A line by quarter; a hidden quarter breaks the line (its count is never drawn, even as a height)."""

    segments: list[list[Point]]
    ticks: list[tuple[float, str]]  # x and quarter label, for the axis
    top: int  # the value at the top of the axis
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def baseline(self) -> float:
        return self.height - PAD


def line_chart(labels: Sequence[str], counts: Sequence[Count]) -> LineChart:
    """A point per period (`labels` as they are shown, such as "2026 Q4"), from counts already protected: the top
    of the axis is the largest shown count, so a hidden one never sets the scale."""
    visible = [c.value for c in counts if not c.suppressed]
    top = max([*visible, 1])
    step = (WIDTH - 2 * PAD) / max(len(labels) - 1, 1)
    segments: list[list[Point]] = []
    current: list[Point] = []
    for i, (label, cell) in enumerate(zip(labels, counts, strict=True)):
        x = PAD + i * step
        if cell.suppressed:
            if current:
                segments.append(current)
            current = []
            continue
        y = HEIGHT - PAD - (HEIGHT - 2 * PAD) * cell.value / top
        current.append(Point(round(x, 1), round(y, 1), label, cell.shown))
    if current:
        segments.append(current)
    ticks = [(round(PAD + i * step, 1), label) for i, label in enumerate(labels)]
    return LineChart(segments, ticks, top)

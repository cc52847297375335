"""Charts drawn on the server as SVG, with no script and no outside service: the numbers they show are the
protected counts, and a table of the same numbers sits behind every chart for screen readers and print."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from feedback.services.suppression import Count

WIDTH = 600
HEIGHT = 160
PAD = 28


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str  # the month
    shown: str  # the count as it may be shown


@dataclass(frozen=True)
class LineChart:
    """A line by month; a hidden month breaks the line (its count is never drawn, even as a height)."""

    segments: list[list[Point]]
    ticks: list[tuple[float, str]]  # x and month label, for the axis
    top: int  # the value at the top of the axis
    width: int = WIDTH
    height: int = HEIGHT

    @property
    def baseline(self) -> float:
        return self.height - PAD


def month_label(month: str) -> str:
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    year, number = month.split("-")
    return f"{names[int(number) - 1]} {year[2:]}"


def line_chart(months: Sequence[str], counts: Sequence[Count]) -> LineChart:
    visible = [c.value for c in counts if not c.suppressed]
    top = max([*visible, 1])
    step = (WIDTH - 2 * PAD) / max(len(months) - 1, 1)
    segments: list[list[Point]] = []
    current: list[Point] = []
    for i, (month, cell) in enumerate(zip(months, counts, strict=True)):
        x = PAD + i * step
        if cell.suppressed:
            if current:
                segments.append(current)
            current = []
            continue
        y = HEIGHT - PAD - (HEIGHT - 2 * PAD) * cell.value / top
        current.append(Point(round(x, 1), round(y, 1), month_label(month), cell.shown))
    if current:
        segments.append(current)
    ticks = [(round(PAD + i * step, 1), month_label(m)) for i, m in enumerate(months) if i % 2 == 0]
    return LineChart(segments, ticks, top)

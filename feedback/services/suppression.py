"""Small numbers never leave the system: statistical disclosure control for every count a summary shows.

Primary suppression hides any count from 1 to one below the threshold (the ONS rule: 10). Secondary suppression
hides more cells wherever a hidden one could be worked out by subtraction: in a table whose rows add up to a total
that is shown (a theme's messages split by locality add up to the theme's count, since each message is in exactly
one locality, "not recorded" included), a row with exactly one hidden cell gets its smallest other cell hidden
too. Zero is shown: it says nothing about anyone.

Pure: plain integers in, a mask out, so it is tested on its own and used the same way by the page, the chart, the
CSV and the API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def hidden(value: int, threshold: int) -> bool:
    return 0 < value < threshold


@dataclass(frozen=True)
class Count:
    """A count as it may be shown: the number, or `<threshold` in its place."""

    value: int
    suppressed: bool
    threshold: int

    @property
    def shown(self) -> str:
        return f"<{self.threshold}" if self.suppressed else str(self.value)

    def public(self) -> int | str:
        """The count for a CSV or JSON: the number, or the string "<10"."""
        return self.shown if self.suppressed else self.value

    def __str__(self) -> str:
        return self.shown


def count(value: int, threshold: int) -> Count:
    return Count(value, hidden(value, threshold), threshold)


def protect_rows(rows: Sequence[Sequence[int]], threshold: int) -> list[list[bool]]:
    """Which cells to hide in a table whose rows each add up to a total that is shown (the total itself being
    protected by the caller with `count`). A row total that is itself hidden needs no secondary cell: nothing can
    be subtracted from it."""
    masks = [[hidden(value, threshold) for value in row] for row in rows]
    for row, mask in zip(rows, masks, strict=True):
        total = sum(row)
        if hidden(total, threshold):
            for i, value in enumerate(row):
                mask[i] = mask[i] or value > 0
            continue
        if sum(mask) == 1:
            candidates = [(value, i) for i, value in enumerate(row) if not mask[i] and value > 0]
            if candidates:
                mask[min(candidates)[1]] = True
    return masks


def protect_table(rows: Sequence[Sequence[int]], threshold: int) -> list[list[Count]]:
    masks = protect_rows(rows, threshold)
    return [
        [Count(value, flag, threshold) for value, flag in zip(row, mask, strict=True)]
        for row, mask in zip(rows, masks, strict=True)
    ]

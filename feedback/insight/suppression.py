"""Small numbers never leave the system, even by arithmetic: statistical disclosure control for every figure a
summary publishes.

What is published (see `insight.summary`) is a family of one-way tables, one per quarter and dimension (month,
channel, survey, locality, age band, care setting): for all messages, and for each theme, a count per group of that
dimension. "Not recorded" is a group of its own, so each row of groups adds up to its quarter's count. Figures of
different quarters never overlap, and no view combines two dimensions. Within one table the relations an attacker
can use are these sums, and that a theme's messages are some of all messages (all messages less a theme's are the
messages *not* about it: a set like any other). What is left across dimensions is in docs/privacy.md ("Small
numbers").

Three layers, all pure (plain integers in, masks out, so the page, the chart, the CSV and the API hide the same
cells):

1. `protect_row`: primary suppression hides any count from 1 to one below the threshold (the ONS rule: 10); then
   the smallest shown cells are hidden until the hidden cells of the row add up to 0 or at least the threshold, so
   the row's total less the shown cells gives nothing away. A row whose total is itself small is hidden whole.
   Zero is shown: it says nothing about anyone.
2. `total_hidden`: the quarter's count of all messages is hidden when it is small, or when some theme covers all
   but a few of the messages (all messages less that theme would be small). Every group of all messages goes with
   it, in every dimension.
3. `protect_dimension`: a quarter's table for one dimension, all messages and every theme together. Besides each
   row's own protection, a theme's cell is hidden wherever all messages' cell is, and wherever all messages less
   the theme (the messages not about it) would be small; then an audit looks for every other way the theme rows
   and the all-messages row combine into a set of messages whose count is from 1 to threshold-1 (a theme's hidden
   cells against all messages' cells; several themes whose hidden groups do not overlap, taken away from all
   messages together) and hides one more cell for each it finds, until there is none. The table depends on
   nothing else, so a view of one dimension reads only that dimension.

Hiding more can never make a hidden count easier to work out (fewer figures, fewer sums), so each step only ever
adds to what is hidden, and the audit ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from feedback.core.errors import FeedbackError

# The most families of themes the audit looks at in one table before it gives up and hides every cell of the table
# instead: families are few in real tables (their hidden groups must not overlap), so this is a bound on time, not
# something a real table reaches.
FAMILY_BUDGET = 20_000


def hidden(value: int, threshold: int) -> bool:
    """A count that may not be shown: from 1 to one below the threshold."""
    return 0 < value < threshold


# The one mark every hidden count carries, in every page, chart, CSV, JSON document, API answer and command: the
# symbol the Government Statistical Service uses for a figure withheld to protect confidentiality. It says nothing
# about the size of what it hides: a count hidden because it is small and one hidden so that a small one cannot be
# worked out look the same, and nothing of 10 or more is ever written as "under 10".
MARK = "[c]"
FOOTNOTE = "[c] hidden: fewer than {threshold}, or hidden so that a smaller number cannot be worked out"


def footnote(threshold: int) -> str:
    return FOOTNOTE.format(threshold=threshold)


@dataclass(frozen=True)
class Count:
    """A count as it may be shown: the number, or `MARK` in its place. Every hidden count is shown the same way,
    whether it is small itself or hidden so that a small one cannot be worked out: telling them apart would say
    which of two hidden cells is the small one."""

    value: int
    suppressed: bool
    threshold: int

    @property
    def shown(self) -> str:
        return MARK if self.suppressed else str(self.value)

    def public(self) -> int | str:
        """The count for a CSV or JSON: the number, or the mark."""
        return MARK if self.suppressed else self.value

    def __str__(self) -> str:
        return self.shown


def count(value: int, threshold: int) -> Count:
    """A count that stands alone (a quarter's count of a theme): hidden only when it is small itself."""
    return Count(value, hidden(value, threshold), threshold)


def protect_row(cells: Sequence[int], threshold: int) -> list[bool]:
    """Which cells to hide in a row whose cells add up to a total that is published (or hidden, when small): the
    hidden cells add up to 0 or at least the threshold, so that the total less the shown cells is never small."""
    if hidden(sum(cells), threshold):
        return [value > 0 for value in cells]
    mask = [hidden(value, threshold) for value in cells]
    _settle_row(cells, mask, threshold)
    return mask


def _settle_row(cells: Sequence[int], mask: list[bool], threshold: int) -> bool:
    """Hide the smallest shown non-zero cell until the hidden ones add up to 0 or the threshold. Returns whether
    anything was hidden. There is always such a cell while the hidden sum is small and the total is not."""
    changed = False
    while hidden(sum(value for value, flag in zip(cells, mask, strict=True) if flag), threshold):
        _, smallest = min((value, i) for i, value in enumerate(cells) if not mask[i] and value > 0)
        mask[smallest] = True
        changed = True
    return changed


def total_hidden(total: int, themes: Sequence[int], threshold: int) -> bool:
    """Whether a quarter's count of all messages must be hidden on its own account: it is small, or some theme whose
    count is shown covers all but 1 to threshold-1 of the messages (the rest would be all less that theme)."""
    if hidden(total, threshold):
        return True
    return any(not hidden(theme, threshold) and hidden(total - theme, threshold) for theme in themes)


@dataclass(frozen=True)
class Dimension:
    """What to hide in one quarter's table for one dimension."""

    total: list[bool]  # all messages, per group
    themes: list[list[bool]]  # each theme, per group


def protect_dimension(total: Sequence[int], themes: Sequence[Sequence[int]], threshold: int) -> Dimension:
    """Protect one quarter's table for one dimension: `total` is all messages' count per group, `themes` each
    theme's (each at most the total in every group: a theme's messages are some of all messages). The rows add up
    to the quarter's counts, so whether the count of all messages is hidden (`total_hidden`) is the same in every
    dimension's table, and each table is protected on its own."""
    width = len(total)
    if total_hidden(sum(total), [sum(row) for row in themes], threshold):
        # No figure of all messages is published, in any dimension: only the rows' own sums are left to use.
        return Dimension([value > 0 for value in total], [protect_row(row, threshold) for row in themes])
    table = _Table(list(total), [list(row) for row in themes], threshold)
    while True:
        table.settle()
        problem = table.audit()
        if problem is None:
            break
        if not table.fix(problem):
            # Only a search past its bound, or counts that break the rule that a theme's messages are some of all
            # messages, come here: the whole table is hidden, zeros too, rather than risk it.
            return Dimension([True] * width, [[True] * width for _ in themes])
    return Dimension(
        total=[i in table.hidden_total for i in range(width)],
        themes=[[i in cells for i in range(width)] for cells in table.hidden_themes],
    )


class _Table:
    """The working state of `protect_dimension`: the counts, and the set of hidden groups of each row.

    Names follow the reasoning in docs/privacy.md: y is all messages' count in a group, x a theme's, and z = y - x
    the count of messages in the group that are not about the theme (never published, but all messages less the
    theme gives it wherever both are shown). B is the set of hidden groups of all messages, A a theme's.
    """

    def __init__(self, total: list[int], themes: list[list[int]], threshold: int) -> None:
        self.total = total
        self.themes = themes
        self.threshold = threshold
        self.hidden_total = {i for i, flag in enumerate(protect_row(total, threshold)) if flag}
        # A theme whose quarter count is hidden is hidden in every group (it has no published total to subtract
        # from); otherwise its small cells, for a start.
        self.usable = [not hidden(sum(row), threshold) for row in themes]
        self.hidden_themes = [
            {i for i, value in enumerate(row) if (value > 0 if not usable else hidden(value, threshold))}
            for row, usable in zip(themes, self.usable, strict=True)
        ]

    def _small(self, value: int) -> bool:
        return hidden(value, self.threshold)

    def settle(self) -> None:
        """Apply the rules that need no search, until none hides anything more."""
        changed = True
        while changed:
            changed = False
            for row, cells, usable in zip(self.themes, self.hidden_themes, self.usable, strict=True):
                if not usable:
                    continue  # hidden in every group already
                for i, value in enumerate(row):
                    if i in cells or value == 0:
                        continue
                    # Where all messages' cell is hidden, so is the theme's: otherwise all messages less the theme's
                    # shown cells there would mix a hidden count with a shown one. Where it is shown, the theme's
                    # cell is hidden when all messages less it (those not about the theme) would be small.
                    if i in self.hidden_total or self._small(self.total[i] - value):
                        cells.add(i)
                        changed = True
                mask = [i in cells for i in range(len(row))]
                if _settle_row(row, mask, self.threshold):
                    cells.update(i for i, flag in enumerate(mask) if flag)
                    changed = True

    def _not_about(self, theme: int, groups: set[int]) -> int:
        """Messages in these groups that are not about the theme."""
        row = self.themes[theme]
        return sum(self.total[i] - row[i] for i in groups)

    def audit(self) -> tuple[str, list[int]] | None:
        """The first set of messages, if any, whose count is from 1 to threshold-1 and can be worked out from the
        published cells: ("single", [theme]) or ("family", themes), or ("budget", []) when the search was too big.

        - A theme whose hidden groups are all shown for all messages: those groups' cells of all messages less the
          theme's hidden total (its quarter count less its shown cells) give the messages in them *not* about the
          theme.
        - With some groups of all messages hidden: the quarter's count of all messages less its shown groups gives
          the hidden groups' total; less, in turn, any themes whose hidden groups do not overlap (each theme's hidden
          total), it gives the messages not about any of them in those groups. Every such family is checked.
        """
        candidates = [t for t, cells in enumerate(self.hidden_themes) if self.usable[t] and cells]
        for t in candidates:
            cells = self.hidden_themes[t]
            if not cells & self.hidden_total and self._small(self._not_about(t, cells)):
                return ("single", [t])
        if not self.hidden_total:
            return None
        touching = [t for t in candidates if self.hidden_themes[t] & self.hidden_total]
        change = {
            t: self._not_about(t, self.hidden_themes[t] - self.hidden_total)
            - sum(self.themes[t][i] for i in self.hidden_themes[t] & self.hidden_total)
            for t in touching
        }
        start = sum(self.total[i] for i in self.hidden_total)
        budget = [FAMILY_BUDGET]

        def walk(first: int, used: set[int], value: int, members: list[int]) -> list[int] | None:
            for j in range(first, len(touching)):
                t = touching[j]
                cells = self.hidden_themes[t]
                if cells & used:
                    continue
                budget[0] -= 1
                if budget[0] < 0:
                    raise _TooBig
                together = value + change[t]
                if self._small(together):
                    return [*members, t]
                found = walk(j + 1, used | cells, together, [*members, t])
                if found:
                    return found
            return None

        try:
            family = walk(0, set(), start, [])
        except _TooBig:
            return ("budget", [])
        return ("family", family) if family else None

    def fix(self, problem: tuple[str, list[int]]) -> bool:
        """Hide one more cell so that the set found is no longer small, or can no longer be worked out. Returns
        False when no cell will do (see `protect_dimension`)."""
        kind, members = problem
        if kind == "budget":
            return False
        # A shown cell of one of the themes in which many messages are not about it: hidden, it adds at least the
        # threshold to the set.
        options = [
            (self.themes[t][i], t, i)
            for t in members
            for i, value in enumerate(self.themes[t])
            if value > 0
            and i not in self.hidden_themes[t]
            and i not in self.hidden_total
            and self.total[i] - value >= self.threshold
        ]
        if options:
            _, t, i = min(options)
            self.hidden_themes[t].add(i)
            return True
        if kind == "single":
            # Hide all messages' cell in one of the theme's hidden groups: the set can then only be worked out
            # through the quarter's count of all messages, which brings every hidden group of all messages with it.
            (t,) = members
            _, i = min((self.total[i], i) for i in self.hidden_themes[t])
            self.hidden_total.add(i)
            return True
        # A shown group of all messages that none of the themes is in: hidden, it adds its count (at least the
        # threshold) to the set.
        groups = [
            (value, i)
            for i, value in enumerate(self.total)
            if value > 0 and i not in self.hidden_total and all(self.themes[t][i] == 0 for t in members)
        ]
        if groups:
            self.hidden_total.add(min(groups)[1])
            return True
        if len(members) < 2:
            # One theme covering every shown group but a few messages: all messages less that theme is small, so
            # `total_hidden` has hidden the count of all messages, and this cannot be reached with true counts.
            return False
        # Themes that never meet in a group, and between them cover all but a few messages: hide the second's cell
        # in one of the first's hidden groups (a zero, most often), so that neither can be told apart from the
        # other there, and they can no longer be taken away together.
        first, second = members[0], members[1]
        _, i = min((self.themes[second][i], i) for i in self.hidden_themes[first])
        self.hidden_themes[second].add(i)
        return True


class _TooBig(FeedbackError):
    """The audit's search went past `FAMILY_BUDGET`."""

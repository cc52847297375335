"""Survey results, as U-Report shows poll results: for each question of a survey that has fixed answers (a rating,
a choice, yes or no), how many gave each answer and what share, for a calendar quarter; for ratings the average;
broken down, if asked, by month, locality, age band or care setting; and a trend by month.

What is counted: answers marked answered, to the survey's questions of one kind (free-text questions are the theme
summary's), by the question's key across every version of the survey, the wording and answers taken from the newest
published version that has the key (the newest draft, if none is published). An answer no longer offered (an older
version's choice, or a number off the newest scale) stays counted, after the offered ones: every answer is in some
row. Answers to an older version whose question of that key was of another kind are left out. Each answer is one
young person's answer to one question in one conversation: someone who answers the monthly check-in three times in a
quarter counts three times, as a message does in the theme summary, so months add up to their quarter. The locality,
age band and care setting are the young person's as the register has them now; "Not recorded" is a group of its own.

What may be asked, and why so little: the same as the theme summary (`insight.summary`): one quarter, and a
breakdown for everyone. What is published for a question is then, per quarter and dimension, one two-way table:
answers by group, with its margins (each answer's count in the quarter, each group's count of answers, and the
quarter's count). Unlike themes, the answers to a question are a partition: each answer is exactly one value, so
the values of a group add up to the group's count, and that sum is a new way to work out a hidden cell. How each
table is protected, and why that is enough, is in `protect_question` and docs/privacy.md ("Survey results").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from feedback.core.errors import NotFound
from feedback.insight.summary import (
    DIMENSION_NAMES,
    TREND_QUARTERS,
    Choices,
    FilterError,
    Quarter,
    local_start,
    parse_filters,
)
from feedback.insight.suppression import MARK, Count, footnote, hidden, protect_dimension, protect_row, total_hidden
from feedback.people.models import Person
from feedback.surveys.export import write_table
from feedback.surveys.models import (
    Answer,
    AnswerStatus,
    Conversation,
    Question,
    Survey,
    SurveyPurpose,
    SurveyVersion,
    VersionStatus,
)

BREAKDOWNS = ("month", "locality", "age_band", "care_setting")
KINDS = ("rating", "choice", "yesno")
KIND_NAMES = {"rating": "Rating", "choice": "Choice", "yesno": "Yes or no"}
# The most steps the audit takes for one connected part of one table before it hides the question's breakdown
# instead: a bound on time, not something a real table reaches (it tries only sets of fewer than the threshold).
AUDIT_BUDGET = 200_000
GROUP_FILTERS = ("channel", "survey", "locality", "age_band", "care_setting", "show")
NO_GROUP = (
    "Survey results show everyone, or everyone broken down by one of month, locality, age band or care setting: "
    "one group's results beside the breakdown would let a small number be worked out by subtraction."
)


class SurveyResultsNotFound(NotFound):
    """No survey (with purpose "survey") of that slug: statements are a young person's words to their worker."""


# --- protecting one question's table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Protected:
    """What to hide of one question in one quarter: the quarter's count of answers, each answer's count, and (with a
    breakdown) each group's count and each cell, `cells[answer][group]`."""

    total: bool
    values: list[bool]
    group_totals: list[bool] = field(default_factory=list)
    cells: list[list[bool]] = field(default_factory=list)


def protect_question(cells: Sequence[Sequence[int]], threshold: int) -> Protected:
    """Protect one question's table for one quarter and one dimension: `cells[answer][group]` is how many gave that
    answer in that group (a table with no groups gives the quarter's figures alone, the same as with any).

    1. The quarter's figures depend on the answers' counts alone, so they are the same in every dimension's table:
       the count of answers is hidden when `suppression.total_hidden` says so (small, or one answer covering all
       but a few, as a theme covering all but a few messages); the answers' counts are then hidden where small, and
       otherwise protected as a row that adds up to the count shown (`protect_row`).
    2. The table starts as `protect_dimension` leaves it (the groups' counts as all messages, each answer as a
       theme). It takes each answer's count as shown whenever it is not small: where rule 1 hid more, it protects
       against more than is published, which is safe.
    3. The partition: the answers of a group add up to the group's count, so each group is protected as a row too
       (its hidden cells add up to 0 or at least the threshold), as is each answer across the groups.
    4. An exact audit (`_audit`) of the whole table: every set of cells whose count follows from the figures shown
       (margins and cells, with zeros known to be empty), whatever the combination. Rows and columns alone leave
       some: a hidden 3 between two hidden 10s, in a chain, is a row less a column. For each set of 1 to
       threshold-1 found, one more cell is hidden, and the table looked at again; if no cell will do, or the
       search is too big, the breakdown of this question is hidden whole (its groups' counts too), which leaves the
       quarter's figures of rule 1 alone.
    """
    values = [sum(row) for row in cells]
    everyone = sum(values)
    total = total_hidden(everyone, values, threshold)
    value_mask = [hidden(v, threshold) for v in values] if total else protect_row(values, threshold)
    width = len(cells[0]) if cells else 0
    if not width:
        return Protected(total, value_mask)
    columns = [sum(row[g] for row in cells) for g in range(width)]
    start = protect_dimension(columns, cells, threshold)
    table = _Table(
        cells,
        columns=columns,
        threshold=threshold,
        total=total,
        values=value_mask,
        column_mask=start.total,
        mask=start.themes,
    )
    while True:
        table.settle()
        found = table.audit()
        if found is None:
            break
        if not table.fix(found):
            return Protected(total, value_mask, [True] * width, [[True] * width for _ in cells])
    return Protected(total, value_mask, table.column_mask, table.mask)


class _Table:
    """The working state of `protect_question`: the counts, and which cells and groups' counts are hidden."""

    def __init__(
        self,
        cells: Sequence[Sequence[int]],
        *,
        columns: list[int],
        threshold: int,
        total: bool,
        values: list[bool],
        column_mask: list[bool],
        mask: list[list[bool]],
    ) -> None:
        self.cells = [list(row) for row in cells]
        self.rows = [sum(row) for row in cells]
        self.columns = columns
        self.threshold = threshold
        self.total = total  # the quarter's count of answers is hidden
        self.values = values  # each answer's count in the quarter is hidden
        self.column_mask = list(column_mask)
        self.mask = [list(row) for row in mask]
        self.everyone = sum(self.rows)

    def settle(self) -> None:
        """Rules that need no search: a group whose count is hidden has every cell hidden; the hidden cells of each
        group and of each answer add up to 0 or at least the threshold."""
        changed = True
        while changed:
            changed = False
            for g, hidden_column in enumerate(self.column_mask):
                column = [row[g] for row in self.cells]
                flags = [row[g] for row in self.mask]
                if hidden_column:
                    new = [flag or value > 0 for flag, value in zip(flags, column, strict=True)]
                else:
                    new = _settled(column, flags, self.threshold)
                if new != flags:
                    for row, flag in zip(self.mask, new, strict=True):
                        row[g] = flag
                    changed = True
            for v, counts in enumerate(self.cells):
                settled = _settled(counts, self.mask[v], self.threshold)
                if settled != self.mask[v]:
                    self.mask[v] = settled
                    changed = True

    def _margins(self) -> list[tuple[list[tuple[int, int]], int]]:
        """The published margins, as (cells, value): each answer's count in the quarter and each group's count, where
        shown. (The quarter's count of all answers is the `everyone` of `audit`.)"""
        width = len(self.columns)
        margins = [([(v, g) for g in range(width)], self.rows[v]) for v, flag in enumerate(self.values) if not flag]
        margins += [
            ([(v, g) for v in range(len(self.cells))], self.columns[g])
            for g, flag in enumerate(self.column_mask)
            if not flag
        ]
        return margins

    def audit(self) -> list[tuple[int, int]] | None:
        """The cells of a set whose count is from 1 to threshold-1 and follows from the published figures, if any;
        [] when the search is too big.

        A set follows when its indicator (1 on its cells, 0 elsewhere) is a combination of the published figures'
        indicators, with any coefficients. Shown cells may take any weight (they are known), and so may cells
        known to be empty (in a figure shown as 0): what is left are the hidden cells not known to be empty. The
        margins restricted to them fall into parts that share no cell, and a set's pieces in each part follow from
        that part's margins alone, but for the quarter's count of all answers, which touches every cell: a set may
        take it some `gamma` times, the same in every part. Within a part, a 0/1 vector of the span is fixed by its
        values on the span's pivots, so trying every 0/1 choice of pivots finds every such piece, with its gamma.
        Pieces of the same gamma, one from each part (none, from a part whose own margins add up to all its
        cells), are then joined, tracking the sizes under the threshold."""
        width = len(self.columns)
        margins = self._margins()
        everyone = not self.total and self.everyone > 0
        known = {(v, g) for v in range(len(self.cells)) for g in range(width) if not self.mask[v][g]}
        known |= {cell for cells, value in margins if value == 0 for cell in cells}
        unknown = [
            (v, g) for v in range(len(self.cells)) for g in range(width) if self.mask[v][g] and (v, g) not in known
        ]
        if not unknown:
            return None
        restricted = [[c for c in cells if c not in known] for cells, _ in margins]
        parts: list[tuple[bool, dict[Fraction, dict[int, list[tuple[int, int]]]]]] = []
        for cells in _parts(unknown, restricted):
            inside = set(cells)
            own = [[c for c in m if c in inside] for m in restricted if inside.intersection(m)]
            sizes = [self.cells[v][g] for v, g in cells]
            found = _sets(cells, sizes, own, everyone=everyone, threshold=self.threshold)
            if found is None:
                return []
            absorbing, pieces = found
            by_gamma: dict[Fraction, dict[int, list[tuple[int, int]]]] = {Fraction(0): {0: []}}
            for gamma, chosen in pieces:
                size = sum(self.cells[v][g] for v, g in chosen)
                if size < self.threshold:
                    by_gamma.setdefault(gamma, {}).setdefault(size, chosen)
            parts.append((absorbing, by_gamma))
        gammas = {gamma for absorbing, by_gamma in parts if not absorbing for gamma in by_gamma} | {Fraction(0)}
        for gamma in sorted(gammas):
            reach: dict[int, list[tuple[int, int]]] | None = {0: []}
            for absorbing, by_gamma in parts:
                choices = by_gamma[Fraction(0)] if absorbing else by_gamma.get(gamma)
                if choices is None or reach is None:
                    reach = None
                    break
                reach = {
                    size + extra: cells + more
                    for size, cells in reach.items()
                    for extra, more in choices.items()
                    if size + extra < self.threshold
                }
            for size, cells in (reach or {}).items():
                if hidden(size, self.threshold):
                    return cells
        return None

    def fix(self, found: list[tuple[int, int]]) -> bool:
        """Hide one more cell so that the set found can no longer be worked out as it was: the smallest shown cell
        that shares an answer or a group with it (it joins the unknowns of the figures that gave the set), or else
        the smallest in an answer or group with any hidden cell (closing a chain of hidden cells into a loop, which
        no sum of margins can open). False when there is none, or the search was too big."""
        if not found:
            return False
        width = len(self.columns)
        hidden_cells = [(v, g) for v in range(len(self.cells)) for g in range(width) if self.mask[v][g]]
        for cells in (found, hidden_cells):
            rows = {v for v, _ in cells}
            columns = {g for _, g in cells}
            shown = [
                (self.cells[v][g] == 0, self.cells[v][g], v, g)
                for v in range(len(self.cells))
                for g in range(width)
                if not self.mask[v][g] and (v in rows or g in columns)
            ]
            if shown:
                _, _, v, g = min(shown)
                self.mask[v][g] = True
                return True
        return False


def _settled(cells: Sequence[int], mask: Sequence[bool], threshold: int) -> list[bool]:
    """The smallest shown non-zero cells hidden until the hidden ones add up to 0 or at least the threshold (or
    every non-zero one, when the cells add up to less)."""
    mask = list(mask)
    while hidden(sum(value for value, flag in zip(cells, mask, strict=True) if flag), threshold):
        left = [(value, i) for i, value in enumerate(cells) if not mask[i] and value > 0]
        if not left:
            break
        mask[min(left)[1]] = True
    return mask


def _parts(
    cells: Sequence[tuple[int, int]], margins: Sequence[Sequence[tuple[int, int]]]
) -> list[list[tuple[int, int]]]:
    """The cells in groups joined by the margins that hold them (a cell in none is a part of its own)."""
    parent = {cell: cell for cell in cells}

    def root(cell: tuple[int, int]) -> tuple[int, int]:
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for margin in margins:
        for cell in margin[1:]:
            parent[root(cell)] = root(margin[0])
    found: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for cell in cells:
        found.setdefault(root(cell), []).append(cell)
    return list(found.values())


def _sets(
    cells: Sequence[tuple[int, int]],
    sizes: Sequence[int],
    margins: Sequence[Sequence[tuple[int, int]]],
    *,
    everyone: bool,
    threshold: int,
) -> tuple[bool, list[tuple[Fraction, list[tuple[int, int]]]]] | None:
    """Whether these cells' own margins add up to all of them; and every non-empty set of them of fewer than
    `threshold` answers (`sizes` are the cells' counts) whose indicator is a combination of the margins and, when
    the quarter's count of all answers is published and the margins do not already give all the cells together,
    `gamma` times all of them, with its gamma. None when there are too many to try.

    A set's indicator is the sum of the basis rows whose pivots it holds, so the pivots are tried in and out one
    at a time, and a branch whose pivots alone hold `threshold` answers or more is left at once: few remain."""
    vectors = [[Fraction(int(c in set(m))) for c in cells] for m in margins]
    own = _basis(vectors)
    ones = [Fraction(1)] * len(cells)
    absorbing = _in_span(own, ones)
    extra = everyone and not absorbing
    basis = _basis([*vectors, ones]) if extra else own
    found: list[tuple[Fraction, list[tuple[int, int]]]] = []
    budget = [AUDIT_BUDGET]

    def walk(i: int, vector: list[Fraction], size: int, chosen: bool) -> bool:
        budget[0] -= 1
        if budget[0] < 0:
            return False
        if i == len(basis):
            if chosen and all(x in (0, 1) for x in vector):
                members = [c for c, x in zip(cells, vector, strict=True) if x == 1]
                if sum(sizes[cells.index(c)] for c in members) < threshold:
                    gamma = _gamma(own, vector, ones) if extra else Fraction(0)
                    found.append((gamma, members))
            return True
        pivot, row = basis[i]
        if not walk(i + 1, vector, size, chosen):
            return False
        if size + sizes[pivot] < threshold:
            added = [a + b for a, b in zip(vector, row, strict=True)]
            return walk(i + 1, added, size + sizes[pivot], True)
        return True

    if not walk(0, [Fraction(0)] * len(cells), 0, False):
        return None
    return absorbing, found


def _gamma(own: list[tuple[int, list[Fraction]]], vector: list[Fraction], ones: list[Fraction]) -> Fraction:
    """The multiple of all the cells a vector takes beside the part's own margins: the one gamma with
    vector - gamma * ones in their span (one only, since all the cells together are not in it)."""
    rest = _reduce(own, vector)
    unit = _reduce(own, ones)
    pivot = next(i for i, x in enumerate(unit) if x)
    return rest[pivot] / unit[pivot]


def _reduce(basis: list[tuple[int, list[Fraction]]], vector: Sequence[Fraction]) -> list[Fraction]:
    out = list(vector)
    for pivot, row in basis:
        if out[pivot]:
            factor = out[pivot]
            out = [a - factor * b for a, b in zip(out, row, strict=True)]
    return out


def _in_span(basis: list[tuple[int, list[Fraction]]], vector: Sequence[Fraction]) -> bool:
    return not any(_reduce(basis, vector))


def _basis(vectors: Sequence[Sequence[Fraction | int]]) -> list[tuple[int, list[Fraction]]]:
    """A reduced row echelon basis of the vectors' span: (pivot, row), each row 1 at its pivot and 0 at the others'."""
    basis: list[tuple[int, list[Fraction]]] = []
    for vector in vectors:
        reduced = _reduce(basis, [Fraction(x) for x in vector])
        pivot = next((i for i, x in enumerate(reduced) if x), None)
        if pivot is None:
            continue
        reduced = [x / reduced[pivot] for x in reduced]
        basis = [
            (p, [a - row[pivot] * b for a, b in zip(row, reduced, strict=True)] if row[pivot] else row)
            for p, row in basis
        ]
        basis.append((pivot, reduced))
    return basis


# --- what may be asked ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    """A checked request: one quarter, and a breakdown for everyone or none."""

    quarter: Quarter
    complete: bool
    by: str | None = None

    @property
    def since(self) -> date:
        return self.quarter.first

    @property
    def until(self) -> date:
        return self.quarter.last

    def query(self) -> dict[str, str]:
        """As URL parameters, for links that keep the view."""
        return {"period": str(self.quarter), **({"by": self.by} if self.by else {})}


def parse_request(raw: Mapping[str, Any], known: Choices, *, today: date) -> Request:
    """The period as the theme summary reads it (`period=2026-Q4`, or `since` and `until` in one quarter), and a
    breakdown by one of `BREAKDOWNS`. A group (`locality=Hamilton`) is refused: see `NO_GROUP`."""
    for name in GROUP_FILTERS:
        value = raw.get(name)
        if value is not None and str(value).strip():
            raise FilterError(f"Survey results cannot be narrowed to one {name.replace('_', ' ')}. {NO_GROUP}")
    by = raw.get("by")
    by = str(by).strip() if by is not None else ""
    if by and by not in BREAKDOWNS:
        allowed = ", ".join(DIMENSION_NAMES[name].lower() for name in BREAKDOWNS)
        raise FilterError(f"Unknown breakdown {by!r}: break survey results down by one of {allowed}, or nothing.")
    period = {name: raw[name] for name in ("period", "since", "until") if raw.get(name) is not None}
    filters = parse_filters(period, known, today=today)
    return Request(filters.quarter, filters.complete, by or None)


def find_survey(session: Session, slug: str) -> tuple[Survey, str]:
    """The survey and its title (the newest version's); statements and unknown slugs are not found."""
    survey = session.scalar(select(Survey).where(Survey.slug == slug, Survey.purpose == SurveyPurpose.SURVEY))
    if survey is None or not survey.versions:
        raise SurveyResultsNotFound(f"There is no survey {slug!r}.")
    published = [v for v in survey.versions if v.status == VersionStatus.PUBLISHED]
    return survey, (published or survey.versions)[-1].title


def listed(session: Session) -> list[tuple[str, str]]:
    """Every survey (not statement) with its newest title, by slug."""
    rows = session.execute(
        select(Survey.slug, SurveyVersion.title, SurveyVersion.status)
        .join(SurveyVersion, SurveyVersion.survey_id == Survey.id)
        .where(Survey.purpose == SurveyPurpose.SURVEY)
        .order_by(Survey.slug, SurveyVersion.number)
    ).all()
    titles: dict[str, str] = {}
    for slug, title, status in rows:
        if status == VersionStatus.PUBLISHED or slug not in titles:
            titles[slug] = title
    return list(titles.items())


# --- the questions ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    """One answer a question takes: as stored (a number for a rating, the words of a choice, "yes" or "no"), and as
    shown."""

    value: int | str
    label: str


@dataclass(frozen=True)
class _Question:
    key: str
    text: str
    type: str
    options: tuple[Option, ...]
    ids: tuple[int, ...]  # the question in each version where it is of this kind
    scale: tuple[int, int] | None  # a rating's lowest and highest


def _label(text: str) -> str:
    return text[:1].upper() + text[1:]


def _options(question: Question) -> tuple[tuple[Option, ...], tuple[int, int] | None]:
    if question.type == "rating":
        low = question.min_value if question.min_value is not None else 1
        high = question.max_value if question.max_value is not None else 5
        labels = list(question.labels or [])
        numbers = range(low, high + 1)
        named = len(labels) == len(numbers)
        return tuple(Option(n, f"{n} ({labels[i]})" if named else str(n)) for i, n in enumerate(numbers)), (low, high)
    if question.type == "yesno":
        return (Option("yes", "Yes"), Option("no", "No")), None
    return tuple(Option(choice, _label(choice)) for choice in question.choices or []), None


def _questions(session: Session, survey: Survey) -> list[_Question]:
    """The survey's questions with fixed answers, by key, in the newest version's order (keys only older versions
    have come after). Wording and answers are the newest published version's that has the key (a draft's only when
    no published version has it)."""
    versions = sorted(survey.versions, key=lambda v: (v.status == VersionStatus.PUBLISHED, v.number), reverse=True)
    rows = session.execute(
        select(Question, SurveyVersion.id)
        .join(SurveyVersion, SurveyVersion.id == Question.survey_version_id)
        .where(SurveyVersion.survey_id == survey.id)
        .order_by(Question.position)
    ).all()
    by_version: dict[int, list[Question]] = {}
    for question, version_id in rows:
        by_version.setdefault(version_id, []).append(question)
    latest: dict[str, Question] = {}
    for version in versions:
        for question in by_version.get(version.id, []):
            latest.setdefault(question.key, question)
    found = []
    for key, question in latest.items():
        if question.type not in KINDS:
            continue
        ids = tuple(q.id for qs in by_version.values() for q in qs if q.key == key and q.type == question.type)
        options, scale = _options(question)
        found.append(_Question(key, question.web_text or question.text, question.type, options, ids, scale))
    return found


# --- counting ---------------------------------------------------------------------------------------------------


def _groups(known: Choices, dimension: str | None, quarter: Quarter) -> dict[str, str]:
    return known.groups(dimension, quarter) if dimension else {}


def _read(
    session: Session,
    questions: Sequence[_Question],
    quarters: Sequence[Quarter],
    dimension: str | None,
    known: Choices,
) -> dict[tuple[Quarter, str], dict[int | str, list[int]]]:
    """How many gave each answer to each question, per quarter and group (one group when no dimension): one GROUP
    BY, by month and the young person's value, folded into groups in Python."""
    months = [day for quarter in sorted(quarters) for day in quarter.months]
    first, last = min(quarters), max(quarters)
    bounds = [local_start(day) for day in months] + [local_start(last.last + timedelta(days=1))]
    key_of = {qid: q.key for q in questions for qid in q.ids}
    width = {quarter: max(len(_groups(known, dimension, quarter)), 1) for quarter in quarters}
    found: dict[tuple[Quarter, str], dict[int | str, list[int]]] = {
        (quarter, q.key): {} for quarter in quarters for q in questions
    }
    if not key_of:
        return found
    moment = Answer.answered_at
    month = case(*[(moment < bounds[i + 1], i) for i in range(len(months) - 1)], else_=len(months) - 1)
    columns = [
        Answer.question_id.label("question_id"),
        month.label("month"),
        Answer.value_number.label("number"),
        Answer.value_option.label("option"),
    ]
    if dimension and dimension != "month":
        columns.append(getattr(Person, dimension).label("value"))
    rows = (
        select(*columns)
        .select_from(Answer)
        .join(Conversation, Conversation.id == Answer.conversation_id)
        .join(Person, Person.id == Conversation.person_id)
        .where(
            Answer.status == AnswerStatus.ANSWERED,
            Answer.question_id.in_(list(key_of)),
            moment >= bounds[0],
            moment < bounds[-1],
            moment >= local_start(first.first),
        )
        .subquery()
    )
    by = [rows.c.question_id, rows.c.month, rows.c.number, rows.c.option]
    if dimension and dimension != "month":
        by.append(rows.c.value)
    types = {qid: q.type for q in questions for qid in q.ids}
    for question_id, index, number, option, *value, seen in session.execute(select(*by, func.count()).group_by(*by)):
        quarter = Quarter.containing(months[index])
        if quarter not in width:
            continue
        answer = number if types[question_id] == "rating" else option
        if answer is None:
            continue  # answered with nothing to count: never written so, but not a group of its own either
        keys = list(_groups(known, dimension, quarter))
        if not dimension:
            g = 0
        elif dimension == "month":
            g = keys.index(months[index].strftime("%Y-%m"))
        else:
            g = keys.index(value[0]) if value[0] in keys[:-1] else len(keys) - 1
        cells = found[(quarter, key_of[question_id])].setdefault(answer, [0] * width[quarter])
        cells[g] += int(seen)
    return found


def _table(
    question: _Question, counted: Mapping[int | str, list[int]], width: int
) -> tuple[list[Option], list[list[int]]]:
    """The question's answers in order (the offered ones, then any no longer offered that were given), and their
    counts per group."""
    options = list(question.options)
    offered = {option.value for option in options}
    extra = sorted((v for v in counted if v not in offered), key=lambda v: (isinstance(v, str), v))
    options += [Option(v, _label(str(v))) for v in extra]
    return options, [list(counted.get(option.value, [0] * width)) for option in options]


# --- the results ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerCount:
    value: int | str
    label: str
    count: Count
    share: float | None  # of the answers in the view; None where either count is hidden


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    answered: Count
    answers: list[AnswerCount]
    average: float | None  # ratings only; None where any count it rests on is hidden


@dataclass(frozen=True)
class QuestionResult:
    key: str
    text: str
    type: str
    scale: tuple[int, int] | None
    answered: Count
    answers: list[AnswerCount]
    average: float | None
    groups: list[Group]


@dataclass(frozen=True)
class Results:
    slug: str
    title: str
    request: Request
    threshold: int
    questions: list[QuestionResult]
    groups: dict[str, str]  # the breakdown's groups: key -> label, in order


def _answers(
    options: Sequence[Option], counts: Sequence[int], mask: Sequence[bool], total: Count, threshold: int
) -> list[AnswerCount]:
    out = []
    for option, value, flag in zip(options, counts, mask, strict=True):
        shown = Count(value, flag, threshold)
        share = None if flag or total.suppressed or not total.value else value / total.value
        out.append(AnswerCount(option.value, option.label, shown, share))
    return out


def _average(question: _Question, answers: Sequence[AnswerCount], total: Count) -> float | None:
    """A rating's average, only where the count of answers and every answer's count are shown: it is then worked
    out from figures already published and adds nothing. Beside a hidden count it would add a sum of ratings to the
    figures, and a total and a sum of ratings over two hidden cells give each of them."""
    if question.type != "rating" or total.suppressed or not total.value:
        return None
    if any(a.count.suppressed for a in answers):
        return None
    return round(sum(int(a.value) * a.count.value for a in answers) / total.value, 1)


def _result(
    question: _Question, counted: Mapping[int | str, list[int]], groups: Mapping[str, str], threshold: int
) -> QuestionResult:
    width = max(len(groups), 1)
    options, cells = _table(question, counted, width)
    protected = protect_question(cells if groups else [[sum(row)] for row in cells], threshold)
    if not groups:
        protected = Protected(protected.total, protected.values)
    values = [sum(row) for row in cells]
    answered = Count(sum(values), protected.total, threshold)
    answers = _answers(options, values, protected.values, answered, threshold)
    shown_groups = []
    for g, (key, label) in enumerate(groups.items()):
        total = Count(sum(row[g] for row in cells), protected.group_totals[g], threshold)
        these = _answers(options, [row[g] for row in cells], [row[g] for row in protected.cells], total, threshold)
        shown_groups.append(Group(key, label, total, these, _average(question, these, total)))
    return QuestionResult(
        question.key,
        question.text,
        question.type,
        question.scale,
        answered,
        answers,
        _average(question, answers, answered),
        shown_groups,
    )


def results(session: Session, slug: str, request: Request, known: Choices, *, threshold: int) -> Results:
    """Each question's protected figures for the request's quarter, with its breakdown if any."""
    survey, title = find_survey(session, slug)
    questions = _questions(session, survey)
    quarter = request.quarter
    read = _read(session, questions, [quarter], request.by, known)
    groups = _groups(known, request.by, quarter)
    found = [_result(q, read[(quarter, q.key)], groups, threshold) for q in questions]
    return Results(survey.slug, title, request, threshold, found, dict(groups))


@dataclass(frozen=True)
class TrendQuestion:
    key: str
    options: list[Option]
    months: list[Group]  # oldest first: each month's protected figures, from its quarter's table by month


def trend(
    session: Session, slug: str, request: Request, known: Choices, *, threshold: int, quarters: int = TREND_QUARTERS
) -> list[TrendQuestion]:
    """Each question by month, for the quarters up to the chosen one: each quarter's table by month protected on its
    own, exactly as `by=month` for that quarter shows it."""
    survey, _ = find_survey(session, slug)
    questions = _questions(session, survey)
    periods = [request.quarter.shift(-n) for n in range(quarters - 1, -1, -1)]
    read = _read(session, questions, periods, "month", known)
    out = []
    for question in questions:
        months: list[Group] = []
        options: list[Option] = []
        given = {value for period in periods for value in read[(period, question.key)]}
        everything = {value: [0, 0, 0] for value in given}
        options, _ = _table(question, everything, 3)
        for period in periods:
            counted = {o.value: read[(period, question.key)].get(o.value, [0, 0, 0]) for o in options}
            result = _result(
                replace(question, options=tuple(options)),
                counted,
                known.groups("month", period),
                threshold,
            )
            months += result.groups
        out.append(TrendQuestion(question.key, options, months))
    return out


# --- documents and rows -----------------------------------------------------------------------------------------


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _answer_json(answer: AnswerCount) -> dict[str, Any]:
    return {"value": answer.value, "label": answer.label, "count": answer.count.public(), "share": _share(answer.share)}


def report_document(found: Results) -> dict[str, Any]:
    """The results as one JSON document, for the API and the command."""
    request = found.request
    questions = []
    for q in found.questions:
        entry: dict[str, Any] = {
            "key": q.key,
            "text": q.text,
            "type": q.type,
            "answered": q.answered.public(),
            "average": q.average,
            "answers": [_answer_json(a) for a in q.answers],
            "groups": [
                {
                    "group": g.label,
                    "answered": g.answered.public(),
                    "average": g.average,
                    "answers": [_answer_json(a) for a in g.answers],
                }
                for g in q.groups
            ],
        }
        if q.type != "rating":
            del entry["average"]
            for group in entry["groups"]:
                del group["average"]
        questions.append(entry)
    return {
        "survey": found.slug,
        "title": found.title,
        "period": str(request.quarter),
        "since": request.since.isoformat(),
        "until": request.until.isoformat(),
        "complete": request.complete,
        "by": request.by,
        "threshold": found.threshold,
        "footnote": footnote(found.threshold),
        "questions": questions,
    }


CSV_COLUMNS = ("question", "text", "type", "answered", "average", "value", "label", "count", "share")
GROUP_COLUMNS = ("by", "group", "group_answered", "group_average", "group_count", "group_share")


def report_rows(found: Results) -> list[dict[str, Any]]:
    """The results as rows for a CSV, one per question and answer (and group, with a breakdown), as `report themes`
    writes its rows: a hidden count is the mark, and a row with the mark carries the footnote in its "note"."""
    note = footnote(found.threshold)
    rows = []
    for q in found.questions:
        base = {"question": q.key, "text": q.text, "type": KIND_NAMES[q.type], "answered": q.answered.public(),
                "average": q.average}  # fmt: skip
        for i, answer in enumerate(q.answers):
            row = {**base, "value": answer.value, "label": answer.label, "count": answer.count.public(),
                   "share": _share(answer.share)}  # fmt: skip
            if not found.groups:
                rows.append({**row, "note": note if MARK in row.values() else ""})
                continue
            for group in q.groups:
                cell = group.answers[i]
                full = {**row, "by": found.request.by, "group": group.label, "group_answered": group.answered.public(),
                        "group_average": group.average, "group_count": cell.count.public(),
                        "group_share": _share(cell.share)}  # fmt: skip
                rows.append({**full, "note": note if MARK in full.values() else ""})
    return rows


def csv_columns(found: Results) -> list[str]:
    return [*CSV_COLUMNS, *(GROUP_COLUMNS if found.groups else ()), "note"]


def write_csv(found: Results, out: Any) -> None:
    """The rows as CSV, with any cell a spreadsheet would run as a formula made inert (questions are typed by
    staff). A survey with no questions to count still gets its header."""
    write_table(report_rows(found), out, csv_columns(found))

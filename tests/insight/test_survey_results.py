"""Survey results (issue 17, part 2): each question's answers counted against a count done by hand, in the
question's order, across the survey's versions; small numbers hidden, with the rules a partition needs on top of
the theme summary's (the answers of a group add up to its count); one quarter at a time. And no published figure,
in any breakdown, lets a count from 1 to threshold-1 be worked out: checked by the exact attacker of
test_disclosure.py on random tables, and on random answers through the service."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from feedback.extensions import db
from feedback.insight import summary as summaries
from feedback.insight import survey_results as results
from feedback.insight.summary import FilterError, Quarter
from feedback.insight.suppression import MARK, hidden, protect_dimension, total_hidden
from feedback.surveys import operations as surveys
from tests.insight.answers import SURVEY, Reply, insert, many
from tests.insight.test_disclosure import smallest_derivable_set

THRESHOLD = 10
TODAY = date(2026, 11, 23)  # the tests' clock: 2026-Q4 is under way
Q4 = Quarter(2026, 4)


def _known(app: Any) -> summaries.Choices:
    return summaries.choices(db.session, app.config["LOCALITIES"])


def _results(app: Any, threshold: int = THRESHOLD, **raw: str) -> results.Results:
    known = _known(app)
    asked = results.parse_request(raw, known, today=TODAY)
    return results.results(db.session, SURVEY, asked, known, threshold=threshold)


def _question(found: results.Results, key: str) -> results.QuestionResult:
    return next(q for q in found.questions if q.key == key)


def _shown(answers: list[results.AnswerCount]) -> dict[str, int | str]:
    return {a.label: a.count.public() for a in answers}


# --- counting ---------------------------------------------------------------------------------------------------


def test_each_answer_is_counted_in_the_questions_order_and_small_ones_hidden(app: Any) -> None:
    replies = [
        *many(12, {"home": 4, "worker": "yes", "heard": "yes"}, date(2026, 10, 5), locality="Hamilton"),
        *many(10, {"home": 5, "worker": "no", "heard": "yes"}, date(2026, 11, 2), locality="Clydesdale"),
        *many(3, {"home": 1, "worker": "yes", "heard": "yes"}, date(2026, 11, 20), locality="Hamilton"),
        # Skipped questions count nowhere; answers in another quarter are another quarter's.
        Reply({"home": 2}, date(2026, 11, 21), skipped=("heard",)),
        *many(30, {"home": 3}, date(2026, 9, 30)),
    ]
    insert(replies)
    found = _results(app)
    assert [q.key for q in found.questions] == ["home", "worker", "heard"]  # the text question is not counted
    home, worker, heard = found.questions
    assert home.type == "rating" and home.text == "How are things where you live?" and home.scale == (1, 5)
    # 1, 2, 3, 4, 5: the 3 and the 1 are small, and hidden with the next smallest (10) so that 26 less the shown
    # cells is not small.
    labels = ["1 (Very bad)", "2 (Bad)", "3 (OK)", "4 (Good)", "5 (Great)"]  # the number, and its words
    assert [a.label for a in home.answers] == labels and [a.value for a in home.answers] == [1, 2, 3, 4, 5]
    assert [a.count.public() for a in home.answers] == [MARK, MARK, 0, 12, MARK]
    assert home.answered.public() == 26
    assert home.average is None  # beside hidden counts, the average would give them away
    assert home.answers[3].share == pytest.approx(12 / 26) and home.answers[0].share is None
    assert _shown(worker.answers) == {"Yes": 15, "No": 10, "Not sure": 0}  # the survey's order, in words
    assert worker.average is None and worker.answers[0].share == pytest.approx(0.6)
    assert _shown(heard.answers) == {"Yes": 25, "No": 0}  # yes, then no; one skipped
    older = _results(app, period="2026-Q3")
    assert [a.count.public() for a in _question(older, "home").answers] == [0, 0, 30, 0, 0]
    assert _question(older, "home").average == 3.0  # every count shown: the average adds nothing


def test_a_breakdown_adds_up_and_hides_a_cell_a_group_total_would_give_away(app: Any) -> None:
    table = {"Hamilton": {"yes": 20, "no": 3, "not sure": 15}, "Clydesdale": {"yes": 15, "no": 12, "not sure": 14}}
    for place, answers in table.items():
        for answer, how_many in answers.items():
            insert(many(how_many, {"worker": answer}, date(2026, 10, 5), locality=place))
    insert(many(11, {"worker": "yes"}, date(2026, 11, 8)))  # not on the register: "Not recorded"
    worker = _question(_results(app, by="locality"), "worker")
    groups = {g.label: g for g in worker.groups}
    assert list(groups) == ["Clydesdale", "East Kilbride", "Hamilton", "Rutherglen/Cambuslang", "Not recorded"]
    assert groups["Not recorded"].answered.public() == 11 and groups["East Kilbride"].answered.public() == 0
    # Hamilton: 38 answered, 3 said no. Showing 20 and 15 beside the 38 would say 3 said no, so another cell is
    # hidden there. The theme summary's rules alone (protect_dimension) see answers as themes that may overlap,
    # and leave the 20 and the 15.
    hamilton = groups["Hamilton"]
    assert hamilton.answered.public() == 38
    assert _shown(hamilton.answers)["No"] == MARK and sum(a.count.suppressed for a in hamilton.answers) >= 2
    as_themes = protect_dimension([41, 0, 38, 0, 11], [[15, 0, 20, 0, 11], [12, 0, 3, 0, 0], [14, 0, 15, 0, 0]], 10)
    assert [row[2] for row in as_themes.themes] == [False, True, False]
    # Everyone's figures are the quarter's, whatever the breakdown.
    assert _shown(worker.answers) == {"Yes": 46, "No": 15, "Not sure": 29}
    assert _shown(_question(_results(app), "worker").answers) == _shown(worker.answers)


def test_a_small_group_is_hidden_whole_and_a_rating_average_only_over_counts_all_shown(app: Any) -> None:
    insert(
        [
            *many(12, {"home": 4}, date(2026, 10, 5), care_setting="foster"),
            *many(11, {"home": 5}, date(2026, 10, 5), care_setting="foster"),
            *many(4, {"home": 2}, date(2026, 10, 5), care_setting="kinship"),
            *many(10, {"home": 2}, date(2026, 10, 5), care_setting="residential"),
        ]
    )
    home = _question(_results(app, by="care_setting"), "home")
    groups = {g.key: g for g in home.groups}
    assert groups["kinship"].answered.suppressed and all(a.count.suppressed for a in groups["kinship"].answers[1:2])
    assert groups["foster"].average == pytest.approx(4.5, abs=0.05)  # 23 answers, every count shown
    assert groups["kinship"].average is None
    assert groups["foster"].label == "Foster care"


def test_a_question_is_one_key_across_versions_worded_as_the_newest(app: Any) -> None:
    insert(many(10, {"worker": "not sure"}, date(2026, 10, 5)))
    with open(f"{app.root_path}/data/surveys/{SURVEY}.json", encoding="utf-8") as raw:
        definition = json.load(raw)
    worker = next(q for q in definition["questions"] if q["key"] == "worker")
    worker["choices"] = ["yes", "no", "sometimes"]
    worker["web_text"] = "Do you see your social worker enough?"
    worker["text"] = "Do you see your social worker enough? Reply A yes, B no, C sometimes"
    surveys.import_survey(db.session, surveys.check_definition(definition))

    insert(many(11, {"worker": "sometimes"}, date(2026, 10, 6)))
    found = _question(_results(app), "worker")
    assert found.text == "Do you see your social worker enough?"
    # The offered answers first, in the newest order; the older version's answer after, still counted.
    assert _shown(found.answers) == {"Yes": 0, "No": 0, "Sometimes": 11, "Not sure": 10}
    assert found.answered.public() == 21


def test_only_surveys_have_results(app: Any) -> None:
    with pytest.raises(results.SurveyResultsNotFound):
        results.find_survey(db.session, "statement-worried")
    with pytest.raises(results.SurveyResultsNotFound):
        results.find_survey(db.session, "no-such-survey")
    assert results.find_survey(db.session, SURVEY)[1] == "Monthly check-in"


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({"since": "2026-09-01", "until": "2026-10-05"}, "not in October to December 2026"),
        ({"period": "2026-Q5"}, "written like 2026-Q4"),
        ({"period": "2027-Q1"}, "has not started yet"),
        ({"by": "channel"}, "Unknown breakdown 'channel'"),
        ({"locality": "Hamilton"}, "cannot be narrowed to one locality"),
        ({"show": "locality:Hamilton"}, "cannot be narrowed"),
    ],
)
def test_what_may_not_be_asked_is_refused_in_plain_words(app: Any, raw: dict[str, str], words: str) -> None:
    with pytest.raises(FilterError, match=words):
        results.parse_request(raw, _known(app), today=TODAY)


def test_since_and_until_in_one_quarter_are_that_quarter(app: Any) -> None:
    asked = results.parse_request({"since": "2026-10-01", "until": "2026-10-09", "by": ""}, _known(app), today=TODAY)
    assert asked == results.Request(Q4, complete=False, by=None)


def test_the_trend_is_each_quarters_table_by_month(app: Any) -> None:
    insert(
        [
            *many(12, {"heard": "yes"}, date(2026, 10, 5)),
            *many(4, {"heard": "no"}, date(2026, 11, 5)),
            *many(9, {"heard": "yes"}, date(2025, 2, 5)),
        ]
    )
    known = _known(app)
    asked = results.parse_request({}, known, today=TODAY)
    trend = {t.key: t for t in results.trend(db.session, SURVEY, asked, known, threshold=THRESHOLD)}["heard"]
    assert (
        len(trend.months) == 24
        and trend.months[0].label == "January 2025"
        and trend.months[-1].label == "December 2026"
    )
    for quarter in [Q4, Quarter(2025, 1)]:
        by_month = _question(_results(app, period=str(quarter), by="month"), "heard").groups
        mine = [m for m in trend.months if m.key in {day.strftime("%Y-%m") for day in quarter.months}]
        assert [(m.label, m.answered, m.answers) for m in mine] == [(g.label, g.answered, g.answers) for g in by_month]


# --- no small count can be worked out ---------------------------------------------------------------------------


def _published(cells: list[list[int]], threshold: int) -> dict[str, Any]:
    """What one question's table publishes, as the exact attacker of test_disclosure.py reads figures: each answer
    is a "theme" that every answer of it has, and no other."""
    protected = results.protect_question(cells, threshold)
    values = [sum(row) for row in cells]
    figures: dict[Any, int] = {}
    if not protected.total:
        figures[(None, None, None)] = sum(values)
    figures.update({(v, None, None): n for v, n in enumerate(values) if not protected.values[v]})
    for g in range(len(cells[0])):
        if not protected.group_totals[g]:
            figures[(None, 0, g)] = sum(row[g] for row in cells)
        figures.update({(v, 0, g): cells[v][g] for v in range(len(cells)) if not protected.cells[v][g]})
    return {"threshold": threshold, "figures": figures}


def _atoms(cells: list[list[int]]) -> dict[Any, int]:
    """A partition: each answer is one value, so only atoms with exactly one "theme" exist."""
    return {(frozenset({v}), (g,)): n for v, row in enumerate(cells) for g, n in enumerate(row)}


TABLES = st.integers(min_value=2, max_value=3).flatmap(
    lambda values: st.integers(min_value=2, max_value=4).flatmap(
        lambda groups: st.lists(
            st.lists(st.sampled_from([0, 0, 1, 2, 3, 4, 5, 7, 9, 12, 20]), min_size=groups, max_size=groups),
            min_size=values,
            max_size=values,
        )
    )
)


@settings(max_examples=300, deadline=None)
@given(cells=TABLES, threshold=st.sampled_from([3, 4, 5, 10]))
def test_no_set_of_a_few_answers_can_be_worked_out_from_a_protected_question_by_any_combination(
    cells: list[list[int]], threshold: int
) -> None:
    assert smallest_derivable_set(_atoms(cells), _published(cells, threshold)) is None


def test_the_exact_attacker_finds_what_the_theme_rules_alone_leave_in_a_partition() -> None:
    """Hamilton 38 answers (20 yes, 3 no, 15 not sure), Clydesdale 41 (15, 12, 14). As themes, nothing is wrong;
    as answers, 38 less 20 less 15 is the 3 who said no."""
    cells = [[20, 15], [3, 12], [15, 14]]
    masks = protect_dimension([38, 41], cells, THRESHOLD)
    figures: dict[Any, int] = {(None, None, None): 79, (0, None, None): 35, (1, None, None): 15, (2, None, None): 29}
    figures.update({(None, 0, g): n for g, n in enumerate([38, 41]) if not masks.total[g]})
    figures.update({(v, 0, g): cells[v][g] for v in range(3) for g in range(2) if not masks.themes[v][g]})
    assert smallest_derivable_set(_atoms(cells), {"threshold": THRESHOLD, "figures": figures}) == 3
    assert smallest_derivable_set(_atoms(cells), _published(cells, THRESHOLD)) is None


def test_a_hidden_cell_between_two_in_a_chain_is_found_by_the_audit() -> None:
    """Rows and columns each hiding 10 or more is not enough: with a hidden 3 between hidden 10s in a chain, an
    answer's hidden cells less a group's give the 3. The audit closes the chain into a loop."""
    cells = [[10, 3, 0], [0, 10, 30], [25, 20, 20]]
    assert smallest_derivable_set(_atoms(cells), _published(cells, THRESHOLD)) is None
    protected = results.protect_question(cells, THRESHOLD)
    assert protected.cells[0][1] and not all(protected.group_totals)


def test_the_quarters_figures_are_the_same_in_every_breakdown() -> None:
    cells = [[12, 3, 0, 8], [30, 0, 9, 1], [0, 0, 2, 0]]
    by_columns = results.protect_question(cells, THRESHOLD)
    alone = results.protect_question([[sum(row)] for row in cells], THRESHOLD)
    assert (by_columns.total, by_columns.values) == (alone.total, alone.values)
    values = [sum(row) for row in cells]
    assert alone.total == total_hidden(sum(values), values, THRESHOLD)


# --- through the service: random answers, every breakdown ------------------------------------------------------

FIGURE_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
REPLIES = st.builds(
    Reply,
    answers=st.fixed_dictionaries(
        {},
        optional={
            "heard": st.sampled_from(["yes", "yes", "no"]),
            "worker": st.sampled_from(["yes", "no", "not sure"]),
        },
    ),
    day=st.sampled_from([date(2026, 9, 30), date(2026, 10, 1), date(2026, 10, 20), date(2026, 11, 22)]),
    locality=st.sampled_from(["Hamilton", "Hamilton", "Clydesdale", None]),
    age_band=st.sampled_from(["16-17", "18-21", None]),
    care_setting=st.sampled_from(["foster", "kinship", None]),
)
BUNCHES = st.lists(st.tuples(REPLIES, st.integers(min_value=1, max_value=8)), min_size=3, max_size=10)
SMALL_TABLE = 14  # atoms the exact attacker can try every set of, in a test's time


def _figures(question: dict[str, Any]) -> tuple[dict[Any, int | str], list[list[Any]]]:
    quarter: dict[Any, int | str] = {(None, None, None): question["answered"]}
    quarter.update({(v, None, None): a["count"] for v, a in enumerate(question["answers"])})
    cells = [[g["answers"][v]["count"] for g in question["groups"]] for v in range(len(question["answers"]))]
    return quarter, cells


@FIGURE_SETTINGS
@given(bunches=BUNCHES)
def test_no_small_count_can_be_worked_out_from_any_breakdown_of_the_service(
    app: Any, bunches: list[tuple[Reply, int]]
) -> None:
    replies = [replace(reply) for reply, copies in bunches for _ in range(copies)]
    threshold = 4
    try:
        insert(replies)
        known = _known(app)
        for period in ("2026-Q3", "2026-Q4"):
            documents = {}
            for by in (None, *results.BREAKDOWNS):
                asked = results.parse_request({"period": period, "by": by or ""}, known, today=TODAY)
                found = results.results(db.session, SURVEY, asked, known, threshold=threshold)
                documents[by] = results.report_document(found)
            for key in ("home", "worker", "heard"):
                questions = {by: next(q for q in doc["questions"] if q["key"] == key) for by, doc in documents.items()}
                everyone, _ = _figures(questions[None])
                for by, question in questions.items():
                    quarter, published = _figures(question)
                    assert quarter == everyone, (key, by)  # the quarter's figures, the same in every breakdown
                    if by is None:
                        continue
                    truth = _truth(replies, key, period, by, known, question)
                    for row, true_row in zip(published, truth, strict=True):
                        for shown, true in zip(row, true_row, strict=True):
                            assert shown in (MARK, true) and (shown == MARK or not hidden(true, threshold))
                    atoms = _atoms(truth)
                    if sum(1 for n in atoms.values() if n) > SMALL_TABLE:
                        continue
                    figures = {k: v for k, v in quarter.items() if v != MARK}
                    for g, group in enumerate(question["groups"]):
                        if group["answered"] != MARK:
                            figures[(None, 0, g)] = group["answered"]
                        for v, cell in enumerate(group["answers"]):
                            if cell["count"] != MARK:
                                figures[(v, 0, g)] = cell["count"]
                    assert smallest_derivable_set(atoms, {"threshold": threshold, "figures": figures}) is None
    finally:
        db.session.rollback()


def _truth(
    replies: list[Reply], key: str, period: str, by: str, known: summaries.Choices, question: dict[str, Any]
) -> list[list[int]]:
    """The question's table counted by hand from the replies, in the document's order of answers and groups."""
    quarter = Quarter.parse(period)
    assert quarter is not None
    groups = list(known.groups(by, quarter))
    values = [a["value"] for a in question["answers"]]
    cells = [[0] * len(groups) for _ in values]
    for reply in replies:
        if key not in reply.answers or Quarter.containing(reply.day) != quarter:
            continue
        if by == "month":
            group = reply.day.strftime("%Y-%m")
        else:
            value = getattr(reply, by)
            group = value if value in groups[:-1] else summaries.NOT_RECORDED
        cells[values.index(reply.answers[key])][groups.index(group)] += 1
    return cells

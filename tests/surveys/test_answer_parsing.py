"""Reading answers the way young people write them, on plain strings (no app, no database)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feedback.surveys.answer_parsing import Invalid, Parsed, hint_for, parse_answer


@dataclass
class Q:
    type: str
    min_value: int | None = None
    max_value: int | None = None
    choices: list[str] = field(default_factory=list)
    optional: bool = False


RATING = Q("rating", 1, 5)
CHOICE = Q("choice", choices=["yes", "no", "not sure"])
YESNO = Q("yesno")
TEXT = Q("text", optional=True)
ZERO_TO_TEN = Q("rating", 0, 10)


@pytest.mark.parametrize("raw", ["0", "6", "-1", "4/10", "44", "4.5", "", "   ", "four or five", "⭐⭐⭐⭐"])
def test_ratings_out_of_range_or_unclear_are_invalid(raw: str) -> None:
    result = parse_answer(RATING, raw)
    assert isinstance(result, Invalid)
    assert result.hint == "Please reply with a number from 1 to 5."


def test_a_zero_to_ten_scale() -> None:
    assert parse_answer(ZERO_TO_TEN, "0") == Parsed("0", number=0)
    assert parse_answer(ZERO_TO_TEN, "10/10") == Parsed("10/10", number=10)
    assert parse_answer(ZERO_TO_TEN, "ten") == Parsed("ten", number=10)


@pytest.mark.parametrize("raw", ["d", "4", "0", "maybe", "yes no", "a b"])
def test_choices_that_do_not_match_are_invalid(raw: str) -> None:
    result = parse_answer(CHOICE, raw)
    assert isinstance(result, Invalid)
    assert result.hint == "Please reply A, B or C."


def test_a_letter_with_the_wrong_words_is_invalid() -> None:
    assert isinstance(parse_answer(CHOICE, "a no"), Invalid)


@pytest.mark.parametrize("raw", ["maybe", "dunno", "yes and no", "", "k"])
def test_yes_no_that_is_neither_is_invalid(raw: str) -> None:
    assert isinstance(parse_answer(YESNO, raw), Invalid)


def test_text_keeps_the_answer_as_given_trimmed() -> None:
    assert parse_answer(TEXT, "  more visits \n") == Parsed("  more visits \n", text="more visits")
    assert hint_for(TEXT) == "Please type your answer, or reply SKIP."
    assert isinstance(parse_answer(TEXT, "   "), Invalid)


def test_the_normalised_value() -> None:
    assert parse_answer(RATING, "4/5").value == "4"  # type: ignore[union-attr]
    assert parse_answer(CHOICE, "C").value == "not sure"  # type: ignore[union-attr]
    assert parse_answer(YESNO, "aye").value == "yes"  # type: ignore[union-attr]


@given(st.text(max_size=300), st.sampled_from([RATING, CHOICE, YESNO, TEXT, ZERO_TO_TEN]))
def test_any_text_is_either_a_valid_answer_or_a_hint_never_an_error(raw: str, question: Q) -> None:
    result = parse_answer(question, raw)
    assert isinstance(result, Parsed | Invalid)
    assert result.raw == raw
    if isinstance(result, Parsed) and question.type == "rating":
        assert question.min_value is not None and question.max_value is not None
        assert result.number is not None and question.min_value <= result.number <= question.max_value
    if isinstance(result, Parsed) and question.type == "choice":
        assert result.option in question.choices


@pytest.mark.parametrize("raw", ["²", "½", "①"])
def test_digit_like_symbols_are_not_numbers(raw: str) -> None:
    assert isinstance(parse_answer(CHOICE, raw), Invalid)
    assert isinstance(parse_answer(RATING, raw), Invalid)

"""Reading an answer to one question the way a young person writes it.

Ratings accept `4`, ` 4 `, `four`, `4/5`, `4 out of 5` and the keycap emoji; choices the letter, the number or
the words, in any case; yes/no the many ways of saying it in Scotland. Anything else is invalid, with a short
hint to send back. Pure functions: every channel (SMS today, the web tomorrow) records answers through them.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Protocol

from feedback.analysis.text import normalise

YES_WORDS = frozenset({"y", "yes", "yeah", "yep", "yup", "yea", "yeh", "ya", "aye", "ay", "👍"})
NO_WORDS = frozenset({"n", "no", "naw", "nah", "nope", "nae", "no way", "not really", "👎"})

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip

_KEYCAP = re.compile(r"([0-9])\ufe0f?\u20e3")
_RATING = re.compile(r"^(\d{1,2})(?:\s*(?:/|out of|outta|oot o)\s*(\d{1,2}))?$")
_LETTER_PREFIX = re.compile(r"^([a-z])(?:[).:\-]|\s)\s*(.*)$")
_EDGE_PUNCTUATION = string.punctuation.replace("/", "") + "“”‘’"


class QuestionSpec(Protocol):
    type: str
    min_value: int | None
    max_value: int | None
    choices: list[str]
    optional: bool


@dataclass(frozen=True)
class Parsed:
    """A valid answer: the text as given and its normalised value (a number, one of the choices, or text)."""

    raw: str
    number: int | None = None
    option: str | None = None
    text: str | None = None

    @property
    def value(self) -> str:
        if self.number is not None:
            return str(self.number)
        return self.option if self.option is not None else (self.text or "")


@dataclass(frozen=True)
class Invalid:
    """An answer that could not be read, and the hint to ask again with."""

    raw: str
    hint: str


def letter(index: int) -> str:
    return string.ascii_uppercase[index]


def hint_for(question: QuestionSpec) -> str:
    """A short, plain hint that says what a valid answer looks like."""
    if question.type == "rating":
        return f"Please reply with a number from {question.min_value} to {question.max_value}."
    if question.type == "choice":
        letters = [letter(i) for i in range(len(question.choices))]
        return f"Please reply {', '.join(letters[:-1])} or {letters[-1]}."
    if question.type == "yesno":
        return "Please reply yes or no."
    return "Please type your answer" + (", or reply SKIP." if question.optional else ".")


def parse_answer(question: QuestionSpec, raw: str) -> Parsed | Invalid:
    """Read `raw` as an answer to `question`."""
    cleaned = _clean(raw)
    if question.type == "text":
        if not raw.strip():
            return Invalid(raw, hint_for(question))
        return Parsed(raw, text=raw.strip())
    result: Parsed | None
    if question.type == "rating":
        result = _rating(question, raw, cleaned)
    elif question.type == "choice":
        result = _choice(question, raw, cleaned)
    elif question.type == "yesno":
        result = _yesno(raw, cleaned)
    else:
        raise ValueError(f"unknown question type {question.type!r}")
    return result if result is not None else Invalid(raw, hint_for(question))


def _clean(raw: str) -> str:
    text = _KEYCAP.sub(r"\1", raw)
    # Leading + and - stay: "-1" is not "1".
    text = normalise(text).strip(" ").lstrip(_EDGE_PUNCTUATION.replace("-", "").replace("+", "") + " ")
    text = text.rstrip(_EDGE_PUNCTUATION + " ")
    return re.sub(r"\s+", " ", text)


def _rating(question: QuestionSpec, raw: str, cleaned: str) -> Parsed | None:
    low = question.min_value if question.min_value is not None else 1
    high = question.max_value if question.max_value is not None else 5
    words = cleaned.split(" ", 1)
    if words[0] in NUMBER_WORDS:
        cleaned = str(NUMBER_WORDS[words[0]]) + (" " + words[1] if len(words) > 1 else "")
    match = _RATING.match(cleaned)
    if match is None:
        return None
    value = int(match.group(1))
    scale = match.group(2)
    if scale is not None and int(scale) != high:
        return None  # "4/10" on a 1 to 5 scale: which did they mean?
    if not low <= value <= high:
        return None
    return Parsed(raw, number=value)


def _choice(question: QuestionSpec, raw: str, cleaned: str) -> Parsed | None:
    by_words = {_clean(choice): choice for choice in question.choices}
    if cleaned in by_words:
        return Parsed(raw, option=by_words[cleaned])
    if len(cleaned) == 1 and cleaned.isalpha():
        index = ord(cleaned) - ord("a")
        if 0 <= index < len(question.choices):
            return Parsed(raw, option=question.choices[index])
    if cleaned.isdecimal():
        index = int(cleaned) - 1
        if 0 <= index < len(question.choices):
            return Parsed(raw, option=question.choices[index])
    # "B no" or "b) no": a letter followed by its own words.
    match = _LETTER_PREFIX.match(cleaned)
    if match is not None:
        index = ord(match.group(1)) - ord("a")
        if 0 <= index < len(question.choices) and _clean(match.group(2)) == _clean(question.choices[index]):
            return Parsed(raw, option=question.choices[index])
    return None


def _yesno(raw: str, cleaned: str) -> Parsed | None:
    if cleaned in YES_WORDS or raw.strip() in YES_WORDS:
        return Parsed(raw, option="yes")
    if cleaned in NO_WORDS or raw.strip() in NO_WORDS:
        return Parsed(raw, option="no")
    return None

"""How easy a piece of wording is to read: the Flesch-Kincaid grade, as a reading age.

Young people reading our pages and texts should need a reading age of about 9 to 11 at most (UK school year 5 or
6). The grade is a rough measure (it counts syllables by vowel groups, with no dictionary), good enough to flag
wording that has drifted into officialese, not to rank two good sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
_VOWEL_GROUP = re.compile(r"[aeiouy]+")
_SENTENCE_END = re.compile(r"[.!?:;]+(?:\s|$)|\n+")
# A Flesch-Kincaid grade is a US school grade; a child in it is about five years older.
GRADE_TO_AGE = 5
MAX_READING_AGE = 11


def syllables(word: str) -> int:
    word = word.lower().strip("'")
    count = len(_VOWEL_GROUP.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee")) and count > 1:
        count -= 1  # a silent e: "make", "here"
    return max(1, count)


@dataclass(frozen=True)
class Reading:
    words: int
    sentences: int
    grade: float

    @property
    def age(self) -> float:
        return self.grade + GRADE_TO_AGE


def reading(text: str) -> Reading:
    """The Flesch-Kincaid grade of `text` (0 for text with no words)."""
    words = _WORD.findall(text)
    if not words:
        return Reading(0, 0, 0.0)
    sentences = max(1, len([s for s in _SENTENCE_END.split(text) if _WORD.search(s)]))
    total = sum(syllables(w) for w in words)
    grade = 0.39 * len(words) / sentences + 11.8 * total / len(words) - 15.59
    return Reading(len(words), sentences, round(max(grade, 0.0), 1))

"""Normalising how young people in Scotland write, so that rules can be written once.

Lower case, straight apostrophes, single spaces, and common text-speak and Scots forms spelled out
("wanna" -> "want to", "cannae" -> "can't", "ma" -> "my").
"""

from __future__ import annotations

import re

_APOSTROPHES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "`": "'"})

_WORDS = {
    "wanna": "want to",
    "gonna": "going to",
    "gotta": "got to",
    "im": "i'm",
    "ive": "i've",
    "id": "i'd",
    "u": "you",
    "ur": "your",
    "ma": "my",
    "masel": "myself",
    "masell": "myself",
    "mysel": "myself",
    "cannae": "can't",
    "canny": "can't",
    "cant": "can't",
    "dinnae": "don't",
    "dinny": "don't",
    "dont": "don't",
    "didnae": "didn't",
    "wouldnae": "wouldn't",
    "wont": "won't",
    "isnae": "isn't",
    "naebody": "nobody",
    "nae": "no",
    "wi": "with",
    "tae": "to",
    "fae": "from",
    "oot": "out",
    "hame": "home",
    "sw": "social worker",
}

_WORD = re.compile(r"[a-z']+")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower-cased text with apostrophes, spaces and common spellings made uniform."""
    lowered = _SPACE.sub(" ", text.translate(_APOSTROPHES).lower()).strip()
    return _WORD.sub(lambda m: _WORDS.get(m.group(0), m.group(0)), lowered)

"""Normalising how young people in Scotland write, so that rules can be written once.

Lower case, straight apostrophes, single spaces, and common text-speak and Scots forms spelled out
("wanna" -> "want to", "cannae" -> "can't", "ma" -> "my").
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

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
    "hes": "he's",
    "shes": "she's",
    "theyre": "they're",
    "havent": "haven't",
    "didnt": "didn't",
    "doesnt": "doesn't",
    "isnt": "isn't",
    "wasnt": "wasn't",
    "couldnt": "couldn't",
    "wouldnt": "wouldn't",
    "maself": "myself",
    "hersel": "herself",
    "himsel": "himself",
    "ye": "you",
    "yer": "your",
    "yous": "you",
    "youse": "you",
    "wis": "was",
    "wid": "would",
    "widnae": "wouldn't",
    "huvnae": "haven't",
    "havnae": "haven't",
    "hasnae": "hasn't",
    "wasnae": "wasn't",
    "werenae": "weren't",
    "couldnae": "couldn't",
    "shouldnae": "shouldn't",
    "doesnae": "doesn't",
    "dae": "do",
    "gonnae": "going to",
    "aboot": "about",
    "hoose": "house",
    "doon": "down",
    "roon": "round",
    "noo": "now",
    "cos": "because",
    "coz": "because",
    "cuz": "because",
    "wen": "when",
    "dnt": "don't",
    "thats": "that's",
    "whats": "what's",
    "wats": "what's",
    "sum1": "someone",
    "any1": "anyone",
    "every1": "everyone",
    "no1": "no one",
    "2day": "today",
    "2nite": "tonight",
    "tonite": "tonight",
    "pls": "please",
    "plz": "please",
    "b4": "before",
    "awright": "alright",
    "deid": "dead",
    "heid": "head",
    "ah": "i",
    "aw": "all",
}

_WORD = re.compile(r"[a-z']+")
_SPACE = re.compile(r"\s+")


def _spell(word: str) -> str:
    known = _WORDS.get(word)
    if known is not None:
        return known
    # Dropped g's ("hurtin", "thinkin", "killin"): put back when that makes a word TextBlob knows.
    if word.endswith(("in", "in'")) and len(word) >= 4:
        stem = word.rstrip("'")
        if stem + "g" in _lexicon():
            return stem + "g"
    return word


def _lexicon() -> Any:
    from textblob.en import lexicon

    return lexicon


@lru_cache(maxsize=1024)
def normalise(text: str) -> str:
    """Lower-cased text with apostrophes, spaces and common spellings made uniform. Each part of the analysis asks
    for the same message's normal form; it is worked out once."""
    lowered = _SPACE.sub(" ", text.translate(_APOSTROPHES).lower()).strip()
    return _WORD.sub(lambda m: _spell(m.group(0)), lowered)

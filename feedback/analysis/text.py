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
    return pattern_english().lexicon


@lru_cache(maxsize=1)
def pattern_english() -> Any:
    """TextBlob's English part (`textblob.en`: lexicon, tagger, pattern sentiment), without the rest of TextBlob.

    The analysis needs only `textblob.en`, which needs only the standard library; but importing any part of a
    package runs the package's `__init__` first, and TextBlob's imports NLTK and, through it, SciPy: 1.5 s of every
    process that analyses a message, a sixth of the time `feedback analyse` takes on 10,000 messages. So the
    package is registered without running its `__init__`, which runs instead, in place, the first time anything
    asks the package for a name it has not got (``from textblob import TextBlob`` elsewhere still works).
    """
    import importlib
    import importlib.util
    import sys

    if "textblob" not in sys.modules:
        spec = importlib.util.find_spec("textblob")
        if spec is not None and spec.loader is not None:
            package = importlib.util.module_from_spec(spec)
            loader = spec.loader

            def finish(name: str) -> Any:
                del package.__dict__["__getattr__"]
                loader.exec_module(package)
                return getattr(package, name)

            setattr(package, "__getattr__", finish)  # noqa: B010 (a module's own __getattr__, PEP 562)
            sys.modules["textblob"] = package
    return importlib.import_module("textblob.en")


@lru_cache(maxsize=1024)
def normalise(text: str) -> str:
    """Lower-cased text with apostrophes, spaces and common spellings made uniform. Each part of the analysis asks
    for the same message's normal form; it is worked out once."""
    lowered = _SPACE.sub(" ", text.translate(_APOSTROPHES).lower()).strip()
    return _WORD.sub(lambda m: _spell(m.group(0)), lowered)


# -- the safeguarding screen's own, further spelling out -----------------------------------------------------------
# Safeguarding rules and the learned screen read a message a step further spelt out than themes and sentiment do: a
# misspelt word there only files a theme less well, here it could hide a risk. Text-speak and Scots forms with one
# plain reading (never a single letter: "b" is a survey answer as often as "be").
_SCREEN_WORDS = {
    "bin": "been",
    "agen": "again",
    "agn": "again",
    "agin": "again",
    "nemore": "anymore",
    "anymore": "anymore",
    "evry1": "everyone",
    "every1": "everyone",
    "evryone": "everyone",
    "evry": "every",
    "wud": "would",
    "wld": "would",
    "cnt": "can't",
    "cud": "could",
    "wana": "want to",
    "wanna": "want to",
    "gunna": "going to",
    "gona": "going to",
    "gnna": "going to",
    "il": "i'll",
    "sum": "some",
    "aff": "off",
    "skl": "school",
    "skool": "school",
    "bout": "about",
    "ppl": "people",
    "acc": "account",
    "nite": "night",
    "naewhere": "nowhere",
    "naebodys": "nobody's",
    "nobodys": "nobody's",
    "tellt": "told",
    "telt": "told",
    "sumone": "someone",
    "sum1": "someone",
    "some1": "someone",
    "sumbody": "somebody",
    "sumthin": "something",
    "sumthing": "something",
    "smth": "something",
    "sth": "something",
    "batterd": "battered",
    "maw": "mum",
    "maws": "mum's",
    "mam": "mum",
    "mams": "mum's",
    "aint": "isn't",
    "tho": "though",
    "rn": "right now",
    "nd": "and",
    "av": "i've",
    "hv": "have",
    "wiv": "with",
    "wit": "what",
    "whit": "what",
    "naw": "no",
    "nah": "no",
    "dnt": "don't",
    "dont": "don't",
    "didnt": "didn't",
    "cannae": "can't",
    "kno": "know",
    "knw": "know",
    "ken": "know",
    "tht": "that",
    "jst": "just",
    "juss": "just",
    "bc": "because",
    "bcoz": "because",
    "lyk": "like",
    "luv": "love",
    "gf": "girlfriend",
    "bf": "boyfriend",
    "bro": "brother",
    "sis": "sister",
    "ma": "my",
    "selfharm": "self harm",
    "selfharming": "self harming",
    "selfharmin": "self harming",
    "unalive": "unalive",
    "suicidle": "suicidal",
    "sucidal": "suicidal",
    "suicdal": "suicidal",
    "suicial": "suicidal",
    "sucide": "suicide",
    "suiside": "suicide",
    "kys": "kill yourself",
    "hame": "home",
    "hoose": "house",
}
# Verbs young people write with the g dropped ("cuttin", "bein", "sellin"): spelt out in full. A list, not a rule,
# so that "cousin", "again" and "within" stay as they are.
_G_DROPPED = frozenset(
    (
        "cuttin", "killin", "hurtin", "harmin", "thinkin", "drinkin", "smokin", "runnin", "sleepin", "stayin",
        "gettin", "sellin", "bein", "feelin", "goin", "doin", "askin", "touchin", "hidin", "postin", "sayin",
        "sendin", "takin", "livin", "kippin", "textin", "messagin", "batterin", "hittin", "punchin", "kickin",
        "chokin", "strugglin", "copin", "cryin", "usin", "dealin", "carryin", "holdin", "burnin", "scratchin",
        "bleedin", "jumpin", "plannin", "wantin", "needin", "tryin", "lyin", "followin", "threatenin",
        "bullyin", "starvin", "freezin", "eatin", "comin", "leavin", "movin", "workin", "waitin", "watchin",
        "shoutin", "screamin", "fightin", "missin", "worryin", "panickin", "shakin", "slaggin", "laughin",
        "talkin", "tellin", "speakin", "callin", "phonin", "ringin", "hangin", "droppin", "blockin", "hatin",
        "losin", "givin", "buyin", "payin", "stealin", "robbin", "grabbin", "pushin", "shovin", "draggin",
        "slappin", "beltin", "leatherin", "skelpin", "abusin", "groomin", "forcin", "makin", "lettin", "keepin",
        "lockin", "bangin", "breakin", "smashin", "throwin", "nothin", "anythin", "somethin", "everythin",
        "evrythin", "dyin", "swallowin", "overdosin", "drownin", "stabbin", "knifin", "chasin", "sniffin",
        "snortin", "vapin", "blazin", "steamin", "bevvyin", "stressin",
    )
)  # fmt: skip
# "need 2 talk 2 someone", "asking 4 pics": digits for words, after the words they follow.
_DIGIT_WORDS = re.compile(
    r"\b(?P<w>need|needs|want|wants|going|have|got|able|try|trying|like|talk|speak|go|come|tell|back|want to|up|me|you"
    r"|asking|asked|ask|asks|pics|nudes|photos|money|waiting|looking|just|used|has|had|him|her|them|listen|home) "
    r"(?P<d>[24])\b"
)
_SCREEN_TOKEN = re.compile(r"[a-z0-9']+")
_AMPERSAND = re.compile(r"\b(\w)&(\w)\b")


def _screen_spell(word: str) -> str:
    known = _SCREEN_WORDS.get(word)
    if known is not None:
        return known
    if word in _G_DROPPED:
        return word + "g"
    if len(word) > 3 and word.endswith("in'") and word[:-1] in _G_DROPPED:
        return word[:-1] + "g"
    return word


@lru_cache(maxsize=4096)
def screening_form(text: str) -> str:
    """The normal form the safeguarding screen reads: `normalise`, then text-speak, Scots and dropped g's spelt out
    ("bin cuttin agen" -> "been cutting again", "need 2 talk 2 sum1" -> "need to talk to someone")."""
    clean = _AMPERSAND.sub(r"\1n\2", normalise(text))  # "b&b" is one word, not "be"
    clean = _SCREEN_TOKEN.sub(lambda m: _screen_spell(m.group(0)), clean)
    clean = _DIGIT_WORDS.sub(lambda m: f"{m.group('w')} {'to' if m.group('d') == '2' else 'for'}", clean)
    return _DIGIT_WORDS.sub(lambda m: f"{m.group('w')} {'to' if m.group('d') == '2' else 'for'}", clean)

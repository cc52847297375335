"""A copy of a message safe to quote: names, phone numbers, emails, social media handles, addresses, children's
houses and school names taken out.

Quotes reach the Champions Board, whose members are young people who may know the young person. Removing too much
costs a little readability; leaving a name in can out someone, so the rules lean towards removing.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from feedback.analysis.learned import load_rows
from feedback.analysis.text import normalise, pattern_english

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
_PHONE = re.compile(r"(?<![\w])\+?\d[\d\s\-()./]{6,}\d(?![\w])")
# "@kayleigh_x", "@jamie.mcg_7": a handle on Snapchat, Instagram or TikTok ("@ the unit" is "at").
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_](?:[\w.]*[A-Za-z0-9_])?")
# "ryanb_2008", "megz123", "DazzaBoy99": a user name given without the @, letters run into digits or underscores.
_USERNAME = re.compile(r"(?<![\w@.])([A-Za-z][A-Za-z.]*?)(?:_\w+|\.?\d{2,})(?![\w@])")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_STREET = (
    r"(?:street|st|road|rd|avenue|ave|drive|dr|crescent|cres|court|ct|place|pl|gardens|gdns|terrace|lane|way|grove"
    r"|park|view|square|wynd|brae|loan|close|walk|row|quadrant)"
)
_ADDRESS = re.compile(rf"\b\d{{1,4}}[a-z]?,?\s+((?:[A-Za-z']+\s+){{1,3}})({_STREET})\b\.?", re.IGNORECASE)
# Street words that are also ordinary words: "2 quid each way", "a 30 min walk" are no address.
_LOOSE_STREET = frozenset(
    {"way", "walk", "park", "view", "place", "pl", "court", "ct", "close", "row", "lane", "grove", "square", "loan",
     "dr", "drive"}
)  # fmt: skip
# "on glenlee crescent", "burnbank rd": a street texted in lower case, named after a word no dictionary knows.
_LOWER_STREET = re.compile(
    r"\b([a-z][a-z']+)\s+(?:street|road|rd|avenue|ave|crescent|cres|terrace|gardens|gdns|wynd|brae|quadrant|drive)\b"
)
_NAMED_STREET = re.compile(rf"\b(?:[A-Z][a-z']+\s+){{1,2}}(?i:{_STREET})\b", re.UNICODE)
_SCHOOL = re.compile(
    r"\b(?:st\.?\s+)?(?:[A-Z][\w']+\s+){1,3}(?i:high school|high|academy|primary school|primary|grammar|secondary"
    r"|college|school)\b",
)
_LOWER_SCHOOL = re.compile(r"\b([a-z][a-z']+)\s+(?:high school|high|academy|grammar|primary school|primary)\b")
_NOT_IN_ADDRESS = frozenset(
    {"in", "the", "at", "to", "my", "a", "an", "and", "of", "on", "for", "with", "wi", "from", "years", "year", "weeks",
     "week", "days", "day", "months", "month", "times", "mins", "minutes", "hours", "nights", "people", "ppl"}
)  # fmt: skip
# "Celtic Park" is a football ground, not where someone lives.
_NOT_A_STREET = frozenset({"celtic", "hampden", "strathclyde", "the", "my", "our", "a", "this", "that", "car"})
_SAINTS_SCHOOL = re.compile(r"\bst\.?\s+[a-z']+(?:'s)?\s+(?:high|academy|primary|school|secondary)\b", re.IGNORECASE)
# "st bride's", "St Ambrose", "St Mary's Kenmure": a saint's name is, in these messages, a school, a unit or a
# parish. "St Patrick's Day", St Andrews the town and St Mirren the team stay.
_SAINT = re.compile(r"\b(?i:st\.?|saint)\s+([a-z]+['’]s|[A-Z][a-z]+(?:['’]s)?)(?![\w'’])(\s+[A-Z][a-z]+\b)?")
_SAINT_PLACES = frozenset(
    {"andrews", "enoch", "mirren", "johnstone", "kilda", "lucia", "ives", "helens", "albans", "tropez", "kitts",
     "petersburg", "moritz", "leonards"}
)  # fmt: skip
# Catholic schools known by their dedication alone: "Holy Cross", "Our Lady's".
_DEDICATION = re.compile(r"\b(?i:holy cross|our lady['’]?s|sacred heart|notre dame|holy rood|holy family)\b")
# "Kirkton House", "Burnside Cottage": a children's house or unit, named with a capital.
_CARE_HOME = re.compile(r"\b(?:[A-Z][a-z']+\s+){1,2}(?:House|Cottage|Lodge)\b")
_NOT_A_HOME = frozenset(
    {"the", "my", "our", "your", "a", "this", "that", "children's", "care", "foster", "big", "halfway", "open",
     "safe", "full", "guest", "white", "dog", "tree", "town", "court", "opera", "public", "wendy", "in", "at", "to",
     "of", "for", "from", "and"}
)  # fmt: skip
# Places in Glasgow named after a person, where young people meet: never a name or an address.
_LANDMARKS = frozenset({("george", "square"), ("buchanan", "street"), ("sauchiehall", "street")})
# Capitalised words that are not names: places, services, days and months young people mention.
_NOT_NAMES = frozenset(
    {"i", "i'm", "i've", "i'd", "i'll", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
     "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
     "december", "mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays", "christmas",
     "easter", "scotland",
     "scottish", "glasgow", "edinburgh", "hamilton", "clydesdale", "lanark",
     "east", "kilbride", "rutherglen", "cambuslang", "south", "lanarkshire", "champions", "board", "childline",
     "samaritans", "camhs", "nhs", "council", "english", "maths", "science", "history", "tiktok", "snapchat",
     "instagram", "facebook", "whatsapp", "xbox", "playstation", "mcdonalds", "asda", "tesco", "universal", "credit",
     "promise", "ok", "okay", "lol", "omg", "sw", "yp", "cp", "uc", "gp", "a&e", "mr", "mrs", "miss", "ms", "dr"}
)  # fmt: skip
# Words for the people in a young person's life, and the short forms they text: never a name, whatever comes
# before them ("I want my gran at my review", "my sw tbh is rubbish").
_KNOWN = frozenset(
    {"gran", "granny", "grans", "grandma", "grandad", "grandpa", "grandparents", "nana", "nanna", "nan", "papa",
     "pops", "mum", "mums", "mam", "mams", "maw", "maws", "mammy", "mummy", "mother", "dad", "dads", "da", "daddy",
     "father", "parents", "stepmum", "stepdad", "step", "auntie", "aunty", "aunt", "aunts", "uncle", "uncles",
     "cousin", "cousins", "bro", "bros", "sis", "brother", "brothers", "sister", "sisters", "siblings", "nephew",
     "niece", "wean", "weans", "bairn", "bairns", "baby", "son", "daughter", "kids", "family", "carer", "carers",
     "foster", "kinship", "keyworker", "worker", "workers", "sw", "sws", "advocate", "counsellor", "teacher",
     "teachers", "guidance", "pal", "pals", "mate", "mates", "bestie", "bezzie", "bf", "gf", "boyfriend",
     "girlfriend", "partner", "fiance", "throughcare", "aftercare", "staff", "manager", "boss", "tbh", "tbf", "ngl",
     "idk", "idc", "imo", "ffs", "omg", "lol", "lmao", "rly", "pls", "plz", "thx", "ty", "btw", "fyi", "brb", "smh",
     "wtf", "jk", "af", "asap", "bc", "cos", "coz", "tho", "rn", "ye", "aye", "naw", "nah", "wee", "big", "ma", "wi",
     "n", "u", "ur", "im", "ive", "dont", "cant", "wont", "didnt", "isnt", "wasnt", "bout", "sumin", "nothin",
     "gie", "gies", "geez", "gonnae", "wannae", "dinnae", "didnae", "cannae", "wisnae", "isnae", "widnae",
     "hink", "ken", "masel", "hame", "hoose", "naebody", "oan", "tae", "fae", "oot", "aboot", "noo", "whit", "awfy",
     "wis", "mair", "hud", "ower", "efter", "wur", "ra", "ahm", "nane", "yersel", "hissel", "oor", "wir", "thae",
     "wae", "intae", "ontae", "wernae", "urnae", "amnae", "mibbe", "mebbe", "twa", "gaun", "gawn", "naewhere",
     "awready", "anyhin", "hing", "hings", "sumhin", "nuthin", "shud", "scran", "bevvy", "jakey", "ned", "weegie",
     "baw", "baws", "boak", "clatty", "glaikit", "hoachin", "manky", "peely", "swatch", "tattie", "tatties",
     "sannies", "trackies", "stoater", "honkin", "beamer", "riddy", "chuffed", "radge", "sesh",
     "lassie", "laddie", "lass", "lad", "wummin", "heid", "eejit", "numpty", "bampot", "jobby", "pure",
     "buzzin", "skint", "gutted", "scunnered", "greetin", "sound", "lush", "mingin", "boggin", "raging", "hiya",
     "sorry", "yo", "hey", "camhs", "uc", "unit", "hostel", "flat", "review", "panel", "hearing", "school",
     "college", "uni", "work", "meeting", "meetings", "visit", "visits", "plan", "report", "office", "phone",
     "house", "home", "room", "lac", "valium", "nat", "car", "birthday", "court", "contact", "time", "texts",
     "text", "call", "calls", "mum's", "dad's", "gran's", "maw's", "pal's", "mate's", "sister's", "brother's"}
)  # fmt: skip


def redact(text: str) -> str:
    """`text` with identifying details replaced by [name], [phone], [email], [handle], [link], [address],
    [postcode], [school]."""
    out = _EMAIL.sub("[email]", text)
    out = _URL.sub("[link]", out)
    out = _HANDLE.sub("[handle]", out)
    out = _ADDRESS.sub(_address, out)
    out = _POSTCODE.sub("[postcode]", out)
    out = _PHONE.sub(_phone, out)
    out = _USERNAME.sub(_username, out)
    out = _SAINTS_SCHOOL.sub("[school]", out)
    out = _SAINT.sub(_saint, out)
    out = _DEDICATION.sub("[school]", out)
    out = _SCHOOL.sub(_school, out)
    out = _LOWER_SCHOOL.sub(_lower_school, out)
    out = _NAMED_STREET.sub(_named_street, out)
    out = _LOWER_STREET.sub(_lower_street, out)
    out = _CARE_HOME.sub(_care_home, out)
    return _names(out)


def _address(match: re.Match[str]) -> str:
    # "2 weeks in the park" is a time, not an address: an address has no words like these between number and street
    middle = match.group(1).split()
    if _NOT_IN_ADDRESS.intersection(word.lower() for word in middle):
        return match.group(0)
    if match.group(2).lower() in _LOOSE_STREET and not all(w[0].isupper() or not _ordinary(w.lower()) for w in middle):
        return match.group(0)  # "a 30 min walk", "16 was way too young"
    return "[address]"


def _phone(match: re.Match[str]) -> str:
    # "12/03/2024", "1.5.2025" are dates: a number with dots or slashes is a phone only when it is as long as one
    number = match.group(0)
    if ("." in number or "/" in number) and sum(c.isdigit() for c in number) < 10:
        return number
    return "[phone]"


_NOT_A_USERNAME = frozenset({"covid", "nat", "fifa", "gta", "cod", "ps", "xbox", "iphone", "mp", "windows"})


def _username(match: re.Match[str]) -> str:
    """ "ryanb_2008", "megz123": a user name, unless its letters are a word ("covid19", "nat5", "ps5")."""
    letters = match.group(1).lower().rstrip(".")
    if len(letters) < 3 or letters in _NOT_A_USERNAME or (_ordinary(letters) and letters not in _gazetteer().first):
        return match.group(0)
    return "[handle]"


def _saint(match: re.Match[str]) -> str:
    name = _POSSESSIVE.sub("", match.group(1)).lower()
    after = (match.group(2) or "").strip().lower()
    if name in _SAINT_PLACES or name in _gazetteer().places or after in {"day", "night", "eve"}:
        return match.group(0)
    return "[school]"


def _named_street(match: re.Match[str]) -> str:
    words = match.group(0).lower().split()
    if words[0] in _NOT_A_STREET or (words[0], words[-1]) in _LANDMARKS:
        return match.group(0)
    return "[address]"


def _lower_street(match: re.Match[str]) -> str:
    word = match.group(1)
    return match.group(0) if _ordinary(word) or word in _NOT_A_STREET else "[address]"


def _care_home(match: re.Match[str]) -> str:
    words = match.group(0).split()
    if words[0].lower() in _NOT_A_HOME or words[0].lower() in _KNOWN:
        return match.group(0)
    return "[address]"


def _school(match: re.Match[str]) -> str:
    words = match.group(0).split()
    # "my school", "the college": a school's own name starts with a capitalised word that is not an ordinary one.
    if words[0].lower() in {"my", "the", "a", "at", "to", "this", "our", "new", "old", "high", "st", "st."}:
        return match.group(0)
    return "[school]"


def _lower_school(match: re.Match[str]) -> str:
    """ "larkhall academy", "blantyre high": a school named after a place or a name, texted in lower case; "my old
    high school" and "so high" are ordinary words."""
    word = match.group(1)
    known = _gazetteer()
    if word in known.places or (not _ordinary(word) and word not in _KNOWN):
        return "[school]"
    return match.group(0)


# -- names -------------------------------------------------------------------------------------------------------
# A word is read in its place: capital or not, at the start of a sentence or not, and with the words beside it.
# Common first names and surnames (`names.jsonl`, written for this: Scottish, Irish, English, Polish, South Asian
# and African) are names wherever they stand, unless the tagger's lexicon also knows them as words ("Hope",
# "Will", "Brown"); those are names only where the words around say so: "my sw Grace", "Grace said", "Grace
# Mwangi", "a girl called hope", "Faith and Hope", but not "I hope", "Will you", "Grace period".
_TOKEN = re.compile(r"\[[a-z]+\]|[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*")
_POSSESSIVE = re.compile(r"(?:['’]s|s['’])$", re.IGNORECASE)
_SENTENCE_BREAK = re.compile(r"[.!?:;\n(\"]|\s-\s")
_TITLES = frozenset({"mr", "mrs", "miss", "ms", "mx", "dr", "mister", "missus"})
# Letters that are words when texted ("miss u", "me n him", "r u ok", "k thanks", "c u", "b there", "x").
_TEXTED_LETTERS = frozenset({"i", "a", "u", "n", "r", "y", "c", "b", "x", "o", "k", "m"})
_TEXTED_BESIDE_A_NAME = _TEXTED_LETTERS - {"k", "m"}  # "K Thomson" is an initial, "ME N DECLAN" is not
# After these a capitalised word no dictionary knows is the name of a children's house: "Springhill children's house".
_A_HOME = frozenset({"house", "unit", "children's", "cottage", "lodge", "residential"})
# After these in lower case a following word is a name only if it reads as one ("i miss going out").
_WEAK_TITLES = frozenset({"miss", "ms", "dr"})
# People in a young person's life: the word after is often who they are ("my sw Grace", "ma auntie roisin").
_ROLES = frozenset(
    {"worker", "sw", "keyworker", "carer", "mum", "dad", "mam", "maw", "da", "brother", "sister",
     "bro", "sis", "cousin", "auntie", "aunty", "aunt", "uncle", "gran", "granny", "grandad", "grandma", "nana",
     "papa", "pal", "mate", "friend", "bestie", "bezzie", "bf", "gf", "boyfriend",
     "girlfriend", "partner", "teacher", "advocate", "counsellor", "advisor", "adviser", "manager", "boss",
     "neighbour", "flatmate", "nephew", "niece", "son", "daughter", "wean", "lecturer",
     "tutor", "coach", "interpreter", "mentor", "therapist", "nurse", "doctor", "officer"}
)  # fmt: skip
# Words after which the next word is named: "a girl called hope", "me n grace", "with kasia".
_NAMING = frozenset({"called", "named", "cried", "calld", "callt"})
_ME_AND = frozenset({"and", "n", "an", "&"})
# What people do after their name, which a word like "hope" or "will" rarely does: "Grace said", "Rose at the unit".
_AFTER_A_NAME = frozenset(
    {"said", "says", "sayin", "saying", "texted", "text", "texts", "messaged", "phoned", "phones", "rang", "rings",
     "called", "calls", "told", "tells", "asked", "asks", "came", "comes", "come", "helped", "helps", "took",
     "takes", "gave", "gives", "got", "gets", "is", "was", "has", "had", "from", "at", "and", "n", "&", "an",
     "who", "wants", "wanted", "thinks", "thought", "knows", "knew", "lives", "stays", "works", "lent",
     "taught", "found", "sorted", "made", "makes", "left", "moved", "keeps", "kept", "never", "always", "still",
     "just", "didnt", "didn't", "doesnt", "doesn't", "isnt", "isn't", "wasnt", "wasn't", "cant", "can't", "wont",
     "won't", "went", "goes", "shouted", "brought", "brings", "picked", "play", "plays", "runs", "ran", "broke",
     "sent", "sends"}
)  # fmt: skip
# Before a word like "hope" or "summer", these make it the word: "I hope", "the summer", "all faith".
_MAKES_A_WORD = frozenset(
    {"i", "you", "u", "we", "they", "he", "she", "it", "ye", "yous", "the", "a", "an", "this", "that", "these",
     "those", "last", "next", "every", "some", "any", "no", "all", "of", "our", "your", "their", "his", "its",
     "what", "such", "much", "more", "most", "less", "so", "very", "too", "in", "for", "by", "with", "without",
     "lost", "have", "has", "had", "give", "gave", "got", "get", "bad", "good", "phone", "full",
     "real", "hope", "will", "to", "not", "never", "may", "might", "would", "should", "could", "can", "cant",
     "can't", "gonna", "wanna", "do", "dont", "don't", "did", "didnt", "didn't", "there", "is", "was", "be"}
)  # fmt: skip
# A word that is a verb as often as a name: after a role it is a name only when a name's verb follows ("my key
# worker will phone u" is a promise, "my key worker Will is off sick" a man).
_MODALS = frozenset({"will", "may", "can", "mark", "bill", "pat", "sue", "rob", "jack", "don", "hope"})
_TAGS_NOT_NAMES = frozenset(
    {"CC", "IN", "DT", "PRP", "PRP$", "MD", "TO", "WDT", "WP", "WP$", "WRB", "EX", "PDT", "RP", "UH", "CD"}
)


def _names(text: str) -> str:
    tokens = list(_TOKEN.finditer(text))
    if not tokens:
        return text
    words = [_Word.of(match, text, i, tokens) for i, match in enumerate(tokens)]
    names = [_name_alone(words, i) for i in range(len(words))]
    # A name next to a name: "Kirsty Brown", "Grace Mwangi", "Faith and Hope", "shannon mcguire".
    changed = True
    while changed:
        changed = False
        for i in range(len(words)):
            if not names[i] and _beside_a_name(words, names, i):
                names[i] = changed = True
    for i in reversed(range(len(words))):  # from the right: "J K Rowling"
        if len(words[i].lower) == 1 and not names[i]:
            names[i] = _initial(text, words, names, i)
    out: list[str] = []
    last = 0
    for word, name in zip(words, names, strict=True):
        if name:
            out.append(text[last : word.start])
            out.append("[name]")
            last = word.end
    out.append(text[last:])
    return "".join(out)


class _Word:
    """One word of the message and what its place says: the word without a possessive, in lower case; whether it
    has a capital; whether a sentence starts with it; the words before and after."""

    __slots__ = (
        "after", "before", "before2", "capital", "end", "lower", "placeholder", "role_ahead", "shouting", "start",
        "starts", "suffix",
    )  # fmt: skip

    def __init__(self) -> None:
        self.lower = self.suffix = self.before = self.before2 = self.after = ""
        self.start = self.end = 0
        self.capital = self.starts = self.placeholder = self.role_ahead = self.shouting = False

    @classmethod
    def of(cls, match: re.Match[str], text: str, i: int, tokens: list[re.Match[str]]) -> _Word:
        word = cls()
        raw = match.group(0)
        possessive = _POSSESSIVE.search(raw) if len(raw) > 3 else None
        core = raw[: possessive.start()] if possessive else raw
        word.suffix = raw[len(core) :]
        word.start, word.end = match.start(), match.start() + len(core)
        word.lower = core.lower().replace("’", "'")
        word.placeholder = raw.startswith("[")
        word.shouting = len(core) > 1 and core.isupper()
        word.capital = core[:1].isupper() and not word.shouting
        between = text[tokens[i - 1].end() : match.start()] if i else text[: match.start()]
        word.starts = i == 0 or _SENTENCE_BREAK.search(between) is not None
        word.before = tokens[i - 1].group(0).lower() if i and not word.starts else ""
        word.before2 = tokens[i - 2].group(0).lower() if i > 1 and word.before else ""
        if i + 1 < len(tokens) and not _SENTENCE_BREAK.search(text[match.end() : tokens[i + 1].start()]):
            word.after = tokens[i + 1].group(0).lower()
            word.role_ahead = any(t.group(0).lower() in _ROLES for t in tokens[i + 2 : i + 5])
        return word


def _name_alone(words: list[_Word], i: int) -> bool:
    """Whether the word is a name from itself and the words around it (not yet from the names beside it)."""
    word = words[i]
    lower = word.lower
    if word.placeholder or len(lower) < 2 or word.before in {"st", "saint"} or (lower, word.after) in _LANDMARKS:
        return False  # "St Patrick's Day", "George Square"
    known = _gazetteer()
    if word.before in _TITLES:
        if _function_word(lower) or lower in _KNOWN:
            return False
        return word.capital or word.before not in _WEAK_TITLES or _reads_as_name(lower, known)
    if lower in _KNOWN or lower in _NOT_NAMES or lower in known.places:
        return False
    if word.suffix and (lower + "s" in _NOT_NAMES or lower + "s" in known.places):
        return False  # "McDonald's"
    if lower in known.names or _hyphenated_name(lower, known):
        return word.capital or word.before not in {"a", "an", "the"}
    if lower in known.words:
        return _word_is_a_name(word)
    if _function_word(lower):
        return False
    if word.before in _NAMING and (word.capital or _lexicon_name(lower) or not _ordinary(lower)):
        return True  # "my nephew is called Leo"
    role = word.before in _ROLES or word.before in _NAMING or (word.before in _ME_AND and word.before2 == "me")
    if word.capital:
        if not word.starts:
            return _capital_in_a_sentence(word, role)
        # Any word has a capital here: a name if the lexicon knows it only as one ("Sarah"), or if it is no word
        # and a name's verb or a surname follows ("Oluwaseun came to my panel", "Tendai from advocacy"), or it is
        # someone's ("Kezza's the only one"), or a role or a children's house follows ("Fi my throughcare worker",
        # "Springhill children's house").
        if _lexicon_name(lower):
            return True
        return not _ordinary(lower) and (
            word.after in _AFTER_A_NAME
            or _verb(word.after)
            or bool(word.suffix)
            or (word.after in {"my", "ma"} and word.role_ahead)
            or word.after in _A_HOME
        )
    if word.before in {"a", "an", "the"}:
        return False  # "a victoria sponge"
    if role and not _ordinary(lower) and not _VERB_ENDING.search(lower):
        return True  # "my sw ailsa", "me n chidi"
    return role and _lexicon_name(lower) and normalise(lower) == lower


def _capital_in_a_sentence(word: _Word, role: bool) -> bool:
    """A capitalised word inside a sentence: a name if no dictionary knows it, if the lexicon knows it only as a
    name ("Sister Mary", "wi Sutherland"), or if it is a thing's name after a role ("me n Storm")."""
    lower = word.lower
    if not _ordinary(lower):
        return True
    if _lexicon_name(lower) and word.before not in {"a", "an", "the"}:
        return True
    return role and (_lexicon().get(lower) or "").startswith(("NN", "JJ")) and word.before not in {"a", "an", "the"}


def _initial(text: str, words: list[_Word], names: list[bool], i: int) -> bool:
    """A single letter that stands for a name: after a title ("mr k", "Ms R"), or a capital beside a name ("J.
    Smith", "K Thomson", "Mikey G"). "miss u", "me n him" and "Kyle n I" are no initials."""
    word = words[i]
    letter = text[word.start : word.end]
    if word.before in _TITLES:
        if letter.isupper():
            return letter not in {"I", "A"}
        return letter not in (_TEXTED_LETTERS if word.before in _WEAK_TITLES else {"i", "a", "u", "n"})
    if not letter.isupper() or letter in {"I", "A"}:
        return False
    if letter.lower() in _TEXTED_BESIDE_A_NAME and not text.startswith(".", word.end):
        return False  # "ME N DECLAN"
    after = text[word.end : words[i + 1].start] if i + 1 < len(words) else ""
    before = text[words[i - 1].end : word.start] if i else ""
    if i + 1 < len(words) and names[i + 1] and after.strip() in {"", "."} and len(after) <= 2:
        return True  # "J. Smith", "K Thomson"
    return i > 0 and names[i - 1] and before == " " and after.strip()[:1] not in {"'", "’"}  # "Mikey G"


def _word_is_a_name(word: _Word) -> bool:
    """A name that is also a word ("Grace", "hope", "Will", "Brown"), read from the words around it."""
    if word.before in _NAMING:
        return True  # "a girl called hope"
    if word.capital and not word.starts and word.before in {"to", "with", "for"}:
        return True  # "went to Daisy's", "ask for Shell", "out with Grace"
    if word.before in _MAKES_A_WORD or (word.starts and word.after in {"you", "u", "ye", "it", "i", "so"}):
        return False
    if word.suffix and (word.capital or word.starts):
        return True  # "Amber's mum", "Jack's mum"
    if word.lower in _MODALS and word.after and word.after not in _AFTER_A_NAME:
        return False  # "my key worker will phone", "Mark my words", "will my sw be there"
    if word.after in {"my", "ma"} and word.role_ahead:
        return word.capital or word.starts  # "Faith my advocate came"
    role = word.before in _ROLES or (word.before in _ME_AND and word.before2 == "me")
    if role:
        # "my mum burns me": after a role, a word the lexicon knows as a verb or a plural is what they do
        tag = _lexicon().get(word.lower) or ""
        return word.capital or not (tag.startswith("VB") or tag == "NNS")
    if word.capital and not word.starts:
        return True  # "the only one is Grace", "Thanks to Holly"
    return (word.capital or word.starts) and word.after in _AFTER_A_NAME


def _beside_a_name(words: list[_Word], names: list[bool], i: int) -> bool:
    word = words[i]
    lower = word.lower
    if word.placeholder or len(lower) < 2 or lower in _KNOWN or _function_word(lower):
        return False
    known = _gazetteer()
    if lower in known.places and not word.capital:
        return False
    after_name = i > 0 and names[i - 1] and not word.starts and word.before == words[i - 1].lower + words[i - 1].suffix
    before_name = i + 1 < len(words) and names[i + 1] and not words[i + 1].starts and words[i + 1].before
    # In a message all in capitals a word-name is read as the word: "HAPPY BIRTHDAY CHLOE LOVE U"
    surname = lower in known.names if word.shouting else lower in known.surnames or lower in known.words
    surname = surname or _surname_shape(lower)
    if after_name and (surname or (word.capital and not _ordinary(lower) and lower not in known.places)):
        return True  # "Kirsty Brown", "dominika wiśniewska"
    if before_name and (lower in known.words or lower in known.first) and (word.capital or word.starts):
        return lower not in known.places and word.before not in _MAKES_A_WORD  # "Grace Mwangi", "Jasmine Nowak"
    if before_name and word.capital and not _ordinary(lower) and lower not in known.places:
        return True  # "Kaitlyn Docherty" at the start of a sentence
    # "Faith and Hope", "Bill and Ben": a word-name joined to a name
    joined = i > 1 and names[i - 2] and word.before in _ME_AND
    joined = joined or (i + 2 < len(words) and names[i + 2] and word.after in _ME_AND)
    if not joined or lower in known.places:
        return False
    if word.capital:
        return lower in known.words or (_lexicon().get(lower) or "").startswith("NN")  # "Smithy n Broony"
    if lower in known.words and word.before in _ME_AND:
        return True
    return lower in known.first and lower not in _MODALS and not _verb(lower)  # "lily n harvey", not "rose n fell"


def _hyphenated_name(lower: str, known: _Gazetteer) -> bool:
    """ "marie-claire", "ellie-mae", "Wallace-Boyd", "Tayla-Rae": a name joined to another."""
    parts = lower.split("-")
    if len(parts) < 2 or any(len(part) < 2 for part in parts):
        return False
    return parts[0] in known.everyone or (parts[-1] in known.everyone and not _ordinary(parts[0]))


def _function_word(lower: str) -> bool:
    return _lexicon().get(lower) in _TAGS_NOT_NAMES


def _verb(lower: str) -> bool:
    tag = _lexicon().get(lower)
    return tag is not None and tag.startswith("VB") and tag != "VBG"


def _surname_shape(lower: str) -> bool:
    """ "mcguire", "macleod", "o'neill": Scottish and Irish surnames have a shape of their own."""
    return (
        (lower.startswith(("mc", "o'")) and len(lower) > 4) or (lower.startswith("mac") and len(lower) > 6)
    ) and not _ordinary(lower)


def _reads_as_name(lower: str, known: _Gazetteer) -> bool:
    return lower in known.names or lower in known.words or _lexicon_name(lower) or not _ordinary(lower)


def _lexicon() -> Any:
    return pattern_english().lexicon


def _lexicon_name(lower: str) -> bool:
    """The tagger's lexicon knows the word only as a proper noun ("Sarah")."""
    lexicon = _lexicon()
    return lexicon.get(lower) is None and lexicon.get(lower.capitalize()) == "NNP" and lower not in _NOT_NAMES


def _ordinary(lower: str) -> bool:
    """A word of the language (or of young people's texting), not a name."""
    if lower in _NOT_NAMES or lower in _KNOWN:
        return True
    known = _gazetteer()
    if lower in known.names or lower in known.surnames:
        return False
    if _lexicon().get(lower) is not None or lower in _spelling() or normalise(lower) != lower:
        return True
    # "hasnt", "they're", "ah've": a word and a short form of "not", "are", "have", "will"
    contraction = _CONTRACTION.search(lower)
    return contraction is not None and contraction.start() > 0 and _ordinary(lower[: contraction.start()])


@lru_cache(maxsize=1)
def _spelling() -> frozenset[str]:
    """Words TextBlob's spelling list has seen at least five times (names it has seen fewer times)."""
    path = Path(str(pattern_english().__file__)).with_name("en-spelling.txt")
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit() and int(parts[1]) >= 5:
            words.add(parts[0])
    return frozenset(words)


class _Gazetteer:
    """`names.jsonl`: first names, surnames, names that are also words, and places. ``names`` are the first names
    and surnames that are names wherever they stand; ``words`` those the lexicon also knows as words."""

    def __init__(self, lists: dict[str, frozenset[str]]) -> None:
        lexicon = _lexicon()
        self.first = lists["first"]
        self.surnames = lists["surname"]
        self.places = lists["place"]
        self.everyone = self.first | self.surnames
        everyone = self.everyone - _KNOWN
        self.words = frozenset(
            {n for n in everyone if lexicon.get(n) is not None and n not in lists["name"]} | lists["word"]
        )
        self.names = frozenset(everyone - self.words)


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    lists = {row["kind"]: frozenset(row["names"]) for row in load_rows("names.jsonl")}
    return _Gazetteer(lists)


_CONTRACTION = re.compile(r"(?:n't|nt|'ll|'re|'ve|'d|'m|'s)$")
# After a role, a word ending like a verb is what they did ("my big brother chokes me"), not who they are.
_VERB_ENDING = re.compile(r"(?:s|ed|erd|ing|in|nae|n't)$")

"""A copy of a message safe to quote: names, phone numbers, emails, addresses and school names taken out.

Quotes reach the Champions Board, whose members are young people who may know the young person. Removing too much
costs a little readability; leaving a name in can out someone, so the rules lean towards removing.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
_PHONE = re.compile(r"(?<![\w])\+?\d[\d\s\-()]{6,}\d(?![\w])")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
_STREET = (
    r"(?:street|st|road|rd|avenue|ave|drive|dr|crescent|cres|court|ct|place|pl|gardens|gdns|terrace|lane|way|grove"
    r"|park|view|square|wynd|brae|loan|close|walk|row|quadrant)"
)
_ADDRESS = re.compile(rf"\b\d{{1,4}}[a-z]?,?\s+(?:[A-Za-z']+\s+){{1,3}}{_STREET}\b\.?", re.IGNORECASE)
_NAMED_STREET = re.compile(rf"\b(?:[A-Z][a-z']+\s+){{1,2}}{_STREET}\b", re.UNICODE)
_SCHOOL = re.compile(
    r"\b(?:st\.?\s+)?(?:[A-Z][\w']+\s+){1,3}(?i:high school|high|academy|primary school|primary|grammar|secondary"
    r"|college|school)\b",
)
_SAINTS_SCHOOL = re.compile(r"\bst\.?\s+[a-z']+(?:'s)?\s+(?:high|academy|primary|school|secondary)\b", re.IGNORECASE)
# Words after which a young person often writes a name: "my sw sarah", "ma pal jamie".
_BEFORE_NAME = re.compile(
    r"\b(?:my|ma|our|the|called|named|with|and|tell|told|ask|asked|see|saw|from)\s+"
    r"(?:(?:social\s+)?worker|sw|key\s*worker|carer|foster\s+(?:mum|dad|carer)|teacher|pal|friend|mate|boyfriend"
    r"|girlfriend|bf|gf|brother|sister|cousin|advocate|counsellor|manager)?\s*([A-Za-z][a-z']+)\b",
    re.IGNORECASE,
)
# Capitalised words that are not names: places, services, days and months young people mention.
_NOT_NAMES = frozenset(
    {"i", "i'm", "i've", "i'd", "i'll", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
     "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
     "december", "christmas", "easter", "scotland", "glasgow", "edinburgh", "hamilton", "clydesdale", "lanark",
     "east", "kilbride", "rutherglen", "cambuslang", "south", "lanarkshire", "champions", "board", "childline",
     "samaritans", "camhs", "nhs", "council", "english", "maths", "science", "history", "tiktok", "snapchat",
     "instagram", "facebook", "whatsapp", "xbox", "playstation", "mcdonalds", "asda", "tesco", "universal", "credit",
     "promise", "ok", "okay", "lol", "omg", "sw", "yp", "cp", "uc", "gp", "a&e"}
)  # fmt: skip
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z']{1,}\b")


def redact(text: str) -> str:
    """`text` with identifying details replaced by [name], [phone], [email], [address], [postcode], [school]."""
    out = _EMAIL.sub("[email]", text)
    out = _URL.sub("[link]", out)
    out = _ADDRESS.sub("[address]", out)
    out = _POSTCODE.sub("[postcode]", out)
    out = _PHONE.sub("[phone]", out)
    out = _SAINTS_SCHOOL.sub("[school]", out)
    out = _SCHOOL.sub(_school, out)
    out = _NAMED_STREET.sub("[address]", out)
    out = _BEFORE_NAME.sub(_name_after, out)
    return _CAPITALISED.sub(_capitalised_name, out)


def _school(match: re.Match[str]) -> str:
    words = match.group(0).split()
    # "my school", "the college": a school's own name starts with a capitalised word that is not an ordinary one.
    if words[0].lower() in {"my", "the", "a", "at", "to", "this", "our", "new", "old", "high", "st", "st."}:
        return match.group(0)
    return "[school]"


def _unknown(word: str) -> bool:
    from textblob.en import lexicon  # here, not at import (`phrases._tagged` says why)

    lower = word.lower()
    return lower not in _NOT_NAMES and lower not in lexicon and lower.rstrip("'s") not in lexicon


def _name_after(match: re.Match[str]) -> str:
    word = match.group(1)
    if not _unknown(word):
        return match.group(0)
    return match.group(0)[: match.start(1) - match.start(0)] + "[name]"


def _capitalised_name(match: re.Match[str]) -> str:
    word = match.group(0)
    return "[name]" if _unknown(word) else word

"""Help numbers a young person can tap to call: "Childline 0800 1111, Samaritans 116 123, ..." (HELP_NUMBERS, one
configurable string) with each phone number in it a `tel:` link.

The text is escaped; the only markup is the links built here. A number is a run of digit groups that the phone
number rules (`phonenumbers`, UK) call a valid number or a valid short number (999, 111, 116 123), so the name
in "NHS 24 111" stays text and only 111 is a link. "Text SHOUT to 85258" gets an `sms:` link instead: that number
takes texts, not calls.

The service's own number (`texting`) is a link too, to text a keyword to it: "Text HELP to 07700 900999".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

import phonenumbers
from markupsafe import Markup, escape
from phonenumbers import shortnumberinfo

REGION = "GB"
# Digit groups separated by single spaces or hyphens, not part of a word: "0800 83 85 87", "116-123", "+44 ...".
_RUN = re.compile(r"(?<![\w+])\+?\d+(?:[ -]\d+)*(?!\w)")
_GROUPS = re.compile(r"([ -])")
# "Text SHOUT to 85258": the number just after asks for a text.
_TEXT_TO = re.compile(r"\b(?:text|txt)\b[^.,;:()]*\bto\s*$", re.IGNORECASE)


def phone_links(text: str | None) -> Markup:
    """`text` escaped, with each phone number in it a link to call (or text) it. Plain text in, never markup: a
    string already marked safe is escaped like any other."""
    return _linked(str(text or ""))


@lru_cache(maxsize=32)
def _linked(text: str) -> Markup:
    # The help numbers are one setting: the same few strings, every page.
    parts: list[str] = []
    last = 0
    for run in _RUN.finditer(text):
        parts.append(escape(text[last : run.start()]))
        parts.extend(_numbers_in(run.group(), texted=bool(_TEXT_TO.search(text[: run.start()]))))
        last = run.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def _numbers_in(run: str, *, texted: bool) -> list[str]:
    """The longest valid numbers in a run of digit groups, from the left, as links; the other groups as text."""
    pieces = _GROUPS.split(run)  # groups at even places, their separators between
    groups = pieces[0::2]
    out: list[str] = []
    start = 0
    while start < len(groups):
        end = next((end for end in range(len(groups), start, -1) if _valid("".join(groups[start:end]))), None)
        if start:
            out.append(escape(pieces[2 * start - 1]))  # the separator before this group
        if end is None:
            out.append(escape(groups[start]))
            start += 1
            continue
        shown = "".join(pieces[2 * start : 2 * end - 1])
        scheme = "sms" if texted else "tel"
        out.append(Markup('<a href="{}:{}">{}</a>').format(scheme, "".join(groups[start:end]), shown))
        start = end
    return out


def _valid(digits: str) -> bool:
    try:
        number = phonenumbers.parse(digits, REGION)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) or shortnumberinfo.is_valid_short_number_for_region(number, REGION)


@dataclass(frozen=True)
class TextTo:
    """A number to text a word to, as a page shows it ("07700 900999") and as a link that opens the phone's messages
    with the word written in (`sms:`; `?&body=` is read by Android and iPhone alike)."""

    shown: str
    href: str


def texting(number: str | None, word: str) -> TextTo | None:
    """The service's number (TWILIO_FROM_NUMBER) to text `word` to; None when there is none (the service sends from a
    Twilio Messaging Service) or it cannot be read: a page then names the number that sent the young person's link."""
    if not number:
        return None
    try:
        parsed = phonenumbers.parse(number, REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):  # possible, not "valid": Ofcom's drama numbers are in tests
        return None
    home = phonenumbers.region_code_for_number(parsed) in {REGION, None}
    style = phonenumbers.PhoneNumberFormat.NATIONAL if home else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    shown = phonenumbers.format_number(parsed, style)
    dialled = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return TextTo(shown=shown, href=f"sms:{dialled}?&body={quote(word)}")

"""The words a young person can text to control the service, whatever they are doing.

Matched against the whole message (trimmed, any case, surrounding punctuation ignored), as carriers and Twilio
do: "stop" opts out, "stop moving me" is an answer. A clear wish to stop in the young person's own words ("stop
texting me pls", "leave me alone") is recognised too (`wants_to_stop`), again only as the whole message.
"""

from __future__ import annotations

import re
import string

STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
START_WORDS = frozenset({"START", "UNSTOP", "YES"})
HELP_WORDS = frozenset({"HELP", "INFO"})
SKIP_WORD = "SKIP"

# Survey keywords may not take these: they already mean something, or are common answers.
RESERVED_KEYWORDS = STOP_WORDS | START_WORDS | HELP_WORDS | {SKIP_WORD, "NO", "Y", "N", "OK"}

_EDGES = string.whitespace + string.punctuation + "“”‘’"


def keyword_of(body: str) -> str:
    """The message as a keyword candidate: trimmed, upper case, without surrounding punctuation."""
    return body.strip(_EDGES).upper()


# A wish to stop in a young person's own words: the whole message, give or take a "please" or a "just", so that
# "stop texting me pls" and "STOP TEXTING ME!!" opt out while "I can't stop crying", "stop the bus" and "he won't
# leave me alone" (someone else is the subject) never do. Text-speak and Scots spellings are written in.
_TEXTING = (
    r"(?:texting|textin|texing|txting|txtin|txt|text|messaging|messagin|msging|msgin|msg|message|contacting"
    r"|contact|sending|send)"
)
_TEXTS = r"(?:texts|text|txts|txt|messages|msgs|msg)"
_THESE = r"(?:(?:all )?(?:the|these|those|your|ur|yer|any|any more|anymore) )"
_AGAIN = r"(?:again|ever again|anymore|any more|nae mair|no more)"
_WISHES = (
    rf"(?:stop|quit) {_TEXTING}(?: (?:me|us))?(?: {_THESE}?{_TEXTS})?(?: {_AGAIN})?",
    rf"(?:stop|no more) {_THESE}?{_TEXTS}",
    rf"(?:dont|do not|dinnae|dinny|dinna|never) {_TEXTING} (?:me|us)(?: {_THESE}?{_TEXTS})?(?: {_AGAIN})?",
    rf"(?:i )?(?:dont|do not|dinnae) want {_THESE}?{_TEXTS}(?: {_AGAIN})?",
    r"(?:just )?leave (?:me|us) alone",
    r"unsubscribe (?:me|us)",
    r"(?:remove|take) (?:me|us) (?:off|out of|from)(?: (?:this|that|the|your|ur|it|yer))?(?: list| thing| number)?",
    r"opt (?:me |us )?out",
)
# What may come before and after: politeness, a greeting, insistence; nothing that names anyone else.
_BEFORE = (
    r"(?:(?:please|pls|plz|plez|can you|can u|could you|could u|will you|will u|just|ok|okay|oi|hi|hey|hiya|now"
    r"|seriously|i said|i told you|so) )*"
)
_AFTER = r"(?: (?:please|pls|plz|plez|now|thanks|thank you|thankyou|thx|ta|ok|okay|x+|again|anymore|any more))*"
_WISH = re.compile(rf"{_BEFORE}(?:{'|'.join(_WISHES)}){_AFTER}")
_APOSTROPHES = re.compile(r"['‘’`]")
_NOT_WORDS = re.compile(r"[^a-z0-9]+")


def wants_to_stop(body: str) -> bool:
    """Whether the whole message asks, in the young person's own words, for the texts to stop. The caller still asks
    the safeguarding screen first: "stop texting me or I'll hurt myself" is a risk, not an opt-out."""
    words = _NOT_WORDS.sub(" ", _APOSTROPHES.sub("", body.lower())).strip()
    return bool(words) and _WISH.fullmatch(words) is not None

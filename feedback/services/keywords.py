"""The words a young person can text to control the service, whatever they are doing.

Matched against the whole message (trimmed, any case, surrounding punctuation ignored), as carriers and Twilio
do: "stop" opts out, "stop moving me" is an answer.
"""

from __future__ import annotations

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

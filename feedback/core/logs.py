"""Logging that never carries a message body, a phone number or a personal link.

Code here never logs bodies or numbers; this filter is the second line of defence for everything else (a
library's error message, a traceback, a request line): anything shaped like a phone number is masked before it
is written, and so is the token of a personal link (it opens a young person's page).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

# A run of digits, perhaps with a leading + and spaces, dashes or brackets between them...
PHONE_LIKE = re.compile(r"\+?\d[\d\s\-()]{6,}\d")
# ...with at least nine digits: every UK number has ten or more, and a date (20261122) has eight.
MIN_DIGITS = 9
MASK = "[number removed]"
# The token in /me/<token> and /s/<slug>/<token>: 22 URL-safe characters (shorter parts, like /q/ or /done, stay).
LINK_TOKEN = re.compile(r"(/me/|/s/[a-z0-9-]+/)[A-Za-z0-9_-]{16,64}")


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _mask(match: re.Match[str]) -> str:
    found = match.group(0)
    if ISO_DATE.match(found) or sum(c.isdigit() for c in found) < MIN_DIGITS:
        return found
    return MASK


def redact(text: str) -> str:
    return LINK_TOKEN.sub(r"\1[link removed]", PHONE_LIKE.sub(_mask, text))


class RedactingFilter(logging.Filter):
    """Masks phone numbers in the final text of a record, its arguments and any traceback included."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
            record.exc_text = None
        record.msg = redact(message)
        record.args = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line, for a log collector: time (UTC), level, logger, process and the (redacted)
    message. The redacting filter has already run on the message and any traceback."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname,
                "logger": record.name,
                "process": record.process,
                "message": record.getMessage(),
            },
            ensure_ascii=False,
        )


TEXT_FORMAT = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
FORMATS = ("text", "json")


def configure(level: int = logging.INFO, fmt: str = "text") -> None:
    """Attach the redacting filter to every handler of the root logger (adding one, in `fmt`, if there is none)."""
    root = logging.getLogger()
    if not root.handlers:
        stream = logging.StreamHandler()
        stream.setFormatter(JsonFormatter() if fmt == "json" else TEXT_FORMAT)
        root.addHandler(stream)
        root.setLevel(level)
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())
    # The twilio client logs request details at INFO.
    logging.getLogger("twilio").setLevel(logging.WARNING)

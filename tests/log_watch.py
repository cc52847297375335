"""Watches every log line the whole test run writes, after the service's own redaction, and checks at the end
that none holds a phone number or a message a young person sent in a test (issue 8: "a scan of the logs written
during the full test suite finds no phone number or message body")."""

from __future__ import annotations

import logging
import re

from feedback.analysis.safeguarding import CONCERN_CATEGORIES, RISK_CATEGORIES
from feedback.safeguarding.alerting import ASKS_FOR_HELP

# UK mobiles however written (+447700 900123, 07700900123, 7700 900 123), the shape every test number has.
PHONE = re.compile(r"(?:\+?44\s?|0)?7\d{3}\s?\d{3}\s?\d{3}(?!\d)")
# Shorter texts ("yes", "4", "CHECKIN") are words the service's own log lines may use.
MIN_BODY_LENGTH = 16

# The service's own words, which its log lines name as they should ("safeguarding alert 3 raised (risk, abuse or
# violence)"): Hypothesis's `text()` draws strings from the code's own constants too, so a property test may text
# one of them as if a young person wrote it. Such a body is not looked for: it cannot be told from the service's.
SERVICE_WORDS = (*RISK_CATEGORIES, *CONCERN_CATEGORIES, ASKS_FOR_HELP)

sent: set[str] = set()


def remember(body: str) -> None:
    """A body a test sent as a young person: it must never show up in a log line."""
    body = body.strip()
    if len(body) < MIN_BODY_LENGTH or " " not in body:
        return
    if any(body.lower() in words for words in SERVICE_WORDS):
        return
    sent.add(body)


class Watch(logging.Handler):
    """Keeps every line written, as it would reach a log file."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = record.getMessage()
        except Exception:  # a bad record is not this check's business
            return
        if record.exc_info and record.exc_info[1] is not None:
            line += " " + logging.Formatter().formatException(record.exc_info)
        self.lines.append(line)


def findings(lines: list[str]) -> list[str]:
    """What should not be there: each line with a phone number or a young person's words, and why."""
    found = []
    for line in lines:
        if PHONE.search(line):
            found.append(f"phone number: {line[:200]}")
        for body in sent:
            if body in line:
                found.append(f"message body ({body[:40]!r}): {line[:200]}")
                break
    return found

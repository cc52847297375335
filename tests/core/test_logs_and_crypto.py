"""No phone number in a log line; encryption and lookup hashes of identifiers."""

from __future__ import annotations

import json
import logging

import pytest

from feedback.config import ConfigurationError, from_environment
from feedback.core.crypto import Cipher, DecryptionError
from feedback.core.logs import JsonFormatter, RedactingFilter, redact


@pytest.mark.parametrize(
    "text",
    ["+447700900123", "07700 900123", "07700-900-123", "(0141) 555 0123", "tel:+44 7700 900 123"],
)
def test_phone_numbers_are_masked(text: str) -> None:
    assert "900" not in redact(f"sending to {text} failed") or "0141" in text
    assert "[number removed]" in redact(f"sending to {text} failed")


def test_ids_and_dates_are_left_alone() -> None:
    assert redact("message 12345 on 2026-11-23 (attempt 2)") == "message 12345 on 2026-11-23 (attempt 2)"


def test_personal_link_tokens_are_masked_in_request_lines() -> None:
    line = '"GET /me/H9_aQ_n2KX4otNV5KGYpXQ HTTP/1.1" 200 and "POST /s/monthly-checkin/Ab3-dE5_gH7iJ9kL1mN3pQ/q/2"'
    masked = redact(line)
    assert "H9_aQ_n2KX4otNV5KGYpXQ" not in masked and "Ab3-dE5_gH7iJ9kL1mN3pQ" not in masked
    assert "/me/[link removed]" in masked and "/s/monthly-checkin/[link removed]/q/2" in masked
    assert redact("GET /s/monthly-checkin/q/2 and /s/monthly-checkin/done") == (
        "GET /s/monthly-checkin/q/2 and /s/monthly-checkin/done"
    )


def test_the_filter_masks_arguments_and_tracebacks() -> None:
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed for %s", ("+447700900123",), None)
    try:
        raise ValueError("The 'To' number +447700900123 is not valid")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    RedactingFilter().filter(record)
    text = record.getMessage()
    assert "7700900123" not in text
    assert "is not valid" in text


def test_structured_logs_are_one_json_object_a_line_with_nothing_personal() -> None:
    record = logging.LogRecord("feedback.x", logging.WARNING, __file__, 1, "failed for %s", ("+447700900123",), None)
    RedactingFilter().filter(record)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["level"] == "WARNING" and parsed["logger"] == "feedback.x"
    assert parsed["message"] == "failed for [number removed]"
    assert parsed["time"].endswith("+00:00")


def test_a_log_format_that_does_not_exist_stops_the_start() -> None:
    with pytest.raises(ConfigurationError, match="LOG_FORMAT must be one of text, json"):
        from_environment({"LOG_FORMAT": "xml"}, "/tmp")


def test_encryption_round_trips_and_is_not_deterministic() -> None:
    cipher = Cipher("a key of some length for testing only")
    first, second = cipher.encrypt("07700 900123"), cipher.encrypt("07700 900123")
    assert first != second
    assert cipher.decrypt(first) == "07700 900123"


def test_another_key_cannot_read_the_text() -> None:
    token = Cipher("one key for testing only").encrypt("secret")
    with pytest.raises(DecryptionError):
        Cipher("another key for testing only").decrypt(token)


def test_lookup_hashes_are_stable_keyed_and_not_the_plain_hash() -> None:
    import hashlib

    one, other = Cipher("one key for testing only"), Cipher("another key for testing only")
    assert one.lookup_hash("+447700900123") == one.lookup_hash("+447700900123")
    assert one.lookup_hash("+447700900123") != other.lookup_hash("+447700900123")
    assert one.lookup_hash("+447700900123") != hashlib.sha256(b"+447700900123").hexdigest()


def test_the_log_watch_would_catch_a_number_or_a_young_persons_words() -> None:
    from tests import log_watch

    log_watch.remember("nobody at my placement listens to me")
    assert log_watch.findings(["reply to 07700 900123 failed"]) == ["phone number: reply to 07700 900123 failed"]
    assert log_watch.findings(["handled: nobody at my placement listens to me"])
    assert log_watch.findings(["message 12345 on 2026-11-23 queued 3"]) == []


def test_the_log_watch_does_not_take_the_services_own_words_for_a_young_persons() -> None:
    """Hypothesis draws text from the code's constants: a property test may text "abuse or violence", which the
    log line of the alert it raises names as its reason, rightly."""
    from tests import log_watch

    log_watch.remember("abuse or violence")
    log_watch.remember("Possible concern (learned words)")
    log_watch.remember("someone hits me when i get home")
    assert log_watch.findings(["safeguarding alert 1 raised (risk, abuse or violence)"]) == []
    assert log_watch.findings(["alert 2 raised (concern, possible concern (learned words))"]) == []
    assert log_watch.findings(["handled: someone hits me when i get home"])  # a young person's words still are

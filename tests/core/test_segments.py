"""SMS segment counting, by the rules of GSM 03.38."""

from __future__ import annotations

import pytest

from feedback.core.segments import count_segments, is_gsm7


@pytest.mark.parametrize(
    ("text", "encoding", "segments"),
    [
        ("", "GSM-7", 1),
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),  # extension characters take two septets
        ("€" * 81, "GSM-7", 2),
        ("é" * 160, "GSM-7", 1),  # é is GSM-7...
        ("ê" * 70, "UCS-2", 1),  # ...ê is not
        ("ê" * 71, "UCS-2", 2),
        ("ê" * 134, "UCS-2", 2),
        ("ê" * 135, "UCS-2", 3),
        ("😀" * 35, "UCS-2", 1),  # an emoji is two UTF-16 units
        ("😀" * 36, "UCS-2", 2),
    ],
)
def test_segments(text: str, encoding: str, segments: int) -> None:
    result = count_segments(text)
    assert (result.encoding, result.segments) == (encoding, segments)


def test_a_curly_apostrophe_leaves_gsm7_and_is_named() -> None:
    result = count_segments("it’s fine")
    assert result.encoding == "UCS-2"
    assert result.non_gsm_characters == ("’",)
    assert is_gsm7("it's fine")

"""How many SMS segments a message costs, by the rules of GSM 03.38 / 3GPP TS 23.038.

A message in the GSM-7 alphabet fits 160 characters in one segment, 153 in each of several (the rest of each is
the concatenation header); characters of the extension table (such as `€`, `[` or `{`) take two. One character
outside GSM-7 (an emoji, a curly apostrophe) turns the whole message into UCS-2: 70 in one segment, 67 in each
of several, counted in UTF-16 code units, so an emoji counts as two.

Young people answer on pay-as-you-go phones: a survey message over two segments costs them and us more, and
curly quotes pasted from a word processor quietly halve the space.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True)
class SegmentCount:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int
    non_gsm_characters: tuple[str, ...] = ()


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def count_segments(text: str) -> SegmentCount:
    """The encoding and number of segments `text` needs as one SMS."""
    if is_gsm7(text):
        units = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        return SegmentCount("GSM-7", units, _segments(units, GSM7_SINGLE, GSM7_PART))
    units = len(text.encode("utf-16-le")) // 2
    outside = tuple(dict.fromkeys(ch for ch in text if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION))
    return SegmentCount("UCS-2", units, _segments(units, UCS2_SINGLE, UCS2_PART), outside)


def _segments(units: int, single: int, part: int) -> int:
    if units <= single:
        return 1
    return -(-units // part)

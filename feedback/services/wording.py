"""What the service says to young people: short, warm and plain, in one place so it can be changed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from feedback.channels.sms.segments import count_segments

# The HELP reply may take two SMS segments, as a survey message may (services/surveys.py); the link to the privacy
# notice goes on the end only when it still fits, so HELP never costs a young person a third text.
HELP_MAX_SEGMENTS = 2


def with_privacy_link(text: str, public_base_url: str | None) -> str:
    """`text` and "Privacy: <PUBLIC_BASE_URL>/privacy" when that still fits in HELP_MAX_SEGMENTS; else `text`."""
    if not public_base_url:
        return text
    linked = f"{text} Privacy: {public_base_url.rstrip('/')}/privacy"
    return linked if count_segments(linked).segments <= HELP_MAX_SEGMENTS else text


@dataclass(frozen=True)
class Wording:
    help: str
    acknowledgement: str
    opted_out: str
    opted_in: str
    already_subscribed: str
    safeguarding: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Wording:
        service = config["SERVICE_NAME"]
        numbers = config["HELP_NUMBERS"]
        return cls(
            help=config.get("HELP_TEXT")
            or with_privacy_link(
                # Short enough that, with the default help numbers, the privacy link fits in two texts.
                f"{service[:1].upper()}{service[1:]}: we ask care experienced young people how to make things "
                f"better. Reply STOP to stop. Talk to someone: {numbers}",
                config.get("PUBLIC_BASE_URL"),
            ),
            acknowledgement=config.get("ACKNOWLEDGEMENT_TEXT")
            or "Thanks, we got your message. The Champions Board reads every one. Reply HELP for help.",
            opted_out=config.get("OPTED_OUT_TEXT")
            or "OK, we won't text you again. If you change your mind, reply START.",
            opted_in=config.get("OPTED_IN_TEXT") or "Welcome back! You'll get our texts again. Reply STOP to stop.",
            already_subscribed=config.get("ALREADY_SUBSCRIBED_TEXT")
            or "You're already getting our texts. Reply STOP to stop.",
            safeguarding=config.get("SAFEGUARDING_TEXT")
            or (f"Thank you for telling us. A worker will read your message soon. If you need help now: {numbers}"),
        )

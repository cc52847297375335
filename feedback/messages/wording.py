"""What the service says to young people: short, warm and plain, in one place so it can be changed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from feedback.core.segments import count_segments
from feedback.people import links

# The HELP reply may take two SMS segments, as a survey message may (feedback/surveys/operations.py); the link to
# the privacy notice goes on the end only when it still fits, so HELP never costs a young person a third text.
HELP_MAX_SEGMENTS = 2
# A reply that carries the help numbers stays within two texts' worth of characters, however the numbers are set.
HELP_REPLY_MAX_CHARACTERS = 320


def with_privacy_link(text: str, public_base_url: str | None) -> str:
    """`text` and "Privacy: <PUBLIC_BASE_URL>/privacy" when that still fits in HELP_MAX_SEGMENTS; else `text`."""
    if not public_base_url:
        return text
    linked = f"{text} Privacy: {public_base_url.rstrip('/')}/privacy"
    return linked if count_segments(linked).segments <= HELP_MAX_SEGMENTS else text


def around_page_link(before: str, after: str, public_base_url: str | None) -> tuple[str, str] | None:
    """`before` and `after` a new link to a young person's own page, when the three fit in HELP_MAX_SEGMENTS with
    any token `links.issue` makes (they are all as long, and GSM-7); else None: then no link is made at all."""
    if not public_base_url:
        return None
    longest = links.page_url(public_base_url.rstrip("/"), "x" * links.TOKEN_LENGTH)
    return (before, after) if count_segments(f"{before}{longest}{after}").segments <= HELP_MAX_SEGMENTS else None


@dataclass(frozen=True)
class Wording:
    help: str
    acknowledgement: str
    opted_out: str
    opted_in: str
    already_subscribed: str
    safeguarding: str
    # The reply to "help me", "I need help", "can someone phone me": a concern alert has gone to a worker.
    help_on_its_way: str
    # HELP's reply to a young person the service knows (`links.help_replies`), as the words either side of a new link
    # to their own page, which takes the privacy link's place (their page links to it); None when the link does not
    # fit in HELP_MAX_SEGMENTS, or PUBLIC_BASE_URL is not set: then HELP never carries one.
    help_around_page_link: tuple[str, str] | None = None
    # With Twilio's Advanced Opt-Out, Twilio answers HELP itself: the link then goes in a text of its own after it.
    page_link_alone: tuple[str, str] | None = None
    public_base_url: str | None = None
    page_link_valid_for: timedelta = timedelta(days=90)

    @property
    def sends_page_links(self) -> bool:
        """Whether HELP from a young person the service knows is answered with a new link to their own page."""
        return self.help_around_page_link is not None

    def with_page_link(self, url: str, *, alone: bool = False) -> str:
        """HELP's reply with this link to their page (`alone`: only the link, after Twilio's own HELP reply)."""
        around = self.page_link_alone if alone else self.help_around_page_link
        if around is None:
            raise ValueError("this wording sends no links to a young person's page")
        before, after = around
        return f"{before}{url}{after}"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Wording:
        service = config["SERVICE_NAME"]
        numbers = config["HELP_NUMBERS"]
        base_url = (config.get("PUBLIC_BASE_URL") or "").rstrip("/") or None
        named = f"{service[:1].upper()}{service[1:]}"
        if config.get("HELP_TEXT"):
            around = around_page_link(f"{config['HELP_TEXT']} Your page: ", "", base_url)
        else:
            around = around_page_link(
                f"{named}: here is a new link to your own page: ",
                f" Reply STOP to stop. Talk to someone: {numbers}",
                base_url,
            )
        return cls(
            help_around_page_link=around,
            page_link_alone=around_page_link("Here is a new link to your own page: ", "", base_url) if around else None,
            public_base_url=base_url,
            page_link_valid_for=timedelta(days=int(config.get("PERSONAL_LINK_DAYS") or 90)),
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
            help_on_its_way=config.get("HELP_ON_ITS_WAY_TEXT") or help_on_its_way(service, numbers),
        )


def help_on_its_way(service: str, numbers: str) -> str:
    """What we say to a young person who asked for help or to be phoned. It says what has been done (a worker has
    been asked to get in touch), never when: the service cannot promise a time. Without the service's name when
    that would make it longer than HELP_REPLY_MAX_CHARACTERS."""
    told = f"thanks for asking. We've asked a worker to get in touch with you. If you need help now: {numbers}"
    named = f"{service[:1].upper()}{service[1:]}: {told}"
    return named if len(named) <= HELP_REPLY_MAX_CHARACTERS else f"{told[:1].upper()}{told[1:]}"

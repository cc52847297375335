"""Pages anyone may open, with no sign-in and no personal link: "You said, we did", what changed because of what
young people told us, and the privacy notice for young people. They show nothing about any young person, so they
need no login and may be shared."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue

from feedback.actions import operations as actions
from feedback.extensions import current_session

from .phone_links import phone_links

bp = Blueprint("public", __name__)
# These pages show help numbers too (the footer at least): tap to call, as on every young person's page.
bp.add_app_template_filter(phone_links, "phone_links")


@bp.get("/you-said-we-did")
def you_said_we_did() -> ResponseReturnValue:
    return render_template(
        "young/you_said_we_did.html",
        groups=actions.by_theme(current_session()),
    )


@bp.get("/privacy")
def privacy() -> ResponseReturnValue:
    """What we keep, who sees it, when we must tell someone, how long we keep it, their rights and how to stop, in
    words a 10-year-old can read (tests/channels/test_plain_english.py). docs/privacy.md is the longer version for
    staff."""
    config = current_app.config
    return render_template(
        "young/privacy.html",
        service_name=config["SERVICE_NAME"],
        help_numbers=config["HELP_NUMBERS"],
        threshold=config["SUPPRESSION_THRESHOLD"],
        words_kept=_how_long(int(config.get("MESSAGE_RETENTION_DAYS", 730))),
        identifier_age=int(config.get("IDENTIFIER_MAX_AGE", 26)),
    )


def _how_long(days: int) -> str:
    """730 as "2 years", 365 as "1 year", anything else in days."""
    years, rest = divmod(days, 365)
    if years and not rest:
        return f"{years} year" if years == 1 else f"{years} years"
    return f"{days} days"

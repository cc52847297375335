"""Pages anyone may open, with no sign-in and no personal link: "You said, we did", what changed because of what
young people told us. They show nothing about any young person, so they need no login and may be shared."""

from __future__ import annotations

from flask import Blueprint, render_template

from feedback.extensions import current_session
from feedback.services import actions

bp = Blueprint("public", __name__)


@bp.get("/you-said-we-did")
def you_said_we_did() -> str:
    return render_template(
        "young/you_said_we_did.html",
        groups=actions.by_theme(current_session()),
        status_words=actions.STATUS_WORDS,
    )

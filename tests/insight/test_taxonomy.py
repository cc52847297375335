"""The theme taxonomy in the browser: add, rename, cue, retire and merge themes without a slug ever changing
meaning; and the emerging phrases that no theme covers yet."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from feedback.accounts import operations as staff
from feedback.core.clock import now
from feedback.extensions import db
from feedback.insight import filing as analysis
from feedback.insight.models import Theme
from tests.conftest import TwilioWebhook
from tests.insight.test_message_analysis import message_with, themes_of

PASSWORD = "a long enough password"


@pytest.fixture
def admin(app: Any) -> Any:
    staff.create_user(db.session, "admin@example.org", PASSWORD, "admin")
    db.session.commit()
    client = app.test_client()
    client.post("/staff/login", data={"email": "admin@example.org", "password": PASSWORD})
    return client


def test_a_new_theme_with_cues_files_messages_after_reprocessing(
    app: Any, admin: Any, twilio: TwilioWebhook, runner: Any
) -> None:
    twilio.replies("the hub cafe was shut again")
    analysis.analyse_pending(db.session, now=now())
    message = message_with("the hub cafe was shut again")
    assert themes_of(message.id) == {}
    added = admin.post(
        "/staff/themes", data={"slug": "youth-spaces", "label": "Youth spaces", "cues": "hub cafe, drop in"}
    )
    assert added.status_code == 302
    db.session.commit()
    assert runner.invoke(args=["analyse", "--reprocess"]).exit_code == 0
    assert themes_of(message.id) == {"youth-spaces": "auto"}


def test_emerging_phrases_are_listed_without_names(app: Any, admin: Any, twilio: TwilioWebhook) -> None:
    for n, text in enumerate(["the hub cafe was shut", "Jamie said the hub cafe closes", "miss the hub cafe"]):
        twilio.replies(text, sender=f"+4477009002{n:02d}")
    analysis.analyse_pending(db.session, now=now())
    page = admin.get("/staff/themes").get_data(as_text=True)
    assert "<strong>hub cafe</strong>: 3 messages" in page
    assert "jamie" not in page.lower()


def test_the_taxonomy_shows_shanarri_and_the_promise(app: Any, admin: Any) -> None:
    page = admin.get("/staff/themes").get_data(as_text=True)
    assert "SHANARRI: Safe, Nurtured." in page and "The Promise: Care." in page  # where I live now


def test_a_slug_is_never_reused_or_malformed(app: Any, admin: Any) -> None:
    taken = admin.post("/staff/themes", data={"slug": "money", "label": "Cash"})
    assert taken.status_code == 400 and "already used" in taken.get_data(as_text=True)
    bad = admin.post("/staff/themes", data={"slug": "Not A Slug!", "label": "x"})
    assert bad.status_code == 400 and "lower-case" in bad.get_data(as_text=True)


def test_renaming_keeps_the_slug(app: Any, admin: Any) -> None:
    admin.post("/staff/themes/money", data={"label": "Money and costs", "description": "skint", "cues": ""})
    theme = db.session.scalars(select(Theme).where(Theme.slug == "money")).one()
    assert theme.label == "Money and costs"


def test_merging_moves_messages_and_the_old_slug_means_the_new_theme(
    app: Any, admin: Any, twilio: TwilioWebhook
) -> None:
    twilio.replies("the bus fare to college is too dear")
    analysis.analyse_pending(db.session, now=now())
    message = message_with("the bus fare to college is too dear")
    assert "transport" in themes_of(message.id)
    assert admin.post("/staff/themes/transport/merge", data={"into": "money"}).status_code == 302
    db.session.expire_all()
    assert "transport" not in themes_of(message.id) and "money" in themes_of(message.id)
    transport = db.session.scalars(select(Theme).where(Theme.slug == "transport")).one()
    assert transport.retired_at is not None and transport.merged_into_id is not None
    # A question that still names the old slug files its answers under the theme it went into.
    from feedback.insight.themes import ids_by_slug

    assert ids_by_slug(db.session)["transport"] == transport.merged_into_id
    assert admin.post("/staff/themes/money/merge", data={"into": "money"}).status_code == 400


def test_retiring_stops_new_filing(app: Any, admin: Any, twilio: TwilioWebhook) -> None:
    assert admin.post("/staff/themes/transport/retire").status_code == 302
    twilio.replies("the bus is always late")
    analysis.analyse_pending(db.session, now=now())
    assert "transport" not in themes_of(message_with("the bus is always late").id)


@pytest.mark.parametrize("role", ["worker", "manager", "champions", "advocacy"])
def test_only_admins_change_the_taxonomy(app: Any, role: str) -> None:
    staff.create_user(db.session, "x@example.org", PASSWORD, role)
    db.session.commit()
    client = app.test_client()
    client.post("/staff/login", data={"email": "x@example.org", "password": PASSWORD})
    assert client.get("/staff/themes").status_code == 403
    assert client.post("/staff/themes", data={"slug": "new-one", "label": "New"}).status_code == 403
    assert client.post("/staff/themes/money/retire").status_code == 403

"""The theme taxonomy in the browser: add, rename, cue, retire and merge themes without a slug ever changing
meaning; and the emerging phrases that no theme covers yet."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from feedback.accounts import operations as staff
from feedback.audit.models import AuditEvent
from feedback.core.clock import now
from feedback.extensions import db
from feedback.insight import filing as analysis
from feedback.insight.models import MessageTheme, Theme, ThemeDay
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


def test_a_themes_page_shows_shanarri_and_the_promise(app: Any, admin: Any) -> None:
    page = admin.get("/staff/themes/home-placement").get_data(as_text=True)  # where I live now
    assert "<dt>SHANARRI</dt><dd>Safe, Nurtured</dd>" in page and "<dt>The Promise</dt><dd>Care</dd>" in page
    assert admin.get("/staff/themes/no-such-theme").status_code == 404


def test_the_list_is_short_each_theme_with_its_counts_and_no_forms_open(
    app: Any, admin: Any, twilio: TwilioWebhook
) -> None:
    twilio.replies("the bus to college is never on time")
    twilio.replies("the bus fare is too dear", sender="+447700900311")
    analysis.analyse_pending(db.session, now=now())
    old = message_with("the bus fare is too dear")  # received long ago: counted in all time, not the last 90 days
    db.session.execute(
        update(MessageTheme)
        .where(MessageTheme.inbound_message_id == old.id)
        .values(received_at=now() - timedelta(days=120))
    )
    db.session.commit()
    page = admin.get("/staff/themes").get_data(as_text=True)
    row = re.search(r'<a href="/staff/themes/transport">Getting around</a>.*?</th>(.*?)</tr>', page, re.S)
    assert row is not None, page
    assert re.findall(r'<td class="number">([^<]*)</td>', row.group(1)) == ["2", "1"]
    assert "<form" not in page.split("<main", 1)[1]  # no theme's edit, merge or retire form on the list
    assert 'href="/staff/themes/new"' in page


def test_retired_and_merged_themes_are_listed_apart(app: Any, admin: Any) -> None:
    admin.post("/staff/themes/activities/retire")
    admin.post("/staff/themes/transport/merge", data={"into": "money"})
    page = admin.get("/staff/themes").get_data(as_text=True)
    live, gone = page.split("<h1>", 1)[1].split("<h2>Retired and merged themes</h2>")  # after the flashed news
    assert "Things to do" not in live and "Getting around" not in live
    assert "Things to do</a>" in gone and "Retired" in gone
    assert "Getting around</a>" in gone and "Merged</strong> into Money" in gone
    merged = " ".join(admin.get("/staff/themes/transport").get_data(as_text=True).split())
    assert '<a href="/staff/themes/money">Money</a>' in merged and "its slug transport means Money" in merged
    assert "<form" not in merged.split("<main", 1)[1]  # nothing left to change


def test_a_slug_is_never_reused_or_malformed(app: Any, admin: Any) -> None:
    taken = admin.post("/staff/themes", data={"slug": "money", "label": "Cash"})
    assert taken.status_code == 400 and "already used" in taken.get_data(as_text=True)
    bad = admin.post("/staff/themes", data={"slug": "Not A Slug!", "label": "x"})
    assert bad.status_code == 400 and "lower-case" in bad.get_data(as_text=True)
    assert 'value="Not A Slug!"' in bad.get_data(as_text=True)  # what was typed stays, to put right
    page = admin.post("/staff/themes", data={"slug": "new", "label": "New"})  # the address of the add page
    assert page.status_code == 400 and "Nothing was saved" in page.get_data(as_text=True)


def test_renaming_keeps_the_slug(app: Any, admin: Any) -> None:
    saved = admin.post("/staff/themes/money", data={"label": "Money and costs", "description": "skint", "cues": ""})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/staff/themes/money")
    theme = db.session.scalars(select(Theme).where(Theme.slug == "money")).one()
    assert theme.label == "Money and costs"
    refused = admin.post("/staff/themes/money", data={"label": " ", "description": "", "cues": ""})
    assert refused.status_code == 400 and "A theme needs a label" in refused.get_data(as_text=True)


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
    # The daily totals the summary reads were recounted: the message is counted under money, not transport.
    days = dict(
        db.session.execute(
            select(Theme.slug, func.sum(ThemeDay.messages))
            .join(ThemeDay, ThemeDay.theme_id == Theme.id)
            .where(ThemeDay.dimension == "all", Theme.slug.in_(["transport", "money"]))
            .group_by(Theme.slug)
        ).all()
    )
    assert days.get("transport", 0) == 0 and days["money"] == 1
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.subject_type == "theme")).one()
    assert (event.action, event.subject_id) == ("edit", "transport")
    assert event.detail == {"change": "merged", "into": "money", "messages": 1}


def test_a_theme_page_offers_merge_with_no_theme_chosen_and_refuses_a_merge_without_one(app: Any, admin: Any) -> None:
    page = admin.get("/staff/themes/transport").get_data(as_text=True)
    select_ = page.split('<select id="into" name="into">', 1)[1].split("</select>", 1)[0]
    options = re.findall(r"<option([^>]*)>([^<]*)</option>", select_)
    assert options[0][1] == "Choose a theme" and 'value=""' in options[0][0]
    assert not any("selected" in attributes for attributes, _ in options[1:])  # no theme is chosen for you
    assert "Getting around" not in [label for _, label in options]  # not into itself
    assert "Merging cannot be undone. The 0 messages filed under Getting around" in " ".join(page.split())

    refused = admin.post("/staff/themes/transport/merge", data={"into": ""})
    assert refused.status_code == 400
    assert "Choose the theme to merge Getting around into." in refused.get_data(as_text=True)
    assert admin.post("/staff/themes/transport/merge").status_code == 400
    transport = db.session.scalars(select(Theme).where(Theme.slug == "transport")).one()
    assert transport.retired_at is None and transport.merged_into_id is None


def test_merge_and_retire_are_warning_buttons_behind_a_confirmation_and_save_is_primary(app: Any, admin: Any) -> None:
    page = " ".join(admin.get("/staff/themes/transport").get_data(as_text=True).split())
    for action, label in (("merge", "Merge Getting around"), ("retire", "Retire Getting around")):
        confirm = re.search(
            r'<details class="confirm"> <summary class="button warning">'
            + label
            + r'</summary> <form method="post" action="/staff/themes/transport/'
            + action
            + '"',
            page,
        )
        assert confirm is not None, action
    assert '<button type="submit" class="button warning">Yes, merge Getting around</button>' in page
    assert '<button type="submit" class="button warning">Yes, retire Getting around</button>' in page
    assert "Retiring cannot be undone. Nothing new will be filed under Getting around" in page
    assert '<button type="submit" class="button primary">Save</button>' in page


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
    for page in ("/staff/themes", "/staff/themes/new", "/staff/themes/money"):
        assert client.get(page).status_code == 403, page
    assert client.post("/staff/themes", data={"slug": "new-one", "label": "New"}).status_code == 403
    assert client.post("/staff/themes/money", data={"label": "Cash"}).status_code == 403
    assert client.post("/staff/themes/money/retire").status_code == 403
    assert client.post("/staff/themes/money/merge", data={"into": "housing"}).status_code == 403

""" "You said, we did": staff record what was done about a theme, young people read it on a public page, and
everyone who raised the theme (and can be texted) is told once, however often staff press the button."""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from feedback.accounts import operations as staff
from feedback.accounts.models import StaffUser
from feedback.actions import operations as actions
from feedback.actions.models import Action, ActionNotice
from feedback.analysis.readability import MAX_READING_AGE, reading
from feedback.core.clock import now
from feedback.core.segments import count_segments
from feedback.extensions import current_session, db
from feedback.insight import filing as analysis
from feedback.insight import themes
from feedback.messages.models import OutboundMessage
from feedback.people import operations as people
from feedback.people.models import Person
from tests.channels.test_plain_english import visible_text
from tests.conftest import PUBLIC_BASE_URL, TwilioWebhook, count
from tests.insight.test_message_analysis import message_with
from tests.staff_client import signed_in
from tests.web_client import Respondent

PASSWORD = "a long enough password"
LINK = f"{PUBLIC_BASE_URL}/you-said-we-did"


def action_form(**overrides: str) -> dict[str, str]:
    return {
        "theme": "transport",
        "you_said": "The bus to college is late a lot.",
        "we_did": "We got free bus passes for college.",
        "by_whom": "Throughcare team",
        "status": "done",
        "action_date": "2026-11-02",
        **overrides,
    }


def recorded(**overrides: str) -> Action:
    """An action saved through the service, as an admin would."""
    admin = db.session.scalar(select(StaffUser).where(StaffUser.email == "recorder@example.org"))
    if admin is None:
        admin = staff.create_user(db.session, "recorder@example.org", PASSWORD, "admin")
    fields = action_form(**overrides)
    action = actions.create(db.session, actions.Proposed(**fields), created_by_id=admin.id, now=now())
    db.session.commit()
    return action


def page_text(response: Any) -> str:
    return response.get_data(as_text=True)


# --- staff record, edit and list ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_staff_record_an_action_edit_it_and_see_it_listed(app: Any, role: str, clock: Any) -> None:
    client = signed_in(app, role)
    assert client.get("/staff/actions/new").status_code == 200

    saved = client.post("/staff/actions/new", data=action_form())
    assert saved.status_code == 302
    action = db.session.scalars(select(Action)).one()
    assert (action.theme.slug, action.status, action.action_date) == ("transport", "done", date(2026, 11, 2))
    assert action.by_whom == "Throughcare team" and action.created_by.email == f"{role}@example.org"
    assert saved.headers["Location"] == f"/staff/actions/{action.id}"

    clock.advance(days=1)
    edited = client.post(f"/staff/actions/{action.id}", data=action_form(status="in-progress", by_whom="Housing team"))
    assert edited.status_code == 302
    db.session.expire_all()
    assert (action.status, action.by_whom) == ("in-progress", "Housing team")
    assert action.updated_at > action.created_at
    assert count("action") == 1

    listed = page_text(client.get("/staff/actions"))
    assert "We got free bus passes for college." in listed and "Housing team" in listed
    assert f"/staff/actions/{action.id}" in listed
    assert '<strong class="tag waiting">In progress</strong> <span class="status-date">since 2 November 2026' in listed
    assert "in-progress" not in listed.replace('value="in-progress"', "")  # the status is words, never its code
    assert "Now on the public page: In progress since 2 November 2026." in page_text(
        client.get(f"/staff/actions/{action.id}")
    )


def test_the_edit_page_shows_the_form_filled_in_and_the_text_young_people_would_get(app: Any) -> None:
    action = recorded()
    client = signed_in(app, "admin")
    page = page_text(client.get(f"/staff/actions/{action.id}"))
    assert 'value="Throughcare team"' in page and "We got free bus passes for college." in page
    preview = "You told us about getting around. Here&#39;s what changed: We got free bus passes for college."
    assert f"{preview} See more: {LINK}" in page


BAD_INPUT = [
    ({"theme": "no-such-theme"}, "Choose a theme from the list."),
    ({"theme": ""}, "Choose a theme from the list."),
    ({"status": "finished"}, "Choose planned, in progress or done."),
    ({"action_date": "02/11/2026"}, "year-month-day"),
    ({"action_date": "2026-02-30"}, "year-month-day"),
    ({"action_date": ""}, "year-month-day"),
    ({"action_date": "2027-11-24"}, "more than a year away: it can be up to 23 November 2027."),
    ({"action_date": "1926-11-02"}, "too long ago: it can go back to 23 November 2016."),
    ({"you_said": "   "}, "Write what young people said."),
    ({"we_did": ""}, "Write what was done."),
    ({"by_whom": ""}, "Write who is doing it."),
    ({"you_said": "x" * (actions.MAX_YOU_SAID + 1)}, f"to {actions.MAX_YOU_SAID} characters or fewer"),
    ({"we_did": "x" * (actions.MAX_WE_DID + 1)}, f"to {actions.MAX_WE_DID} characters or fewer"),
    ({"by_whom": "x" * (actions.MAX_BY_WHOM + 1)}, f"to {actions.MAX_BY_WHOM} characters or fewer"),
]


@pytest.mark.parametrize(("bad", "reason"), BAD_INPUT)
def test_bad_input_is_refused_with_the_reason_and_nothing_is_written(
    app: Any, bad: dict[str, str], reason: str
) -> None:
    client = signed_in(app, "admin")
    response = client.post("/staff/actions/new", data=action_form(**bad))
    assert response.status_code == 400
    assert reason in page_text(response) and "Nothing was saved" in page_text(response)
    assert count("action") == 0


@pytest.mark.parametrize(("bad", "reason"), BAD_INPUT[::3])
def test_a_bad_edit_changes_nothing(app: Any, bad: dict[str, str], reason: str) -> None:
    action = recorded()
    client = signed_in(app, "admin")
    response = client.post(f"/staff/actions/{action.id}", data=action_form(by_whom="Housing team", **bad))
    assert response.status_code == 400 and reason in page_text(response)
    db.session.expire_all()
    assert (action.by_whom, action.theme.slug) == ("Throughcare team", "transport")


def test_every_field_at_fault_is_named_at_once(app: Any) -> None:
    client = signed_in(app, "admin")
    page = page_text(client.post("/staff/actions/new", data=action_form(theme="nope", we_did="", action_date="soon")))
    assert "Choose a theme" in page and "Write what was done." in page and "year-month-day" in page


def test_nothing_new_goes_on_a_retired_theme_but_an_action_keeps_its_theme_when_it_retires(app: Any) -> None:
    action = recorded()
    themes.retire(db.session, "transport", now=now())
    db.session.commit()
    client = signed_in(app, "admin")
    assert "Getting around" not in page_text(client.get("/staff/actions/new"))
    refused = client.post("/staff/actions/new", data=action_form())
    assert refused.status_code == 400 and "Getting around is retired" in page_text(refused)
    assert client.post(f"/staff/actions/{action.id}", data=action_form(status="done")).status_code == 302
    moved = client.post(f"/staff/actions/{action.id}", data=action_form(theme="money"))
    assert moved.status_code == 302
    back = client.post(f"/staff/actions/{action.id}", data=action_form(theme="transport"))
    assert back.status_code == 400  # once moved off, a retired theme is like any other: not for new use
    assert count("action") == 1


def test_an_unknown_action_is_not_found(app: Any) -> None:
    client = signed_in(app, "admin")
    assert client.get("/staff/actions/999").status_code == 404
    assert client.post("/staff/actions/999/text").status_code == 404


def test_staff_forms_need_a_csrf_token(app: Any) -> None:
    action = recorded()
    client = signed_in(app, "admin")
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/staff/actions/new", data=action_form()).status_code == 400
    assert client.post(f"/staff/actions/{action.id}", data=action_form(by_whom="Someone else")).status_code == 400
    assert client.post(f"/staff/actions/{action.id}/text").status_code == 400
    assert count("action") == 1 and count("action_notice") == 0


# --- who may do what ----------------------------------------------------------------------------------------


def test_the_champions_role_reads_the_list_and_changes_nothing(app: Any) -> None:
    action = recorded()
    client = signed_in(app, "champions")
    listed = client.get("/staff/actions")
    assert listed.status_code == 200
    assert "We got free bus passes for college." in page_text(listed)
    assert "Record an action" not in page_text(listed) and f"/staff/actions/{action.id}" not in page_text(listed)
    assert client.get("/staff/actions/new").status_code == 403
    assert client.post("/staff/actions/new", data=action_form()).status_code == 403
    assert client.get(f"/staff/actions/{action.id}").status_code == 403
    assert client.post(f"/staff/actions/{action.id}", data=action_form(status="planned")).status_code == 403
    assert client.post(f"/staff/actions/{action.id}/text").status_code == 403
    assert count("action") == 1 and count("action_notice") == 0


@pytest.mark.parametrize("role", ["worker", "advocacy"])
def test_workers_and_advocacy_have_no_access(app: Any, role: str) -> None:
    action = recorded()
    client = signed_in(app, role)
    for path in ("/staff/actions", "/staff/actions/new", f"/staff/actions/{action.id}"):
        assert client.get(path).status_code == 403, path
    assert client.post("/staff/actions/new", data=action_form()).status_code == 403
    assert client.post(f"/staff/actions/{action.id}/text").status_code == 403
    assert count("action") == 1


def test_staff_pages_need_a_sign_in(app: Any, client: Any) -> None:
    action = recorded()
    for path in ("/staff/actions", "/staff/actions/new", f"/staff/actions/{action.id}"):
        response = client.get(path)
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"], path
    response = client.post(f"/staff/actions/{action.id}/text")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert count("action_notice") == 0


# --- the public page ----------------------------------------------------------------------------------------


def test_young_people_read_actions_without_signing_in_grouped_by_theme_newest_first(app: Any, client: Any) -> None:
    recorded(you_said="Buses are late.", we_did="We asked for more buses.", status="planned", action_date="2026-10-01")
    recorded(you_said="Bus fares cost too much.", we_did="We got free bus passes.", action_date="2026-11-02")
    admin = db.session.scalars(select(Action.created_by_id)).first()
    assert admin is not None
    actions.create(
        db.session,
        actions.Proposed(
            theme="money",
            you_said="Money runs out.",
            we_did="We are making a money guide.",
            by_whom="Throughcare team",
            status="in-progress",
            action_date="2026-09-01",
        ),
        created_by_id=admin,
        now=now(),
    )
    db.session.commit()

    response = client.get("/you-said-we-did")
    assert response.status_code == 200
    page = page_text(response)
    text = visible_text(page)
    assert text.index("Getting around") < text.index("Money")  # the theme with the newest action first
    assert text.index("Bus fares cost too much.") < text.index("Buses are late.")  # newest first in a theme
    assert "You told us:" in text and "We did this:" in text and "We will do this:" in text
    assert "We are doing this:" in text
    # A status reads with its date (`action_status`): never "Happening now, 1 September 2026".
    assert "Planned for 1 October 2026" in text and "Done on 2 November 2026" in text
    assert "In progress since 1 September 2026" in text
    assert "Who: Throughcare team" in text
    assert "recorder@example.org" not in page  # who typed it in is never shown
    assert "<h1>You said, we did</h1>" in page and page.count("<h2") == 2 and "<ul" in page
    assert 'name="viewport"' in page  # the young people's layout, phone first
    assert not [href for href in re.findall(r'href="([^"]*)"', page) if "/staff" in href]
    assert reading(text).age <= MAX_READING_AGE


def test_the_public_page_escapes_what_staff_typed(app: Any, client: Any) -> None:
    recorded(you_said="<script>alert(1)</script>", we_did='<a href="https://evil.example">free</a>')
    page = page_text(client.get("/you-said-we-did"))
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="https://evil.example"' not in page


def test_the_public_page_says_so_when_there_is_nothing_yet(app: Any, client: Any) -> None:
    page = visible_text(page_text(client.get("/you-said-we-did")))
    assert "Nothing here yet" in page
    assert reading(page).age <= MAX_READING_AGE


# --- texting the young people who raised the theme ----------------------------------------------------------


BUS = "the bus to college is never on time"


@pytest.fixture
def raised(app: Any, twilio: TwilioWebhook, client: Any) -> dict[str, int]:
    """Young people who raised transport (one twice, one who then opted out, one whose theme staff removed, one
    with no phone), and one who only raised money."""
    twilio.replies(BUS, sender="+447700900101")
    twilio.replies("the bus is late again", sender="+447700900101")
    twilio.replies("bus fare to college is too dear", sender="+447700900102")
    twilio.replies("the bus never comes", sender="+447700900103")
    twilio.replies("STOP", sender="+447700900103")
    twilio.replies("the train to my gran's is late", sender="+447700900104")
    twilio.replies("I'm pure skint", sender="+447700900105")
    Respondent(client).complete("/s/monthly-checkin", ["4", "yes", "yes", "the bus to the youth club is always late"])
    analysis.analyse_pending(db.session, now=now())
    coder = staff.create_user(db.session, "coder@example.org", PASSWORD, "worker")
    analysis.recode_themes(db.session, message_with("the train to my gran's is late").id, coder, [], now=now())
    db.session.commit()
    return {
        phone[-3:]: people.person_id_for(db.session, phone) for phone in (f"+447700900{n}" for n in range(101, 106))
    }


def texts_about_actions() -> list[OutboundMessage]:
    return list(db.session.scalars(select(OutboundMessage).where(OutboundMessage.kind == actions.NOTICE_KIND)))


def test_texting_reaches_each_opted_in_young_person_who_raised_the_theme_once(app: Any, raised: dict[str, int]) -> None:
    action = recorded()
    client = signed_in(app, "manager")
    assert "2 young people will get it." in page_text(client.get(f"/staff/actions/{action.id}"))

    pressed = client.post(f"/staff/actions/{action.id}/text", follow_redirects=True)
    assert "Queued 2 texts to young people who raised Getting around." in page_text(pressed)
    sent = texts_about_actions()
    assert sorted(m.person_id for m in sent) == sorted([raised["101"], raised["102"]])
    assert {m.body for m in sent} == {
        f"You told us about getting around. Here's what changed: We got free bus passes for college. See more: {LINK}"
    }
    assert all(m.status == "queued" for m in sent)
    notices = db.session.scalars(select(ActionNotice)).all()
    assert {(n.person_id, n.outbound_message_id) for n in notices} == {(m.person_id, m.id) for m in sent}

    again = client.post(f"/staff/actions/{action.id}/text", follow_redirects=True)
    assert "Nobody new to text" in page_text(again)
    assert len(texts_about_actions()) == 2 and count("action_notice") == 2
    assert "can be texted has had it (2 young people)." in page_text(client.get(f"/staff/actions/{action.id}"))


def test_texts_queued_in_quiet_hours_say_when_they_will_go(app: Any, raised: dict[str, int], clock: Any) -> None:
    action = recorded()
    client = signed_in(app, "manager")
    clock.advance(hours=8)  # 22:00 on a Monday: quiet hours until 08:00
    pressed = page_text(client.post(f"/staff/actions/{action.id}/text", follow_redirects=True))
    assert (
        "Queued 2 texts to young people who raised Getting around. They will go tomorrow at 8:00am, after quiet hours."
        in pressed
    )


def test_a_status_reads_with_its_date() -> None:
    day = date(2027, 1, 15)
    assert actions.status_on("planned", day) == "Planned for 15 January 2027"
    assert actions.status_on("in-progress", day) == "In progress since 15 January 2027"
    assert actions.status_on("done", day) == "Done on 15 January 2027"


def test_someone_who_raises_the_theme_later_is_told_and_nobody_else_again(
    app: Any, raised: dict[str, int], twilio: TwilioWebhook
) -> None:
    action = recorded()
    assert actions.notify(db.session, action.id, link=LINK, now=now()) == 2
    db.session.commit()
    twilio.replies("the bus is a nightmare", sender="+447700900106")
    analysis.analyse_pending(db.session, now=now())
    assert actions.notify(db.session, action.id, link=LINK, now=now()) == 1
    db.session.commit()
    assert len(texts_about_actions()) == 3


def test_two_staff_pressing_at_once_text_nobody_twice(app: Any, raised: dict[str, int]) -> None:
    action_id = recorded().id
    db.session.commit()  # end this session's read: on SQLite an open transaction holds the write lock
    start = threading.Barrier(2)
    queued: list[int] = []

    def press() -> None:
        with app.app_context():
            start.wait()
            try:
                queued.append(actions.notify(current_session(), action_id, link=LINK, now=now()))
                db.session.commit()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(queued) == [0, 2]
    db.session.expire_all()
    assert len(texts_about_actions()) == 2 and count("action_notice") == 2


def test_nobody_is_texted_about_a_theme_they_did_not_raise(app: Any, raised: dict[str, int]) -> None:
    action = recorded(theme="housing")
    client = signed_in(app, "admin")
    pressed = client.post(f"/staff/actions/{action.id}/text", follow_redirects=True)
    assert "Nobody new to text" in page_text(pressed)
    assert texts_about_actions() == [] and count("action_notice") == 0


def test_an_opted_out_young_person_is_never_texted(app: Any, raised: dict[str, int]) -> None:
    action = recorded()
    opted_out = db.session.get(Person, raised["103"])
    assert opted_out is not None and opted_out.opted_out
    actions.notify(db.session, action.id, link=LINK, now=now())
    assert raised["103"] not in {m.person_id for m in texts_about_actions()}


def test_a_text_is_one_sms_when_it_fits_and_never_more_than_two() -> None:
    short = actions.notice_body("Money", "We made a money guide", LINK)
    assert short == f"You told us about money. Here's what changed: We made a money guide. See more: {LINK}"
    assert count_segments(short).segments == 1
    curly = actions.notice_body("Money", "We\u2019ve made a \u201cmoney guide\u201d", LINK)
    assert count_segments(curly).encoding == "GSM-7" and 'We\'ve made a "money guide".' in curly
    long = actions.notice_body("Where I live now", "We changed the rules so that " + "more people get help " * 30, LINK)
    assert count_segments(long).segments == 2 and long.endswith(f"... See more: {LINK}")
    assert "You told us about where I live now." in long
    assert actions.notice_body("CAMHS", "We cut the wait.", LINK).startswith("You told us about CAMHS.")


def test_the_date_allowed_is_from_ten_years_back_to_a_year_ahead() -> None:
    assert actions.date_range(date(2024, 2, 29)) == (date(2014, 2, 28), date(2025, 2, 28))
    assert actions.date_range(date(2026, 11, 23))[1] - date(2026, 11, 23) == timedelta(days=365)

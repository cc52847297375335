"""The pages for surveys, schedules, "you said, we did" and advocacy in a real browser (Debian's Chromium): each is
opened on a 390 px phone and a 1280 px desk as an admin, with its confirmations opened and its forms refused once:
no page is wider than the window (a table too wide scrolls in its own box), and axe-core finds nothing serious or
critical. None of their templates writes a date with `isoformat` or `strftime`: dates go through the filters.

The app is served once for the module on a SQLite file, with what these pages show: a survey with a draft waiting,
schedules on a rule said in words and on one that cannot be, actions in each status, and advocacy offers (one
closed, with a session).

"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from feedback.accounts import operations as staff
from feedback.actions import operations as actions
from feedback.advocacy import cases
from feedback.core.clock import local_date, now
from feedback.people import operations as people
from feedback.surveys import operations as surveys
from feedback.surveys import schedules, sending
from tests.browser import (
    DESKTOP,
    PHONE,
    ROOT,
    LiveApp,
    page_problems,
    serve,
    staff_page,
)

ADMIN = "admin@example.org"
PASSWORD = "a long enough password"
TIMEOUT_MS = 10_000
SCREENS = {"phone": PHONE, "desktop": DESKTOP}
TEMPLATES = [ROOT / "templates" / folder for folder in ("surveys", "actions", "advocacy")]
LONG_REF = "SL-CHILDRENS-SERVICES-THROUGHCARE-AND-AFTERCARE-2026-000000001"  # no space to wrap at


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveApp, dict[str, int]]]:
    database: Path = tmp_path_factory.mktemp("survey-pages") / "feedback.db"
    with serve(database) as live_app:
        with live_app.context() as session:
            ids = _seed(session)
        yield live_app, ids


def _seed(session: Any) -> dict[str, int]:
    at = now()
    today = local_date(at)
    admin = staff.create_user(session, ADMIN, PASSWORD, "admin", display_name="Alex Admin")
    draft = surveys.export_definition(surveys.current_version(session, "monthly-checkin"))
    draft |= {"status": "draft", "title": "Monthly check-in (spring)"}
    surveys.import_survey(session, surveys.check_definition(draft))
    everyone = schedules.Group("everyone")
    schedules.add(session, "advocacy-voice", cron="0 17 1-7 * mon", group=everyone, now=at)
    schedules.add(session, "advocacy-voice", cron="0 9 */2 * *", group=everyone, now=at)  # no words say it exactly
    hamilton = schedules.Group("locality", ("Hamilton",))
    schedules.add(session, "advocacy-voice", at=at + timedelta(days=3), group=hamilton, now=at)
    recorded = {}
    for status, days in (("planned", 30), ("in-progress", -10), ("done", -40)):
        proposed = actions.Proposed(
            theme="transport", you_said="The bus to college is late a lot, and it costs too much for us.",
            we_did="We got free bus passes for everyone at college.", by_whom="Throughcare team", status=status,
            action_date=today + timedelta(days=days),
        )  # fmt: skip
        recorded[status] = actions.create(session, proposed, created_by_id=admin.id, now=at).id
    for n, ref in enumerate((LONG_REF, "SL-200")):
        person = people.get_or_create_person(session, f"+4477009002{n:02d}")
        person.ref, person.locality, person.care_setting = ref, "Hamilton", "foster"
    session.flush()
    offered = {"offered_on": (today - timedelta(days=20)).isoformat(), "offered_by": "Independent reviewing officer"}
    offered |= {"context": "looked-after-review", "response": "accepted"}
    closed = cases.log_offer(session, {"ref": LONG_REF, **offered}, now=at, recorded_by_id=admin.id)
    cases.add_session(
        session, closed.id, held_on=(today - timedelta(days=10)).isoformat(), notes="Met at school", now=at
    )
    cases.close(
        session, closed.id, outcome="views-heard", closed_on=(today - timedelta(days=2)).isoformat(), now=at,
        links_to=sending.LinkSettings("http://127.0.0.1"),
    )  # fmt: skip
    open_offer = cases.log_offer(session, {"ref": "SL-200", **offered}, now=at, recorded_by_id=admin.id)
    session.commit()
    return {"action": recorded["in-progress"], "closed": closed.id, "open": open_offer.id}


def pages(ids: dict[str, int]) -> list[str]:
    return [
        "/staff/surveys",
        "/staff/surveys/monthly-checkin",
        "/staff/surveys/monthly-checkin/edit",
        "/staff/surveys/new",
        "/staff/surveys/statement-worried",
        "/staff/surveys/statement-worried/edit",
        "/staff/surveys/monthly-checkin/preview/2/1",
        "/staff/surveys/monthly-checkin/preview/2/5",
        "/staff/schedules",
        "/staff/actions",
        "/staff/actions/new",
        f"/staff/actions/{ids['action']}",
        "/staff/advocacy",
        "/staff/advocacy?since=2026-13-01",
        "/staff/advocacy/offers",
        "/staff/advocacy/offers/new",
        f"/staff/advocacy/offers/{ids['closed']}",
        f"/staff/advocacy/offers/{ids['open']}",
    ]


def sign_in(browser: Browser, live: LiveApp, screen: str) -> Page:
    return staff_page(browser, live, ADMIN, PASSWORD, SCREENS[screen], timeout_ms=TIMEOUT_MS)


def problems(page: Page, screen: str) -> list[str]:
    return [f"({screen}) {problem}" for problem in page_problems(page)]


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_the_pages_fit_the_screen_and_pass_axe(
    browser: Browser, live: tuple[LiveApp, dict[str, int]], screen: str
) -> None:
    app, ids = live
    page = sign_in(browser, app, screen)
    found = []
    for path in pages(ids):
        page.goto(app.url + path)
        found += problems(page, screen)
    page.context.close()
    assert not found, "\n".join(found)


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_confirmations_and_refused_forms_fit_and_pass_axe(
    browser: Browser, live: tuple[LiveApp, dict[str, int]], screen: str
) -> None:
    app, ids = live
    page = sign_in(browser, app, screen)
    found = []
    # Closing a survey, stopping a schedule and closing advocacy each ask first.
    for path, opens, confirm in (
        ("/staff/surveys/monthly-checkin", "Close this survey", "Yes, close this survey"),
        ("/staff/schedules", "Stop this schedule", "Yes, stop this schedule"),
        (f"/staff/advocacy/offers/{ids['open']}", "Close advocacy", "Yes, close advocacy and ask them"),
    ):
        page.goto(app.url + path)
        page.locator("summary", has_text=opens).first.click()
        expect(page.get_by_role("button", name=confirm).first).to_be_visible()
        found += problems(page, screen)

    # A survey with no title and a choice question with one choice: the reasons at the top and beside the boxes.
    page.goto(f"{app.url}/staff/surveys/new")
    page.get_by_label("Web address name").fill("club")
    page.get_by_label("Question as texted").fill("Which night? Reply A or B")
    page.get_by_label("Type of answer").select_option("choice")
    page.get_by_label("Choices", exact=True).fill("Monday")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert").filter(has_text="there is a problem")).to_be_visible()
    expect(page.get_by_role("link", name="Enter a title.")).to_be_visible()
    found += problems(page, screen)

    # Deleting a question is confirmed after saving, before anything is deleted.
    page.goto(f"{app.url}/staff/surveys/monthly-checkin/edit")
    page.get_by_label("Delete this question").first.check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("button", name="Yes, delete and save")).to_be_visible()
    found += problems(page, screen)

    # A schedule with a custom rule that is not one.
    page.goto(f"{app.url}/staff/schedules")
    page.get_by_label("Survey", exact=True).select_option("monthly-checkin")
    page.get_by_label("How often").select_option("custom")
    page.get_by_label("Custom rule").fill("every monday")
    page.get_by_role("button", name="Schedule it").click()
    expect(page.get_by_role("alert").filter(has_text="The rule needs five fields")).to_be_visible()
    found += problems(page, screen)

    # An offer to someone not on the register.
    page.goto(f"{app.url}/staff/advocacy/offers/new")
    page.get_by_label("Young person's reference").fill("SL-999")
    page.get_by_role("button", name="Log the offer").click()
    expect(page.get_by_role("link", name=re.compile("add them on the Young people page"))).to_be_visible()
    found += problems(page, screen)
    page.context.close()
    assert not found, "\n".join(found)


def test_the_schedules_say_their_rules_in_words_or_show_the_rule_labelled(
    browser: Browser, live: tuple[LiveApp, dict[str, int]]
) -> None:
    app, _ = live
    page = sign_in(browser, app, "desktop")
    page.goto(f"{app.url}/staff/schedules")
    listed = page.locator("ul.schedules")
    expect(listed).to_contain_text("The first Monday of each month at 5:00pm")
    expect(listed).to_contain_text("Custom rule: 0 9 */2 * *")
    expect(listed).not_to_contain_text("0 17 1-7 * mon")
    page.context.close()


def test_no_template_of_these_pages_writes_a_date_itself() -> None:
    for folder in TEMPLATES:
        for template in folder.glob("*.html"):
            source = template.read_text(encoding="utf-8")
            assert "isoformat" not in source and "strftime" not in source, template.name

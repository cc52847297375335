"""The theme taxonomy in a real browser (Debian's Chromium, driven by Playwright), as an admin uses it: a short
list of the themes with their counts, a page per theme, and merging and retiring behind a confirmation step that
works without a script (a native <details>), on a 390 px phone and a 1280 px desktop. No page is wider than the
window, and axe-core finds nothing serious or critical.

The app is served once for the module on a SQLite file with the default themes and a few texts filed under them.
Each test that changes the taxonomy adds its own theme first, so the tests do not depend on each other's order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from feedback.accounts import operations as staff
from feedback.channels.sms.simulator import text_as
from feedback.core.clock import now
from feedback.insight import filing as analysis
from feedback.insight import themes
from feedback.messages.inbound import InboundPolicy
from tests import log_watch
from tests.browser import (
    DESKTOP,
    PHONE,
    LiveApp,
    page_problems,
    serve,
    staff_page,
)

ADMIN = "admin@example.org"
PASSWORD = "a long enough password"
TIMEOUT_MS = 10_000
SCREENS = {"phone": PHONE, "desktop": DESKTOP}
TEXTS = [
    "the bus to college was late again",
    "the bus fare is too dear for me",
    "no buses on a sunday to see my mum",
    "skint again, cant afford the bus this week",
    "my flat has damp and the landlord wont fix it",
]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    database: Path = tmp_path_factory.mktemp("theme-pages") / "feedback.db"
    with serve(database) as live_app:
        with live_app.context() as session:
            staff.create_user(session, ADMIN, PASSWORD, "admin")
            policy = InboundPolicy.from_config(live_app.app.config)
            for n, text in enumerate(TEXTS):
                log_watch.remember(text)
                text_as(session, f"07700 900{n:03d}", text, now=now(), policy=policy)
            analysis.analyse_pending(session, now=now())
            session.commit()
        yield live_app


@pytest.fixture
def admin(browser: Browser, live: LiveApp) -> Iterator[Callable[..., Page]]:
    """A browser signed in as an admin, on a phone or a desktop screen, with or without a script."""
    contexts = []

    def open_page(screen: str, *, script: bool = True) -> Page:
        page = staff_page(browser, live, ADMIN, PASSWORD, SCREENS[screen], javascript=script, timeout_ms=TIMEOUT_MS)
        contexts.append(page.context)
        return page

    yield open_page
    for context in contexts:
        context.close()


def expect_fits_and_clean(page: Page) -> None:
    assert not (found := page_problems(page)), "\n".join(found)


def add_theme(page: Page, live: LiveApp, label: str, slug: str) -> None:
    """Add a theme as an admin does: from the list, by its form."""
    page.goto(f"{live.url}/staff/themes")
    page.get_by_role("link", name="Add a theme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a theme")
    page.get_by_label("Name").fill(label)
    page.get_by_label("Slug").fill(slug)
    page.get_by_label("What it covers").fill(f"Messages about {label.lower()}.")
    page.get_by_label("Cue phrases").fill("hub cafe\ndrop in")
    page.get_by_role("button", name="Add theme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(label)
    expect(page.get_by_role("status")).to_contain_text(f"Added {label}.")


def posts(page: Page) -> list[str]:
    """The URLs the page posts to from now on."""
    sent: list[str] = []

    def seen(request: Request) -> None:
        if request.method == "POST":
            sent.append(request.url)

    page.on("request", seen)
    return sent


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_the_list_is_short_with_each_themes_counts_and_no_forms(
    admin: Callable[..., Page], live: LiveApp, screen: str
) -> None:
    with live.context() as session:
        transport = themes.get(session, "transport")
        filed = themes.usage(session).get(transport.id, 0)
    assert filed > 1
    page = admin(screen)
    page.goto(f"{live.url}/staff/themes")
    table = page.get_by_role("table", name=re.compile(r"^\d+ themes in use, by name$"))
    row = table.get_by_role("row", name=re.compile("^Getting around"))
    expect(row.get_by_role("cell")).to_have_text([str(filed), str(filed)])  # in all, and in the last 90 days
    expect(page.locator("main form")).to_have_count(0)  # no theme's edit, merge or retire form open here
    expect(page.get_by_role("link", name="Add a theme")).to_be_visible()
    expect_fits_and_clean(page)
    if screen == "desktop":
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 3 * DESKTOP["viewport"]["height"], f"the list is {height} px tall"


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_a_themes_page_reads_on_any_screen_with_its_steps_open(
    admin: Callable[..., Page], live: LiveApp, screen: str
) -> None:
    page = admin(screen)
    page.goto(f"{live.url}/staff/themes")
    page.get_by_role("link", name="Housing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Housing")
    expect(page.locator("dl.facts")).to_contain_text("1 message filed under it; 1 in the last 90 days")
    expect(page.get_by_role("button", name="Save")).to_be_visible()
    expect(page.get_by_role("combobox", name="Merge Housing into")).to_be_hidden()  # until asked for
    expect_fits_and_clean(page)
    page.get_by_text("Merge Housing", exact=True).click()
    page.get_by_text("Retire Housing", exact=True).click()
    expect(page.get_by_role("combobox", name="Merge Housing into")).to_be_visible()
    expect(page.get_by_role("button", name="Yes, retire Housing")).to_be_visible()
    expect_fits_and_clean(page)


def test_a_merge_needs_a_theme_chosen_and_a_confirmation(admin: Callable[..., Page], live: LiveApp) -> None:
    page = admin("desktop")
    add_theme(page, live, "Youth spaces", "youth-spaces")
    sent = posts(page)
    merge = page.get_by_text("Merge Youth spaces", exact=True)
    chooser = page.get_by_role("combobox", name="Merge Youth spaces into")
    merge.click()  # the first step only opens the warning
    expect(chooser).to_be_visible()
    expect(page.locator(".confirm-step").first).to_contain_text(
        "Merging cannot be undone. The 0 messages filed under Youth spaces will be filed under the theme you choose"
    )
    expect(chooser).to_have_value("")  # no theme is chosen for the admin
    expect(chooser.locator("option").first).to_have_text("Choose a theme")
    assert sent == [] and page.url.endswith("/staff/themes/youth-spaces")

    page.get_by_role("button", name="Yes, merge Youth spaces").click()  # without choosing
    summary = page.get_by_role("alert").filter(has_text="Nothing was saved")
    expect(summary).to_contain_text("Choose the theme to merge Youth spaces into.")
    summary.get_by_role("link", name="Choose the theme to merge Youth spaces into.").click()
    expect(chooser).to_be_visible()  # the link opens the step, at the menu
    expect(page.locator(".field-error")).to_contain_text("Choose the theme to merge Youth spaces into.")
    expect_fits_and_clean(page)

    chooser.select_option(label="Things to do")
    page.get_by_role("button", name="Yes, merge Youth spaces").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Things to do")
    expect(page.get_by_role("status")).to_contain_text("Merged Youth spaces into Things to do")
    expect(page.get_by_label("Cue phrases")).to_have_value(re.compile("hub cafe"))  # its cues came too


def test_retiring_needs_a_confirmation_and_works_without_a_script(admin: Callable[..., Page], live: LiveApp) -> None:
    page = admin("phone", script=False)
    add_theme(page, live, "Care experienced week", "care-experienced-week")
    sent = posts(page)
    confirm = page.get_by_role("button", name="Yes, retire Care experienced week")
    expect(confirm).to_be_hidden()
    page.get_by_text("Retire Care experienced week", exact=True).click()  # a native <details>: no script needed
    expect(confirm).to_be_visible()
    expect(page.locator(".confirm-step").last).to_contain_text("Retiring cannot be undone.")
    assert sent == []
    confirm.click()
    assert sent == [f"{live.url}/staff/themes/care-experienced-week/retire"]
    expect(page.get_by_role("heading", level=1)).to_have_text("Themes")
    expect(page.get_by_role("status")).to_contain_text("Retired Care experienced week")
    retired = page.locator("ul.retired-themes")
    expect(retired).to_contain_text("Care experienced week")
    page.get_by_role("link", name="Care experienced week").click()
    expect(page.get_by_role("button", name=re.compile("^(Merge|Retire|Save)"))).to_have_count(0)

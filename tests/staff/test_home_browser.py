"""The staff home page in a real browser (Debian's Chromium), for each role with something waiting on it, on a 390 px
phone and a 1280 px desktop: no wider than the window, every card's link visible, and axe-core finds nothing
serious or critical."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import (
    DESKTOP,
    PHONE,
    LiveApp,
    page_problems,
    serve,
    staff_page,
)
from tests.staff import world as seeded

EVENING = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # quiet hours: texts are held
TIMEOUT_MS = 10_000
SCREENS = {"phone": PHONE, "desktop": DESKTOP}
# How many cards each has (tests/staff/test_home.py says what each one says).
CARDS = {
    "sam@example.org": 6,
    "pat@example.org": 8,
    "root@example.org": 7,
    "ava@example.org": 2,
    "champ@example.org": 2,
}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    database: Path = tmp_path_factory.mktemp("staff-home") / "feedback.db"
    with serve(database) as live_app:
        live_app.app.config["CLOCK"] = lambda: EVENING  # read on every request
        live_app.app.config["LOGIN_ATTEMPTS_PER_MINUTE"] = 1000  # one address signs in as each role, twice
        with live_app.context() as session:
            seeded.seed(session, EVENING)
        yield live_app


@pytest.fixture
def home(browser: Browser, live: LiveApp) -> Iterator[Callable[[str, str], Page]]:
    contexts = []

    def open_home(email: str, screen: str) -> Page:
        page = staff_page(browser, live, email, seeded.PASSWORD, SCREENS[screen], timeout_ms=TIMEOUT_MS)
        contexts.append(page.context)
        page.wait_for_url(f"{live.url}/staff/")
        return page

    yield open_home
    for context in contexts:
        context.close()


@pytest.mark.parametrize("screen", list(SCREENS))
@pytest.mark.parametrize("email", list(CARDS))
def test_the_home_fits_the_screen_and_passes_axe(home: Callable[[str, str], Page], email: str, screen: str) -> None:
    page = home(email, screen)
    expect(page.get_by_role("heading", name="What needs doing")).to_be_visible()
    cards = page.locator(".home-card")
    expect(cards).to_have_count(CARDS[email])
    width = page.evaluate("window.innerWidth")
    for index in range(CARDS[email]):
        box = cards.nth(index).locator("a").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (email, index, box)
    assert not (found := page_problems(page)), f"{email}'s home: " + "\n".join(found)


def test_a_card_opens_the_page_it_counts(home: Callable[[str, str], Page]) -> None:
    page = home("ava@example.org", "phone")
    page.get_by_role("link", name="1 offer of advocacy to follow up: the day to check back has come").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.url.endswith("/staff/advocacy/offers?show=follow-up")

"""The content security policy in a real browser (Chromium): every page a young person or a member of staff
opens loads and runs as before, and Chromium reports no violation of the policy (an inline script or style it
would silently drop)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, expect

from feedback.accounts import operations as staff
from tests.browser import PHONE, LiveApp, serve

ADMIN = "admin@example.org"
PASSWORD = "a long enough password"
YOUNG_PERSONS_PAGES = ["/s/monthly-checkin", "/s/monthly-checkin/q/1", "/you-said-we-did", "/s/no-such-survey"]
STAFF_PAGES = ["/staff/", "/staff/summary", "/staff/report", "/staff/account/two-factor", "/staff/simulator"]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    database: Path = tmp_path_factory.mktemp("csp") / "feedback.db"
    with serve(database) as live_app:
        with live_app.context() as session:
            staff.create_user(session, ADMIN, PASSWORD, "admin")
            session.commit()
        yield live_app


def test_no_page_breaks_the_content_security_policy(live: LiveApp, browser: Browser) -> None:
    context = browser.new_context(**PHONE)
    context.set_default_timeout(5000)
    page = context.new_page()
    complaints: list[str] = []

    def listen(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            complaints.append(f"{page.url}: {message.text}")

    page.on("console", listen)
    page.on("pageerror", lambda error: complaints.append(f"{page.url}: {error}"))
    for path in YOUNG_PERSONS_PAGES:
        page.goto(live.url + path)
        expect(page.locator('link[rel=stylesheet][href*="site.css"]')).to_have_count(1)
        # The stylesheet applied (the skip link is moved off screen by it), so style-src let it through.
        assert page.evaluate("getComputedStyle(document.querySelector('a.skip')).position") != "static", path
    page.goto(live.url + "/staff/login")
    page.get_by_label("Email").fill(ADMIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("navigation", name="Staff")).to_be_visible()
    for path in STAFF_PAGES:
        response = page.goto(live.url + path)
        assert response is not None and response.status == 200, path
        assert response.headers["content-security-policy"].startswith("default-src 'self'")
    context.close()
    assert complaints == []

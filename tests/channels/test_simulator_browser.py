"""The SMS simulator in a real browser (Debian's Chromium, driven by Playwright): a worker texts the service as a
pretend young person and reads the thread as it would be on their phone.

Issue 18: twelve texts made a page over 5,000 px tall and every send came back at the top. Now twelve texts fit in
three screens at 1280 x 900 (the thread scrolls in a box of its own); after every send the reply box is in view,
with JavaScript and without; the newest text is last, and in view in its box; nothing is wider than the window on
a phone or a desk; and axe-core finds nothing serious or critical.

The app is served once for the module on a SQLite file, with real CSRF; each test texts from a pretend number of its
own, in a browser context of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from feedback.accounts import operations as staff
from tests import log_watch
from tests.browser import (
    DESKTOP,
    PHONE,
    LiveApp,
    axe_source,
    axe_violations,
    describe_violations,
    serve,
    staff_page,
    too_wide,
)

WORKER = "worker@example.org"
PASSWORD = "a long enough password"
TIMEOUT_MS = 20_000  # a busy machine: twelve posts and loads in a row
SCREENS = {"phone": PHONE, "desktop": DESKTOP}
# Twelve texts as a young person might send them: a hello, the monthly check-in by text, and things on their mind,
# one over two lines and one with an address that has no spaces to break at.
TWELVE = [
    "hiya",
    "CHECKIN",
    "4",
    "a",
    "yes",
    "SKIP",
    "the bus to college was late again this morning",
    "my worker is sound tbh, she actually listens 👍",
    "can I change the date of my review?\nits the same day as my college exam",
    "is there a youth group in Hamilton on a Thursday night",
    "saw this https://example.org/a-very-long-address-with-no-spaces-in-it-at-all-to-break-the-line-anywhere",
    "cheers, that's everything for now",
]
for _text in TWELVE:
    log_watch.remember(_text)
PageFactory = Callable[..., Page]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    database: Path = tmp_path_factory.mktemp("simulator-browser") / "feedback.db"
    with serve(database) as live_app:
        with live_app.context() as session:
            staff.create_user(session, WORKER, PASSWORD, "worker")
            session.commit()
        yield live_app


@pytest.fixture
def signed_in(browser: Browser, live: LiveApp) -> Iterator[PageFactory]:
    """A worker signed in through the sign-in page, on a phone or a desk, with JavaScript or without."""
    contexts = []

    def open_page(screen: str = "desktop", *, javascript: bool = True) -> Page:
        page = staff_page(
            browser, live, WORKER, PASSWORD, SCREENS[screen], javascript=javascript, timeout_ms=TIMEOUT_MS
        )
        contexts.append(page.context)
        page.goto(f"{live.url}/staff/simulator")
        return page

    yield open_page
    for context in contexts:
        context.close()


# --- what the page does -----------------------------------------------------------------------------------------


def choose_number(page: Page, number: str) -> None:
    page.get_by_label("Pretend phone number").fill(number)


def send(page: Page, body: str) -> None:
    page.get_by_label("Text message").fill(body)
    with page.expect_navigation():
        page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_load_state()


def thread(page: Page) -> list[dict[str, Any]]:
    """The texts in the thread as shown, oldest first: whose, the words, and the time and status under them."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('#thread li.sim-text')].map(li => ({
                  you: li.classList.contains('sim-you'),
                  body: li.querySelector('.sim-body').lastChild.textContent,
                  meta: li.querySelector('.sim-meta').textContent.trim(),
                }))"""
        )
    )


def in_view(page: Page, selector: str) -> dict[str, float]:
    return dict(
        page.evaluate(
            """selector => {
              const box = document.querySelector(selector).getBoundingClientRect();
              return {top: box.top, bottom: box.bottom, height: window.innerHeight};
            }""",
            selector,
        )
    )


def expect_reply_box_in_view(page: Page) -> None:
    """The whole compose bar (the words' box and Send) is inside the window."""
    box = in_view(page, ".sim-compose")
    assert box["top"] >= 0 and box["bottom"] <= box["height"], f"the reply box is at {box} after a send"


def expect_newest_last_and_in_view(page: Page, body: str) -> None:
    texts = thread(page)
    mine = [n for n, text in enumerate(texts) if text["you"]]
    assert mine and texts[mine[-1]]["body"] == body, f"{body!r} is not the newest of the young person's: {texts}"
    assert all(not text["you"] for text in texts[mine[-1] + 1 :]), texts  # only the service's answers after it
    newest = page.evaluate(
        """() => {
          const box = document.getElementById('thread').getBoundingClientRect();
          const last = document.querySelector('#thread li:last-child').getBoundingClientRect();
          return last.top >= box.top - 1 && last.bottom <= box.bottom + 1;
        }"""
    )
    assert newest, "the newest text is not in view in the thread's box"


def page_size(page: Page) -> dict[str, int]:
    return dict(
        page.evaluate(
            """() => ({height: document.documentElement.scrollHeight, width: document.documentElement.scrollWidth,
                       windowWidth: window.innerWidth})"""
        )
    )


def expect_no_sideways_scroll(page: Page) -> None:
    assert (why := too_wide(page)) is None, why


def expect_nothing_serious(page: Page) -> None:
    """axe-core runs in the page, so only where JavaScript is on (the markup is the same without)."""
    found = axe_violations(page, axe_source())
    assert not found, describe_violations(found)


# --- twelve texts on a desk -------------------------------------------------------------------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_twelve_texts_fit_in_three_screens_with_the_reply_box_in_view_after_each(
    signed_in: PageFactory, javascript: bool
) -> None:
    page = signed_in("desktop", javascript=javascript)
    choose_number(page, "07700 900201" if javascript else "07700 900202")
    for body in TWELVE:
        send(page, body)
        assert page.url.endswith("#reply"), page.url
        expect_reply_box_in_view(page)
        expect_newest_last_and_in_view(page, body)
        if javascript:
            expect(page.locator("#reply")).to_be_focused()  # the cursor is in the reply box
    texts = thread(page)
    assert [t["body"] for t in texts if t["you"]] == TWELVE
    assert any("How are things where you live?" in t["body"] for t in texts if not t["you"])
    size = page_size(page)
    assert size["height"] <= 3 * 900, f"twelve texts make a page {size['height']} px tall"
    expect_no_sideways_scroll(page)
    if javascript:
        expect_nothing_serious(page)


def test_each_text_says_when_and_what_became_of_it_in_plain_words(signed_in: PageFactory) -> None:
    page = signed_in("desktop")
    choose_number(page, "07700 900203")
    send(page, "CHECKIN")
    send(page, "maybe")  # not a number from 1 to 5: asked again
    metas = [t["meta"] for t in thread(page)]
    assert metas[0].endswith("· started a survey"), metas
    assert metas[1].endswith("· sent"), metas  # the first question, given back as the answer to the text
    assert metas[2].endswith("· not an answer it could take: asked again"), metas
    for meta in metas:
        assert meta[0].isdigit() and ("am ·" in meta or "pm ·" in meta), f"no time in words: {meta}"


def test_a_text_held_for_quiet_hours_says_until_when(signed_in: PageFactory, live: LiveApp) -> None:
    night = datetime(2026, 11, 23, 22, 30, tzinfo=UTC)  # 10:30pm in the UK in November
    live.app.config["CLOCK"] = lambda: night
    try:
        page = signed_in("desktop")
        choose_number(page, "07700 900204")
        send(page, "hello, just trying this out")
        page.get_by_label("Survey").select_option(label="Monthly check-in")
        with page.expect_navigation():
            page.get_by_role("button", name="Send this survey", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("Queued")
        invite = [t for t in thread(page) if not t["you"]][-1]
        assert invite["meta"] == "10:30pm · held until 8:00am (quiet hours)", invite
    finally:
        live.app.config["CLOCK"] = None


# --- a phone, and the number ------------------------------------------------------------------------------------


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_on_a_phone_the_thread_and_reply_box_fit_the_screen(signed_in: PageFactory, javascript: bool) -> None:
    page = signed_in("phone", javascript=javascript)
    expect_no_sideways_scroll(page)
    choose_number(page, "07700 900205" if javascript else "07700 900206")
    for body in TWELVE[6:]:
        send(page, body)
        expect_reply_box_in_view(page)
        expect_newest_last_and_in_view(page, body)
    phone = page.locator(".sim-phone").bounding_box()
    assert phone is not None and phone["width"] >= 390 - 2 * 16 - 1, f"the phone is not the screen's width: {phone}"
    expect_no_sideways_scroll(page)
    if javascript:
        expect_nothing_serious(page)


def test_once_a_number_is_chosen_it_is_a_label_with_a_link_to_change_it(signed_in: PageFactory) -> None:
    page = signed_in("desktop")
    choose_number(page, "07700 900207")
    send(page, "first text from this number")
    expect(page.get_by_label("Pretend phone number")).to_have_count(0)
    expect(page.locator(".sim-from")).to_contain_text("From 07700 900207")
    page.get_by_role("link", name="Change number").click()
    expect(page.get_by_label("Pretend phone number")).to_have_value("07700 900207")
    expect(page.locator("#phone")).to_be_focused()
    choose_number(page, "07700 900208")
    send(page, "and this one from another number")
    expect(page.locator(".sim-from")).to_contain_text("From 07700 900208")
    assert [t["body"] for t in thread(page) if t["you"]] == ["and this one from another number"]


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_a_real_number_is_refused_with_the_reason_at_the_top_and_at_the_field(
    signed_in: PageFactory, javascript: bool
) -> None:
    page = signed_in("phone", javascript=javascript)
    choose_number(page, "07911 123456")
    send(page, "this should never be sent")
    summary = page.get_by_role("alert").filter(has_text="there is a problem")
    expect(summary).to_contain_text("Use a drama number between 07700 900000 and 07700 900999.")
    expect(page.locator("#phone-error")).to_contain_text("drama number")
    expect(page.get_by_label("Text message")).to_have_value("this should never be sent")
    assert page.title().startswith("Error: ")
    if javascript:
        expect(page.locator(".error-summary")).to_be_focused()
    summary.get_by_role("link").click()
    expect(page.locator("#phone")).to_be_focused()
    expect_no_sideways_scroll(page)
    if javascript:
        expect_nothing_serious(page)


def test_an_empty_text_is_not_sent_and_the_thread_stays(signed_in: PageFactory) -> None:
    page = signed_in("desktop")
    choose_number(page, "07700 900209")
    send(page, "a text before the empty one")
    send(page, "   ")
    expect(page.get_by_role("alert").filter(has_text="there is a problem")).to_contain_text("Write the text to send.")
    expect(page.locator("#reply-error")).to_contain_text("Write the text to send.")
    assert [t["body"] for t in thread(page) if t["you"]] == ["a text before the empty one"]
    expect(page.locator(".sim-from")).to_contain_text("From 07700 900209")
    expect_nothing_serious(page)

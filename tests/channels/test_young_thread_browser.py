"""A statement as a thread with their worker, in a real browser (Chromium): a young person on a phone 390 px wide
sends a worry from their own page, their worker replies on a desktop, the young person reads the reply and writes
back, the worker is emailed and reads the answer, and replies again. Every page the young person sees on the way
meets WCAG 2.2 AA by axe-core (no serious or critical violation), has big tap targets, and is never wider than the
phone. The page for an expired link says how to get a new one, with a link that opens the phone's messages.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from feedback.accounts import operations as staff
from feedback.people import links
from feedback.people import operations as people
from feedback.safeguarding.models import Notification
from feedback.statements import operations as statements
from feedback.statements.models import Statement
from tests import log_watch
from tests.browser import (
    DESKTOP,
    PHONE,
    LiveApp,
    axe_source,
    axe_violations,
    describe_violations,
    serve,
    small_tap_targets,
    too_wide,
)
from tests.conftest import SERVICE_NUMBER

TIMEOUT_MS = 5000
PASSWORD = "a long enough password"
SAM = "sam.jones@example.org"
WORRY = "My placement might end and nobody has told me why"
HELPS = "A meeting with my worker this week"
FIRST_REPLY = "Thanks for telling me. Can we meet on Thursday after school?"
ANSWER = "Thursday is good, but after 4 please because of football"
SECOND_REPLY = "Great, see you at 4:15 on Thursday at the house."


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    database: Path = tmp_path_factory.mktemp("thread") / "feedback.db"
    with serve(database) as live_app:
        yield live_app


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def open_page(browser: Browser, contexts: list[BrowserContext], **options: Any) -> Page:
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    contexts.append(context)
    return context.new_page()


class Audit:
    """What axe-core, the tap targets and the page's width say about each page a young person sees."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.source = axe_source()
        self.problems: dict[str, str] = {}
        self.checked: list[str] = []

    def __call__(self, name: str) -> None:
        self.page.wait_for_load_state("load")  # the stylesheets in, so sizes and colours are what a phone shows
        found = describe_violations(axe_violations(self.page, self.source))
        small = small_tap_targets(self.page)
        if small:
            found += "\n".join(["", "tap targets under 44x44 CSS px:", *small])
        if why := too_wide(self.page):
            found += f"\n{why}"
        if found.strip():
            self.problems[f"{name} ({urlsplit(self.page.url).path})"] = found.strip()
        self.checked.append(name)

    def passed(self) -> None:
        assert self.checked, "nothing was checked"
        assert not self.problems, "\n\n".join(f"{where}:\n{found}" for where, found in self.problems.items())


def sign_in_as_sam(page: Page, live: LiveApp) -> None:
    page.goto(f"{live.url}/staff/login")
    page.get_by_label("Email").fill(SAM)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("navigation", name="Staff")).to_be_visible()


def worker_replies(page: Page, words: str) -> None:
    page.get_by_label("Your reply").fill(words)
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("ol.thread")).to_contain_text(words)


def test_a_statement_becomes_a_conversation_both_ways(
    live: LiveApp, browser: Browser, contexts: list[BrowserContext]
) -> None:
    with live.context() as session:
        sam = staff.create_user(session, SAM, PASSWORD, "worker", team="Hamilton", display_name="Sam Jones")
        person = people.get_or_create_person(session, "+447700900611")
        staff.assign(session, person, worker=sam, team=None)
        token = links.issue(session, person.id, now=datetime.now(UTC), valid_for=timedelta(days=90))
        session.commit()
        person_id = person.id
    for words in (WORRY, HELPS, ANSWER):
        log_watch.remember(words)

    young = open_page(browser, contexts, **PHONE)
    audit = Audit(young)
    young.goto(f"{live.url}/me/{token}")
    expect(young.locator(".who-reads")).to_have_text(
        "Your worker is Sam Jones, Hamilton team. What you send here goes to them."
    )
    audit("their page, nothing sent yet")

    young.get_by_role("link", name=re.compile("I'm worried about something")).click()
    young.get_by_role("link", name="Start").click()
    young.get_by_label("What are you worried about?").fill(WORRY)
    young.get_by_role("button", name="Next").click()
    young.get_by_label("What would help?").fill(HELPS)
    young.get_by_role("button", name="Send to my worker").click()
    expect(young.get_by_role("heading", level=1)).to_have_text("Sent to your worker")
    audit("statement sent")
    young.get_by_role("link", name="Go to your page").click()
    card = young.locator("li.thread-card")
    expect(card.locator(".status")).to_have_text("Sent: not read yet")
    expect(card).to_contain_text(WORRY)
    expect(young.get_by_label(re.compile("^Write back"))).to_have_count(0)  # nothing to answer yet
    audit("their page, statement sent")

    with live.context() as session:
        statement_id = session.scalars(select(Statement.id).where(Statement.person_id == person_id)).one()
    worker = open_page(browser, contexts, **DESKTOP)
    sign_in_as_sam(worker, live)
    worker.goto(f"{live.url}/staff/statements/{statement_id}")
    expect(worker.get_by_text(WORRY)).to_be_visible()
    worker_replies(worker, FIRST_REPLY)

    young.reload()
    expect(card.locator(".status")).to_have_text("Replied")
    expect(card.locator("ol.chat > li.theirs")).to_contain_text(["Sam Jones replied"])
    expect(card.locator("ol.chat > li.theirs .words")).to_have_text([FIRST_REPLY])
    audit("their page, with a reply")

    young.get_by_label("Write back to Sam Jones").fill(ANSWER)
    young.get_by_role("button", name="Send").click()
    expect(young.get_by_role("status").filter(has_text="Sent.")).to_contain_text("Sam Jones will get an email")
    expect(card.locator(".status")).to_have_text("Sent: not read yet")
    expect(card.locator("ol.chat > li.mine .words")).to_have_text([ANSWER])
    audit("their page, after writing back")

    with live.context() as session:
        (email,) = session.scalars(select(Notification).where(Notification.reason == statements.ANSWER_REASON)).all()
        assert email.recipient == SAM and email.channel == "email"
        assert ANSWER not in email.body and "football" not in email.body and WORRY not in email.body
        assert f"/staff/statements/{statement_id}" in email.body

    worker.reload()
    expect(worker.locator("ol.thread > li.in")).to_contain_text([ANSWER])
    expect(worker.get_by_role("heading", name="Reply to their answer")).to_be_visible()
    expect(worker.get_by_role("button", name="Mark as read")).to_be_visible()  # unread again
    worker_replies(worker, SECOND_REPLY)

    young.reload()
    expect(card.locator(".status")).to_have_text("Replied")
    said = card.locator("ol.chat > li")
    expect(said).to_have_count(4)  # what they sent, the reply, their answer, the reply to it: in time order
    expect(said.nth(0)).to_contain_text(WORRY)
    expect(said.nth(1)).to_contain_text(FIRST_REPLY)
    expect(said.nth(2)).to_contain_text(ANSWER)
    expect(said.nth(3)).to_contain_text(SECOND_REPLY)
    expect(young.get_by_label("Write back to Sam Jones")).to_be_visible()  # under the latest reply
    expect(young.locator("a[href^='tel:']").first).to_be_visible()  # the help numbers, to tap and call
    audit("their page, the whole thread")
    audit.passed()


def test_an_expired_link_says_how_to_get_a_new_one(
    live: LiveApp, browser: Browser, contexts: list[BrowserContext]
) -> None:
    page = open_page(browser, contexts, **PHONE)
    audit = Audit(page)
    response = page.goto(f"{live.url}/me/a-link-that-has-expired")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has expired")
    text_us = page.get_by_role("link", name="Text HELP to 07700 900999")
    expect(text_us).to_have_attribute("href", f"sms:{SERVICE_NUMBER}?&body=HELP")
    expect(page.get_by_role("link", name="0800 1111").first).to_have_attribute("href", "tel:08001111")
    audit("expired link")
    audit.passed()

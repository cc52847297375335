"""The Champions Board's pictures in a real browser (Debian's Chromium, driven by Playwright): the summary with its
overview, breakdown and trend charts, a theme's page, and the board pack on screen and on A4, on a 390 px phone
and a 1280 px desktop. Every chart is an image with a title and a description, has its numbers in a table with the
footnote, fits a phone without scrolling sideways, and axe-core finds no WCAG 2.2 AA violation of any impact.

The app is served once for the module on a SQLite file, with a year of texts filed in four quarters: enough for
shown counts, hidden ones and a gap in a trend.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.orm import Session

from feedback.accounts import operations as staff
from feedback.advocacy import cases
from feedback.channels.sms.simulator import text_as
from feedback.core.clock import local_date, now
from feedback.insight import filing as analysis
from feedback.insight.summary import Quarter, local_start
from feedback.messages.inbound import InboundPolicy
from tests import log_watch
from tests.browser import (
    AXE_TAGS,
    DESKTOP,
    PHONE,
    LiveApp,
    axe_source,
    describe_violations,
    serve,
    staff_page,
    too_wide,
)
from tests.insight.words import TROUBLES

CHAMPION = "board@example.org"
PASSWORD = "a long enough password"
TIMEOUT_MS = 10_000
SCREENS = {"phone": PHONE, "desktop": DESKTOP}
FOOTNOTE = "[c] hidden: fewer than 10, or hidden so that a smaller number cannot be worked out"

# Words to make messages about one thing that are not near-duplicates of each other (quotes leave those out).
PLACES = [
    "college",
    "town",
    "shops",
    "station",
    "library",
    "dentist",
    "doctor",
    "market",
    "cinema",
    "hospital",
    "court",
    "museum",
    "uni",
    "airport",
    "park",
    "beach",
    "church",
    "mosque",
    "gym",
    "pool",
    "panel",
    "school",
    "work",
    "office",
    "chemist",
    "bank",
    "jobcentre",
    "clinic",
    "surgery",
    "harbour",
]
THEMES = {
    "transport": "the bus to the {place} was {trouble} again",
    "money": "skint again, cant afford the {place} this week, its {trouble}",
    "mental-health": "feeling really anxious and low about the {place}, its {trouble}",
    "housing": "my flat has damp and the landlord wont fix it, the {place} is {trouble}",
    "worker-relationships": "my worker never answers about the {place}, its {trouble}",
}
# Messages per theme in each of four quarters, oldest first: a hidden quarter (under 10) makes a gap in a trend.
YEAR = {
    "transport": (12, 15, 6, 19),
    "money": (10, 11, 14, 3),
    "mental-health": (0, 10, 12, 16),
    "housing": (11, 4, 10, 12),
    "worker-relationships": (10, 12, 11, 13),
}


ON_REGISTER, OFFERED, CHECKED_IN = 40, 26, 14


def texts(theme: str, how_many: int, offset: int) -> list[str]:
    return [
        THEMES[theme].format(place=PLACES[(n + offset) % len(PLACES)], trouble=TROUBLES[(n * 7 + offset) % 30])
        for n in range(how_many)
    ]


def file_a_year(app: Flask, session: Session, *, today: datetime) -> None:
    """Texts from pretend numbers in each of the last four quarters (the newest one so far), each filed as it
    arrived: the summary reads them from the daily totals filing keeps. Most of the young people are in two
    localities, a few in a third, and some are not on the register."""
    policy = InboundPolicy.from_config(app.config)
    places = ["Hamilton", "East Kilbride", "Hamilton", "East Kilbride", None, "Clydesdale"]
    current = Quarter.containing(local_date(today))
    number = 0
    for back in range(4):
        quarter = current.shift(back - 3)
        moment = today if back == 3 else local_start(quarter.first) + timedelta(days=20, hours=12)
        for theme, counts in YEAR.items():
            for text in texts(theme, counts[back], offset=back * 5):
                log_watch.remember(text)
                person = text_as(session, f"07700 900{number:03d}", text, now=moment, policy=policy)
                person.locality = places[number % len(places)]
                if number < ON_REGISTER:
                    person.ref = f"SL{number:04d}"
                number += 1
        analysis.analyse_pending(session, now=moment, limit=1000)
        session.commit()
    for n in range(CHECKED_IN):  # the monthly check-in by text this quarter, for the survey results
        for reply in ("CHECKIN", "4" if n % 6 else "2", "a" if n % 3 else "b", "yes", "SKIP"):
            text_as(session, f"07700 900{500 + n:03d}", reply, now=today, policy=policy)
    session.commit()
    for n in range(OFFERED):  # offers of advocacy this quarter, to 26 of the 40 on the register: 65%
        offer = {"ref": f"SL{n:04d}", "offered_on": local_date(today).isoformat(), "offered_by": "Advocacy worker"}
        offer |= {"context": "looked-after-review", "response": "accepted" if n % 2 else "thinking"}
        cases.log_offer(session, offer, now=today, recorded_by_id=None)
    session.commit()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    database: Path = tmp_path_factory.mktemp("insight-browser") / "feedback.db"
    with serve(database) as live_app:
        with live_app.context() as session:
            staff.create_user(session, CHAMPION, PASSWORD, "champions")
            file_a_year(live_app.app, session, today=now())
            session.commit()
        yield live_app


@pytest.fixture
def signed_in(browser: Browser, live: LiveApp) -> Iterator[Callable[[str], Page]]:
    """A browser signed in as a member of the Champions Board's staff, on a phone or a desktop screen."""
    contexts = []

    def open_page(screen: str) -> Page:
        page = staff_page(browser, live, CHAMPION, PASSWORD, SCREENS[screen], timeout_ms=TIMEOUT_MS)
        contexts.append(page.context)
        return page

    yield open_page
    for context in contexts:
        context.close()


# --- checks -----------------------------------------------------------------------------------------------------


def every_violation(page: Page) -> str:
    """axe-core's WCAG 2.2 AA violations of any impact (minor ones too), described; empty when there are none."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", AXE_TAGS
    )
    return describe_violations(results["violations"])


def charts_on(page: Page) -> list[dict[str, Any]]:
    """Every chart on the page: its role, what names and describes it, and whether it can take focus."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('svg')].filter(svg => !svg.closest('[aria-hidden=true]'))
              .map(svg => {
                const ids = (svg.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
                const named = ids.map(id => document.getElementById(id));
                return {
                  role: svg.getAttribute('role'),
                  focusable: svg.getAttribute('focusable'),
                  viewBox: svg.getAttribute('viewBox'),
                  title: named[0] && named[0].tagName === 'title' ? named[0].textContent.trim() : '',
                  desc: named[1] && named[1].tagName === 'desc' ? named[1].textContent.trim() : '',
                  inside: named.every(n => n && svg.contains(n)),
                  width: svg.getBoundingClientRect().width,
                };
              })"""
        )
    )


def expect_accessible_charts(page: Page, *, at_least: int) -> None:
    found = charts_on(page)
    assert len(found) >= at_least, f"{len(found)} charts on {page.url}"
    for chart in found:
        assert chart["role"] == "img" and chart["focusable"] == "false" and chart["viewBox"], chart
        assert chart["title"] and chart["desc"] and chart["inside"], chart
        assert chart["width"] <= page.evaluate("window.innerWidth"), chart


def expect_no_sideways_scroll(page: Page) -> None:
    assert (why := too_wide(page)) is None, why


def expect_clean(page: Page) -> None:
    found = every_violation(page)
    assert not found, f"{page.url}:\n{found}"


# --- the summary ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_the_summary_shows_its_charts_with_words_and_the_numbers_behind_them(
    signed_in: Callable[[str], Page], live: LiveApp, screen: str
) -> None:
    page = signed_in(screen)
    page.goto(f"{live.url}/staff/summary")
    overview = page.get_by_role("img", name=re.compile(r"^Messages by theme, \w+ to \w+ \d{4} beside"))
    expect(overview).to_be_visible()
    expect(overview).to_contain_text("Getting around")  # labels in words, on the chart itself
    expect(page.get_by_role("table", name="Themes, largest first")).to_contain_text("[c]")
    # Trends for every theme raised, on one scale: each a small chart, the numbers in one table.
    for theme in ("Getting around", "Money", "Mental health and feelings", "Housing", "Relationships with workers"):
        expect(page.get_by_role("img", name=re.compile(f"^{theme}: messages by quarter"))).to_be_visible()
    tops = page.locator("ul.multiples svg").evaluate_all(
        "charts => charts.map(svg => svg.querySelector('text[text-anchor=end]').textContent)"
    )
    assert len(set(tops)) == 1, f"the small charts have different scales: {tops}"
    trends = page.get_by_role("table", name="Messages by quarter, each theme")
    expect(trends).to_contain_text("[c]")  # a hidden quarter, which the line shows as a gap
    expect(page.locator("#trends-note")).to_have_text(FOOTNOTE + ".")
    expect(trends).to_have_attribute("aria-describedby", "trends-note")
    expect(page.locator("svg[role=img] desc").first).not_to_be_empty()
    expect_accessible_charts(page, at_least=6)
    expect_no_sideways_scroll(page)
    expect_clean(page)

    page.goto(f"{live.url}/staff/summary?by=locality")
    breakdown = page.get_by_role("img", name=re.compile("^All messages and the top themes by locality"))
    expect(breakdown).to_be_visible()
    expect(page.get_by_role("table", name="Themes by locality")).to_have_accessible_description(FOOTNOTE + ".")
    expect_accessible_charts(page, at_least=7)
    expect_no_sideways_scroll(page)
    expect_clean(page)


def test_a_groups_summary_says_feeling_is_for_everyone_only(signed_in: Callable[[str], Page], live: LiveApp) -> None:
    page = signed_in("phone")
    page.goto(f"{live.url}/staff/summary?channel=sms")
    expect(page.get_by_text("Feeling is shown for everyone only", exact=False)).to_be_visible()
    expect(page.get_by_role("table", name="Themes, largest first")).not_to_contain_text("mostly")
    expect_no_sideways_scroll(page)
    expect_clean(page)


# --- a theme's page ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_a_themes_page_shows_its_feeling_its_trend_and_where_surveys_ask_about_it(
    signed_in: Callable[[str], Page], live: LiveApp, screen: str
) -> None:
    page = signed_in(screen)
    page.goto(f"{live.url}/staff/summary/themes/worker-relationships")
    expect(page.get_by_role("heading", level=1)).to_have_text("Relationships with workers")
    feeling = page.get_by_role("img", name=re.compile("^Relationships with workers: how the messages felt"))
    expect(feeling).to_be_visible()
    expect(page.locator(".feeling-words")).to_have_text(
        re.compile(r"^(mostly \w+|mixed|partly hidden): \S+ negative, \S+ neutral")
    )
    expect(page.get_by_role("table", name="How the messages felt, as numbers")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("^Relationships with workers: messages by quarter"))).to_be_visible()
    expect(
        page.get_by_role("table", name="Relationships with workers: messages by quarter, as numbers")
    ).to_be_visible()
    # The monthly check-in asks "Do you see your worker enough?", filed under this theme: a link to its results.
    asked = page.get_by_role("link", name=re.compile("^Monthly check-in: "))
    expect(asked).to_have_attribute("href", "/staff/surveys/monthly-checkin/results")
    expect_accessible_charts(page, at_least=2)
    expect_no_sideways_scroll(page)
    expect_clean(page)

    page.goto(f"{live.url}/staff/summary/themes/transport?period={Quarter.containing(local_date(now())).shift(-1)}")
    expect(page.get_by_role("table", name=re.compile("^Getting around: messages by quarter"))).to_contain_text("[c]")
    expect_clean(page)


# --- the board pack ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_the_board_pack_reads_on_screen(signed_in: Callable[[str], Page], live: LiveApp, screen: str) -> None:
    page = signed_in(screen)
    page.goto(f"{live.url}/staff/report")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^What young people told us, \w+ to \w+"))
    expect(page.get_by_role("img", name=re.compile("^Messages by theme"))).to_be_visible()
    for heading in ("Top themes", "Rising themes", "Survey results", "What young people said", "Advocacy"):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    expect(page.locator(".headline")).to_have_text(
        "65% offered or accepted advocacy, against the Promise's 70%: below the target."
    )
    expect(page.locator("blockquote").first).to_be_visible()  # quotes, for everyone
    # Each running survey's results for the quarter: a chart of each question's answers, and their table.
    expect(page.get_by_role("heading", name="Monthly check-in", level=3)).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("^How are things where you live"))).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("^Answers to “How are things where you live"))).to_be_visible()
    expect_accessible_charts(page, at_least=2)
    expect_no_sideways_scroll(page)
    expect_clean(page)


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_a_surveys_results_page_linked_from_a_theme_reads_on_any_screen(
    signed_in: Callable[[str], Page], live: LiveApp, screen: str
) -> None:
    page = signed_in(screen)
    page.goto(f"{live.url}/staff/summary/themes/worker-relationships")
    page.get_by_role("link", name=re.compile("^Monthly check-in: ")).click()
    expect(page).to_have_url(re.compile(r"/staff/surveys/monthly-checkin/results$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Monthly check-in")
    expect_no_sideways_scroll(page)
    expect_clean(page)


def test_the_board_pack_prints_on_a4_a_part_a_page(signed_in: Callable[[str], Page], live: LiveApp) -> None:
    page = signed_in("desktop")
    page.goto(f"{live.url}/staff/report")
    page.emulate_media(media="print")
    expect(page.locator("header.bar")).to_be_hidden()
    breaks = page.locator("section.pack").evaluate_all("parts => parts.map(p => getComputedStyle(p).breakBefore)")
    assert breaks[0] != "page" and set(breaks[1:]) == {"page"}, breaks
    expect_clean(page)
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", page.pdf(format="A4")))
    assert pages >= len(breaks), f"{pages} A4 pages for {len(breaks)} parts"

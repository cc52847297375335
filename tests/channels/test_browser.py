"""The young person's pages in a real browser (Chromium), on a phone-sized screen: a survey from start to thanks,
resuming, keyboard only, without JavaScript, a statement to their worker, "You said, we did", WCAG 2.2 AA by
axe-core, tap targets and page weight on a poor signal. Then the Champions Board's summary and printable report on
a desktop screen: WCAG 2.2 AA, and a report that prints without the staff menus.

The app is served once for the module on a SQLite file, with real CSRF; each test has a browser context of its
own, so each is a new visitor (a new cookie) unless it says otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Response, expect

from feedback.accounts import operations as staff
from feedback.actions import operations as actions
from feedback.actions.operations import Proposed
from feedback.core.clock import local_date, now
from feedback.insight import filing as analysis
from feedback.people import operations as people
from feedback.statements import operations as statements
from feedback.statements import queries as statement_queries
from feedback.surveys import export
from tests.browser import (
    DESKTOP,
    PHONE,
    LiveApp,
    axe_source,
    axe_violations,
    contrast_with_white,
    describe_violations,
    focused,
    serve,
    small_tap_targets,
)
from tests.conftest import TwilioWebhook

SURVEY = "/s/monthly-checkin"
TIMEOUT_MS = 5000
CHAMPION = "champion@example.org"
PASSWORD = "a long enough password"
PageFactory = Callable[..., Page]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    database: Path = tmp_path_factory.mktemp("browser") / "feedback.db"
    with serve(database) as live_app:
        yield live_app


@pytest.fixture
def new_page(browser: Browser) -> Iterator[PageFactory]:
    """Opens a page in a fresh browser context (a new visitor): a phone unless told otherwise."""
    contexts = []

    def open_page(**options: Any) -> Page:
        context = browser.new_context(**{**PHONE, **options})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: PageFactory) -> Page:
    return new_page()


@pytest.fixture(scope="module")
def champion(live: LiveApp) -> int:
    """A member of the Champions Board's staff (role "champions"), who can sign in as CHAMPION."""
    with live.context() as session:
        user = staff.create_user(session, CHAMPION, PASSWORD, "champions")
        session.commit()
        return user.id


@pytest.fixture(scope="module")
def actions_recorded(live: LiveApp, champion: int) -> None:
    """Two things done about what young people said: one done, one planned."""
    with live.context() as session:
        moment = now()
        for theme, you_said, we_did, status, days in [
            ("transport", "The bus to college is late a lot.", "We got free bus passes for college.", "done", -20),
            ("money", "Money runs out before the end of the week.", "We will make a money guide.", "planned", 30),
        ]:
            proposed = Proposed(
                theme=theme,
                you_said=you_said,
                we_did=we_did,
                by_whom="Throughcare team",
                status=status,
                action_date=local_date(moment + timedelta(days=days)),
            )
            actions.create(session, proposed, created_by_id=champion, now=moment)
        session.commit()


@pytest.fixture(scope="module")
def messages_analysed(live: LiveApp) -> None:
    """Twelve texts about buses and three about money, sent as Twilio sends them and analysed into themes."""
    twilio = TwilioWebhook(live.app.test_client())
    texts = [f"the bus to college was late again, number {n}" for n in range(12)]
    texts += ["pure skint this week", "no money for the electric", "my UC got stopped"]
    for n, text in enumerate(texts):
        twilio.replies(text, sender=f"+4477009{500 + n:05d}")
    with live.context() as session:
        analysis.analyse_pending(session, now=now())
        session.commit()


# --- what a young person does -------------------------------------------------------------------------------


def choose(page: Page, words: str) -> None:
    """Tap the option showing `words` (anywhere on its label, as a finger would) and see it chosen."""
    page.locator("label.option").filter(has=page.get_by_text(words, exact=True)).click()
    expect(page.get_by_role("radio", name=words, exact=True)).to_be_checked()


def press(page: Page, button: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()


def expect_question(page: Page, number: int, total: int = 4) -> None:
    expect(page.get_by_text(f"Question {number} of {total}", exact=True)).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/q/{number}$"))
    # The text shows before the stylesheet is in on a loaded machine: styles are read only once the page is loaded.
    page.wait_for_load_state("load")


def answers_of(live: LiveApp, respondent: str, survey: str = "monthly-checkin") -> list[dict[str, Any]]:
    with live.context() as session:
        return [
            row for row in export.iter_responses(session) if row["respondent"] == respondent and row["survey"] == survey
        ]


def tab_to(page: Page, selector: str, *, backwards: bool = False, limit: int = 25) -> None:
    """Press Tab (or Shift+Tab) until the focused element matches `selector`: the keyboard, never the mouse."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {selector} on {page.url}")


def expect_focus_shown(page: Page, what: str) -> None:
    """An outline, and something in the focus indicator that stands out 3:1 from the white page (WCAG 1.4.11)."""
    now = focused(page)
    assert now["outline"] != "none" and now["outlineWidth"] > 0, f"{what} has focus but no outline: {now}"
    assert max(contrast_with_white(c) for c in now["colours"]) >= 3, f"{what}'s focus hardly shows on white: {now}"


# --- 1. a survey on a phone -----------------------------------------------------------------------------------


def test_a_young_person_completes_the_survey_on_a_phone(live: LiveApp, page: Page) -> None:
    page.goto(live.url + SURVEY)
    expect(page.get_by_role("heading", level=1)).to_have_text("Monthly check-in")
    page.get_by_role("link", name="Start").click()

    expect_question(page, 1)
    expect(page.get_by_role("group", name="How are things where you live?")).to_be_visible()
    choose(page, "4 Good")
    press(page, "Next")

    expect_question(page, 2)
    choose(page, "Not sure")
    press(page, "Next")

    expect_question(page, 3)
    choose(page, "Yes")
    press(page, "Next")

    expect_question(page, 4)
    # Who this visitor is, read while the survey is open: finishing makes the device forget them.
    who = live.anonymous_pseudonym(page.context.cookies())
    page.get_by_label("What one thing would make life better?").fill("More time with my worker, and a bus pass")
    press(page, "Finish")

    expect(page).to_have_url(live.url + SURVEY + "/done")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()

    rows = answers_of(live, who)
    assert {row["question"]: row["value"] for row in rows} == {
        "home": 4,
        "worker": "not sure",
        "heard": "yes",
        "change": "More time with my worker, and a bus pass",
    }
    assert {row["channel"] for row in rows} == {"web"}


# --- 2. coming back later -------------------------------------------------------------------------------------


def test_coming_back_carries_on_where_they_left_off(live: LiveApp, page: Page) -> None:
    page.goto(live.url + SURVEY + "/q/1")
    choose(page, "2 Bad")
    press(page, "Next")
    choose(page, "No")
    press(page, "Next")
    expect_question(page, 3)

    page.goto("about:blank")
    page.goto(live.url + SURVEY)
    expect(page.get_by_role("link", name="Start", exact=True)).to_have_count(0)
    page.get_by_role("link", name="Carry on where you left off").click()
    expect_question(page, 3)
    expect(page.get_by_role("radio", checked=True)).to_have_count(0)

    page.get_by_role("link", name="Back", exact=True).click()
    expect_question(page, 2)
    expect(page.get_by_role("radio", name="No", exact=True)).to_be_checked()
    page.get_by_role("link", name="Back", exact=True).click()
    expect_question(page, 1)
    expect(page.get_by_role("radio", name="2 Bad", exact=True)).to_be_checked()


# --- 3. accessibility of every page a young person sees -------------------------------------------------------


@pytest.mark.usefixtures("actions_recorded")
def test_every_young_persons_page_meets_wcag_22_aa_and_has_big_targets(live: LiveApp, page: Page) -> None:
    source = axe_source()
    problems: dict[str, str] = {}

    def audit(name: str) -> None:
        found = describe_violations(axe_violations(page, source))
        small = small_tap_targets(page)
        if small:
            found += "\n".join(["", "tap targets under 44x44 CSS px:", *small])
        if found.strip():
            problems[f"{name} ({urlsplit(page.url).path})"] = found.strip()

    page.goto(live.url + SURVEY)
    audit("survey start")
    page.get_by_role("link", name="Start").click()
    audit("rating question")
    press(page, "Next")
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
    audit("question with an error")
    choose(page, "3 OK")
    press(page, "Next")
    audit("choice question")
    choose(page, "Yes")
    press(page, "Next")
    audit("yes/no question")
    choose(page, "No")
    press(page, "Next")
    audit("text question")
    page.goto(live.url + SURVEY)
    expect(page.get_by_role("link", name="Carry on where you left off")).to_be_visible()
    audit("survey start, part done")
    page.get_by_role("link", name="Carry on where you left off").click()
    page.get_by_role("textbox").fill("x" * 2001)
    press(page, "Finish")
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_be_visible()
    audit("text question with an error")
    press(page, "Skip this question")
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    audit("thanks")

    token = live.personal_token("+447700900301")
    page.goto(f"{live.url}/me/{token}")
    page.get_by_role("link", name=re.compile("I'm worried about something")).click()
    audit("statement start")
    page.get_by_role("link", name="Start").click()
    audit("statement question")
    page.get_by_role("textbox").fill("Moving again")
    press(page, "Next")
    press(page, "Skip this question")
    expect(page.get_by_role("heading", name="Sent to your worker")).to_be_visible()
    audit("statement sent")
    page.goto(f"{live.url}/me/{token}")
    expect(page.get_by_text("Sent: not read yet")).to_be_visible()
    audit("their own page, with a statement sent")

    response = page.goto(f"{live.url}/me/not-a-real-token")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="This link has expired")).to_be_visible()
    audit("expired link")

    page.goto(f"{live.url}/you-said-we-did")
    expect(page.get_by_role("heading", name="Getting around", level=2)).to_be_visible()
    audit("you said, we did")

    page.get_by_role("link", name=re.compile("Your privacy")).click()  # in the footer of every young person's page
    expect(page).to_have_url(f"{live.url}/privacy")
    expect(page.get_by_role("heading", name="When we must tell someone", level=2)).to_be_visible()
    audit("privacy notice")

    assert not problems, "\n\n".join(f"{where}:\n{found}" for where, found in problems.items())


# --- 4. keyboard only -----------------------------------------------------------------------------------------


def test_a_survey_can_be_done_with_the_keyboard_alone(live: LiveApp, page: Page) -> None:
    page.goto(live.url + SURVEY)
    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip["text"] == "Skip to content", skip
    assert skip["height"] >= 44, skip
    expect_focus_shown(page, "The skip link")
    tab_to(page, "a.button")
    expect_focus_shown(page, "The Start link")
    page.keyboard.press("Enter")

    expect_question(page, 1)
    tab_to(page, "a.back")
    expect_focus_shown(page, "The Back link")
    tab_to(page, "input[type=radio]")
    expect_focus_shown(page, "A radio button")
    for _ in range(3):
        page.keyboard.press("ArrowDown")  # from 1 to 4: arrows move the choice within the group
    expect(page.get_by_role("radio", name="4 Good", exact=True)).to_be_checked()
    tab_to(page, "button")
    expect_focus_shown(page, "The Next button")
    assert focused(page)["text"] == "Next"
    page.keyboard.press("Enter")

    expect_question(page, 2)
    tab_to(page, "input[type=radio]")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("radio", name="No", exact=True)).to_be_checked()
    tab_to(page, "button")
    tab_to(page, "input[type=radio]", backwards=True)  # Shift+Tab returns to the chosen answer, not the first
    assert focused(page)["value"] == "no"
    tab_to(page, "button")
    page.keyboard.press("Enter")

    expect_question(page, 3)
    tab_to(page, "input[type=radio]")
    page.keyboard.press("Space")
    tab_to(page, "button")
    page.keyboard.press("Enter")

    expect_question(page, 4)
    # Who this visitor is, read while the survey is open: finishing makes the device forget them.
    who = live.anonymous_pseudonym(page.context.cookies())
    tab_to(page, "textarea")
    expect_focus_shown(page, "The text box")
    page.keyboard.type("Done with the keyboard")
    tab_to(page, "button")
    assert focused(page)["text"] == "Finish"
    expect_focus_shown(page, "The Finish button")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    rows = answers_of(live, who)
    assert {row["question"]: row["value"] for row in rows} == {
        "home": 4,
        "worker": "no",
        "heard": "yes",
        "change": "Done with the keyboard",
    }


# --- 5. with and without JavaScript ---------------------------------------------------------------------------


def test_a_survey_works_without_javascript(live: LiveApp, new_page: PageFactory) -> None:
    page = new_page(java_script_enabled=False)
    page.goto(live.url + SURVEY)
    page.get_by_role("link", name="Start").click()
    choose(page, "5 Great")
    press(page, "Next")
    choose(page, "Yes")
    press(page, "Next")
    choose(page, "No")
    press(page, "Next")

    expect_question(page, 4)
    # Who this visitor is, read while the survey is open: finishing makes the device forget them.
    who = live.anonymous_pseudonym(page.context.cookies())
    count = page.locator("#answer-count")
    expect(count).to_have_text("You can write up to 2,000 characters.")
    page.get_by_role("textbox").fill("No script needed")
    expect(count).to_have_text("You can write up to 2,000 characters.")  # nothing counts without JavaScript
    press(page, "Finish")
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()

    rows = answers_of(live, who)
    assert [row["value"] for row in rows] == [5, "yes", "no", "No script needed"]


def test_the_counter_counts_down_as_they_type(live: LiveApp, page: Page) -> None:
    page.goto(live.url + SURVEY + "/q/4")
    count = page.locator("#answer-count")
    expect(count).to_have_text("You have 2,000 characters left")
    page.get_by_role("textbox").press_sequentially("0123456789")
    expect(count).to_have_text("You have 1,990 characters left")
    page.get_by_role("textbox").fill("x" * 1999)
    expect(count).to_have_text("You have 1 character left")
    page.get_by_role("textbox").fill("x" * 2001)
    expect(count).to_have_text("You have 1 character too many")
    expect(count).to_have_class(re.compile(r"\bover\b"))
    page.get_by_role("textbox").fill("x" * 2050)
    expect(count).to_have_text("You have 50 characters too many")


# --- 6. too long ----------------------------------------------------------------------------------------------


def test_too_long_an_answer_is_refused_and_kept_in_the_box(live: LiveApp, page: Page) -> None:
    words = ("I want to say this. " * 105)[:2100]
    page.goto(live.url + SURVEY + "/q/4")
    box = page.get_by_role("textbox")
    box.fill(words)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        press(page, "Finish")
    assert posted.value.status == 400

    expect_question(page, 4)
    expect(page).to_have_title(re.compile("^Error: "))
    message = "That's 2,100 characters. Please make it 2,000 or fewer."
    expect(page.get_by_role("alert")).to_contain_text(message)
    expect(box).to_have_value(words)
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(box).to_have_accessible_description(re.compile(re.escape(message)))

    box.fill(words[:2000])
    press(page, "Finish")
    # Saved; the survey is not finished while the questions before it have no answer, so it goes back to them.
    expect_question(page, 1)
    expect(page.get_by_role("status")).to_contain_text("this one still needs an answer")
    rows = answers_of(live, live.anonymous_pseudonym(page.context.cookies()))
    assert [row["answer"] for row in rows if row["question"] == "change"] == [words[:2000]]


# --- 7. a statement to their worker ---------------------------------------------------------------------------


def test_a_young_person_sends_a_worry_to_their_worker(live: LiveApp, page: Page) -> None:
    phone = "+447700900401"
    token = live.personal_token(phone)
    page.goto(f"{live.url}/me/{token}")
    expect(page.get_by_role("heading", level=1)).to_have_text("What would you like to do?")
    expect(page.get_by_text("You haven't sent anything yet.")).to_be_visible()

    page.get_by_role("link", name=re.compile("I'm worried about something")).click()
    page.get_by_role("link", name="Start").click()
    expect_question(page, 1, total=2)
    page.get_by_label("What are you worried about?").fill("My placement might end and nobody has told me why")
    press(page, "Next")
    expect_question(page, 2, total=2)
    page.get_by_label("What would help?").fill("A meeting with my worker this week")
    press(page, "Send to my worker")

    expect(page.get_by_role("heading", level=1)).to_have_text("Sent to your worker")
    page.get_by_role("link", name="Go to your page").click()
    expect(page).to_have_url(f"{live.url}/me/{token}")
    sent = page.locator("ul.sent li").filter(has_text="I'm worried about something")
    expect(sent).to_have_count(1)
    expect(sent.locator(".status")).to_have_text("Sent: not read yet")

    with live.context() as session:
        person = people.get_or_create_person(session, phone)
        filed = statement_queries.for_person(session, person.id)
        assert [s.status for s in filed] == [statements.SENT]


# --- 8. light and local ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("question", [1, 4])
def test_a_question_page_is_light_and_loads_nothing_from_elsewhere(live: LiveApp, page: Page, question: int) -> None:
    requested: list[str] = []
    responses: list[Response] = []
    page.on("request", lambda request: requested.append(request.url))

    def keep(response: Response) -> None:  # a function: Playwright cannot take the list's bound method
        responses.append(response)

    page.on("response", keep)

    page.goto(f"{live.url}{SURVEY}/q/{question}")
    page.wait_for_load_state("networkidle")

    elsewhere = [url for url in requested if urlsplit(url).hostname != "127.0.0.1"]
    assert not elsewhere, f"requests to other hosts: {elsewhere}"
    kinds = {response.request.resource_type for response in responses}
    assert {"document", "stylesheet", "script"} <= kinds, kinds
    sizes = {response.url: len(response.body()) for response in responses if response.status < 300}
    total = sum(sizes.values())
    assert total < 100 * 1024, f"{total:,} bytes: {sizes}"


# --- 9. "You said, we did" ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("actions_recorded")
def test_anyone_can_read_what_was_done_without_signing_in(live: LiveApp, page: Page) -> None:
    response = page.goto(f"{live.url}/you-said-we-did")
    assert response is not None and response.status == 200
    expect(page).to_have_url(f"{live.url}/you-said-we-did")  # no detour to a sign-in page
    expect(page.get_by_role("heading", level=1)).to_have_text("You said, we did")
    buses = page.get_by_role("region", name="Getting around")
    expect(buses).to_contain_text("You told us: The bus to college is late a lot.")
    expect(buses).to_contain_text("We did this: We got free bus passes for college.")
    expect(buses.locator(".status")).to_have_text(re.compile(r"^Done on \d{1,2} \w+ \d{4}$"))
    money = page.get_by_role("region", name="Money")
    expect(money).to_contain_text("We will do this: We will make a money guide.")
    expect(money.locator(".status")).to_have_text(re.compile(r"^Planned for \d{1,2} \w+ \d{4}$"))
    expect(page.locator("a[href^='/staff']")).to_have_count(0)


# --- 10. the Champions Board's summary and report -------------------------------------------------------------


def signed_in_champion(live: LiveApp, new_page: PageFactory) -> Page:
    """A desktop browser signed in as the champion, through the sign-in form (real CSRF)."""
    page = new_page(**DESKTOP)
    page.goto(f"{live.url}/staff/login")
    page.get_by_label("Email").fill(CHAMPION)
    page.get_by_label("Password").fill(PASSWORD)
    press(page, "Sign in")
    expect(page.get_by_role("navigation", name="Staff")).to_be_visible()
    return page


@pytest.mark.usefixtures("champion", "messages_analysed", "actions_recorded")
def test_the_summary_and_report_meet_wcag_22_aa(live: LiveApp, new_page: PageFactory) -> None:
    page = signed_in_champion(live, new_page)
    source = axe_source()
    problems: dict[str, str] = {}

    def audit(name: str) -> None:
        found = describe_violations(axe_violations(page, source))
        if found:
            problems[f"{name} ({urlsplit(page.url).path}?{urlsplit(page.url).query})"] = found

    page.goto(f"{live.url}/staff/summary?by=locality")
    expect(page.get_by_role("table", name="Themes, largest first")).to_contain_text("Getting around")
    expect(page.get_by_role("table", name="Themes by locality")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("^Getting around: messages by quarter"))).to_be_visible()
    audit("summary by locality")

    # One group at a time, from one menu: the page answers at its plain address, with the choice kept.
    page.get_by_label("Break down by").select_option("")
    page.get_by_label("Show").select_option(label="Locality: Hamilton")
    press(page, "Update")
    expect(page).to_have_url(re.compile(r"/staff/summary\?period=\d{4}-Q[1-4]&locality=Hamilton$"))
    expect(page.get_by_label("Show")).to_have_value("locality:Hamilton")
    expect(page.get_by_role("heading", level=2, name=re.compile(": locality Hamilton$"))).to_be_visible()
    audit("summary for one locality")

    page.goto(f"{live.url}/staff/report")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^What young people told us"))
    expect(page.get_by_role("heading", name="Getting around", level=2)).to_be_visible()
    expect(page.locator("figure.chart svg")).not_to_have_count(0)
    expect(page.get_by_role("table").filter(has_text="We got free bus passes for college.")).to_be_visible()
    audit("report")

    assert not problems, "\n\n".join(f"{where}:\n{found}" for where, found in problems.items())


@pytest.mark.usefixtures("champion", "messages_analysed")
def test_the_report_prints_without_the_staff_menus(live: LiveApp, new_page: PageFactory) -> None:
    page = signed_in_champion(live, new_page)
    page.goto(f"{live.url}/staff/report")
    heading = page.get_by_role("heading", level=1)
    menus = page.locator("header.bar")
    expect(menus).to_be_visible()  # on screen the menus are there, so hiding them on paper is the print style's
    expect(page.get_by_text("Print this page (Ctrl+P)")).to_be_visible()

    page.emulate_media(media="print")
    expect(menus).to_be_hidden()
    expect(page.get_by_role("navigation", name="Staff")).to_be_hidden()
    expect(page.get_by_text("Print this page (Ctrl+P)")).to_be_hidden()
    expect(heading).to_be_visible()
    expect(heading).to_have_text(re.compile("^What young people told us"))
    expect(page.get_by_role("heading", name="Getting around", level=2)).to_be_visible()

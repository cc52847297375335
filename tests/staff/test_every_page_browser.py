"""Every page every role is shown, walked in a real browser (Debian's Chromium), on a realistic installation
(`tests.staff.seed`): each member of staff signs in through the sign-in page, opens Home, follows every link Home
and the menu show them, and every link on those pages one level further. Every link answers 200. Each kind of page
(`kind_of`: the first message of a list stands for the rest) is opened at 390 px and at 1280 px: it answers 200,
is no wider than the screen, and axe-core finds nothing serious or critical on it. The young person's pages (their
own page, a survey and a statement, the thanks and help pages, privacy, "You said, we did" and an expired link) are
held to the same checks, and so is the sign-in page.

Every failure of every page is gathered and reported at once, by who, page and width, so one run shows all there
is to fix. walk.txt under tests/screenshots/ (kept out of git) lists what was walked and what failed; with
SCREENSHOTS=1 in the environment a screenshot of each page at each width is saved beside it, under <who>/, for a
person to look through (drawing some 260 full pages costs the walk a fifth of its time, so it is asked for).

The walk drives the same Chromium as every browser test (`tests.browser.chromium_path`, `CHROMIUM_ARGS`) through
Playwright's async API rather than the module's `browser` fixture, so that the roles are walked side by side in one
browser: a context (with one tab) per role and width.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import time
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import url_for
from playwright.async_api import Browser, BrowserContext, Page, async_playwright
from playwright.async_api import Error as PlaywrightError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter, RequestRedirect

from feedback.accounts import operations as staff
from feedback.core.clock import now
from feedback.staff import menu
from tests.browser import AXE_TAGS, CHROMIUM_ARGS, DESKTOP, PHONE, WIDTH_JS, LiveApp, axe_source, chromium_path, serve
from tests.staff.seed import ACCOUNTS, Installation, seed

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
TAKE_SCREENSHOTS = os.environ.get("SCREENSHOTS", "") not in {"", "0"}
# A phone at one device pixel per CSS pixel: widths and axe read the same, and each page costs a ninth to draw.
SCREENS = {PHONE["viewport"]["width"]: {**PHONE, "device_scale_factor": 1}, DESKTOP["viewport"]["width"]: DESKTOP}
PHONE_WIDTH, DESKTOP_WIDTH = SCREENS
TIMEOUT_MS = 30_000  # pages are checked side by side on a small machine: generous, so only a stuck page fails
AT_ONCE = 4  # pages being checked at the same moment, across every role
MAX_PAGES = 40  # kinds of page each role opens in the browser; every link found is still checked to answer 200
MAX_LINKS = 300  # links each role checks, at most
# Some 260 page views: two to three minutes on an idle machine with two cores, much longer when the machine is busy
# with other test runs. Past WALK_SECONDS no page is opened and the rest are listed as failures, so a slow run still
# reports everything it found before the test's own timeout (TEST_SECONDS, with the seeding and the browser's start).
WALK_SECONDS = 330
TEST_SECONDS = 450
LAST_DEPTH = 2  # Home is 0, what Home and the menu link to is 1, what those pages link to is 2
HOME = "/staff/"
SIGN_IN = "/staff/login"
# A young person's own pages, reached with their personal link: never opened as a member of staff.
PERSONAL = {"web.my_page", "web.personal_start", "web.personal_question", "web.personal_done", "web.personal_help"}
NOT_PAGES = {"staff.logout", "static"}
# Pages the same for every role but for the menu (which Home shows each role): opened once, by whichever role gets
# there first, and only checked to answer for the others.
SAME_FOR_EVERY_ROLE = {"staff.password", "staff.two_factor", "staff.mobile", "public.you_said_we_did", "public.privacy"}
DOWNLOAD_ENDINGS = (".csv", ".json", ".pdf", ".zip", ".xlsx")

_LINKS_JS = """() => [...document.querySelectorAll('a[href]')]
  .map(a => ({href: a.href, download: a.hasAttribute('download')}))"""

# `tests.browser.axe_violations`, awaited: serious and critical WCAG 2.2 AA violations (axe is loaded on every page
# by the context's init script, once parsed rather than injected afresh after each navigation).
_AXE_JS = "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"


@dataclass(frozen=True)
class Failure:
    who: str  # a role, "young" or "signed-out"
    page: str  # the path (a young person's page by name, never its token)
    width: int | None  # None: the link's answer, whatever the screen
    what: str


@dataclass
class Walked:
    """What one walk opened, checked and found."""

    who: str
    pages: list[str] = field(default_factory=list)  # opened in the browser, at both widths
    links: set[str] = field(default_factory=set)  # every link followed, checked to answer 200
    downloads: set[str] = field(default_factory=set)  # links to files (CSV, JSON): not opened
    left: list[str] = field(default_factory=list)  # kinds of page found past MAX_PAGES: checked, not opened
    shared: list[str] = field(default_factory=list)  # the same for every role, opened by another role: checked
    late: list[str] = field(default_factory=list)  # not opened: the walk ran out of time
    failures: list[Failure] = field(default_factory=list)

    def fail(self, page: str, width: int | None, what: str) -> None:
        self.failures.append(Failure(self.who, page, width, what))


@dataclass(frozen=True)
class Site:
    """The served app, as the walk needs it: where it is, its URL rules, and the axe-core source."""

    live: LiveApp
    routes: MapAdapter
    axe: str
    at_once: asyncio.Semaphore
    deadline: float  # time.monotonic() past which no page is opened
    shared: set[tuple[str, ...]] = field(default_factory=set)  # SAME_FOR_EVERY_ROLE kinds opened by some role

    @property
    def url(self) -> str:
        return self.live.url


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveApp, Installation]]:
    database: Path = tmp_path_factory.mktemp("every-page") / "feedback.db"
    with serve(database) as live_app:
        with live_app.context() as session:
            installation = seed(live_app.app, session, now=now())
        yield live_app, installation


@pytest.mark.timeout(TEST_SECONDS)
def test_every_role_opens_every_page_it_is_shown_and_every_page_fits_and_passes_axe(
    live: tuple[LiveApp, Installation],
) -> None:
    app, installation = live
    started = time.monotonic()
    walks = asyncio.run(walk_everything(app, installation))
    took = time.monotonic() - started

    failures = [failure for walk in walks for failure in walk.failures]
    summary = "\n".join(
        f"{walk.who}: {len(walk.pages)} pages opened at {PHONE_WIDTH} and {DESKTOP_WIDTH} px, "
        f"{len(walk.links)} links checked, {len(walk.downloads)} downloads not opened"
        + (f", {len(walk.left)} kinds of page checked but not opened, past {MAX_PAGES}" if walk.left else "")
        + (f", {len(walk.shared)} pages opened by another role" if walk.shared else "")
        + (f", {len(walk.late)} not opened, out of time" if walk.late else "")
        for walk in walks
    )
    report = f"{summary}\n{len(failures)} failures in {took:.0f} s\n\n{describe(failures)}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    listing = [f"{walk.who}: {page}" for walk in walks for page in walk.pages]
    listing += [f"{walk.who}: {page} (checked, not opened)" for walk in walks for page in walk.left + walk.shared]
    (SCREENSHOTS / "walk.txt").write_text(f"{report}\n\n" + "\n".join(listing) + "\n", encoding="utf-8")
    print(report)  # what was walked, for `pytest -s`
    assert not failures, report


async def walk_everything(app: LiveApp, installation: Installation) -> list[Walked]:
    """Every role, the young person and the sign-in page, side by side in one browser."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            routes, deadline = app.app.url_map.bind("127.0.0.1"), time.monotonic() + WALK_SECONDS
            site = Site(app, routes, axe_source(), asyncio.Semaphore(AT_ONCE), deadline)
            walks: list[Awaitable[Walked]] = [walk_signed_out(browser, site)]
            walks += [walk_role(browser, site, installation, role) for role in ACCOUNTS]
            walks.append(walk_young(browser, site, installation))
            return list(await asyncio.gather(*walks))
        finally:
            await browser.close()


# --- the walks ----------------------------------------------------------------------------------------------------


async def walk_role(browser: Browser, site: Site, installation: Installation, role: str) -> Walked:
    """Sign in as `role` on a phone, open Home, and follow every link shown, level by level to LAST_DEPTH; each new
    kind of page is opened at both widths (the desktop's context carries the phone's signed-in cookie), every other
    link is checked to answer 200."""
    walked = Walked(role)
    folder = fresh_folder(role)
    contexts = {width: await new_context(browser, screen, site) for width, screen in SCREENS.items()}
    try:
        # One tab for each context: Chromium draws only the tab in front, so a second would never be screenshot.
        pages = {width: await context.new_page() for width, context in contexts.items()}
        if not await sign_in(pages[PHONE_WIDTH], site, installation.accounts[role], installation.password, walked):
            return walked
        await contexts[DESKTOP_WIDTH].add_cookies(await contexts[PHONE_WIDTH].cookies())
        kinds: set[tuple[str, ...]] = set()
        found_on: dict[str, str] = {HOME: "signing in"}
        level = [HOME]
        for depth in range(LAST_DEPTH + 1):
            opened, checked = [], []
            for path in level:
                kind = kind_of(site.routes, path)
                if kind in kinds:
                    checked.append(path)
                elif kind[0] in SAME_FOR_EVERY_ROLE and kind in site.shared:
                    kinds.add(kind)
                    walked.shared.append(path)
                    checked.append(path)
                elif len(opened) + len(walked.pages) < MAX_PAGES:
                    kinds.add(kind)
                    if kind[0] in SAME_FOR_EVERY_ROLE:
                        site.shared.add(kind)
                    opened.append(path)
                else:
                    kinds.add(kind)
                    walked.left.append(path)
                    checked.append(path)
            answered = asyncio.gather(
                *(link_answers(contexts[PHONE_WIDTH], site, walked, path, found_on[path]) for path in checked)
            )
            links_of = []
            for path in opened:
                if time.monotonic() > site.deadline:
                    walked.late.append(path)
                    links_of.append(await link_answers(contexts[PHONE_WIDTH], site, walked, path, found_on[path]))
                else:
                    walked.pages.append(path)
                    links_of.append(await open_both(pages, site, walked, path, folder, collect=depth < LAST_DEPTH))
            await answered
            if depth == 0 and not links_of[0]:
                links_of = [menu_of(site, installation.accounts[role])]  # Home failed: its menu, from the app
            level = []
            for path, links in zip(opened, links_of, strict=False):
                for target in filter(None, (follow(link, site, walked) for link in links)):
                    if target not in found_on and len(found_on) < MAX_LINKS:
                        found_on[target] = path
                        level.append(target)
                    elif target not in found_on:
                        walked.fail(path, None, f"a link past the {MAX_LINKS} the walk follows, unchecked: {target}")
        walked.links = set(found_on)
        if len(walked.pages) + len(walked.late) < 3:
            walked.fail(HOME, None, f"only {len(walked.pages)} pages found to walk")
        if walked.late:
            walked.fail("(the rest)", None, f"not opened, out of time ({WALK_SECONDS} s): {', '.join(walked.late)}")
    finally:
        for context in contexts.values():
            await context.close()
    return walked


async def walk_young(browser: Browser, site: Site, installation: Installation) -> Walked:
    """A young person's pages, from their personal link and an open link: each at both widths."""
    token, survey, statement = installation.personal_token, installation.survey, installation.statement
    pages = [
        ("their own page", "me", f"/me/{token}", 200),
        ("a survey's first page", "survey-start", f"/s/{survey}/{token}", 200),
        ("a rating question", "survey-question-1", f"/s/{survey}/{token}/q/1", 200),
        ("a choice question", "survey-question-2", f"/s/{survey}/{token}/q/2", 200),
        ("a written question", "survey-question-4", f"/s/{survey}/{token}/q/4", 200),
        ("where to get help now", "survey-help", f"/s/{survey}/{token}/help", 200),
        ("the thanks page", "survey-done", f"/s/{survey}/{installation.done_token}/done", 200),
        ("a statement's first page", "statement-start", f"/s/{statement}/{token}", 200),
        ("a statement's question", "statement-question-1", f"/s/{statement}/{token}/q/1", 200),
        ("an open link's first page", "open-survey-start", f"/s/{survey}", 200),
        ("an open link's question", "open-survey-question-1", f"/s/{survey}/q/1", 200),
        ("privacy", "privacy", "/privacy", 200),
        ("you said, we did", "you-said-we-did", "/you-said-we-did", 200),
        ("an expired link", "expired-link", f"/me/{installation.expired_token}", 404),  # as any link that fails
    ]
    return await walk_list(browser, site, "young", pages)


async def walk_signed_out(browser: Browser, site: Site) -> Walked:
    """The sign-in page, which every member of staff sees first."""
    return await walk_list(browser, site, "signed-out", [("the sign-in page", "staff-login", SIGN_IN, 200)])


async def walk_list(browser: Browser, site: Site, who: str, pages: list[tuple[str, str, str, int]]) -> Walked:
    walked = Walked(who, pages=[name for name, *_ in pages], links={path for _, _, path, _ in pages})
    folder = fresh_folder(who)

    async def at(width: int) -> None:
        context = await new_context(browser, SCREENS[width], site)
        try:
            page = await context.new_page()
            for name, file_name, path, status in pages:
                if time.monotonic() > site.deadline:
                    walked.fail(name, width, f"not opened, out of time ({WALK_SECONDS} s)")
                    continue
                await check_page(page, site, walked, path, width, folder / f"{file_name}-{width}.png", status, name)
        finally:
            await context.close()

    await asyncio.gather(*(at(width) for width in SCREENS))
    return walked


# --- signing in, links and pages -----------------------------------------------------------------------------------


async def sign_in(page: Page, site: Site, email: str, password: str, walked: Walked) -> bool:
    """Through the sign-in page, as a member of staff does (a second factor is each account's own choice: these
    have none). False, with the failure noted, unless it ends at Home."""
    try:
        await page.goto(f"{site.url}{SIGN_IN}")
        await page.get_by_label("Email").fill(email)
        await page.get_by_label("Password").fill(password)
        await page.get_by_role("button", name="Sign in", exact=True).click()
        await page.wait_for_url(re.compile(r"/staff/$"))
    except PlaywrightError as error:
        walked.fail(SIGN_IN, None, f"could not sign in: {first_line(error)}")
        return False
    return True


def menu_of(site: Site, email: str) -> list[dict[str, Any]]:
    """The menu the app builds for this member of staff, as links: walked when Home itself cannot be opened."""
    app = site.live.app
    with site.live.context() as session, app.test_request_context():
        user = staff.find_user(session, email)
        return [{"href": f"{site.url}{url_for(entry.endpoint)}", "download": False} for entry in menu.for_user(user)]


async def link_answers(context: BrowserContext, site: Site, walked: Walked, path: str, found_on: str) -> list[Any]:
    """Check a link answers 200 as this member of staff: a refusal, a missing page, an error or a trip back to sign
    in is a failure. Nothing is collected from it (it is a page of a kind already opened, or past the limit)."""
    async with site.at_once:
        try:
            response = await context.request.get(f"{site.url}{path}", timeout=TIMEOUT_MS)
        except PlaywrightError as error:
            walked.fail(path, None, f"no answer (linked from {found_on}): {first_line(error)}")
            return []
        landed = urlsplit(response.url).path
        if response.status != 200 or landed == SIGN_IN:
            answer = f"answers {response.status}" + (" on the sign-in page" if landed == SIGN_IN else "")
            walked.fail(path, None, f"{answer} (linked from {found_on})")
        elif "text/html" not in response.headers.get("content-type", ""):
            walked.downloads.add(path)
        await response.dispose()
    return []


async def open_both(
    pages: dict[int, Page], site: Site, walked: Walked, path: str, folder: Path, *, collect: bool
) -> list[dict[str, Any]]:
    """Check the page at each width, side by side; the links on it (from the phone's, else the desktop's)."""
    shot = folder / slug(path)
    found = await asyncio.gather(
        *(
            check_page(page, site, walked, path, width, shot.with_name(f"{shot.name}-{width}.png"), collect=collect)
            for width, page in pages.items()
        )
    )
    return next((links for links in found if links), [])


async def check_page(
    page: Page,
    site: Site,
    walked: Walked,
    path: str,
    width: int,
    screenshot: Path,
    status: int = 200,
    name: str | None = None,
    *,
    collect: bool = False,
) -> list[dict[str, Any]]:
    """Open the page at this width: it answers `status`, is no wider than the window, has no serious or critical
    axe-core violation, and is saved as a screenshot (with SCREENSHOTS=1). The links on it, when asked to `collect`
    them."""
    async with site.at_once:
        return await _check(page, site, walked, path, width, screenshot, status, name or path, collect=collect)


async def _check(
    page: Page,
    site: Site,
    walked: Walked,
    path: str,
    width: int,
    screenshot: Path,
    status: int,
    shown: str,
    *,
    collect: bool,
) -> list[dict[str, Any]]:
    try:
        response = await page.goto(f"{site.url}{path}")
    except PlaywrightError as error:
        if "Download is starting" in str(error):
            walked.downloads.add(path)
        else:
            walked.fail(shown, width, f"did not open: {first_line(error)}")
        return []
    answered = response.status if response is not None else None
    if answered != status:
        walked.fail(shown, width, f"answers {answered}, not {status}")
        collect = False  # an error page's links are not the page's
    if walked.who not in {"young", "signed-out"} and urlsplit(page.url).path == SIGN_IN:
        walked.fail(shown, width, "sent back to the sign-in page")
        return []
    try:
        measured = await page.evaluate(WIDTH_JS, width)
        wide = measured["wide"]
        if wide > min(width, measured["inner"]):
            sticking_out = ", ".join(measured["culprits"]) or "nothing found outside a scrolling box"
            walked.fail(shown, width, f"scrolls sideways: {wide} px wide on a {width} px screen ({sticking_out})")
        if TAKE_SCREENSHOTS:
            await page.screenshot(path=str(screenshot), full_page=True, scale="css", animations="disabled")
        results = await page.evaluate(_AXE_JS, AXE_TAGS)
        for violation in results["violations"]:
            if violation["impact"] not in {"serious", "critical"}:
                continue
            targets = [" ".join(node["target"]) for node in violation["nodes"]]
            more = f" and {len(targets) - 3} more" if len(targets) > 3 else ""
            on = "; ".join(targets[:3]) + more
            walked.fail(shown, width, f"axe {violation['id']} ({violation['impact']}): {violation['help']}, on {on}")
        return list(await page.evaluate(_LINKS_JS)) if collect else []
    except PlaywrightError as error:
        walked.fail(shown, width, f"could not be checked: {first_line(error)}")
        return []


def follow(link: dict[str, Any], site: Site, walked: Walked) -> str | None:
    """The path and query to follow for a link on a page, or None for one the walk leaves: another site, a phone
    number, signing out, a file to download, or a young person's own page."""
    parts = urlsplit(link["href"])
    if parts.scheme not in {"http", "https"} or parts.netloc != urlsplit(site.url).netloc:
        return None
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    if link["download"] or parts.path.lower().endswith(DOWNLOAD_ENDINGS):
        walked.downloads.add(target)
        return None
    endpoint = endpoint_of(site.routes, parts.path)
    if endpoint in PERSONAL or endpoint in NOT_PAGES or parts.path.startswith("/api/"):
        return None
    return target


def endpoint_of(routes: MapAdapter, path: str) -> str | None:
    try:
        endpoint, _ = routes.match(path, method="GET")
    except RequestRedirect as redirect:
        return endpoint_of(routes, urlsplit(redirect.new_url).path)
    except HTTPException:
        return None  # the link's own answer says what is wrong with it
    return str(endpoint)


def kind_of(routes: MapAdapter, target: str) -> tuple[str, ...]:
    """Pages of one kind, of which one is opened in the browser: one view, whatever record it shows (a message, a
    survey), with the same query parameters in words (a view of a list: `show=follow-up`, `by=locality`),
    whatever their values. Parameters with a number in them pick data, not a view (a quarter, a page of a list, a
    young person's reference): a page with one is of the kind of the page without it."""
    parts = urlsplit(target)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    names = sorted({name for name, value in pairs if not re.search(r"\d", value)})
    return (endpoint_of(routes, parts.path) or parts.path, *names)


# --- helpers --------------------------------------------------------------------------------------------------------


async def new_context(browser: Browser, screen: dict[str, Any], site: Site) -> BrowserContext:
    context = await browser.new_context(**screen)
    context.set_default_timeout(TIMEOUT_MS)
    await context.add_init_script(script=site.axe)
    return context


def fresh_folder(who: str) -> Path:
    """This run's screenshots of `who`, none left from an earlier run."""
    folder = SCREENSHOTS / who
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def slug(target: str) -> str:
    """A file name for a page: its path and query in lower-case words joined by hyphens ("staff" is Home)."""
    return re.sub(r"[^a-z0-9]+", "-", target.lower()).strip("-")[:120] or "home"


def first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0][:200]


def describe(failures: list[Failure]) -> str:
    """Failures grouped by who and page, each width's on its own line."""
    by_who: dict[str, dict[str, list[Failure]]] = {}
    for failure in failures:
        by_who.setdefault(failure.who, {}).setdefault(failure.page, []).append(failure)
    lines: list[str] = []
    for who, pages in by_who.items():
        lines.append(f"== {who}")
        for page, found in pages.items():
            lines.append(f"  {page}")
            for failure in sorted(found, key=width_first):
                lines.append(f"    [{f'{failure.width} px' if failure.width else 'link'}] {failure.what}")
    return "\n".join(lines)


def width_first(failure: Failure) -> tuple[int, str]:
    return (failure.width or 0, failure.what)

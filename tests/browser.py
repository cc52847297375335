"""A real browser on the young person's pages: the app served on a local port, Debian's Chromium driven by
Playwright, axe-core for accessibility, and the checks a phone user depends on (tap targets, focus outlines).

Chromium is never downloaded: the tests use the system one (`make chromium` installs it from Debian's packages)
and fail, with the reason, when it is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from feedback import create_app
from feedback.extensions import db
from feedback.ops.defaults import load_defaults
from feedback.people import links
from feedback.people import operations as people
from feedback.people.models import Person
from tests.conftest import base_config

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "device_scale_factor": 1, "is_mobile": False, "has_touch": False}
# WCAG 2.2 AA, the standard the product promises.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
MIN_TARGET = 44  # CSS pixels: the product's own rule for anything a young person taps (WCAG 2.5.5's size)


def chromium_path() -> str:
    """The system Chromium, or an AssertionError saying how to install it (a missing browser is a failure)."""
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    assert path and Path(path).exists(), (
        "Chromium is not installed, so the young person's pages cannot be tested in a real browser. "
        "Install it with `make chromium` (apt-get install chromium), or set CHROMIUM to its path."
    )
    return path


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless (`chromium_path`): the browser every browser test drives."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def axe_source() -> str:
    assert AXE.exists(), f"{AXE.relative_to(ROOT)} is missing: run `npm ci` (or `make test`, which runs it)."
    return AXE.read_text(encoding="utf-8")


# --- the app, served --------------------------------------------------------------------------------------------


@dataclass
class LiveApp:
    """The app on a SQLite file, served from a background thread at `url`."""

    app: Flask
    url: str

    @contextmanager
    def context(self) -> Iterator[Any]:
        """An app context and its database session, for setting up and checking what the browser did."""
        with self.app.app_context():
            try:
                yield db.session
            finally:
                db.session.remove()

    def personal_token(self, phone: str) -> str:
        """A young person with a live personal link, as if texted to them."""
        with self.context() as session:
            person = people.get_or_create_person(session, phone)
            token = links.issue(session, person.id, now=datetime.now(UTC), valid_for=timedelta(days=90))
            session.commit()
            return token

    def anonymous_pseudonym(self, cookies: list[Any]) -> str:
        """The pseudonym of the anonymous respondent the browser's session cookie names."""
        value = next(c["value"] for c in cookies if c["name"] == self.app.config["SESSION_COOKIE_NAME"])
        serializer = self.app.session_interface.get_signing_serializer(self.app)  # type: ignore[attr-defined]
        person_id = serializer.loads(value)["respondent"]
        with self.context() as session:
            person = session.get(Person, person_id)
            assert person is not None
            return person.pseudonym


class _QuietHandler(WSGIRequestHandler):
    """No line per request: a failing test's output shows what the test saw, not every stylesheet fetched."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


@contextmanager
def serve(database: Path) -> Iterator[LiveApp]:
    """Migrate a fresh database, load the default surveys and statements, and serve the app with real CSRF."""
    app = create_app(
        base_config(
            f"sqlite:///{database}",
            WTF_CSRF_ENABLED=True,
            # Every test answers from 127.0.0.1: the open-link limit is tested elsewhere, not tripped here.
            ANONYMOUS_SUBMISSIONS_PER_HOUR=10_000,
        )
    )
    with app.app_context():
        upgrade()
        load_defaults(db.session)
        db.session.commit()
        db.session.remove()
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-app", daemon=True)
    thread.start()
    try:
        yield LiveApp(app=app, url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


def staff_page(
    browser: Browser,
    live: LiveApp,
    email: str,
    password: str,
    screen: dict[str, Any],
    *,
    javascript: bool = True,
    timeout_ms: int = 20_000,
) -> Page:
    """A page in a new context on `screen` (PHONE, DESKTOP), signed in through the sign-in page as a member of staff
    would: on their home page, the menu showing. Close it with `page.context.close()`."""
    context = browser.new_context(**screen, java_script_enabled=javascript)
    context.set_default_timeout(timeout_ms)
    page = context.new_page()
    page.goto(f"{live.url}/staff/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("navigation", name="Staff")).to_be_visible()
    return page


# --- checks on a page -------------------------------------------------------------------------------------------


def axe_violations(page: Page, source: str) -> list[dict[str, Any]]:
    """Serious and critical WCAG 2.2 AA violations axe-core finds on the page as it is now."""
    page.wait_for_load_state("load")  # after a click or a form sent: its stylesheets applied, as a person sees it
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(source)
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [v for v in results["violations"] if v["impact"] in {"serious", "critical"}]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = [json.dumps(node["target"]) for node in violation["nodes"]]
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} on {', '.join(targets)}")
        lines.append(f"    {violation['helpUrl']}")
    return "\n".join(lines)


# How wide the page is against the screen's width and, when wider, the outermost elements that stick out (not those
# inside a box that scrolls or clips on its own, which do not widen the page). Against the screen, not
# window.innerWidth: a phone zooms out to fit a page wider than itself, and then the window is as wide as the page.
WIDTH_JS = """screen => {
  const wide = document.documentElement.scrollWidth;
  const culprits = [];
  if (wide > screen) {
    const clipped = el => {
      for (let up = el.parentElement; up && up !== document.documentElement; up = up.parentElement) {
        if (getComputedStyle(up).overflowX !== 'visible') return true;
      }
      return false;
    };
    const out = el => el.getBoundingClientRect().right > screen + 0.5;
    for (const el of document.body.querySelectorAll('*')) {
      if (!out(el) || clipped(el)) continue;
      const up = el.parentElement;
      if (up && up !== document.body && out(up)) continue;
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + [...el.classList].map(c => '.' + c).join('');
      culprits.push(`${name} (to ${Math.round(el.getBoundingClientRect().right)} px)`);
      if (culprits.length === 4) break;
    }
  }
  return {wide, inner: window.innerWidth, culprits};
}"""


def too_wide(page: Page) -> str | None:
    """None when the page fits its screen (the viewport's width); else how wide it is and what sticks out."""
    width = page.viewport_size["width"] if page.viewport_size else page.evaluate("window.innerWidth")
    measured = page.evaluate(WIDTH_JS, width)
    if measured["wide"] <= width:
        return None
    sticking_out = ", ".join(measured["culprits"]) or "nothing found outside a scrolling box"
    return f"{page.url} scrolls sideways: {measured['wide']} px wide on a {width} px screen ({sticking_out})"


def page_problems(page: Page) -> list[str]:
    """What is wrong with the page as a person sees it now (loaded, its stylesheet applied): wider than its screen,
    or serious and critical axe-core violations."""
    page.wait_for_load_state("load")
    found = [why] if (why := too_wide(page)) else []
    if violations := axe_violations(page, axe_source()):
        found.append(f"{page.url}:\n{describe_violations(violations)}")
    return found


# Each visible link, button and radio, measured by what a finger actually hits: a radio's whole label.option.
_TARGETS_JS = """
min => {
  const small = [];
  const seen = new Set();
  for (const element of document.querySelectorAll('a[href], button, input[type=radio]')) {
    const target = element.matches('input[type=radio]') ? (element.closest('label.option') || element) : element;
    if (seen.has(target)) continue;
    seen.add(target);
    const style = getComputedStyle(target);
    const box = target.getBoundingClientRect();
    const hidden = style.visibility === 'hidden' || style.display === 'none' || box.width === 0 || box.height === 0
      || box.right <= 0 || box.bottom + window.scrollY <= 0 || target.closest('[aria-hidden=true]');
    if (hidden) continue;  // the skip link waits off screen until it has focus; the honeypot is never shown
    if (box.width < min || box.height < min) {
      small.push(`${target.tagName.toLowerCase()} "${target.textContent.trim().replace(/\\s+/g, ' ')}"`
        + ` is ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}
"""


def small_tap_targets(page: Page) -> list[str]:
    page.wait_for_load_state("load")
    return list(page.evaluate(_TARGETS_JS, MIN_TARGET))


def focused(page: Page) -> dict[str, Any]:
    """The focused element, and how its focus shows: outline and ring colours (a radio's on its label.option)."""
    return dict(
        page.evaluate(
            """() => {
              const element = document.activeElement;
              const shown = element.matches('input[type=radio]') ? element.closest('label.option') || element : element;
              const style = getComputedStyle(shown);
              const box = shown.getBoundingClientRect();
              const colours = style.outlineStyle === 'none' ? [] : [style.outlineColor];
              colours.push(...(style.boxShadow.match(/rgba?\\([^)]*\\)/g) || []));
              return {tag: element.tagName.toLowerCase(), text: element.textContent.trim(), value: element.value || '',
                      outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0, colours,
                      width: box.width, height: box.height};
            }"""
        )
    )


def _luminance(colour: str) -> float | None:
    """Relative luminance of a CSS rgb()/rgba() colour (None when transparent), as WCAG defines it."""
    parts = [float(p) for p in re.findall(r"[\d.]+", colour)]
    if len(parts) == 4 and parts[3] == 0:
        return None
    channels = [c / 255 for c in parts[:3]]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_with_white(colour: str) -> float:
    luminance = _luminance(colour)
    return 1.0 if luminance is None else 1.05 / (luminance + 0.05)

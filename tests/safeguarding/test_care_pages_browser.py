"""The pages staff use to look after young people, in a real browser (Debian's Chromium): safeguarding alerts, an
alert, the acknowledged alerts, a young person's history, the inbox, the register, channel health, notifications,
staff accounts, the audit log, sign-in and an error page. Each is opened on a 390 px phone and a 1280 px desk, as
a worker and as an admin: no page is wider than the window (a table too wide scrolls in its own box), and
axe-core finds nothing serious or critical.

The app is served once for the module on a SQLite file, with what these pages show: an open alert and an
acknowledged one with the steps taken and the staff told, statements (one unread and due, one read), register
rows with long references, a notification that failed, and the audit entries all of that leaves.

"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from feedback.accounts import operations as staff
from feedback.core.clock import now
from feedback.messages.models import InboundMessage
from feedback.people import operations as people
from feedback.safeguarding.models import AlertStep, Notification, SafeguardingAlert
from feedback.statements.models import Statement
from feedback.surveys.models import Conversation, Survey
from tests import log_watch
from tests.browser import DESKTOP, PHONE, LiveApp, page_problems, serve, staff_page

WORKER = "sam@example.org"
ADMIN = "admin@example.org"
PASSWORD = "a long enough password"
TIMEOUT_MS = 10_000
SCREENS = {"phone": PHONE, "desktop": DESKTOP}
LONG_REF = "SL-CHILDRENS-SERVICES-THROUGHCARE-AND-AFTERCARE-2026-000000001"  # 63 characters, no space to wrap at


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveApp, dict[str, int]]]:
    database: Path = tmp_path_factory.mktemp("care-pages") / "feedback.db"
    with serve(database) as live_app:
        with live_app.context() as session:
            ids = _seed(session)
        yield live_app, ids


def _seed(session: Any) -> dict[str, int]:
    """A worker with young people on the register, an open alert and an acknowledged one, two statements, the staff
    told about the alert (one email failed), and an admin."""
    at = now()
    sam = staff.create_user(session, WORKER, PASSWORD, "worker", team="Hamilton", display_name="Sam Worker")
    staff.create_user(session, ADMIN, PASSWORD, "admin", display_name="Alex Admin")
    staff.create_user(session, "pat@example.org", PASSWORD, "manager", team="Hamilton", display_name="Pat Manager")
    young = []
    for n, ref in enumerate([LONG_REF, "SL-200", "SL-EAST-KILBRIDE-KINSHIP-CARE-0042"]):
        person = people.get_or_create_person(session, f"+4477009001{n:02d}")
        person.ref, person.locality, person.care_setting = ref, "Hamilton", "foster"
        person.date_of_birth, person.consent_sms = date(2009, 5, 1), n != 2
        person.eligible_until = date(2035, 5, 1)
        staff.assign(session, person, worker=sam, team=None)
        young.append(person)
    person = young[0]
    session.flush()

    def alert(body: str, minutes_ago: int, reason: str, tier: str = "risk") -> SafeguardingAlert:
        log_watch.remember(body)
        message = InboundMessage(
            channel="sms", provider_sid=f"SMcare{minutes_ago:028d}", person_id=person.id, body=body,
            received_at=at - timedelta(minutes=minutes_ago), status="processed", risk=True, risk_reason=reason,
        )  # fmt: skip
        session.add(message)
        session.flush()
        raised = SafeguardingAlert(
            inbound_message_id=message.id, person_id=person.id, reason=reason, tier=tier, severity=1,
            created_at=message.received_at,
        )  # fmt: skip
        session.add(raised)
        session.flush()
        return raised

    open_alert = alert("i dont feel safe going back there tonight", 45, "feeling unsafe")
    done = alert("i cut myself again last week", 60 * 26, "self-harm")
    done.acknowledged_at, done.acknowledged_by_id = done.created_at + timedelta(minutes=65), sam.id
    done.action_note = "Called them and their carer; safety plan agreed and GP appointment booked."
    session.add(
        AlertStep(alert_id=open_alert.id, staff_user_id=sam.id, kind="call", note="No answer; left a voicemail.")
    )
    for channel, status, label, error in (
        ("email", "sent", "named worker Sam Worker", None),
        ("sms", "sent", "named worker Sam Worker", None),
        ("email", "failed", "Hamilton's managers", "451 4.3.0 Mail server temporarily rejected message"),
    ):
        session.add(
            Notification(
                key=f"alert:{open_alert.id}:new:{channel}:{status}", channel=channel,
                recipient="private@example.org" if channel == "email" else "+447700900777", recipient_label=label,
                alert_id=open_alert.id, reason="new", subject="Safeguarding alert: feeling unsafe",
                body=f"A safeguarding alert about {LONG_REF}",
                status=status, attempts=3 if error else 1, error=error, created_at=at - timedelta(minutes=44),
                sent_at=None if error else at - timedelta(minutes=44),
            )
        )  # fmt: skip

    worried = session.scalars(select(Survey).where(Survey.slug == "statement-worried")).one()
    for n, (status, days_ago) in enumerate((("sent", 3), ("read", 8))):
        said = Conversation(
            person_id=young[n].id, survey_id=worried.id, survey_version_id=worried.versions[-1].id, channel="web",
            status="completed",
        )  # fmt: skip
        session.add(said)
        session.flush()
        session.add(
            Statement(
                conversation_id=said.id, person_id=young[n].id, worker_id=sam.id, status=status,
                sent_at=at - timedelta(days=days_ago), due_at=at + timedelta(days=1),
                read_at=at - timedelta(days=7) if status == "read" else None,
            )
        )  # fmt: skip
    session.commit()
    return {"alert": open_alert.id, "done": done.id, "person": person.id}


def worker_pages(ids: dict[str, int]) -> list[str]:
    return [
        "/staff/alerts",
        f"/staff/alerts/{ids['alert']}",
        f"/staff/alerts/{ids['done']}",
        "/staff/alerts/history",
        f"/staff/people/{ids['person']}/history",
        "/staff/inbox",
        "/staff/people",
        f"/staff/people/{ids['person']}/edit",
        "/staff/account/mobile",
        "/staff/account/password",
        "/staff/account/two-factor",
        "/staff/no-such-page",
        "/staff/users",  # 403: not a worker's
    ]


ADMIN_PAGES = [
    "/staff/alerts/history",
    "/staff/inbox",
    "/staff/people",
    "/staff/people/new",
    "/staff/channels",
    "/staff/notifications",
    "/staff/users",
    "/staff/audit",
    "/staff/audit?action=view",
]


def sign_in(browser: Browser, live: LiveApp, screen: str, email: str) -> Page:
    return staff_page(browser, live, email, PASSWORD, SCREENS[screen], timeout_ms=TIMEOUT_MS)


def problems(page: Page, screen: str) -> list[str]:
    return [f"({screen}) {problem}" for problem in page_problems(page)]


def visit(page: Page, live: LiveApp, paths: list[str], screen: str) -> list[str]:
    found = []
    for path in paths:
        page.goto(live.url + path)
        found += problems(page, screen)
    return found


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_a_workers_pages_fit_the_screen_and_pass_axe(
    browser: Browser, live: tuple[LiveApp, dict[str, int]], screen: str
) -> None:
    app, ids = live
    page = sign_in(browser, app, screen, WORKER)
    found = visit(page, app, worker_pages(ids), screen)
    # An acknowledgement with no note: the page again, the reason at the top and beside the box.
    page.goto(f"{app.url}/staff/alerts/{ids['alert']}")
    page.get_by_role("button", name="Acknowledge", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="there is a problem")).to_be_visible()
    expect(page.get_by_label("What you did or will do")).to_have_attribute("aria-invalid", "true")
    found += problems(page, screen)
    page.context.close()
    assert not found, "\n".join(found)


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_an_admins_pages_fit_the_screen_and_pass_axe(
    browser: Browser, live: tuple[LiveApp, dict[str, int]], screen: str
) -> None:
    app, _ = live
    page = sign_in(browser, app, screen, ADMIN)
    found = visit(page, app, ADMIN_PAGES, screen)
    # Switching an account off asks first: the red button opens the warning, only the second one does it.
    page.goto(f"{app.url}/staff/users")
    page.locator("summary", has_text="Switch off Pat Manager").click()
    expect(page.get_by_role("button", name="Yes, switch off Pat Manager")).to_be_visible()
    found += problems(page, screen)
    page.context.close()
    assert not found, "\n".join(found)


@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_the_sign_in_page_fits_and_says_what_is_missing(
    browser: Browser, live: tuple[LiveApp, dict[str, int]], screen: str
) -> None:
    app, _ = live
    context = browser.new_context(**SCREENS[screen])
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{app.url}/staff/login")
    found = problems(page, screen)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("link", name="Enter your email address.")).to_be_visible()
    found += problems(page, screen)
    context.close()
    assert not found, "\n".join(found)

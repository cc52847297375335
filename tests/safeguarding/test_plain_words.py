"""The care pages speak plainly: no template formats a date itself (the plain-English filters do: "today at 2:05pm",
never "2026-11-23 14:05" nor a time in UTC), and none tells a member of staff to run a command, which they cannot
do from a browser. What the inbox, channel health, the audit log and the error pages say, in words."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from feedback.accounts import operations as staff
from feedback.extensions import db
from feedback.people import operations as people
from feedback.statements.models import Statement
from feedback.surveys.models import Conversation, Survey
from tests.conftest import Clock
from tests.staff_client import PASSWORD, signed_in

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
CARE_PAGES = sorted(
    [
        *TEMPLATES.glob("safeguarding/*.html"),
        *TEMPLATES.glob("statements/*.html"),
        *TEMPLATES.glob("messages/*.html"),
        *TEMPLATES.glob("people/*.html"),
        *TEMPLATES.glob("accounts/*.html"),
        *TEMPLATES.glob("audit/*.html"),
        *TEMPLATES.glob("errors/*.html"),
    ]
)


def test_the_care_pages_are_all_checked() -> None:
    names = {str(path.relative_to(TEMPLATES)) for path in CARE_PAGES}
    assert {"safeguarding/alert.html", "statements/inbox.html", "messages/channels.html", "people/people.html",
            "accounts/users.html", "audit/audit.html", "errors/http.html"} <= names  # fmt: skip


@pytest.mark.parametrize("path", CARE_PAGES, ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_no_care_page_formats_a_date_itself_or_gives_a_command(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    for code in ("strftime", "isoformat", " UTC"):
        assert code not in source, f"{path.name} says {code!r}: dates go through uk_when, ago, long_date and duration"
    command = re.search(r"`feedback [^`]*`|<code>feedback [^<]*</code>", source)
    assert command is None, f"{path.name} tells staff to run {command.group(0)}: say what they can do in the browser"


# --- what the pages say -----------------------------------------------------------------------------------------


def words(response: Any) -> str:
    """The page with each run of spaces and line breaks as one space, as a reader sees it."""
    return " ".join(response.get_data(as_text=True).split())


def _statement(person: Any, worker: Any, *, status: str, sent: datetime, due: datetime) -> Statement:
    worried = db.session.scalars(select(Survey).where(Survey.slug == "statement-worried")).one()
    said = Conversation(
        person_id=person.id, survey_id=worried.id, survey_version_id=worried.versions[-1].id, channel="web",
        status="completed",
    )  # fmt: skip
    db.session.add(said)
    db.session.flush()
    statement = Statement(
        conversation_id=said.id, person_id=person.id, worker_id=worker.id, status=status, sent_at=sent, due_at=due
    )
    db.session.add(statement)
    db.session.commit()
    return statement


def test_the_inbox_says_each_statements_status_in_a_tag_and_how_old_it_is(app: Any, clock: Clock) -> None:
    """Monday 23 November 2026, 2pm: one statement sent 3 days ago and due tomorrow, one overdue, one escalated to
    the manager, one read."""
    sam = staff.create_user(db.session, "sam@example.org", PASSWORD, "worker", team="Hamilton", display_name="Sam")
    people_ = [people.get_or_create_person(db.session, f"+4477009004{n:02d}") for n in range(4)]
    db.session.commit()
    at = clock()
    _statement(people_[0], sam, status="sent", sent=at - timedelta(days=3), due=at + timedelta(hours=19))
    _statement(people_[1], sam, status="sent", sent=at - timedelta(days=5), due=at - timedelta(hours=2))
    escalated = _statement(people_[2], sam, status="sent", sent=at - timedelta(days=6), due=at - timedelta(days=1))
    escalated.escalated_at = at - timedelta(hours=20)
    _statement(people_[3], sam, status="read", sent=at - timedelta(days=9), due=at - timedelta(days=7))
    db.session.commit()

    page = words(signed_in(app, "worker", "sam@example.org").get("/staff/inbox"))
    assert "<strong>3 not read yet</strong>" in page
    assert page.count('<strong class="tag waiting">Not read</strong>') == 3
    assert page.count('<strong class="tag urgent">Overdue</strong>') == 1
    assert page.count('<strong class="tag escalated">Escalated</strong>') == 1
    assert page.count('<strong class="tag info">Read</strong>') == 1
    assert "Sent to you 3 days ago (Friday at 2:00pm). Due to be read by tomorrow at 9:00am." in page
    assert "It was due to be read today at 12:00pm." in page
    assert "Not read in time: escalated to the manager yesterday at 6:00pm." in page
    assert " UTC" not in page and "2026-" not in page


def test_held_texts_say_when_quiet_hours_end(app: Any, clock: Clock) -> None:
    clock.current = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # 10pm: quiet hours
    page = words(signed_in(app, "manager").get("/staff/channels"))
    assert "held for quiet hours: they go tomorrow at 8:00am." in page
    assert "Quiet hours are from 9:00pm until 8:00am, UK time" in page
    clock.current = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    page = words(signed_in(app, "manager").get("/staff/channels"))
    assert "and it is not quiet hours now." in page and "they go" not in page


def test_the_audit_log_says_what_happened_in_words_and_keeps_the_exact_second(app: Any, clock: Clock) -> None:
    admin = signed_in(app, "admin")
    assert admin.get("/staff/users").status_code == 200
    worker = signed_in(app, "worker")
    assert worker.get("/staff/audit").status_code == 403
    page = words(admin.get("/staff/audit"))
    assert "<td>Signed in</td>" in page and "<td>Refused a page</td>" in page
    assert "page: audit log; how: opened; answer: not allowed for their role (403)" in page
    assert '<time datetime="2026-11-23T14:00:00Z" title="Monday 23 November 2026 at 2:00:00pm UK time">' in page
    assert "Today at 2:00pm</time>" in page
    assert '<option value="login-failed">Sign-in refused</option>' in page
    refused = admin.get("/staff/audit?action=nonsense")  # a page's own reason is shown on the error page
    assert refused.status_code == 400 and "choose one from the list" in refused.get_data(as_text=True)
    assert "<h1>Something was not right</h1>" in refused.get_data(as_text=True)


def test_an_error_page_says_what_happened_and_the_way_home_without_codes(app: Any) -> None:
    worker = signed_in(app, "worker")
    missing = worker.get("/staff/no-such-page")
    page = missing.get_data(as_text=True)
    assert missing.status_code == 404 and "<h1>Page not found</h1>" in page and "Error 404" in page
    assert "requested URL" not in page and "Not Found" not in page  # werkzeug's words for programmers
    assert 'href="/staff/">Go to the home page</a>' in page
    forbidden = worker.get("/staff/users").get_data(as_text=True)
    assert "<h1>You cannot open this page</h1>" in forbidden and "ask an admin" in forbidden
    assert "Forbidden" not in forbidden

"""Each role's home page says what is waiting on them, counted as the page each item links to counts it, and
offers nothing they cannot open: every link on it answers 200.

The world (`tests.staff.world`) has something waiting for every role, at 10pm on a Monday (quiet hours).
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from feedback.accounts import operations as staff
from feedback.extensions import db
from tests.conftest import Clock
from tests.staff import world as seeded
from tests.staff_client import signed_in

EVENING = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # Monday, 10pm in the UK: quiet hours until 8am

ALERTS, INBOX, ADVOCACY = "/staff/alerts", "/staff/inbox", "/staff/advocacy"
FOLLOW_UPS, CHANNELS = "/staff/advocacy/offers?show=follow-up", "/staff/channels"
CHECKIN, VOICE = "/staff/surveys/monthly-checkin/results", "/staff/surveys/advocacy-voice/results"
HELD = ("Held", CHANNELS, "2 texts held for quiet hours: they go tomorrow at 8:00am")
SURVEYS = [
    ("Running", CHECKIN, "Survey ‘Monthly check-in’ running: 60% of those asked have answered"),
    ("Running", VOICE, "Survey ‘Your advocacy’ running: fewer than 10 answers so far"),
]
FOLLOW_UP = ("Follow up", FOLLOW_UPS, "1 offer of advocacy to follow up: the day to check back has come")
EVERYONES_ADVOCACY = (
    "Below the aim",
    ADVOCACY,
    "Advocacy offered to 33% of eligible young people in the last 12 months (aim 70%); "
    "2 eligible young people have had no offer",
)

# What each member of staff's home lists, in order: (tag, link, sentence).
EXPECTED: dict[str, list[tuple[str, str, str]]] = {
    "sam@example.org": [
        ("Urgent", ALERTS, "1 safeguarding alert about one of your young people waiting for you to act, "
                           "raised 2 hours ago; escalated"),
        ("Urgent", ALERTS, "1 safeguarding alert about one of your team's young people waiting for someone to act, "
                           "raised an hour ago"),
        ("Read today", ALERTS, "1 concern about one of your young people to read today"),
        ("Not read", INBOX, "1 statement to you waiting to be read, sent 2 days ago"),
        ("Escalated", INBOX, "1 statement to your team waiting to be read, sent 4 days ago; escalated to the manager"),
        ("Reply owed", INBOX, "1 reply owed: a statement you have read but not answered, read 3 days ago"),
    ],
    # Sam's colleague: Hamilton's duty inbox, never Sam's own young people.
    "jo@example.org": [
        ("Urgent", ALERTS, "1 safeguarding alert about one of your team's young people waiting for someone to act, "
                           "raised an hour ago"),
        ("Escalated", INBOX, "1 statement to your team waiting to be read, sent 4 days ago; escalated to the manager"),
    ],
    "kim@example.org": [
        ("Urgent", ALERTS, "1 safeguarding alert about one of your young people waiting for you to act, "
                           "raised 30 minutes ago"),
        ("Not read", INBOX, "1 statement to you waiting to be read, sent 3 hours ago"),
    ],
    # Hamilton's manager: Hamilton's young people, not Clydesdale's.
    "pat@example.org": [
        ("Urgent", ALERTS, "2 safeguarding alerts about your team's young people waiting for someone to act, "
                           "the oldest raised 2 hours ago; 1 of them escalated"),
        ("Read today", ALERTS, "1 concern about one of your team's young people to read today"),
        ("Escalated", INBOX, "2 statements to your team waiting to be read, the oldest sent 4 days ago; "
                             "1 of them escalated to the manager"),
        ("Below the aim", ADVOCACY, "Advocacy offered to 50% of eligible young people in the last 12 months "
                                    "(aim 70%); 1 eligible young person has had no offer"),
        FOLLOW_UP,
        HELD,
        *SURVEYS,
    ],
    "ava@example.org": [EVERYONES_ADVOCACY, FOLLOW_UP],
    # Admins see every alert, and answer no statements.
    "root@example.org": [
        ("Urgent", ALERTS, "3 safeguarding alerts waiting for someone to act, the oldest raised 2 hours ago; "
                           "1 of them escalated"),
        ("Read today", ALERTS, "1 concern to read today"),
        EVERYONES_ADVOCACY,
        FOLLOW_UP,
        HELD,
        *SURVEYS,
    ],
    "champ@example.org": SURVEYS,
}  # fmt: skip
HEADINGS = {
    "sam@example.org": "Sam, Worker, Hamilton team",
    "jo@example.org": "Jo, Worker, Hamilton team",
    "kim@example.org": "Kim, Worker, Clydesdale team",
    "pat@example.org": "Pat, Manager, Hamilton team",
    "ava@example.org": "Ava, Advocacy worker",
    "root@example.org": "root@example.org, Administrator",
    "champ@example.org": "Champ, Champions Board",
}
_CARD = re.compile(
    r'<li class="panel home-card[^"]*"><strong class="tag[^"]*">([^<]*)</strong>\s*<a href="([^"]*)">(.*?)</a>'
)


@pytest.fixture
def world(app: Any, clock: Clock) -> seeded.World:
    clock.current = EVENING
    return seeded.seed(db.session, EVENING)


def home_of(app: Any, email: str) -> tuple[Any, str]:
    role = seeded.STAFF[email][0]
    client = signed_in(app, role, email)
    response = client.get("/staff/")
    assert response.status_code == 200
    return client, response.get_data(as_text=True)


def cards(page: str) -> list[tuple[str, str, str]]:
    """Each card's (tag, link, sentence), as a person reads them."""
    return [(words(tag), html.unescape(url), words(text)) for tag, url, text in _CARD.findall(page)]


def words(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page)))


@pytest.mark.parametrize("email", list(EXPECTED))
def test_each_role_sees_what_waits_on_them_counted_as_their_pages_count_it(
    app: Any, world: seeded.World, email: str
) -> None:
    _, page = home_of(app, email)
    assert cards(page) == EXPECTED[email]
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert heading is not None and words(heading.group(1)).strip() == HEADINGS[email]
    assert page.index("What needs doing") < page.index("Your pages") < page.index("Your account")
    assert "Nothing waiting" not in page


@pytest.mark.parametrize("email", list(EXPECTED))
def test_every_link_on_every_home_opens(app: Any, world: seeded.World, email: str) -> None:
    """Home items, "Your pages", the menu and the account links: followed as the member of staff, each answers 200
    (none 403), so nothing offered is refused."""
    client, page = home_of(app, email)
    links = sorted({html.unescape(href) for href in re.findall(r'href="(/staff/[^"#]*)"', page)})
    assert len(links) > 4, links
    refused = {link: status for link in links if (status := client.get(link).status_code) != 200}
    assert refused == {}, email


def test_the_items_say_the_same_as_the_pages_they_open(app: Any, world: seeded.World) -> None:
    """Counts checked against the pages themselves: Pat's alerts page lists the two Hamilton alerts and the concern;
    Jo's inbox lists only the duty inbox's statement; the follow-ups page lists the one offer."""
    pat, _ = home_of(app, "pat@example.org")
    alerts = words(pat.get(ALERTS).get_data(as_text=True))
    assert alerts.count("SL-1") + alerts.count("SL-2") >= 3 and "SL-3" not in alerts
    jo, _ = home_of(app, "jo@example.org")
    inbox = jo.get(INBOX).get_data(as_text=True)
    assert inbox.count("/staff/statements/") == 1
    ava, _ = home_of(app, "ava@example.org")
    follow_ups = ava.get(FOLLOW_UPS).get_data(as_text=True)
    assert "SL-1" in follow_ups and "SL-2" not in follow_ups


def test_champions_see_no_alert_statement_or_advocacy_figure(app: Any, world: seeded.World) -> None:
    _, page = home_of(app, "champ@example.org")
    text = words(page)
    for hidden in ("safeguarding", "concern", "statement", "Advocacy offered", "held for quiet hours"):
        assert hidden not in text, hidden
    assert "Summary" in text and "Board pack" in text and "You said, we did" in text


def test_a_rate_resting_on_fewer_answers_than_the_threshold_is_not_shown(app: Any, world: seeded.World) -> None:
    """The advocacy survey's 3 answers of 3 would be "100%": a figure about three young people."""
    _, page = home_of(app, "champ@example.org")
    assert "100%" not in page and "fewer than 10 answers so far" in words(page)


def test_outside_quiet_hours_nothing_is_held(app: Any, world: seeded.World, clock: Clock) -> None:
    clock.current = EVENING.replace(hour=14)
    _, page = home_of(app, "pat@example.org")
    assert "held for quiet hours" not in page


def test_someone_with_nothing_waiting_is_told_so_calmly(app: Any, clock: Clock) -> None:
    staff.create_user(db.session, "new@example.org", seeded.PASSWORD, "worker", team="Rutherglen")
    db.session.commit()
    client = signed_in(app, "worker", "new@example.org")
    page = client.get("/staff/").get_data(as_text=True)
    assert cards(page) == [] and "Nothing waiting." in page
    for account in ("/staff/account/password", "/staff/account/two-factor", "/staff/account/mobile"):
        assert f'href="{account}"' in page and client.get(account).status_code == 200


def test_an_acknowledged_alert_and_an_answered_statement_leave_the_home(app: Any, world: seeded.World) -> None:
    sam, _ = home_of(app, "sam@example.org")
    from sqlalchemy import select

    from feedback.safeguarding.models import SafeguardingAlert
    from feedback.statements.models import Statement

    for alert in db.session.scalars(select(SafeguardingAlert).where(SafeguardingAlert.person_id == world.robin)):
        done = sam.post(f"/staff/alerts/{alert.id}/acknowledge", data={"note": "Called them; safe at home."})
        assert done.status_code == 302
    owed = db.session.scalars(select(Statement).where(Statement.status == "read")).one()
    assert sam.post(f"/staff/statements/{owed.id}/reply", data={"body": "Thanks for telling me."}).status_code == 302
    texts = [text for _, _, text in cards(sam.get("/staff/").get_data(as_text=True))]
    assert not any("one of your young people" in text for text in texts), texts
    assert not any("reply owed" in text for text in texts), texts
    assert any("your team's young people" in text for text in texts), texts


def test_the_figure_of_each_sentence_is_read_first(app: Any, world: seeded.World) -> None:
    _, page = home_of(app, "pat@example.org")
    for bold in (
        "<strong>2</strong> safeguarding alerts",
        "offered to <strong>50%</strong> of",
        "<strong>60%</strong> of",
    ):
        assert bold in page, bold
    assert "fewer than <strong>" not in page

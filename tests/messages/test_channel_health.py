"""The channel health page tells a manager whether texting works: messages in and out today (the UK day), failures
by Twilio error code over the last week, the outbox backlog and what quiet hours hold back, and whether the
scheduler is alive. Counts only: never a message or a young person's number."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from feedback.extensions import db
from feedback.messages import channel_health, outbox
from feedback.messages.models import InboundMessage, OutboundMessage
from feedback.ops import lease
from feedback.people import operations as people
from tests.conftest import YOUNG_PERSON, Clock
from tests.staff_client import signed_in

PASSWORD = "a long enough password"
BODY = "A private message about my placement"
NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # the clock fixture's start: a Monday afternoon, GMT


def received(person_id: int, at: datetime, channel: str = "sms") -> None:
    sid = f"SM{len(db.session.scalars(select(InboundMessage.id)).all()):032x}"
    db.session.add(InboundMessage(channel=channel, provider_sid=sid, person_id=person_id, body=BODY, received_at=at))
    db.session.flush()


def queued(person_id: int, kind: str = "survey", at: datetime = NOW - timedelta(hours=1)) -> OutboundMessage:
    (message_id,) = outbox.record(db.session, [outbox.Outgoing(person_id, BODY, kind)], now=at)
    message = db.session.get(OutboundMessage, message_id)
    assert message is not None
    return message


def sent(person_id: int, status: str, at: datetime, error_code: int | None = None) -> OutboundMessage:
    message = queued(person_id, at=at - timedelta(minutes=1))
    message.status, message.sent_at, message.error_code, message.updated_at = status, at, error_code, at
    db.session.flush()
    return message


def failed(person_id: int, code: int, at: datetime) -> None:
    message = queued(person_id, at=at - timedelta(minutes=1))
    message.status, message.error_code, message.updated_at = outbox.FAILED, code, at
    db.session.flush()


@pytest.fixture
def traffic(app: Any) -> None:
    """A day of texting, with some on the edges of the day and the week that must not count."""
    person = people.get_or_create_person(db.session, YOUNG_PERSON).id
    for at in (datetime(2026, 11, 23, 0, 0, tzinfo=UTC), NOW - timedelta(hours=5), NOW - timedelta(minutes=1)):
        received(person, at)
    received(person, NOW - timedelta(hours=2), channel="web")
    received(person, datetime(2026, 11, 22, 23, 59, tzinfo=UTC))  # yesterday
    for status in ("sent", "sent", "delivered", "undelivered"):
        sent(person, status, NOW - timedelta(hours=3))
    sent(person, "replied", NOW - timedelta(minutes=30))
    sent(person, "delivered", datetime(2026, 11, 22, 23, 0, tzinfo=UTC))  # yesterday
    sent(person, "undelivered", NOW - timedelta(hours=1), error_code=30003)  # sent today, then failed
    failed(person, 30007, NOW - timedelta(days=2))
    failed(person, 30007, NOW - timedelta(days=6, hours=23))
    failed(person, 21610, NOW - timedelta(hours=4))
    failed(person, 30007, NOW - timedelta(days=7, minutes=1))  # more than a week ago
    queued(person)  # a survey invitation due an hour ago
    queued(person, kind="link")
    queued(person, kind="reply")
    queued(person, at=NOW + timedelta(minutes=10))  # not due yet: not in the backlog
    db.session.commit()


def test_the_figures_for_today_and_the_week(app: Any, traffic: None) -> None:
    health = channel_health.report(db.session, now=NOW, quiet=outbox.QuietHours.from_config(app.config))
    assert health.day == date(2026, 11, 23)
    assert health.messages_in == {"sms": 3, "web": 1} and health.total_in == 4
    assert health.messages_out == {"delivered": 1, "replied": 1, "sent": 2, "undelivered": 2}
    assert [(f.code, f.count) for f in health.failures] == [(30007, 2), (21610, 1), (30003, 1)]  # most first
    assert health.failures[1].meaning.startswith("The young person texted STOP")
    assert (health.backlog, health.held) == (3, 0)  # not quiet hours at 14:00
    assert health.scheduler is None


def test_in_quiet_hours_all_but_replies_are_held(app: Any, traffic: None) -> None:
    evening = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)
    health = channel_health.report(db.session, now=evening, quiet=outbox.QuietHours.from_config(app.config))
    assert (health.backlog, health.held) == (4, 3)  # the reply still goes


def test_today_is_the_uk_day_even_in_summer() -> None:
    day, start, end = channel_health.uk_day(datetime(2026, 7, 1, 23, 30, tzinfo=UTC))  # 00:30 on 2 July, BST
    assert day == date(2026, 7, 2)
    assert (start, end) == (datetime(2026, 7, 1, 23, 0, tzinfo=UTC), datetime(2026, 7, 2, 23, 0, tzinfo=UTC))
    day, start, end = channel_health.uk_day(datetime(2026, 10, 25, 12, 0, tzinfo=UTC))  # the clocks go back
    assert (day, end - start) == (date(2026, 10, 25), timedelta(hours=25))


def test_the_page_shows_the_counts_and_never_a_message_or_a_number(app: Any, traffic: None) -> None:
    page = signed_in(app, "manager").get("/staff/channels").get_data(as_text=True)
    assert 'id="messages-in">4<' in page and 'id="messages-out">6<' in page
    link = '<a href="https://www.twilio.com/docs/api/errors/30007">30007'
    link += '<span class="visually-hidden"> on Twilio\'s site</span></a>'
    assert f'<td>Filtered by the carrier as spam</td><td>{link}</td><td class="number">2</td>' in page
    assert '<td>Text</td><td class="number">3</td>' in page and "<td>Not delivered</td>" in page  # words, not codes
    assert 'id="backlog">3<' in page and 'id="held">0<' in page
    assert "No scheduler has run yet" in page
    assert "Monday 23 November 2026" in page
    for number in (YOUNG_PERSON, YOUNG_PERSON[3:], "07700 900123", "07700900123"):
        assert number not in page
    assert BODY not in page


def test_the_scheduler_is_running_while_its_heartbeat_is_fresh(app: Any, clock: Clock) -> None:
    assert lease.hold(db.session, "scheduler-host:4242", clock.advance(seconds=-30))
    lease.job_ran(db.session, "run-schedules", clock.current)
    clock.advance(seconds=30)
    client = signed_in(app, "manager")
    page = client.get("/staff/channels").get_data(as_text=True)
    assert ">Running</strong>" in page and "Last heartbeat under a minute ago, from scheduler-host:4242" in page
    assert "Last job: sending the surveys that were due, today at 1:59pm." in page
    clock.advance(seconds=lease.TTL.total_seconds())
    page = client.get("/staff/channels").get_data(as_text=True)
    assert ">Not running</strong>: no heartbeat for more than 90 seconds" in page
    assert "Last heartbeat 2 minutes ago" in page


@pytest.mark.parametrize("role", ["champions", "worker", "advocacy"])
def test_only_admins_and_managers_see_channel_health(app: Any, role: str) -> None:
    client = signed_in(app, role)
    assert client.get("/staff/channels").status_code == 403
    assert "Channel health" not in client.get("/staff/").get_data(as_text=True)


def test_an_admin_sees_channel_health(app: Any) -> None:
    assert signed_in(app, "admin").get("/staff/channels").status_code == 200

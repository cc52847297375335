"""Safeguarding that reaches a person: a risky text at any hour is emailed (and texted) to the people who must act,
by the worker, through a real SMTP server on loopback; out of hours the out-of-hours service too; nobody
acknowledging it takes it up the ladder; nothing is sent twice and no notification holds a young person's words or
phone number."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask import Flask
from sqlalchemy import select, text

from feedback.accounts import operations as staff
from feedback.accounts.models import StaffUser, Team
from feedback.config import ConfigurationError, from_environment, validate
from feedback.extensions import db
from feedback.messages import outbox
from feedback.messages.models import InboundMessage
from feedback.ops import runner
from feedback.people import operations as people
from feedback.safeguarding import delivery, escalation
from feedback.safeguarding.models import Notification, SafeguardingAlert
from feedback.safeguarding.notifications import LadderError, NotifyPolicy, parse_ladder
from feedback.safeguarding.office_hours import OfficeHours, OfficeHoursError
from tests.conftest import PUBLIC_BASE_URL, YOUNG_PERSON
from tests.staff_client import signed_in

# 23:17 on Saturday 5 December 2026, UK time (GMT in winter).
SATURDAY_NIGHT = datetime(2026, 12, 5, 23, 17, tzinfo=UTC)
# 10:00 on Monday 7 December 2026.
MONDAY_MORNING = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
DISCLOSURE = "he hits me when hes drunk and im scared to go home"
OOH_EMAIL = "ooh@council.example.org"
OOH_PHONE = "+447700900555"
HEAD_EMAIL = "head@council.example.org"
WORKER_MOBILE = "+447700900444"


@dataclass
class Inbox:
    """What the SMTP server on loopback took: each email as the recipients it went to and the parsed message."""

    received: list[tuple[list[str], Message]] = field(default_factory=list)
    # A reply code to give at RCPT instead of accepting: 451 (try later) or 550 (no such mailbox).
    refuse_with: int | None = None

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if self.refuse_with == 451:
            return "451 4.3.0 Try again later"
        if self.refuse_with == 550:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.received.append((list(envelope.rcpt_tos), message_from_bytes(content)))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        return [message for recipients, message in self.received if address in recipients]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def app_config(smtp: tuple[Inbox, int]) -> dict[str, Any]:
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp[1],
        "MAIL_DEFAULT_SENDER": "safeguarding@council.example.org",
        "MAIL_TIMEOUT_SECONDS": 5,
        "OUT_OF_HOURS_EMAIL": OOH_EMAIL,
        "OUT_OF_HOURS_PHONE": OOH_PHONE,
        "HEAD_OF_SERVICE_EMAIL": HEAD_EMAIL,
        "SEND_RETRY_BASE_SECONDS": 30,
        "SEND_MAX_ATTEMPTS": 3,
    }


@pytest.fixture
def inbox(smtp: tuple[Inbox, int]) -> Inbox:
    return smtp[0]


class Texter:
    """A sender of texts that keeps what it was asked to send (the staff texts), as Twilio would take them."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, to: str, body: str) -> outbox.SendResult:
        self.sent.append((to, body))
        return outbox.SendResult(provider_sid=f"SM{len(self.sent):032x}", status=outbox.SENT)


@pytest.fixture
def texter(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Texter:
    sender = Texter()
    monkeypatch.setitem(app.extensions, outbox.SENDER_EXTENSION, lambda config: sender)
    return sender


def _team(name: str) -> Team:
    return staff.team_named(db.session, name)


def _worker_with_young_person(app: Flask, *, mobile: str | None = WORKER_MOBILE) -> StaffUser:
    """Sam, a Clydesdale worker, is the named worker of the young person who texts from YOUNG_PERSON; Pat manages
    the team; Lee is another worker in it."""
    sam = staff.create_user(
        db.session, "sam@example.org", "a long enough password", "worker", team="Clydesdale", display_name="Sam"
    )
    staff.create_user(
        db.session, "pat@example.org", "a long enough password", "manager", team="Clydesdale", display_name="Pat"
    )
    staff.create_user(
        db.session, "lee@example.org", "a long enough password", "worker", team="Clydesdale", display_name="Lee"
    )
    if mobile:
        staff.set_mobile(db.session, sam, mobile, now=SATURDAY_NIGHT)
    person = people.get_or_create_person(db.session, YOUNG_PERSON)
    person.ref = "SL-0042"
    staff.assign(db.session, person, worker=sam, team=sam_team(sam))
    db.session.commit()
    return sam


def sam_team(user: StaffUser) -> Team:
    team = db.session.get(Team, user.team_id)
    assert team is not None
    return team


def _no_words_nor_numbers(text: str) -> None:
    for word in ("hits", "drunk", "scared"):
        assert word not in text.lower()
    assert YOUNG_PERSON not in text and YOUNG_PERSON[3:] not in text and "7700 900" not in text


def test_a_risky_text_at_2317_on_a_saturday_reaches_the_named_worker_and_out_of_hours(
    app: Flask, twilio: Any, clock: Any, inbox: Inbox, texter: Texter
) -> None:
    _worker_with_young_person(app)
    clock.current = SATURDAY_NIGHT
    twilio.replies(DISCLOSURE)
    alert = db.session.scalars(select(SafeguardingAlert)).one()
    assert alert.tier == "risk" and alert.severity == 2

    runner.work_once(texter)

    (email,) = inbox.to("sam@example.org")
    assert email["Subject"].startswith("Safeguarding alert: abuse or violence") and "(SL-0042)" in email["Subject"]
    body = email.get_payload()
    assert "Named worker: Sam (Clydesdale)" in body and "SL-0042" in body
    assert f"{PUBLIC_BASE_URL}/staff/alerts/{alert.id}" in body
    assert "23:17 on Saturday 5 December 2026" in body
    _no_words_nor_numbers(body)
    assert inbox.to(OOH_EMAIL), "out of hours, the out-of-hours service is told too"
    # The team's duty inbox (its other members) hears of it too.
    assert inbox.to("lee@example.org") and inbox.to("pat@example.org")
    texts = dict(texter.sent)
    assert set(texts) == {WORKER_MOBILE, OOH_PHONE}
    for sent in texts.values():
        assert "SL-0042" in sent and "abuse or violence" in sent
        _no_words_nor_numbers(sent)
    statuses = db.session.scalars(select(Notification.status)).all()
    assert set(statuses) == {"sent"}

    # Never twice: another round of the worker sends nothing more.
    before = len(inbox.received)
    runner.work_once(texter)
    assert len(inbox.received) == before and len(texter.sent) == 2


def test_in_office_hours_the_out_of_hours_service_is_not_told(
    app: Flask, twilio: Any, clock: Any, inbox: Inbox, texter: Texter
) -> None:
    _worker_with_young_person(app)
    clock.current = MONDAY_MORNING
    twilio.replies(DISCLOSURE)
    runner.work_once(texter)
    assert inbox.to("sam@example.org") and not inbox.to(OOH_EMAIL)
    assert OOH_PHONE not in dict(texter.sent)


def test_a_public_holiday_is_out_of_hours(app: Flask, twilio: Any, clock: Any, inbox: Inbox, texter: Texter) -> None:
    _worker_with_young_person(app)
    clock.current = datetime(2026, 12, 25, 11, 0, tzinfo=UTC)  # Christmas Day, a Friday
    twilio.replies(DISCLOSURE)
    runner.work_once(texter)
    assert inbox.to(OOH_EMAIL)


def test_someone_with_no_named_worker_goes_to_the_duty_team_or_its_email(
    app: Flask, twilio: Any, clock: Any, inbox: Inbox, texter: Texter
) -> None:
    staff.create_user(db.session, "duty1@example.org", "a long enough password", "worker", team="Duty team")
    staff.create_user(db.session, "duty2@example.org", "a long enough password", "worker", team="Duty team")
    db.session.commit()
    clock.current = MONDAY_MORNING
    twilio.replies("i want to kill myself")
    runner.work_once(texter)
    assert inbox.to("duty1@example.org") and inbox.to("duty2@example.org")
    (email,) = inbox.to("duty1@example.org")
    assert "not on the register" in email.get_payload() and "Named worker: none" in email.get_payload()
    assert email["Subject"].startswith("Safeguarding alert: suicide")

    # With a team email, the next alert goes there instead of to every member.
    staff.set_team_email(db.session, _team("Duty team"), "duty@council.example.org")
    db.session.commit()
    twilio.replies("been cutting myself again", sender="+447700900321")
    runner.work_once(texter)
    assert len(inbox.to("duty1@example.org")) == 1
    assert inbox.to("duty@council.example.org")


def test_nobody_unacknowledged_goes_up_the_ladder_until_someone_acts(
    app: Flask, twilio: Any, clock: Any, inbox: Inbox, texter: Texter, runner_cli: Any
) -> None:
    _worker_with_young_person(app)
    clock.current = MONDAY_MORNING
    twilio.replies(DISCLOSURE)
    runner.work_once(texter)
    assert not inbox.to(HEAD_EMAIL)
    alert = db.session.scalars(select(SafeguardingAlert)).one()

    # 29 minutes: nothing yet.
    result = escalate_at(runner_cli, 29, clock)
    assert result.exit_code == 0 and "Escalated 0 alerts" in result.output
    # 30 minutes: the team's manager, by email and (no mobile) no text.
    result = escalate_at(runner_cli, 30, clock)
    assert "Escalated 1 alerts" in result.output
    runner.work_once(texter)
    escalated = [m for m in inbox.to("pat@example.org") if m["Subject"].startswith("Escalated")]
    assert len(escalated) == 1 and "not acknowledged for 30 minutes" in escalated[0]["Subject"]
    _no_words_nor_numbers(escalated[0].get_payload())
    # Run again at the same moment (a second scheduler): nothing more.
    escalate_at(runner_cli, 31, clock)
    runner.work_once(texter)
    assert len([m for m in inbox.to("pat@example.org") if m["Subject"].startswith("Escalated")]) == 1
    # 60 minutes: the out-of-hours service and the head of service, even in office hours.
    escalate_at(runner_cli, 60, clock)
    runner.work_once(texter)
    assert inbox.to(OOH_EMAIL) and inbox.to(HEAD_EMAIL)
    assert OOH_PHONE in dict(texter.sent)
    db.session.refresh(alert)
    assert alert.escalation_step == 2

    # Someone acknowledges it: it goes no higher.
    alert.acknowledged_at = MONDAY_MORNING + timedelta(minutes=65)
    db.session.commit()
    before = len(inbox.received)
    escalate_at(runner_cli, 120, clock)
    runner.work_once(texter)
    assert len(inbox.received) == before


def escalate_at(cli: Any, minutes: int, clock: Any) -> Any:
    """`feedback alerts escalate --now` this many minutes after Monday 10:00, the worker's clock moved there too."""
    clock.current = MONDAY_MORNING + timedelta(minutes=minutes)
    return cli.invoke(args=["alerts", "escalate", "--now", clock.current.isoformat()])


@pytest.fixture
def runner_cli(app: Flask) -> Any:
    return app.test_cli_runner()


def test_a_concern_emails_the_named_worker_only_and_pages_nobody_at_night(
    app: Flask, clock: Any, inbox: Inbox, texter: Texter
) -> None:
    _worker_with_young_person(app)
    person = people.find_person(db.session, YOUNG_PERSON)
    assert person is not None
    message = InboundMessage(
        channel="sms",
        provider_sid="SMconcern",
        person_id=person.id,
        body="help me",
        received_at=SATURDAY_NIGHT,
        status="processed",
    )
    db.session.add(message)
    db.session.flush()
    from feedback.safeguarding.alerting import raise_alert

    raise_alert(
        db.session,
        message_id=message.id,
        person_id=person.id,
        reason="asking for help",
        tier="concern",
        severity=4,
        now=SATURDAY_NIGHT,
        policy=NotifyPolicy.from_config(app.config),
    )
    db.session.commit()
    clock.current = SATURDAY_NIGHT
    runner.work_once(texter)
    (email,) = inbox.to("sam@example.org")
    assert email["Subject"].startswith("Safeguarding concern: asking for help")
    assert not inbox.to(OOH_EMAIL) and not inbox.to("lee@example.org") and texter.sent == []
    # And a concern is never escalated.
    moved = escalation.escalate_alerts(
        db.session, now=SATURDAY_NIGHT + timedelta(hours=3), policy=NotifyPolicy.from_config(app.config)
    )
    assert moved == 0


def test_a_mail_server_that_says_try_later_is_tried_again_with_backoff_then_failed_and_shown(
    app: Flask, twilio: Any, clock: Any, inbox: Inbox, texter: Texter
) -> None:
    _worker_with_young_person(app, mobile=None)
    clock.current = MONDAY_MORNING
    inbox.refuse_with = 451
    twilio.replies(DISCLOSURE)
    runner.work_once(texter)
    waiting = db.session.scalars(select(Notification)).all()
    assert waiting and all(n.status == "queued" and n.attempts == 1 for n in waiting)
    assert all(n.next_attempt_at == MONDAY_MORNING + timedelta(seconds=30) for n in waiting)
    # Not due yet: nothing is tried.
    runner.work_once(texter)
    assert all(n.attempts == 1 for n in db.session.scalars(select(Notification)))
    clock.current = MONDAY_MORNING + timedelta(seconds=30)
    runner.work_once(texter)
    clock.current = MONDAY_MORNING + timedelta(seconds=90)
    runner.work_once(texter)
    db.session.expire_all()
    assert {n.status for n in db.session.scalars(select(Notification))} == {"failed"}
    assert inbox.received == []

    admin = signed_in(app, "admin")
    page = admin.get("/staff/channels").get_data(as_text=True)
    assert "notification-failures" in page and "named worker Sam" in page and "451" in page
    assert "sam@example.org" not in page


def _queued_email(key: str, recipient: str) -> Notification:
    return Notification(key=key, channel="email", recipient=recipient, recipient_label="test", reason="new",
                        subject="s", body="b", status="queued", next_attempt_at=MONDAY_MORNING)  # fmt: skip


def test_a_refused_address_fails_at_once_and_the_server_being_down_is_retried(
    app: Flask, clock: Any, inbox: Inbox, smtp: tuple[Inbox, int]
) -> None:
    retry = outbox.RetryPolicy(max_attempts=3, base_seconds=30)
    db.session.add(_queued_email("k1", "nobody@example.org"))
    db.session.commit()
    inbox.refuse_with = 550
    mailer = delivery.mailer_from_config(app.config)
    report = delivery.deliver_due(
        db.session, now=MONDAY_MORNING, mailer=mailer, texter=Texter(), sender_address="s@example.org", retry=retry
    )
    assert report.failed == 1
    # A server that cannot be reached: tried again later, never lost.
    db.session.add(_queued_email("k2", "pat@example.org"))
    db.session.commit()
    down = delivery.SmtpMailer(host="127.0.0.1", port=_free_port(), timeout=2)
    report = delivery.deliver_due(
        db.session, now=MONDAY_MORNING, mailer=down, texter=Texter(), sender_address="s@example.org", retry=retry
    )
    assert report.retrying == 1


def test_each_notification_is_claimed_by_one_worker_only(app: Flask) -> None:
    for n in range(3):
        db.session.add(_queued_email(f"k{n}", "a@example.org"))
    db.session.commit()
    claims = [delivery.claim_next(db.session, MONDAY_MORNING) for _ in range(4)]
    assert sorted(c for c in claims if c) == sorted(set(c for c in claims if c)) and claims[-1] is None
    assert len([c for c in claims if c]) == 3


def test_without_a_mail_server_emails_are_stored_and_shown_to_admins(
    database_url: str, clock: Any, texter: Texter
) -> None:
    from feedback import create_app
    from tests.conftest import base_config, serving

    bare = create_app(base_config(database_url, CLOCK=clock))
    for app in serving(bare):
        _worker_with_young_person(app, mobile=None)
        clock.current = SATURDAY_NIGHT
        from tests.conftest import TwilioWebhook

        TwilioWebhook(app.test_client()).replies(DISCLOSURE)
        runner.work_once(texter)
        stored = db.session.scalars(select(Notification).where(Notification.channel == "email")).all()
        assert stored and {n.status for n in stored} == {"stored"}
        page = signed_in(app, "admin").get("/staff/notifications")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Safeguarding alert: abuse or violence" in html and "SL-0042" in html and "Stored, not sent" in html
        assert signed_in(app, "worker", "w2@example.org").get("/staff/notifications").status_code == 403


def test_a_text_from_a_staff_mobile_is_not_filed_as_a_young_persons(
    app: Flask, twilio: Any, clock: Any, texter: Texter
) -> None:
    _worker_with_young_person(app)
    clock.current = MONDAY_MORNING
    replies = twilio.replies("ok on it, calling now", sender=WORKER_MOBILE)
    assert replies and "not been kept" in replies[0] and "/staff/alerts" in replies[0]
    assert db.session.scalars(select(InboundMessage)).all() == []
    replies = twilio.replies("thanks", sender=OOH_PHONE)
    assert "not been kept" in replies[0]
    assert people.find_person(db.session, OOH_PHONE) is None


def test_a_staff_mobile_is_encrypted_unique_and_never_a_young_persons(app: Flask) -> None:
    sam = _worker_with_young_person(app)
    raw = db.session.execute(text("SELECT mobile FROM staff_user WHERE id = :id"), {"id": sam.id}).scalar_one()
    assert WORKER_MOBILE not in raw
    other = staff.create_user(db.session, "kim@example.org", "a long enough password", "worker")
    with pytest.raises(staff.StaffError, match="Another staff account"):
        staff.set_mobile(db.session, other, "07700 900444", now=MONDAY_MORNING)
    with pytest.raises(staff.StaffError, match="young person"):
        staff.set_mobile(db.session, other, YOUNG_PERSON, now=MONDAY_MORNING)
    with pytest.raises(staff.StaffError, match="not a mobile number"):
        staff.set_mobile(db.session, other, "call me", now=MONDAY_MORNING)


def test_an_unread_statement_past_its_days_emails_the_managers(
    app: Flask, clock: Any, inbox: Inbox, texter: Texter
) -> None:
    from feedback.statements.models import Statement
    from feedback.surveys.models import Conversation

    sam = _worker_with_young_person(app)
    person = people.find_person(db.session, YOUNG_PERSON)
    assert person is not None
    from feedback.surveys.models import SurveyVersion

    version = db.session.scalars(select(SurveyVersion)).first()
    assert version is not None
    conversation = Conversation(
        person_id=person.id,
        survey_id=version.survey_id,
        survey_version_id=version.id,
        channel="web",
        status="completed",
        started_at=MONDAY_MORNING,
        last_activity_at=MONDAY_MORNING,
    )
    db.session.add(conversation)
    db.session.flush()
    db.session.add(
        Statement(
            conversation_id=conversation.id,
            person_id=person.id,
            worker_id=sam.id,
            team_id=sam.team_id,
            status="sent",
            sent_at=MONDAY_MORNING,
            due_at=MONDAY_MORNING + timedelta(days=2),
        )
    )
    db.session.commit()
    clock.current = MONDAY_MORNING + timedelta(days=2, minutes=1)
    assert runner.escalate_statements() == 1
    runner.work_once(texter)
    (email,) = inbox.to("pat@example.org")
    assert email["Subject"].startswith("Unread statement (SL-0042)")
    assert runner.escalate_statements() == 0


@pytest.mark.parametrize(
    ("spec", "moment", "open_now"),
    [
        ("Mon-Fri 09:00-17:00", datetime(2026, 12, 7, 9, 0, tzinfo=UTC), True),
        ("Mon-Fri 09:00-17:00", datetime(2026, 12, 7, 17, 0, tzinfo=UTC), False),
        ("Mon-Fri 09:00-17:00", datetime(2026, 12, 5, 12, 0, tzinfo=UTC), False),  # a Saturday
        ("Mon-Fri 09:00-17:00", datetime(2026, 6, 1, 8, 30, tzinfo=UTC), True),  # 09:30 BST
        ("Mon,Wed 08:30-16:30", datetime(2026, 12, 8, 10, 0, tzinfo=UTC), False),  # a Tuesday
        ("Sat-Sun 10:00-14:00", datetime(2026, 12, 6, 11, 0, tzinfo=UTC), True),
    ],
)
def test_office_hours(spec: str, moment: datetime, open_now: bool) -> None:
    assert OfficeHours.parse(spec).open_at(moment) is open_now


def test_office_hours_keep_holidays() -> None:
    hours = OfficeHours.parse("Mon-Fri 09:00-17:00", [date(2026, 12, 25)])
    assert not hours.open_at(datetime(2026, 12, 25, 11, 0, tzinfo=UTC))
    assert hours.open_at(datetime(2026, 12, 24, 11, 0, tzinfo=UTC))


@pytest.mark.parametrize("spec", ["weekdays", "Mon-Fri 9-5", "Mon-Fri 17:00-09:00", "Funday 09:00-17:00"])
def test_office_hours_that_cannot_be_read_are_refused(spec: str) -> None:
    with pytest.raises(OfficeHoursError):
        OfficeHours.parse(spec)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OFFICE_HOURS": "weekdays"}, "office hours"),
        ({"SAFEGUARDING_ESCALATION_LADDER": "managers; the pope"}, "SAFEGUARDING_ESCALATION_LADDER"),
        ({"MAIL_USE_TLS": "yes", "MAIL_USE_SSL": "yes"}, "not both"),
        ({"OUT_OF_HOURS_EMAIL": "not an address"}, "OUT_OF_HOURS_EMAIL"),
        ({"OUT_OF_HOURS_PHONE": "call the office"}, "OUT_OF_HOURS_PHONE"),
        ({"PUBLIC_HOLIDAYS": "2026-12-25, Boxing Day"}, "PUBLIC_HOLIDAYS"),
    ],
)
def test_safeguarding_settings_that_cannot_work_stop_the_start(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        validate(from_environment({"FEEDBACK_ENV": "development", **env}, "/tmp"))


def test_the_ladder_is_read_step_by_step() -> None:
    assert parse_ladder("managers; out-of-hours, head-of-service") == (
        ("managers",),
        ("out-of-hours", "head-of-service"),
    )
    with pytest.raises(LadderError):
        parse_ladder("managers;;")


def test_smtp_with_starttls_and_login_is_refused_cleanly_when_the_server_has_no_tls(smtp: tuple[Inbox, int]) -> None:
    mailer = delivery.SmtpMailer(host="127.0.0.1", port=smtp[1], use_tls=True, timeout=3)
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.org", "b@example.org", "s"
    message.set_content("b")
    with pytest.raises(delivery.MailError) as caught:
        mailer.send(message)
    assert not caught.value.unconfirmed


def test_feedback_worker_emails_the_named_worker_within_a_minute(
    app: Flask, database_url: str, twilio: Any, clock: Any, inbox: Inbox, smtp: tuple[Inbox, int], tmp_path: Any
) -> None:
    """The whole way, as in production: the webhook stores the text and raises the alert; a separate `feedback worker`
    process, started afterwards, sends the email through a real SMTP server."""
    _worker_with_young_person(app)
    clock.current = SATURDAY_NIGHT
    twilio.replies(DISCLOSURE)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FEEDBACK_", "DATABASE_", "MAIL_", "TWILIO_"))}
    env.update(
        FEEDBACK_ENV="testing",
        DATABASE_URL=database_url,
        SECRET_KEY=app.config["SECRET_KEY"],
        ENCRYPTION_KEY=app.config["ENCRYPTION_KEY"],
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp[1]),
        OUT_OF_HOURS_EMAIL=OOH_EMAIL,
        LOG_FORMAT="text",
    )
    db.session.remove()
    started = time.monotonic()
    log = (tmp_path / "worker.log").open("wb")
    worker = subprocess.Popen(
        [str(os.path.join(os.path.dirname(sys.executable), "feedback")), "worker", "--interval", "0.5"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        while time.monotonic() - started < 60 and not inbox.to("sam@example.org"):
            time.sleep(0.1)
        took = time.monotonic() - started
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        log.close()
    assert inbox.to("sam@example.org"), (tmp_path / "worker.log").read_text()
    assert took < 60
    assert inbox.to(OOH_EMAIL)


def test_staff_set_their_own_mobile_for_urgent_texts(app: Flask) -> None:
    worker = signed_in(app, "worker", "kim@example.org")
    page = worker.get("/staff/account/mobile")
    assert page.status_code == 200 and "no mobile number set" in page.get_data(as_text=True)
    refused = worker.post("/staff/account/mobile", data={"mobile": "call me maybe"})
    assert refused.status_code == 400 and "not a mobile number" in refused.get_data(as_text=True)
    assert worker.post("/staff/account/mobile", data={"mobile": "07700 900777"}).status_code == 302
    kim = db.session.scalars(select(StaffUser).where(StaffUser.email == "kim@example.org")).one()
    db.session.refresh(kim)
    assert kim.mobile == "+447700900777" and kim.mobile_hash
    assert "You have a mobile number set" in worker.get("/staff/account/mobile").get_data(as_text=True)
    assert worker.post("/staff/account/mobile", data={"remove": "y"}).status_code == 302
    db.session.refresh(kim)
    assert kim.mobile is None and kim.mobile_hash is None

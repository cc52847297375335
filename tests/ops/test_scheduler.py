"""The periodic jobs: conversations silent too long expire, whether by the scheduler or by hand."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from feedback.extensions import db
from feedback.ops import runner as processes
from feedback.surveys.models import Conversation
from tests.conftest import Clock, TwilioWebhook


def test_the_scheduler_job_expires_silent_conversations_keeping_answers(
    app: Any, twilio: TwilioWebhook, clock: Clock
) -> None:
    twilio.replies("CHECKIN")
    twilio.replies("4")
    twilio.replies("CHECKIN", sender="+447700900124")
    clock.advance(hours=47)
    twilio.replies("a", sender="+447700900124")  # still talking
    clock.advance(hours=2)
    assert processes.expire_conversations() == 1
    statuses = {c.person.phone: c.status for c in db.session.scalars(select(Conversation))}
    assert statuses == {"+447700900123": "expired", "+447700900124": "active"}


def test_expire_from_the_command_line_at_a_given_moment(app: Any, twilio: TwilioWebhook, runner: Any) -> None:
    twilio.replies("CHECKIN")  # 2026-11-23 14:00 UTC
    early = runner.invoke(args=["conversations", "expire", "--now", "2026-11-25T13:59:00+00:00"])
    assert "Expired 0 conversations." in early.output
    late = runner.invoke(args=["conversations", "expire", "--now", "2026-11-25T14:00:00"])
    assert "Expired 1 conversations." in late.output
    again = runner.invoke(args=["conversations", "expire", "--now", "2026-11-25T14:00:00"])
    assert "Expired 0 conversations." in again.output


def test_a_bad_moment_is_a_usage_error(app: Any, runner: Any) -> None:
    result = runner.invoke(args=["conversations", "expire", "--now", "next tuesday"])
    assert result.exit_code == 2
    assert "not an ISO 8601 date and time" in result.output

"""The figures on the channel health page: messages in and out today (the UK day), failures by Twilio error code
over the last week, the outbox backlog, what waits for quiet hours to end, and the scheduler's heartbeat.

Counts only, each from one grouped query: no message body and no phone number ever leaves this module, so the
page can be shown to anyone who watches the service without showing them a young person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.core.clock import LOCAL_TIME, local_date
from feedback.messages import outbox
from feedback.messages.models import InboundMessage, OutboundMessage
from feedback.ops import lease

FAILURE_WINDOW = timedelta(days=7)
# What the Twilio error codes seen most often mean, in a few words for staff (twilio.com/docs/api/errors).
TWILIO_ERRORS = {
    21211: "Not a valid phone number",
    21408: "Texts to that region are not enabled",
    21610: "The young person texted STOP to the carrier (opted out here too)",
    21614: "Not a mobile number",
    30003: "Phone switched off or out of reach",
    30004: "Blocked by the phone or the network",
    30005: "Unknown or inactive number",
    30006: "A landline, or a network that cannot take texts",
    30007: "Filtered by the carrier as spam",
    30008: "Unknown error from the carrier",
}

# The page's words for what it counts: how a message came in, what became of one sent, and the scheduler's jobs
# (`feedback.ops.runner.JOBS`). A channel or a status added later is "Other" until it has words here, never its
# code; a job added later is its name with spaces.
CHANNEL_WORDS = {"sms": "Text", "web": "Web", "import": "Brought in from before the service"}
OUTBOUND_WORDS = {
    "queued": "Waiting to go",
    "sending": "Sending",
    "sent": "Sent",
    "simulated": "Simulated (a pretend number)",
    "skipped": "Not sent: they cannot be texted",
    "failed": "Failed",
    "unconfirmed": "Not confirmed: check",
    "replied": "Sent as a reply",
    "accepted": "Taken by Twilio",
    "scheduled": "Scheduled by Twilio",
    "delivered": "Delivered",
    "undelivered": "Not delivered",
    "read": "Read",
    "canceled": "Cancelled",
}
JOB_WORDS = {
    "run-schedules": "sending the surveys that were due",
    "send-reminders": "sending reminders",
    "expire-conversations": "closing surveys left unfinished",
    "escalate-statements": "escalating statements not read in time",
    "escalate-alerts": "escalating alerts not acknowledged in time",
    "retention": "deleting what is past its keeping time",
}


def channel_words(channel: str) -> str:
    return CHANNEL_WORDS.get(channel, "Other")


def outbound_words(status: str) -> str:
    return OUTBOUND_WORDS.get(status, "Other")


def job_words(name: str) -> str:
    return JOB_WORDS.get(name, name.replace("-", " "))


@dataclass(frozen=True)
class Failure:
    code: int
    count: int

    @property
    def meaning(self) -> str:
        return TWILIO_ERRORS.get(self.code, "")


@dataclass(frozen=True)
class SchedulerState:
    holder: str
    heartbeat_age: timedelta
    running: bool  # its heartbeat is fresher than the lease's TTL
    last_job: str | None
    last_job_at: datetime | None


@dataclass(frozen=True)
class ChannelHealth:
    day: date  # the UK day the "today" counts are for
    messages_in: dict[str, int]  # by channel
    messages_out: dict[str, int]  # sent today, by status
    failures: list[Failure]  # the last week, the most frequent first
    backlog: int
    held: int
    scheduler: SchedulerState | None  # None: no scheduler has ever run

    @property
    def total_in(self) -> int:
        return sum(self.messages_in.values())

    @property
    def total_out(self) -> int:
        return sum(self.messages_out.values())


def uk_day(now: datetime) -> tuple[date, datetime, datetime]:
    """The UK day containing `now`, and when it starts and ends in UTC (23 or 25 hours when the clocks change)."""
    day = local_date(now)
    start = datetime.combine(day, time(0), tzinfo=LOCAL_TIME).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL_TIME).astimezone(UTC)
    return day, start, end


def report(session: Session, *, now: datetime, quiet: outbox.QuietHours) -> ChannelHealth:
    day, start, end = uk_day(now)
    return ChannelHealth(
        day=day,
        messages_in=messages_in(session, start, end),
        messages_out=messages_out(session, start, end),
        failures=failures(session, since=now - FAILURE_WINDOW, until=now),
        backlog=outbox.backlog(session, now),
        held=outbox.held(session, now, quiet),
        scheduler=scheduler_state(session, now),
    )


def messages_in(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    rows = session.execute(
        select(InboundMessage.channel, func.count())
        .where(InboundMessage.received_at >= start, InboundMessage.received_at < end)
        .group_by(InboundMessage.channel)
        .order_by(InboundMessage.channel)
    ).all()
    return {channel: int(n) for channel, n in rows}


def messages_out(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    rows = session.execute(
        select(OutboundMessage.status, func.count())
        .where(OutboundMessage.sent_at >= start, OutboundMessage.sent_at < end)
        .group_by(OutboundMessage.status)
        .order_by(OutboundMessage.status)
    ).all()
    return {status: int(n) for status, n in rows}


def failures(session: Session, *, since: datetime, until: datetime) -> list[Failure]:
    """Messages given an error code by Twilio, by code, that last changed in the window (when they failed)."""
    counted = func.count().label("n")
    rows = session.execute(
        select(OutboundMessage.error_code, counted)
        .where(
            OutboundMessage.error_code.is_not(None),
            OutboundMessage.updated_at > since,
            OutboundMessage.updated_at <= until,
        )
        .group_by(OutboundMessage.error_code)
        .order_by(counted.desc(), OutboundMessage.error_code)
    ).all()
    return [Failure(code, int(n)) for code, n in rows if code is not None]


def scheduler_state(session: Session, now: datetime) -> SchedulerState | None:
    held = lease.current(session)
    if held is None:
        return None
    age = max(now - held.heartbeat_at, timedelta(0))
    return SchedulerState(held.holder, age, age <= lease.TTL, held.last_job, held.last_job_at)

"""The channel health page: is the service texting? Messages in and out today, failures by Twilio error code,
the outbox backlog, what waits for quiet hours, the scheduler's heartbeat, and the emails and texts that tell staff
about safeguarding alerts (sent, waiting, failed). Counts only, from
`messages.channel_health`: no message and no phone number is shown here."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import current_app, render_template
from flask.typing import ResponseReturnValue

from feedback.core.clock import LOCAL_TIME, local_date, now
from feedback.core.permissions import Capability
from feedback.core.plain_dates import clock_time
from feedback.extensions import current_session
from feedback.messages import channel_health, outbox
from feedback.ops import lease
from feedback.safeguarding import delivery
from feedback.staff.views import bp, requires


@bp.get("/channels")
@requires(Capability.RUN_SURVEYS)
def channels() -> ResponseReturnValue:
    moment = now()
    quiet = outbox.QuietHours.from_config(current_app.config)
    health = channel_health.report(current_session(), now=moment, quiet=quiet)
    return render_template(
        "messages/channels.html",
        health=health,
        told=delivery.counts(current_session(), since=moment - timedelta(days=7)),
        told_failures=delivery.recent_failures(current_session()),
        told_waiting=delivery.waiting(current_session(), moment),
        mail_server=bool(current_app.config.get("MAIL_SERVER")),
        quiet_hours=None if quiet.start == quiet.end else (_time_of_day(quiet.start), _time_of_day(quiet.end)),
        quiet_ends=quiet.ends_after(moment) if quiet.contains(moment) else None,
        ttl=lease.TTL,
        channel_words=channel_health.channel_words,
        outbound_words=channel_health.outbound_words,
        job_words=channel_health.job_words,
    )


def _time_of_day(at: time) -> str:
    """A time of day as the page says it ("9:00pm"), UK time."""
    return clock_time(datetime.combine(local_date(now()), at, tzinfo=LOCAL_TIME))

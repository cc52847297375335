"""The channel health page: is the service texting? Messages in and out today, failures by Twilio error code,
the outbox backlog, what waits for quiet hours, the scheduler's heartbeat, and the emails and texts that tell staff
about safeguarding alerts (sent, waiting, failed). Counts only, from
`messages.channel_health`: no message and no phone number is shown here."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, render_template
from flask.typing import ResponseReturnValue

from feedback.core.clock import LOCAL_TIME, now
from feedback.core.permissions import Capability
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
        quiet=quiet,
        in_quiet_hours=quiet.contains(moment),
        ttl_seconds=int(lease.TTL.total_seconds()),
        local=lambda when: when.astimezone(LOCAL_TIME),
    )

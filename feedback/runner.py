"""The long-running processes beside the web workers: the worker (senders) and the scheduler.

Both run inside an app context and share nothing but the database, so any number of workers can run on any
number of machines; the scheduler runs in exactly one process.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Mapping
from datetime import timedelta
from types import FrameType
from typing import Any

from flask import current_app

from feedback.clock import now
from feedback.extensions import current_session, db
from feedback.services import alerts, analysis, conversations, inbound, outbox, statements

log = logging.getLogger(__name__)

EXPIRY_INTERVAL_MINUTES = 10


def sender_from_config(config: Mapping[str, Any]) -> outbox.Sender:
    """Twilio when credentials are configured; otherwise the simulator, which stores and shows messages."""
    if not (config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN")):
        return outbox.SimulatedSender()
    from feedback.channels.sms.twilio_sender import TwilioSender

    base = config.get("PUBLIC_BASE_URL")
    return TwilioSender(
        account_sid=config["TWILIO_ACCOUNT_SID"],
        auth_token=config["TWILIO_AUTH_TOKEN"],
        from_number=config.get("TWILIO_FROM_NUMBER"),
        messaging_service_sid=config.get("TWILIO_MESSAGING_SERVICE_SID"),
        status_callback=f"{base}/sms/status" if base else None,
        api_base_url=config.get("TWILIO_API_BASE_URL"),
    )


def retry_policy() -> outbox.RetryPolicy:
    return outbox.RetryPolicy(
        max_attempts=current_app.config["SEND_MAX_ATTEMPTS"],
        base_seconds=current_app.config["SEND_RETRY_BASE_SECONDS"],
    )


def conversation_timeout() -> timedelta:
    return timedelta(hours=current_app.config["CONVERSATION_TIMEOUT_HOURS"])


def work_once(sender: outbox.Sender, batch: int = 100) -> int:
    """One round of the worker: stranded inbound messages first, then the outbox. Returns how much it did."""
    moment = now()
    policy = inbound.InboundPolicy.from_config(current_app.config)
    stranded = inbound.unprocessed(current_session(), moment, limit=batch)
    for message_id in stranded:
        try:
            inbound.process(current_session(), message_id, now=moment, policy=policy, reply_inline=False)
        except Exception:
            # One message that cannot be handled must not hold up the others, nor the outbox.
            log.exception("handling stored message %s failed", message_id)
            current_session().rollback()
            attempts = inbound.note_failed_attempt(current_session(), message_id, moment)
            if attempts >= inbound.MAX_HANDLING_ATTEMPTS:
                log.error("stored message %s failed %s times: it needs a person to look", message_id, attempts)
    report = outbox.flush(current_session(), sender, now=now(), retry=retry_policy(), limit=batch)
    # Themes and sentiment after the replies: they are for staff and summaries, and can wait a few seconds.
    analysed = analysis.analyse_pending(current_session(), now=now(), limit=batch)
    return len(stranded) + report.handled + analysed


class _Stop:
    def __init__(self) -> None:
        self.event = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._set)

    def _set(self, signum: int, frame: FrameType | None) -> None:
        log.info("stopping after the current message")
        self.event.set()


def run_worker(interval: float) -> None:
    stop = _Stop()
    sender = sender_from_config(current_app.config)
    log.info("worker started (%s)", type(sender).__name__)
    while not stop.event.is_set():
        try:
            done = work_once(sender)
        except Exception:
            # A database outage must not end the worker: log (no message content), wait, try again.
            log.exception("worker round failed")
            db.session.rollback()
            done = 0
        finally:
            db.session.remove()
        if done == 0:
            stop.event.wait(interval)
    log.info("worker stopped")


def expire_conversations() -> int:
    count = conversations.expire_silent(current_session(), now(), conversation_timeout())
    db.session.commit()
    return count


def escalate_statements() -> int:
    """Escalate statements nobody has read in time to their team's managers."""
    count = statements.escalate_overdue(current_session(), now=now())
    db.session.commit()
    return count


def escalate_alerts() -> int:
    """Escalate safeguarding alerts nobody acknowledged in time to the managers."""
    after = timedelta(minutes=current_app.config["SAFEGUARDING_ESCALATION_MINUTES"])
    count = alerts.escalate_overdue(current_session(), now=now(), after=after)
    db.session.commit()
    if count:
        log.warning("%s safeguarding alerts escalated: nobody acknowledged them in time", count)
    return count


# Each job and how often it runs, in minutes: alerts every minute, so that one is escalated within a minute of
# its time.
JOBS = (
    ("expire-conversations", expire_conversations, EXPIRY_INTERVAL_MINUTES),
    ("escalate-statements", escalate_statements, EXPIRY_INTERVAL_MINUTES),
    ("escalate-alerts", escalate_alerts, 1),
)


def run_scheduler() -> None:
    from apscheduler.schedulers.blocking import BlockingScheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def in_app(job: Any) -> Any:
        def run() -> None:
            with app.app_context():
                try:
                    result = job()
                    log.info("job %s done (%s)", job.__name__, result)
                finally:
                    db.session.remove()

        return run

    scheduler = BlockingScheduler(timezone="Europe/London")
    for job_id, job, minutes in JOBS:
        scheduler.add_job(
            in_app(job),
            "interval",
            minutes=minutes,
            id=job_id,
            coalesce=True,
            max_instances=1,
            next_run_time=now(),
        )
    log.info("scheduler started")
    scheduler.start()

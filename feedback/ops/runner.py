"""The long-running processes beside the web workers: the worker (senders) and the scheduler.

Both run inside an app context and share nothing but the database, so any number of workers can run on any
number of machines; the scheduler runs in exactly one process.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from feedback.audit import operations as audit
from feedback.core.clock import LOCAL_TIME, now
from feedback.extensions import current_session, db
from feedback.insight import filing as analysis
from feedback.messages import inbound, outbox
from feedback.ops import lease, retention
from feedback.people import privacy
from feedback.safeguarding import delivery, escalation
from feedback.safeguarding.notifications import NotifyPolicy
from feedback.statements import operations as statements
from feedback.surveys import conversations, reminders, schedules, sending

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger(__name__)

EXPIRY_INTERVAL_MINUTES = 10
# Texts a worker handles in a round before it sends what they queued: a reply goes out within a few texts' time,
# however many are waiting.
TEXT_BATCH = 10


def configured_sender() -> outbox.Sender:
    """What sends this process's texts, as the app factory chose it from the settings (Twilio or the simulator):
    the worker never imports a channel."""
    choose: Callable[[Mapping[str, Any]], outbox.Sender] = current_app.extensions[outbox.SENDER_EXTENSION]
    return choose(current_app.config)


def pacer_from_config(config: Mapping[str, Any]) -> outbox.Pacer | None:
    """One send rate per sending number, shared by every sender process (none when SEND_RATE_PER_SECOND is 0)."""
    rate = float(config["SEND_RATE_PER_SECOND"])
    if rate <= 0:
        return None
    number = config.get("TWILIO_MESSAGING_SERVICE_SID") or config.get("TWILIO_FROM_NUMBER") or "simulator"
    return outbox.Pacer(str(number), rate)


def retry_policy() -> outbox.RetryPolicy:
    return outbox.RetryPolicy(
        max_attempts=current_app.config["SEND_MAX_ATTEMPTS"],
        base_seconds=current_app.config["SEND_RETRY_BASE_SECONDS"],
    )


def conversation_timeout() -> timedelta:
    return timedelta(hours=current_app.config["CONVERSATION_TIMEOUT_HOURS"])


def work_once(sender: outbox.Sender, batch: int = 100, pacer: outbox.Pacer | None = None) -> int:
    """One round of the worker: new texts first (screened, handled, their replies queued), with the safeguarding
    notifications they raise, then the outbox, then analysis. Returns how much it did."""
    # Safeguarding notifications to staff first: nothing the worker does is more urgent.
    told = deliver_notifications(sender, batch)
    texts = handle_texts(min(batch, TEXT_BATCH))
    if texts.done:
        told += deliver_notifications(sender, batch)  # the alerts those texts raised
    finished = _finish_stranded_answers(now())
    report = outbox.flush(
        current_session(),
        sender,
        now=now(),
        retry=retry_policy(),
        limit=batch,
        quiet=outbox.QuietHours.from_config(current_app.config),
        pacer=pacer,
        clock=now,
    )
    # Themes and feeling after the replies, a few at a time so that no round keeps a text waiting long, and none
    # while texts are waiting: they are for staff and summaries, and can wait for a burst to pass.
    analysed = 0 if texts.more else analysis.analyse_pending(current_session(), now=now(), limit=min(batch, TEXT_BATCH))
    return told + texts.done + finished + report.handled + analysed


@dataclass(frozen=True)
class TextRound:
    done: int  # texts handled, or screened on their own
    more: bool  # more texts were waiting than the round took: the worker is behind


def handle_texts(limit: int = TEXT_BATCH) -> TextRound:
    """Screen and handle up to `limit` stored texts, each claimed on its own (`inbound.claimable`,
    `inbound.process_claimed`: any number of workers share them, each young person's in order), their replies
    queued; then screen on its own any text held up for longer than `inbound.SCREEN_WAITING_AFTER`."""
    policy = inbound.InboundPolicy.from_config(current_app.config)
    # More than this round takes: some may be claimed by other workers meanwhile.
    offered = inbound.claimable(current_session(), now(), limit=2 * limit)
    current_session().rollback()
    done = 0
    for message_id in offered:
        if done >= limit:
            break
        try:
            outcome = inbound.process_claimed(current_session(), message_id, now=now(), policy=policy)
        except inbound.HandlingFailed as failed:
            # One text that cannot be handled must not hold up the others, nor the outbox.
            log.exception("handling stored message %s failed", failed.message_id)
            attempts = inbound.note_failed_attempt(current_session(), failed.message_id, now())
            if attempts >= inbound.MAX_HANDLING_ATTEMPTS:
                log.error("stored message %s failed %s times: it needs a person to look", failed.message_id, attempts)
            done += 1
            continue
        if outcome is not None:
            done += 1
    held_up = inbound.waiting_unscreened(current_session(), now(), limit=limit)
    current_session().rollback()  # a read only: no transaction (nor SQLite's write lock) kept open meanwhile
    for message_id in held_up:
        try:
            screened = inbound.raise_alert_first(current_session(), message_id, now=now(), policy=policy)
        except Exception:
            # Its handling will fail too, and be counted there (`note_failed_attempt`); the others are screened.
            log.exception("screening the held-up message %s failed", message_id)
            current_session().rollback()
            continue
        done += screened is not None
    return TextRound(done, more=len(offered) >= 2 * limit)


def _finish_stranded_answers(moment: datetime) -> int:
    """Answers to a statement's reply whose page failed after storing them: screened and filed here, each on its
    own, so one that cannot be finished holds up nothing else."""
    policy = statements.AnswerPolicy.from_config(current_app.config)
    found = statements.stranded_answers(current_session(), moment)
    for message_id in found:
        try:
            statements.finish_answer(current_session(), message_id, now=moment, policy=policy)
        except Exception:
            log.exception("finishing the stored answer %s failed", message_id)
            current_session().rollback()
            inbound.note_failed_attempt(current_session(), message_id, moment)
    return len(found)


def deliver_notifications(texter: outbox.Sender, batch: int = 100) -> int:
    """Send the emails and texts to staff that are due (committed one by one); returns how many were handled."""
    config = current_app.config
    report = delivery.deliver_due(
        current_session(),
        now=now(),
        mailer=delivery.mailer_from_config(config),
        texter=texter,
        sender_address=config["MAIL_DEFAULT_SENDER"],
        retry=retry_policy(),
        limit=batch,
    )
    return report.handled


def work_until_idle(batch: int = 100) -> int:
    """Worker rounds until one does nothing (for cron): everything that may go now goes, at the send rate."""
    sender = configured_sender()
    pacer = pacer_from_config(current_app.config)
    total = 0
    while done := work_once(sender, batch, pacer=pacer):
        total += done
        db.session.remove()
    return total


class _Stop:
    def __init__(self) -> None:
        self.event = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._set)

    def _set(self, signum: int, frame: FrameType | None) -> None:
        log.info("stopping after the current message")
        self.event.set()


class Wakeup:
    """What a worker waits on between rounds with nothing to do. On PostgreSQL, a LISTEN on the channel that a stored
    text notifies (migration 0021), so the text is handled the moment it is stored, by whichever worker claims it
    first; the interval still bounds the wait, so a missed notification delays nothing for long. Elsewhere (SQLite),
    or while the listening connection is lost, the interval alone."""

    CHANNEL = "inbound_message"

    def __init__(self, engine: Any, stop: threading.Event) -> None:
        self.stop = stop
        self.url = engine.url if engine.dialect.name == "postgresql" else None
        self.connection: Any = None

    def wait(self, timeout: float) -> None:
        if self.url is None:
            self.stop.wait(timeout)
            return
        try:
            listening = self._listening()
            deadline = time.monotonic() + timeout
            # In slices of a second at most, so that a worker told to stop stops within one.
            while not self.stop.is_set() and (left := deadline - time.monotonic()) > 0:
                if any(True for _ in listening.notifies(timeout=min(left, 1.0), stop_after=1)):
                    for _ in listening.notifies(timeout=0):  # the others that came meanwhile: one round takes all
                        pass
                    return
        except Exception:
            # Logged without the error's text (it may name the server); the worker polls until it listens again.
            log.warning("the worker's LISTEN connection failed: polling every %s s until it is back", timeout)
            self.close()
            self.stop.wait(timeout)

    def _listening(self) -> Any:
        assert self.url is not None  # noqa: S101 - only on PostgreSQL
        if self.connection is None:
            import psycopg

            address = self.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self.connection = psycopg.connect(address, autocommit=True)
            self.connection.execute(f"LISTEN {self.CHANNEL}")
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            # A broken connection may fail to close; a new one is made when needed.
            with contextlib.suppress(Exception):
                self.connection.close()
            self.connection = None


def run_worker(interval: float) -> None:
    stop = _Stop()
    sender = configured_sender()
    pacer = pacer_from_config(current_app.config)
    wakeup = Wakeup(db.engine, stop.event)
    log.info("worker started (%s)", type(sender).__name__)
    if not current_app.config.get("MAIL_SERVER"):
        # Not a refusal, so `make run` needs no mail server; the channel health page says the same in red.
        log.warning("MAIL_SERVER is not set: safeguarding emails to staff are stored, not sent")
    try:
        while not stop.event.is_set():
            try:
                done = work_once(sender, pacer=pacer)
            except Exception:
                # A database outage must not end the worker: log (no message content), wait, try again.
                log.exception("worker round failed")
                db.session.rollback()
                done = 0
            finally:
                db.session.remove()
            if done == 0 and not stop.event.is_set():
                wakeup.wait(interval)
    finally:
        wakeup.close()
    log.info("worker stopped")


def expire_conversations(moment: datetime | None = None) -> int:
    """End conversations silent for longer than CONVERSATION_TIMEOUT_HOURS."""
    count = conversations.expire_silent(current_session(), moment or now(), conversation_timeout())
    db.session.commit()
    return count


def escalate_statements(moment: datetime | None = None) -> int:
    """Escalate statements nobody has read in time to their team's managers, who are told by email."""
    policy = NotifyPolicy.from_config(current_app.config)
    count = escalation.escalate_statements(current_session(), now=moment or now(), policy=policy)
    db.session.commit()
    return count


def escalate_alerts(moment: datetime | None = None) -> int:
    """Move risk alerts nobody acknowledged in time up the escalation ladder; the worker tells the people."""
    policy = NotifyPolicy.from_config(current_app.config)
    count = escalation.escalate_alerts(current_session(), now=moment or now(), policy=policy)
    db.session.commit()
    if count:
        log.warning("%s safeguarding alerts escalated: nobody acknowledged them in time", count)
    return count


def run_due_schedules(moment: datetime | None = None) -> list[schedules.Run]:
    """Send every scheduled survey that is due, once (the scheduler's job and `feedback schedules run-due`)."""
    return schedules.run_due(
        current_session(), now=moment or now(), links_to=sending.LinkSettings.from_config(current_app.config)
    )


def run_schedules() -> int:
    return sum(run.report.queued for run in run_due_schedules())


def send_reminders() -> int:
    """The one reminder for each survey left unfinished for REMINDER_HOURS."""
    hours = int(current_app.config["REMINDER_HOURS"])
    if hours <= 0:
        return 0
    count = reminders.send_reminders(
        current_session(),
        now=now(),
        after=timedelta(hours=hours),
        links_to=sending.LinkSettings.from_config(current_app.config),
    )
    db.session.commit()
    return count


def apply_retention() -> int:
    """The retention policy (words after MESSAGE_RETENTION_DAYS, identifiers of those who left or turned
    IDENTIFIER_MAX_AGE), then dead links. Logged in the audit log with counts only."""
    moment = now()
    done = privacy.apply_retention(current_session(), now=moment, policy=privacy.Policy.from_config(current_app.config))
    links_removed = retention.apply(current_session(), now=moment)
    audit.record(current_session(), "retention", now=moment, actor="scheduler", counts=done.as_detail())
    db.session.commit()
    return done.messages + done.people + links_removed


# Each job, by the name it is stored under, and when it runs. Frequent jobs on an interval; the nightly one at
# 02:30 UK time. Alerts every minute, so that one is escalated within a minute of its time.
JOBS: dict[str, Callable[[], int]] = {
    "run-schedules": run_schedules,
    "send-reminders": send_reminders,
    "expire-conversations": expire_conversations,
    "escalate-statements": escalate_statements,
    "escalate-alerts": escalate_alerts,
    "retention": apply_retention,
}
TRIGGERS: dict[str, dict[str, Any]] = {
    "run-schedules": {"trigger": "interval", "minutes": 1},
    "send-reminders": {"trigger": "interval", "minutes": 5},
    "expire-conversations": {"trigger": "interval", "minutes": EXPIRY_INTERVAL_MINUTES},
    "escalate-statements": {"trigger": "interval", "minutes": EXPIRY_INTERVAL_MINUTES},
    "escalate-alerts": {"trigger": "interval", "minutes": 1},
    "retention": {"trigger": "cron", "hour": 2, "minute": 30},
}

# The app and this process's name in the lease, for jobs APScheduler calls by their textual reference.
_scheduler_app: dict[str, Flask] = {}
_holder = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


# Every cron run of `feedback jobs run` shares one name in the lease, so one cron job does not keep out the next.
CRON_HOLDER = "cron"


def run_job_here(name: str, holder: str = CRON_HOLDER) -> bool:
    """Run one job now in this app context, under the scheduler's lease (committed). False, having done
    nothing, when another holder has it: a running `feedback scheduler` runs its jobs itself."""
    if not lease.hold(current_session(), holder, now()):
        return False
    result = JOBS[name]()
    lease.job_ran(current_session(), name, now())
    log.info("job %s done (%s)", name, result)
    return True


def run_job(name: str) -> None:
    """What APScheduler calls (as "feedback.ops.runner:run_job", with the job's name, so the job store holds no
    code): the job, in an app context, only if this process holds the scheduler's lease."""
    app = _scheduler_app.get("app")
    if app is None:
        log.error("job %s: no app; start it with `feedback scheduler`", name)
        return
    with app.app_context():
        try:
            if not run_job_here(name, _holder):
                log.warning("job %s not run: another scheduler holds the lease", name)
        except Exception:
            log.exception("job %s failed", name)
            db.session.rollback()
        finally:
            db.session.remove()


def build_scheduler(app: Flask) -> BackgroundScheduler:
    """APScheduler with its jobs in the database (paused: `resume()` starts it). A job already stored keeps its
    next run time, so one missed while the scheduler was down runs once when it starts (coalesced), not once
    per miss; a job not stored yet is added, the frequent ones due at once."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    _scheduler_app["app"] = app
    with app.app_context():
        engine = db.engine
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine)},
        timezone=LOCAL_TIME,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )
    scheduler.start(paused=True)
    for name in JOBS:
        if scheduler.get_job(name) is None:
            spec = dict(TRIGGERS[name])
            if spec["trigger"] == "interval":
                spec["next_run_time"] = datetime.now(UTC)
            scheduler.add_job("feedback.ops.runner:run_job", args=[name], id=name, name=name, **spec)
    return scheduler


def stop_scheduler(scheduler: BackgroundScheduler) -> None:
    """Stop APScheduler without touching the stored jobs: the job store is detached first, because APScheduler
    looks for due jobs once more as it shuts down, and would move on (unrun) any job due at that moment."""
    scheduler.pause()
    scheduler.remove_jobstore("default", shutdown=True)
    scheduler.shutdown(wait=True)


def run_scheduler() -> None:
    """The one scheduler: wait for the lease (another may hold it), then run the jobs and keep the heartbeat
    until stopped, or until the lease is lost."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    stop = _Stop()
    while not lease.hold(current_session(), _holder, now()):
        log.warning("another scheduler holds the lease: waiting to take over if it stops")
        db.session.remove()
        if stop.event.wait(lease.HEARTBEAT_SECONDS):
            return
    db.session.remove()
    if stop.event.is_set():
        return
    scheduler = build_scheduler(app)
    scheduler.resume()
    log.info("scheduler started")
    try:
        while not stop.event.wait(lease.HEARTBEAT_SECONDS):
            try:
                held = lease.hold(current_session(), _holder, now())
            except Exception:
                log.exception("scheduler heartbeat failed")
                db.session.rollback()
                continue
            finally:
                db.session.remove()
            if not held:
                log.error("scheduler lease lost to another process: stopping")
                break
    finally:
        stop_scheduler(scheduler)
        log.info("scheduler stopped")

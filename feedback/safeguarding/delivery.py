"""Delivering notifications to staff: the worker sends each queued email (by SMTP) and text (by Twilio, from the
service's own number), at once, before anything else it does.

Like the outbox to young people: a notification is claimed by exactly one worker before it is sent (an atomic
UPDATE, with SKIP LOCKED on PostgreSQL), so any number of workers may run and none sends one twice. A transient
failure (the mail server out of reach, a 4xx answer, Twilio out of reach) is retried with exponential backoff; a
permanent one (a 5xx answer, a refused address) is failed at once; one whose answer never came after the message
was handed over (the connection dropped during DATA) is `unconfirmed`, never retried, for a person to check. Every
failure shows on the channel health page. Without `MAIL_SERVER` emails are `stored` and shown on the Notifications
page, as texts are without Twilio credentials.

Nothing is logged but the notification's id, its channel and what became of it: never an address or a body.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from feedback.core.errors import FeedbackError
from feedback.core.transactions import commits
from feedback.messages import outbox
from feedback.safeguarding.models import Notification, NotificationStatus

log = logging.getLogger(__name__)

QUEUED, SENDING, SENT, STORED, FAILED, UNCONFIRMED = (
    NotificationStatus.QUEUED,
    NotificationStatus.SENDING,
    NotificationStatus.SENT,
    NotificationStatus.STORED,
    NotificationStatus.FAILED,
    NotificationStatus.UNCONFIRMED,
)
EMAIL, SMS = "email", "sms"


class MailError(FeedbackError):
    """An email that was not sent. `transient`: worth trying again; `unconfirmed`: the server may have it."""

    def __init__(self, message: str, *, transient: bool, unconfirmed: bool = False) -> None:
        super().__init__(message)
        self.transient = transient and not unconfirmed
        self.unconfirmed = unconfirmed


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> str | None:
        """Send one email; returns the status it ends in (sent or stored). Raises MailError."""
        ...


class StoringMailer:
    """No mail server configured: the email is kept and shown on the Notifications page."""

    def send(self, message: EmailMessage) -> str | None:
        return STORED


@dataclass(frozen=True)
class SmtpMailer:
    """Sends by SMTP with the conventional settings (MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS, MAIL_USE_SSL,
    MAIL_USERNAME, MAIL_PASSWORD), one connection per email: a few a day, and a stale connection is worse."""

    host: str
    port: int = 25
    use_tls: bool = False
    use_ssl: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0
    context: ssl.SSLContext | None = None

    def send(self, message: EmailMessage) -> str | None:
        context = self.context or ssl.create_default_context()
        try:
            if self.use_ssl:
                client: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"could not reach the mail server ({type(exc).__name__})", transient=True) from exc
        with client:
            try:
                client.ehlo()
                if self.use_tls:
                    client.starttls(context=context)
                    client.ehlo()
                if self.username:
                    client.login(self.username, self.password or "")
            except smtplib.SMTPAuthenticationError as exc:
                raise MailError(f"the mail server refused the login ({exc.smtp_code})", transient=False) from exc
            except smtplib.SMTPResponseException as exc:
                raise MailError(f"the mail server answered {exc.smtp_code}", transient=exc.smtp_code < 500) from exc
            except (OSError, smtplib.SMTPException) as exc:
                raise MailError(f"the mail server failed ({type(exc).__name__})", transient=True) from exc
            try:
                refused = client.send_message(message)
            except smtplib.SMTPRecipientsRefused as exc:
                codes = [code for code, _ in exc.recipients.values()]
                transient = all(400 <= code < 500 for code in codes)
                raise MailError(f"the mail server refused the address ({codes[0]})", transient=transient) from exc
            except smtplib.SMTPResponseException as exc:
                raise MailError(f"the mail server answered {exc.smtp_code}", transient=exc.smtp_code < 500) from exc
            except (OSError, smtplib.SMTPException) as exc:
                # The message may have gone before the connection dropped: never sent again on its own.
                raise MailError(
                    f"the connection ended while sending ({type(exc).__name__})", transient=False, unconfirmed=True
                ) from exc
            if refused:
                raise MailError("the mail server refused the address", transient=False)
        return SENT


def mailer_from_config(config: Mapping[str, Any]) -> Mailer:
    if not config.get("MAIL_SERVER"):
        return StoringMailer()
    return SmtpMailer(
        host=config["MAIL_SERVER"],
        port=int(config["MAIL_PORT"]),
        use_tls=bool(config["MAIL_USE_TLS"]),
        use_ssl=bool(config["MAIL_USE_SSL"]),
        username=config.get("MAIL_USERNAME"),
        password=config.get("MAIL_PASSWORD"),
        timeout=float(config.get("MAIL_TIMEOUT_SECONDS", 10)),
    )


def email_of(notification: Notification, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = notification.recipient
    message["Subject"] = notification.subject
    # The same id on every attempt: a mail system that got it once can tell a second copy.
    message["Message-ID"] = make_msgid(idstring=f"notification-{notification.id}", domain=sender.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(notification.body)
    return message


@dataclass
class DeliveryReport:
    sent: int = 0
    stored: int = 0
    failed: int = 0
    unconfirmed: int = 0
    retrying: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def handled(self) -> int:
        return self.sent + self.stored + self.failed + self.unconfirmed + self.retrying


@commits("a claim must be seen by every other worker before the email or text goes, so only one sends it")
def claim_next(session: Session, now: datetime) -> int | None:
    """Claim the oldest due notification for this worker (committed), or None."""
    first = (
        select(Notification.id)
        .where(Notification.status == QUEUED, Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    claimed = session.execute(
        update(Notification)
        .where(Notification.id == first, Notification.status == QUEUED)
        .values(status=SENDING, attempts=Notification.attempts + 1)
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    session.commit()
    return claimed


def deliver_due(
    session: Session,
    *,
    now: datetime,
    mailer: Mailer,
    texter: outbox.Sender,
    sender_address: str,
    retry: outbox.RetryPolicy,
    limit: int = 100,
) -> DeliveryReport:
    """Send every notification due now, each committed as it goes."""
    report = DeliveryReport()
    for _ in range(limit):
        claimed = claim_next(session, now)
        if claimed is None:
            break
        status = deliver(session, claimed, now=now, mailer=mailer, texter=texter, sender_address=sender_address,
                         retry=retry)  # fmt: skip
        report.by_status[status] = report.by_status.get(status, 0) + 1
        if status == QUEUED:
            report.retrying += 1
        else:
            setattr(report, status, getattr(report, status) + 1)
    return report


@commits("what became of a send is kept the moment it is known, so staff are never told twice")
def deliver(
    session: Session,
    notification_id: int,
    *,
    now: datetime,
    mailer: Mailer,
    texter: outbox.Sender,
    sender_address: str,
    retry: outbox.RetryPolicy,
) -> str:
    """Send one claimed notification and record what became of it (committed); returns its new status."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.status != SENDING:
        session.rollback()
        return FAILED
    try:
        if notification.channel == EMAIL:
            status = mailer.send(email_of(notification, sender_address)) or SENT
            reference = None
        else:
            result = texter.send(notification.recipient, notification.body)
            status = STORED if result.status == outbox.SIMULATED else SENT
            reference = result.provider_sid
    except (MailError, outbox.SendError) as exc:
        unconfirmed = bool(getattr(exc, "unconfirmed", False))
        notification.error = str(exc)[:200]
        if unconfirmed:
            notification.status = UNCONFIRMED
        elif exc.transient and notification.attempts < retry.max_attempts:
            notification.status = QUEUED
            notification.next_attempt_at = now + retry.delay(notification.attempts)
        else:
            notification.status = FAILED
        session.commit()
        log.warning(
            "notification %s (%s, %s): %s after %s attempts",
            notification.id, notification.channel, notification.reason,
            "to try again" if notification.status == QUEUED else notification.status, notification.attempts,
        )  # fmt: skip
        return notification.status
    notification.status = status
    notification.provider_id = reference
    notification.sent_at = now
    notification.error = None
    session.commit()
    log.info("notification %s (%s, %s): %s", notification.id, notification.channel, notification.reason, status)
    return status


def counts(session: Session, since: datetime) -> dict[tuple[str, str], int]:
    """Notifications since `since` by channel and status, for the channel health page."""
    rows = session.execute(
        select(Notification.channel, Notification.status, func.count())
        .where(Notification.created_at >= since)
        .group_by(Notification.channel, Notification.status)
    ).all()
    return {(channel, status): int(n) for channel, status, n in rows}


def recent_failures(session: Session, limit: int = 20) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.status.in_([FAILED, UNCONFIRMED]))
            .order_by(Notification.created_at.desc())
            .limit(limit)
        )
    )


def waiting(session: Session, now: datetime) -> int:
    """Notifications due but not yet sent: more than a few for more than a minute means the worker is not running."""
    return int(
        session.scalar(
            select(func.count()).where(Notification.status.in_([QUEUED, SENDING]), Notification.next_attempt_at <= now)
        )
        or 0
    )

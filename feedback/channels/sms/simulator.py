"""The SMS simulator: staff text the service as a young person would, from a fictional number.

Only Ofcom's drama numbers are accepted, so a member of staff can never read a real young person's thread here,
and whatever the service sends back to them is stored and shown, never sent. A pretend number put on the register or
given a worker is treated as a young person: only those who may see them see its thread.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.core import permissions
from feedback.core.errors import Invalid
from feedback.core.permissions import Viewer
from feedback.core.plain_dates import clock_time
from feedback.messages import inbound, outbox
from feedback.messages.models import InboundMessage, InboundStatus, OutboundMessage, OutboundStatus
from feedback.people import operations as people
from feedback.people.models import Person

SID_PREFIX = "SMsim"


class NotFictional(Invalid):
    """The simulator only takes Ofcom's drama numbers."""


@dataclass(frozen=True)
class ThreadItem:
    """One text in the thread. `direction` is the service's: "in" came from the young person, "out" went to them.
    `status` is the stored word; `said` is what became of the text, in plain English, for the page."""

    direction: str  # "in" | "out"
    body: str
    at: datetime
    status: str
    said: str


# What the service made of a young person's text (`InboundMessage.handling`), as staff trying it out read it.
HANDLING_WORDS = {
    "answer": "taken as an answer",
    "skipped": "question skipped",
    "invalid-answer": "not an answer it could take: asked again",
    "unanswered": "not an answer it could take: moved on",
    "survey-start": "started a survey",
    "survey-resume": "back to the survey",
    "opt-out": "opted out",
    "opt-in": "opted back in",
    "feedback": "kept as feedback",
    "help": "HELP: told what the service is",
    inbound.HELP_REQUEST: "asked for help: staff alerted",
    inbound.SAFEGUARDING: "safeguarding alert raised",
    "ignored": "ignored",
}
# What became of a text to the young person (`OutboundMessage.status`); a queued one is worded by `_waiting`.
STATUS_WORDS: dict[str, str] = {
    OutboundStatus.SENDING: "sending",
    OutboundStatus.SENT: "sent",
    OutboundStatus.REPLIED: "sent",
    OutboundStatus.SIMULATED: "sent (simulated)",
    OutboundStatus.SKIPPED: "not sent: opted out",
    OutboundStatus.FAILED: "failed",
    OutboundStatus.UNCONFIRMED: "may not have gone: check",
    OutboundStatus.ACCEPTED: "sending",
    OutboundStatus.SCHEDULED: "sending",
    OutboundStatus.DELIVERED: "delivered",
    OutboundStatus.UNDELIVERED: "not delivered",
    OutboundStatus.READ: "read",
    OutboundStatus.CANCELED: "cancelled",
}


def fictional_phone(raw: str) -> str:
    phone = people.normalise_phone(raw)
    if not people.is_fictional(phone):
        raise NotFictional("use a drama number between 07700 900000 and 07700 900999")
    return phone


def text_as(session: Session, raw_phone: str, body: str, *, now: datetime, policy: inbound.InboundPolicy) -> Person:
    """Handle `body` exactly as if it had come by SMS from the fictional number `raw_phone`."""
    phone = fictional_phone(raw_phone)
    arrival = inbound.Arrival(channel="sms", provider_sid=SID_PREFIX + secrets.token_hex(14), sender=phone, body=body)
    inbound.accept(session, arrival, now=now, policy=policy)
    person = people.find_person(session, phone)
    assert person is not None  # noqa: S101 - accept() created them
    return person


def simulated_person(session: Session, pseudonym: str, viewer: Viewer) -> Person | None:
    """The person with this pseudonym, only if their number is fictional and `viewer` may see their thread
    (`permissions.simulated`: a pretend number nobody has put on the register or assigned, or one of theirs)."""
    person = session.scalar(select(Person).where(Person.pseudonym == pseudonym, permissions.simulated(viewer)))
    if person is None or person.phone is None or not people.is_fictional(person.phone):
        return None
    return person


def shown_number(phone: str) -> str:
    """A drama number as people write it: +447700900321 is "07700 900321"."""
    return phonenumbers.format_number(phonenumbers.parse(phone, "GB"), phonenumbers.PhoneNumberFormat.NATIONAL)


def thread(
    session: Session, person: Person, *, now: datetime, quiet: outbox.QuietHours = outbox.NO_QUIET_HOURS
) -> list[ThreadItem]:
    """Everything sent and received with `person`, oldest first (newest last, as on a phone), each with what
    became of it as of `now`: a text waiting for the end of `quiet` hours says until when."""
    received = session.scalars(
        select(InboundMessage).where(InboundMessage.person_id == person.id).order_by(InboundMessage.id)
    )
    sent = session.scalars(
        select(OutboundMessage).where(OutboundMessage.person_id == person.id).order_by(OutboundMessage.id)
    )
    items = [ThreadItem("in", m.body, m.received_at, m.status, _handled(m)) for m in received]
    items += [ThreadItem("out", m.body, m.sent_at or m.created_at, m.status, _delivered(m, now, quiet)) for m in sent]
    # A reply is stored at the same moment as the text it answers: the text first, then the reply. (A stable sort:
    # texts at one moment keep the order they were stored in.)
    return sorted(items, key=lambda item: (item.at, item.direction == "out"))


def _handled(message: InboundMessage) -> str:
    if message.status == InboundStatus.RECEIVED or not message.handling:
        return "received, not handled yet"
    return HANDLING_WORDS.get(message.handling, message.handling.replace("-", " "))


def _delivered(message: OutboundMessage, now: datetime, quiet: outbox.QuietHours) -> str:
    if message.status == OutboundStatus.QUEUED:
        return _waiting(message, now, quiet)
    return STATUS_WORDS.get(message.status, message.status)


def _waiting(message: OutboundMessage, now: datetime, quiet: outbox.QuietHours) -> str:
    """A queued text: due now, due later (a retry after a failure), or held for quiet hours (anything but a reply
    to the young person's own text waits for the morning)."""
    due = message.next_attempt_at or now
    if due > now:
        return f"failed, trying again at {clock_time(due)}" if message.attempts else f"waiting until {clock_time(due)}"
    if message.priority != outbox.REPLY_PRIORITY and quiet.contains(now):
        return f"held until {clock_time(quiet.ends_after(now))} (quiet hours)"
    return "waiting to send"

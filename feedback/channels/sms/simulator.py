"""The SMS simulator: staff text the service as a young person would, from a fictional number.

Only Ofcom's drama numbers are accepted, so a member of staff can never read a real young person's thread here,
and whatever the service sends back to them is stored and shown, never sent. A pretend number put on the register or
given a worker is treated as a young person: only those who may see them see its thread.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.core import permissions
from feedback.core.errors import Invalid
from feedback.core.permissions import Viewer
from feedback.messages import inbound
from feedback.messages.models import InboundMessage, OutboundMessage
from feedback.people import operations as people
from feedback.people.models import Person

SID_PREFIX = "SMsim"


class NotFictional(Invalid):
    """The simulator only takes Ofcom's drama numbers."""


@dataclass(frozen=True)
class ThreadItem:
    direction: str  # "in" | "out"
    body: str
    at: datetime
    status: str


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


def thread(session: Session, person: Person) -> list[ThreadItem]:
    """Everything sent and received with `person`, oldest first."""
    items = [
        ThreadItem("in", m.body, m.received_at, m.handling or m.status)
        for m in session.scalars(select(InboundMessage).where(InboundMessage.person_id == person.id))
    ]
    items += [
        ThreadItem("out", m.body, m.sent_at or m.created_at, m.status)
        for m in session.scalars(select(OutboundMessage).where(OutboundMessage.person_id == person.id))
    ]
    return sorted(items, key=lambda item: (item.at, item.direction == "out"))

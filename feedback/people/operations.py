"""Young people as this service knows them: a pseudonym, an encrypted phone number and their consent to texts."""

from __future__ import annotations

import re
from datetime import datetime

import phonenumbers
from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from feedback.core.clock import now
from feedback.core.db_types import current_cipher
from feedback.core.dbutil import insert_or_ignore
from feedback.core.errors import Invalid, NotFound
from feedback.people.models import Person, new_pseudonym

DEFAULT_REGION = "GB"
# How the register describes young people, as summaries break down by them.
CARE_SETTINGS = ("home", "kinship", "foster", "residential", "secure", "continuing-care", "aftercare")
CARE_SETTING_LABELS = {
    "home": "At home", "kinship": "Kinship care", "foster": "Foster care", "residential": "Residential care",
    "secure": "Secure care", "continuing-care": "Continuing care", "aftercare": "Aftercare",
}  # fmt: skip
AGE_BANDS = ("8-11", "12-15", "16-17", "18-21", "22-25", "26+")


class PersonNotFound(NotFound):
    """No young person with that reference, number or record id."""


class InvalidPhoneNumber(Invalid):
    """A number that cannot be texted. The message never repeats the number."""


def normalise_phone(raw: str) -> str:
    """A UK or international number in E.164 form (+447700900123), or InvalidPhoneNumber."""
    try:
        parsed = phonenumbers.parse(raw.strip(), DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber("not a phone number") from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhoneNumber("not a possible phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


UK_MOBILE_E164 = re.compile(r"\+447\d{9}")


def sender_address(raw: str) -> str:
    """The address an inbound message came from, normalised when it is a phone number.

    Twilio sends E.164 already; anything else (a short code, an alphanumeric sender) is kept as given, because a
    message must be stored whoever sent it. A UK mobile number in E.164 is already what `normalise_phone` would make
    of it: it is taken as it is, without the parser (a tenth of the webhook's time).
    """
    if UK_MOBILE_E164.fullmatch(raw):
        return raw
    try:
        return normalise_phone(raw)
    except InvalidPhoneNumber:
        return raw.strip()


def is_fictional(phone: str) -> bool:
    """Ofcom's numbers for drama (07700 900000 to 900999): never real, used by the simulator and in tests."""
    return phone.startswith("+447700900") and len(phone) == 13


def has_phone(phone: str) -> ColumnElement[bool]:
    """The person whose (normalised) number is `phone`, found through its keyed hash."""
    return Person.phone_hash.in_(current_cipher().lookup_hashes(phone))


def may_be_texted() -> ColumnElement[bool]:
    """Who may be sent a text the service starts (a survey, a notice, a question): someone with a number who has
    not opted out and whose register record does not say they do not consent. Replies to a young person's own
    text are not held back by this: they asked."""
    return and_(Person.phone_hash.is_not(None), Person.opted_out_at.is_(None), Person.consent_sms.is_not(False))


def find_person(session: Session, phone: str) -> Person | None:
    return session.scalar(select(Person).where(has_phone(phone)))


def person_id_for(session: Session, phone: str) -> int:
    """The id of the person with this (normalised) number, created if new; safe against a concurrent creation.

    Only the id is read: this runs for every message, and loading the person would decrypt their number.
    """
    found = select(Person.id).where(has_phone(phone))
    person_id = session.scalar(found)
    if person_id is None:
        session.execute(
            insert_or_ignore(session, Person, ["phone_hash"]),
            {
                "pseudonym": new_pseudonym(),
                "phone_hash": current_cipher().lookup_hash(phone),
                "phone": phone,
                "created_at": now(),
            },
        )
        person_id = session.scalar(found)
    assert person_id is not None  # noqa: S101 - inserted or already there
    return person_id


def get_or_create_person(session: Session, phone: str) -> Person:
    """The person with this (normalised) number, created if new."""
    person = session.get(Person, person_id_for(session, phone))
    assert person is not None  # noqa: S101 - just found or made
    return person


def opt_out(person: Person, at: datetime) -> bool:
    """Stop all texts to `person`. True when this changed anything."""
    if person.opted_out_at is not None:
        return False
    person.opted_out_at = at
    return True


def opt_in(person: Person) -> bool:
    """Allow texts again after an opt-out. True when this changed anything."""
    if person.opted_out_at is None:
        return False
    person.opted_out_at = None
    return True

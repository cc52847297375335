"""An advocacy worker's log of one offer, from the offer to the close: logging it in the browser (judged by the same
checks as a row of `feedback advocacy import`, so an offer is good or bad the same way wherever it comes from),
the young person's response, a follow-up date and notes, the sessions held, and closing advocacy with its outcome.

Closing asks the young person "Did you feel your voice was heard?" (1 to 5, and a comment): by text when they can
be texted, otherwise by a personal web link the worker gives them, shown once. Each offer is asked at most once:
the conversation is one (person, survey, occurrence) named after the offer, and the offer keeps it, so the answer
comes back into the report beside the target (`advocacy.operations`).

Every change is checked in full before anything is written; a bad field changes nothing and is named.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from feedback.advocacy import operations as advocacy
from feedback.advocacy.models import AdvocacyOffer, AdvocacySession, OfferResponse
from feedback.core import csvfile
from feedback.core.clock import local_date
from feedback.core.csvfile import FileError, RowError
from feedback.core.errors import NotFound
from feedback.core.plain_dates import long_date
from feedback.messages.outbox import NO_QUIET_HOURS, QuietHours
from feedback.people import links
from feedback.people import operations as people
from feedback.people.models import Person
from feedback.surveys import conversations, sending
from feedback.surveys import operations as surveys
from feedback.surveys.models import Conversation

ACCEPTED = OfferResponse.ACCEPTED
OUTCOMES = ("views-heard", "achieved", "partly-achieved", "not-achieved", "withdrew", "other")
OUTCOME_LABELS = {
    "views-heard": "Their views were heard at the meeting or hearing",
    "achieved": "What they wanted happened",
    "partly-achieved": "Some of what they wanted happened",
    "not-achieved": "What they wanted did not happen",
    "withdrew": "They stopped advocacy",
    "other": "Other",
}
NOTES_MAX_LENGTH = 2000
VOICE_SURVEY = advocacy.VOICE_SURVEY
# Whoever holds the link answers as the young person: the worker passes it on soon, so it lasts a month.
VOICE_LINK_DAYS = 30


class OfferError(FileError):
    """An offer, session or close that was not saved. `errors` names each field that is wrong; nothing was
    written."""


class OfferNotFound(NotFound):
    pass


@dataclass(frozen=True)
class Asked:
    """How the young person was asked whether their voice was heard: by text (queued in the outbox, to go at
    `texted_at`: now, or when quiet hours end), by a link for the worker to give them (shown once, never stored,
    working until `link_expires_at`; `reason` says why not by text), or not at all (`reason` says why)."""

    channel: str | None  # "sms" | "web" | None
    link: str | None = None
    reason: str | None = None
    texted_at: datetime | None = None
    link_expires_at: datetime | None = None


# --- logging an offer ---------------------------------------------------------------------------------------


def log_offer(
    session: Session,
    fields: Mapping[str, str],
    *,
    now: datetime,
    recorded_by_id: int | None,
    people: ColumnElement[bool] | None = None,
) -> AdvocacyOffer:
    """Log one offer from the browser: the import's columns, plus an optional follow-up date and notes. `people`
    is who this member of staff may log offers for (`permissions.advocacy_people`); anyone else's ref is answered
    as one not on the register."""
    on = local_date(now)
    cells = {column: (fields.get(column) or "").strip() for column in advocacy.COLUMNS}
    row = advocacy.check_row(None, cells, on)
    advocacy.check_against_register(session, [row], people=people, not_found=advocacy.NOT_ON_REGISTER_IN_BROWSER)
    advocacy.check_against_stored(session, [row])
    errors = list(row.errors)
    follow_up_on = _follow_up(fields.get("follow_up_on", ""), row.offered_on, errors)
    notes = _notes(fields.get("notes", ""), errors)
    if errors:
        raise OfferError(errors)
    offer = AdvocacyOffer(
        person_id=row.person_id,
        offered_on=row.offered_on,
        offered_by=row.offered_by,
        context=row.context,
        response=row.response,
        follow_up_on=follow_up_on,
        notes=notes,
        recorded_by_id=recorded_by_id,
        created_at=now,
    )
    session.add(offer)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # the same offer, logged by someone else a moment ago
        raise OfferError([RowError(None, "offered_on", advocacy.ALREADY_RECORDED)]) from exc
    return offer


def get(
    session: Session, offer_id: int, *, for_update: bool = False, visible: ColumnElement[bool] | None = None
) -> AdvocacyOffer:
    """An offer on the register (with its young person and sessions); locked for a change when asked. With
    `visible` (`permissions.offers`), an offer outside it is not found, like one that does not exist."""
    query = (
        select(AdvocacyOffer)
        .where(AdvocacyOffer.id == offer_id, *([visible] if visible is not None else []))
        .options(selectinload(AdvocacyOffer.sessions), selectinload(AdvocacyOffer.person))
    )
    offer = session.scalar(query.with_for_update(of=AdvocacyOffer) if for_update else query)
    if offer is None:
        raise OfferNotFound(offer_id)
    return offer


def update(
    session: Session, offer_id: int, *, response: str, follow_up_on: str, notes: str, now: datetime
) -> AdvocacyOffer:
    """Change the young person's response (someone thinking about it decides), the follow-up date and notes."""
    offer = get(session, offer_id, for_update=True)
    errors: list[RowError] = []
    chosen = advocacy.response_named(response)
    if chosen is None:
        errors.append(RowError(None, "response", f"is not one of: {', '.join(advocacy.RESPONSES)}"))
    elif chosen != offer.response and (offer.sessions or offer.closed_on):
        errors.append(RowError(None, "response", "cannot change once sessions are recorded: it was accepted"))
    follow_up = _follow_up(follow_up_on, offer.offered_on, errors)
    text = _notes(notes, errors)
    if errors:
        raise OfferError(errors)
    offer.response = chosen or offer.response
    offer.follow_up_on = follow_up
    offer.notes = text
    return offer


def add_session(session: Session, offer_id: int, *, held_on: str, notes: str, now: datetime) -> AdvocacySession:
    """Record one meeting with the young person, on an accepted offer that has not closed."""
    offer = get(session, offer_id, for_update=True)
    errors: list[RowError] = []
    _still_open(offer, errors, "Sessions are")
    day = _day(held_on, "held_on", errors, not_before=offer.offered_on, what="the offer", today=local_date(now))
    text = _notes(notes, errors)
    if errors or day is None:
        raise OfferError(errors or [RowError(None, "held_on", "is missing: give the day it was held")])
    held = AdvocacySession(offer_id=offer.id, held_on=day, notes=text, created_at=now)
    session.add(held)
    session.flush()
    return held


def close(
    session: Session,
    offer_id: int,
    *,
    outcome: str,
    closed_on: str,
    now: datetime,
    links_to: sending.LinkSettings,
    quiet: QuietHours = NO_QUIET_HOURS,
) -> tuple[AdvocacyOffer, Asked]:
    """Close advocacy with its outcome, then ask the young person whether their voice was heard (once)."""
    offer = get(session, offer_id, for_update=True)
    errors: list[RowError] = []
    _still_open(offer, errors, "Closing is")
    if outcome not in OUTCOMES:
        errors.append(RowError(None, "outcome", "is not one of the outcomes listed"))
    last = max((held.held_on for held in offer.sessions), default=offer.offered_on)
    what = "the last session" if offer.sessions else "the offer"
    day = _day(closed_on, "closed_on", errors, not_before=last, what=what, today=local_date(now))
    if errors or day is None:
        raise OfferError(errors or [RowError(None, "closed_on", "is missing: give the day advocacy closed")])
    offer.outcome = outcome
    offer.closed_on = day
    return offer, ask_voice_heard(session, offer, now=now, links_to=links_to, quiet=quiet)


def ask_voice_heard(
    session: Session,
    offer: AdvocacyOffer,
    *,
    now: datetime,
    links_to: sending.LinkSettings,
    quiet: QuietHours = NO_QUIET_HOURS,
) -> Asked:
    """Ask "Did you feel your voice was heard?" about a closed offer: a text when the young person may be texted
    (queued: it goes when the outbox sends it, after quiet hours if it is queued in them), otherwise a web link
    for their worker to pass on. Never twice for one offer."""
    if offer.voice_conversation_id is not None:
        return Asked(None, reason="they have been asked already.")
    try:
        version = surveys.current_version(session, VOICE_SURVEY)
    except surveys.SurveyNotFound:
        return Asked(
            None,
            reason=f"the survey that asks it is not published. An admin can publish it on the Surveys page (its web "
            f"address name is {VOICE_SURVEY}).",
        )
    occurrence = f"advocacy-offer-{offer.id}"
    textable = session.scalar(select(Person.id).where(Person.id == offer.person_id, people.may_be_texted()))
    if textable is not None:
        report = sending.send_survey(session, version, [offer.person_id], occurrence=occurrence, now=now)
        asked = Asked(conversations.SMS, texted_at=quiet.ends_after(now) if report.queued else None)
    else:
        why_not = why_not_textable(session, offer.person_id)
        if not links_to.base_url:
            return Asked(
                None,
                reason=f"{why_not}, and no link can be made: the service's public address (PUBLIC_BASE_URL) is not "
                "set. Ask whoever runs the service.",
            )
        conversations.invite(
            session, [offer.person_id], version, channel=conversations.WEB, occurrence=occurrence, now=now
        )
        valid_for = min(links_to.valid_for, timedelta(days=VOICE_LINK_DAYS))
        token = links.issue(session, offer.person_id, now=now, valid_for=valid_for)
        link = links.survey_url(links_to.base_url, VOICE_SURVEY, token)
        asked = Asked(conversations.WEB, link=link, reason=why_not, link_expires_at=now + valid_for)
    offer.voice_conversation_id = session.scalar(
        select(Conversation.id).where(
            Conversation.person_id == offer.person_id,
            Conversation.survey_id == version.survey_id,
            Conversation.occurrence == occurrence,
        )
    )
    return asked


def why_not_textable(session: Session, person_id: int) -> str:
    """Why the service may not text this young person (`people.may_be_texted` decides), in words."""
    number, opted_out_at, consent = session.execute(
        select(Person.phone_hash, Person.opted_out_at, Person.consent_sms).where(Person.id == person_id)
    ).one()
    if number is None:
        return "the register has no mobile number for them"
    if consent is False:  # the register opts them out too: say why
        return "the register says they do not agree to texts"
    if opted_out_at is not None:
        return "they have opted out of texts"
    return "they may not be texted"


# --- checks -------------------------------------------------------------------------------------------------


def _still_open(offer: AdvocacyOffer, errors: list[RowError], doing: str) -> None:
    """`doing`: "Sessions are", "Closing is"."""
    if offer.response != ACCEPTED:
        errors.append(RowError(None, None, f"{doing} only for an offer that was accepted"))
    elif offer.closed_on is not None:
        errors.append(
            RowError(None, None, f"advocacy closed on {long_date(offer.closed_on)}: nothing more can be added to it")
        )


def _day(
    value: str, field: str, errors: list[RowError], *, not_before: date | None, what: str, today: date | None = None
) -> date | None:
    """A day typed in (None when blank): not after `today` (when given), not before `not_before` (`what` that is)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        day = csvfile.parse_day(value)
    except ValueError as wrong:
        errors.append(RowError(None, field, str(wrong)))
        return None
    if today is not None and day > today:
        errors.append(RowError(None, field, "is in the future"))
    elif not_before is not None and day < not_before:
        errors.append(RowError(None, field, f"is before {what} ({long_date(not_before)})"))
    else:
        return day
    return None


def _follow_up(value: str, offered_on: date | None, errors: list[RowError]) -> date | None:
    """A day to come back to the young person: any day from the offer on (it is usually ahead)."""
    return _day(value, "follow_up_on", errors, not_before=offered_on, what="the offer")


def _notes(value: str, errors: list[RowError]) -> str | None:
    text = (value or "").strip().replace("\r\n", "\n")
    if len(text) > NOTES_MAX_LENGTH:
        errors.append(RowError(None, "notes", f"are longer than {NOTES_MAX_LENGTH} characters"))
    elif any(unicodedata.category(char) in {"Cc", "Cs"} and char not in "\n\t" for char in text):
        errors.append(RowError(None, "notes", "have a control character in them"))
    else:
        return text or None
    return None

"""A young person's rights over what the service holds about them, and how long it holds it.

- **Subject access** (`subject_access`): everything held about one young person, as data: their record, every
  message and answer they sent, every message sent to them, their statements and the replies, safeguarding
  alerts raised about their messages and what staff noted, advocacy offers, sessions and notes, and links.
- **Erasure** (`erase`): their identifiers (phone number, the council's reference, date of birth, worker) and
  their words (messages, answers, what staff wrote about them, the texts sent to them) are removed; what stays is
  anonymous: that a message came in on a day and was filed under a theme, ratings and choices, counts. The
  erasure is logged with the record's internal id and counts, never with what was removed.
- **Retention** (`apply_retention`, nightly): words older than `MESSAGE_RETENTION_DAYS` are removed the same way
  (their counts stay), and the identifiers of young people who left the service (their `eligible_until` has
  passed) or turned `IDENTIFIER_MAX_AGE` go.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from feedback.advocacy.models import AdvocacyOffer, AdvocacySession
from feedback.core.clock import local_date
from feedback.insight.filing import ERASED
from feedback.insight.models import MessageAnalysis
from feedback.messages.models import InboundMessage, OutboundMessage
from feedback.people import links
from feedback.people import operations as people
from feedback.people.models import Person, PersonalLink
from feedback.people.operations import PersonNotFound
from feedback.safeguarding.models import SafeguardingAlert
from feedback.statements.models import Statement, StatementReply
from feedback.surveys.export import write_table
from feedback.surveys.models import Answer, Conversation, Question, Survey

# Removed words become `filing.ERASED`: the columns are required, and an empty text says nothing. The analysis
# leaves such a message's themes as they were.


def find(session: Session, *, ref: str | None = None, phone: str | None = None) -> Person:
    """The young person with this council reference or phone number (raises InvalidPhoneNumber or
    PersonNotFound)."""
    person: Person | None
    if ref is not None:
        person = session.scalar(select(Person).where(Person.ref == ref.strip()))
    else:
        person = people.find_person(session, people.normalise_phone(phone or ""))
    if person is None:
        raise PersonNotFound("nobody with that reference or number")
    return person


# --- subject access -----------------------------------------------------------------------------------------


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def subject_access(session: Session, person: Person) -> dict[str, Any]:
    """Everything held about `person`, as JSON-ready data."""
    record = {
        "pseudonym": person.pseudonym,
        "reference": person.ref,
        "phone": session.scalar(select(Person.phone).where(Person.id == person.id)),
        "date_of_birth": _iso(person.date_of_birth),
        "age_band": person.age_band,
        "locality": person.locality,
        "care_setting": person.care_setting,
        "named_worker": person.worker.email if person.worker else None,
        "consent_to_texts": person.consent_sms,
        "eligible_until": _iso(person.eligible_until),
        "opted_out_at": _iso(person.opted_out_at),
        "first_seen_at": _iso(person.created_at),
        "erased_at": _iso(person.erased_at),
    }
    messages = session.execute(
        select(InboundMessage).where(InboundMessage.person_id == person.id).order_by(InboundMessage.received_at)
    ).scalars()
    sent_by_them = [
        {"received_at": _iso(m.received_at), "channel": m.channel, "text": m.body, "risk_flagged": bool(m.risk)}
        for m in messages
    ]
    answers = session.execute(
        select(Survey.slug, Question.key, Question.text, Answer.status, Answer.raw_text, Answer.answered_at)
        .join(Conversation, Conversation.id == Answer.conversation_id)
        .join(Survey, Survey.id == Conversation.survey_id)
        .join(Question, Question.id == Answer.question_id)
        .where(Conversation.person_id == person.id)
        .order_by(Answer.answered_at)
    ).all()
    sent_to_them = session.execute(
        select(OutboundMessage.created_at, OutboundMessage.kind, OutboundMessage.status, OutboundMessage.body)
        .where(OutboundMessage.person_id == person.id)
        .order_by(OutboundMessage.created_at)
    ).all()
    statement_rows = session.scalars(select(Statement).where(Statement.person_id == person.id)).all()
    alert_rows = session.scalars(select(SafeguardingAlert).where(SafeguardingAlert.person_id == person.id)).all()
    offers = session.scalars(select(AdvocacyOffer).where(AdvocacyOffer.person_id == person.id)).all()
    link_rows = session.execute(
        select(PersonalLink.created_at, PersonalLink.expires_at, PersonalLink.revoked_at).where(
            PersonalLink.person_id == person.id
        )
    ).all()
    return {
        "record": record,
        "messages_from_them": sent_by_them,
        "answers": [
            {"survey": s, "question": key, "asked": text, "status": status, "answer": raw, "at": _iso(at)}
            for s, key, text, status, raw, at in answers
        ],
        "messages_to_them": [
            {"at": _iso(at), "kind": kind, "status": status, "text": body} for at, kind, status, body in sent_to_them
        ],
        "statements": [
            {
                "sent_at": _iso(st.sent_at),
                "status": st.status,
                "worker": st.worker.email if st.worker else None,
                "replies": [{"at": _iso(r.created_at), "text": r.body} for r in st.replies],
            }
            for st in statement_rows
        ],
        "safeguarding_alerts": [
            {
                "raised_at": _iso(a.created_at),
                "reason": a.reason,
                "acknowledged_at": _iso(a.acknowledged_at),
                "what_staff_did": a.action_note,
            }
            for a in alert_rows
        ],
        "advocacy": [
            {
                "offered_on": _iso(o.offered_on),
                "offered_by": o.offered_by,
                "context": o.context,
                "response": o.response,
                "notes": o.notes,
                "sessions": [{"held_on": _iso(s.held_on), "notes": s.notes} for s in o.sessions],
                "outcome": o.outcome,
                "closed_on": _iso(o.closed_on),
            }
            for o in offers
        ],
        "personal_links": [
            {"created_at": _iso(c), "expires_at": _iso(e), "revoked_at": _iso(r)} for c, e, r in link_rows
        ],
    }


def write_csv(document: dict[str, Any], out: Any) -> None:
    """The same as rows: section, item number, field, value (cells a spreadsheet would run made inert)."""
    rows: list[dict[str, Any]] = [
        {"section": "record", "item": 1, "field": key, "value": value} for key, value in document["record"].items()
    ]
    for section, items in document.items():
        if section == "record":
            continue
        for number, item in enumerate(items, start=1):
            for key, value in item.items():
                shown = json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else value
                rows.append({"section": section, "item": number, "field": key, "value": shown})
    write_table(rows, out, ("section", "item", "field", "value"))


# --- erasure ------------------------------------------------------------------------------------------------


@dataclass
class Erased:
    messages: int = 0
    answers: int = 0
    sent: int = 0
    notes: int = 0
    links: int = 0
    people: int = 0

    def as_detail(self) -> dict[str, int]:
        return {
            "messages": self.messages, "answers": self.answers, "sent": self.sent, "notes": self.notes,
            "links": self.links, "people": self.people,
        }  # fmt: skip


def erase(session: Session, person: Person, *, now: datetime) -> Erased:
    """Remove `person`'s identifiers and words, keeping anonymous counts (flushed; the caller commits)."""
    done = _erase_words(session, [person.id], before=None)
    done.people = _erase_identifiers(session, Person.id == person.id, now=now)
    done.links = links.revoke_all(session, person.id, now=now)
    return done


def _erase_identifiers(session: Session, which: ColumnElement[bool], *, now: datetime) -> int:
    """Identifiers go; the pseudonym, locality, age band and care setting stay (they are how counts are kept)."""
    result = session.execute(
        update(Person)
        .where(which, Person.erased_at.is_(None))
        .values(
            phone=None,
            phone_hash=None,
            ref=None,
            date_of_birth=None,
            eligible_until=None,
            worker_id=None,
            erased_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _erase_words(session: Session, person_ids: Sequence[int] | None, *, before: datetime | None) -> Erased:
    """Blank what young people wrote and what was written to or about them: for these people (every message), or
    for everyone's messages received before `before`."""
    done = Erased()

    def whose(column: Any, moment: Any) -> list[ColumnElement[bool]]:
        conditions = []
        if person_ids is not None:
            conditions.append(column.in_(person_ids))
        if before is not None:
            conditions.append(moment < before)
        return conditions

    def blank(model: Any, values: dict[str, Any], *conditions: ColumnElement[bool]) -> int:
        result = session.execute(
            update(model).where(*conditions).values(values).execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    messages = select(InboundMessage.id).where(*whose(InboundMessage.person_id, InboundMessage.received_at))
    done.messages = blank(
        InboundMessage, {"body": ERASED}, *whose(InboundMessage.person_id, InboundMessage.received_at)
    )
    blank(
        MessageAnalysis,
        {"redacted": ERASED, "key_phrases": [], "why": {}},
        MessageAnalysis.inbound_message_id.in_(messages),
    )
    conversations = select(Conversation.id).where(*whose(Conversation.person_id, Conversation.started_at))
    answered: list[ColumnElement[bool]]
    if person_ids is not None:
        answered = [Answer.conversation_id.in_(conversations)]
    else:
        answered = [Answer.answered_at < before] if before is not None else []
    done.answers = blank(Answer, {"raw_text": None, "value_text": None}, *answered)
    done.sent = blank(OutboundMessage, {"body": ERASED}, *whose(OutboundMessage.person_id, OutboundMessage.created_at))
    statements = select(Statement.id).where(*whose(Statement.person_id, Statement.sent_at))
    done.notes += blank(StatementReply, {"body": ERASED}, StatementReply.statement_id.in_(statements))
    done.notes += blank(
        SafeguardingAlert, {"action_note": None}, *whose(SafeguardingAlert.person_id, SafeguardingAlert.created_at)
    )
    if person_ids is not None:
        offers = select(AdvocacyOffer.id).where(AdvocacyOffer.person_id.in_(person_ids))
        done.notes += blank(AdvocacyOffer, {"notes": None}, AdvocacyOffer.person_id.in_(person_ids))
        done.notes += blank(AdvocacySession, {"notes": None}, AdvocacySession.offer_id.in_(offers))
    return done


# --- retention ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    message_days: int = 730
    identifier_max_age: int = 26

    @classmethod
    def from_config(cls, config: Any) -> Policy:
        return cls(int(config["MESSAGE_RETENTION_DAYS"]), int(config["IDENTIFIER_MAX_AGE"]))


def apply_retention(session: Session, *, now: datetime, policy: Policy) -> Erased:
    """Words older than the policy's days go for everyone; identifiers of those who left or are too old go."""
    done = _erase_words(session, None, before=now - timedelta(days=policy.message_days))
    today = local_date(now)
    try:
        born_by = today.replace(year=today.year - policy.identifier_max_age)
    except ValueError:  # 29 February
        born_by = date(today.year - policy.identifier_max_age, 2, 28)
    gone = or_(Person.eligible_until < today, Person.date_of_birth <= born_by)
    leaving = list(session.scalars(select(Person.id).where(gone, Person.erased_at.is_(None))))
    done.people = _erase_identifiers(session, and_(Person.id.in_(leaving)), now=now) if leaving else 0
    for person_id in leaving:
        done.links += links.revoke_all(session, person_id, now=now)
    return done

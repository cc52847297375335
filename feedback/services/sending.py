"""Sending a survey to young people: an invitation per person, queued in the outbox, at most once per occurrence.

Each send has an `occurrence` (by default the survey version, so running the same send twice reaches nobody
twice); (person, survey, occurrence) is unique in the database, which also holds when two sends race. The
conversation waits as `invited` and becomes active when its first message has actually gone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.models import Conversation, Person, SurveyVersion
from feedback.services import conversations, outbox, people
from feedback.services.dbutil import insert_or_ignore

BATCH = 1000
INVITATION = "survey-invite"


@dataclass
class SendReport:
    queued: int = 0
    opted_out: int = 0
    already_sent: int = 0


def default_occurrence(version: SurveyVersion) -> str:
    return f"version-{version.number}"


def people_for_numbers(session: Session, numbers: Iterable[str]) -> list[Person]:
    """The people with these numbers (created if new). Raises InvalidPhoneNumber before creating anyone."""
    normalised = [people.normalise_phone(n) for n in numbers]
    return [people.get_or_create_person(session, phone) for phone in dict.fromkeys(normalised)]


def everyone_opted_in(session: Session) -> list[int]:
    return list(
        session.scalars(
            select(Person.id).where(Person.opted_out_at.is_(None), Person.phone_hash.is_not(None)).order_by(Person.id)
        )
    )


def send_survey(
    session: Session,
    version: SurveyVersion,
    person_ids: Sequence[int],
    *,
    occurrence: str,
    now: datetime,
    channel: str = "sms",
) -> SendReport:
    """Queue the first message of `version` for each person who may be texted and has not had this occurrence."""
    report = SendReport()
    opening = conversations.opening(version)
    for start in range(0, len(person_ids), BATCH):
        batch = list(dict.fromkeys(person_ids[start : start + BATCH]))
        opted_out = set(
            session.scalars(select(Person.id).where(Person.id.in_(batch), Person.opted_out_at.is_not(None)))
        )
        report.opted_out += len(opted_out)
        wanted = [pid for pid in batch if pid not in opted_out]
        if not wanted:
            continue
        rows = [
            {
                "person_id": pid,
                "survey_id": version.survey_id,
                "survey_version_id": version.id,
                "channel": channel,
                "status": conversations.INVITED,
                "occurrence": occurrence,
                "position": 0,
                "invalid_attempts": 0,
                "started_at": now,
                "last_activity_at": now,
            }
            for pid in wanted
        ]
        created = session.execute(
            insert_or_ignore(session, Conversation, ["person_id", "survey_id", "occurrence"]).returning(
                Conversation.id, Conversation.person_id
            ),
            rows,
        ).all()
        report.already_sent += len(wanted) - len(created)
        outbox.record(
            session,
            [
                outbox.Outgoing(person_id=pid, body=opening, kind=INVITATION, conversation_id=cid, channel=channel)
                for cid, pid in created
            ],
            now=now,
        )
        report.queued += len(created)
    return report

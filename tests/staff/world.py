"""A service with something waiting for every role, for the tests of the staff home page.

Hamilton has a worker, Sam, named worker of Robin; a second worker, Jo, with no young people of their own; and a
manager, Pat. Casey is Hamilton's but has no named worker (Hamilton's duty inbox). Clydesdale has Kim, named worker of
Kai. Ava logs advocacy; Root is an admin in no team; Champ is on the Champions Board.

Robin has an urgent alert (escalated) and a concern, a statement to Sam waiting to be read and one Sam read but has
not answered; Casey has an urgent alert and a statement to the duty inbox, escalated to the manager; Kai has an
urgent alert and a statement to Kim. All three are on the register and eligible for advocacy; only Robin was offered
it, and the offer's day to check back has come. Two texts are held for quiet hours (the clock is at 10pm); the
monthly check-in has been answered by 12 of the 20 young people it reached (2 more invitations wait to go), the
advocacy survey by 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count
from typing import Any

from sqlalchemy import select

from feedback.accounts import operations as staff
from feedback.accounts.models import StaffUser
from feedback.advocacy.models import AdvocacyOffer
from feedback.core.clock import local_date
from feedback.messages.models import InboundMessage, OutboundMessage
from feedback.people import operations as people
from feedback.people.models import Person
from feedback.safeguarding.models import SafeguardingAlert
from feedback.statements.models import Statement
from feedback.surveys.models import Answer, Conversation, Survey
from tests import log_watch

PASSWORD = "a long enough password"
# Who is who: (role, team, display name).
STAFF = {
    "sam@example.org": ("worker", "Hamilton", "Sam"),
    "jo@example.org": ("worker", "Hamilton", "Jo"),
    "pat@example.org": ("manager", "Hamilton", "Pat"),
    "kim@example.org": ("worker", "Clydesdale", "Kim"),
    "ava@example.org": ("advocacy", None, "Ava"),
    "root@example.org": ("admin", None, ""),
    "champ@example.org": ("champions", None, "Champ"),
}
CHECKIN_ANSWERED, CHECKIN_SILENT, VOICE_ANSWERED = 12, 8, 3

_numbers = count(100)


@dataclass(frozen=True)
class World:
    now: datetime
    robin: int
    casey: int
    kai: int


def seed(session: Any, now: datetime) -> World:
    """The world above, at `now` (a weekday evening in quiet hours)."""
    users = {
        email: staff.create_user(session, email, PASSWORD, role, team=team, display_name=name)
        for email, (role, team, name) in STAFF.items()
    }
    session.flush()
    sam, kim = users["sam@example.org"], users["kim@example.org"]
    hamilton = sam.team_id
    robin = _young_person(session, "SL-1", worker=sam)
    casey = _young_person(session, "SL-2", worker=None)
    casey.team_id = hamilton
    kai = _young_person(session, "SL-3", worker=kim)
    session.flush()

    _alert(session, robin, now - timedelta(hours=2), escalated=True)
    _alert(session, robin, now - timedelta(hours=5), tier="concern")
    _alert(session, casey, now - timedelta(hours=1))
    _alert(session, kai, now - timedelta(minutes=30))

    _statement(session, robin, worker=sam, sent=now - timedelta(days=2))
    read = _statement(session, robin, worker=sam, sent=now - timedelta(days=6))
    read.status, read.read_at, read.read_by_id = "read", now - timedelta(days=3), sam.id
    escalated = _statement(session, casey, worker=None, sent=now - timedelta(days=4))
    escalated.escalated_at = now - timedelta(days=1)
    _statement(session, kai, worker=kim, sent=now - timedelta(hours=3))

    session.add(
        AdvocacyOffer(
            person_id=robin.id, offered_on=local_date(now) - timedelta(days=20), offered_by="IRO",
            context="looked-after-review", response="thinking", follow_up_on=local_date(now) - timedelta(days=1),
            created_at=now,
        )
    )  # fmt: skip

    for _ in range(2):  # survey invitations, due now, waiting for the morning
        session.add(
            OutboundMessage(
                person_id=kai.id, kind="survey-invite", body="How are things?", status="queued", priority=2,
                next_attempt_at=now - timedelta(minutes=10),
            )
        )  # fmt: skip

    _answered(session, "monthly-checkin", answered=CHECKIN_ANSWERED, silent=CHECKIN_SILENT, unsent=2, at=now)
    _answered(session, "advocacy-voice", answered=VOICE_ANSWERED, silent=0, at=now)
    session.commit()
    return World(now, robin.id, casey.id, kai.id)


def user(session: Any, email: str) -> StaffUser:
    return session.scalars(select(StaffUser).where(StaffUser.email == email)).one()


def _young_person(session: Any, ref: str, *, worker: StaffUser | None) -> Person:
    person = people.get_or_create_person(session, f"+4477009{next(_numbers):05d}")
    person.ref = ref
    person.locality = "Hamilton"
    if worker is not None:
        staff.assign(session, person, worker=worker, team=None)
    return person


def _alert(session: Any, person: Person, at: datetime, *, tier: str = "risk", escalated: bool = False) -> None:
    body = f"something worrying number {next(_numbers)}"
    log_watch.remember(body)
    message = InboundMessage(
        channel="sms", provider_sid=f"SMhome{next(_numbers):028d}", person_id=person.id, body=body, received_at=at,
        status="processed", risk=True, risk_reason="self-harm",
    )  # fmt: skip
    session.add(message)
    session.flush()
    session.add(
        SafeguardingAlert(
            inbound_message_id=message.id, person_id=person.id, reason="self-harm", tier=tier,
            severity=1 if tier == "risk" else 4, created_at=at,
            escalated_at=at + timedelta(minutes=30) if escalated else None, escalation_step=1 if escalated else 0,
        )
    )  # fmt: skip


def _statement(session: Any, person: Person, *, worker: StaffUser | None, sent: datetime) -> Statement:
    worried = session.scalars(select(Survey).where(Survey.slug == "statement-worried")).one()
    said = Conversation(
        person_id=person.id, survey_id=worried.id, survey_version_id=worried.versions[-1].id, channel="web",
        status="completed", occurrence=f"statement-{next(_numbers)}",
    )  # fmt: skip
    session.add(said)
    session.flush()
    team = person.team_id or (worker.team_id if worker is not None else None)
    statement = Statement(
        conversation_id=said.id, person_id=person.id, worker_id=worker.id if worker else None, team_id=team,
        status="sent", sent_at=sent, due_at=sent + timedelta(days=2),
    )  # fmt: skip
    session.add(statement)
    session.flush()
    return statement


def _answered(session: Any, slug: str, *, answered: int, silent: int, at: datetime, unsent: int = 0) -> None:
    """`answered` young people who gave the survey's first question an answer, `silent` who were sent it and never
    replied, and `unsent` whose invitation has not gone yet (so they have not been asked)."""
    survey = session.scalars(select(Survey).where(Survey.slug == slug)).one()
    version = survey.versions[-1]
    for n in range(answered + silent + unsent):
        person = people.get_or_create_person(session, f"+4477009{next(_numbers):05d}")
        status = "completed" if n < answered else "expired" if n < answered + silent else "invited"
        conversation = Conversation(
            person_id=person.id, survey_id=survey.id, survey_version_id=version.id, channel="sms", status=status,
            occurrence=f"home-{slug}",
        )  # fmt: skip
        session.add(conversation)
        session.flush()
        if n < answered:
            session.add(
                Answer(
                    conversation_id=conversation.id, question_id=version.questions[0].id, status="answered",
                    value_number=4, answered_at=at - timedelta(days=1),
                )
            )  # fmt: skip

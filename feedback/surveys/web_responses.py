"""Answering surveys and statements on the web, one question per page.

Each answer a young person submits is stored as a message first (like a text) and screened for safeguarding in the
same commit, with the alert of a risk or a concern, before anything else is done with it, so that neither the words
nor a concern can be lost to a later failure, and storing never waits on a lock: only then is the young person's
conversation taken up (their row locked, `FOR NO KEY UPDATE`, for at most LOCK_WAIT) and the answer recorded. The
page's form carries a nonce that becomes the message's id: submitting the same page twice (a double tap, a
resubmitted form) records one answer.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, joinedload

from feedback.core.dbutil import insert_or_ignore
from feedback.core.transactions import commits
from feedback.messages import inbound
from feedback.messages.models import InboundMessage, InboundStatus
from feedback.people.models import Person
from feedback.safeguarding.alerting import alert_for
from feedback.safeguarding.notifications import NotifyPolicy
from feedback.safeguarding.screening import screen_message
from feedback.statements import operations as statements
from feedback.surveys import conversations
from feedback.surveys.models import Answer, Conversation, Question, Survey, SurveyVersion
from feedback.surveys.operations import STATEMENT

WEB = conversations.WEB
MAX_TEXT_LENGTH = 2000
OPEN = (conversations.INVITED, conversations.ACTIVE)
# How long an answer waits for the young person's row, locked while another of their messages is handled, before
# the page asks them to press the button again (their words are already stored).
LOCK_WAIT = timedelta(seconds=2)
KEPT_TRY_AGAIN = "We've saved what you wrote, but couldn't move on just yet. Please press the button again."


@dataclass(frozen=True)
class WebPolicy:
    escalate_after_days: int
    duty_team_name: str
    link_valid_for: timedelta
    notify: NotifyPolicy

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WebPolicy:
        return cls(
            notify=NotifyPolicy.from_config(config),
            escalate_after_days=config["STATEMENT_ESCALATION_WORKING_DAYS"],
            duty_team_name=config["DUTY_TEAM_NAME"],
            link_valid_for=timedelta(days=config["PERSONAL_LINK_DAYS"]),
        )


@dataclass(frozen=True)
class Submitted:
    """What became of one submitted page."""

    error: str | None = None  # shown beside the answer, which stays in the box
    risk: bool = False  # the words may show a risk: the next page shows where to get help now, and nothing else
    # The words ask for help or to be phoned (a concern, its alert raised): the next page says a worker has been
    # asked to get in touch, with where to get help now.
    asks_for_help: bool = False
    duplicate: bool = False  # this page was already recorded (a double submit)
    # The last page was answered but an earlier question that needs an answer has none (its 1-based number).
    missing: int | None = None
    completed: bool = False  # the survey (or statement) is finished: the thanks page is next


@dataclass(frozen=True)
class Stored:
    """A page's words, stored and screened: whether they show a risk or ask for help, and whether the page had
    been submitted before (then nothing more is to be done with it)."""

    message_id: int
    risk: bool
    asks_for_help: bool
    duplicate: bool


def anonymous_person(session: Session, *, now: datetime) -> Person:
    """A person for someone answering an open link: a pseudonym with no number, made at their first answer."""
    person = Person(created_at=now)
    session.add(person)
    session.flush()
    return person


def open_conversation(session: Session, person_id: int, survey_id: int) -> Conversation | None:
    """The person's unfinished conversation of this survey on any channel, newest first: a link resumes it."""
    return session.scalar(
        select(Conversation)
        .where(
            Conversation.person_id == person_id,
            Conversation.survey_id == survey_id,
            Conversation.status.in_(OPEN),
        )
        .options(joinedload(Conversation.version).joinedload(SurveyVersion.questions))
        .order_by(Conversation.id.desc())
        .limit(1)
    )


def already_completed(session: Session, person_id: int, version: SurveyVersion) -> bool:
    """Whether the person has finished this version of a survey (statements can be sent any number of times)."""
    if version.survey.purpose == STATEMENT:
        return False
    return (
        session.scalar(
            select(Conversation.id)
            .where(
                Conversation.person_id == person_id,
                Conversation.survey_version_id == version.id,
                Conversation.status == conversations.COMPLETED,
            )
            .limit(1)
        )
        is not None
    )


def earlier_answer(session: Session, conversation_id: int, question_id: int) -> str | None:
    """What the person answered to a question before, as the page shows it (they went back to change it)."""
    answer = session.scalar(
        select(Answer).where(Answer.conversation_id == conversation_id, Answer.question_id == question_id)
    )
    if answer is None or answer.status != "answered":
        return None
    if answer.value_option is not None:
        return answer.value_option
    if answer.value_number is not None:
        return str(answer.value_number)
    return answer.raw_text


@dataclass(frozen=True)
class OpenSurvey:
    slug: str
    title: str


def surveys_for(session: Session, person_id: int) -> list[OpenSurvey]:
    """Surveys waiting for this person: invitations and surveys begun but not finished (not statements)."""
    rows = session.execute(
        select(Survey.slug, SurveyVersion.title)
        .join(Conversation, Conversation.survey_id == Survey.id)
        .join(SurveyVersion, Conversation.survey_version_id == SurveyVersion.id)
        .where(
            Conversation.person_id == person_id,
            Conversation.status.in_(OPEN),
            Survey.purpose == "survey",
            Survey.closed_at.is_(None),
        )
        .order_by(Conversation.id.desc())
    ).all()
    return [OpenSurvey(slug, title) for slug, title in dict(rows).items()]


def take_up(session: Session, person_id: int, version: SurveyVersion, *, now: datetime) -> Conversation:
    """The conversation a web answer goes into: the person's open one for this survey (an SMS invitation or a
    survey begun by text carries on here, keeping its answers), or a new one."""
    # The person is locked first, so two first answers sent at once make one conversation, not two. FOR NO KEY
    # UPDATE, as handling a text locks it: rows that point at the person may still be stored meanwhile.
    session.execute(select(Person.id).where(Person.id == person_id).with_for_update(key_share=True))
    conversation = open_conversation(session, person_id, version.survey_id)
    if conversation is None:
        return conversations.begin_on_web(session, person_id, version, now)
    conversations.carry_on_on_web(session, conversation, now)
    return conversation


@commits("store first: a young person's answer is kept before anything else may fail")
def answer_page(
    session: Session,
    person_id: int,
    version: SurveyVersion,
    question: Question,
    raw: str,
    *,
    skip: bool,
    nonce: str,
    now: datetime,
    policy: WebPolicy,
) -> Submitted:
    """Answer one page for a person: the words are stored and screened first (committed), then the conversation
    they go into is found (or begun) and the answer recorded. A page already submitted (a double tap) records
    nothing more."""
    nonce = inbound.form_nonce(nonce)
    done = session.scalar(
        select(InboundMessage.id).where(
            InboundMessage.provider_sid == f"web-{nonce}",
            InboundMessage.person_id == person_id,
            InboundMessage.status == InboundStatus.PROCESSED,
        )
    )
    if done is not None:
        return Submitted(duplicate=True)
    if skip:
        return _take_up_and_record(
            session, person_id, version, question, raw="", message_id=None, now=now, policy=policy
        )
    if not raw.strip():
        return Submitted(error=_empty_error(question))
    # Stored and screened first (committed), in the conversation it is most likely to go into: the one taken up
    # below names it for certain.
    likely = _open_conversation_id(session, person_id, version.survey_id)
    stored = _store_and_screen(session, person_id, likely, raw, nonce=nonce, now=now, notify=policy.notify)
    risk, asks_for_help = stored.risk, stored.asks_for_help and not stored.risk
    if stored.duplicate:
        return Submitted(duplicate=True, risk=risk, asks_for_help=asks_for_help)
    if len(raw) > MAX_TEXT_LENGTH:
        _finish(session, stored.message_id, "too-long", now)
        session.commit()
        return Submitted(
            error=f"That's {len(raw):,} characters. Please make it {MAX_TEXT_LENGTH:,} or fewer.",
            risk=risk,
            asks_for_help=asks_for_help,
        )
    # A risky answer is still the answer: it was written in this question's box, and on a statement it is what goes
    # to the worker. What follows it is the help, on a page of its own (`Submitted.risk`).
    result = _take_up_and_record(
        session, person_id, version, question, raw=raw, message_id=stored.message_id, now=now, policy=policy
    )
    return Submitted(
        error=result.error,
        risk=risk,
        asks_for_help=asks_for_help,
        missing=result.missing,
        completed=result.completed,
    )


@commits("store first: a young person's answer is kept before anything else may fail")
def _take_up_and_record(
    session: Session,
    person_id: int,
    version: SurveyVersion,
    question: Question,
    *,
    raw: str,
    message_id: int | None,
    now: datetime,
    policy: WebPolicy,
) -> Submitted:
    """Record one page's answer (`message_id`, already stored) or skip (None) in the conversation taken up for it,
    then, when it was the last question of a statement, send the statement. Commits. No lock is waited for longer
    than LOCK_WAIT (PostgreSQL): then nothing is recorded, and the page asks the young person to press again."""
    inbound.wait_at_most(session, LOCK_WAIT)
    try:
        conversation = take_up(session, person_id, version, now=now)
        skip = message_id is None
        return _record(
            session, conversation.id, question, raw, skip=skip, message_id=message_id, now=now, policy=policy
        )
    except OperationalError as exc:
        if not inbound.lock_not_available(exc):
            raise
        session.rollback()
    if message_id is not None:
        # Kept and screened, but not recorded: the page shows the words again, and its next submit (a new page, so a
        # new message) records them.
        _finish(session, message_id, "try-again", now)
        session.commit()
    return Submitted(error=KEPT_TRY_AGAIN)


def _open_conversation_id(session: Session, person_id: int, survey_id: int) -> int | None:
    """`open_conversation`'s id, read without a lock or the survey's questions."""
    return session.scalar(
        select(Conversation.id)
        .where(
            Conversation.person_id == person_id,
            Conversation.survey_id == survey_id,
            Conversation.status.in_(OPEN),
        )
        .order_by(Conversation.id.desc())
        .limit(1)
    )


def _empty_error(question: Question) -> str:
    if question.type == "text":
        return "Type your answer" + (", or press Skip." if question.optional else ".")
    return "Choose an answer" + (", or press Skip." if question.optional else ".")


@commits("store first: a young person's answer is kept before anything else may fail")
def _store_and_screen(
    session: Session,
    person_id: int,
    conversation_id: int | None,
    raw: str,
    *,
    nonce: str,
    now: datetime,
    notify: NotifyPolicy,
) -> Stored:
    """Store the words, screened, with any safeguarding alert (a risk, or a concern), in one commit: neither the
    words nor the alert can be lost to a failure in recording the answer."""
    provider_sid = f"web-{nonce}"
    screening = screen_message(session, raw)
    message_id = session.execute(
        insert_or_ignore(session, InboundMessage, ["provider_sid"]).returning(InboundMessage.id),
        {
            "channel": WEB,
            "provider_sid": provider_sid,
            "person_id": person_id,
            "body": raw,
            "num_media": 0,
            "received_at": now,
            "status": InboundStatus.RECEIVED,
            "handling_attempts": 0,
            "conversation_id": conversation_id,
            "risk": screening.risk,
            "risk_reason": screening.reason if screening.risk else None,  # the urgent flag only, as for a text
        },
    ).scalar_one_or_none()
    if message_id is None:
        # Submitted before: locked, so a second submit of the same page waits for the first and then sees it done.
        earlier = session.scalars(
            select(InboundMessage).where(InboundMessage.provider_sid == provider_sid).with_for_update(key_share=True)
        ).one()
        if earlier.person_id != person_id:
            # A nonce replayed across people (a cookie lost between two submits, or a forged field): the other
            # person's page is left alone and this answer is stored as a page of its own.
            return _store_and_screen(
                session, person_id, conversation_id, raw, nonce=secrets.token_urlsafe(16), now=now, notify=notify
            )
        result = Stored(
            earlier.id,
            risk=bool(earlier.risk),
            asks_for_help=screening.asks_for_help,
            duplicate=earlier.status == InboundStatus.PROCESSED,
        )
        session.commit()
        return result
    alert_for(session, screening, message_id=message_id, person_id=person_id, now=now, policy=notify)
    session.commit()
    return Stored(message_id, risk=screening.risk, asks_for_help=screening.asks_for_help, duplicate=False)


def _finish(
    session: Session, message_id: int, handling: str, now: datetime, *, conversation_id: int | None = None
) -> None:
    values: dict[str, Any] = {"handling": handling, "status": InboundStatus.PROCESSED, "processed_at": now}
    if conversation_id is not None:
        values["conversation_id"] = conversation_id
    session.execute(update(InboundMessage).where(InboundMessage.id == message_id).values(values))


@commits("store first: a young person's answer is kept before anything else may fail")
def _record(
    session: Session,
    conversation_id: int,
    question: Question,
    raw: str,
    *,
    skip: bool,
    message_id: int | None,
    now: datetime,
    policy: WebPolicy,
) -> Submitted:
    # The conversation is locked (and read afresh) while its answer is written: two tabs answering the same page
    # take turns. FOR NO KEY UPDATE: another page's words, pointing at this conversation, may still be stored.
    conversation = session.scalars(
        select(Conversation)
        .where(Conversation.id == conversation_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()
    was_completed = conversation.status == conversations.COMPLETED
    invalid = conversations.answer_question(
        session, conversation, question, raw, skip=skip, message_id=message_id, now=now
    )
    missing = None
    at_the_end = conversation.position >= len(conversation.version.questions)
    if invalid is None and at_the_end and conversation.status != conversations.COMPLETED:
        gap = conversations.first_unanswered(session, conversation)
        missing = gap.position + 1 if gap is not None else None
    if message_id is not None:
        _finish(session, message_id, "invalid-answer" if invalid else "answer", now, conversation_id=conversation.id)
    if invalid is not None:
        session.commit()
        return Submitted(error=_web_hint(question, invalid.hint))
    just_completed = conversation.status == conversations.COMPLETED and not was_completed
    if just_completed and conversation.version.survey.purpose == STATEMENT:
        statements.create(
            session,
            conversation,
            now=now,
            escalate_after_days=policy.escalate_after_days,
            duty_team_name=policy.duty_team_name,
        )
    completed = conversation.status == conversations.COMPLETED
    session.commit()
    return Submitted(missing=missing, completed=completed)


def _web_hint(question: Question, hint: str) -> str:
    if hint == conversations.NOT_SKIPPABLE:
        return "This one needs an answer."
    return _empty_error(question)

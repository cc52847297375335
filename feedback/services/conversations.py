"""Taking a young person through a survey one question at a time, whatever the channel.

There is one way to record an answer: `answer()`. It reads the reply, records it against the question of the
version being answered, and says what to send next: the next question, the same question again with a hint (at
most `max_reasks` times, then the question is left unanswered and the survey moves on), or the thanks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from feedback.models import Answer, Conversation, InboundMessage, Person, Question, SurveyVersion
from feedback.services.answer_parsing import Invalid, Parsed, parse_answer
from feedback.services.keywords import SKIP_WORD, keyword_of
from feedback.services.surveys import first_message

ACTIVE = "active"
INVITED = "invited"
COMPLETED = "completed"
EXPIRED = "expired"
REPLACED = "replaced"
STOPPED = "stopped"
CANCELLED = "cancelled"

DEFAULT_THANKS = "Thanks! That's everything."
NOT_SKIPPABLE = "This one needs an answer."


@dataclass(frozen=True)
class Step:
    """What happened to one reply in a conversation, and what to send back."""

    handling: str  # answer | skipped | invalid-answer | unanswered
    reply: str
    completed: bool = False


def opening(version: SurveyVersion) -> str:
    """The first message of a survey: its intro and first question."""
    return first_message(version.intro, version.questions[0].text)


def current_question(conversation: Conversation) -> Question:
    return conversation.version.questions[conversation.position]


def active_conversation(session: Session, person: Person, now: datetime, timeout: timedelta) -> Conversation | None:
    """The person's conversation in progress, after expiring it if it has been silent too long."""
    conversation = (
        session.scalars(
            select(Conversation)
            .where(Conversation.person_id == person.id, Conversation.status == ACTIVE)
            # The version and its questions come in the same query: every answer needs them.
            .options(joinedload(Conversation.version).joinedload(SurveyVersion.questions))
        )
        .unique()
        .one_or_none()
    )
    if conversation is not None and conversation.last_activity_at <= now - timeout:
        # Expired as `expire_silent` would have done it, had it run first.
        conversation.status = EXPIRED
        conversation.ended_at = now
        session.flush()
        return None
    return conversation


def end_active(session: Session, person_id: int, status: str, now: datetime) -> None:
    """End the person's active conversation, if any, keeping its answers.

    Done as one statement, flushed before a new conversation becomes active: at most one may be active.
    """
    session.execute(
        update(Conversation)
        .where(Conversation.person_id == person_id, Conversation.status == ACTIVE)
        .values(status=status, ended_at=now)
        .execution_options(synchronize_session="fetch")
    )


def start(
    session: Session,
    person: Person,
    version: SurveyVersion,
    *,
    channel: str,
    now: datetime,
) -> Conversation:
    """Start `version` for `person` at once (they texted its keyword), replacing anything in progress."""
    end_active(session, person.id, REPLACED, now)
    conversation = Conversation(
        person_id=person.id,
        survey_id=version.survey_id,
        survey_version_id=version.id,
        channel=channel,
        status=ACTIVE,
        started_at=now,
        last_activity_at=now,
    )
    session.add(conversation)
    session.flush()
    return conversation


def activate(session: Session, conversation: Conversation, now: datetime) -> None:
    """An invitation has gone out: the young person's next reply answers its first question."""
    if conversation.status != INVITED:
        return
    end_active(session, conversation.person_id, REPLACED, now)
    conversation.status = ACTIVE
    conversation.started_at = now
    conversation.last_activity_at = now
    session.flush()


def answer(
    session: Session,
    conversation: Conversation,
    raw: str,
    *,
    message: InboundMessage | None,
    now: datetime,
    max_reasks: int,
) -> Step:
    """Record `raw` as the answer to the conversation's current question and say what comes next."""
    question = current_question(conversation)
    conversation.last_activity_at = now
    if keyword_of(raw) == SKIP_WORD:
        if question.optional:
            _record(session, conversation, question, message, now, status="skipped", raw=raw)
            return _advance(conversation, "skipped", now)
        return _invalid(
            session, conversation, question, message, now=now, raw=raw, max_reasks=max_reasks, hint=NOT_SKIPPABLE
        )
    result = parse_answer(question, raw)
    if isinstance(result, Invalid):
        return _invalid(
            session, conversation, question, message, now=now, raw=raw, max_reasks=max_reasks, hint=result.hint
        )
    _record(session, conversation, question, message, now, status="answered", raw=raw, parsed=result)
    return _advance(conversation, "answer", now)


def _invalid(
    session: Session,
    conversation: Conversation,
    question: Question,
    message: InboundMessage | None,
    *,
    now: datetime,
    raw: str,
    max_reasks: int,
    hint: str,
) -> Step:
    conversation.invalid_attempts += 1
    if conversation.invalid_attempts > max_reasks:
        _record(session, conversation, question, message, now, status="unanswered", raw=raw)
        return _advance(conversation, "unanswered", now)
    return Step("invalid-answer", f"{hint}\n{question.text}")


def _record(
    session: Session,
    conversation: Conversation,
    question: Question,
    message: InboundMessage | None,
    now: datetime,
    *,
    status: str,
    raw: str,
    parsed: Parsed | None = None,
) -> None:
    session.add(
        Answer(
            conversation_id=conversation.id,
            question_id=question.id,
            inbound_message_id=message.id if message is not None else None,
            status=status,
            raw_text=raw,
            value_text=parsed.text if parsed else None,
            value_number=parsed.number if parsed else None,
            value_option=parsed.option if parsed else None,
            answered_at=now,
        )
    )


def _advance(conversation: Conversation, handling: str, now: datetime) -> Step:
    conversation.position += 1
    conversation.invalid_attempts = 0
    questions = conversation.version.questions
    if conversation.position >= len(questions):
        conversation.status = COMPLETED
        conversation.ended_at = now
        return Step(handling, conversation.version.thanks or DEFAULT_THANKS, completed=True)
    return Step(handling, questions[conversation.position].text)


def expire_silent(session: Session, now: datetime, timeout: timedelta) -> int:
    """Expire every active conversation silent for `timeout`, keeping its partial answers."""
    result = session.execute(
        update(Conversation)
        .where(Conversation.status == ACTIVE, Conversation.last_activity_at <= now - timeout)
        .values(status=EXPIRED, ended_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

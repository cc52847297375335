"""Taking a young person through a survey one question at a time, whatever the channel.

Every answer is read by `parse_answer` and written by `_record`, whatever the channel. By SMS, `answer()` takes
the reply to the current question and says what to send next: the next question, the same question again with a
hint (at most `max_reasks` times, then the question is left unanswered and the survey moves on), or the thanks.
On the web, `answer_question()` answers a question the page names, so a young person can go back and change an
answer: the new one replaces the old.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, joinedload

from feedback.core.dbutil import insert_or_ignore
from feedback.messages.keywords import SKIP_WORD, keyword_of
from feedback.messages.models import Channel, InboundMessage
from feedback.people.models import Person
from feedback.surveys.answer_parsing import Invalid, Parsed, parse_answer
from feedback.surveys.models import Answer, Conversation, ConversationStatus, Question, SurveyVersion
from feedback.surveys.operations import first_message

ACTIVE = ConversationStatus.ACTIVE
INVITED = ConversationStatus.INVITED
COMPLETED = ConversationStatus.COMPLETED
EXPIRED = ConversationStatus.EXPIRED
REPLACED = ConversationStatus.REPLACED
STOPPED = ConversationStatus.STOPPED
CANCELLED = ConversationStatus.CANCELLED

DEFAULT_THANKS = "Thanks! That's everything."
NOT_SKIPPABLE = "This one needs an answer."
SMS = Channel.SMS
WEB = Channel.WEB


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
            .where(Conversation.person_id == person.id, Conversation.status == ACTIVE, Conversation.channel == SMS)
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
    """End the person's active SMS conversation, if any, keeping its answers.

    Done as one statement, flushed before a new conversation becomes active: at most one may be active. Web
    conversations carry on: a page names its own conversation, so nothing a young person texts can reach it.
    """
    session.execute(
        update(Conversation)
        .where(Conversation.person_id == person_id, Conversation.status == ACTIVE, Conversation.channel == SMS)
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
    return _begin(session, person.id, version, channel, now)


def _begin(session: Session, person_id: int, version: SurveyVersion, channel: str, now: datetime) -> Conversation:
    conversation = Conversation(
        person_id=person_id,
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


def invite(
    session: Session, person_ids: Sequence[int], version: SurveyVersion, *, channel: str, occurrence: str, now: datetime
) -> list[tuple[int, int]]:
    """An invited conversation for each person who has not had this occurrence yet (never two for one occurrence,
    whoever sends at once): (conversation id, person id) of those made."""
    if session.get_bind().dialect.name == "postgresql":
        return _invite_postgres(session, person_ids, version, channel=channel, occurrence=occurrence, now=now)
    return _invite_each(session, person_ids, version, channel=channel, occurrence=occurrence, now=now)


def _invite_each(
    session: Session, person_ids: Sequence[int], version: SurveyVersion, *, channel: str, occurrence: str, now: datetime
) -> list[tuple[int, int]]:
    """One invited conversation per person who has not had this occurrence: (conversation id, person id)."""
    rows = [
        {
            "person_id": pid,
            "survey_id": version.survey_id,
            "survey_version_id": version.id,
            "channel": channel,
            "status": INVITED,
            "occurrence": occurrence,
            "position": 0,
            "invalid_attempts": 0,
            "started_at": now,
            "last_activity_at": now,
        }
        for pid in person_ids
    ]
    created = session.execute(
        insert_or_ignore(session, Conversation, ["person_id", "survey_id", "occurrence"]).returning(
            Conversation.id, Conversation.person_id
        ),
        rows,
    ).all()
    return [(cid, pid) for cid, pid in created]


# The same on PostgreSQL as one short statement over an array of ids (parsed once, whatever the batch).
_INVITE_POSTGRES = text(
    """
    INSERT INTO conversation (person_id, survey_id, survey_version_id, channel, status, occurrence, position,
                              invalid_attempts, started_at, last_activity_at)
    SELECT p, :survey_id, :version_id, :channel, :status, :occurrence, 0, 0, :now, :now
    FROM unnest(CAST(:person_ids AS integer[])) AS p
    ON CONFLICT (person_id, survey_id, occurrence) DO NOTHING
    RETURNING id, person_id
    """
)


def _invite_postgres(
    session: Session, person_ids: Sequence[int], version: SurveyVersion, *, channel: str, occurrence: str, now: datetime
) -> list[tuple[int, int]]:
    rows = session.execute(
        _INVITE_POSTGRES,
        {
            "person_ids": list(person_ids),
            "survey_id": version.survey_id,
            "version_id": version.id,
            "channel": channel,
            "status": INVITED,
            "occurrence": occurrence,
            "now": now,
        },
    ).all()
    return sorted((cid, pid) for cid, pid in rows)


def begin_on_web(session: Session, person_id: int, version: SurveyVersion, now: datetime) -> Conversation:
    """A survey begun on a web page, with nothing open to carry on."""
    return _begin(session, person_id, version, WEB, now)


def carry_on_on_web(session: Session, conversation: Conversation, now: datetime) -> None:
    """An open conversation (an invitation, or a survey begun by text) goes on on a web page, keeping its answers."""
    if conversation.channel != WEB or conversation.status != ACTIVE:
        conversation.channel = WEB
        conversation.status = ACTIVE
        conversation.last_activity_at = now
        session.flush()


def cancel(conversation: Conversation, now: datetime) -> None:
    """An invitation that never went (refused, opted out): it will not be answered."""
    conversation.status = CANCELLED
    conversation.ended_at = now


def activate(session: Session, conversation: Conversation, now: datetime) -> None:
    """An invitation has gone out: the young person's next reply answers its first question."""
    if conversation.status != INVITED:
        return
    if conversation.channel == SMS:
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
            _record(session, conversation, question, _id(message), now, status="skipped", raw=raw, replace=False)
            return _advance(conversation, "skipped", now)
        return _invalid(
            session, conversation, question, message, now=now, raw=raw, max_reasks=max_reasks, hint=NOT_SKIPPABLE
        )
    result = parse_answer(question, raw)
    if isinstance(result, Invalid):
        return _invalid(
            session, conversation, question, message, now=now, raw=raw, max_reasks=max_reasks, hint=result.hint
        )
    _record(
        session, conversation, question, _id(message), now, status="answered", raw=raw, parsed=result, replace=False
    )
    return _advance(conversation, "answer", now)


def answer_question(
    session: Session,
    conversation: Conversation,
    question: Question,
    raw: str,
    *,
    skip: bool = False,
    message_id: int | None,
    now: datetime,
) -> Invalid | None:
    """Answer (or skip) the question a web page named, replacing any earlier answer to it; None when recorded.

    The conversation moves past the furthest question answered, and is completed when the last one is.
    """
    if skip:
        if not question.optional:
            return Invalid(raw, NOT_SKIPPABLE)
        _record(session, conversation, question, message_id, now, status="skipped", raw=raw, replace=True)
    else:
        result = parse_answer(question, raw)
        if isinstance(result, Invalid):
            return result
        _record(
            session, conversation, question, message_id, now, status="answered", raw=raw, parsed=result, replace=True
        )
    conversation.last_activity_at = now
    conversation.invalid_attempts = 0
    conversation.position = max(conversation.position, question.position + 1)
    finished = conversation.position >= len(conversation.version.questions)
    if finished and conversation.status != COMPLETED and first_unanswered(session, conversation) is None:
        conversation.status = COMPLETED
        conversation.ended_at = now
    return None


def first_unanswered(session: Session, conversation: Conversation) -> Question | None:
    """The first question that needs an answer and has none yet: a web survey is finished only without one, however
    the young person moved through its pages."""
    answered = set(
        session.scalars(
            select(Answer.question_id).where(
                Answer.conversation_id == conversation.id, Answer.status.in_(("answered", "skipped"))
            )
        )
    )
    for question in conversation.version.questions:
        if question.id not in answered and not question.optional:
            return question
    return None


def _id(message: InboundMessage | None) -> int | None:
    return message.id if message is not None else None


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
        _record(session, conversation, question, _id(message), now, status="unanswered", raw=raw, replace=False)
        return _advance(conversation, "unanswered", now)
    return Step("invalid-answer", f"{hint}\n{question.text}")


def _record(
    session: Session,
    conversation: Conversation,
    question: Question,
    message_id: int | None,
    now: datetime,
    *,
    status: str,
    raw: str,
    replace: bool,
    parsed: Parsed | None = None,
) -> None:
    """Write one answer: every channel's answers are written here. With `replace` (the web, where a page can be
    answered again) an earlier answer to the question is overwritten, so there is still one answer per question."""
    values = {
        "inbound_message_id": message_id,
        "status": status,
        "raw_text": raw,
        "value_text": parsed.text if parsed else None,
        "value_number": parsed.number if parsed else None,
        "value_option": parsed.option if parsed else None,
        "answered_at": now,
    }
    existing = (
        session.scalar(
            select(Answer).where(Answer.conversation_id == conversation.id, Answer.question_id == question.id)
        )
        if replace
        else None
    )
    if existing is None:
        session.add(Answer(conversation_id=conversation.id, question_id=question.id, **values))
    else:
        for name, value in values.items():
            setattr(existing, name, value)


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
    """Expire every active SMS conversation silent for `timeout`, keeping its partial answers.

    Web conversations wait: a young person who leaves a page and opens the link days later carries on.
    """
    result = session.execute(
        update(Conversation)
        .where(
            Conversation.status == ACTIVE,
            Conversation.channel == SMS,
            Conversation.last_activity_at <= now - timeout,
        )
        .values(status=EXPIRED, ended_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

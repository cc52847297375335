"""Made-up answers to a survey, written as the survey flow writes them (a person, their conversation with the survey
version, an answer per question), in the open transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select

from feedback.core.clock import LOCAL_TIME
from feedback.extensions import db
from feedback.people.models import Person
from feedback.surveys.models import Answer, Conversation, Question, Survey, SurveyVersion

SURVEY = "monthly-checkin"  # the example survey every installation has: home (rating 1-5), worker (choice), heard
CHECKIN_KEYS = ("home", "worker", "heard")


@dataclass(frozen=True)
class Reply:
    """One young person's answers in one conversation: question key -> value (a number or an option)."""

    answers: dict[str, int | str]
    day: date
    locality: str | None = None
    age_band: str | None = None
    care_setting: str | None = None
    skipped: tuple[str, ...] = ()


def questions(slug: str = SURVEY) -> dict[str, Question]:
    """The questions of the survey's newest version, by key."""
    version = db.session.scalars(
        select(SurveyVersion)
        .join(Survey, Survey.id == SurveyVersion.survey_id)
        .where(Survey.slug == slug)
        .order_by(SurveyVersion.number.desc())
    ).first()
    assert version is not None
    return {q.key: q for q in version.questions}


def insert(replies: list[Reply], slug: str = SURVEY) -> None:
    asked = questions(slug)
    version = next(iter(asked.values())).version
    for reply in replies:
        person = Person(locality=reply.locality, age_band=reply.age_band, care_setting=reply.care_setting)
        db.session.add(person)
        db.session.flush()
        moment = datetime.combine(reply.day, time(12), LOCAL_TIME).astimezone(UTC)
        conversation = Conversation(
            person_id=person.id,
            survey_id=version.survey_id,
            survey_version_id=version.id,
            channel="web",
            status="completed",
            started_at=moment,
            last_activity_at=moment,
        )
        db.session.add(conversation)
        db.session.flush()
        for key, value in reply.answers.items():
            question = asked[key]
            number = value if isinstance(value, int) else None
            option = value if isinstance(value, str) else None
            db.session.add(
                Answer(
                    conversation_id=conversation.id,
                    question_id=question.id,
                    status="answered",
                    value_number=number,
                    value_option=option,
                    answered_at=moment,
                )
            )
        for key in reply.skipped:
            db.session.add(
                Answer(conversation_id=conversation.id, question_id=asked[key].id, status="skipped", answered_at=moment)
            )
    db.session.flush()


def many(how_many: int, answers: dict[str, int | str], day: date, **facts: str | None) -> list[Reply]:
    return [Reply(dict(answers), day, **facts) for _ in range(how_many)]

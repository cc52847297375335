"""The migrations run up and down, with data, and match the models exactly, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from feedback import create_app
from feedback.extensions import db
from tests.conftest import POSTGRES_SERVER, base_config


@pytest.fixture
def empty_database(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"feedback_migrations_{tmp_path.name[-8:].replace('-', '_').lower()}"
    with psycopg.connect(POSTGRES_SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield POSTGRES_SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    with psycopg.connect(POSTGRES_SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def bare_app(empty_database: str) -> Iterator[Any]:
    app = create_app(base_config(empty_database))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def tables() -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def test_upgrade_creates_exactly_the_models(bare_app: Any) -> None:
    upgrade()
    assert tables() == set(db.metadata.tables)
    with db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_downgrade_removes_everything_and_upgrade_runs_again(bare_app: Any) -> None:
    upgrade()
    downgrade(revision="base")
    assert tables() == set()
    upgrade()
    assert tables() == set(db.metadata.tables)


def test_a_downgrade_with_data_in_it_succeeds_and_the_schema_works_again(bare_app: Any) -> None:
    from feedback.ops.defaults import load_defaults

    upgrade()
    load_defaults(db.session)
    db.session.commit()
    downgrade(revision="base")
    assert tables() == set()
    upgrade()
    load_defaults(db.session)
    db.session.commit()
    assert db.session.execute(text("SELECT count(*) FROM theme")).scalar_one() == 18


def test_messages_stored_before_0002_keep_their_place_in_the_retry_queue(bare_app: Any) -> None:
    upgrade(revision="0001")
    db.session.execute(
        text("INSERT INTO person (pseudonym, phone_hash, created_at) VALUES ('yp-1', 'h', :at);"),
        {"at": "2026-11-23 14:00:00+00"},
    )
    db.session.execute(
        text(
            "INSERT INTO inbound_message (channel, provider_sid, person_id, body, num_media, received_at, status)"
            " VALUES ('sms', 'SM1', 1, 'x', 0, :at, 'received')"
        ),
        {"at": "2026-11-23 14:00:00+00"},
    )
    db.session.commit()
    upgrade()
    row = db.session.execute(text("SELECT handling_attempts, retry_after FROM inbound_message")).one()
    assert tuple(row) == (0, None)
    db.session.commit()  # end the read, or PostgreSQL's ALTER TABLE waits for it
    downgrade(revision="0001")
    assert db.session.execute(text("SELECT provider_sid FROM inbound_message")).scalar_one() == "SM1"


def test_key_phrases_are_encrypted_by_0012_and_readable_again_after_a_downgrade(bare_app: Any) -> None:
    from datetime import UTC, datetime

    from feedback.insight.filing import analyse_pending
    from feedback.insight.models import MessageAnalysis
    from feedback.messages.models import InboundMessage
    from feedback.ops.defaults import load_defaults
    from feedback.people.models import Person

    upgrade()
    load_defaults(db.session)
    at = datetime(2026, 11, 23, 14, tzinfo=UTC)
    person = Person(pseudonym="yp-k", phone_hash="hk", created_at=at)
    db.session.add(person)
    db.session.flush()
    body = "my social worker never calls back and the bus to school is rubbish"
    db.session.add(InboundMessage(channel="sms", provider_sid="SMk", person_id=person.id, body=body, received_at=at,
                                  status="processed", processed_at=at, handling="feedback"))  # fmt: skip
    db.session.commit()
    assert analyse_pending(db.session, now=at) == 1
    db.session.commit()
    phrases = db.session.scalars(select(MessageAnalysis.key_phrases)).one()
    assert phrases
    raw = db.session.execute(text("SELECT key_phrases, why FROM message_analysis")).one()
    assert all(word not in str(raw) for word in ("social worker", "bus", "school"))
    db.session.commit()

    downgrade(revision="0011")
    plain = db.session.execute(text("SELECT key_phrases FROM message_analysis")).scalar_one()
    assert (json.loads(plain) if isinstance(plain, str) else plain) == phrases
    db.session.commit()
    upgrade()
    db.session.expire_all()
    assert db.session.scalars(select(MessageAnalysis.key_phrases)).one() == phrases


def test_0017_files_what_is_there_as_own_words_or_not_and_fills_the_daily_totals(bare_app: Any) -> None:
    """Messages analysed before 0017: a text, an answer in words and a rating. Taken back to 0016 and up again,
    each is told apart by what it answered, and the daily totals are those the app would keep."""
    from datetime import UTC, datetime

    from feedback.insight import daily
    from feedback.insight.filing import analyse_pending
    from feedback.insight.models import MessageAnalysis, ThemeDay
    from feedback.messages.models import InboundMessage
    from feedback.ops.defaults import load_defaults
    from feedback.people.models import Person
    from feedback.surveys.models import Answer, Conversation, Question, Survey, SurveyVersion

    upgrade()
    load_defaults(db.session)
    at = datetime(2026, 11, 23, 14, tzinfo=UTC)
    person = Person(pseudonym="yp-m", phone_hash="hm", created_at=at)
    db.session.add(person)
    db.session.flush()
    version = db.session.scalars(
        select(SurveyVersion).join(Survey).where(Survey.slug == "monthly-checkin").order_by(SurveyVersion.number)
    ).first()
    assert version is not None
    questions = {q.key: q for q in db.session.scalars(select(Question).where(Question.survey_version_id == version.id))}
    conversation = Conversation(person_id=person.id, survey_id=version.survey_id, survey_version_id=version.id,
                                channel="sms", status="completed", started_at=at, last_activity_at=at)  # fmt: skip
    db.session.add(conversation)
    bodies = {"text": "the bus to college never comes", "answer": "more money for the bus", "choice": "4"}
    ids = {}
    for n, (kind, body) in enumerate(bodies.items()):
        message = InboundMessage(channel="sms", provider_sid=f"SMm{n}", person_id=person.id, body=body,
                                 received_at=at, status="processed", processed_at=at,
                                 handling="feedback" if kind == "text" else "answer")  # fmt: skip
        db.session.add(message)
        db.session.flush()
        ids[kind] = message.id
        if kind != "text":
            question = questions["change" if kind == "answer" else "home"]
            db.session.add(Answer(conversation_id=conversation.id, question_id=question.id,
                                  inbound_message_id=message.id, status="answered", answered_at=at))  # fmt: skip
    db.session.commit()
    assert analyse_pending(db.session, now=at) == 3
    db.session.commit()
    kept = sorted(tuple(row) for row in db.session.execute(select(ThemeDay.day, ThemeDay.theme_id,
                  ThemeDay.dimension, ThemeDay.value, ThemeDay.messages, ThemeDay.negative, ThemeDay.neutral,
                  ThemeDay.positive)))  # fmt: skip
    db.session.commit()

    downgrade(revision="0016")
    upgrade()
    db.session.expire_all()
    origins = dict(db.session.execute(select(MessageAnalysis.inbound_message_id, MessageAnalysis.origin)).all())
    assert origins == {ids["text"]: "text", ids["answer"]: "answer", ids["choice"]: "choice"}
    backfilled = sorted(tuple(row) for row in db.session.execute(select(ThemeDay.day, ThemeDay.theme_id,
                        ThemeDay.dimension, ThemeDay.value, ThemeDay.messages, ThemeDay.negative,
                        ThemeDay.neutral, ThemeDay.positive)))  # fmt: skip
    assert backfilled == kept and kept
    daily.rebuild(db.session)
    assert sum(row[4] for row in kept if row[1] == daily.EVERYONE and row[2] == daily.ALL) == 2  # not the rating
    db.session.commit()

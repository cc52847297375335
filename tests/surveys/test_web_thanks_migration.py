"""Migration 0019 gives each survey version a thanks for the web: versions stored before it get none (the general
thank you), and going back to 0018 drops it and leaves the rest of the version as it was."""

from __future__ import annotations

from typing import Any

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from feedback.extensions import db
from tests.ops.test_migrations import bare_app, empty_database  # noqa: F401 - fixtures

AT = {"at": "2026-12-01 10:00:00+00"}


def columns() -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns("survey_version")}


def test_0019_adds_web_thanks_empty_for_versions_already_stored_and_takes_it_away_again(bare_app: Any) -> None:  # noqa: F811
    upgrade(revision="0018")
    db.session.execute(text("INSERT INTO survey (slug, purpose, created_at) VALUES ('club', 'survey', :at)"), AT)
    db.session.execute(
        text(
            "INSERT INTO survey_version (survey_id, number, status, title, intro, thanks, sms_invite, definition,"
            " created_at) VALUES (1, 1, 'published', 'Club', '', 'Thanks! Reply HELP for help.', 'questions',"
            " '{}', :at)"
        ),
        AT,
    )
    db.session.commit()
    assert "web_thanks" not in columns()

    upgrade(revision="0019")
    assert db.session.execute(text("SELECT thanks, web_thanks FROM survey_version")).one() == (
        "Thanks! Reply HELP for help.",
        "",
    )
    db.session.execute(text("UPDATE survey_version SET web_thanks = 'Thanks!'"))
    db.session.commit()

    downgrade(revision="0018")
    db.engine.dispose()  # SQLite's batch copy: read the table afresh
    assert "web_thanks" not in columns()
    assert db.session.execute(text("SELECT title, thanks FROM survey_version")).one() == (
        "Club",
        "Thanks! Reply HELP for help.",
    )
    db.session.commit()
    upgrade(revision="0019")
    assert db.session.execute(text("SELECT web_thanks FROM survey_version")).scalar_one() == ""

"""Statuses, roles and sources are StrEnums, and the database holds each column to its enum's values (migration
0016): a value the code does not know cannot be written, by the service or by hand."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from feedback import models
from feedback.extensions import db
from tests.staff_client import signed_in

COLUMNS: list[tuple[str, str, type[StrEnum]]] = [
    ("survey", "purpose", models.SurveyPurpose),
    ("survey_version", "status", models.VersionStatus),
    ("conversation", "status", models.ConversationStatus),
    ("conversation", "channel", models.Channel),
    ("inbound_message", "status", models.InboundStatus),
    ("inbound_message", "channel", models.Channel),
    ("answer", "status", models.AnswerStatus),
    ("outbound_message", "status", models.OutboundStatus),
    ("outbound_message", "channel", models.Channel),
    ("safeguarding_alert", "tier", models.AlertTier),
    ("alert_step", "kind", models.StepKind),
    ("notification", "status", models.NotificationStatus),
    ("notification", "channel", models.NotificationChannel),
    ("staff_user", "role", models.Role),
    ("statement", "status", models.StatementStatus),
    ("message_theme", "source", models.ThemeSource),
    ("action", "status", models.ActionStatus),
    ("advocacy_offer", "response", models.OfferResponse),
]


@pytest.mark.parametrize(("table", "column", "enum"), COLUMNS, ids=[f"{t}.{c}" for t, c, _ in COLUMNS])
def test_the_database_allows_exactly_the_enums_values(app: Any, table: str, column: str, enum: type[StrEnum]) -> None:
    checks = inspect(db.engine).get_check_constraints(table)
    # Migration 0015's checks carry the naming convention twice (ck_notification_ck_notification_status).
    found = [c for c in checks if c["name"].endswith(f"ck_{table}_{column}")]
    assert len(found) == 1, checks
    assert set(re.findall(r"'([^']*)'", found[0]["sqltext"])) == {member.value for member in enum}


def test_the_models_declare_the_same_checks() -> None:
    """The models say what the migration built, so the two cannot drift apart unnoticed."""
    declared = {
        str(constraint.name): str(constraint.sqltext)
        for table in db.metadata.tables.values()
        for constraint in table.constraints
        if type(constraint).__name__ == "CheckConstraint"
    }
    for table, column, enum in COLUMNS:
        names = [name for name in declared if name.endswith(f"ck_{table}_{column}")]
        assert len(names) == 1, (table, column)
        assert set(re.findall(r"'([^']*)'", declared[names[0]])) == {member.value for member in enum}


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE survey SET purpose = 'quiz'",
        "UPDATE survey_version SET status = 'archived'",
        "UPDATE staff_user SET role = 'superuser'",
    ],
)
def test_a_value_the_code_does_not_know_is_refused(app: Any, statement: str) -> None:
    signed_in(app, "admin")  # a staff account to change
    with pytest.raises(IntegrityError):
        db.session.execute(text(statement))
        db.session.flush()
    db.session.rollback()


def test_members_are_the_strings_stored() -> None:
    assert models.ConversationStatus.ACTIVE == "active"
    assert f"{models.ActionStatus.IN_PROGRESS}" == "in-progress"

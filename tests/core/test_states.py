"""Statuses, roles and sources are StrEnums, and the database holds each column to its enum's values (migration
0016): a value the code does not know cannot be written, by the service or by hand."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from feedback.accounts.models import Role
from feedback.actions.models import ActionStatus
from feedback.advocacy.models import OfferResponse
from feedback.extensions import db
from feedback.insight.models import ThemeSource
from feedback.messages.models import Channel, InboundChannel, InboundStatus, OutboundStatus
from feedback.safeguarding.models import AlertTier, NotificationChannel, NotificationStatus, StepKind
from feedback.statements.models import StatementStatus
from feedback.surveys.models import AnswerStatus, ConversationStatus, SurveyPurpose, VersionStatus
from tests.staff_client import signed_in

COLUMNS: list[tuple[str, str, type[StrEnum]]] = [
    ("survey", "purpose", SurveyPurpose),
    ("survey_version", "status", VersionStatus),
    ("conversation", "status", ConversationStatus),
    ("conversation", "channel", Channel),
    ("inbound_message", "status", InboundStatus),
    ("inbound_message", "channel", InboundChannel),  # and "import" (migration 0018)
    ("answer", "status", AnswerStatus),
    ("outbound_message", "status", OutboundStatus),
    ("outbound_message", "channel", Channel),
    ("safeguarding_alert", "tier", AlertTier),
    ("alert_step", "kind", StepKind),
    ("notification", "status", NotificationStatus),
    ("notification", "channel", NotificationChannel),
    ("staff_user", "role", Role),
    ("statement", "status", StatementStatus),
    ("message_theme", "source", ThemeSource),
    ("action", "status", ActionStatus),
    ("advocacy_offer", "response", OfferResponse),
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
    assert ConversationStatus.ACTIVE == "active"
    assert f"{ActionStatus.IN_PROGRESS}" == "in-progress"

""" "You said, we did": actions against themes, and who was told about each."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    Date,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.core.clock import utcnow
from feedback.core.db_types import UTCDateTime, one_of
from feedback.extensions import Model

if TYPE_CHECKING:
    from feedback.accounts.models import StaffUser
    from feedback.insight.models import Theme


class ActionStatus(StrEnum):
    """ "You said, we did": an action against a theme (`feedback.actions.operations`)."""

    PLANNED = "planned"
    IN_PROGRESS = "in-progress"
    DONE = "done"


class Action(Model):
    """ "You said, we did": what young people said about a theme, and what was done or will be done about it."""

    __tablename__ = "action"
    __table_args__ = (one_of("status", ActionStatus),)

    id: Mapped[int] = mapped_column(primary_key=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id"), index=True)
    you_said: Mapped[str] = mapped_column(Text)
    we_did: Mapped[str] = mapped_column(Text)
    by_whom: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # planned | in-progress | done
    action_date: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    theme: Mapped[Theme] = relationship()
    created_by: Mapped[StaffUser] = relationship()


class ActionNotice(Model):
    """One text telling one young person about one action: unique, so nobody is ever told twice."""

    __tablename__ = "action_notice"
    __table_args__ = (UniqueConstraint("action_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("action.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    outbound_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_message.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

"""The theme taxonomy, and how each message is filed against it: its analysis, its themes (with the facts a
summary groups by), and staff's recodes."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from feedback.core.clock import utcnow
from feedback.core.db_types import EncryptedJSON, EncryptedText, UTCDateTime, one_of
from feedback.extensions import Model

if TYPE_CHECKING:
    from feedback.accounts.models import StaffUser


class ThemeSource(StrEnum):
    """Who filed a message under a theme (`feedback.insight.filing`)."""

    AUTO = "auto"  # the analysis
    QUESTION = "question"  # the question it answered
    STAFF = "staff"
    REMOVED = "removed"  # staff said the message is not about this theme: re-analysis never gives it again


class Origin(StrEnum):
    """What kind of message a filed row is (`filing.report_facts`): whether a young person said it in their own
    words, and to whom."""

    TEXT = "text"  # sent unprompted: a text, or feedback on the web
    ANSWER = "answer"  # an answer in words to a survey's text question
    CHOICE = "choice"  # an answer picked from a rating, a choice or yes/no: no words of their own
    STATEMENT = "statement"  # a line of a statement to their worker: counted, never quoted
    IMPORT = "import"  # a view collected before the service (`feedback messages import`)


# What young people raised in their own words: what the theme summary counts.
OWN_WORDS = (Origin.TEXT, Origin.ANSWER, Origin.STATEMENT, Origin.IMPORT)
# What may be quoted to the board: own words, except statements (written to a worker, not to the board).
QUOTABLE = (Origin.TEXT, Origin.ANSWER, Origin.IMPORT)


class Theme(Model):
    """A theme responses are filed against. A slug never changes meaning once used."""

    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    shanarri: Mapped[list[str]] = mapped_column(JSON, default=list)
    promise_foundation: Mapped[str] = mapped_column(String(32), default="")
    # Phrases staff gave the theme (often from the emerging themes list): the analysis files a message containing
    # one under this theme.
    cues: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A theme merged into another: its messages moved there, and its slug still means the other theme.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReportFacts:
    """What summaries filter and group by, copied onto each filed row when the message is analysed (and again on
    re-analysis), so that every summary is one GROUP BY over one indexed table, never a join over a million
    messages. Locality, age band and care setting are as the register had them when the message was filed."""

    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    month: Mapped[str | None] = mapped_column(String(7))  # YYYY-MM, local time
    channel: Mapped[str | None] = mapped_column(String(16))
    survey_id: Mapped[int | None] = mapped_column(Integer)
    locality: Mapped[str | None] = mapped_column(String(64))
    age_band: Mapped[str | None] = mapped_column(String(16))
    care_setting: Mapped[str | None] = mapped_column(String(32))
    # Flagged for safeguarding: counted like any message, never quoted.
    risk: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    origin: Mapped[str] = mapped_column(String(16), default=Origin.TEXT, server_default=Origin.TEXT.value)


class MessageAnalysis(ReportFacts, Model):
    """What the analysis read in one message: sentiment, key phrases and a copy safe to quote. Its themes are
    `MessageTheme` rows, so that summaries group by them in SQL. Re-analysis replaces this row and the automatic
    themes, never a member of staff's codes."""

    __tablename__ = "message_analysis"
    # The total of messages in a period is counted from this index alone, filters included where they are common.
    __table_args__ = (
        Index("ix_message_analysis_received_at", "received_at", postgresql_include=["channel", "locality"]),
        one_of("origin", Origin),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_message.id"), unique=True)
    sentiment: Mapped[float] = mapped_column(Float)
    sentiment_label: Mapped[str] = mapped_column(String(16), index=True)
    # Words from the message: encrypted like the message itself.
    key_phrases: Mapped[list[str]] = mapped_column(EncryptedJSON(), default=list)
    # Why each theme was given (theme slug -> the words), for staff.
    why: Mapped[dict[str, list[str]]] = mapped_column(EncryptedJSON(), default=dict)
    redacted: Mapped[str] = mapped_column(EncryptedText())
    analyser: Mapped[str] = mapped_column(String(32))
    analysed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MessageTheme(ReportFacts, Model):
    """A message filed against a theme: by the analysis (auto), by the question it answered, or by staff."""

    __tablename__ = "message_theme"
    __table_args__ = (
        UniqueConstraint("inbound_message_id", "theme_id"),
        Index("ix_message_theme_theme_id_source", "theme_id", "source"),
        # A summary reads a period's rows from this index without visiting the table (PostgreSQL).
        Index(
            "ix_message_theme_received_at_theme_id",
            "received_at",
            "theme_id",
            postgresql_include=["source", "sentiment", "channel", "locality"],
        ),
        one_of("source", ThemeSource),
        one_of("origin", Origin),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_message.id"), index=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("theme.id"))
    # auto | question | staff (a member of staff gave it) | removed (a member of staff said it is not this theme,
    # so re-analysis never gives it again)
    source: Mapped[str] = mapped_column(String(16))
    strong: Mapped[bool] = mapped_column(Boolean, default=True)
    sentiment: Mapped[float | None] = mapped_column(Float)
    # The message's feeling in words (negative, neutral, positive), as its analysis labelled it.
    feeling: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ThemeDay(Model):
    """Daily totals of what young people raised in their own words, kept up to date in the same transaction as
    every change to how messages are filed (`insight.daily`), so that a summary reads a few hundred rows a day
    whatever the size of the history. One row per local day, theme (0 for all messages), dimension and group:
    the dimension `all` has the one group "", the others a group per value ("" where none was recorded; a
    survey's id as text)."""

    __tablename__ = "theme_day"
    __table_args__ = (
        UniqueConstraint("dimension", "day", "theme_id", "value"),
        # What a summary reads: one dimension's days, with the counts, from the index alone (PostgreSQL).
        Index(
            "ix_theme_day_dimension_month",
            "dimension",
            "month",
            postgresql_include=["theme_id", "value", "messages", "negative", "neutral", "positive"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM of the day
    theme_id: Mapped[int] = mapped_column(Integer)  # 0: all messages
    dimension: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(64))
    messages: Mapped[int] = mapped_column(Integer, default=0)
    negative: Mapped[int] = mapped_column(Integer, default=0)
    neutral: Mapped[int] = mapped_column(Integer, default=0)
    positive: Mapped[int] = mapped_column(Integer, default=0)


class Recode(Model):
    """A member of staff changing how a message is filed: who, what and when. Kept for ever, never edited."""

    __tablename__ = "recode"

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_message_id: Mapped[int] = mapped_column(ForeignKey("inbound_message.id"), index=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    # add-theme | remove-theme | confirm-risk | clear-risk
    action: Mapped[str] = mapped_column(String(16))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    staff_user: Mapped[StaffUser] = relationship()
    theme: Mapped[Theme | None] = relationship()

"""The scheduler's lease, and APScheduler's own job store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Column,
    Float,
    LargeBinary,
    String,
    Table,
    Unicode,
)
from sqlalchemy.orm import Mapped, mapped_column

from feedback.core.db_types import UTCDateTime
from feedback.extensions import Model, db


class SchedulerLease(Model):
    """Which process is the scheduler, and its last heartbeat: a second `feedback scheduler` runs no job while
    the holder's heartbeat is fresh, and takes over when it stops."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_job: Mapped[str | None] = mapped_column(String(64))
    last_job_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# APScheduler's own job store (`feedback scheduler`), as its SQLAlchemyJobStore defines it: created by the
# migrations like every other table, so the schema has one owner.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    db.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)

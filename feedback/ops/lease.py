"""Which process is the scheduler. `feedback scheduler` holds a lease in the database and renews it with a
heartbeat; a second one started by mistake (on this machine or another) runs no job while the first is alive, and
takes over within `TTL` of its stopping. Every job checks the lease before it runs, so no job runs in two places.
The heartbeat and the last job run are what `/healthz` and the channel health page report.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.core.dbutil import insert_or_ignore
from feedback.core.transactions import commits
from feedback.ops.models import SchedulerLease

NAME = "scheduler"
TTL = timedelta(seconds=90)
HEARTBEAT_SECONDS = 20.0


@commits("the lease says which scheduler runs: every other process must see it at once")
def hold(session: Session, holder: str, now: datetime, ttl: timedelta = TTL) -> bool:
    """Take or renew the lease for `holder` (committed). False while another holder's heartbeat is fresh."""
    session.execute(
        insert_or_ignore(session, SchedulerLease, ["name"]), {"name": NAME, "holder": holder, "heartbeat_at": now}
    )
    lease = session.scalars(select(SchedulerLease).where(SchedulerLease.name == NAME).with_for_update()).one()
    mine = lease.holder == holder or lease.heartbeat_at <= now - ttl
    if mine:
        lease.holder = holder
        lease.heartbeat_at = now
    session.commit()
    return mine


@commits("when a job last ran is read by every process")
def job_ran(session: Session, job: str, now: datetime) -> None:
    lease = session.get(SchedulerLease, NAME)
    if lease is not None:
        lease.last_job, lease.last_job_at = job, now
    session.commit()


def current(session: Session) -> SchedulerLease | None:
    return session.get(SchedulerLease, NAME)

"""`GET /healthz`, for a load balancer and for monitoring: 200 with the database answering, the outbox backlog
(messages due and not yet sent), the texts waiting to be handled and the scheduler's heartbeat; 503 when the
database does not answer. Public on purpose: it says nothing about any young person."""

from __future__ import annotations

import logging

from flask import Blueprint
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from feedback.core.clock import now
from feedback.extensions import current_session, db
from feedback.messages import channel_health, inbound, outbox

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    moment = now()
    try:
        db.session.execute(text("SELECT 1"))
        backlog = outbox.backlog(current_session(), moment)
        texts = inbound.waiting(current_session(), moment)
        scheduler = channel_health.scheduler_state(current_session(), moment)
    except SQLAlchemyError:
        log.exception("database health check failed")
        db.session.rollback()
        return {"status": "unavailable", "database": "error"}, 503
    return {
        "status": "ok",
        "database": "ok",
        "outbox_backlog": backlog,
        # Texts stored and not handled yet: rising, or an old oldest, means no worker is running.
        "texts_waiting": texts.texts,
        "oldest_text_waiting_seconds": texts.oldest_seconds,
        "scheduler": {
            "running": scheduler is not None and scheduler.running,
            "heartbeat_age_seconds": None if scheduler is None else round(scheduler.heartbeat_age.total_seconds()),
            "last_job": None if scheduler is None else scheduler.last_job,
            "last_job_at": None
            if scheduler is None or scheduler.last_job_at is None
            else scheduler.last_job_at.isoformat(),
        },
    }, 200

"""The nightly tidy-up of what the service no longer needs: personal links long expired or revoked (their hashes
say nothing, but there is no reason to keep them). The retention policy for young people's words and identifiers
(`people.privacy.apply_retention`) runs in the same nightly job."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlalchemy.orm import Session

from feedback.people.models import PersonalLink

# An expired or revoked link opens nothing, and an unknown one looks the same to whoever holds it, so nothing is
# lost when it goes; a day's grace keeps the job clear of a link being checked at that moment.
DEAD_LINKS_KEPT = timedelta(days=1)


def apply(session: Session, *, now: datetime) -> int:
    """Remove what has outlived its use; returns how many rows went (the caller commits)."""
    cutoff = now - DEAD_LINKS_KEPT
    result = session.execute(
        delete(PersonalLink)
        .where(or_(PersonalLink.expires_at <= cutoff, PersonalLink.revoked_at <= cutoff))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]

"""Database helpers that differ by dialect, written once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_or_ignore(session: Session, model: Any, index_elements: Sequence[str]) -> Any:
    """An INSERT for `model`'s table that skips rows clashing with the unique index on `index_elements`.

    It is how concurrent requests (a webhook and Twilio's retry of it, two senders) create a row at most once
    without a lock: the database decides, and the loser simply finds the row that is there. It is a Core insert
    (the table, not the mapped class): pass the rows to `session.execute`, and no ORM bookkeeping is done.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model.__table__).on_conflict_do_nothing(index_elements=list(index_elements))
    if dialect == "sqlite":
        return sqlite.insert(model.__table__).on_conflict_do_nothing(index_elements=list(index_elements))
    raise NotImplementedError(f"unsupported database {dialect}")

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
    return _insert(session, model).on_conflict_do_nothing(index_elements=list(index_elements))


def upsert_adding(
    session: Session, model: Any, index_elements: Sequence[str], counters: Sequence[str], rows: list[dict[str, Any]]
) -> None:
    """Insert each row, or where one clashes with the unique index on `index_elements`, add its `counters` to the
    row that is there. One statement per row, run together; the database adds under the row's lock, so two
    transactions adding to the same row at once both count. Give rows in one fixed order (the index's) so that
    two such transactions never wait on each other in a circle."""
    statement = _insert(session, model)
    table = model.__table__
    statement = statement.on_conflict_do_update(
        index_elements=list(index_elements),
        set_={name: table.c[name] + statement.excluded[name] for name in counters},
    )
    session.execute(statement, rows)


def _insert(session: Session, model: Any) -> Any:
    """The dialect's own INSERT for `model`'s table, the one that knows ON CONFLICT."""
    return dialect_insert(session.get_bind().dialect.name, model.__table__)


def dialect_insert(dialect: str, table: Any) -> Any:
    """The INSERT of the dialect named `dialect` for `table`, the one that knows ON CONFLICT."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"unsupported database {dialect}")

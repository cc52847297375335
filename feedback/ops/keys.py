"""Rotating the encryption key without stopping the service.

1. Set `ENCRYPTION_KEY` to a new key and `ENCRYPTION_OLD_KEYS` to the old one, and restart the web workers,
   senders and scheduler one by one: each reads text under either key and writes under the new one, and finds a
   phone number, a personal link or an API token by either key's hash.
2. Run `feedback keys rotate`: every encrypted value in the database is re-encrypted under the new key, in
   batches, each committed on its own (it can be stopped and run again), and every phone number's lookup hash is
   recomputed.
3. Personal links and API tokens cannot be re-hashed (only their hashes are kept): they keep working while the
   old key is in `ENCRYPTION_OLD_KEYS`. Remove it once the links have expired (PERSONAL_LINK_DAYS) and API tokens
   have been issued again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from feedback.core.crypto import Cipher
from feedback.core.db_types import EncryptedJSON, EncryptedText
from feedback.core.errors import FeedbackError
from feedback.core.transactions import commits
from feedback.extensions import db

BATCH = 500


class NotRotating(FeedbackError, RuntimeError):
    """No previous key is configured: there is nothing to rotate from."""


@dataclass
class Rotated:
    values: dict[str, int] = field(default_factory=dict)  # "table.column" -> values re-encrypted
    phone_hashes: int = 0

    @property
    def total(self) -> int:
        return sum(self.values.values())


def encrypted_columns() -> Iterator[tuple[str, str]]:
    """Every (table, column) stored encrypted, found from the models' own column types."""
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedText | EncryptedJSON):
                yield table.name, column.name


@commits("a key rotation runs in batches, each kept as it is done, so a stop part-way loses nothing")
def rotate(session: Session, cipher: Cipher, *, batch: int = BATCH) -> Rotated:
    """Re-encrypt everything under the current key and recompute phone lookup hashes (commits batch by batch)."""
    if not cipher.rotating:
        raise NotRotating("set ENCRYPTION_OLD_KEYS to the previous key (and ENCRYPTION_KEY to the new one) first")
    done = Rotated()
    for table_name, column_name in encrypted_columns():
        table = sa.table(table_name, sa.column("id"), sa.column(column_name))
        value = table.c[column_name]
        count, last = 0, 0
        while True:
            rows = session.execute(
                sa.select(table.c.id, value)
                .where(table.c.id > last, value.is_not(None))
                .order_by(table.c.id)
                .limit(batch)
            ).all()
            if not rows:
                break
            session.execute(
                table.update().where(table.c.id == sa.bindparam("row_id")).values({column_name: sa.bindparam("v")}),
                [{"row_id": row_id, "v": cipher.rotate(token)} for row_id, token in rows],
            )
            session.commit()
            count += len(rows)
            last = rows[-1][0]
        done.values[f"{table_name}.{column_name}"] = count
    done.phone_hashes = _rehash_phones(session, cipher, batch)
    return done


@commits("a key rotation runs in batches, each kept as it is done, so a stop part-way loses nothing")
def _rehash_phones(session: Session, cipher: Cipher, batch: int) -> int:
    person = sa.table("person", sa.column("id"), sa.column("phone"), sa.column("phone_hash"))
    count, last = 0, 0
    while True:
        rows = session.execute(
            sa.select(person.c.id, person.c.phone)
            .where(person.c.id > last, person.c.phone.is_not(None))
            .order_by(person.c.id)
            .limit(batch)
        ).all()
        if not rows:
            return count
        session.execute(
            person.update().where(person.c.id == sa.bindparam("row_id")).values(phone_hash=sa.bindparam("h")),
            [{"row_id": row_id, "h": cipher.lookup_hash(cipher.decrypt(token))} for row_id, token in rows],
        )
        session.commit()
        count += len(rows)
        last = rows[-1][0]

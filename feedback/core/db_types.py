"""Column types shared by the models: UTC timestamps and text encrypted at rest."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from flask import current_app
from sqlalchemy import CheckConstraint, DateTime, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from feedback.core.crypto import Cipher

CIPHER_EXTENSION = "feedback.cipher"


def current_cipher() -> Cipher:
    """The cipher of the running app (set up in `create_app` from ENCRYPTION_KEY)."""
    cipher: Cipher = current_app.extensions[CIPHER_EXTENSION]
    return cipher


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite keeps no zone, so values are stored as naive UTC there and made aware again when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous: pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EncryptedText(TypeDecorator[str]):
    """Text encrypted with the app's ENCRYPTION_KEY before it reaches the database.

    It cannot be searched or grouped in SQL; anything that must be looked up has a keyed hash beside it.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return current_cipher().encrypt(str(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return current_cipher().decrypt(value)


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON value (a list or an object) encrypted like `EncryptedText`: for what is made from a young person's
    words, such as the key phrases the analysis found."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return current_cipher().encrypt(json.dumps(value, ensure_ascii=False))

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return json.loads(current_cipher().decrypt(value))


def one_of(column: str, values: type[StrEnum], name: str | None = None) -> CheckConstraint:
    """A CHECK that `column` holds one of the enum's values and nothing else, named ck_<table>_<column> by the
    naming convention (`name` only for the checks migration 0015 made, whose names the convention doubled)."""
    listed = ", ".join(f"'{value.value}'" for value in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name or column)

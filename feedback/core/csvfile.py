"""Reading a CSV file staff upload or import (the register, advocacy offers): every problem named by row and
field, as a spreadsheet numbers them (the header is row 1), and never by repeating what a cell held, because a
phone number pasted into the wrong column must not end up on a screen or in a log.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from feedback.core.errors import Invalid

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_day(value: str) -> date:
    """A date written YYYY-MM-DD (as a spreadsheet's ISO dates and a browser's date box send it). Raises
    ValueError saying what is wrong, in words that never repeat the value."""
    if not _ISO_DATE.fullmatch(value):
        raise ValueError("is not a date written YYYY-MM-DD, such as 2026-03-31")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("is not a real date") from None


@dataclass(frozen=True)
class RowError:
    """One problem: the row (None for the file as a whole), the field (None for the whole row) and what is wrong."""

    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = "the file" if self.row is None else f"row {self.row}"
        return f"{where}, {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


@dataclass
class CheckedRow:
    """One row of a file (or one form, `number` None) as it is checked: each import adds what its fields mean."""

    number: int | None
    errors: list[RowError] = field(default_factory=list)

    def fail(self, column: str | None, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))


@dataclass
class Loaded:
    """What an import loaded; with skip_bad, also the problems of the rows it left out."""

    skipped: list[RowError] = field(default_factory=list)

    @property
    def skipped_rows(self) -> int:
        return len({error.row for error in self.skipped})


class FileError(Invalid):
    """A file that was not loaded. `errors` names every bad row and field; nothing was written by the import
    (after a failure while writing, the caller rolls the session back)."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(error) for error in self.errors))


def decode(data: bytes, error: type[FileError] = FileError) -> str:
    """A file's bytes as text: UTF-8, with or without the byte order mark spreadsheets write."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error([RowError(None, None, "is not UTF-8 text; save it from the spreadsheet as CSV UTF-8")]) from exc


def read_rows(
    text: str,
    columns: Sequence[str],
    error: type[FileError] = FileError,
    *,
    what: str = "the",
    optional: Sequence[str] = (),
) -> list[tuple[int, dict[str, str]]]:
    """The data rows, numbered as in a spreadsheet, as column -> stripped cell. Blank rows (a spreadsheet's
    trailing empty lines) are left out; a row with the wrong number of cells is given as what is wrong with it,
    under the key "". The header must hold every column once, in any order, and may hold each of the `optional`
    ones once (a row has "" for one the header leaves out). `what` names the file's columns in messages ("the
    register's")."""
    # Strict: a quote left open would otherwise swallow the rest of the file into one cell.
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append(record)
    except csv.Error as exc:
        # csv's own message can quote the line; this one does not.
        message = "cannot be read as CSV (a quote may be missing, or a cell be far too long)"
        raise error([RowError(len(records) + 1, None, message)]) from exc
    if not records or not any(cell.strip() for cell in records[0]):
        raise error([RowError(1, None, f"the first row must be the header: {','.join(columns)}")])
    names = _header(records[0], columns, error, what, optional)
    absent = dict.fromkeys((column for column in optional if column not in names), "")
    rows: list[tuple[int, dict[str, str]]] = []
    for number, cells in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(names):
            rows.append((number, {"": f"has {len(cells)} cells where the header has {len(names)}"}))
        else:
            rows.append((number, {column: cell.strip() for column, cell in zip(names, cells, strict=True)} | absent))
    return rows


def _header(
    header: list[str], columns: Sequence[str], error: type[FileError], what: str, optional: Sequence[str] = ()
) -> list[str]:
    names = [cell.strip().lower() for cell in header]
    known = (*columns, *optional)
    errors = [
        # The name is not repeated: a file without its header would have a phone number or a reference here.
        RowError(1, None, f"column {letter(index)} is not one of {what} columns ({', '.join(known)})")
        for index, name in enumerate(names)
        if name not in known
    ]
    errors += [RowError(1, column, "is missing from the header") for column in columns if column not in names]
    errors += [RowError(1, column, "is in the header twice") for column in known if names.count(column) > 1]
    if errors:
        raise error(errors)
    return names


def letter(index: int) -> str:
    """A spreadsheet's name for the column at `index` (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters

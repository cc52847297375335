"""What several features' commands share: the ISO 8601 moment their `--now` takes, the `report` group that more than
one feature adds a report to, and the way a CSV import says what it loaded or why it loaded nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from feedback.core.clock import now
from feedback.core.csvfile import FileError, Loaded
from feedback.extensions import db


class Instant(click.ParamType):
    """An ISO 8601 moment; without a zone it is taken as UTC."""

    name = "ISO8601"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 date and time, such as 2026-12-01T17:00:00+00:00", param, ctx)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def now_or(value: datetime | None) -> datetime:
    """The moment a command's `--now` gave, or the clock's."""
    return value or now()


@click.group("report")
def report_group() -> None:
    """Summaries, with small numbers hidden as on the pages."""


def import_refused(ctx: click.Context, file: Path, exc: FileError, *, skip_bad: bool) -> NoReturn:
    """An import that loaded nothing: every bad row and field on standard error, and exit 1."""
    db.session.rollback()
    for error in exc.errors:
        click.echo(str(error), err=True)
    rows_only = all(error.row is not None and error.row > 1 for error in exc.errors)
    hint = " Fix the rows above, or load the good ones with --skip-bad." if rows_only and not skip_bad else ""
    click.echo(f"{file.name}: nothing was imported.{hint}", err=True)
    ctx.exit(1)


def import_loaded(result: Loaded, summary: str, *, skip_bad: bool, rows: str = "") -> None:
    """What an import loaded, and with --skip-bad every row it left out and why (on standard error)."""
    for error in result.skipped:
        click.echo(f"Skipped {error}", err=True)
    if skip_bad:
        summary += f", skipped {result.skipped_rows}{rows}"
    click.echo(summary + ".")

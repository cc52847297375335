"""Commands for independent advocacy: loading offers made before this service, and the report on the share of young
people offered or accepting it (`report advocacy`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from feedback.advocacy import operations as advocacy
from feedback.core.clock import local_date, now
from feedback.core.commands import import_loaded, import_refused, report_group
from feedback.extensions import current_session, db


@click.group("advocacy")
def advocacy_group() -> None:
    """Offers of independent advocacy."""


@advocacy_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-bad", is_flag=True, help="Load the good rows and report the bad ones, instead of loading none.")
@with_appcontext
@click.pass_context
def advocacy_import(ctx: click.Context, file: Path, skip_bad: bool) -> None:
    """Load offers of advocacy made before this service from a CSV FILE with the header
    ref,offered_on,offered_by,context,response.

    Every young person must be on the register already. Every row is checked first and every problem reported by
    row and field; nothing is loaded unless the whole file is good, or with --skip-bad the good rows are. An
    offer already logged (the same young person, date and context) is refused, never counted twice.
    """
    try:
        result = advocacy.import_offers(
            current_session(),
            advocacy.decode(file.read_bytes()),
            now=now(),
            skip_bad=skip_bad,
        )
        db.session.commit()
    except advocacy.OfferFileError as exc:
        import_refused(ctx, file, exc, skip_bad=skip_bad)
    import_loaded(result, f"Added {result.added} offers", skip_bad=skip_bad, rows=" rows")


@report_group.command("advocacy")
@click.option("--since", help="First day, YYYY-MM-DD (default: a year before --until).")
@click.option("--until", help="Last day, YYYY-MM-DD (default: today).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@with_appcontext
def report_advocacy(since: str | None, until: str | None, fmt: str) -> None:
    """The share of eligible young people offered or accepting advocacy in the period, against ADVOCACY_TARGET:
    overall, by locality, care setting and age band, and offers by month. For managers: not suppressed."""
    try:
        first, last = advocacy.parse_period(since, until, today=local_date(now()))
    except advocacy.PeriodError as error:
        raise click.UsageError(str(error)) from None
    result = advocacy.report(
        current_session(),
        since=first,
        until=last,
        target=float(current_app.config["ADVOCACY_TARGET"]),
        localities=current_app.config["LOCALITIES"],
    )
    if fmt == "json":
        click.echo(json.dumps(advocacy.report_document(result), indent=2, ensure_ascii=False))
    else:
        advocacy.write_csv(advocacy.report_rows(result), sys.stdout)


COMMANDS = (advocacy_group,)

"""Commands for messages: delivering the messages waiting to be sent, once, for cron or by hand, and bringing in
views collected before the service."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from feedback.core.clock import LOCAL_TIME, now
from feedback.core.commands import Instant, import_loaded, import_refused, now_or
from feedback.extensions import current_session, db
from feedback.messages import history, outbox
from feedback.ops import runner


@click.group("outbox")
def outbox_group() -> None:
    """Messages waiting to be sent."""


@outbox_group.command("flush")
@click.option("--now", "moment", type=Instant(), help="Act as if it were this moment (ISO 8601).")
@with_appcontext
def outbox_flush(moment: datetime | None) -> None:
    """Deliver everything due and exit; in quiet hours (as of --now), only replies to young people's own texts."""
    at = now_or(moment)
    quiet = outbox.QuietHours.from_config(current_app.config)
    report = outbox.flush(
        current_session(),
        runner.configured_sender(),
        now=at,
        retry=runner.retry_policy(),
        quiet=quiet,
        pacer=runner.pacer_from_config(current_app.config),
    )
    click.echo(
        f"Sent {report.sent}, simulated {report.simulated}, skipped {report.skipped} (opted out), "
        f"failed {report.failed}, unconfirmed {report.unconfirmed}, retrying later {report.retrying}."
    )
    if report.held:
        morning = quiet.ends_after(at).astimezone(LOCAL_TIME)
        click.echo(f"Holding {report.held} until {morning:%H:%M} on {morning:%-d %B} (quiet hours).")
    for code, count in sorted(report.error_codes.items()):
        click.echo(f"  Twilio error {code}: {count}")


@click.group("messages")
def messages_group() -> None:
    """What young people sent."""


@messages_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-bad", is_flag=True, help="Import the good rows and report the bad ones, not none.")
@with_appcontext
@click.pass_context
def messages_import(ctx: click.Context, file: Path, skip_bad: bool) -> None:
    """Bring in views collected before the service from a CSV FILE with the header received_at,text and, if
    wanted, any of ref,source,locality,age_band,care_setting (see docs/operations.md).

    Every row is checked first and every problem reported by row and field. Nothing is imported unless the whole
    file is good, or with --skip-bad the good rows are. A row imported before is not imported again. What is
    imported is screened (a concern becomes an alert for review, telling nobody) and filed against themes in the
    quarter it was said in.
    """
    session = current_session()
    at = now()
    try:
        result = history.import_history(
            session,
            history.decode(file.read_bytes()),
            localities=current_app.config["LOCALITIES"],
            now=at,
            skip_bad=skip_bad,
            retention_days=current_app.config["MESSAGE_RETENTION_DAYS"],
        )
        db.session.commit()
    except history.HistoryFileError as exc:
        import_refused(ctx, file, exc, skip_bad=skip_bad)
    summary = f"Imported {result.added} (batch {result.batch}), {result.already} imported before"
    import_loaded(result, summary, skip_bad=skip_bad)
    if result.added:
        others = result.added - result.on_register
        click.echo(f"{result.on_register} from young people on the register, {others} with an anonymous record each.")
    if result.concerns:
        click.echo(
            f"{result.concerns} may show a concern: each is an alert for review (/staff/alerts), at the least urgent "
            "severity. Nobody was emailed, texted or paged."
        )
    analysed = history.analyse_imported(session, result.message_ids, now=at)
    click.echo(f"Analysed {analysed}: each is filed in the quarter it was said in.")
    if result.past_retention:
        click.echo(
            f"{result.past_retention} were said more than MESSAGE_RETENTION_DAYS ago: their words go at the next "
            "nightly retention run, and their themes stay."
        )


COMMANDS = (outbox_group, messages_group)

"""Commands for the outbox: delivering the messages waiting to be sent, once, for cron or by hand."""

from __future__ import annotations

from datetime import datetime

import click
from flask import current_app
from flask.cli import with_appcontext

from feedback.core.clock import LOCAL_TIME
from feedback.core.commands import Instant, now_or
from feedback.extensions import current_session
from feedback.messages import outbox
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


COMMANDS = (outbox_group,)

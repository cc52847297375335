"""Commands for safeguarding alerts: moving those left unacknowledged up the escalation ladder, for cron or by
hand."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext

from feedback.core.commands import Instant, now_or
from feedback.ops import runner


@click.group("alerts")
def alerts_group() -> None:
    """Safeguarding alerts."""


@alerts_group.command("escalate")
@click.option("--now", "moment", type=Instant(), help="Act as if it were this moment (ISO 8601).")
@with_appcontext
def alerts_escalate(moment: datetime | None) -> None:
    """Move risk alerts unacknowledged for SAFEGUARDING_ESCALATION_MINUTES up the escalation ladder (the managers,
    then the out-of-hours service and the head of service); `feedback worker` sends the emails and texts."""
    count = runner.escalate_alerts(now_or(moment))
    click.echo(f"Escalated {count} alerts.")


COMMANDS = (alerts_group,)

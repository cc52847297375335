"""Commands for statements from young people to their workers: escalating those left unread, for cron or by hand."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext

from feedback.core.commands import Instant, now_or
from feedback.ops import runner


@click.group("statements")
def statements_group() -> None:
    """Statements from young people to their workers."""


@statements_group.command("escalate")
@click.option("--now", "moment", type=Instant(), help="Act as if it were this moment (ISO 8601).")
@with_appcontext
def statements_escalate(moment: datetime | None) -> None:
    """Escalate statements unread after STATEMENT_ESCALATION_WORKING_DAYS to their team's managers."""
    count = runner.escalate_statements(now_or(moment))
    click.echo(f"Escalated {count} statements; their managers are told by email.")


COMMANDS = (statements_group,)

"""The `feedback` command: Flask's own (`run`, `db`, `shell`, `routes`) and the service's, each feature's in its own
`cli` module (`feedback/surveys/cli.py`, ...).

Commands print counts and pseudonyms, never a phone number or a message body.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup
from flask_migrate.cli import db as migrations

import feedback.accounts.cli
import feedback.advocacy.cli
import feedback.insight.cli
import feedback.messages.cli
import feedback.ops.cli
import feedback.people.cli
import feedback.safeguarding.cli
import feedback.statements.cli
import feedback.surveys.cli
from feedback import config as settings
from feedback import create_app
from feedback.config import ConfigurationError
from feedback.core.commands import report_group
from feedback.insight.cli import analyse_command


def _create_app() -> Any:
    try:
        return create_app(_migration_settings())
    except ConfigurationError as exc:
        # A setting is missing or unsafe: say which, plainly, rather than with a traceback.
        raise click.ClickException(str(exc)) from exc


def _migration_settings() -> dict[str, Any] | None:
    """`feedback db ...` connects as the role that owns the tables (MIGRATION_DATABASE_URL) when it is set: the app's
    own role (DATABASE_URL), which every other command and process uses, may not change the schema."""
    context = click.get_current_context(silent=True)
    if context is None or context.find_root().invoked_subcommand != migrations.name:
        return None
    url = settings.migration_database_url(settings.environment())
    return {"SQLALCHEMY_DATABASE_URI": url} if url else None


cli = FlaskGroup(
    create_app=_create_app,
    help="Collect and file the views of care experienced young people (SMS and web).",
)
# Flask-Migrate's `db` commands, found without loading the app, so that the app is built knowing it migrates.
cli.add_command(migrations)
# `analyse` needs neither the app nor a database: found on the root group, `feedback analyse` never builds the app.
cli.add_command(analyse_command)


def register(app: Flask) -> None:
    """Add the service's commands to the app's CLI (`feedback ...`, and `flask ...` too)."""
    for feature in (
        feedback.ops.cli,
        feedback.surveys.cli,
        feedback.messages.cli,
        feedback.accounts.cli,
        feedback.people.cli,
        feedback.advocacy.cli,
        feedback.statements.cli,
        feedback.safeguarding.cli,
        feedback.insight.cli,
    ):
        for command in feature.COMMANDS:
            app.cli.add_command(command)
    # Shared: insight adds `report themes` to it and advocacy `report advocacy`.
    app.cli.add_command(report_group)

"""Commands that set up and run the service: the defaults a new installation starts with, the worker and the
scheduler, their periodic jobs one at a time, and the encryption key's rotation."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from feedback.audit import operations as audit
from feedback.core.clock import now
from feedback.core.db_types import current_cipher
from feedback.extensions import current_session, db
from feedback.ops import defaults, keys, runner


@click.group("defaults")
def defaults_group() -> None:
    """The theme taxonomy and example survey a new installation starts with."""


@defaults_group.command("load")
@with_appcontext
def defaults_load() -> None:
    """Add the default themes and example survey that are missing (safe to run again)."""
    report = defaults.load_defaults(current_session(), current_app.config["DUTY_TEAM_NAME"])
    db.session.commit()
    added = ", ".join(report.surveys_added) or "none"
    click.echo(f"Themes added: {report.themes_added}. Example surveys added: {added}.")


@click.command("worker")
@click.option("--interval", type=click.FloatRange(min=0.1), default=2.0, show_default=True, help="Seconds idle.")
@with_appcontext
@click.option("--once", is_flag=True, help="Work until nothing is left, then exit (for cron).")
def worker(interval: float, once: bool) -> None:
    """Keep delivering the outbox, picking up stored messages whose handling failed, and analysing new messages."""
    if once:
        done = runner.work_until_idle()
        click.echo(f"Done: {done} messages handled, sent or analysed.")
        return
    runner.run_worker(interval)


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Run the scheduled surveys and the periodic jobs (reminders, expiry, escalations, the nightly retention)
    with APScheduler, its jobs in the database. Run exactly one: a second waits while the first is alive."""
    runner.run_scheduler()


@click.group("keys")
def keys_group() -> None:
    """The encryption key."""


@keys_group.command("rotate")
@with_appcontext
def keys_rotate() -> None:
    """Re-encrypt everything under ENCRYPTION_KEY, reading what ENCRYPTION_OLD_KEYS wrote; safe to run again."""
    cipher = current_cipher()
    try:
        done = keys.rotate(current_session(), cipher)
    except keys.NotRotating as exc:
        raise click.UsageError(str(exc)) from exc
    audit.record(current_session(), "keys-rotated", now=now(), values=done.total, phones=done.phone_hashes)
    db.session.commit()
    click.echo(
        f"Re-encrypted {done.total} values in {len(done.values)} columns and re-hashed {done.phone_hashes} phone "
        "numbers under the new key. Keep the old key in ENCRYPTION_OLD_KEYS until personal links have expired "
        "and API tokens have been issued again."
    )


@click.group("jobs")
def jobs_group() -> None:
    """The scheduler's periodic jobs, one at a time (for cron, instead of `feedback scheduler`)."""


@jobs_group.command("run")
@click.argument("name", type=click.Choice(sorted(runner.JOBS)))
@with_appcontext
def jobs_run(name: str) -> None:
    """Run job NAME once now, here, unless a running `feedback scheduler` holds the lease."""
    if not runner.run_job_here(name):
        raise click.ClickException("a `feedback scheduler` is running: it runs this job; nothing was done")
    click.echo(f"Ran {name}.")


COMMANDS = (defaults_group, worker, scheduler, jobs_group, keys_group)

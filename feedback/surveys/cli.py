"""Commands for surveys: importing, listing, exporting and sending them, scheduling them, expiring the
conversations they leave silent, and exporting the answers."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from feedback.audit import operations as audit
from feedback.config import ConfigurationError
from feedback.core.clock import LOCAL_TIME, now
from feedback.core.commands import Instant
from feedback.extensions import current_session, db
from feedback.ops import runner
from feedback.people import operations as people
from feedback.surveys import export, schedules, sending
from feedback.surveys import operations as surveys


@click.group("surveys")
def surveys_group() -> None:
    """Import, list, export and send surveys."""


@surveys_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def surveys_import(file: Path) -> None:
    """Import a survey from a JSON or YAML FILE as its next version."""
    try:
        result = surveys.import_survey(current_session(), surveys.read_definition(file))
        db.session.commit()
    except surveys.SurveyFileError as exc:
        db.session.rollback()
        raise click.ClickException(f"{file}: {exc}. Nothing was imported.") from exc
    for warning in result.warnings:
        click.echo(f"Warning: {warning}", err=True)
    version = result.version
    click.echo(f"Imported {version.survey.slug} version {version.number} ({version.status}).")


@surveys_group.command("list")
@with_appcontext
def surveys_list() -> None:
    """List surveys with their current version, status and keyword."""
    rows = surveys.list_surveys(current_session())
    if not rows:
        click.echo("No surveys yet: import one with `feedback surveys import FILE`.")
        return
    click.echo(f"{'slug':<28} {'current':>7} {'versions':>8}  {'status':<9} {'keyword':<10} title")
    for row in rows:
        current = str(row.current) if row.current else "-"
        click.echo(
            f"{row.slug:<28} {current:>7} {row.versions:>8}  {row.status:<9} {row.keyword or '-':<10} {row.title}"
        )


@surveys_group.command("export")
@click.argument("slug")
@click.option("--version", "number", type=click.IntRange(min=1), help="A version number (default: current).")
@with_appcontext
def surveys_export(slug: str, number: int | None) -> None:
    """Print a survey's definition as JSON, ready to import again."""
    try:
        version = surveys.get_version(current_session(), slug, number)
    except surveys.SurveyNotFound as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(surveys.export_definition(version), indent=2, ensure_ascii=False))


@surveys_group.command("send")
@click.argument("slug")
@click.option("--to", "numbers", multiple=True, metavar="NUMBER", help="A phone number; repeat for more.")
@click.option("--all", "everyone", is_flag=True, help="Everyone who has not opted out.")
@click.option("--occurrence", help="Name this send; the same survey is never sent twice for one occurrence.")
@with_appcontext
def surveys_send(slug: str, numbers: tuple[str, ...], everyone: bool, occurrence: str | None) -> None:
    """Queue the first message of a survey for some young people (delivered by the outbox)."""
    if bool(numbers) == everyone:
        raise click.UsageError("Give --to NUMBER (one or more) or --all, not both.")
    try:
        version = surveys.current_version(current_session(), slug)
        if everyone:
            person_ids = sending.everyone_opted_in(current_session())
        else:
            person_ids = [p.id for p in sending.people_for_numbers(current_session(), numbers)]
    except surveys.SurveyNotFound as exc:
        raise click.ClickException(str(exc)) from exc
    except people.InvalidPhoneNumber as exc:
        db.session.rollback()
        raise click.BadParameter(
            f"one of the numbers is not valid ({exc}); nothing was queued", param_hint="--to"
        ) from exc
    try:
        report = sending.send_survey(
            current_session(),
            version,
            person_ids,
            occurrence=occurrence or sending.default_occurrence(version),
            now=now(),
            links_to=sending.LinkSettings.from_config(current_app.config),
        )
    except (sending.NotSendable, ConfigurationError) as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc}; nothing was queued") from exc
    db.session.commit()
    click.echo(
        f"Queued {report.queued}; skipped {report.not_textable} who may not be texted (opted out or no consent) "
        f"and {report.already_sent} already sent this occurrence. "
        "`feedback outbox flush` or `feedback worker` delivers them."
    )


# --- schedules ----------------------------------------------------------------------------------------------


@click.group("schedules")
def schedules_group() -> None:
    """Surveys that go out on their own, once or on a recurring rule."""


@schedules_group.command("add")
@click.argument("slug")
@click.option("--cron", help='A recurring rule in UK time: minute hour day month weekday, e.g. "0 17 1-7 * mon".')
@click.option("--at", "at", type=Instant(), help="Send it once, at this moment (ISO 8601).")
@click.option(
    "--group",
    default="everyone",
    show_default=True,
    help="everyone, or locality:NAME[,NAME], care-setting:..., age-band:..., refs:REF[,REF].",
)
@with_appcontext
def schedules_add(slug: str, cron: str | None, at: datetime | None, group: str) -> None:
    """Schedule survey SLUG for a group of young people."""
    try:
        chosen = schedules.parse_group(group, localities=current_app.config["LOCALITIES"])
        schedule = schedules.add(current_session(), slug, cron=cron, at=at, group=chosen, now=now())
    except schedules.ScheduleError as exc:
        db.session.rollback()
        raise click.UsageError(f"{exc}; nothing was scheduled") from exc
    db.session.commit()
    assert schedule.next_run_at is not None  # noqa: S101 - a new schedule is always due some time
    click.echo(
        f"Schedule {schedule.id}: {slug} for {chosen.describe()}, next at {_local(schedule.next_run_at)} (UK time)."
    )


@schedules_group.command("list")
@with_appcontext
def schedules_list() -> None:
    """The schedules that will run, the next due first."""
    found = schedules.listed(current_session())
    if not found:
        click.echo("No schedules.")
    for schedule in found:
        rule = f"{schedules.in_words(schedule.cron) or 'on a rule'} ({schedule.cron})" if schedule.cron else "once"
        nxt = _local(schedule.next_run_at) if schedule.next_run_at else "never"
        last = (
            f"; last run {_local(schedule.last_run_at)} queued {schedule.last_queued}" if schedule.last_run_at else ""
        )
        group = schedules.group_of(schedule).describe()
        click.echo(f"{schedule.id}\t{schedule.survey.slug}\t{rule}\tfor {group}\tnext {nxt}{last}")


@schedules_group.command("remove")
@click.argument("schedule_id", type=int)
@with_appcontext
def schedules_remove(schedule_id: int) -> None:
    """Stop schedule ID (what it already sent stays)."""
    try:
        schedules.remove(current_session(), schedule_id)
    except schedules.ScheduleNotFound:
        raise click.UsageError(f"there is no schedule {schedule_id} (see `feedback schedules list`)") from None
    db.session.commit()
    click.echo(f"Removed schedule {schedule_id}.")


@schedules_group.command("run-due")
@click.option("--now", "moment", type=Instant(), help="Act as if it were this moment (ISO 8601).")
@with_appcontext
def schedules_run_due(moment: datetime | None) -> None:
    """Send whatever is due at this moment, once, and exit (for cron, or to check a schedule). Running it again
    for the same moment sends nothing more."""
    runs = runner.run_due_schedules(moment)
    if not runs:
        click.echo("Nothing due.")
    for run in runs:
        missed = f" (caught up once for {run.missed} missed)" if run.missed else ""
        click.echo(
            f"Schedule {run.schedule_id}: {run.survey} due {_local(run.due_at)}{missed}: queued {run.report.queued}, "
            f"already sent {run.report.already_sent}, may not be texted {run.report.not_textable}."
        )


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(LOCAL_TIME):%Y-%m-%d %H:%M}"


@click.group("conversations")
def conversations_group() -> None:
    """Conversations in progress."""


@conversations_group.command("expire")
@click.option("--now", "moment", type=Instant(), help="Act as if it were this moment (ISO 8601).")
@with_appcontext
def conversations_expire(moment: datetime | None) -> None:
    """Expire conversations silent for longer than CONVERSATION_TIMEOUT_HOURS."""
    count = runner.expire_conversations(moment)
    click.echo(f"Expired {count} conversations.")


# --- responses ----------------------------------------------------------------------------------------------


@click.group("responses")
def responses_group() -> None:
    """Answers to surveys."""


@responses_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("--output", type=click.File("w", encoding="utf-8"), default="-", help="A file (default: stdout).")
@with_appcontext
def responses_export(fmt: str, output: Any) -> None:
    """Write every answer with a pseudonymous respondent id (never a phone number)."""
    rows = export.iter_responses(current_session())
    count = export.write_csv(rows, output) if fmt == "csv" else export.write_jsonl(rows, output)
    audit.record(current_session(), "export", now=now(), subject_type="responses", answers=count, format=fmt)
    db.session.commit()
    click.echo(f"Exported {count} answers.", err=True)


COMMANDS = (surveys_group, conversations_group, responses_group, schedules_group)

"""The `feedback` command: Flask's own (`run`, `db`, `shell`, `routes`) and the service's.

Commands print counts and pseudonyms, never a phone number or a message body.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext
from flask_migrate.cli import db as migrations
from sqlalchemy import select

from feedback import config as settings
from feedback import create_app, runner
from feedback.clock import LOCAL_TIME
from feedback.clock import now as clock_now
from feedback.config import ConfigurationError, public_base_url
from feedback.db_types import current_cipher
from feedback.extensions import current_session, db
from feedback.models import Team
from feedback.services import advocacy as advocacy_service
from feedback.services import (
    audit,
    conversations,
    defaults,
    export,
    keys,
    links,
    outbox,
    people,
    privacy,
    schedules,
    sending,
    staff,
    surveys,
    tokens,
)
from feedback.services import register as register_service
from feedback.services import summary as summaries
from feedback.services.csvfile import FileError
from feedback.services.csvfile import Loaded as FileLoaded


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


@cli.command("analyse", with_appcontext=False)
@click.option("--input", "source", type=click.File("r", encoding="utf-8"), default="-", help="Default: standard input.")
@click.option("--pending", is_flag=True, help="Analyse stored messages not analysed yet (the worker does this too).")
@click.option("--reprocess", is_flag=True, help="Analyse every stored message again; staff codes are kept.")
@click.pass_context
def analyse_command(ctx: click.Context, source: Any, pending: bool, reprocess: bool) -> None:
    """Analyse text, one message per line, into one JSON object per line in the same order: themes, sentiment,
    risk, key phrases and a redacted copy. Needs no database and no network.

    With --pending or --reprocess it works on the stored messages instead, in the database.
    """
    if pending or reprocess:
        app = ctx.ensure_object(ScriptInfo).load_app()
        with app.app_context():
            _analyse_stored(reprocess=reprocess)
        return
    from feedback.analysis.pipeline import analyse

    out = sys.stdout
    for line in source:
        out.write(json.dumps(analyse(line.rstrip("\r\n")).as_json(), ensure_ascii=False) + "\n")


def _analyse_stored(*, reprocess: bool) -> None:
    from feedback.services import analysis

    session = current_session()
    if not reprocess:
        done = 0
        while batch := analysis.analyse_pending(session, now=clock_now(), limit=500):
            done += batch
        click.echo(f"Analysed {done} messages.")
        return
    total = analysis.count_analysable(session)
    with click.progressbar(length=total, label="Analysing stored messages", file=sys.stderr) as bar:
        done = analysis.reprocess(session, now=clock_now(), progress=bar.update)
    click.echo(f"Analysed {done} messages again; themes staff gave were kept.")


def register(app: Flask) -> None:
    """Add the service's commands to the app's CLI (`feedback ...`, and `flask ...` too)."""
    for command in (
        defaults_group,
        surveys_group,
        outbox_group,
        worker,
        scheduler,
        conversations_group,
        responses_group,
        users_group,
        teams_group,
        people_group,
        advocacy_group,
        schedules_group,
        jobs_group,
        keys_group,
        links_group,
        statements_group,
        alerts_group,
        analyse_command,
        report_group,
        tokens_group,
    ):
        app.cli.add_command(command)


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


def _now(value: datetime | None) -> datetime:
    return value or clock_now()


# --- defaults -----------------------------------------------------------------------------------------------


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


# --- surveys ------------------------------------------------------------------------------------------------


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
            now=clock_now(),
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


# --- outbox, worker, scheduler ------------------------------------------------------------------------------


@click.group("outbox")
def outbox_group() -> None:
    """Messages waiting to be sent."""


@outbox_group.command("flush")
@click.option("--now", "moment", type=Instant(), help="Act as if it were this moment (ISO 8601).")
@with_appcontext
def outbox_flush(moment: datetime | None) -> None:
    """Deliver everything due and exit; in quiet hours (as of --now), only replies to young people's own texts."""
    at = _now(moment)
    quiet = outbox.QuietHours.from_config(current_app.config)
    report = outbox.flush(
        current_session(),
        runner.sender_from_config(current_app.config),
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
    audit.record(current_session(), "keys-rotated", now=clock_now(), values=done.total, phones=done.phone_hashes)
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
        schedule = schedules.add(current_session(), slug, cron=cron, at=at, group=chosen, now=clock_now())
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
        rule = f"every {schedule.cron!r}" if schedule.cron else "once"
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
    runs = schedules.run_due(
        current_session(), now=_now(moment), links_to=sending.LinkSettings.from_config(current_app.config)
    )
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
    count = conversations.expire_silent(current_session(), _now(moment), runner.conversation_timeout())
    db.session.commit()
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
    audit.record(current_session(), "export", now=clock_now(), subject_type="responses", answers=count, format=fmt)
    db.session.commit()
    click.echo(f"Exported {count} answers.", err=True)


# --- staff users --------------------------------------------------------------------------------------------


@click.group("users")
def users_group() -> None:
    """Staff accounts."""


@users_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(staff.ROLES), required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--team", help="Their team (created if new): its duty inbox and its manager.")
@click.option("--name", "display_name", default="", help="The name young people see, such as Sam.")
@with_appcontext
def users_create(email: str, role: str, password_stdin: bool, team: str | None, display_name: str) -> None:
    """Create a staff account; the password is asked for (or read with --password-stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = staff.create_user(current_session(), email, password, role, team=team, display_name=display_name)
        audit.record(current_session(), "role-change", now=clock_now(), subject_type="staff_user",
                     subject_id=user.id, role=role, new=True)  # fmt: skip
        db.session.commit()
    except staff.StaffError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.email} ({user.role}).")


@users_group.command("reset-two-factor")
@click.argument("email")
@with_appcontext
def users_reset_two_factor(email: str) -> None:
    """Turn off a colleague's second factor (a lost phone): they sign in with the password, then may set it again."""
    try:
        user = staff.find_user(current_session(), email)
    except staff.StaffError as exc:
        raise click.ClickException(str(exc)) from exc
    if user.totp_secret is None:
        click.echo(f"{user.email} has no second factor: nothing to do.")
        return
    staff.reset_two_factor(user, now=clock_now())
    db.session.commit()
    click.echo(f"Two-factor sign-in is off for {user.email}: they sign in with their password alone.")


@users_group.command("reset-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
@with_appcontext
def users_reset_password(email: str, password_stdin: bool) -> None:
    """Set a colleague's password (forgotten, or seen by someone else): every session of theirs ends. The new
    password is asked for twice (or read with --password-stdin)."""
    user = _staff_account(email)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    with _refusal_audited(user, "password-change", reset=True):
        staff.reset_password(user, password, now=clock_now())
    db.session.commit()
    click.echo(f"New password set for {user.email}: every session of theirs has ended.")


@users_group.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(staff.ROLES))
@with_appcontext
def users_set_role(email: str, role: str) -> None:
    """Give a staff account another role: every session of theirs ends, so no page stays open with the old rights."""
    user = _staff_account(email)
    with _refusal_audited(user, "role-change", role=role):
        changed = staff.set_role(current_session(), user, role, now=clock_now())
    db.session.commit()
    if changed:
        click.echo(f"{user.email} now has the role {role}: every session of theirs has ended.")
    else:
        click.echo(f"{user.email} already has the role {role}: nothing to do.")


@users_group.command("deactivate")
@click.argument("email")
@with_appcontext
def users_deactivate(email: str) -> None:
    """Switch off the account of someone who has left: every session of theirs ends, they cannot sign in and their
    API tokens stop working. Their history stays; `reactivate` switches it back on."""
    user = _staff_account(email)
    with _refusal_audited(user, "deactivate"):
        changed = staff.deactivate(current_session(), user, now=clock_now())
    db.session.commit()
    if not changed:
        click.echo(f"{user.email} is already deactivated: nothing to do.")
        return
    click.echo(f"{user.email} is deactivated: every session of theirs has ended, and their API tokens stop working.")
    if named := staff.named_count(current_session(), user):
        click.echo(
            f"{named} young {'person names' if named == 1 else 'people name'} them as their worker: their new "
            "statements go to the team's duty inbox until they have another worker (feedback people assign)."
        )


@users_group.command("reactivate")
@click.argument("email")
@with_appcontext
def users_reactivate(email: str) -> None:
    """Switch a deactivated account back on: they sign in with their password."""
    user = _staff_account(email)
    changed = staff.reactivate(current_session(), user, now=clock_now())
    db.session.commit()
    if changed:
        click.echo(f"{user.email} is active again: they can sign in with their password.")
    else:
        click.echo(f"{user.email} is already active: nothing to do.")


@users_group.command("set-mobile")
@click.argument("email")
@click.argument("number", required=False)
@click.option("--remove", is_flag=True, help="Take the mobile number away: no more urgent texts.")
@with_appcontext
def users_set_mobile(email: str, number: str | None, remove: bool) -> None:
    """Give a member of staff a mobile for urgent safeguarding texts (NUMBER as 07700 900123), kept encrypted. Their
    texts back to the service's number are recognised and never filed as a young person's."""
    if not remove and not number:
        raise click.UsageError("Give the NUMBER, or --remove to take it away.")
    user = _staff_account(email)
    try:
        staff.set_mobile(current_session(), user, None if remove else number, now=clock_now())
    except staff.StaffError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"{user.email} {'has no mobile now' if remove else 'gets urgent safeguarding texts on that mobile'}.")


@click.group("teams")
def teams_group() -> None:
    """Teams of workers and their duty inboxes."""


@teams_group.command("set-email")
@click.argument("team")
@click.argument("email", required=False)
@click.option("--remove", is_flag=True, help="No team email: new alerts go to every member of the team.")
@with_appcontext
def teams_set_email(team: str, email: str | None, remove: bool) -> None:
    """Send the team's new safeguarding alerts to one duty email address instead of to every member."""
    if not remove and not email:
        raise click.UsageError("Give the EMAIL, or --remove to take it away.")
    found = current_session().scalar(select(Team).where(Team.name == team.strip()))
    if found is None:
        raise click.ClickException(f"There is no team called {team!r}.")
    try:
        staff.set_team_email(current_session(), found, None if remove else email)
    except staff.StaffError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"{found.name}: new alerts go to {'every member of the team' if remove else 'the team email'}.")


def _staff_account(email: str) -> Any:
    try:
        return staff.find_user(current_session(), email)
    except staff.StaffError as exc:
        raise click.ClickException(str(exc)) from exc


@contextmanager
def _refusal_audited(user: Any, action: str, **asked: Any) -> Iterator[None]:
    """A change to a staff account that the service refuses: rolled back, audited (committed), and the command ends
    with the reason."""
    try:
        yield
    except staff.StaffError as exc:
        db.session.rollback()
        staff.record_refusal(current_session(), user, action, exc, now=clock_now(), **asked)
        db.session.commit()
        raise click.ClickException(str(exc)) from exc


# --- young people: named workers and personal links ------------------------------------------------------------


def _person(phone: str) -> Any:
    try:
        person = people.find_person(current_session(), people.normalise_phone(phone))
    except people.InvalidPhoneNumber as exc:
        raise click.BadParameter(str(exc), param_hint="--phone") from exc
    if person is None:
        raise click.ClickException("nobody with that number is known here")
    return person


@click.group("people")
def people_group() -> None:
    """Young people."""


@people_group.command("assign")
@click.option("--phone", required=True, help="The young person's number.")
@click.option("--worker", "worker_email", help="Their named worker's email: their statements go to this worker.")
@click.option("--team", help="Their team, whose duty inbox takes their statements when they have no worker.")
@with_appcontext
def people_assign(phone: str, worker_email: str | None, team: str | None) -> None:
    """Set where a young person's statements go."""
    if not worker_email and not team:
        raise click.UsageError("Give --worker EMAIL, --team NAME, or both.")
    session = current_session()
    person = people.get_or_create_person(session, _normalised(phone))
    try:
        worker_user = staff.find_user(session, worker_email) if worker_email else None
        team_row = staff.team_named(session, team) if team else None
        staff.assign(session, person, worker=worker_user, team=team_row)
    except staff.StaffError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"{person.pseudonym}: statements go to {worker_email or 'the duty inbox of ' + str(team)}.")


def _one_person(ref: str | None, phone: str | None) -> Any:
    """The young person a command names by REF or --phone (one of them), or a usage error that repeats neither."""
    if (ref is None) == (phone is None):
        raise click.UsageError("Give the council's reference (REF) or --phone NUMBER, not both.")
    try:
        return privacy.find(current_session(), ref=ref, phone=phone)
    except people.InvalidPhoneNumber:
        raise click.BadParameter("is not a phone number", param_hint="--phone") from None
    except privacy.PersonNotFound:
        raise click.UsageError("Nobody on record has that reference or number.") from None


@people_group.command("export")
@click.argument("ref", required=False)
@click.option("--phone", help="Find them by phone number instead of reference.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
@with_appcontext
def people_export(ref: str | None, phone: str | None, fmt: str) -> None:
    """Everything held about one young person (a subject access request), to standard output."""
    person = _one_person(ref, phone)
    document = privacy.subject_access(current_session(), person)
    audit.record(current_session(), "subject-access", now=clock_now(), subject_type="person", subject_id=person.id)
    db.session.commit()
    if fmt == "json":
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    else:
        privacy.write_csv(document, sys.stdout)


@people_group.command("erase")
@click.argument("ref", required=False)
@click.option("--phone", help="Find them by phone number instead of reference.")
@click.option("--yes", is_flag=True, help="Do not ask to confirm.")
@with_appcontext
def people_erase(ref: str | None, phone: str | None, yes: bool) -> None:
    """Remove one young person's identifiers and words, keeping anonymous counts. Cannot be undone."""
    person = _one_person(ref, phone)
    if person.erased_at is not None:
        raise click.UsageError("That record was erased already.")
    if not yes:
        click.confirm(
            "Erase their phone number, reference, date of birth and every word? This cannot be undone", abort=True
        )
    at = clock_now()
    done = privacy.erase(current_session(), person, now=at)
    audit.record(
        current_session(), "erase", now=at, subject_type="person", subject_id=person.id, counts=done.as_detail()
    )
    db.session.commit()
    click.echo(
        f"Erased {person.pseudonym}: {done.messages} messages, {done.answers} answers, {done.sent} texts sent to "
        f"them and {done.notes} notes emptied; {done.links} links revoked. Counts stay."
    )


@people_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--skip-bad", is_flag=True, help="Load the good rows and report the bad ones, instead of loading none.")
@with_appcontext
@click.pass_context
def people_import(ctx: click.Context, file: Path, skip_bad: bool) -> None:
    """Load the young people's register from a CSV FILE with the header
    ref,phone,date_of_birth,locality,care_setting,worker_email,consent_sms.

    Every row is checked first and every problem reported by row and field. Nothing is loaded unless the whole
    file is good, or with --skip-bad the good rows are. A known ref is updated with what its row gives.
    """
    try:
        result = register_service.import_register(
            current_session(),
            register_service.decode(file.read_bytes()),
            localities=current_app.config["LOCALITIES"],
            now=clock_now(),
            skip_bad=skip_bad,
        )
        db.session.commit()
    except register_service.RegisterError as exc:
        _refused(ctx, file, exc, skip_bad=skip_bad)
    _loaded(result, f"Added {result.added}, updated {result.updated}", skip_bad=skip_bad)
    if result.matched:
        click.echo(f"{result.matched} of those updated had texted in before: their messages now join their record.")


def _refused(ctx: click.Context, file: Path, exc: FileError, *, skip_bad: bool) -> NoReturn:
    """An import that loaded nothing: every bad row and field on standard error, and exit 1."""
    db.session.rollback()
    for error in exc.errors:
        click.echo(str(error), err=True)
    rows_only = all(error.row is not None and error.row > 1 for error in exc.errors)
    hint = " Fix the rows above, or load the good ones with --skip-bad." if rows_only and not skip_bad else ""
    click.echo(f"{file.name}: nothing was imported.{hint}", err=True)
    ctx.exit(1)


def _loaded(result: FileLoaded, summary: str, *, skip_bad: bool, rows: str = "") -> None:
    """What an import loaded, and with --skip-bad every row it left out and why (on standard error)."""
    for error in result.skipped:
        click.echo(f"Skipped {error}", err=True)
    if skip_bad:
        summary += f", skipped {result.skipped_rows}{rows}"
    click.echo(summary + ".")


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
        result = advocacy_service.import_offers(
            current_session(),
            advocacy_service.decode(file.read_bytes()),
            now=clock_now(),
            skip_bad=skip_bad,
        )
        db.session.commit()
    except advocacy_service.OfferFileError as exc:
        _refused(ctx, file, exc, skip_bad=skip_bad)
    _loaded(result, f"Added {result.added} offers", skip_bad=skip_bad, rows=" rows")


def _normalised(phone: str) -> str:
    try:
        return people.normalise_phone(phone)
    except people.InvalidPhoneNumber as exc:
        raise click.BadParameter(str(exc), param_hint="--phone") from exc


@click.group("links")
def links_group() -> None:
    """Personal web links for young people."""


@links_group.command("issue")
@click.option("--phone", required=True, help="The young person's number.")
@click.option("--survey", "slug", help="Link straight to this survey instead of their page.")
@click.option("--send", is_flag=True, help="Text the link to them (through the outbox) instead of printing it.")
@with_appcontext
def links_issue(phone: str, slug: str | None, send: bool) -> None:
    """Make a personal link: their page (statements to their worker, their surveys) or one survey."""
    session = current_session()
    person = people.get_or_create_person(session, _normalised(phone))
    if slug is not None:
        try:
            surveys.current_version(session, slug)
        except surveys.SurveyNotFound as exc:
            raise click.ClickException(str(exc)) from exc
    try:
        base = public_base_url(current_app.config)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc
    at = clock_now()
    token = links.issue(session, person.id, now=at, valid_for=timedelta(days=current_app.config["PERSONAL_LINK_DAYS"]))
    url = links.survey_url(base, slug, token) if slug else links.page_url(base, token)
    if send:
        if person.opted_out:
            db.session.rollback()
            raise click.ClickException("they have opted out of texts; nothing was sent")
        outbox.queue(session, outbox.Outgoing(person_id=person.id, body=f"Your own page: {url}", kind="link"), now=at)
        db.session.commit()
        click.echo(f"Queued a text with a link for {person.pseudonym}.")
        return
    db.session.commit()
    click.echo(url)


@links_group.command("revoke")
@click.option("--phone", required=True, help="The young person's number.")
@with_appcontext
def links_revoke(phone: str) -> None:
    """Stop every link of a young person working (a lost phone, a link shared by mistake)."""
    person = _person(phone)
    count = links.revoke_all(current_session(), person.id, now=clock_now())
    db.session.commit()
    click.echo(f"Revoked {count} links of {person.pseudonym}.")


@click.group("statements")
def statements_group() -> None:
    """Statements from young people to their workers."""


@statements_group.command("escalate")
@click.option("--now", "moment", type=Instant(), help="Act as if it were this moment (ISO 8601).")
@with_appcontext
def statements_escalate(moment: datetime | None) -> None:
    """Escalate statements unread after STATEMENT_ESCALATION_WORKING_DAYS to their team's managers."""
    count = runner.escalate_statements(_now(moment))
    click.echo(f"Escalated {count} statements; their managers are told by email.")


@click.group("alerts")
def alerts_group() -> None:
    """Safeguarding alerts."""


@alerts_group.command("escalate")
@click.option("--now", "moment", type=Instant(), help="Act as if it were this moment (ISO 8601).")
@with_appcontext
def alerts_escalate(moment: datetime | None) -> None:
    """Move risk alerts unacknowledged for SAFEGUARDING_ESCALATION_MINUTES up the escalation ladder (the managers,
    then the out-of-hours service and the head of service); `feedback worker` sends the emails and texts."""
    count = runner.escalate_alerts(_now(moment))
    click.echo(f"Escalated {count} alerts.")


# --- reports and API tokens -----------------------------------------------------------------------------------


@click.group("report")
def report_group() -> None:
    """Summaries, with small numbers hidden as on the pages."""


@report_group.command("themes")
@click.option("--period", help="A calendar quarter, such as 2026-Q4 (default: the quarter holding --until).")
@click.option("--since", help="First day, YYYY-MM-DD: must be in the same quarter as --until.")
@click.option("--until", help="A day in the quarter, YYYY-MM-DD (default: today).")
@click.option("--by", help=f"Break down by one of: {', '.join(summaries.BREAKDOWNS)} (for everyone only).")
@click.option("--channel", help="Only one channel: sms or web.")
@click.option("--survey", help="Only one survey (its slug).")
@click.option("--locality", help="Only one locality.")
@click.option("--age-band", "age_band", help="Only one age band.")
@click.option("--care-setting", "care_setting", help="Only one care setting.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@with_appcontext
def report_themes(fmt: str, **options: str | None) -> None:
    """Each theme's count in a calendar quarter, for everyone or one group (one filter at most), its change on the
    quarter before, its share and sentiment: the same protected figures as the pages, any hidden count written as
    "<10" (SUPPRESSION_THRESHOLD)."""
    session = current_session()
    known = summaries.choices(session, current_app.config["LOCALITIES"])
    try:
        filters = summaries.parse_filters(options, known, today=clock_now().astimezone(LOCAL_TIME).date())
    except summaries.FilterError as error:
        raise click.UsageError(str(error)) from None
    result = summaries.summarise(session, filters, known, threshold=int(current_app.config["SUPPRESSION_THRESHOLD"]))
    if fmt == "json":
        click.echo(json.dumps(summaries.report_document(result), indent=2, ensure_ascii=False))
    else:
        summaries.write_csv(summaries.report_rows(result), sys.stdout)


@report_group.command("advocacy")
@click.option("--since", help="First day, YYYY-MM-DD (default: a year before --until).")
@click.option("--until", help="Last day, YYYY-MM-DD (default: today).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@with_appcontext
def report_advocacy(since: str | None, until: str | None, fmt: str) -> None:
    """The share of eligible young people offered or accepting advocacy in the period, against ADVOCACY_TARGET:
    overall, by locality, care setting and age band, and offers by month. For managers: not suppressed."""
    try:
        first, last = advocacy_service.parse_period(since, until, today=clock_now().astimezone(LOCAL_TIME).date())
    except advocacy_service.PeriodError as error:
        raise click.UsageError(str(error)) from None
    result = advocacy_service.report(
        current_session(),
        since=first,
        until=last,
        target=float(current_app.config["ADVOCACY_TARGET"]),
        localities=current_app.config["LOCALITIES"],
    )
    if fmt == "json":
        click.echo(json.dumps(advocacy_service.report_document(result), indent=2, ensure_ascii=False))
    else:
        advocacy_service.write_csv(advocacy_service.report_rows(result), sys.stdout)


@click.group("tokens")
def tokens_group() -> None:
    """Tokens for the read-only summary API."""


@tokens_group.command("create")
@click.argument("email")
@with_appcontext
def tokens_create(email: str) -> None:
    """Make an API token for a staff account and print it once: it is stored only as a keyed hash."""
    try:
        token = tokens.create(current_session(), email, now=clock_now())
    except staff.StaffError as error:
        raise click.UsageError(str(error)) from None
    db.session.commit()
    click.echo(token)
    click.echo("Keep it safe: it is shown only now. Send it as: Authorization: Bearer <token>", err=True)


@tokens_group.command("revoke")
@click.argument("email")
@with_appcontext
def tokens_revoke(email: str) -> None:
    """Stop every API token of a staff account working."""
    try:
        count = tokens.revoke(current_session(), email, now=clock_now())
    except staff.StaffError as error:
        raise click.UsageError(str(error)) from None
    db.session.commit()
    click.echo(f"Revoked {count} tokens.")

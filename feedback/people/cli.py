"""Commands for young people: where their statements go, their register and what is held about them (a subject
access request, erasure), and their personal web links."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from feedback.accounts import operations as staff
from feedback.audit import operations as audit
from feedback.config import ConfigurationError, public_base_url
from feedback.core.clock import now
from feedback.core.commands import import_loaded, import_refused
from feedback.extensions import current_session, db
from feedback.messages import outbox
from feedback.people import links, privacy, register
from feedback.people import operations as people
from feedback.surveys import operations as surveys


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
    audit.record(current_session(), "subject-access", now=now(), subject_type="person", subject_id=person.id)
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
    at = now()
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
        result = register.import_register(
            current_session(),
            register.decode(file.read_bytes()),
            localities=current_app.config["LOCALITIES"],
            now=now(),
            skip_bad=skip_bad,
        )
        db.session.commit()
    except register.RegisterError as exc:
        import_refused(ctx, file, exc, skip_bad=skip_bad)
    import_loaded(result, f"Added {result.added}, updated {result.updated}", skip_bad=skip_bad)
    if result.matched:
        click.echo(f"{result.matched} of those updated had texted in before: their messages now join their record.")


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
    at = now()
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
    count = links.revoke_all(current_session(), person.id, now=now())
    db.session.commit()
    click.echo(f"Revoked {count} links of {person.pseudonym}.")


COMMANDS = (people_group, links_group)

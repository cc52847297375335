"""Commands for staff accounts: creating them and changing their password, role, second factor and mobile,
switching them off and on, teams' duty email, and the tokens of the read-only summary API."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from feedback.accounts import operations as staff
from feedback.accounts import tokens
from feedback.accounts.models import Team
from feedback.audit import operations as audit
from feedback.core.clock import now
from feedback.extensions import current_session, db


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
        audit.record(current_session(), "role-change", now=now(), subject_type="staff_user",
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
    staff.reset_two_factor(user, now=now())
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
        staff.reset_password(user, password, now=now())
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
        changed = staff.set_role(current_session(), user, role, now=now())
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
        changed = staff.deactivate(current_session(), user, now=now())
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
    changed = staff.reactivate(current_session(), user, now=now())
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
        staff.set_mobile(current_session(), user, None if remove else number, now=now())
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
        staff.record_refusal(current_session(), user, action, exc, now=now(), **asked)
        db.session.commit()
        raise click.ClickException(str(exc)) from exc


@click.group("tokens")
def tokens_group() -> None:
    """Tokens for the read-only summary API."""


@tokens_group.command("create")
@click.argument("email")
@with_appcontext
def tokens_create(email: str) -> None:
    """Make an API token for a staff account and print it once: it is stored only as a keyed hash."""
    try:
        token = tokens.create(current_session(), email, now=now())
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
        count = tokens.revoke(current_session(), email, now=now())
    except staff.StaffError as error:
        raise click.UsageError(str(error)) from None
    db.session.commit()
    click.echo(f"Revoked {count} tokens.")


COMMANDS = (users_group, teams_group, tokens_group)

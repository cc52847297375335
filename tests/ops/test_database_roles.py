"""The app's own database role cannot empty, change or unprotect the audit log (PostgreSQL).

Each test runs the real `deploy/roles.sql` with psql, as a production server's superuser would, for a database and
two roles of its own (roles belong to the whole server, so they are named uniquely and always dropped), migrates
with `feedback db upgrade` as the owner (MIGRATION_DATABASE_URL), then connects as the app's role.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import errors
from sqlalchemy import func, select

from feedback import create_app
from feedback.audit.models import AuditEvent
from feedback.extensions import db
from feedback.messages import inbound, outbox
from feedback.messages.models import InboundMessage, OutboundMessage
from feedback.ops import runner as processes
from tests.conftest import POSTGRES_SERVER, Clock, TwilioWebhook, base_config, serving
from tests.staff_client import signed_in

ROOT = Path(__file__).resolve().parents[2]
ROLES_SQL = ROOT / "deploy" / "roles.sql"
BIN = Path(sys.executable).parent
SERVER = POSTGRES_SERVER.rsplit("/", 1)[0]  # postgresql://postgres@127.0.0.1:5432
HOST = SERVER.split("@", 1)[1]


@dataclass(frozen=True)
class Roles:
    database: str
    owner: str
    app: str

    def url(self, role: str, driver: str = "postgresql") -> str:
        # The test server trusts 127.0.0.1 for every role; the passwords only prove the script sets them.
        return f"{driver}://{role}:{role}-password@{HOST}/{self.database}"


@pytest.fixture
def roles(backend: str) -> Iterator[Roles]:
    """A database and two roles named for this test alone, dropped afterwards whatever happens."""
    if backend != "postgresql":
        pytest.skip("roles and grants are PostgreSQL's")
    if shutil.which("psql") is None:
        pytest.fail("psql (PostgreSQL's client) is needed to run deploy/roles.sql")
    suffix = secrets.token_hex(4)
    made = Roles(f"feedback_roles_{suffix}", f"feedback_owner_{suffix}", f"feedback_app_{suffix}")
    try:
        yield made
    finally:
        with psycopg.connect(POSTGRES_SERVER, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{made.database}" WITH (FORCE)')
            for role in (made.app, made.owner):
                conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def run_roles_sql(roles: Roles) -> None:
    done = subprocess.run(
        [
            "psql", POSTGRES_SERVER, "--no-psqlrc", "--quiet",
            "-v", f"database={roles.database}", "-v", f"owner={roles.owner}", "-v", f"app={roles.app}",
            "-v", f"owner_password={roles.owner}-password", "-v", f"app_password={roles.app}-password",
            "-f", str(ROLES_SQL),
        ],
        capture_output=True, text=True, timeout=60, check=False, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def feedback_db_upgrade(database_url: str, migration_url: str | None) -> None:
    """`feedback db upgrade` as the migrate unit runs it: the app's settings, and the owner's address if given."""
    config = base_config("")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "MIGRATION_DATABASE_URL"}}
    env.update(
        FEEDBACK_ENV="testing",
        SECRET_KEY=config["SECRET_KEY"],
        ENCRYPTION_KEY=config["ENCRYPTION_KEY"],
        DATABASE_URL=database_url,
    )
    if migration_url:
        env["MIGRATION_DATABASE_URL"] = migration_url
    done = subprocess.run(
        [str(BIN / "feedback"), "db", "upgrade"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


# What the app's role must never do, each with the error PostgreSQL gives it.
REFUSED = [
    "TRUNCATE audit_event",
    "UPDATE audit_event SET actor = 'someone else'",
    "DELETE FROM audit_event",
    "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_truncate",
    "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only",
    "ALTER TABLE audit_event DISABLE TRIGGER ALL",
    "DROP TABLE audit_event",
    "ALTER TABLE audit_event RENAME TO old_audit_event",
    "DROP FUNCTION audit_event_no_truncate() CASCADE",
    "TRUNCATE person CASCADE",
    "CREATE TABLE audit_event_copy (id integer)",
    # Replica mode would silence the triggers for the session: a superuser's setting only.
    "SET session_replication_role = replica",
]


def assert_the_app_role_cannot_touch_the_audit_log(roles: Roles) -> None:
    with psycopg.connect(roles.url(roles.app), autocommit=True) as app:
        assert app.execute("SELECT current_user").fetchone() == (roles.app,)
        for statement in REFUSED:
            with pytest.raises(errors.InsufficientPrivilege):
                app.execute(statement)
        # Reading and adding are what the app needs, and all it may do.
        app.execute("INSERT INTO audit_event (at, actor, action, detail) VALUES (now(), 'test', 'test', '{}')")
        assert app.execute("SELECT count(*) FROM audit_event").fetchone() == (1,)
        rights = app.execute(
            "SELECT privilege_type FROM information_schema.role_table_grants "
            "WHERE table_name = 'audit_event' AND grantee = current_user ORDER BY 1"
        ).fetchall()
        assert rights == [("INSERT",), ("SELECT",)]


def assert_the_owner_cannot_empty_it_either(roles: Roles) -> None:
    """The triggers hold for the owner too (it could switch them off; its password is not the app's)."""
    with psycopg.connect(roles.url(roles.owner), autocommit=True) as owner:
        for statement in ("TRUNCATE audit_event", "DELETE FROM audit_event", "UPDATE audit_event SET actor = 'x'"):
            with pytest.raises(errors.RaiseException, match="append-only"):
                owner.execute(statement)
        assert owner.execute("SELECT count(*) FROM audit_event").fetchone() == (1,)


def test_the_app_runs_as_a_role_that_cannot_empty_change_or_unprotect_the_audit_log(roles: Roles) -> None:
    run_roles_sql(roles)
    feedback_db_upgrade(roles.url(roles.app), migration_url=roles.url(roles.owner))
    with psycopg.connect(POSTGRES_SERVER.rsplit("/", 1)[0] + f"/{roles.database}") as conn:
        owners = conn.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
            " UNION SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
        ).fetchall()
    assert owners == [(roles.owner,)]
    assert_the_app_role_cannot_touch_the_audit_log(roles)
    assert_the_owner_cannot_empty_it_either(roles)


def test_the_script_takes_an_existing_database_away_from_the_app_role(roles: Roles) -> None:
    """The deployment the guide used to describe: the app's role created the database and owns every table."""
    with psycopg.connect(POSTGRES_SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{roles.app}" LOGIN')
        conn.execute(f'CREATE DATABASE "{roles.database}" OWNER "{roles.app}"')
    feedback_db_upgrade(roles.url(roles.app), migration_url=None)
    with psycopg.connect(roles.url(roles.app)) as app:
        # As the owner it could switch the audit log's protection off (rolled back here).
        app.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_truncate")
        app.rollback()
    run_roles_sql(roles)
    assert_the_app_role_cannot_touch_the_audit_log(roles)
    # Migrations carry on as the owner.
    feedback_db_upgrade(roles.url(roles.app), migration_url=roles.url(roles.owner))


@pytest.fixture
def app_as_its_role(roles: Roles, clock: Clock) -> Iterator[Any]:
    """The service, connected as the app's role to a database set up by roles.sql and migrated by the owner."""
    run_roles_sql(roles)
    feedback_db_upgrade(roles.url(roles.app), migration_url=roles.url(roles.owner))
    yield from serving(create_app(base_config(roles.url(roles.app, "postgresql+psycopg"), CLOCK=clock)))


def test_the_service_needs_no_more_than_the_app_role(app_as_its_role: Any, clock: Clock) -> None:
    app = app_as_its_role
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT current_user").scalar() != "postgres"
    # A young person texts; a member of staff signs in and reads the audit log.
    twilio = TwilioWebhook(app.test_client())
    assert len(twilio.replies("CHECKIN")) == 1  # stored by the webhook, handled by a worker's claim
    staff_client = signed_in(app, "admin")
    assert staff_client.get("/staff/audit").status_code == 200
    # A text stored and not handled yet: the worker's round handles it and sends its reply from the outbox.
    stored = inbound.receive(
        db.session, inbound.Arrival(channel="sms", provider_sid="SM" + "7" * 32, sender="+447700900124", body="HELP"),
        now=clock(),
    )  # fmt: skip
    clock.advance(minutes=3)
    assert processes.work_once(outbox.SimulatedSender()) >= 2
    assert db.session.get(InboundMessage, stored.message_id).status == inbound.PROCESSED  # type: ignore[union-attr]
    assert (
        db.session.scalar(select(OutboundMessage.status).where(OutboundMessage.in_reply_to_id == stored.message_id))
        == outbox.SIMULATED
    )
    # The scheduler's jobs (in APScheduler's table), the nightly retention job and a key rotation.
    scheduler = processes.build_scheduler(app)
    try:
        assert {job.id for job in scheduler.get_jobs()} == set(processes.JOBS)
    finally:
        processes.stop_scheduler(scheduler)
    clock.advance(days=1)
    processes.apply_retention()
    rotating = create_app(
        base_config(
            app.config["SQLALCHEMY_DATABASE_URI"],
            ENCRYPTION_KEY="a-new-encryption-key-" + "z" * 32,
            ENCRYPTION_OLD_KEYS=(app.config["ENCRYPTION_KEY"],),
        )
    )
    with rotating.app_context():
        result = rotating.test_cli_runner().invoke(args=["keys", "rotate"])
        db.session.remove()
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert "Re-encrypted" in result.output
    db.session.commit()
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"retention", "keys-rotated"} <= actions
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) >= 3

"""Fixtures: the app on SQLite and on PostgreSQL, its client and CLI runner, a clock tests can move, and
webhook requests signed exactly as Twilio signs them.

Every test that uses `app` runs twice, once per database. The schema comes from the migrations (run once per
session per database), never from `create_all`, so the suite also proves the migrations.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask, g
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import text
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from feedback import create_app
from feedback.extensions import db
from feedback.services.defaults import load_defaults
from tests import log_watch
from tests.twilio_requests import inbound_sms

BACKENDS = ("sqlite", "postgresql")
POSTGRES_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

AUTH_TOKEN = "test-auth-token-0123456789abcdef"
ACCOUNT_SID = "AC" + "0" * 32
PUBLIC_BASE_URL = "https://feedback.example.org"
SERVICE_NUMBER = "+447700900999"
YOUNG_PERSON = "+447700900123"


_WATCH = log_watch.Watch()


def pytest_configure(config: pytest.Config) -> None:
    """Every log line of the run goes past the watch too (with the service's redacting filter on it, as on any
    handler: `logs.configure` adds it to each handler of the root logger)."""
    root = logging.getLogger()
    root.addHandler(_WATCH)
    root.setLevel(logging.INFO)  # what production writes (`logs.configure`)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The run fails if any log line it wrote holds a phone number or a young person's words."""
    logging.getLogger().removeHandler(_WATCH)
    found = log_watch.findings(_WATCH.lines)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(
            f"log watch: {len(_WATCH.lines)} log lines checked for phone numbers and "
            f"{len(log_watch.sent)} young people's messages: {len(found)} found"
        )
        for finding in found[:20]:
            reporter.write_line(f"  {finding}", red=True)
    if found:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=(*BACKENDS, "all"),
        default=os.environ.get("TEST_BACKEND", "all"),
        help="Run database tests on sqlite, postgresql, or all (default).",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("backend")
        metafunc.parametrize("backend", BACKENDS if chosen == "all" else (chosen,), scope="session")


# --- databases ----------------------------------------------------------------------------------------------


def base_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "TESTING": True,
        "FEEDBACK_ENV": "testing",
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "ENCRYPTION_KEY": "test-encryption-key-" + "y" * 32,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TWILIO_ACCOUNT_SID": None,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": SERVICE_NUMBER,
        "TWILIO_MESSAGING_SERVICE_SID": None,
        "TWILIO_API_BASE_URL": None,
        "WTF_CSRF_ENABLED": False,
        # Tests pace sends with their own Pacer where pacing is what they test; elsewhere a real second per
        # message would only make them slow.
        "SEND_RATE_PER_SECOND": 0,
    }
    config.update(overrides)
    return config


def migrate_to_head(database_url: str) -> None:
    app = create_app(base_config(database_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once; each test gets its own copy."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    migrate_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A PostgreSQL database of its own for this test session, migrated to head, dropped at the end."""
    name = f"feedback_test_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_SERVER.rsplit("/", 1)[0] + f"/{name}"
    migrate_to_head(url.replace("postgresql://", "postgresql+psycopg://", 1))
    yield url.replace("postgresql://", "postgresql+psycopg://", 1)
    with psycopg.connect(POSTGRES_SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        path = tmp_path / "feedback.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_database")
    yield url
    _truncate_postgres(url)


def _truncate_postgres(url: str) -> None:
    """Empty every table between tests. The audit log refuses TRUNCATE through a trigger (migration 0013); the
    tests connect as the server's superuser, who may switch ordinary triggers off for this session only (the app's
    own database role never can: `deploy/roles.sql`, `tests/test_database_roles.py`)."""
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
            )
        ]
        if tables:
            conn.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")


# --- the app ------------------------------------------------------------------------------------------------


@dataclass
class Clock:
    """A clock tests move by hand. Starts on a weekday afternoon, UK time."""

    current: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 14, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Extra settings for one test's app (override this fixture, or update it before `app` is created)."""
    return {}


@pytest.fixture
def app(database_url: str, clock: Clock, app_config: dict[str, Any]) -> Iterator[Flask]:
    yield from serving(create_app(base_config(database_url, CLOCK=clock, **app_config)))


def serving(app: Flask) -> Iterator[Flask]:
    """`app` with the defaults loaded, in an app context the test shares with its requests, cleaned up after."""

    @app.before_request
    def each_request_finds_its_own_user() -> None:
        """The test's app context outlives each request, and Flask-Login keeps the signed-in user in `g` for the
        app context: without this, a request would act as whoever the test's previous request signed in, whatever
        cookie it sent, and no test of two browsers could fail. In production every request has its own."""
        g.pop("_login_user", None)

    with app.app_context():
        load_defaults(db.session)
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def session(app: Flask) -> Any:
    return db.session


def count(table: str) -> int:
    return int(db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())  # noqa: S608


# --- Twilio -------------------------------------------------------------------------------------------------


class TwilioWebhook:
    """Posts to the app as Twilio does: the parameters Twilio sends, signed with the account's auth token."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.validator = RequestValidator(AUTH_TOKEN)
        self._next = 0

    def sign(self, path: str, params: dict[str, str]) -> str:
        return self.validator.compute_signature(PUBLIC_BASE_URL + path, params)

    def post(self, path: str, params: dict[str, str], *, signature: str | None = None) -> TestResponse:
        signature = self.sign(path, params) if signature is None else signature
        return self.client.post(path, data=params, headers={"X-Twilio-Signature": signature})

    def new_sid(self) -> str:
        self._next += 1
        return f"SM{self._next:032x}"

    def sms_params(
        self, body: str, *, sender: str = YOUNG_PERSON, sid: str | None = None, **extra: str
    ) -> dict[str, str]:
        params = inbound_sms(
            sid=sid or self.new_sid(), sender=sender, body=body, to=SERVICE_NUMBER, account_sid=ACCOUNT_SID
        )
        params.update(extra)
        return params

    def text(self, body: str, *, sender: str = YOUNG_PERSON, sid: str | None = None, **extra: str) -> TestResponse:
        """A young person texts `body` to the service."""
        log_watch.remember(body)
        return self.post("/sms/inbound", self.sms_params(body, sender=sender, sid=sid, **extra))

    def replies(self, body: str, **kwargs: Any) -> list[str]:
        """Text `body` and return the messages the TwiML answer sends back."""
        response = self.text(body, **kwargs)
        assert response.status_code == 200, response.get_data(as_text=True)
        return twiml_messages(response.get_data(as_text=True))

    def status(self, sid: str, status: str, **extra: str) -> TestResponse:
        params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID, **extra}
        return self.post("/sms/status", params)


def twiml_messages(xml: str) -> list[str]:
    from defusedxml import ElementTree

    root = ElementTree.fromstring(xml)
    assert root.tag == "Response"
    return [element.text or "" for element in root.iter("Message")]


@pytest.fixture
def twilio(client: FlaskClient) -> TwilioWebhook:
    return TwilioWebhook(client)

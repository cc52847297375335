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
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from flask import Flask, current_app, g, has_app_context
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from flask_sqlalchemy import SQLAlchemy
from jinja2.bccache import Bucket, BytecodeCache
from sqlalchemy import select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.util import LRUCache
from twilio.request_validator import RequestValidator
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from feedback import create_app
from feedback.extensions import db
from feedback.ops.defaults import load_defaults
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


def _reuse_url_builders() -> None:
    """Every test builds its own app, and werkzeug parses each of the app's 160-odd URL rules and compiles Python to
    build its URLs as it registers them: about 0.1 s an app, a fifth of the suite. The code it compiles depends only
    on the rule, so the suite compiles each once and every app binds it to its own rule, as werkzeug does.
    (Test-only: a service builds one app per process.) If werkzeug ever changes these private methods, the suite is
    only slower."""
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:
        return
    compiled: dict[tuple[Any, ...], Any] = {}

    def reused(rule: Rule, append_unknown: bool = True) -> Any:
        key = (
            rule.rule,
            rule.subdomain,
            rule.host,
            tuple(rule._trace),
            repr(sorted((rule.defaults or {}).items())),
            tuple(sorted((name, type(converter).__qualname__) for name, converter in rule._converters.items())),
            append_unknown,
        )
        if key not in compiled:
            compiled[key] = compile_builder(rule, append_unknown)
        return compiled[key]

    Rule._compile_builder = reused  # type: ignore[method-assign]

    # Parsing the rules themselves (their regular expressions and weights) is the other half of that time. What a
    # parse gives, and leaves on the rule (its trace and its converters), depends only on the rule's text and the
    # map's converters, so it is kept too. The converters are shared between apps: they keep no state of an app's.
    parse_rule = getattr(Rule, "_parse_rule", None)
    if parse_rule is None:
        return
    parsed: dict[tuple[Any, ...], tuple[list[Any], list[tuple[bool, str]], dict[str, Any]]] = {}

    def reused_parse(rule: Rule, text: str) -> list[Any]:
        assert rule.map is not None  # werkzeug parses a rule only once it is bound
        key = (text, tuple(rule.map.converters.items()))
        if key not in parsed:
            trace_from, known = len(rule._trace), set(rule._converters)
            parts = list(parse_rule(rule, text))
            added = {name: converter for name, converter in rule._converters.items() if name not in known}
            parsed[key] = (parts, rule._trace[trace_from:], added)
            return parts
        parts, trace, converters = parsed[key]
        rule._trace.extend(trace)
        rule._converters.update(converters)
        rule.arguments.update(converters)
        return list(parts)

    Rule._parse_rule = reused_parse  # type: ignore[method-assign,assignment]


_reuse_url_builders()

# The databases the `database_url` fixture hands out (one SQLite file and one PostgreSQL database per worker).
SHARED_DATABASES: set[str] = set()
_ENGINES: dict[tuple[str | None, str], Engine] = {}
# SQLAlchemy keeps 500 compiled statements an engine by default; the suite runs a few thousand distinct ones.
COMPILED_STATEMENTS_KEPT = 20_000


def _reuse_engines() -> None:
    """Every test builds its own app, and Flask-SQLAlchemy its own engine, whose cache of compiled SQL starts empty
    (it is keyed by the engine's dialect): each test compiled every statement it ran again, about a sixth of the
    time of a test that talks to the database. The suite keeps one engine for each database `database_url` hands
    out and each set of engine options, and every app on that database uses it (disposed after each test, as
    before, so no connection outlives its test; its compiled statements stay). An app on any other URL gets an
    engine of its own, as in production, where a process builds one app."""
    make_engine = SQLAlchemy._make_engine

    def reused(self: SQLAlchemy, bind_key: str | None, options: dict[str, Any], app: Flask) -> Engine:
        url = str(options.get("url"))
        if url not in SHARED_DATABASES:
            return make_engine(self, bind_key, options, app)
        key = (bind_key, repr(sorted((name, repr(value)) for name, value in options.items())))
        if key not in _ENGINES:
            engine = make_engine(self, bind_key, options, app)
            engine._compiled_cache = LRUCache(COMPILED_STATEMENTS_KEPT)  # type: ignore[attr-defined]
            _ENGINES[key] = engine
        return _ENGINES[key]

    SQLAlchemy._make_engine = reused  # type: ignore[method-assign]


_reuse_engines()


class _TemplateCode(BytecodeCache):
    """Jinja's compiled templates, kept for the whole run: each test's app would otherwise compile every template
    it renders again. Keyed by Jinja on the template's name and source, so an edited template compiles afresh."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if (code := self.code.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = _TemplateCode()


# Modules with tests of a minute or more (the walk of every page, training the shipped models), longest first, then
# those with many tests of several seconds (the browser tests): run before the rest.
LONG_FIRST = ("tests/staff/test_every_page_browser.py", "tests/analysis/", "tests/safeguarding/test_safeguarding.py")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The longest tests first, each module's tests still together and in order. Spread over the cores, a run ends
    when its last test does: the walk of every page (over a minute) started late, when the other workers had
    nothing left to take, and the run waited on it alone."""

    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        first = [i for i, prefix in enumerate(LONG_FIRST) if path.startswith(prefix)]
        return first[0] if first else len(LONG_FIRST) + (not path.endswith("_browser.py"))

    items.sort(key=rank)


def pytest_configure(config: pytest.Config) -> None:
    """Every log line of the run goes past the watch too (with the service's redacting filter on it, as on any
    handler: `logs.configure` adds it to each handler of the root logger)."""
    root = logging.getLogger()
    root.addHandler(_WATCH)
    root.setLevel(logging.INFO)  # what production writes (`logs.configure`)


# What each xdist worker's watch saw, gathered by the controlling process as each worker stops.
_WORKER_WATCHES: list[dict[str, Any]] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The run fails if any log line it wrote holds a phone number or a young person's words. Under xdist each worker
    watches its own tests and hands what it found to the controlling process, which reports for the whole run."""
    logging.getLogger().removeHandler(_WATCH)
    mine = {"lines": len(_WATCH.lines), "messages": len(log_watch.sent), "found": log_watch.findings(_WATCH.lines)}
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["log_watch"] = mine
        return
    watches = [mine, *_WORKER_WATCHES]
    found = [finding for watch in watches for finding in watch["found"]]
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(
            f"log watch: {sum(w['lines'] for w in watches)} log lines checked for phone numbers and "
            f"{sum(w['messages'] for w in watches)} young people's messages: {len(found)} found"
        )
        for finding in found[:20]:
            reporter.write_line(f"  {finding}", red=True)
    if found:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """An xdist worker has finished: keep what its log watch found."""
    if watch := getattr(node, "workeroutput", {}).get("log_watch"):
        _WORKER_WATCHES.append(watch)


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
        # argon2's cheapest parameters: the suite signs in thousands of times (refused outside testing).
        "PASSWORD_HASHING": "cheap",
    }
    config.update(overrides)
    if config["FEEDBACK_ENV"] != "testing" and "PASSWORD_HASHING" not in overrides:
        del config["PASSWORD_HASHING"]  # a service started as in development or production hashes as they do
    return config


def migrate_to_head(database_url: str) -> None:
    """The schema the migrations build, and the defaults every installation starts with (`feedback defaults
    load`), once per session per database: each test starts from a copy, never loading them again."""
    app = create_app(base_config(database_url))
    with app.app_context():
        upgrade()
        load_defaults(db.session)
        db.session.commit()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once; each test gets its own copy."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    migrate_to_head(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where each SQLite test's database is: one file per worker, a fresh copy of the template for each test (one
    place, so that every test's app uses the same engine and its compiled statements: `_reuse_engines`)."""
    path = tmp_path_factory.mktemp("sqlite-test") / "feedback.db"
    SHARED_DATABASES.add(str(make_url(f"sqlite:///{path}")))
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[PostgresTemplate]:
    """A PostgreSQL database of its own for this test session, migrated to head, dropped at the end."""
    name = f"feedback_test_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_SERVER.rsplit("/", 1)[0] + f"/{name}"
    migrate_to_head(url.replace("postgresql://", "postgresql+psycopg://", 1))
    template = PostgresTemplate.snapshot(url)
    SHARED_DATABASES.add(str(make_url(template.url)))
    yield template
    template.close()
    for engine in _ENGINES.values():
        engine.dispose()  # before the database is dropped
    with psycopg.connect(POSTGRES_SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class PostgresTemplate:
    """The session's PostgreSQL database and how to put it back as the migrations and defaults left it.

    Emptying 30-odd tables with TRUNCATE costs about half a second a test (each one new files on disk); DELETE of a
    few rows costs next to nothing. The defaults are kept in a schema of their own and copied back, and each
    sequence starts where it did, in one round trip. The audit log refuses DELETE through a trigger (migrations
    0012 and 0013); the tests connect as the server's superuser, who may switch ordinary triggers off for this
    session only (the app's own database role never can: `deploy/roles.sql`, `tests/ops/test_database_roles.py`)."""

    url: str
    reset_sql: str
    # One connection for every reset of the session: starting a PostgreSQL backend for each test costs more than
    # the reset itself.
    _connection: list[psycopg.Connection[Any]] = field(default_factory=list, compare=False, repr=False)

    SCHEMA = "test_defaults"

    @classmethod
    def snapshot(cls, url: str) -> PostgresTemplate:
        with psycopg.connect(url, autocommit=True) as conn:
            tables = [
                row[0]
                for row in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                    " ORDER BY tablename"
                )
            ]
            sequences = conn.execute(
                "SELECT table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name)"
                " FROM information_schema.columns WHERE table_schema = 'public'"
                " AND pg_get_serial_sequence(quote_ident(table_name), column_name) IS NOT NULL"
            ).fetchall()
            conn.execute(f"CREATE SCHEMA {cls.SCHEMA}")
            kept = []
            for table in tables:
                copy = f'{cls.SCHEMA}."{table}"'
                conn.execute(f'CREATE TABLE {copy} AS SELECT * FROM public."{table}"')  # noqa: S608 - from pg_tables
                if conn.execute(f"SELECT EXISTS (SELECT 1 FROM {copy})").fetchone() == (True,):  # noqa: S608
                    kept.append(table)
        statements = ["SET session_replication_role = replica"]
        # Names from the catalogue, never from outside.
        statements += [f'DELETE FROM public."{table}"' for table in tables]  # noqa: S608
        statements += [f'INSERT INTO public."{t}" SELECT * FROM {cls.SCHEMA}."{t}"' for t in kept]  # noqa: S608
        statements += [
            f'SELECT setval(\'{sequence}\', COALESCE((SELECT max("{column}") FROM {cls.SCHEMA}."{table}"), 0) + 1, false)'  # noqa: S608, E501
            for table, column, sequence in sequences
        ]
        statements.append("SET session_replication_role = origin")
        return cls(url.replace("postgresql://", "postgresql+psycopg://", 1), ";\n".join(statements))

    def reset(self) -> None:
        try:
            self._connected().execute(self.reset_sql)
        except psycopg.OperationalError:  # a test had the database end its connections (tests/core/test_connections.py)
            self.close()
            self._connected().execute(self.reset_sql)

    def _connected(self) -> psycopg.Connection[Any]:
        if not self._connection or self._connection[0].closed:
            self._connection[:] = [psycopg.connect(self.url.replace("+psycopg", ""), autocommit=True)]
        return self._connection[0]

    def close(self) -> None:
        for connection in self._connection:
            connection.close()
        self._connection.clear()


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> Iterator[str]:
    if backend == "sqlite":
        path: Path = request.getfixturevalue("sqlite_file")
        for engine in _ENGINES.values():
            if engine.dialect.name == "sqlite":
                engine.dispose()  # nothing may hold the file open while it is put back
        for leftover in (path.with_name(f"{path.name}-wal"), path.with_name(f"{path.name}-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template: PostgresTemplate = request.getfixturevalue("postgres_database")
    yield template.url
    template.reset()


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
    """The app on a database that starts as the migrations and the defaults left it."""
    yield from serving(create_app(base_config(database_url, CLOCK=clock, **app_config)), load=False)


def serving(app: Flask, *, load: bool = True) -> Iterator[Flask]:
    """`app` (with the defaults loaded, unless its database was copied with them), in an app context the test
    shares with its requests, cleaned up after."""

    @app.before_request
    def each_request_finds_its_own_user() -> None:
        """The test's app context outlives each request, and Flask-Login keeps the signed-in user in `g` for the
        app context: without this, a request would act as whoever the test's previous request signed in, whatever
        cookie it sent, and no test of two browsers could fail. In production every request has its own."""
        g.pop("_login_user", None)

    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    with app.app_context():
        if load:
            load_defaults(db.session)
            db.session.commit()
        yield app
        db.session.remove()
        if db.engine.dialect.name != "postgresql" or str(db.engine.url) not in SHARED_DATABASES:
            # A fixture's PostgreSQL engine keeps its connections for the next test (each is idle, with nothing
            # locked, before the database is put back), and with them PostgreSQL's prepared statements.
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

    def text(
        self, body: str, *, sender: str = YOUNG_PERSON, sid: str | None = None, handle: bool = True, **extra: str
    ) -> TestResponse:
        """A young person texts `body` to the service; with `handle`, a worker then handles what was stored, as one
        does the moment a text is stored (`handle`)."""
        log_watch.remember(body)
        response = self.post("/sms/inbound", self.sms_params(body, sender=sender, sid=sid, **extra))
        if handle and response.status_code == 200:
            self.handle()
        return response

    def handle(self) -> int:
        """What a worker does with the texts stored and due: each screened and handled, its replies queued."""
        from feedback.ops import runner

        with self._app_context():
            done = 0
            # Again while it does something: a young person's next text is theirs once the last is handled.
            while handled := runner.handle_texts(limit=1000).done:
                done += handled
            db.session.commit()  # as a request's view ends: no transaction (nor SQLite's write lock) left open
            return done

    def _app_context(self) -> Any:
        """The test's own app context when it has one (as the test client's requests use it: one session, so
        SQLite's write lock is never held against itself), else one of the app's."""
        if has_app_context() and current_app._get_current_object() is self.client.application:  # type: ignore[attr-defined]
            return nullcontext()
        return self.client.application.app_context()

    def replies(self, body: str, **kwargs: Any) -> list[str]:
        """Text `body` and return what the service answers: the replies a worker queued in answer to it (or, for a
        staff number, the webhook's own TwiML answer)."""
        sid = kwargs.pop("sid", None) or self.new_sid()
        response = self.text(body, sid=sid, **kwargs)
        assert response.status_code == 200, response.get_data(as_text=True)
        return twiml_messages(response.get_data(as_text=True)) + self.replies_to(sid)

    def replies_to(self, sid: str) -> list[str]:
        """The replies recorded in answer to the text Twilio called `sid`, in order."""
        from feedback.messages.models import InboundMessage, OutboundMessage

        with self._app_context():
            replies = list(
                db.session.scalars(
                    select(OutboundMessage.body)
                    .join(InboundMessage, OutboundMessage.in_reply_to_id == InboundMessage.id)
                    .where(InboundMessage.provider_sid == sid)
                    .order_by(OutboundMessage.id)
                )
            )
            db.session.commit()
            return replies

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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, shared by one module's browser tests (`tests.browser.chromium`)."""
    from tests.browser import chromium

    with chromium() as launched:
        yield launched

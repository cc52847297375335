"""Running it for real: the examples in deploy/ name commands that exist, the environment file lists every
setting, and gunicorn serves the app, also behind a TLS proxy.

None of these tests uses the `app` fixture: each starts the installed commands (`feedback`, `gunicorn`) as a
production machine would, against a SQLite file of its own, so they run once.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import re
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedback.cli import cli
from feedback.config import from_environment, migration_database_url, validate
from tests.processes import stop

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
# The virtual environment's commands, beside the Python running the tests (.venv/bin).
BIN = Path(sys.executable).parent
APP = "feedback:create_app()"
READY_WITHIN_SECONDS = 20.0
ENV_FILE = "/etc/feedback/feedback.env"
# The database owner's address (MIGRATION_DATABASE_URL): for the migrate unit alone.
MIGRATE_ENV_FILE = "/etc/feedback/migrate.env"
ENV_EXAMPLES = ("feedback.env.example", "migrate.env.example")


# --- the commands the examples name ---------------------------------------------------------------------------


def _service_commands(path: Path) -> list[list[str]]:
    """Every ExecStart= of a systemd unit, with its continuation lines joined and systemd's prefixes removed."""
    joined = re.sub(r"\\\n\s*", " ", path.read_text(encoding="utf-8"))
    commands = []
    for line in joined.splitlines():
        if line.startswith("ExecStart="):
            argv = shlex.split(line.removeprefix("ExecStart="))
            argv[0] = argv[0].lstrip("-@:+!")
            commands.append(argv)
    return commands


def _shell_defaults(word: str) -> str:
    """`${PORT:-8000}` as a shell would expand it with PORT unset."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", word)


def _procfile_commands(path: Path) -> list[list[str]]:
    commands = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            _, command = line.split(":", 1)
            commands.append([_shell_defaults(word) for word in shlex.split(command)])
    return commands


def _cron_commands(path: Path) -> list[list[str]]:
    """The command at the end of each cron line (after the settings are read with `. ENV_FILE &&`)."""
    commands = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and not re.match(r"^\w+=", line):
            commands.append(shlex.split(line.rsplit("&&", 1)[1]))
    return commands


def named_commands() -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    for unit in sorted(DEPLOY.glob("*.service")):
        found += [(unit.name, argv) for argv in _service_commands(unit)]
    found += [("Procfile", argv) for argv in _procfile_commands(DEPLOY / "Procfile")]
    found += [("feedback.cron", argv) for argv in _cron_commands(DEPLOY / "feedback.cron")]
    return found


def _command_id(source: str, argv: list[str]) -> str:
    program = Path(argv[0]).name
    words = [program, *_subcommand(argv)] if program == "feedback" else [program]
    return f"{source}:{' '.join(words)}"


def _subcommand(argv: list[str]) -> list[str]:
    """`feedback db upgrade --x` -> ["db", "upgrade"]: the words before the first option."""
    words = []
    for word in argv[1:]:
        if word.startswith("-"):
            break
        words.append(word)
    return words


NAMED = named_commands()


def test_the_examples_name_the_three_processes() -> None:
    programs = {(Path(argv[0]).name, *_subcommand(argv)[:1]) for _, argv in NAMED}
    assert {("gunicorn",), ("feedback", "worker"), ("feedback", "scheduler")} <= programs
    procfile = (DEPLOY / "Procfile").read_text(encoding="utf-8")
    assert [line.split(":", 1)[0] for line in procfile.splitlines() if line.strip()] == ["web", "worker", "scheduler"]


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """This process's environment without any of the service's settings, then a test machine's."""
    ours = {"FEEDBACK_ENV", "SECRET_KEY", "DATABASE_URL", "ENCRYPTION_KEY", "PUBLIC_BASE_URL", "TRUSTED_PROXIES"}
    env = {k: v for k, v in os.environ.items() if k not in ours and not k.startswith("TWILIO_")}
    env.update(
        FEEDBACK_ENV="testing",
        SECRET_KEY="production-test-secret-" + "s" * 32,
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
    )
    env.update(extra)
    return env


@pytest.mark.parametrize(("source", "argv"), NAMED, ids=[_command_id(s, a) for s, a in NAMED])
def test_every_command_in_deploy_exists(source: str, argv: list[str], tmp_path: Path) -> None:
    program = Path(argv[0]).name
    assert program in {"feedback", "gunicorn"}, f"{source} runs {argv[0]}"
    if argv[0].startswith("/"):
        # systemd needs absolute paths: the virtual environment's commands.
        assert argv[0].endswith(f"/.venv/bin/{program}"), argv[0]
    if program == "feedback":
        # The command is looked up as the installed `feedback` would look it up (the process itself is tested
        # by the scheduler, worker and gunicorn tests): in this process, with the machine's environment.
        result = CliRunner().invoke(cli, [*_subcommand(argv), "--help"], env=_environment(tmp_path))
        assert result.exit_code == 0, f"{source}: feedback {shlex.join(_subcommand(argv))}: {result.output}"
        return
    assert argv[-1] == APP, f"{source} serves {argv[-1]}"
    # gunicorn loads the app with every setting given, then exits without serving.
    check = [str(BIN / "gunicorn"), *argv[1:-1], "--check-config", APP]
    done = subprocess.run(
        check, env=_environment(tmp_path), cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"{source}: {shlex.join(check)} exited {done.returncode}\n{done.stderr}"


def test_every_unit_reads_the_environment_file() -> None:
    for unit in sorted(DEPLOY.glob("*.service")):
        text = unit.read_text(encoding="utf-8")
        assert f"EnvironmentFile={ENV_FILE}\n" in text, unit.name
        assert "User=feedback\n" in text, unit.name


# --- the environment file -------------------------------------------------------------------------------------


class _Recording(Mapping[str, str]):
    """An empty environment that remembers every name asked of it."""

    def __init__(self) -> None:
        self.asked: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.asked.add(name)
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def _example_settings(*names: str) -> dict[str, str]:
    """The environment examples in deploy/ as systemd's EnvironmentFile= reads them (quotes removed): by default
    both, as the migrate unit reads them (feedback.env, then migrate.env)."""
    settings = {}
    for name in names or ENV_EXAMPLES:
        for line in (DEPLOY / name).read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                setting, value = line.split("=", 1)
                settings[setting] = shlex.split(value)[0] if value else ""
    return settings


def test_the_environment_example_lists_every_setting_with_a_comment() -> None:
    recording = _Recording()
    from_environment(recording, "/tmp")
    migration_database_url(recording)  # read by `feedback db` alone, before the app is built
    example = _example_settings()
    assert set(example) == recording.asked
    for name in ENV_EXAMPLES:
        lines = (DEPLOY / name).read_text(encoding="utf-8").splitlines()
        for before, line in itertools.pairwise(lines):
            if line and not line.startswith("#"):
                assert before.startswith("# "), f"{name}: {line.split('=')[0]} has no comment above it"


def test_only_the_migrate_unit_holds_the_database_owners_address() -> None:
    """The owner's address is in a file of its own that only the migrate unit reads: the app's processes connect
    as a role that cannot change the schema or the audit log's protection."""
    assert set(_example_settings("migrate.env.example")) == {"MIGRATION_DATABASE_URL"}
    assert "MIGRATION_DATABASE_URL" not in _example_settings("feedback.env.example")
    readers = [
        path.name
        for path in sorted(DEPLOY.iterdir())
        if path.is_file() and f"EnvironmentFile={MIGRATE_ENV_FILE}" in path.read_text(encoding="utf-8")
    ]
    assert readers == ["feedback-migrate.service"]
    assert MIGRATE_ENV_FILE not in (DEPLOY / "feedback.cron").read_text(encoding="utf-8")
    [command] = _service_commands(DEPLOY / "feedback-migrate.service")
    assert _subcommand(command) == ["db", "upgrade"]


def test_the_environment_example_holds_no_secret_and_starts_in_production_once_filled_in(tmp_path: Path) -> None:
    example = _example_settings()
    for secret in ("SECRET_KEY", "ENCRYPTION_KEY", "TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID"):
        assert example[secret] == "", secret
    filled = {**example, "SECRET_KEY": "k" * 48, "ENCRYPTION_KEY": "e" * 48}
    config = from_environment(filled, str(tmp_path))
    validate(config)
    assert config["FEEDBACK_ENV"] == "production"
    assert config["TRUSTED_PROXIES"] == 1
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://feedback:")
    # Migrations as the owner of the tables; limits counted in one Redis for every web process.
    assert (migration_database_url(filled) or "").startswith("postgresql+psycopg://feedback_owner:")
    assert config["RATELIMIT_STORAGE_URI"].startswith("redis://") and not config["SINGLE_WEB_PROCESS"]


# --- gunicorn ---------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(port: int, path: str, headers: Mapping[str, str] | None = None) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=dict(headers or {}))
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@contextmanager
def gunicorn(tmp_path: Path, database: Path, app: str = APP, **extra: str) -> Iterator[int]:
    """`gunicorn -w 2` serving `app` on a copy of the session's migrated SQLite database (`feedback db upgrade` as a
    process is tested with the database roles); yields the port. Always stopped."""
    env = _environment(tmp_path, **extra)
    shutil.copy(database, tmp_path / "x.db")
    port = _free_port()
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", app],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + READY_WITHIN_SECONDS
        while True:
            if server.poll() is not None:
                pytest.fail(f"gunicorn exited with {server.returncode}:\n{log_path.read_text(errors='replace')}")
            try:
                _get(port, "/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not answer within {READY_WITHIN_SECONDS:.0f} s")
                time.sleep(0.2)
        yield port
    finally:
        # SIGTERM: gunicorn finishes requests in flight and stops its workers; SIGKILL the group if it lingers.
        stop(server, group=True)


def test_gunicorn_serves_the_app(tmp_path: Path, sqlite_template: Path) -> None:
    with gunicorn(tmp_path, sqlite_template) as port:
        status, body = _get(port, "/healthz")
        assert status == 200, body
        assert json.loads(body)["database"] == "ok"
        status, body = _get(port, "/staff/login")
        assert status == 200
        assert b"<form" in body


def test_gunicorn_behind_a_tls_proxy_serves_the_staff_pages(tmp_path: Path, sqlite_template: Path) -> None:
    forwarded = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "feedback.example.org",
        "X-Forwarded-For": "203.0.113.7",
    }
    with gunicorn(tmp_path, sqlite_template, TRUSTED_PROXIES="1") as port:
        status, body = _get(port, "/staff/login", forwarded)
        assert status == 200
        assert b"<form" in body
        status, _ = _get(port, "/healthz", forwarded)
        assert status == 200


# --- limits shared by every web process -------------------------------------------------------------------------

# A database of its own on the local Redis (see tests/channels/test_web_survey.py); this test's keys carry their
# own prefix.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
SIGN_IN_LIMIT = 5


def _sign_in_attempts(port: int, count: int) -> list[int]:
    """`count` failed sign-ins from one address, four at a time so that both gunicorn workers take some."""

    def attempt(number: int) -> int:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            form = urllib.parse.urlencode({"email": f"nobody{number}@example.org", "password": "not the password"})
            connection.request(
                "POST", "/staff/login", body=form, headers={"Content-Type": "application/x-www-form-urlencoded"}
            )
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(attempt, range(count)))


def _limited_app(prefix: str) -> str:
    """The app as gunicorn loads it, with this test's Redis key prefix (and no CSRF token to fetch first)."""
    return f'feedback:create_app({{"RATELIMIT_KEY_PREFIX": "{prefix}", "WTF_CSRF_ENABLED": False}})'


def test_gunicorn_workers_count_sign_in_attempts_together_in_redis(tmp_path: Path, sqlite_template: Path) -> None:
    import redis

    prefix = f"feedback-test-{secrets.token_hex(4)}"
    attempts = 4 * SIGN_IN_LIMIT
    try:
        with gunicorn(
            tmp_path,
            sqlite_template,
            _limited_app(prefix),
            RATELIMIT_STORAGE_URI=REDIS_URL,
            LOGIN_ATTEMPTS_PER_MINUTE=str(SIGN_IN_LIMIT),
        ) as port:
            shared = _sign_in_attempts(port, attempts)
        # The same attempts with each worker counting in its own memory: more get through, so both workers took
        # some, and the count above was shared.
        (tmp_path / "memory").mkdir()
        with gunicorn(
            tmp_path / "memory",
            sqlite_template,
            _limited_app(prefix),
            RATELIMIT_STORAGE_URI="memory://",
            LOGIN_ATTEMPTS_PER_MINUTE=str(SIGN_IN_LIMIT),
        ) as port:
            separate = _sign_in_attempts(port, attempts)
    finally:
        store = redis.Redis.from_url(REDIS_URL)
        keys = list(store.scan_iter(f"*{prefix}*"))
        if keys:
            store.delete(*keys)
    assert sorted(shared) == [200] * SIGN_IN_LIMIT + [429] * (attempts - SIGN_IN_LIMIT)
    assert separate.count(200) > SIGN_IN_LIMIT and set(separate) == {200, 429}

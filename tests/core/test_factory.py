"""The app factory, configuration from the environment, and the health check."""

from __future__ import annotations

from typing import Any

import pytest

from feedback import create_app
from feedback.config import ConfigurationError, database_url, from_environment, migration_database_url, validate
from tests.conftest import base_config


def production(**overrides: Any) -> dict[str, Any]:
    """A production configuration with its limits counted where every web process shares them."""
    settings: dict[str, Any] = {"FEEDBACK_ENV": "production", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15"}
    return base_config("sqlite://", **{**settings, **overrides})


def test_the_factory_takes_test_settings(app: Any) -> None:
    assert app.testing
    assert app.config["PUBLIC_BASE_URL"] == "https://feedback.example.org"


@pytest.mark.parametrize("secret", [None, "", "short", "dev", "changeme" * 1])
def test_production_refuses_to_start_without_a_strong_secret_key(secret: str | None) -> None:
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app(production(SECRET_KEY=secret))


def test_production_starts_with_a_strong_secret_key() -> None:
    app = create_app(production(SECRET_KEY="k" * 48))
    assert app.config["SESSION_COOKIE_SECURE"]


def test_development_starts_without_a_secret_key() -> None:
    app = create_app(base_config("sqlite://", FEEDBACK_ENV="development", SECRET_KEY=None))
    assert app.config["SECRET_KEY"]
    assert not app.config["SESSION_COOKIE_SECURE"]


def test_production_with_twilio_needs_the_public_address_that_twilio_signs() -> None:
    with pytest.raises(ConfigurationError, match="PUBLIC_BASE_URL"):
        create_app(production(SECRET_KEY="k" * 48, PUBLIC_BASE_URL=None))


def test_sending_with_twilio_needs_a_sender() -> None:
    with pytest.raises(ConfigurationError, match="TWILIO_FROM_NUMBER"):
        create_app(production(SECRET_KEY="k" * 48, TWILIO_ACCOUNT_SID="AC1", TWILIO_FROM_NUMBER=None))


def test_settings_come_from_the_environment(tmp_path: Any) -> None:
    env = {
        "FEEDBACK_ENV": "development",
        "DATABASE_URL": "postgres://u@db.example/feedback",
        "PUBLIC_BASE_URL": "https://feedback.example.org/",
        "TWILIO_API_BASE_URL": "http://127.0.0.1:4010/",
        "CONVERSATION_TIMEOUT_HOURS": "24",
    }
    config = from_environment(env, str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/feedback"
    assert config["PUBLIC_BASE_URL"] == "https://feedback.example.org"
    assert config["TWILIO_API_BASE_URL"] == "http://127.0.0.1:4010"
    assert config["CONVERSATION_TIMEOUT_HOURS"] == 24


def test_bad_settings_are_named() -> None:
    with pytest.raises(ConfigurationError, match="CONVERSATION_TIMEOUT_HOURS"):
        from_environment({"CONVERSATION_TIMEOUT_HOURS": "two days"}, "/tmp")
    with pytest.raises(ConfigurationError, match="FEEDBACK_ENV"):
        from_environment({"FEEDBACK_ENV": "staging"}, "/tmp")


def test_the_default_database_is_a_sqlite_file_in_instance(tmp_path: Any) -> None:
    assert database_url(None, str(tmp_path)) == f"sqlite:///{tmp_path}/feedback.db"


def test_healthz_answers_when_the_database_does(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "database": "ok",
        "outbox_backlog": 0,
        "texts_waiting": 0,
        "oldest_text_waiting_seconds": None,
        "scheduler": {"running": False, "heartbeat_age_seconds": None, "last_job": None, "last_job_at": None},
    }


def test_healthz_is_503_when_the_database_does_not_answer() -> None:
    app = create_app(base_config("postgresql+psycopg://nobody@127.0.0.1:1/none"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "error"}


def test_the_command_refuses_to_start_without_a_secret_key_and_says_why(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "FEEDBACK_ENV", "DATABASE_URL"}}
    env.update(FEEDBACK_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}")
    result = subprocess.run(
        [sys.executable, "-c", "from feedback.cli import cli; cli()", "surveys", "list"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "Error: SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_localities_and_the_suppression_threshold_are_settings(tmp_path: Any) -> None:
    settings = from_environment(
        {"LOCALITIES": "Hamilton, Larkhall,,Hamilton", "SUPPRESSION_THRESHOLD": "5"}, str(tmp_path)
    )
    assert settings["LOCALITIES"] == ("Hamilton", "Larkhall") and settings["SUPPRESSION_THRESHOLD"] == 5
    assert from_environment({}, str(tmp_path))["LOCALITIES"][0] == "Clydesdale"
    with pytest.raises(ConfigurationError, match="SUPPRESSION_THRESHOLD must be at least 2"):
        create_app(base_config("sqlite://", SUPPRESSION_THRESHOLD=1))


# --- limits shared by every web process ---------------------------------------------------------------------------


def test_production_refuses_limits_counted_in_one_process_and_says_what_to_set() -> None:
    with pytest.raises(ConfigurationError, match="RATELIMIT_STORAGE_URI") as refused:
        create_app(production(SECRET_KEY="k" * 48, RATELIMIT_STORAGE_URI="memory://"))
    assert "SINGLE_WEB_PROCESS=yes" in str(refused.value)


def test_production_counts_limits_in_memory_when_it_runs_one_web_process() -> None:
    app = create_app(production(SECRET_KEY="k" * 48, RATELIMIT_STORAGE_URI="memory://", SINGLE_WEB_PROCESS=True))
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_production_starts_with_limits_in_redis() -> None:
    app = create_app(production(SECRET_KEY="k" * 48, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15"))
    assert not app.config["SINGLE_WEB_PROCESS"]


@pytest.mark.parametrize("mode", ["development", "testing"])
def test_development_and_tests_count_limits_in_memory(mode: str) -> None:
    app = create_app(base_config("sqlite://", FEEDBACK_ENV=mode, RATELIMIT_STORAGE_URI="memory://"))
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


@pytest.mark.parametrize(
    ("raw", "expected"), [("yes", True), ("Yes", True), ("true", True), ("1", True), ("no", False), ("", False)]
)
def test_single_web_process_is_yes_or_no(raw: str, expected: bool, tmp_path: Any) -> None:
    assert from_environment({"SINGLE_WEB_PROCESS": raw}, str(tmp_path))["SINGLE_WEB_PROCESS"] is expected
    with pytest.raises(ConfigurationError, match="SINGLE_WEB_PROCESS must be yes or no"):
        from_environment({"SINGLE_WEB_PROCESS": "4 workers"}, str(tmp_path))


def test_production_reads_its_settings_and_refuses_memory_limits_from_the_environment(tmp_path: Any) -> None:
    """The same refusal from the environment a production machine gives, and the way out of it."""
    env = {"FEEDBACK_ENV": "production", "SECRET_KEY": "k" * 48, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    with pytest.raises(ConfigurationError, match="RATELIMIT_STORAGE_URI"):
        validate(from_environment(env, str(tmp_path)))
    validate(from_environment({**env, "SINGLE_WEB_PROCESS": "yes"}, str(tmp_path)))
    validate(from_environment({**env, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}, str(tmp_path)))


def test_migrations_connect_through_their_own_address_when_it_is_set(tmp_path: Any) -> None:
    env = {"DATABASE_URL": "postgresql://feedback@db/feedback"}
    assert migration_database_url(env) is None
    both = {**env, "MIGRATION_DATABASE_URL": "postgres://feedback_owner@db/feedback"}
    assert migration_database_url(both) == "postgresql+psycopg://feedback_owner@db/feedback"
    assert (
        from_environment(both, str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://feedback@db/feedback"
    )

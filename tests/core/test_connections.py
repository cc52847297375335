"""A database that dropped its connections (a restart, a firewall's idle timeout) costs no young person's text.

Pooled connections are pinged only after they have been idle a while (`feedback.PING_AFTER_IDLE_SECONDS`), not at
every checkout; one found dead in use is thrown away with its pool, and the webhook stores the text once more on a
fresh connection.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

import feedback
from feedback.extensions import db
from tests.conftest import TwilioWebhook, count


@pytest.fixture
def postgresql(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("PostgreSQL's connections (SQLite has none to lose)")


@pytest.fixture
def dropped(app: Any, database_url: str) -> Iterator[Any]:
    """Call to make the database end every connection of the app's pool, as a restart would."""

    def drop() -> None:
        with psycopg.connect(database_url.replace("+psycopg", ""), autocommit=True) as admin:
            ended = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()
        assert ended is not None and ended[0] >= 1

    try:
        yield drop
    finally:
        db.engine.dispose()  # the suite's later tests share this engine


@pytest.mark.usefixtures("postgresql")
@pytest.mark.parametrize(
    "ping_after",
    [
        pytest.param(0.0, id="an idle connection the database dropped is replaced before use"),
        pytest.param(3600.0, id="one found dead in use costs the webhook one more try, not the text"),
    ],
)
def test_a_text_is_stored_after_the_database_dropped_the_pools_connections(
    app: Any, twilio: TwilioWebhook, dropped: Any, monkeypatch: pytest.MonkeyPatch, ping_after: float
) -> None:
    assert twilio.text("hello", handle=False).status_code == 200
    dropped()
    monkeypatch.setattr(feedback, "PING_AFTER_IDLE_SECONDS", ping_after)  # 0: every connection counts as idle
    assert twilio.text("hello again", handle=False).status_code == 200
    assert count("inbound_message") == 2

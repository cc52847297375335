"""The production topology, for real: several web processes and several workers against one PostgreSQL (and
Redis for the web's limits), each a process of its own as `deploy/` starts them.

Texts from several young people come in through two gunicorn workers at once; two `feedback worker` processes,
polling only every 30 seconds, are woken by PostgreSQL's NOTIFY and share them: every text is handled once, each
young person's in the order sent, every reply sent once, well before either worker would have polled.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from twilio.request_validator import RequestValidator

from feedback.extensions import db
from feedback.messages.models import InboundMessage, OutboundMessage
from feedback.surveys.models import Answer
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL, SERVICE_NUMBER, base_config
from tests.ops.test_production import REDIS_URL, _free_port, _get
from tests.processes import stop
from tests.twilio_requests import inbound_sms

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
# Longer than the whole test may take: a text handled in time was handled because NOTIFY woke a worker.
POLL_SECONDS = 30
HANDLED_WITHIN_SECONDS = 15.0
SENDERS = [f"+4477009003{n:02d}" for n in range(6)]
TEXTS = ("CHECKIN", "4", "not sure", "yes")


@pytest.fixture
def postgresql(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("the production topology is PostgreSQL's (SQLite is one machine's)")


def _environment(database_url: str) -> dict[str, str]:
    config = base_config(database_url)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "FEEDBACK_"))}
    env.update(
        FEEDBACK_ENV="testing",
        SECRET_KEY=config["SECRET_KEY"],
        ENCRYPTION_KEY=config["ENCRYPTION_KEY"],  # the test reads what the processes wrote
        DATABASE_URL=database_url,
        PUBLIC_BASE_URL=PUBLIC_BASE_URL,
        TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        TWILIO_FROM_NUMBER=SERVICE_NUMBER,
        SEND_RATE_PER_SECOND="0",
        RATELIMIT_STORAGE_URI=REDIS_URL,
    )
    return env


@contextmanager
def started(argv: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        stop(process)


def _text(port: int, params: dict[str, str]) -> int:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_BASE_URL + "/sms/inbound", params)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "POST",
            "/sms/inbound",
            body=urllib.parse.urlencode(params),
            headers={"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature},
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@pytest.mark.usefixtures("postgresql")
def test_two_web_processes_and_two_workers_share_the_texts(app: Any, database_url: str, tmp_path: Path) -> None:
    env = _environment(database_url)
    port = _free_port()
    with ExitStack() as stack:
        web = stack.enter_context(
            started([str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "feedback:create_app()"], env,
                    tmp_path / "web.log")
        )  # fmt: skip
        workers = [
            stack.enter_context(
                started([str(BIN / "feedback"), "worker", "--interval", str(POLL_SECONDS)], env, tmp_path / f"w{n}.log")
            )
            for n in range(2)
        ]
        deadline = time.monotonic() + 20
        while True:
            assert web.poll() is None, (tmp_path / "web.log").read_text(errors="replace")
            try:
                if _get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer"
            time.sleep(0.2)
        # The workers' first rounds find nothing; then each LISTENs.
        listening = text("SELECT count(*) FROM pg_stat_activity WHERE query ILIKE 'LISTEN %'")
        while db.session.scalar(listening) < 2:
            db.session.rollback()
            assert time.monotonic() < deadline + 20, "the workers do not LISTEN"
            time.sleep(0.1)
        db.session.rollback()

        # Each young person texts in turn; the six of them at once, through whichever web process takes it.
        sid = iter(range(1, 1000))
        rounds = [
            [inbound_sms(sid=f"SM{next(sid):032x}", sender=s, body=words, to=SERVICE_NUMBER, account_sid=ACCOUNT_SID)
             for s in SENDERS]
            for words in TEXTS
        ]  # fmt: skip
        started_at = time.monotonic()
        with ThreadPoolExecutor(max_workers=6) as pool:
            for texts in rounds:
                assert set(pool.map(lambda params: _text(port, params), texts)) == {200}
        waiting = select(func.count()).select_from(InboundMessage).where(InboundMessage.status != "processed")
        while db.session.scalar(waiting) and time.monotonic() - started_at < HANDLED_WITHIN_SECONDS:
            db.session.rollback()
            time.sleep(0.1)
        handled_after = time.monotonic() - started_at
        unsent = select(func.count()).select_from(OutboundMessage).where(OutboundMessage.status == "queued")
        while db.session.scalar(unsent) and time.monotonic() - started_at < HANDLED_WITHIN_SECONDS:
            db.session.rollback()
            time.sleep(0.1)
        assert all(worker.poll() is None for worker in workers)
        # Told to stop (as systemd does), each worker stops within a second or two, not after its 30 s poll.
        stopping = time.monotonic()
        for worker in workers:
            worker.terminate()
        assert [worker.wait(timeout=10) for worker in workers] == [0, 0]
        stopped_after = time.monotonic() - stopping

    db.session.expire_all()
    assert handled_after < HANDLED_WITHIN_SECONDS, f"texts still waiting after {handled_after:.1f} s"
    assert stopped_after < 5, stopped_after
    handlings = db.session.scalars(select(InboundMessage.handling).order_by(InboundMessage.id)).all()
    assert handlings == ["survey-start"] * 6 + ["answer"] * 18
    replies = db.session.execute(
        select(OutboundMessage.in_reply_to_id, func.count(), func.min(OutboundMessage.status)).group_by(
            OutboundMessage.in_reply_to_id
        )
    ).all()
    assert len(replies) == 24 and {(n, status) for _, n, status in replies} == {(1, "simulated")}
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 18
    for log in tmp_path.glob("w*.log"):
        assert "Traceback" not in log.read_text(errors="replace")

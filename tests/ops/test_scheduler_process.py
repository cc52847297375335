"""`feedback scheduler` as a production machine runs it: the first process takes the lease, stores its jobs in the
database and runs them; a second started by mistake waits and runs nothing; both stop cleanly on SIGTERM; a
restart keeps the stored jobs. Real processes against a SQLite file of their own, so this runs once."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BIN = Path(sys.executable).parent


def _environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"FEEDBACK_ENV", "DATABASE_URL", "SECRET_KEY"}}
    env.update(FEEDBACK_ENV="testing", DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}", LOG_FORMAT="text")
    return env


def _query(tmp_path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(tmp_path / "x.db", timeout=10) as connection:
        return connection.execute(sql).fetchall()


def _until(check: Callable[[], bool], seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(BIN / "feedback"), "scheduler"], env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )


def _stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


def test_one_scheduler_runs_a_second_waits_and_both_stop_cleanly(tmp_path: Path, sqlite_template: Path) -> None:
    env = _environment(tmp_path)
    # The session's database, migrated and with the defaults (`feedback db upgrade` and `feedback defaults load`
    # as processes are tested elsewhere): the processes here are the schedulers.
    shutil.copy(sqlite_template, tmp_path / "x.db")
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = _start(env, first_log)
    second = None
    try:
        assert _until(lambda: len(_query(tmp_path, "SELECT id FROM apscheduler_jobs")) == 6), first_log.read_text()
        assert _until(lambda: bool(_query(tmp_path, "SELECT last_job FROM scheduler_lease WHERE last_job IS NOT NULL")))
        (holder,) = _query(tmp_path, "SELECT holder FROM scheduler_lease")[0]
        assert holder.split(":")[1] == str(first.pid)

        second = _start(env, second_log)
        assert _until(lambda: "another scheduler holds the lease" in second_log.read_text()), second_log.read_text()
        assert second.poll() is None
        assert _query(tmp_path, "SELECT holder FROM scheduler_lease")[0][0] == holder
        assert _stop(second) == 0
        second = None
    finally:
        code = _stop(first)
        if second is not None:
            second.kill()
    assert code == 0
    assert "scheduler stopped" in first_log.read_text()
    stored = {row[0] for row in _query(tmp_path, "SELECT id FROM apscheduler_jobs")}
    assert stored == {
        *("run-schedules", "send-reminders", "expire-conversations"),
        *("escalate-statements", "escalate-alerts", "retention"),
    }  # fmt: skip

    # A restart finds its jobs where it left them. (A new process is a new holder: it waits out a heartbeat
    # younger than the lease's 90 seconds, so the old one is made stale here rather than waited for.)
    (beat,) = _query(tmp_path, "SELECT heartbeat_at FROM scheduler_lease")[0]
    with sqlite3.connect(tmp_path / "x.db") as connection:
        connection.execute("UPDATE scheduler_lease SET heartbeat_at = ?", ("2000" + str(beat)[4:],))
    restarted = _start(env, tmp_path / "restarted.log")
    try:
        assert _until(lambda: f":{restarted.pid}:" in _query(tmp_path, "SELECT holder FROM scheduler_lease")[0][0])
    finally:
        assert _stop(restarted) == 0
    assert len(_query(tmp_path, "SELECT id FROM apscheduler_jobs")) == 6

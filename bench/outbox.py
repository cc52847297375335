"""Queue one survey for 100,000 young people, then drain it with several senders at one shared send rate.

    python bench/outbox.py [--people 100000] [--senders 4] [--rate 200] [--drain 10000] [--keep]

On a PostgreSQL database of its own (`feedback_bench_outbox` by default: made afresh, migrated with the app and
dropped at the end unless --keep) it:

1. registers --people young people who may be texted (in bulk: a keyed hash and an encrypted number each, made-up
   UK mobiles from +447400000000; nothing is ever sent) and times the path a scheduled check-in takes:
   `schedules.add(...)` for everyone, then `schedules.run_due(...)` at its moment, committed. Against two floors
   measured in the same run, each in a transaction rolled back: the same conversation and outbound_message rows
   written by one INSERT ... SELECT each, and written from Python by executemany, with no encryption. It checks
   that exactly one invitation per person was queued, that run_due again at the same moment queues nothing, and
   times a duplicated send of the same occurrence (it must reach nobody).
2. starts --senders processes (each its own app and connection) running `outbox.flush(...)` in the worker's
   rounds of 100 with one `outbox.Pacer` at --rate messages a second, until --drain messages have gone. Half way,
   it queues a reply (priority 0) and counts the slots it waited behind the bulk backlog. It reports the rate
   achieved against --rate, and checks in the database that nothing went twice: every simulated message took
   one attempt and has its own provider id, nobody had two invitations, and the count matches what the senders
   reported. Then the same senders without the pacer, briefly: what they could do on this machine.

It also prints the time the claim's query takes with the backlog queued (the migrations' claim index ends with
the id, so it reads one index entry) and the share of the machine other processes used meanwhile: figures from a
busy machine are noisier.

A benchmark, not a test: it never fails because of a figure. It exits 1 when a check fails (something sent
twice, a count that does not match) and 2 when it cannot set up or run.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing as mp
import os
import queue as queues
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

try:
    import psycopg
    from flask import Flask
    from flask_migrate import upgrade
    from psycopg import sql
    from sqlalchemy import event, make_url, text
    from sqlalchemy.exc import SQLAlchemyError
except ModuleNotFoundError:  # `python bench/outbox.py` outside the venv: start again with the venv's Python
    _VENV_PYTHON = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "python"
    if __name__ != "__main__" or not _VENV_PYTHON.exists() or Path(sys.executable) == _VENV_PYTHON:
        raise
    os.execv(_VENV_PYTHON, [str(_VENV_PYTHON), *sys.argv])  # noqa: S606 - this script again, no shell

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feedback import create_app
from feedback.config import DEFAULT_LOCALITIES
from feedback.core.db_types import CIPHER_EXTENSION, current_cipher
from feedback.extensions import current_session, db
from feedback.messages import outbox
from feedback.ops.defaults import load_defaults
from feedback.people.models import new_pseudonym
from feedback.surveys import conversations, schedules, sending
from feedback.surveys import operations as surveys

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_DATABASE = "feedback_bench_outbox"
MARKER = "bench_outbox_marker"  # a table only this bench makes: it drops no database without it
SURVEY = "monthly-checkin"
CRON = "0 17 * * *"  # every day at 17:00 UK time
FIRST_NUMBER = 447400000000  # made-up UK mobiles, +447400000000 upwards (the simulator sends nothing)
PACE_NUMBER = "bench-number"
WORKER_BATCH = 100  # what `feedback worker` flushes in one round (runner.work_once)
REPLY_BODY = "bench: a reply to the young person's own text"
UNPACED = 2000  # messages the senders send without a pacer, to show what they could do


class BenchError(RuntimeError):
    """The benchmark could not be set up or run (not a slow result: a broken one)."""


# --- the database -------------------------------------------------------------------------------------------


def server_url(postgres: str, database: str) -> str:
    return make_url(postgres).set(drivername="postgresql", database=database).render_as_string(hide_password=False)


def app_url(postgres: str, database: str) -> str:
    return make_url(server_url(postgres, database)).set(drivername="postgresql+psycopg").render_as_string(False)


def libpq(url: str) -> str:
    """The app's SQLAlchemy URL as psycopg takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def create_database(postgres: str, database: str) -> None:
    """The bench's database, afresh. One left by an earlier run (it has the marker table) is dropped first."""
    with psycopg.connect(server_url(postgres, "postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone() is not None:
            with psycopg.connect(server_url(postgres, database)) as there:
                tables = {r[0] for r in there.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
            if tables and MARKER not in tables:
                raise BenchError(f"database {database} exists and is not this bench's: give --database another name")
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(database)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    with psycopg.connect(server_url(postgres, database), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE TABLE {} (made_at timestamptz)").format(sql.Identifier(MARKER)))


def drop_database(postgres: str, database: str) -> None:
    with psycopg.connect(server_url(postgres, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))


def make_app(url: str, key: str) -> Flask:
    return create_app(
        {
            "FEEDBACK_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ENCRYPTION_KEY": key,
            "LOCALITIES": DEFAULT_LOCALITIES,
            "TWILIO_ACCOUNT_SID": None,
            "SEND_RATE_PER_SECOND": 0,
        }
    )


def register_people(url: str, count: int) -> float:
    """`count` young people who may be texted, as the register import makes them (keyed hash, encrypted number),
    copied in bulk. Returns the seconds it took."""
    started = time.perf_counter()
    cipher = current_cipher()
    made = datetime.now(UTC)
    copy = "COPY person (pseudonym, phone_hash, phone, consent_sms, created_at) FROM STDIN"
    with psycopg.connect(libpq(url)) as conn, conn.cursor().copy(copy) as cp:
        for i in range(count):
            phone = f"+{FIRST_NUMBER + i}"
            cp.write_row((new_pseudonym(), cipher.lookup_hash(phone), cipher.encrypt(phone), True, made))
    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) person")
    return time.perf_counter() - started


# --- queueing -----------------------------------------------------------------------------------------------

FLOOR_CONVERSATIONS = """
INSERT INTO conversation (person_id, survey_id, survey_version_id, channel, status, occurrence, position,
                          invalid_attempts, started_at, last_activity_at)
SELECT id, %(survey)s, %(version)s, 'sms', 'invited', 'bench-floor', 0, 0, %(now)s, %(now)s
FROM person WHERE phone_hash IS NOT NULL AND opted_out_at IS NULL AND consent_sms IS NOT FALSE
"""
FLOOR_MESSAGES = """
INSERT INTO outbound_message (person_id, conversation_id, channel, kind, priority, body, status, attempts,
                              next_attempt_at, created_at, updated_at)
SELECT person_id, id, 'sms', 'survey-invite', 2, %(body)s, 'queued', 0, %(now)s, %(now)s, %(now)s
FROM conversation WHERE occurrence = 'bench-floor'
"""
CONVERSATION_ROW = """
INSERT INTO conversation (person_id, survey_id, survey_version_id, channel, status, occurrence, position,
                          invalid_attempts, started_at, last_activity_at)
VALUES (%s, %s, %s, 'sms', 'invited', 'bench-floor', 0, 0, %s, %s) RETURNING id, person_id
"""
MESSAGE_ROW = """
INSERT INTO outbound_message (person_id, conversation_id, channel, kind, priority, body, status, attempts,
                              next_attempt_at, created_at, updated_at)
VALUES (%s, %s, 'sms', 'survey-invite', 2, %s, 'queued', 0, %s, %s, %s)
"""


def floors(url: str, survey: int, version: int, body: str) -> tuple[float, float]:
    """Seconds to write the same rows by INSERT ... SELECT, and from Python by executemany (each rolled back)."""
    plain = libpq(url)
    now = datetime.now(UTC)
    with psycopg.connect(plain) as conn:
        started = time.perf_counter()
        conn.execute(FLOOR_CONVERSATIONS, {"survey": survey, "version": version, "now": now})
        conn.execute(FLOOR_MESSAGES, {"body": body, "now": now})
        in_sql = time.perf_counter() - started
        conn.rollback()
    with psycopg.connect(plain) as conn:
        started = time.perf_counter()
        cur = conn.cursor()
        ids = [row[0] for row in cur.execute("SELECT id FROM person WHERE phone_hash IS NOT NULL ORDER BY id")]
        cur.executemany(CONVERSATION_ROW, [(pid, survey, version, now, now) for pid in ids], returning=True)
        created = []
        while True:
            created.extend(cur.fetchall())
            if not cur.nextset():
                break
        cur.executemany(MESSAGE_ROW, [(pid, cid, body, now, now, now) for cid, pid in created])
        from_python = time.perf_counter() - started
        conn.rollback()
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE) conversation, outbound_message")
    return in_sql, from_python


@dataclass
class Spent:
    """Where a block's time went: SQL (statement sent to answer read), encryption, and the rest (Python)."""

    sql: float = 0.0
    statements: int = 0
    encrypt: float = 0.0
    encryptions: int = 0
    members: float = 0.0
    by_statement: dict[str, list[float]] = field(default_factory=dict)  # statement -> [count, seconds]


class TimedCipher:
    """The app's cipher, timing each encryption."""

    def __init__(self, cipher: Any, spent: Spent) -> None:
        self._cipher, self._spent = cipher, spent

    def encrypt(self, value: str) -> str:
        started = time.perf_counter()
        try:
            return str(self._cipher.encrypt(value))
        finally:
            self._spent.encrypt += time.perf_counter() - started
            self._spent.encryptions += 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cipher, name)


def statement_kind(statement: str) -> str:
    """A statement by what it does, for the breakdown: its verb, its table, and whether it is a batch."""
    words = statement.split()
    verb = words[0].upper() if words else "?"
    table = next((words[i + 1] for i, w in enumerate(words[:-1]) if w.upper() in {"INTO", "FROM", "UPDATE"}), "?")
    if verb == "UPDATE":
        table = words[1] if len(words) > 1 else "?"
    return f"{verb} {table}"


@contextmanager
def accounted(app: Flask, spent: Spent) -> Iterator[None]:
    engine = db.engine
    starts: list[float] = []

    def before(*_: Any) -> None:
        starts.append(time.perf_counter())

    def after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        seconds = time.perf_counter() - starts.pop()
        spent.sql += seconds
        spent.statements += 1
        kind = spent.by_statement.setdefault(statement_kind(statement), [0, 0.0])
        kind[0], kind[1] = kind[0] + 1, kind[1] + seconds

    original_members = schedules.members

    def members(*args: Any, **kwargs: Any) -> list[int]:
        started = time.perf_counter()
        try:
            return original_members(*args, **kwargs)
        finally:
            spent.members += time.perf_counter() - started

    cipher = app.extensions[CIPHER_EXTENSION]
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    app.extensions[CIPHER_EXTENSION] = TimedCipher(cipher, spent)
    schedules.members = members
    try:
        yield
    finally:
        schedules.members = original_members
        app.extensions[CIPHER_EXTENSION] = cipher
        event.remove(engine, "after_cursor_execute", after)
        event.remove(engine, "before_cursor_execute", before)


@dataclass
class Queueing:
    people: int
    register_seconds: float
    floor_sql: float
    floor_python: float
    seconds: float
    spent: Spent
    queued: int
    invitations: int
    again_runs: int
    again_queued: int
    duplicate_seconds: float
    duplicate_queued: int
    duplicate_already: int
    due_at: datetime


def queue_survey(app: Flask, url: str, people: int) -> Queueing:
    session = current_session()
    version = surveys.current_version(session, SURVEY)
    body = conversations.opening(version)
    session.rollback()
    register_seconds = register_people(url, people)
    floor_sql, floor_python = floors(url, version.survey_id, version.id, body)
    # A daily check-in added three days ago; it runs at its first moment (in the past, so the senders, on the real
    # clock, find its messages due).
    added = datetime.now(UTC) - timedelta(days=3)
    spent = Spent()
    with accounted(app, spent):
        started = time.perf_counter()
        schedule = schedules.add(session, SURVEY, cron=CRON, group=schedules.Group(schedules.EVERYONE), now=added)
        due_at = schedule.next_run_at
        assert due_at is not None
        session.commit()
        runs = schedules.run_due(session, now=due_at)
        seconds = time.perf_counter() - started
    queued = sum(run.report.queued for run in runs)
    again = schedules.run_due(session, now=due_at)
    occurrence = f"schedule-{schedule.id}-{due_at.astimezone(schedules.LOCAL_TIME):%Y%m%dT%H%M}"
    started = time.perf_counter()
    ids = schedules.members(session, schedules.Group(schedules.EVERYONE), today=due_at.date())
    duplicate = sending.send_survey(session, version, ids, occurrence=occurrence, now=due_at)
    session.commit()
    duplicate_seconds = time.perf_counter() - started
    invitations = session.execute(
        text("SELECT count(*) FROM outbound_message WHERE kind = :kind AND status = 'queued'"),
        {"kind": sending.INVITATION},
    ).scalar_one()
    session.commit()
    return Queueing(
        people=people,
        register_seconds=register_seconds,
        floor_sql=floor_sql,
        floor_python=floor_python,
        seconds=seconds,
        spent=spent,
        queued=queued,
        invitations=invitations,
        again_runs=len(again),
        again_queued=sum(run.report.queued for run in again),
        duplicate_seconds=duplicate_seconds,
        duplicate_queued=duplicate.queued,
        duplicate_already=duplicate.already_sent,
        due_at=due_at,
    )


# --- senders ------------------------------------------------------------------------------------------------


class RecordingSender:
    """The simulator, noting when each message went, to whom, and whether it was the reply; every message gets
    a provider id of its own, so the database can show none was recorded twice."""

    def __init__(self, run: str, index: int, counter: Any) -> None:
        self.run, self.index, self.counter = run, index, counter
        self.sends: list[tuple[float, str, bool]] = []

    def send(self, to: str, body: str) -> outbox.SendResult:
        moment = time.time()
        with self.counter.get_lock():
            self.counter.value += 1
        self.sends.append((moment, to, body == REPLY_BODY))
        sid = f"SM{self.run}{self.index:02d}{len(self.sends):08d}"
        return outbox.SendResult(provider_sid=sid, status=outbox.SIMULATED)


@dataclass
class SenderResult:
    index: int
    sends: list[tuple[float, str, bool]]
    simulated: int
    handled: int
    rounds: int


@dataclass(frozen=True)
class SenderJob:
    url: str
    key: str
    index: int
    senders: int
    rate: float | None
    drain: int


def sender_process(job: SenderJob, counter: Any, ready: Any, go: Any, out: Any) -> None:
    """One sender: its own app and connection, flushing in the worker's rounds until `drain` have gone."""
    app = make_app(job.url, job.key)
    with app.app_context():
        recorder = RecordingSender("paced" if job.rate else "unpaced", job.index, counter)
        pacer = outbox.Pacer(PACE_NUMBER, job.rate) if job.rate else None
        policy = outbox.RetryPolicy()
        simulated = handled = rounds = 0
        current_session().execute(text("SELECT 1"))  # connected before the start
        current_session().rollback()
        with ready.get_lock():
            ready.value += 1
        go.wait()
        while (remaining := job.drain - counter.value) > 0:
            report = outbox.flush(
                current_session(),
                recorder,
                now=datetime.now(UTC),
                retry=policy,
                limit=max(1, min(WORKER_BATCH, math.ceil(remaining / job.senders))),
                quiet=outbox.NO_QUIET_HOURS,
                pacer=pacer,
                clock=lambda: datetime.now(UTC),  # as the worker does: a reply queued mid-round goes next
            )
            db.session.remove()
            simulated, handled, rounds = simulated + report.simulated, handled + report.handled, rounds + 1
            if report.handled == 0:
                break
        db.engine.dispose()
    out.put(SenderResult(job.index, recorder.sends, simulated, handled, rounds))


@dataclass
class Drain:
    senders: int
    rate: float | None
    results: list[SenderResult]
    reply_queued_at: float | None
    backlog: int = 0  # messages due when the reply was queued

    @property
    def times(self) -> list[float]:
        return sorted(moment for r in self.results for moment, _, _ in r.sends)

    @property
    def count(self) -> int:
        return sum(len(r.sends) for r in self.results)

    def achieved(self) -> float:
        times = self.times
        return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0

    def busiest_second(self) -> int:
        """The most messages sent in any one second (a sliding window)."""
        times, most, first = self.times, 0, 0
        for last, moment in enumerate(times):
            while moment - times[first] >= 1.0:
                first += 1
            most = max(most, last - first + 1)
        return most

    def reply_wait(self) -> tuple[int, float] | None:
        """Messages sent after the reply was queued and before it went, and how long it waited (seconds)."""
        replied = [moment for r in self.results for moment, _, reply in r.sends if reply]
        if self.reply_queued_at is None or not replied:
            return None
        ahead = sum(1 for moment in self.times if self.reply_queued_at < moment < replied[0])
        return ahead, replied[0] - self.reply_queued_at


def drain(url: str, key: str, *, senders: int, rate: float | None, count: int, reply_to: int | None = None) -> Drain:
    """Start the senders, let them send `count` messages (queueing a reply half way), and collect what they did."""
    context = mp.get_context("spawn")
    counter, ready, go, out = context.Value("i", 0), context.Value("i", 0), context.Event(), context.Queue()
    processes = [
        context.Process(
            target=sender_process, args=(SenderJob(url, key, i, senders, rate, count), counter, ready, go, out)
        )
        for i in range(senders)
    ]
    for process in processes:
        process.start()
    # The senders import the app and connect first; they start together once every one is ready.
    deadline = time.monotonic() + 120
    while ready.value < senders:
        if any(p.exitcode is not None for p in processes) or time.monotonic() > deadline:
            raise BenchError("a sender process failed to start")
        time.sleep(0.05)
    reply_queued_at, backlog = None, 0
    go.set()
    results: list[SenderResult] = []
    session = current_session()
    while len(results) < senders:
        if reply_to is not None and reply_queued_at is None and counter.value >= count // 2:
            moment = datetime.now(UTC)
            backlog = outbox.backlog(session, moment)
            outbox.queue(session, outbox.Outgoing(person_id=reply_to, body=REPLY_BODY, kind="reply"), now=moment)
            session.commit()
            reply_queued_at = time.time()
        try:
            results.append(out.get(timeout=0.05))
        except queues.Empty:
            if any(p.exitcode not in (None, 0) for p in processes):
                raise BenchError("a sender process failed") from None
    for process in processes:
        process.join()
    return Drain(senders, rate, sorted(results, key=lambda r: r.index), reply_queued_at, backlog)


# What claim_next asks for (outbox.claim_next) without the lock: the most urgent due message.
CLAIM_QUERY = (
    "SELECT id FROM outbound_message WHERE status = 'queued' AND next_attempt_at <= now() "
    "ORDER BY priority, next_attempt_at, id LIMIT 1"
)


def claim_ms(session: Any, runs: int = 15) -> float:
    """The median milliseconds of the claim's query (what each message costs before it is sent)."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        session.execute(text(CLAIM_QUERY)).all()
        times.append((time.perf_counter() - started) * 1000)
    session.rollback()
    return statistics.median(times)


@dataclass
class Checks:
    rows: dict[str, int]
    failures: list[str]


def check(session: Any, drained: list[Drain], people: int, queue: Queueing) -> Checks:
    """What the database says happened, against what the senders said they did."""

    def one(statement: str, **parameters: Any) -> int:
        return int(session.execute(text(statement), parameters).scalar_one())

    rows = {
        "simulated": one("SELECT count(*) FROM outbound_message WHERE status = 'simulated'"),
        "simulated with attempts <> 1": one(
            "SELECT count(*) FROM outbound_message WHERE status = 'simulated' AND attempts <> 1"
        ),
        "still claimed (sending)": one("SELECT count(*) FROM outbound_message WHERE status = 'sending'"),
        "provider ids recorded twice": one(
            "SELECT count(*) - count(DISTINCT provider_sid) FROM outbound_message WHERE status = 'simulated'"
        ),
        "people with two invitations": one(
            "SELECT count(*) FROM (SELECT person_id FROM outbound_message WHERE kind = :kind "
            "GROUP BY person_id HAVING count(*) > 1) AS twice",
            kind=sending.INVITATION,
        ),
        "people in two conversations": one(
            "SELECT count(*) FROM (SELECT person_id FROM conversation GROUP BY person_id HAVING count(*) > 1) AS t"
        ),
        "conversations active": one("SELECT count(*) FROM conversation WHERE status = 'active'"),
        "invitations still queued": one(
            "SELECT count(*) FROM outbound_message WHERE kind = :kind AND status = 'queued'", kind=sending.INVITATION
        ),
    }
    session.rollback()
    reported = sum(r.simulated for d in drained for r in d.results)
    recorded = sum(d.count for d in drained)
    invitations_sent = [to for d in drained for r in d.results for _, to, reply in r.sends if not reply]
    failures = []
    if queue.queued != people or queue.invitations != people:
        failures.append(f"queued {queue.queued:,} (in the database {queue.invitations:,}) for {people:,} people")
    if queue.again_queued or queue.duplicate_queued:
        failures.append("running the same moment or occurrence again queued more")
    for name in ("simulated with attempts <> 1", "still claimed (sending)", "provider ids recorded twice"):
        if rows[name]:
            failures.append(f"{name}: {rows[name]}")
    if rows["people with two invitations"] or rows["people in two conversations"]:
        failures.append("someone had two invitations")
    if not rows["simulated"] == reported == recorded:
        failures.append(f"simulated {rows['simulated']:,}, senders reported {reported:,}, recorded {recorded:,}")
    if len(set(invitations_sent)) != len(invitations_sent):
        failures.append("the senders sent someone two invitations")
    if rows["conversations active"] != len(invitations_sent):
        failures.append(f"{rows['conversations active']:,} conversations active for {len(invitations_sent):,} sent")
    if rows["invitations still queued"] + len(invitations_sent) != people:
        failures.append("invitations sent and still queued do not add up to the people")
    return Checks(rows, failures)


# --- the machine ---------------------------------------------------------------------------------------------


def others_cpu(database: str) -> dict[int, float]:
    """CPU seconds used so far by each process but this script, its senders and PostgreSQL's work for them (its
    backends on `database` and parallel workers), from Linux /proc (nothing elsewhere)."""
    used, mine = {}, {os.getpid(), *(child.pid for child in mp.active_children())}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in mine:
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if command.startswith("postgres:") and (f" {database} " in command or "parallel worker" in command):
            continue
        if "bench/outbox.py" in command or "multiprocessing" in command:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # the command name may hold spaces and brackets
        used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


@contextmanager
def others_share(database: str, into: dict[str, float], name: str) -> Iterator[None]:
    """The share of the machine (percent of all its cores) other processes used while the block ran: at least
    that much, since processes that ended meanwhile are not counted. A busy machine gives lower figures."""
    before, started = others_cpu(database), time.perf_counter()
    yield
    after, wall = others_cpu(database), time.perf_counter() - started
    used = sum(cpu - before[pid] for pid, cpu in after.items() if pid in before)
    into[name] = used * 100 / (wall * (os.cpu_count() or 1))


# --- reporting ----------------------------------------------------------------------------------------------


def report(
    queue: Queueing,
    paced: Drain,
    unpaced: Drain | None,
    checks: Checks,
    rate: float,
    *,
    claim: float,
) -> None:
    n = queue.people
    spent = queue.spent
    other = queue.seconds - spent.sql - spent.encrypt
    print(f"\n1. queueing one survey for {n:,} young people (registered in {queue.register_seconds:.1f} s, untimed)\n")
    print(f"{'':<58}{'seconds':>9}{'× floor':>9}{'× SQL floor':>13}")
    print(f"{'floor: INSERT ... SELECT, no encryption (rolled back)':<58}{queue.floor_sql:>9.2f}{'':>9}{1:>13.2f}")
    print(
        f"{'floor: executemany from Python, no encryption':<58}{queue.floor_python:>9.2f}{1:>9.2f}"
        f"{queue.floor_python / queue.floor_sql:>13.2f}"
    )
    print(
        f"{'schedules.add + run_due, committed':<58}{queue.seconds:>9.2f}{queue.seconds / queue.floor_python:>9.2f}"
        f"{queue.seconds / queue.floor_sql:>13.2f}"
    )
    print(
        f"{'  of which: SQL (' + format(spent.statements, ',') + ' statements)':<58}{spent.sql:>9.2f}\n"
        f"{'  of which: encrypting ' + format(spent.encryptions, ',') + ' bodies':<58}{spent.encrypt:>9.2f}\n"
        f"{'  of which: Python (ORM, building rows)':<58}{other:>9.2f}\n"
        f"{'  (members(): the group, one query)':<58}{spent.members:>9.2f}"
    )
    print("  SQL by statement:")
    for kind, (count, seconds) in sorted(spent.by_statement.items(), key=lambda item: -item[1][1])[:5]:
        print(f"{'    ' + kind + ' (' + format(int(count), ',') + ')':<58}{seconds:>9.2f}")
    print(
        f"{'the same occurrence sent again (reaches nobody)':<58}{queue.duplicate_seconds:>9.2f}"
        f"{queue.duplicate_seconds / queue.floor_python:>9.2f}"
    )
    verdict = "met" if queue.seconds < 30 else "not met"
    print(
        f"\nqueued {queue.queued:,} invitations ({queue.invitations:,} in the database); run_due again at the same "
        f"moment: {queue.again_runs} runs, {queue.again_queued} queued; the occurrence again: "
        f"{queue.duplicate_queued} queued, {queue.duplicate_already:,} already sent\naim: under 30 s: {verdict} "
        f"({queue.seconds:.1f} s, {queue.seconds / queue.floor_python:.1f} × the executemany floor)"
    )

    print(f"\n2. {paced.senders} senders draining, flush() in rounds of {WORKER_BATCH}, one Pacer at {rate:g}/s\n")
    print(f"{'':<40}{'sent':>8}{'seconds':>9}{'msg/s':>9}{'× rate':>8}{'busiest 1 s':>13}")
    for title, run in (("paced at --rate", paced), ("no pacer (what they can do)", unpaced)):
        if run is None:
            continue
        times = run.times
        span = times[-1] - times[0] if len(times) > 1 else 0.0
        ratio = f"{run.achieved() / rate:.3f}" if run.rate else "-"
        print(f"{title:<40}{run.count:>8,}{span:>9.1f}{run.achieved():>9.1f}{ratio:>8}{run.busiest_second():>13}")
    per = ", ".join(f"{len(r.sends):,}" for r in paced.results)
    print(f"\nper sender (paced): {per} messages")
    print(f"the claim's query with {queue.invitations:,} queued: {claim:.1f} ms (median)")
    wait = paced.reply_wait()
    if wait is not None:
        print(
            f"a reply queued half way, behind {paced.backlog:,} "
            f"queued invitations: went after {wait[0]} other messages ({wait[0] / rate:.2f} s of slots), "
            f"{wait[1] * 1000:.0f} ms after it was queued"
        )
    print("\nthe database afterwards:")
    for name, value in checks.rows.items():
        print(f"  {name:<34}{value:>10,}")
    reported = sum(r.simulated for d in (paced, unpaced) if d for r in d.results)
    print(f"  {'senders reported simulated':<34}{reported:>10,}")
    print("\nchecks: " + ("all passed" if not checks.failures else "FAILED: " + "; ".join(checks.failures)))


def versions(url: str) -> str:
    with psycopg.connect(libpq(url)) as conn:
        found = conn.execute("SHOW server_version").fetchone()
    git = ["git", "-C", str(ROOT)]
    commit = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    changed = subprocess.run(
        [*git, "status", "--porcelain", "--", "feedback", "migrations"], capture_output=True, text=True, check=False
    )
    source = (commit.stdout.strip() or "unknown") + ("+changes" if changed.stdout.strip() else "")
    return (
        f"feedback {source}, PostgreSQL {found[0] if found else '?'}, Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} CPUs"
    )


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--people", type=int, default=100_000, help="Young people to queue the survey for.")
    parser.add_argument("--senders", type=int, default=4, help="Sender processes draining the outbox.")
    parser.add_argument("--rate", type=float, default=200, help="The one send rate they share, messages a second.")
    parser.add_argument("--drain", type=int, default=10_000, help="Messages to send before the senders stop.")
    parser.add_argument("--no-unpaced", action="store_true", help="Skip the short run without a pacer.")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL") or DEFAULT_POSTGRES,
        help="A PostgreSQL server URL allowed to CREATE and DROP DATABASE (env BENCH_POSTGRES_URL).",
    )
    parser.add_argument("--database", default=DEFAULT_DATABASE, help="The bench's own database (made afresh).")
    parser.add_argument("--keep", action="store_true", help="Leave the database for inspection.")
    args = parser.parse_args(argv)
    if args.people < 1 or args.senders < 1 or args.rate <= 0 or args.drain < 1:
        parser.error("--people, --senders, --rate and --drain must be positive")
    if args.drain + (0 if args.no_unpaced else UNPACED) > args.people:
        parser.error(f"--drain (plus {UNPACED} unpaced unless --no-unpaced) cannot be more than --people")
    return args


def run(args: argparse.Namespace) -> int:
    url = app_url(args.postgres, args.database)
    key = secrets.token_urlsafe(32)
    create_database(args.postgres, args.database)
    print(f"database {args.database}; {versions(url)}")
    app = make_app(url, key)
    with app.app_context():
        upgrade()
        load_defaults(current_session())
        db.session.commit()
        print(f"queueing {args.people:,} ...", flush=True)
        busy: dict[str, float] = {}
        with others_share(args.database, busy, "queueing"):
            queue = queue_survey(app, url, args.people)
        reply_to = current_session().execute(text("SELECT min(id) FROM person")).scalar_one()
        current_session().rollback()
        claim = claim_ms(current_session())
        print(f"draining {args.drain:,} with {args.senders} senders at {args.rate:g}/s ...", flush=True)
        with others_share(args.database, busy, "paced"):
            paced = drain(url, key, senders=args.senders, rate=args.rate, count=args.drain, reply_to=reply_to)
        unpaced = None
        if not args.no_unpaced:
            print(f"then {UNPACED:,} without a pacer ...", flush=True)
            with others_share(args.database, busy, "no pacer"):
                unpaced = drain(url, key, senders=args.senders, rate=None, count=UNPACED)
        checks = check(current_session(), [d for d in (paced, unpaced) if d], args.people, queue)
        report(queue, paced, unpaced, checks, args.rate, claim=claim)
        shares = ", ".join(f"{name} {share:.0f}%" for name, share in busy.items())
        print(f"other processes used at least this share of the machine meanwhile (more: noisier): {shares}")
        db.session.remove()
        db.engine.dispose()
    return 1 if checks.failures else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except (BenchError, psycopg.Error, SQLAlchemyError) as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            print(f"kept database {args.database}")
        else:
            try:
                drop_database(args.postgres, args.database)
            except psycopg.Error as exc:
                print(f"could not drop database {args.database}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

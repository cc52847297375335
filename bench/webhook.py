"""Inbound SMS webhook throughput and p50/p99 latency on loopback, against a floor measured in the same run.

    python bench/webhook.py [--duration 15] [--concurrency 50] [--workers 2 --threads 4] ...

It creates a PostgreSQL database of its own (migrated, defaults loaded), serves two apps with gunicorn under
the same settings, one after the other, and drives each with the same number of concurrent clients sending
Twilio's inbound form, signed as Twilio signs it:

- floor: bench/floor_app.py, which inserts one row per POST and answers an empty TwiML response;
- feedback: `feedback:create_app()` in production mode, `POST /sms/inbound` (signature check and storage, the
  webhook's whole work: the workers screen and handle each text afterwards).

It prints requests/s, p50 and p99 latency and errors for each, and the ratio of their throughputs; then checks
that every request answered 200 left exactly one row. Then, with `--handlers N` (default 2), it starts N
`feedback worker` processes on what the webhook stored and times them until every text is screened, handled and
its replies sent (simulated: the senders are fictional numbers), and checks that every one was. The database is
dropped and every process stopped at the end, Ctrl-C included. The exit status is 1 only when a request failed or
the rows do not match, never because of timings. Nothing it prints contains a phone number or a message body.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

try:
    import aiohttp
    import psycopg
    from twilio.request_validator import RequestValidator
except ModuleNotFoundError:  # `python bench/webhook.py` outside the venv: start again with the venv's Python
    _VENV_PYTHON = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "python"
    if __name__ != "__main__" or not _VENV_PYTHON.exists() or Path(sys.executable) == _VENV_PYTHON:
        raise
    os.execv(_VENV_PYTHON, [str(_VENV_PYTHON), *sys.argv])  # noqa: S606 - this script again, no shell

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import (
    FEEDBACK_APP,
    FLOOR_APP,
    RESULTS,
    BenchError,
    CpuMeter,
    Server,
    Workers,
    add_output_arguments,
    add_server_arguments,
    bench_database,
    check_server_arguments,
    child_environment,
    feedback_cli,
    fmt,
    free_port,
    gunicorn_settings,
    interrupt,
    percentile,
    query,
    source_version,
    split,
    write_document,
)
from floor_app import TABLE_DDL

from tests.twilio_requests import inbound_sms  # the same Twilio parameters the tests send

WEBHOOK_PATH = "/sms/inbound"
ACCOUNT_SID = "AC" + "be" * 16  # fictional
SERVICE_NUMBER = "+447700900999"  # Ofcom's drama range, outside the senders' range
FIRST_SENDER = 447700900000  # senders are +447700900000, +447700900001, ... (fictional)

# What young people text, with weights: free-text feedback, the example survey's keyword, answers to its
# questions (a rating, a letter, yes/no, free text), HELP, and now and then a message that raises a
# safeguarding alert. Answers that arrive outside a survey are stored as feedback, as in real life.
BODIES: tuple[tuple[str, int], ...] = (
    ("my worker keeps changing", 6),
    ("I want to see my wee brother more, they only let me once a month", 5),
    ("the new placement is alright actually, staff are sound", 4),
    ("nobody told me when my review was", 4),
    ("can someone help me with my college application", 3),
    ("why do I need permission to stay at my pals house", 3),
    ("my social worker never phones me back", 3),
    ("Thanks for asking. I'd like more say in where I live next year.", 2),
    ("CHECKIN", 10),
    ("checkin", 3),
    ("4", 8),
    ("2", 3),
    ("5", 4),
    ("A", 4),
    ("b", 3),
    ("yes", 6),
    ("no", 3),
    ("aye", 2),
    ("SKIP", 2),
    ("HELP", 2),
    ("I don't feel safe at home", 1),
)

# --- options ------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    load = parser.add_argument_group("load")
    load.add_argument("--duration", type=float, default=15.0, help="Seconds of measured load per server.")
    load.add_argument(
        "--requests",
        type=int,
        default=None,
        help="A fixed number of measured requests per server instead of --duration.",
    )
    load.add_argument("--warmup", type=float, default=3.0, help="Seconds of unmeasured load before each run.")
    load.add_argument("--concurrency", type=int, default=50, help="Concurrent clients (one connection each).")
    load.add_argument(
        "--rate",
        type=float,
        default=None,
        help="Open loop: offer this many requests per second in all, whatever the answers, and count latency from "
        "when each request was due (so a slow server's queue counts). Default: closed loop, each client sends "
        "its next request when the last is answered.",
    )
    load.add_argument("--senders", type=int, default=500, help="Distinct fictional phone numbers.")
    load.add_argument(
        "--shared-senders",
        action="store_true",
        help="Let any client text as any sender, so one person may have two messages in flight at once "
        "(by default each client has its own senders, as a person texts one message at a time).",
    )
    load.add_argument(
        "--max-rate",
        type=int,
        default=3000,
        help="Requests prepared per second of --warmup and --duration (all signed before the clock starts); "
        "a server faster than this runs out early and the run says so.",
    )
    load.add_argument("--seed", type=int, default=1, help="Seed for the choice of senders and texts.")
    load.add_argument("--timeout", type=float, default=30.0, help="Seconds before a request counts as failed.")
    load.add_argument(
        "--only", choices=("floor", "feedback"), default=None, help="Run one server only (no ratio then)."
    )
    load.add_argument(
        "--handlers",
        type=int,
        default=2,
        help="`feedback worker` processes started after the feedback run to handle what it stored (timed); 0: none.",
    )
    load.add_argument("--drain-timeout", type=float, default=900.0, help="Seconds the workers may take to finish.")
    load.add_argument(
        "--order",
        choices=("floor-first", "feedback-first"),
        default="floor-first",
        help="Which server runs first.",
    )

    add_server_arguments(parser)
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    if args.concurrency < 1 or args.senders < args.concurrency:
        parser.error("--concurrency must be at least 1 and --senders at least --concurrency")
    if args.duration <= 0 or args.warmup < 0 or args.max_rate < 1:
        parser.error("--duration and --max-rate must be positive and --warmup not negative")
    check_server_arguments(parser, args)
    if args.requests is not None and args.requests < args.concurrency:
        parser.error("--requests must be at least --concurrency")
    return args


# --- requests, prepared before the clock starts -------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    body: bytes
    signature: str


class RequestFactory:
    """Twilio inbound forms, each with a new MessageSid, signed for one server's public URL."""

    def __init__(self, auth_token: str, seed: int, senders: int, concurrency: int, shared: bool) -> None:
        self.validator = RequestValidator(auth_token)
        self.random = random.Random(seed)
        self.bodies = [body for body, _ in BODIES]
        self.weights = [weight for _, weight in BODIES]
        everyone = [f"+{FIRST_SENDER + n}" for n in range(senders)]
        self.senders = [everyone if shared else everyone[i::concurrency] for i in range(concurrency)]
        self.next_sid = 0

    def params(self, client: int) -> dict[str, str]:
        self.next_sid += 1
        sid = f"SM{self.next_sid:032x}"
        return inbound_sms(
            sid=sid,
            sender=self.random.choice(self.senders[client]),
            body=self.random.choices(self.bodies, self.weights)[0],
            to=SERVICE_NUMBER,
            account_sid=ACCOUNT_SID,
        )

    def prepare(self, url: str, per_client: Sequence[int]) -> list[list[Prepared]]:
        prepared: list[list[Prepared]] = [[] for _ in per_client]
        # Round-robin, so that the sids each client sends are spread like the arrivals.
        for round_ in range(max(per_client)):
            for client, wanted in enumerate(per_client):
                if round_ < wanted:
                    params = self.params(client)
                    signature = self.validator.compute_signature(url, params)
                    prepared[client].append(Prepared(urlencode(params).encode(), signature))
        return prepared


# --- load ---------------------------------------------------------------------------------------------------


@dataclass
class Phase:
    latencies: list[float] = field(default_factory=list)  # seconds, of 200 answers only
    statuses: Counter[int] = field(default_factory=Counter)  # 0: no answer (connection error, timeout)
    elapsed: float = 0.0
    exhausted: bool = False

    @property
    def sent(self) -> int:
        return sum(self.statuses.values())

    @property
    def ok(self) -> int:
        return self.statuses[200]

    @property
    def errors(self) -> int:
        return self.sent - self.ok


async def drive(
    session: aiohttp.ClientSession,
    *,
    url: str,
    queues: list[list[Prepared]],
    cursors: list[int],
    quotas: list[int],
    seconds: float | None,
    rate: float | None = None,
) -> Phase:
    """Each client sends its prepared requests one after another, until its quota or the time is used up.

    With `rate`, the clients together offer that many requests a second: each request has a due time, waits
    for it, and its latency counts from it (a request sent late because the server is behind counts the wait).
    """
    phase = Phase()
    start = time.perf_counter()
    deadline = math.inf if seconds is None else start + seconds
    clients = len(queues)

    async def client(index: int) -> None:
        queue = queues[index]
        stop = min(len(queue), cursors[index] + quotas[index])
        turn = 0
        while cursors[index] < stop and time.perf_counter() < deadline:
            request = queue[cursors[index]]
            cursors[index] += 1
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": request.signature,
            }
            sent = time.perf_counter()
            if rate is not None:
                sent = start + (turn * clients + index) / rate
                turn += 1
                await asyncio.sleep(max(0.0, sent - time.perf_counter()))
                if sent >= deadline:
                    break
            try:
                async with session.post(url, data=request.body, headers=headers) as response:
                    await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):
                status = 0
            if status == 200:
                phase.latencies.append(time.perf_counter() - sent)
            phase.statuses[status] += 1
        if seconds is not None and cursors[index] >= len(queue) and time.perf_counter() < deadline:
            phase.exhausted = True

    await asyncio.gather(*(client(i) for i in range(len(queues))))
    phase.elapsed = time.perf_counter() - start
    return phase


async def load(
    url: str, queues: list[list[Prepared]], warmup_quotas: list[int], args: argparse.Namespace, meter: CpuMeter
) -> tuple[Phase, Phase]:
    connector = aiohttp.TCPConnector(limit=args.concurrency, limit_per_host=args.concurrency)
    timeout = aiohttp.ClientTimeout(total=args.timeout)
    cursors = [0] * len(queues)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        warm = await drive(
            session,
            url=url,
            queues=queues,
            cursors=cursors,
            quotas=warmup_quotas,
            seconds=args.warmup,
            rate=args.rate,
        )
        if args.requests is None:  # for --duration: whatever is left
            quotas, seconds = [len(q) - c for q, c in zip(queues, cursors, strict=True)], args.duration
        else:
            quotas, seconds = split(args.requests, args.concurrency), None
        meter.start()
        measured = await drive(
            session, url=url, queues=queues, cursors=cursors, quotas=quotas, seconds=seconds, rate=args.rate
        )
        meter.stop()
    return warm, measured


# --- one server's run ---------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    measured_requests: int
    ok: int
    errors: int
    statuses: dict[str, int]
    seconds: float
    requests_per_second: float
    p50_ms: float | None
    p90_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    warmup_requests: int
    warmup_errors: int
    ran_out_of_requests: bool
    server_log_error_lines: int
    rows_expected: int = 0
    rows_stored: int = 0
    rows_check: str = ""
    database: dict[str, Any] = field(default_factory=dict)
    cpu: dict[str, Any] = field(default_factory=dict)
    handled: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return (
            self.errors > 0
            or self.warmup_errors > 0
            or self.rows_check != "ok"
            or self.handled.get("check", "ok") != "ok"
        )


def summarise(name: str, warm: Phase, measured: Phase, server: Server) -> Result:
    ordered = sorted(measured.latencies)
    return Result(
        name=name,
        measured_requests=measured.sent,
        ok=measured.ok,
        errors=measured.errors,
        statuses={str(code): count for code, count in sorted((warm.statuses + measured.statuses).items())},
        seconds=round(measured.elapsed, 3),
        requests_per_second=round(measured.ok / measured.elapsed, 1) if measured.elapsed else 0.0,
        p50_ms=percentile(ordered, 0.50),
        p90_ms=percentile(ordered, 0.90),
        p99_ms=percentile(ordered, 0.99),
        max_ms=percentile(ordered, 1.0),
        warmup_requests=warm.sent,
        warmup_errors=warm.errors,
        ran_out_of_requests=measured.exhausted,
        server_log_error_lines=server.problems(),
    )


DATABASE_COUNTS = ("people", "conversations", "answers", "replies", "safeguarding_alerts")


def check_feedback_rows(url: str, result: Result, expected: int) -> None:
    """Every 200 stored exactly one message; nothing else was stored."""
    stored, distinct = query(url, "SELECT count(*), count(DISTINCT provider_sid) FROM inbound_message")[0]
    result.rows_expected, result.rows_stored = expected, stored
    problems = []
    if stored != expected:
        problems.append(f"{stored} rows in inbound_message for {expected} answers 200")
    if distinct != stored:
        problems.append(f"{stored - distinct} doubled")
    result.rows_check = "; ".join(problems) or "ok"


def handle_stored(url: str, result: Result, *, env: dict[str, str], args: argparse.Namespace, logs: Path) -> None:
    """Start --handlers workers on what the webhook stored and time them until every text is handled and every
    reply sent; then check that each was, once."""
    waiting = "SELECT count(*) FILTER (WHERE status = 'received') FROM inbound_message"
    unsent = "SELECT count(*) FROM outbound_message WHERE status IN ('queued', 'sending')"
    texts = result.rows_stored
    workers = Workers(args.handlers, env=env, logs=logs)
    print(f"feedback: {args.handlers} workers handling the {texts} texts stored")
    started = time.perf_counter()
    workers.start()
    try:
        deadline = started + args.drain_timeout
        while time.perf_counter() < deadline:
            if query(url, waiting)[0][0] == 0 and query(url, unsent)[0][0] == 0:
                break
            time.sleep(0.1)
        seconds = time.perf_counter() - started
    finally:
        workers.stop()
    left, not_sent = query(url, waiting)[0][0], query(url, unsent)[0][0]
    doubled = query(
        url,
        "SELECT count(*) FROM (SELECT in_reply_to_id FROM outbound_message WHERE in_reply_to_id IS NOT NULL"
        " GROUP BY in_reply_to_id, body HAVING count(*) > 1) AS twice",
    )[0][0]
    problems = []
    if left or not_sent:
        problems.append(f"{left} texts not handled and {not_sent} replies not sent after {seconds:.0f} s")
    if doubled:
        problems.append(f"{doubled} replies recorded twice")
    handling = query(url, "SELECT handling, count(*) FROM inbound_message GROUP BY handling ORDER BY 2 DESC")
    counts = query(
        url,
        "SELECT (SELECT count(*) FROM person), (SELECT count(*) FROM conversation),"
        " (SELECT count(*) FROM answer), (SELECT count(*) FROM outbound_message),"
        " (SELECT count(*) FROM safeguarding_alert)",
    )[0]
    result.database = {
        "handling": {str(kind): n for kind, n in handling},
        **dict(zip(DATABASE_COUNTS, counts, strict=True)),
    }
    result.handled = {
        "workers": args.handlers,
        "texts": texts,
        "seconds": round(seconds, 2),
        "texts_per_second": round(texts / seconds, 1) if seconds else None,
        "worker_log_error_lines": workers.problems(),
        "check": "; ".join(problems) or "ok",
    }


def check_floor_rows(url: str, result: Result, expected: int) -> None:
    stored, distinct = query(url, "SELECT count(*), count(DISTINCT message_sid) FROM bench_floor_message")[0]
    result.rows_expected, result.rows_stored = expected, stored
    ok = stored == expected and distinct == stored
    result.rows_check = "ok" if ok else f"{stored} rows in bench_floor_message for {expected} answers 200"


def run_one(
    name: str, app: str, *, db_url: str, common_env: dict[str, str], args: argparse.Namespace, logs: Path
) -> Result:
    auth_token = common_env["TWILIO_AUTH_TOKEN"]
    port = free_port()
    env = child_environment({**common_env, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"})
    server = Server(name, app, port=port, env=env, args=args, logs=logs)
    url = server.base_url + WEBHOOK_PATH

    warm_total = math.ceil(args.max_rate * args.warmup)
    measured_total = args.requests if args.requests is not None else math.ceil(args.max_rate * args.duration)
    warm_quotas = split(warm_total, args.concurrency)
    per_client = [w + m for w, m in zip(warm_quotas, split(measured_total, args.concurrency), strict=True)]
    factory = RequestFactory(auth_token, args.seed, args.senders, args.concurrency, args.shared_senders)
    started = time.perf_counter()
    queues = factory.prepare(url, per_client)
    print(f"{name}: prepared and signed {sum(per_client)} requests in {time.perf_counter() - started:.1f} s")

    try:
        server.start()
        print(f"{name}: serving {app} on {server.base_url}; warming up {args.warmup:g} s, then measuring")
        assert server.process is not None
        meter = CpuMeter(server.process.pid, db_url)
        warm, measured = asyncio.run(load(url, queues, warm_quotas, args, meter))
    finally:
        server.stop()  # before counting rows: gunicorn finishes the requests it has in flight
    del queues
    result = summarise(name, warm, measured, server)
    result.cpu = meter.report(measured.sent)
    expected = warm.ok + measured.ok
    if name == "feedback":
        check_feedback_rows(db_url, result, expected)
        if args.handlers:
            handle_stored(db_url, result, env=env, args=args, logs=logs)
    else:
        check_floor_rows(db_url, result, expected)
    return result


# --- report -------------------------------------------------------------------------------------------------


def print_report(results: list[Result], ratio: float | None) -> None:
    print()
    columns = ("requests", 10), ("req/s", 10), ("p50 ms", 9), ("p90 ms", 9), ("p99 ms", 9), ("max ms", 9)
    print(f"{'server':<10}" + "".join(f"{title:>{width}}" for title, width in columns) + f"{'errors':>8}")
    for r in results:
        print(
            f"{r.name:<10}{r.ok:>10}{fmt(r.requests_per_second, 10)}{fmt(r.p50_ms, 9)}{fmt(r.p90_ms, 9)}"
            f"{fmt(r.p99_ms, 9)}{fmt(r.max_ms, 9)}{r.errors + r.warmup_errors:>8}"
        )
    print()
    for r in results:
        extra = f"; HTTP statuses {r.statuses}" if r.errors or r.warmup_errors else ""
        print(f"{r.name}: rows {r.rows_check} ({r.rows_stored} stored){extra}")
        if r.ran_out_of_requests:
            print(f"{r.name}: ran out of prepared requests before --duration ended: raise --max-rate")
        if r.server_log_error_lines:
            print(f"{r.name}: {r.server_log_error_lines} error lines in the server log")
        if r.cpu:
            per_request = ", ".join(f"{group} {ms:.2f}" for group, ms in r.cpu["ms_per_request"].items())
            busy = sum(r.cpu["percent_of_machine"].values())
            other = r.cpu["percent_of_machine"]["other"]
            workers = "/".join(str(w) for w in r.cpu["workers_percent_of_a_core"])
            print(
                f"{r.name}: CPU ms per request: {per_request}; machine {busy:.0f}% busy "
                f"({other:.0f}% by other processes); workers {workers}% of a core"
            )
        if r.handled:
            h = r.handled
            print(
                f"{r.name}: {h['workers']} workers handled {h['texts']} texts (screened, handled, replies sent) in "
                f"{h['seconds']} s: {h['texts_per_second']} texts/s; check {h['check']}"
                + (f"; {h['worker_log_error_lines']} error lines in their logs" if h["worker_log_error_lines"] else "")
            )
        if r.database:
            print(f"{r.name}: {json.dumps(r.database)}")
    if ratio is not None:
        feedback = next(r for r in results if r.name == "feedback")
        floor = next(r for r in results if r.name == "floor")
        print()
        print(f"throughput feedback/floor: {ratio:.2f} (aim: at least 0.50 at 50 connections)")
        if feedback.p99_ms and floor.p99_ms:
            print(
                f"p99 feedback/floor: {feedback.p99_ms / floor.p99_ms:.2f} "
                f"({fmt(feedback.p99_ms, 0).strip()} against {fmt(floor.p99_ms, 0).strip()} ms; "
                "aim: at most 2 at 10 connections)"
            )


def write_json(path: Path, args: argparse.Namespace, results: list[Result], ratio: float | None) -> None:
    write_document(
        path,
        args,
        "inbound SMS webhook vs floor",
        results=[asdict(r) for r in results],
        ratio_feedback_to_floor=None if ratio is None else round(ratio, 3),
    )


# --- main ---------------------------------------------------------------------------------------------------


def run_all(args: argparse.Namespace, logs: Path) -> list[Result]:
    """Create the database, run each server in turn, and drop the database whatever happens."""
    with bench_database(args.postgres, args.keep_database) as db_url:
        common_env = {
            "FEEDBACK_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
            "DATABASE_URL": db_url,
            # The webhook has no rate limit; production refuses limits counted in memory with several web processes
            # (sign-in's limit), so the bench says where they would be counted.
            "RATELIMIT_STORAGE_URI": "memory://",
            "SINGLE_WEB_PROCESS": "yes",
            # Replies go as fast as the workers make them (a short code, or a messaging service's pool of numbers).
            "SEND_RATE_PER_SECOND": "0",
            "BENCH_FLOOR_DATABASE_URL": db_url.replace("postgresql://", "postgresql+psycopg://", 1),
        }
        cli_env = child_environment({**common_env, "PUBLIC_BASE_URL": "http://127.0.0.1"})
        feedback_cli(cli_env, "db", "upgrade")
        feedback_cli(cli_env, "defaults", "load")
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute(TABLE_DDL)
        print(
            f"feedback {source_version()}; database ready; gunicorn {' '.join(gunicorn_settings(args))}; "
            f"{args.concurrency} clients, "
            f"{args.senders} senders{' (shared)' if args.shared_senders else ''}"
        )
        plan = [("floor", FLOOR_APP), ("feedback", FEEDBACK_APP)]
        if args.order == "feedback-first":
            plan.reverse()
        if args.only:
            plan = [step for step in plan if step[0] == args.only]
        return [run_one(name, app, db_url=db_url, common_env=common_env, args=args, logs=logs) for name, app in plan]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, interrupt)
    logs = Path(tempfile.mkdtemp(prefix="feedback-bench-"))
    keep_logs = True
    try:
        try:
            results = run_all(args, logs)
        except KeyboardInterrupt:
            keep_logs = False
            print("\ninterrupted: servers stopped and the bench database dropped", file=sys.stderr)
            return 130
        except BenchError as exc:
            print(f"bench failed: {exc}", file=sys.stderr)
            return 2
        by_name = {r.name: r for r in results}
        ratio = None
        # Open loop, both servers take the offered rate: only closed-loop throughputs make a ratio.
        if args.rate is None and "floor" in by_name and "feedback" in by_name and by_name["floor"].requests_per_second:
            ratio = by_name["feedback"].requests_per_second / by_name["floor"].requests_per_second
        print_report(results, ratio)
        if not args.no_json:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            write_json(args.json or RESULTS / f"webhook-{stamp}.json", args, results, ratio)
        failed = any(r.failed for r in results)
        keep_logs = failed or any(r.server_log_error_lines for r in results)
        return 1 if failed else 0
    finally:
        if keep_logs:
            print(f"server logs kept in {logs}", file=sys.stderr)
        else:
            shutil.rmtree(logs, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""A keyword's reply, from the text's POST to Twilio receiving the reply, at a fixed rate, with 1, 2 or 4 workers.

    python bench/replies.py [--rate 100] [--duration 20] [--warmup 3] [--handlers 1 2 4] ...

For each count of --handlers it creates a PostgreSQL database of its own (migrated, defaults loaded) and starts:

- a mock of Twilio's Messages API in this process (aiohttp, on loopback), which answers
  `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` as Twilio does (201 and a Message resource) and notes
  when each message reached it and for which number;
- `feedback:create_app()` under gunicorn in production mode, with Twilio credentials and `TWILIO_API_BASE_URL`
  pointing the official twilio client at the mock, and `SEND_RATE_PER_SECOND=0` (no send pace);
- that many `feedback worker` processes (the handlers), woken by LISTEN/NOTIFY, which screen and handle each
  stored text and send its reply through the outbox.

Then it texts the example survey's keyword, CHECKIN, at --rate texts a second in an open loop (each text is due at
its moment whatever the answers, and its times count from then), each from a new sender (a made-up UK mobile,
+447400000000 upwards, never one of Ofcom's drama numbers, which the service only simulates), signed as Twilio signs
it: --warmup seconds unmeasured, then --duration seconds measured. When the warm-up ends it runs ANALYZE, as the
database is new and a running service's has statistics (--no-analyze leaves them to autovacuum, which comes too late
for a run this short). It waits up to --drain-timeout seconds for every reply to reach the mock.

It prints, for each count: the webhook's answer times (p50/p99 from when each text was due) and errors; the replies
received, missing and doubled; and each reply's latency, from when its text was due to when its reply reached the
mock (p50/p90/p99/max), against the aim of 2 s at p99 at 100 texts a second; then a table with one row per count,
and writes JSON to bench/results/. It checks that every text was answered 200, that every text got exactly one
reply, that every stored text is `processed` and every reply in the outbox `sent`. The database is dropped and
every process stopped at the end, Ctrl-C included. The exit status is 1 only when a check fails, never because of
timings (2 when it cannot set up or run). Nothing it prints contains a phone number or a message body.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import math
import os
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
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

try:
    import aiohttp
    import phonenumbers
    import psycopg
    from aiohttp import web
    from twilio.request_validator import RequestValidator
except ModuleNotFoundError:  # `python bench/replies.py` outside the venv: start again with the venv's Python
    _VENV_PYTHON = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "python"
    if __name__ != "__main__" or not _VENV_PYTHON.exists() or Path(sys.executable) == _VENV_PYTHON:
        raise
    os.execv(_VENV_PYTHON, [str(_VENV_PYTHON), *sys.argv])  # noqa: S606 - this script again, no shell

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/ is not a package
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import (
    FEEDBACK_APP,
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
    write_document,
)

from tests.twilio_requests import inbound_sms  # the same Twilio parameters the tests send

WEBHOOK_PATH = "/sms/inbound"
KEYWORD = "CHECKIN"  # the example survey's (feedback/data/surveys/monthly-checkin.json)
ACCOUNT_SID = "AC" + "be" * 16  # made up
SERVICE_NUMBER = "+441234567890"  # TWILIO_FROM_NUMBER, and the number the texts are sent to
# Made-up UK mobiles, +447400000000 upwards: valid numbers, so the service sends to them (through the mock), where it
# only simulates Ofcom's drama numbers (+447700900xxx).
FIRST_SENDER = 447400000000
AIM_MS, AIM_RATE = 2000, 100
MESSAGES_API = "/2010-04-01/Accounts/{sid}/Messages.json"

# --- options ------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    load = parser.add_argument_group("load")
    load.add_argument("--rate", type=float, default=100.0, help="Texts a second, each from a new sender.")
    load.add_argument("--duration", type=float, default=20.0, help="Seconds of measured load.")
    load.add_argument("--warmup", type=float, default=3.0, help="Seconds of unmeasured load first, at the same rate.")
    load.add_argument(
        "--handlers",
        type=int,
        nargs="+",
        default=[2],
        help="`feedback worker` processes; several counts (--handlers 1 2 4) run the whole bench once for each, "
        "each on a fresh database.",
    )
    load.add_argument("--interval", type=float, default=2.0, help="The handlers' `feedback worker --interval`.")
    load.add_argument(
        "--drain-timeout", type=float, default=60.0, help="Seconds to wait after the load for the last replies."
    )
    load.add_argument(
        "--concurrency",
        type=int,
        default=50,
        help="Connections to the webhook open at once at most (a text due while all are busy waits, and its wait "
        "counts).",
    )
    load.add_argument("--timeout", type=float, default=30.0, help="Seconds before a webhook request counts as failed.")
    load.add_argument(
        "--no-analyze",
        dest="analyze",
        action="store_false",
        help="Do not ANALYZE the database when the warm-up ends: leave its statistics to autovacuum, which reaches a "
        "new database a minute or more after it fills (until then PostgreSQL plans without statistics).",
    )

    add_server_arguments(parser)
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.duration <= 0 or args.warmup < 0 or args.drain_timeout < 0:
        parser.error("--rate and --duration must be positive, --warmup and --drain-timeout not negative")
    if min(args.handlers) < 1 or args.concurrency < 1 or args.interval < 0.1:
        parser.error("--handlers and --concurrency must be at least 1, --interval at least 0.1")
    check_server_arguments(parser, args)
    return args


# --- the mock of Twilio's Messages API ----------------------------------------------------------------------


class TwilioMock:
    """Twilio's Messages API as the twilio client sees it: checks the account and its credentials (401 otherwise,
    as Twilio), notes each message's `To` and the moment it arrived, and answers 201 with a Message resource."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        self.account_sid = account_sid
        self.authorization = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self.received: list[tuple[str, float]] = []  # (To, time.perf_counter()) of each message taken
        self.replied: Counter[str] = Counter()  # messages taken, per number
        self.first: dict[str, float] = {}  # when the first message to each number arrived
        self.refused = 0
        self._runner: web.AppRunner | None = None

    async def start(self, port: int) -> None:
        app = web.Application()
        app.router.add_post(MESSAGES_API.format(sid="{sid}"), self.create_message)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def create_message(self, request: web.Request) -> web.Response:
        arrived = time.perf_counter()
        account = request.match_info["sid"]
        if account != self.account_sid or request.headers.get("Authorization") != self.authorization:
            self.refused += 1
            error = {"code": 20003, "message": "Authenticate", "more_info": "", "status": 401}
            return web.json_response(error, status=401)
        form = await request.post()
        to = str(form.get("To", ""))
        self.received.append((to, arrived))
        self.replied[to] += 1
        self.first.setdefault(to, arrived)
        return web.json_response(self.message_resource(account, form), status=201)

    @staticmethod
    def message_resource(account: str, form: Any) -> dict[str, Any]:
        sid = "SM" + secrets.token_hex(16)
        created = format_datetime(datetime.now(UTC))  # RFC 2822, as Twilio writes dates
        uri = f"/2010-04-01/Accounts/{account}/Messages/{sid}"
        return {
            "account_sid": account,
            "api_version": "2010-04-01",
            "body": form.get("Body", ""),
            "date_created": created,
            "date_sent": None,
            "date_updated": created,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From") or None,
            "messaging_service_sid": form.get("MessagingServiceSid") or None,
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": form.get("To", ""),
            "uri": f"{uri}.json",
        }


# --- the handlers: `feedback worker` processes --------------------------------------------------------------


class Meter(CpuMeter):
    """CpuMeter, with the handlers as a group of their own beside gunicorn ("app")."""

    def __init__(self, server_pid: int, db_url: str, handler_pids: list[int]) -> None:
        super().__init__(server_pid, db_url)
        self.handler_pids = handler_pids

    def _group_pids(self) -> dict[str, list[int]]:
        return {**super()._group_pids(), "handlers": list(self.handler_pids)}

    def report(self, requests: int) -> dict[str, Any]:
        report = super().report(requests)
        if report:
            used = self.used.get("handlers", 0.0)
            report["ms_per_request"]["handlers"] = round(used * 1000 / requests, 2)
            report["percent_of_machine"]["handlers"] = round(used * 100 / (self.wall * (os.cpu_count() or 1)), 1)
        return report


# --- texts, prepared and signed before the clock starts -----------------------------------------------------


@dataclass
class Text:
    sender: str
    body: bytes
    signature: str
    offset: float  # seconds after the start that it is due
    measured: bool
    due: float = 0.0  # time.perf_counter()
    status: int | None = None  # the webhook's HTTP status; 0 for no answer
    answered: float | None = None  # seconds from due to the webhook's answer


def sender_number(n: int) -> str:
    return f"+{FIRST_SENDER + n}"


def check_senders(count: int) -> None:
    """The first and last senders must be UK mobiles the service would really text (E.164, valid, mobile)."""
    for n in (0, count - 1):
        number = phonenumbers.parse(sender_number(n), "GB")
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if (
            not phonenumbers.is_valid_number(number)
            or phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE
            or e164 != sender_number(n)
        ):
            raise BenchError(f"sender {n + 1} is not a valid UK mobile in E.164: lower --rate or --duration")


def prepare(url: str, auth_token: str, args: argparse.Namespace) -> list[Text]:
    """The keyword from a new sender each, in order of their due times: warm-up first, then the measured ones."""
    validator = RequestValidator(auth_token)
    warm, measured = math.floor(args.rate * args.warmup), math.ceil(args.rate * args.duration)
    check_senders(warm + measured)
    texts = []
    for n in range(warm + measured):
        params = inbound_sms(
            sid=f"SM{n + 1:032x}", sender=sender_number(n), body=KEYWORD, to=SERVICE_NUMBER, account_sid=ACCOUNT_SID
        )
        signature = validator.compute_signature(url, params)
        texts.append(Text(sender_number(n), urlencode(params).encode(), signature, n / args.rate, n >= warm))
    return texts


# --- load, then the wait for the replies --------------------------------------------------------------------


async def offer(url: str, texts: list[Text], args: argparse.Namespace, meter: Meter, db_url: str) -> float:
    """Send each text at its due time, whatever the answers (open loop); returns when the last was due."""
    connector = aiohttp.TCPConnector(limit=args.concurrency, limit_per_host=args.concurrency)
    timeout = aiohttp.ClientTimeout(total=args.timeout)
    start = time.perf_counter() + 0.2
    for text in texts:
        text.due = start + text.offset

    async def send(session: aiohttp.ClientSession, text: Text) -> None:
        await asyncio.sleep(max(0.0, text.due - time.perf_counter()))
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": text.signature}
        try:
            async with session.post(url, data=text.body, headers=headers) as response:
                await response.read()
                text.status = response.status
        except (aiohttp.ClientError, TimeoutError):
            text.status = 0
        text.answered = time.perf_counter() - text.due

    async def start_measuring() -> None:
        first = next((t for t in texts if t.measured), None)
        if first is not None:
            await asyncio.sleep(max(0.0, first.due - time.perf_counter()))
            # Off the loop, so that the texts due meanwhile go on time.
            if args.analyze:
                await asyncio.to_thread(analyze, db_url)
            await asyncio.to_thread(meter.start)

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(start_measuring(), *(send(session, text) for text in texts))
    return texts[-1].due if texts else start


def analyze(db_url: str) -> None:
    """Statistics on every table, as a running service's database has them (autovacuum keeps them)."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("ANALYZE")


async def await_replies(mock: TwilioMock, texts: list[Text], deadline: float) -> None:
    """Until a reply has reached the mock for every text the webhook took (200), or the deadline."""
    waiting = {t.sender for t in texts if t.status == 200}
    while waiting and time.perf_counter() < deadline:
        waiting.difference_update([sender for sender in waiting if sender in mock.first])
        await asyncio.sleep(0.05)


SETTLED = (
    "SELECT (SELECT count(*) FROM inbound_message WHERE status <> 'processed'),"
    " (SELECT count(*) FROM outbound_message WHERE status IN ('queued', 'sending'))"
)


async def await_settled(db_url: str, deadline: float) -> None:
    """Until nothing is left to handle or to send (so no late or second reply is still to come), or the deadline."""
    while time.perf_counter() < deadline:
        unprocessed, unsent = (await asyncio.to_thread(query, db_url, SETTLED))[0]
        if not unprocessed and not unsent:
            return
        await asyncio.sleep(0.2)


async def await_listening(db_url: str, handlers: Workers, within: float = 60.0) -> int:
    """Until every handler LISTENs for stored texts (it does once its first round found nothing); returns how many
    do. A handler that exits is a broken bench."""
    deadline = time.perf_counter() + within
    listening = 0
    while time.perf_counter() < deadline:
        if handlers.exited():
            raise BenchError(f"a handler exited with {handlers.exited()[0]}; see {handlers.log_paths[0].parent}")
        statement = (
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN %'"
        )
        listening = (await asyncio.to_thread(query, db_url, statement))[0][0]
        if listening >= handlers.count:
            break
        await asyncio.sleep(0.2)
    return int(listening)


@dataclass
class Timeline:
    last_due: float = 0.0  # when the last text was due
    listening: int = 0  # handlers LISTENing when the load began


async def run_load(
    *,
    mock: TwilioMock,
    mock_port: int,
    server: Server,
    handlers: Workers,
    texts: list[Text],
    db_url: str,
    args: argparse.Namespace,
) -> tuple[Timeline, Meter]:
    """The mock on this loop, the servers beside it, the load, and the wait for the replies."""
    timeline = Timeline()
    await mock.start(mock_port)
    try:
        await asyncio.to_thread(server.start)
        handlers.start()
        timeline.listening = await await_listening(db_url, handlers)
        assert server.process is not None
        meter = Meter(server.process.pid, db_url, handlers.pids)
        timeline.last_due = await offer(server.base_url + WEBHOOK_PATH, texts, args, meter, db_url)
        deadline = time.perf_counter() + args.drain_timeout
        await await_replies(mock, texts, deadline)
        await asyncio.to_thread(meter.stop)
        await await_settled(db_url, deadline)
        return timeline, meter
    finally:
        # The mock answers until the handlers have stopped: one in the middle of a send finishes it.
        await asyncio.to_thread(handlers.stop)
        await asyncio.to_thread(server.stop)
        await mock.stop()


# --- one count of handlers ----------------------------------------------------------------------------------


@dataclass
class Result:
    handlers: int
    texts: int
    warmup_texts: int
    offered_per_second: float
    webhook_p50_ms: float | None
    webhook_p99_ms: float | None
    webhook_errors: int
    statuses: dict[str, int]
    replies: int  # measured texts whose sender got a reply
    missing: int  # measured texts whose sender got none
    doubled: int  # senders (warm-up included) who got more than one reply
    stray: int  # replies to numbers that never texted
    refused_by_mock: int  # requests to the mock with the wrong account or credentials
    reply_p50_ms: float | None
    reply_p90_ms: float | None
    reply_p99_ms: float | None
    reply_max_ms: float | None
    last_reply_after_load_ms: float | None  # from the last text's due time to the last reply
    handlers_listening: int
    server_log_error_lines: int
    handler_log_error_lines: int
    database: dict[str, Any] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)  # what failed; empty when all passed
    cpu: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return bool(self.checks)


def summarise(count: int, texts: list[Text], mock: TwilioMock, timeline: Timeline, args: argparse.Namespace) -> Result:
    measured = [t for t in texts if t.measured]
    answered = sorted(t.answered for t in measured if t.status == 200 and t.answered is not None)
    latencies = sorted(mock.first[t.sender] - t.due for t in measured if t.sender in mock.first)
    senders = {t.sender for t in texts}
    statuses = Counter(t.status if t.status is not None else 0 for t in texts)
    last_reply = max((at for _, at in mock.received), default=None)
    return Result(
        handlers=count,
        texts=len(measured),
        warmup_texts=len(texts) - len(measured),
        offered_per_second=args.rate,
        webhook_p50_ms=percentile(answered, 0.50),
        webhook_p99_ms=percentile(answered, 0.99),
        webhook_errors=sum(n for status, n in statuses.items() if status != 200),
        statuses={str(status): n for status, n in sorted(statuses.items())},
        replies=len(latencies),
        missing=len(measured) - len(latencies),
        doubled=sum(1 for sender, n in mock.replied.items() if n > 1 and sender in senders),
        stray=sum(n for sender, n in mock.replied.items() if sender not in senders),
        refused_by_mock=mock.refused,
        reply_p50_ms=percentile(latencies, 0.50),
        reply_p90_ms=percentile(latencies, 0.90),
        reply_p99_ms=percentile(latencies, 0.99),
        reply_max_ms=percentile(latencies, 1.0),
        last_reply_after_load_ms=None if last_reply is None else round((last_reply - timeline.last_due) * 1000, 1),
        handlers_listening=timeline.listening,
        server_log_error_lines=0,
        handler_log_error_lines=0,
    )


def check(result: Result, texts: list[Text], mock: TwilioMock, db_url: str) -> None:
    """What must hold whatever the timings: every text taken, every reply sent once, the database agreeing."""
    problems = []
    if result.webhook_errors:
        problems.append(f"{result.webhook_errors} texts not answered 200 ({result.statuses})")
    unanswered_warm = sum(1 for t in texts if not t.measured and t.status == 200 and t.sender not in mock.first)
    if result.missing or unanswered_warm:
        problems.append(f"{result.missing} measured texts (and {unanswered_warm} warm-up ones taken) got no reply")
    if result.doubled:
        problems.append(f"{result.doubled} senders got more than one reply")
    if result.stray or result.refused_by_mock:
        problems.append(f"{result.stray} replies to numbers that never texted, {result.refused_by_mock} refused")
    stored, distinct, unprocessed = query(
        db_url,
        "SELECT count(*), count(DISTINCT provider_sid), count(*) FILTER (WHERE status <> 'processed') "
        "FROM inbound_message",
    )[0]
    taken = sum(1 for t in texts if t.status == 200)
    if stored != taken or distinct != stored:
        problems.append(f"{stored} rows in inbound_message ({distinct} distinct) for {taken} texts answered 200")
    if unprocessed:
        problems.append(f"{unprocessed} stored texts not processed")
    replies = dict(query(db_url, "SELECT status, count(*) FROM outbound_message GROUP BY status ORDER BY 2 DESC"))
    reply_rows, reply_texts, unsent = query(
        db_url,
        "SELECT count(*), count(DISTINCT in_reply_to_id), count(*) FILTER (WHERE status <> 'sent') "
        "FROM outbound_message WHERE in_reply_to_id IS NOT NULL",
    )[0]
    if unsent:
        problems.append(f"{unsent} replies in the outbox not sent")
    if reply_rows != reply_texts or reply_texts != stored:
        problems.append(f"{reply_rows} replies in the outbox for {reply_texts} texts of {stored} stored")
    handling = query(db_url, "SELECT handling, count(*) FROM inbound_message GROUP BY handling ORDER BY 2 DESC")
    conversations, alerts = query(
        db_url, "SELECT (SELECT count(*) FROM conversation), (SELECT count(*) FROM safeguarding_alert)"
    )[0]
    result.database = {
        "inbound_messages": stored,
        "handling": {str(kind): n for kind, n in handling},
        "outbound_by_status": {str(status): n for status, n in replies.items()},
        "replies_in_outbox": reply_rows,
        "conversations": conversations,
        "safeguarding_alerts": alerts,
    }
    result.checks = problems


def run_count(count: int, args: argparse.Namespace, logs: Path) -> Result:
    """One whole run with `count` handlers, on a database of its own (dropped whatever happens)."""
    with bench_database(args.postgres, args.keep_database) as db_url:
        web_port, mock_port = free_port(), free_port()
        auth_token = secrets.token_hex(16)
        env = child_environment(
            {
                "FEEDBACK_ENV": "production",
                "SECRET_KEY": secrets.token_urlsafe(48),
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": auth_token,
                "TWILIO_FROM_NUMBER": SERVICE_NUMBER,
                "TWILIO_API_BASE_URL": f"http://127.0.0.1:{mock_port}",
                "SEND_RATE_PER_SECOND": "0",
                "DATABASE_URL": db_url,
                # Production refuses limits counted in memory with several web processes (sign-in's limit); the
                # webhook has none, so the bench says where they would be counted.
                "RATELIMIT_STORAGE_URI": "memory://",
                "SINGLE_WEB_PROCESS": "yes",
                "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
            }
        )
        feedback_cli(env, "db", "upgrade")
        feedback_cli(env, "defaults", "load")
        server = Server(f"feedback-{count}", FEEDBACK_APP, port=web_port, env=env, args=args, logs=logs)
        handlers = Workers(count, env=env, interval=args.interval, logs=logs, name=f"handler-{count}")
        mock = TwilioMock(ACCOUNT_SID, auth_token)
        started = time.perf_counter()
        texts = prepare(server.base_url + WEBHOOK_PATH, auth_token, args)
        print(
            f"{count} handlers: database ready; signed {len(texts)} texts in {time.perf_counter() - started:.1f} s; "
            f"warming up {args.warmup:g} s at {args.rate:g} texts a second, then measuring {args.duration:g} s"
        )
        try:
            timeline, meter = asyncio.run(
                run_load(
                    mock=mock,
                    mock_port=mock_port,
                    server=server,
                    handlers=handlers,
                    texts=texts,
                    db_url=db_url,
                    args=args,
                )
            )
        finally:  # already done unless the loop itself was interrupted
            handlers.stop()
            server.stop()
        result = summarise(count, texts, mock, timeline, args)
        result.cpu = meter.report(result.texts)
        result.server_log_error_lines = server.problems()
        result.handler_log_error_lines = handlers.problems()
        check(result, texts, mock, db_url)
        return result


# --- report -------------------------------------------------------------------------------------------------


def print_result(r: Result) -> None:
    print()
    print(f"--- {r.handlers} handler{'s' if r.handlers != 1 else ''} ---")
    print(
        f"texts: {r.texts} measured at {r.offered_per_second:g} a second (+{r.warmup_texts} warm-up); webhook "
        f"answers p50 {fmt(r.webhook_p50_ms, 0, 1)} ms, p99 {fmt(r.webhook_p99_ms, 0, 1)} ms, "
        f"{r.webhook_errors} errors"
    )
    print(
        f"replies: {r.replies} received, {r.missing} missing, {r.doubled} senders with more than one; latency "
        f"p50 {fmt(r.reply_p50_ms, 0, 0)} ms, p90 {fmt(r.reply_p90_ms, 0, 0)} ms, p99 {fmt(r.reply_p99_ms, 0, 0)} "
        f"ms, max {fmt(r.reply_max_ms, 0, 0)} ms; the last reply came {fmt(r.last_reply_after_load_ms, 0, 0)} ms "
        "after the last text was due"
    )
    rate = "" if r.offered_per_second == AIM_RATE else f" (this run: {r.offered_per_second:g} a second)"
    print(
        f"keyword reply p99: {fmt(r.reply_p99_ms, 0, 0)} ms (aim: within {AIM_MS} ms at {AIM_RATE} texts a second)"
        + rate
    )
    if r.cpu:
        per_text = ", ".join(f"{group} {ms:.2f}" for group, ms in r.cpu["ms_per_request"].items())
        busy = sum(r.cpu["percent_of_machine"].values())
        other = r.cpu["percent_of_machine"]["other"]
        print(
            f"CPU ms per text (web, PostgreSQL, this bench, others, handlers): {per_text}; machine {busy:.0f}% busy "
            f"({other:.0f}% by other processes)"
        )
    if r.handlers_listening < r.handlers:
        print(f"only {r.handlers_listening} of {r.handlers} handlers were LISTENing when the load began")
    if r.server_log_error_lines or r.handler_log_error_lines:
        print(f"error lines in the logs: {r.server_log_error_lines} gunicorn, {r.handler_log_error_lines} handlers")
    print(f"database: {json.dumps(r.database)}")
    print("checks: " + ("ok" if not r.checks else "FAILED: " + "; ".join(r.checks)))


def print_table(results: list[Result]) -> None:
    print()
    columns = (
        ("handlers", 9),
        ("texts", 7),
        ("hook p50", 10),
        ("hook p99", 10),
        ("errors", 8),
        ("replies", 9),
        ("missing", 9),
        ("doubled", 9),
        ("p50 ms", 9),
        ("p90 ms", 9),
        ("p99 ms", 9),
        ("max ms", 9),
        ("checks", 8),
    )
    print("".join(f"{title:>{width}}" for title, width in columns))
    for r in results:
        print(
            f"{r.handlers:>9}{r.texts:>7}{fmt(r.webhook_p50_ms, 10)}{fmt(r.webhook_p99_ms, 10)}{r.webhook_errors:>8}"
            f"{r.replies:>9}{r.missing:>9}{r.doubled:>9}{fmt(r.reply_p50_ms, 9, 0)}{fmt(r.reply_p90_ms, 9, 0)}"
            f"{fmt(r.reply_p99_ms, 9, 0)}{fmt(r.reply_max_ms, 9, 0)}{'ok' if not r.checks else 'FAILED':>8}"
        )
    print("(hook: the webhook's answer, ms from when the text was due; p50..max: the reply reaching Twilio)")


def write_json(path: Path, args: argparse.Namespace, results: list[Result]) -> None:
    write_document(
        path,
        args,
        "keyword reply, text POST to the reply reaching Twilio (mock), open loop",
        aim={"reply_p99_ms": AIM_MS, "texts_per_second": AIM_RATE},
        results=[asdict(r) for r in results],
    )


# --- main ---------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, interrupt)
    logs = Path(tempfile.mkdtemp(prefix="feedback-bench-"))
    keep_logs = True
    print(f"feedback {source_version()}; gunicorn {' '.join(gunicorn_settings(args))}")
    try:
        results = []
        try:
            for count in args.handlers:
                result = run_count(count, args, logs)
                print_result(result)
                results.append(result)
        except KeyboardInterrupt:
            keep_logs = False
            print("\ninterrupted: every process stopped and the bench database dropped", file=sys.stderr)
            return 130
        except BenchError as exc:
            print(f"bench failed: {exc}", file=sys.stderr)
            return 2
        print_table(results)
        if not args.no_json:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            write_json(args.json or RESULTS / f"replies-{stamp}.json", args, results)
        failed = any(r.failed for r in results)
        keep_logs = failed or any(r.server_log_error_lines or r.handler_log_error_lines for r in results)
        return 1 if failed else 0
    finally:
        if keep_logs:
            print(f"server and handler logs kept in {logs}", file=sys.stderr)
        else:
            shutil.rmtree(logs, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

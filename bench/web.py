"""The young person's web survey pages on loopback, against a floor measured in the same run.

    python bench/web.py [--duration 15] [--concurrency 50] [--workers 4 --threads 3] ...

It creates a PostgreSQL database of its own (migrated, defaults loaded, so the example survey monthly-checkin
is there), serves two apps with gunicorn under the same settings, one after the other, and measures each:

- open: many new visitors open `GET /s/monthly-checkin/q/1` (no cookie, as from a link in a text);
- answer: each client is a young person with a cookie jar of their own. They open each of the four questions,
  read the page's hidden `csrf_token` and `nonce`, post their answer and expect a 302 to the next question
  (after the last, to /s/monthly-checkin/done); then a new young person starts;
- page weight (feedback only): the bytes of question 1's HTML and of every stylesheet, script and image it
  links to, as served and gzipped, against a budget of 100 KB.

The floor is bench/floor_app.py: the same URLs, a page of about the same size rendered from one SELECT, and a
POST that inserts one row and redirects. The feedback app runs as in production (FEEDBACK_ENV=production, a random
SECRET_KEY, CSRF on), with ANONYMOUS_SUBMISSIONS_PER_HOUR raised to 100000000 because every client of the
benchmark comes from 127.0.0.1.

The exit status is 1 only when a request got an unexpected answer or the rows do not match the answers given
(one answer per question of each conversation, none lost, none doubled, every finished survey's conversation
completed), never because of timings. Nothing it prints contains an answer given.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import html
import json
import os
import re
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
from urllib.parse import urljoin, urlsplit

try:
    import aiohttp
    import psycopg
except ModuleNotFoundError:  # `python bench/web.py` outside the venv: start again with the venv's Python
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
    versions,
    write_document,
)
from floor_app import FLOOR_SLUG, set_up_web_floor

SLUG = "monthly-checkin"
assert FLOOR_SLUG == SLUG  # the floor serves the same URLs
# What each young person answers to the example survey's four questions: a rating, a choice, yes/no, free text.
ANSWERS = ("4", "yes", "no", "More bus passes please")
PAGE_BUDGET_BYTES = 100_000  # 100 KB: the question page with everything it loads
# Weighed whether or not the page links them; anything else the page links to is weighed too.
EXPECTED_ASSETS = ("/static/site.css", "/static/young.js")
# Open links allow this many answers an hour from one address; every bench client is 127.0.0.1.
BENCH_SUBMISSIONS_PER_HOUR = 100_000_000
SOURCES = ("feedback", "migrations", "templates", "static")  # what the measured app is made of


def question_path(number: int) -> str:
    return f"/s/{SLUG}/q/{number}"


DONE_PATH = f"/s/{SLUG}/done"


# --- options ------------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    load = parser.add_argument_group("load")
    load.add_argument("--duration", type=float, default=15.0, help="Seconds of measured load per phase and server.")
    load.add_argument("--warmup", type=float, default=3.0, help="Seconds of unmeasured load before each phase.")
    load.add_argument(
        "--concurrency", type=int, default=50, help="Concurrent clients (one connection and cookie jar each)."
    )
    load.add_argument(
        "--phase",
        choices=("open", "answer", "both"),
        default="both",
        help="open: GET question 1 as new visitors; answer: whole surveys, GET and POST each page.",
    )
    load.add_argument("--timeout", type=float, default=30.0, help="Seconds before a request counts as failed.")
    load.add_argument(
        "--only", choices=("floor", "feedback"), default=None, help="Run one server only (no ratio then)."
    )
    load.add_argument(
        "--order",
        choices=("floor-first", "feedback-first"),
        default="floor-first",
        help="Which server runs first.",
    )
    load.add_argument(
        "--ratelimit-storage",
        default="memory://",
        metavar="URI",
        help="The app's RATELIMIT_STORAGE_URI: memory:// counts in each worker; redis://127.0.0.1:6379 shares the "
        "count between workers as a deployment should (needs Redis and the redis package).",
    )
    add_server_arguments(parser)
    add_output_arguments(parser)
    args = parser.parse_args(argv)
    if args.concurrency < 1:
        parser.error("--concurrency must be at least 1")
    if args.duration <= 0 or args.warmup < 0:
        parser.error("--duration must be positive and --warmup not negative")
    check_server_arguments(parser, args)
    return args


# --- pages --------------------------------------------------------------------------------------------------

_INPUT = re.compile(rb"<input\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(rb'([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*"([^"]*)"')
_ASSET = re.compile(rb"<(link|script|img)\b[^>]*>", re.IGNORECASE)


def form_fields(page: bytes) -> dict[str, str]:
    """The value of each named <input> of a page (the last one wins), as a browser would submit it."""
    fields = {}
    for tag in _INPUT.findall(page):
        attributes = {k.decode().lower(): html.unescape(v.decode()) for k, v in _ATTRIBUTE.findall(tag)}
        kind = attributes.get("type", "text").lower()
        if "name" in attributes and kind in {"hidden", "text"}:
            fields[attributes["name"]] = attributes.get("value", "")
    return fields


def linked_assets(page: bytes) -> list[str]:
    """What the page makes a browser load: stylesheets, scripts and images, in order, each once."""
    found: list[str] = []
    for match in _ASSET.finditer(page):
        tag = match.group(0)
        attributes = {k.decode().lower(): html.unescape(v.decode()) for k, v in _ATTRIBUTE.findall(tag)}
        kind = match.group(1).decode().lower()
        if kind == "link" and "stylesheet" in attributes.get("rel", "").split():
            address = attributes.get("href")
        elif kind in {"script", "img"}:
            address = attributes.get("src")
        else:
            address = None
        if address and address not in found:
            found.append(address)
    return found


# --- load ---------------------------------------------------------------------------------------------------


@dataclass
class Timings:
    """One kind of request: latencies of the expected answers, and every outcome counted."""

    expected: str  # the outcome that counts as right: "200" or "302"
    latencies: list[float] = field(default_factory=list)  # seconds, of expected outcomes only
    outcomes: Counter[str] = field(default_factory=Counter)  # "200", "302", "302 elsewhere", "0" (no answer)...

    @property
    def sent(self) -> int:
        return sum(self.outcomes.values())

    @property
    def ok(self) -> int:
        return self.outcomes[self.expected]

    @property
    def errors(self) -> int:
        return self.sent - self.ok


@dataclass
class Phase:
    opens: Timings = field(default_factory=lambda: Timings("200"))  # open phase: GET question 1, no cookie
    gets: Timings = field(default_factory=lambda: Timings("200"))  # answer phase: each question page
    posts: Timings = field(default_factory=lambda: Timings("302"))  # answer phase: each answer
    surveys: list[float] = field(default_factory=list)  # seconds from the first GET to the last 302
    # Young people who posted at least one answer, by how many answers were accepted (4: the survey is done).
    answered: Counter[int] = field(default_factory=Counter)
    broken: int = 0  # young people whose survey stopped at an unexpected answer
    elapsed: float = 0.0

    @property
    def requests(self) -> int:
        return self.opens.sent + self.gets.sent + self.posts.sent


class Client:
    """One young person's browser at a time: a keep-alive connection and a cookie jar, cleared between people."""

    def __init__(self, base_url: str, timeout: float) -> None:
        # The app's session cookie is Secure (production), and this is http on loopback: treat it as https, and
        # take cookies from an IP address as a browser does.
        self.jar = aiohttp.CookieJar(unsafe=True, treat_as_secure_origin=[base_url])
        self.session = aiohttp.ClientSession(
            base_url=base_url,
            connector=aiohttp.TCPConnector(limit=1),
            cookie_jar=self.jar,
            timeout=aiohttp.ClientTimeout(total=timeout),
        )

    async def get(self, path: str) -> tuple[str, bytes, float]:
        sent = time.perf_counter()
        try:
            async with self.session.get(path, allow_redirects=False) as response:
                body = await response.read()
                outcome = str(response.status)
        except (aiohttp.ClientError, TimeoutError):
            body, outcome = b"", "0"
        return outcome, body, time.perf_counter() - sent

    async def post(self, path: str, form: dict[str, str], expect: str) -> tuple[str, float]:
        sent = time.perf_counter()
        try:
            async with self.session.post(path, data=form, allow_redirects=False) as response:
                await response.read()
                outcome = str(response.status)
                if response.status == 302 and urlsplit(response.headers.get("Location", "")).path != expect:
                    outcome = "302 elsewhere"
        except (aiohttp.ClientError, TimeoutError):
            outcome = "0"
        return outcome, time.perf_counter() - sent

    async def close(self) -> None:
        await self.session.close()


def _page_outcome(outcome: str, body: bytes) -> tuple[str, dict[str, str]]:
    """The outcome of a question page, "200 without the form" if it has no csrf_token or nonce, and its fields."""
    fields = form_fields(body) if outcome == "200" else {}
    if outcome == "200" and not {"csrf_token", "nonce"} <= fields.keys():
        return "200 without the form", fields
    return outcome, fields


async def open_pages(clients: list[Client], phase: Phase, deadline: float) -> None:
    """Each client opens question 1 as a new visitor (no cookie), again and again."""

    async def one(client: Client) -> None:
        while time.perf_counter() < deadline:
            client.jar.clear()
            outcome, body, took = await client.get(question_path(1))
            outcome, _ = _page_outcome(outcome, body)
            phase.opens.outcomes[outcome] += 1
            if outcome == phase.opens.expected:
                phase.opens.latencies.append(took)

    await asyncio.gather(*(one(c) for c in clients))


async def answer_surveys(clients: list[Client], phase: Phase, deadline: float) -> None:
    """Each client is a new young person who answers the four questions, then the next young person, and so on.

    A page opened before the deadline is answered; no page is opened after it (that survey stays unfinished,
    as when someone stops halfway)."""

    async def one(client: Client) -> None:
        while time.perf_counter() < deadline:
            client.jar.clear()
            started = time.perf_counter()
            answered = 0
            for number, answer in enumerate(ANSWERS, start=1):
                if time.perf_counter() >= deadline:
                    break
                outcome, body, took = await client.get(question_path(number))
                outcome, fields = _page_outcome(outcome, body)
                phase.gets.outcomes[outcome] += 1
                if outcome != "200":
                    phase.broken += 1
                    break
                phase.gets.latencies.append(took)
                # What a browser sends: the hidden inputs, the empty trap field if the page has one, the answer
                # and the button pressed.
                form = {"csrf_token": fields["csrf_token"], "nonce": fields["nonce"]}
                if "website" in fields:
                    form["website"] = ""
                form |= {"answer": answer, "next": "1"}
                expect = question_path(number + 1) if number < len(ANSWERS) else DONE_PATH
                outcome, took = await client.post(question_path(number), form, expect)
                phase.posts.outcomes[outcome] += 1
                if outcome != "302":
                    phase.broken += 1
                    break
                phase.posts.latencies.append(took)
                answered += 1
            if answered:
                phase.answered[answered] += 1
            if answered == len(ANSWERS):
                phase.surveys.append(time.perf_counter() - started)

    await asyncio.gather(*(one(c) for c in clients))


async def run_phase(kind: str, clients: list[Client], args: argparse.Namespace, meter: CpuMeter) -> tuple[Phase, Phase]:
    drive = open_pages if kind == "open" else answer_surveys
    warm = Phase()
    started = time.perf_counter()
    await drive(clients, warm, started + args.warmup)
    warm.elapsed = time.perf_counter() - started
    measured = Phase()
    meter.start()
    started = time.perf_counter()
    await drive(clients, measured, started + args.duration)
    measured.elapsed = time.perf_counter() - started
    meter.stop()
    return warm, measured


# --- page weight --------------------------------------------------------------------------------------------


@dataclass
class Resource:
    path: str
    status: int
    bytes: int
    gzip_bytes: int
    content_type: str
    content_encoding: str
    cache_control: str
    linked: bool  # the page links to it (the page itself: True)


async def page_weight(base_url: str, timeout: float, *, assets: bool = True) -> list[Resource]:
    """Question 1 for a new visitor, then (with `assets`) everything it links to on the same site, as served (no
    compression asked for) and as Python's gzip would make it (level 9) for reference."""
    async with aiohttp.ClientSession(
        base_url=base_url,
        timeout=aiohttp.ClientTimeout(total=timeout),
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
    ) as session:

        async def fetch(path: str, linked: bool) -> tuple[Resource, bytes]:
            async with session.get(path, headers={"Accept-Encoding": "identity"}) as response:
                body = await response.read()
                return Resource(
                    path=path,
                    status=response.status,
                    bytes=len(body),
                    gzip_bytes=len(gzip.compress(body)),
                    content_type=response.headers.get("Content-Type", ""),
                    content_encoding=response.headers.get("Content-Encoding", ""),
                    cache_control=response.headers.get("Cache-Control", ""),
                    linked=linked,
                ), body

        page, body = await fetch(question_path(1), linked=True)
        linked = []
        for address in linked_assets(body):
            absolute = urljoin(base_url + question_path(1), address)
            if urlsplit(absolute).netloc == urlsplit(base_url).netloc:  # another site's: none expected
                linked.append(urlsplit(absolute).path)
        resources = [page]
        wanted = [*linked, *(a for a in EXPECTED_ASSETS if a not in linked)] if assets else []
        for path in wanted:
            resources.append((await fetch(path, linked=path in linked))[0])
    return resources


# --- one server's run ---------------------------------------------------------------------------------------


def request_summary(timings: Timings, elapsed: float) -> dict[str, Any]:
    ordered = sorted(timings.latencies)
    return {
        "ok": timings.ok,
        "errors": timings.errors,
        "per_second": round(timings.ok / elapsed, 1) if elapsed else 0.0,
        "p50_ms": percentile(ordered, 0.50),
        "p90_ms": percentile(ordered, 0.90),
        "p99_ms": percentile(ordered, 0.99),
        "max_ms": percentile(ordered, 1.0),
    }


@dataclass
class Result:
    name: str
    open: dict[str, Any] = field(default_factory=dict)  # GET question 1, new visitors
    answer_get: dict[str, Any] = field(default_factory=dict)  # GET of each page while answering
    answer_post: dict[str, Any] = field(default_factory=dict)  # POST of each answer
    surveys: dict[str, Any] = field(default_factory=dict)  # whole surveys, first GET to last 302
    seconds: dict[str, float] = field(default_factory=dict)
    outcomes: dict[str, dict[str, int]] = field(default_factory=dict)  # warm-up and measured together
    errors: int = 0  # unexpected answers, warm-up included
    broken_surveys: int = 0
    page_html_bytes: int | None = None
    page_weight: list[dict[str, Any]] = field(default_factory=list)
    cpu: dict[str, Any] = field(default_factory=dict)
    server_log_error_lines: int = 0
    answers_accepted: int = 0  # every 302 to an answer, warm-up included
    answered_per_person: dict[str, int] = field(default_factory=dict)  # warm-up included
    rows_check: str = "not run"
    rows: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.errors > 0 or self.rows_check not in {"ok", "not run"}


def summarise(result: Result, kind: str, warm: Phase, measured: Phase, meter: CpuMeter) -> None:
    result.seconds[kind] = round(measured.elapsed, 3)
    if kind == "open":
        result.open = request_summary(measured.opens, measured.elapsed)
        result.outcomes["open"] = dict(warm.opens.outcomes + measured.opens.outcomes)
        result.errors += warm.opens.errors + measured.opens.errors
    else:
        result.answer_get = request_summary(measured.gets, measured.elapsed)
        result.answer_post = request_summary(measured.posts, measured.elapsed)
        ordered = sorted(measured.surveys)
        result.surveys = {
            "completed": len(ordered),
            "per_second": round(len(ordered) / measured.elapsed, 2) if measured.elapsed else 0.0,
            "p50_ms": percentile(ordered, 0.50),
            "p99_ms": percentile(ordered, 0.99),
        }
        result.outcomes["answer_get"] = dict(warm.gets.outcomes + measured.gets.outcomes)
        result.outcomes["answer_post"] = dict(warm.posts.outcomes + measured.posts.outcomes)
        result.errors += warm.gets.errors + measured.gets.errors + warm.posts.errors + measured.posts.errors
        result.broken_surveys = warm.broken + measured.broken
        result.answers_accepted = warm.posts.ok + measured.posts.ok
        answered = warm.answered + measured.answered
        result.answered_per_person = {str(n): answered[n] for n in sorted(answered)}
    cpu = meter.report(measured.requests)
    if cpu and kind == "answer" and measured.surveys:
        cpu["ms_per_survey"] = meter.report(len(measured.surveys))["ms_per_request"]
    if cpu:
        result.cpu[kind] = cpu


def check_feedback_rows(url: str, result: Result) -> None:
    """One answer row per question of each conversation, one per 302, each conversation as far as its young person
    got, and every finished survey's conversation completed; each answer stored once as a web message."""
    rows, pairs = query(url, "SELECT count(*), count(DISTINCT (conversation_id, question_id)) FROM answer")[0]
    # Each conversation: its status and how many answers it holds.
    shapes = query(
        url,
        "SELECT c.status, coalesce(a.n, 0), count(*) FROM conversation c"
        " LEFT JOIN (SELECT conversation_id, count(*) AS n FROM answer GROUP BY conversation_id) a"
        " ON a.conversation_id = c.id GROUP BY 1, 2 ORDER BY 1, 2",
    )
    # What was stored for each question (by its place in the survey), the free text aside (it is encrypted).
    values = query(
        url,
        "SELECT place, a.status, a.value_number, a.value_option, count(*) FROM answer a JOIN"
        " (SELECT id, dense_rank() OVER (PARTITION BY survey_version_id ORDER BY position) AS place FROM question) q"
        " ON q.id = a.question_id GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
    )
    messages, sids, unprocessed, alerts, people = query(
        url,
        "SELECT count(*), count(DISTINCT provider_sid), count(*) FILTER (WHERE status <> 'processed'),"
        " (SELECT count(*) FROM safeguarding_alert), (SELECT count(*) FROM person) FROM inbound_message",
    )[0]
    expected = result.answers_accepted
    answered = {int(n): count for n, count in result.answered_per_person.items()}
    completed = answered.get(len(ANSWERS), 0)
    stored_shapes = Counter({(status, n): count for status, n, count in shapes})
    by_answers: Counter[int] = Counter()
    for (_, n), count in stored_shapes.items():
        by_answers[n] += count
    problems = []
    if rows != expected:
        problems.append(f"{rows} answer rows for {expected} answers accepted (302)")
    if pairs != rows:
        problems.append(f"{rows - pairs} answer rows doubled (same conversation and question)")
    if by_answers != Counter(answered):
        problems.append(f"conversations by answers held {dict(sorted(by_answers.items()))}, expected {answered}")
    completed_rows = sum(count for (status, _), count in stored_shapes.items() if status == "completed")
    if completed_rows != completed:
        problems.append(f"{completed_rows} conversations completed for {completed} surveys finished")
    if completed_rows != stored_shapes[("completed", len(ANSWERS))]:
        problems.append(
            f"{completed_rows - stored_shapes[('completed', len(ANSWERS))]} completed conversations "
            f"without {len(ANSWERS)} answers"
        )
    wrong = [
        (place, status, number, option, count)
        for place, status, number, option, count in values
        if status != "answered"
        or (place == 1 and number != int(ANSWERS[0]))
        or (place in {2, 3} and option != ANSWERS[place - 1])
    ]
    if wrong:
        problems.append(f"{sum(w[-1] for w in wrong)} answers stored with another value or status: {wrong}")
    if messages != expected or sids != messages or unprocessed:
        problems.append(
            f"{messages} web messages ({messages - sids} doubled, {unprocessed} unprocessed) "
            f"for {expected} answers accepted"
        )
    result.rows_check = "; ".join(problems) or "ok"
    result.rows = {
        "answers": rows,
        "conversations": {f"{status}, {n} answers": count for (status, n), count in sorted(stored_shapes.items())},
        "inbound_messages": messages,
        "people": people,
        "safeguarding_alerts": alerts,
    }


def check_floor_rows(url: str, result: Result) -> None:
    rows, nonces = query(url, "SELECT count(*), count(DISTINCT nonce) FROM bench_floor_answer")[0]
    ok = rows == result.answers_accepted and nonces == rows
    result.rows_check = "ok" if ok else f"{rows} rows in bench_floor_answer for {result.answers_accepted} answers 302"
    result.rows = {"answers": rows}


async def serve_phases(server: Server, result: Result, args: argparse.Namespace, db_url: str) -> None:
    weight = await page_weight(server.base_url, args.timeout, assets=result.name == "feedback")
    result.page_html_bytes = weight[0].bytes
    if result.name == "feedback":
        result.page_weight = [asdict(r) for r in weight]
    clients = [Client(server.base_url, args.timeout) for _ in range(args.concurrency)]
    assert server.process is not None
    try:
        for kind in ("open", "answer"):
            if args.phase in {kind, "both"}:
                print(f"{result.name}: {kind}: warming up {args.warmup:g} s, then measuring {args.duration:g} s")
                meter = CpuMeter(server.process.pid, db_url)
                warm, measured = await run_phase(kind, clients, args, meter)
                summarise(result, kind, warm, measured, meter)
    finally:
        await asyncio.gather(*(c.close() for c in clients))


def run_one(
    name: str, app: str, *, db_url: str, common_env: dict[str, str], args: argparse.Namespace, logs: Path
) -> Result:
    port = free_port()
    env = child_environment({**common_env, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"})
    server = Server(name, app, port=port, env=env, args=args, logs=logs)
    result = Result(name)
    try:
        server.start()
        print(f"{name}: serving {app} on {server.base_url}")
        asyncio.run(serve_phases(server, result, args, db_url))
    finally:
        server.stop()  # before counting rows: gunicorn finishes the requests it has in flight
    result.server_log_error_lines = server.problems()
    if args.phase != "open":
        if name == "feedback":
            check_feedback_rows(db_url, result)
        else:
            check_floor_rows(db_url, result)
    return result


# --- report -------------------------------------------------------------------------------------------------

ROWS = (
    ("open q/1 (GET)", "open"),
    ("answer (POST)", "answer_post"),
    ("page while answering (GET)", "answer_get"),
)


def ratio(results: list[Result], kind: str, key: str = "per_second") -> float | None:
    by_name = {r.name: getattr(r, kind) for r in results}
    floor, feedback = by_name.get("floor"), by_name.get("feedback")
    if not floor or not feedback or not floor.get(key):
        return None
    return round(feedback[key] / floor[key], 3)


def print_report(results: list[Result]) -> dict[str, float | None]:
    print()
    columns = ("ok", 8), ("req/s", 9), ("p50 ms", 9), ("p90 ms", 9), ("p99 ms", 9), ("max ms", 9), ("errors", 8)
    print(f"{'request':<28}{'server':<10}" + "".join(f"{title:>{width}}" for title, width in columns) + "  ratio")
    ratios: dict[str, float | None] = {}
    for title, kind in ROWS:
        ratios[kind] = ratio(results, kind)
        for r in results:
            s = getattr(r, kind)
            if not s:
                continue
            shown = ratios[kind] if r.name == "feedback" and ratios[kind] is not None else None
            print(
                f"{title:<28}{r.name:<10}{s['ok']:>8}{fmt(s['per_second'], 9)}{fmt(s['p50_ms'], 9)}"
                f"{fmt(s['p90_ms'], 9)}{fmt(s['p99_ms'], 9)}{fmt(s['max_ms'], 9)}{s['errors']:>8}"
                + (f"  {shown:.2f}" if shown is not None else "")
            )
    ratios["surveys"] = ratio(results, "surveys")
    for r in results:
        if r.surveys:
            shown = ratios["surveys"] if r.name == "feedback" and ratios["surveys"] is not None else None
            print(
                f"{'whole surveys':<28}{r.name:<10}{r.surveys['completed']:>8}{fmt(r.surveys['per_second'], 9)}"
                f"{fmt(r.surveys['p50_ms'], 9)}{'':>9}{fmt(r.surveys['p99_ms'], 9)}{'':>9}{r.broken_surveys:>8}"
                + (f"  {shown:.2f}" if shown is not None else "")
            )
    print("(ratio: feedback/floor throughput; req/s of answers counts only the POSTs of a GET-then-POST mix)")
    print()
    for r in results:
        extra = f"; outcomes {json.dumps(r.outcomes)}" if r.errors else ""
        print(f"{r.name}: rows {r.rows_check}{extra}")
        if r.rows:
            print(f"{r.name}: {json.dumps(r.rows)}")
        if r.server_log_error_lines:
            print(f"{r.name}: {r.server_log_error_lines} error lines in the server log")
        for kind, cpu in r.cpu.items():
            per_request = ", ".join(f"{group} {ms:.2f}" for group, ms in cpu["ms_per_request"].items())
            busy = sum(cpu["percent_of_machine"].values())
            other = cpu["percent_of_machine"]["other"]
            workers = "/".join(str(w) for w in cpu["workers_percent_of_a_core"])
            print(
                f"{r.name}: {kind}: CPU ms per request: {per_request}; machine {busy:.0f}% busy "
                f"({other:.0f}% by other processes); workers {workers}% of a core"
            )
    pages = {r.name: r.page_html_bytes for r in results if r.page_html_bytes is not None}
    if pages:
        print("question 1 HTML: " + ", ".join(f"{name} {size:,} bytes" for name, size in pages.items()))
    for r in results:
        if r.page_weight:
            print()
            print(f"page weight (feedback, question 1 and what it loads; budget {PAGE_BUDGET_BYTES:,} bytes):")
            for item in r.page_weight:
                encoding = f", served {item['content_encoding']}" if item["content_encoding"] else ""
                encoding += "" if item["linked"] else ", NOT linked from the page"
                print(
                    f"  {item['path']:<32}{item['bytes']:>8,} bytes {item['gzip_bytes']:>8,} gzipped"
                    f"  ({item['status']}{encoding}; Cache-Control: {item['cache_control'] or '-'})"
                )
            total = sum(item["bytes"] for item in r.page_weight)
            zipped = sum(item["gzip_bytes"] for item in r.page_weight)
            print(
                f"  {'total':<32}{total:>8,} bytes {zipped:>8,} gzipped"
                f"  ({total * 100 / PAGE_BUDGET_BYTES:.1f}% of the budget uncompressed)"
            )
    return ratios


def write_json(path: Path, args: argparse.Namespace, results: list[Result], ratios: dict[str, float | None]) -> None:
    weight = next((r.page_weight for r in results if r.page_weight), [])
    write_document(
        path,
        args,
        "web survey pages vs floor",
        environment=versions(args.postgres, source_version(SOURCES, untracked=True)),
        app_settings={
            "FEEDBACK_ENV": "production",
            "ANONYMOUS_SUBMISSIONS_PER_HOUR": BENCH_SUBMISSIONS_PER_HOUR,
            "RATELIMIT_STORAGE_URI": args.ratelimit_storage,
        },
        results=[asdict(r) for r in results],
        ratios_feedback_to_floor=ratios,
        page_weight={
            "budget_bytes": PAGE_BUDGET_BYTES,
            "bytes": sum(item["bytes"] for item in weight) or None,
            "gzip_bytes": sum(item["gzip_bytes"] for item in weight) or None,
        },
    )


# --- main ---------------------------------------------------------------------------------------------------


def run_all(args: argparse.Namespace, logs: Path) -> list[Result]:
    """Create the database, run each server in turn, and drop the database whatever happens."""
    with bench_database(args.postgres, args.keep_database) as db_url:
        common_env = {
            "FEEDBACK_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": db_url,
            "ANONYMOUS_SUBMISSIONS_PER_HOUR": str(BENCH_SUBMISSIONS_PER_HOUR),
            "RATELIMIT_STORAGE_URI": args.ratelimit_storage,
            # Production refuses limits counted in memory with several web processes; the bench sets the limit far
            # above what it sends, so where it is counted does not change what it measures.
            "SINGLE_WEB_PROCESS": "yes" if args.ratelimit_storage.startswith("memory") else "no",
            "BENCH_FLOOR_DATABASE_URL": db_url.replace("postgresql://", "postgresql+psycopg://", 1),
        }
        cli_env = child_environment({**common_env, "PUBLIC_BASE_URL": "http://127.0.0.1"})
        feedback_cli(cli_env, "db", "upgrade")
        feedback_cli(cli_env, "defaults", "load")
        with psycopg.connect(db_url, autocommit=True) as conn:
            set_up_web_floor(conn)
        print(
            f"feedback {source_version(SOURCES, untracked=True)}; database ready; "
            f"gunicorn {' '.join(gunicorn_settings(args))}; {args.concurrency} clients"
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
    logs = Path(tempfile.mkdtemp(prefix="feedback-bench-web-"))
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
        ratios = print_report(results)
        if not args.no_json:
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            write_json(args.json or RESULTS / f"web-{stamp}.json", args, results, ratios)
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

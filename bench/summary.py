"""The theme summary on PostgreSQL at any size of history: read from the daily totals, against the same summary
counted directly from every filed row, measured in the same run.

    python bench/summary.py [--database-url URL] [--messages 1000000[,10000000]] [--runs 7] [--reload] [--explain]

For each size in --messages it fills a database of its own (`feedback_bench_<size>` on the server --database-url
names, created if missing, migrated with the app) with that many analysed messages spread over the last 15 months,
each filed under one or two of the 18 default themes, with the daily totals the app keeps (`insight.daily`), all
loaded in bulk in SQL. A rerun finds them there and skips the load; --reload loads them again.

Then it times, on one connection, the median of --runs runs of each view (the current calendar quarter against the
one before: no filter, broken down by locality, and one locality):

- the summary as the app counts it, from the daily totals (`summary.summarise`);
- the summary page as the app shows it, the summary with its trend of eight quarters (`summary.overview`);
- the same summary counted directly, every figure by GROUP BY over the filed rows (`summarise(direct=True)`), the
  way summaries were counted before the daily totals;
- the floor: a bare `SELECT theme_id, count(*) FROM message_theme WHERE received_at in the quarter GROUP BY
  theme_id`, the least a direct count of a quarter's themes has to do.

It prints milliseconds and the ratio of each summary to the floor (the aim: at most 0.2) and to its direct count,
and, given two sizes, how each at the larger compares with the smaller (the aim: no longer). --explain prints
EXPLAIN (ANALYZE, BUFFERS) of each statement a view runs.

A benchmark, not a test: it never fails because of a figure. It exits 2 only when it cannot set up or run.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

try:
    import psycopg
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from flask import Flask
    from flask_migrate import upgrade
    from psycopg import sql
    from sqlalchemy import event, make_url, text
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.orm import Session
except ModuleNotFoundError:  # `python bench/summary.py` outside the venv: start again with the venv's Python
    _VENV_PYTHON = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "python"
    if __name__ != "__main__" or not _VENV_PYTHON.exists() or Path(sys.executable) == _VENV_PYTHON:
        raise
    os.execv(_VENV_PYTHON, [str(_VENV_PYTHON), *sys.argv])  # noqa: S606 - this script again, no shell

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from feedback import create_app
from feedback.config import DEFAULT_LOCALITIES
from feedback.core.clock import LOCAL_TIME
from feedback.extensions import current_session, db
from feedback.insight.summary import choices, local_start, overview, parse_filters, summarise
from feedback.ops.defaults import load_defaults
from feedback.people.operations import AGE_BANDS, CARE_SETTINGS

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1/feedback_bench"
# The views measured: the summary page's own (its summary and trend together), for everyone, by locality and for
# one locality.
VIEWS = ("no filter", "by locality", "one locality")
# The one young person every bench message comes from: the summary never reads who sent what.
BENCH_PSEUDONYM = "yp-bench-summary"
COUNT = "SELECT count(*) FROM message_theme WHERE received_at >= :start AND received_at < :end"
FLOOR = (
    "SELECT theme_id, count(*) FROM message_theme WHERE received_at >= :start AND received_at < :end GROUP BY theme_id"
)
# Messages are only ever this old at load; older data would leave the default period thinly filled.
STALE_AFTER = timedelta(days=7)


class BenchError(RuntimeError):
    """The benchmark could not be set up or run (not a slow result: a broken one)."""


# --- the database -------------------------------------------------------------------------------------------


def libpq_url(url: str, database: str | None = None) -> str:
    """The SQLAlchemy URL as psycopg takes it, optionally naming another database on the same server."""
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


def ensure_database(url: str) -> None:
    name = make_url(url).database
    if not name:
        raise BenchError(f"--database-url names no database: {make_url(url)!r}")
    with psycopg.connect(libpq_url(url, "postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def check_is_bench_database(conn: psycopg.Connection[Any]) -> None:
    """Refuse to wipe a database that holds anything but this benchmark's data: --database-url might be a real one."""
    tables = {row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    if not tables:
        return
    if not {"person", "staff_user", "alembic_version"} <= tables:
        raise BenchError("the database holds tables that are not the app's: give --database-url a database of its own")
    others = conn.execute("SELECT count(*) FROM person WHERE pseudonym <> %s", (BENCH_PSEUDONYM,)).fetchone()
    staff = conn.execute("SELECT count(*) FROM staff_user").fetchone()
    if (others and others[0]) or (staff and staff[0]):
        raise BenchError("the database holds people or staff of its own: give --database-url a database of its own")


def head_revision() -> str | None:
    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return ScriptDirectory.from_config(config).get_current_head()


def loaded(conn: psycopg.Connection[Any], messages: int) -> str | None:
    """Why the data must be loaded again, or None when the database already holds what this run needs."""
    revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    if revision is None or revision[0] != head_revision():
        return f"the schema is at revision {revision[0] if revision else None}, the migrations at {head_revision()}"
    found = conn.execute(
        "SELECT (SELECT count(*) FROM message_analysis), (SELECT max(received_at) FROM message_analysis), "
        "(SELECT count(*) FROM message_theme)"
    ).fetchone()
    count, newest, themes = found if found else (0, None, 0)
    if count != messages or not themes or newest is None:
        return f"the database holds {count:,} analysed messages, not {messages:,}"
    if datetime.now(UTC) - newest > STALE_AFTER:
        return f"the newest message is from {newest:%Y-%m-%d}: the default period would be thinly filled"
    return None


def reset_schema(url: str) -> None:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        check_is_bench_database(conn)
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


# Every message and its themes at once, in SQL: one person, a million inbound messages (a placeholder body the
# summary never reads), their analyses and their themes, each carrying the report facts summaries filter by.
# Themes are skewed (a few common, most rare), as real feedback is; half the messages get a second theme.
LOAD = (
    """
CREATE TEMP TABLE bench_message ON COMMIT DROP AS
SELECT i AS id,
       now() - random() * (now() - (now() - interval '15 months')) AS received_at,
       CASE WHEN random() < 0.75 THEN 'sms' ELSE 'web' END AS channel,
       CASE WHEN random() < 0.4 THEN %(survey)s END AS survey_id,
       CASE WHEN random() >= 0.1 THEN (%(localities)s::text[])[1 + floor(random() * %(n_localities)s)::int] END
           AS locality,
       CASE WHEN random() >= 0.15 THEN (%(age_bands)s::text[])[1 + floor(random() * %(n_age_bands)s)::int] END
           AS age_band,
       CASE WHEN random() >= 0.15 THEN (%(settings)s::text[])[1 + floor(random() * %(n_settings)s)::int] END
           AS care_setting,
       random() * 2 - 1 AS sentiment,
       random() < 0.02 AS risk,
       floor(%(n_themes)s * power(random(), 2))::int AS first_theme,
       random() < 0.5 AS two_themes,
       1 + floor(random() * (%(n_themes)s - 1))::int AS step
FROM generate_series(1, %(messages)s) AS i
""",
    """
INSERT INTO inbound_message (id, channel, provider_sid, person_id, body, num_media, received_at, status,
                             processed_at, handling_attempts, handling, risk)
SELECT id, channel, 'bench-' || id, %(person)s, 'x', 0, received_at, 'processed', received_at, 0, 'feedback', risk
FROM bench_message
""",
    "SELECT setval(pg_get_serial_sequence('inbound_message', 'id'), %(messages)s)",
    """
INSERT INTO message_analysis (inbound_message_id, sentiment, sentiment_label, key_phrases, why, redacted, analyser,
                              analysed_at, received_at, month, channel, survey_id, locality, age_band, care_setting,
                              risk)
SELECT id, sentiment,
       CASE WHEN sentiment > 0.05 THEN 'positive' WHEN sentiment < -0.05 THEN 'negative' ELSE 'neutral' END,
       '[]', '{}', 'x', 'bench', received_at, received_at,
       to_char(received_at AT TIME ZONE 'Europe/London', 'YYYY-MM'), channel, survey_id, locality, age_band,
       care_setting, risk
FROM bench_message
""",
    """
INSERT INTO message_theme (inbound_message_id, theme_id, source, strong, sentiment, feeling, created_at, received_at,
                           month, channel, survey_id, locality, age_band, care_setting, risk)
SELECT m.id, (%(themes)s::int[])[1 + slot.theme], 'auto', true, m.sentiment,
       CASE WHEN m.sentiment > 0.05 THEN 'positive' WHEN m.sentiment < -0.05 THEN 'negative' ELSE 'neutral' END,
       m.received_at, m.received_at,
       to_char(m.received_at AT TIME ZONE 'Europe/London', 'YYYY-MM'), m.channel, m.survey_id, m.locality,
       m.age_band, m.care_setting, m.risk
FROM bench_message AS m
CROSS JOIN LATERAL (
    VALUES (m.first_theme), (CASE WHEN m.two_themes THEN (m.first_theme + m.step) %% %(n_themes)s END)
) AS slot(theme)
WHERE slot.theme IS NOT NULL
""",
    # The daily totals, as `insight.daily` keeps them: every message (theme 0) and every theme, by local day, in
    # each dimension.
    """
INSERT INTO theme_day (day, month, theme_id, dimension, value, messages, negative, neutral, positive)
SELECT day, to_char(day, 'YYYY-MM'), theme_id, dimension, value, count(*),
       count(*) FILTER (WHERE feeling = 'negative'), count(*) FILTER (WHERE feeling = 'neutral'),
       count(*) FILTER (WHERE feeling = 'positive')
FROM (
    SELECT (received_at AT TIME ZONE 'Europe/London')::date AS day, 0 AS theme_id, sentiment_label AS feeling,
           channel, survey_id, locality, age_band, care_setting
    FROM message_analysis
    UNION ALL
    SELECT (received_at AT TIME ZONE 'Europe/London')::date, theme_id, feeling, channel, survey_id, locality,
           age_band, care_setting
    FROM message_theme
) AS filed
CROSS JOIN LATERAL (
    VALUES ('all', ''), ('channel', coalesce(channel, '')), ('survey', coalesce(survey_id::text, '')),
           ('locality', coalesce(locality, '')), ('age_band', coalesce(age_band, '')),
           ('care_setting', coalesce(care_setting, ''))
) AS grouped(dimension, value)
GROUP BY day, theme_id, dimension, value
""",
)


def load(url: str, messages: int) -> float:
    """Load the messages (the app's schema and defaults must be there); return the seconds it took."""
    started = time.perf_counter()
    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SELECT setseed(0.42)")  # the same messages on every load
        themes = [row[0] for row in conn.execute("SELECT id FROM theme WHERE retired_at IS NULL ORDER BY id")]
        survey = conn.execute("SELECT id FROM survey WHERE slug = 'monthly-checkin'").fetchone()
        if not themes or survey is None:
            raise BenchError("the default themes and the example survey are missing after `defaults load`")
        person = conn.execute(
            "INSERT INTO person (pseudonym, created_at) VALUES (%s, now()) RETURNING id", (BENCH_PSEUDONYM,)
        ).fetchone()
        assert person is not None
        parameters = {
            "messages": messages,
            "person": person[0],
            "survey": survey[0],
            "themes": themes,
            "n_themes": len(themes),
            "localities": list(DEFAULT_LOCALITIES),
            "n_localities": len(DEFAULT_LOCALITIES),
            "age_bands": list(AGE_BANDS),
            "n_age_bands": len(AGE_BANDS),
            "settings": list(CARE_SETTINGS),
            "n_settings": len(CARE_SETTINGS),
        }
        for statement in LOAD:
            # Each parameter is used only by the statements that name it.
            conn.execute(statement, {k: v for k, v in parameters.items() if f"%({k})s" in statement})
    # VACUUM as well as ANALYZE: it writes the visibility map, as autovacuum soon would in a real database, so
    # that index-only scans need not visit the table.
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        for table in ("person", "inbound_message", "message_analysis", "message_theme", "theme_day"):
            conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
    return time.perf_counter() - started


def prepare(url: str, messages: int, reload: bool) -> None:
    """Create, migrate and fill the database unless it already holds the messages."""
    ensure_database(url)
    if not reload:
        with psycopg.connect(libpq_url(url)) as conn:
            tables = {row[0] for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
            why = loaded(conn, messages) if {"alembic_version", "message_theme"} <= tables else "no schema yet"
        if why is None:
            print(f"reusing the {messages:,} messages already loaded (--reload to load them again)")
            return
        print(f"loading: {why}")
    reset_schema(url)
    app = make_app(url)
    with app.app_context():
        upgrade()
        load_defaults(current_session())
        db.session.commit()
        db.engine.dispose()
    print(f"loading {messages:,} messages ...", flush=True)
    seconds = load(url, messages)
    print(f"loaded in {seconds:.0f} s (VACUUM ANALYZE included)")


def make_app(url: str) -> Flask:
    return create_app(
        {
            "FEEDBACK_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "LOCALITIES": DEFAULT_LOCALITIES,
            "TWILIO_ACCOUNT_SID": None,
        }
    )


# --- measuring ----------------------------------------------------------------------------------------------

# Runs of each case before any is timed: the app's connections plan each statement for its own dates
# (plan_cache_mode = force_custom_plan), so warming up only fills caches.
WARMUP = 3
MODES = {"as the app runs them": (None, WARMUP)}


@dataclass
class Case:
    title: str
    run: Callable[[], object]
    times: dict[str, list[float]] = field(default_factory=dict)  # by mode

    def median(self, mode: str) -> float:
        return statistics.median(self.times[mode])


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def others_cpu(database: str) -> dict[int, float]:
    """CPU seconds used so far by each process but this script and PostgreSQL's work for it: its backend on
    `database` and the parallel workers (Linux /proc; nothing elsewhere). Parallel workers come and go with each
    query, so all of them are left out."""
    used = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if command.startswith("postgres:") and (f" {database} " in command or "parallel worker" in command):
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # the command name may hold spaces and brackets
        used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def measure(session: Session, cases: list[Case], runs: int, database: str) -> float | None:
    """For each mode: its warm-up runs of each case, then `runs` timed rounds. Each round starts with a different
    case, so that none always follows the same one. Returns the share of the machine (percent of all its cores)
    other processes used meanwhile: a machine busy with other work gives noisy figures."""
    before, started = others_cpu(database), time.perf_counter()
    for mode, (plan_cache_mode, warmup) in MODES.items():
        if plan_cache_mode:
            session.execute(text(f"SET plan_cache_mode = {plan_cache_mode}"))
        for _ in range(warmup):
            for case in cases:
                case.run()
        for round_ in range(runs):
            for case in cases[round_ % len(cases) :] + cases[: round_ % len(cases)]:
                case.times.setdefault(mode, []).append(timed(case.run))
    session.execute(text("RESET plan_cache_mode"))
    after, wall = others_cpu(database), time.perf_counter() - started
    if not after:
        return None
    used = sum(cpu - before[pid] for pid, cpu in after.items() if pid in before)
    return used * 100 / (wall * (os.cpu_count() or 1))


@contextmanager
def statements(session: Session) -> Iterator[list[tuple[str, Any]]]:
    """The statements (and parameters) the session sends while the block runs."""
    seen: list[tuple[str, Any]] = []
    engine = session.get_bind()

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def explain(session: Session, statement: str, parameters: dict[str, Any]) -> None:
    """The plan for these values (what a fresh connection gets), then the generic plan a pooled connection
    settles on, each run with EXPLAIN (ANALYZE, BUFFERS)."""
    connection = session.connection()
    print(f"{statement}\n\ncustom plan:")
    for (line,) in connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters):
        print(line)
    # The same statement prepared with $n placeholders, executed with the values written out.
    names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", statement)))
    numbered = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m.group(1)) + 1}", statement).replace("%%", "%")
    raw = cast(psycopg.Connection[Any], connection.connection.dbapi_connection)
    values = ", ".join(sql.Literal(parameters[name]).as_string(raw) for name in names)
    connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
    connection.exec_driver_sql("PREPARE bench_generic AS " + numbered.replace("%", "%%"))
    try:
        print("\ngeneric plan:")
        for (line,) in connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_generic({values})"):
            print(line)
    finally:
        connection.exec_driver_sql("DEALLOCATE bench_generic")
        connection.exec_driver_sql("RESET plan_cache_mode")


def explain_all(session: Session, cases: list[Case]) -> None:
    """Explain each statement a case runs over the messages, once."""
    done: set[str] = set()
    for case in cases:
        with statements(session) as seen:
            case.run()
        for statement, parameters in seen:
            if ("message_theme" in statement or "message_analysis" in statement) and statement not in done:
                done.add(statement)
                print(f"\n--- {case.title}")
                explain(session, statement, parameters)


@dataclass
class Sized:
    """One size's database and its cases, measured."""

    messages: int
    rows: int  # filed rows in the quarter
    cases: list[Case]
    others: float | None


def run(url: str, messages: int, runs: int, *, show_plans: bool) -> Sized:
    app = make_app(url)
    with app.app_context():
        session = current_session()
        session.connection()  # one connection and transaction for every query below
        threshold = int(app.config["SUPPRESSION_THRESHOLD"])
        known = choices(session, app.config["LOCALITIES"])
        today = datetime.now(LOCAL_TIME).date()
        period = parse_filters({}, known, today=today)
        start, end = local_start(period.since), local_start(period.until + timedelta(days=1))
        rows = session.execute(text(COUNT), {"start": start, "end": end}).scalar_one()
        locality = known.localities[2]
        raws: dict[str, dict[str, str]] = {
            "no filter": {},
            "by locality": {"by": "locality"},
            "one locality": {"locality": locality},
        }

        def summary(raw: dict[str, str], *, direct: bool = False) -> Callable[[], object]:
            filters = parse_filters(raw, known, today=today)
            return lambda: summarise(session, filters, known, threshold=threshold, direct=direct)

        def page(raw: dict[str, str]) -> Callable[[], object]:
            filters = parse_filters(raw, known, today=today)
            return lambda: overview(session, filters, known, threshold=threshold)

        cases = [Case("floor", lambda: session.execute(text(FLOOR), {"start": start, "end": end}).all())]
        for name in VIEWS:
            cases.append(Case(f"{name}, summary", summary(raws[name])))
            cases.append(Case(f"{name}, page", page(raws[name])))
            cases.append(Case(f"{name}, direct count", summary(raws[name], direct=True)))
        # Both ways give the same figures (tests/insight/test_daily.py proves it on random data; here, on these).
        for name in VIEWS:
            filters = parse_filters(raws[name], known, today=today)
            if overview(session, filters, known, threshold=threshold) != overview(
                session, filters, known, threshold=threshold, direct=True
            ):
                raise BenchError(f"the daily totals and the direct count disagree on the view {name!r}")
        others = measure(session, cases, runs, make_url(url).database or "")
        if show_plans:
            explain_all(session, cases)
        session.rollback()
        db.engine.dispose()
    return Sized(messages, rows, cases, others)


def report(sizes: list[Sized], runs: int) -> None:
    mode = next(iter(MODES))
    for sized in sizes:
        print(
            f"\n{sized.messages:,} messages: {sized.rows:,} filed rows in the current quarter\n"
            f"median ms of {runs} runs on one connection (after {WARMUP} warm-up runs), each view's summary and trend"
        )
        print(f"{'view':<32}{'median':>9}{'min':>8}{'max':>8}{'× floor':>9}{'× direct':>10}")
        timings = {case.title: case for case in sized.cases}
        floor = timings["floor"].median(mode)
        for case in sized.cases:
            times = case.times[mode]
            ratio = ""
            if case.title.endswith(", summary"):
                direct = timings[case.title.replace("summary", "direct count")]
                ratio = f"{case.median(mode) / direct.median(mode):.3f}"
            print(
                f"{case.title:<32}{case.median(mode):>9.1f}{min(times):>8.1f}{max(times):>8.1f}"
                f"{case.median(mode) / floor:>9.3f}{ratio:>10}"
            )
        if sized.others is not None:
            print(f"other processes used {sized.others:.0f}% of the machine while measuring (more is noisier)")
    print("\naim: each summary at most 0.2 of the floor (a bare GROUP BY of the quarter's themes)")
    for sized in sizes:
        timings = {case.title: case for case in sized.cases}
        floor = timings["floor"].median(mode)
        for name in VIEWS:
            kept = timings[f"{name}, summary"].median(mode)
            share = kept / floor
            print(
                f"  {sized.messages:>12,} messages, {name:<14}{kept:>7.1f} ms against {floor:>8.1f} ms: "
                f"{share:.3f}: {'met' if share <= 0.2 else 'not met'}"
            )
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        print(f"aim: no view takes longer at {large.messages:,} messages than at {small.messages:,}")
        before = {case.title: case for case in small.cases}
        for case in large.cases:
            if case.title.endswith((", summary", ", page")):
                was, now = before[case.title].median(mode), case.median(mode)
                # Within the noise of two medians of a few milliseconds: 10% or 1 ms.
                verdict = "met" if now <= max(was * 1.1, was + 1) else "not met"
                print(f"  {case.title:<32}{was:>7.1f} ms, then {now:>7.1f} ms ({now / was:.2f} ×): {verdict}")


def versions(url: str) -> str:
    with psycopg.connect(libpq_url(url)) as conn:
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
    parser.add_argument(
        "--database-url",
        default=DEFAULT_DATABASE_URL,
        help="The bench's own PostgreSQL database (created if missing). Loading replaces everything in it, so it "
        "refuses a database that holds people or staff of its own.",
    )
    parser.add_argument(
        "--messages",
        type=sizes_of,
        default=[1_000_000],
        help="Analysed messages to load: one size, or several separated by commas (each in a database of its own).",
    )
    parser.add_argument("--runs", type=int, default=7, help="Timed runs of each query, after one warm-up.")
    parser.add_argument("--reload", action="store_true", help="Load the messages again even if they are there.")
    parser.add_argument("--explain", action="store_true", help="Print EXPLAIN (ANALYZE, BUFFERS) of each query.")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def sizes_of(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes must be whole numbers separated by commas, not {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("each size must be at least 1")
    return sorted(sizes)


def sized_url(url: str, messages: int, several: bool) -> str:
    """The database for one size: the one named, or with several sizes, one per size beside it."""
    if not several:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{messages}").render_as_string(hide_password=False)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        measured = []
        for messages in args.messages:
            url = sized_url(args.database_url, messages, len(args.messages) > 1)
            prepare(url, messages, args.reload)
            print(versions(url))
            measured.append(run(url, messages, args.runs, show_plans=args.explain))
        report(measured, args.runs)
    except (BenchError, psycopg.Error, SQLAlchemyError) as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        if isinstance(exc, SQLAlchemyError):
            print("(if a migration was edited since the load, run again with --reload)", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

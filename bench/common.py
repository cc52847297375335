"""What the benchmarks share: gunicorn servers, a database of their own, CPU accounting, options and figures.

Used by bench/webhook.py and bench/web.py (bench/ is not a package: each script puts bench/ on sys.path).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import gunicorn
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
FEEDBACK_APP = "feedback:create_app()"
FLOOR_APP = "floor_app:create_app()"
# Settings the scripts set for the servers themselves; anything like them in the caller's environment is dropped.
_OWN_ENV_PREFIXES = ("TWILIO_", "FEEDBACK_", "BENCH_")
_OWN_ENV = {"DATABASE_URL", "SECRET_KEY", "ENCRYPTION_KEY", "PUBLIC_BASE_URL"}


class BenchError(RuntimeError):
    """The benchmark could not be set up or run (not a slow result: a broken one)."""


# --- options ------------------------------------------------------------------------------------------------


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """gunicorn's settings, the same for both servers."""
    server = parser.add_argument_group("gunicorn (the same settings for both servers)")
    server.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 2,
        help="gunicorn worker processes (one per core, as deploy/ runs them).",
    )
    server.add_argument(
        "--threads",
        type=int,
        default=4,
        help="Threads per worker (gthread); keep it at most 5, SQLAlchemy's pool size, or pools churn connections.",
    )
    server.add_argument("--worker-class", choices=("gthread", "sync"), default="gthread")
    server.add_argument("--keep-alive", type=int, default=5, help="gunicorn --keep-alive seconds (gthread).")
    server.add_argument(
        "--worker-connections",
        type=int,
        default=None,
        help="gunicorn --worker-connections (gthread): connections one worker holds at most. By default "
        "ceil(concurrency / workers), so that keep-alive connections are shared out between the workers rather "
        "than all held by the first worker to accept them (gunicorn's own default is 1000).",
    )


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_argument_group("database and output")
    where.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TEST_POSTGRES_URL") or DEFAULT_POSTGRES,
        help="A PostgreSQL URL allowed to CREATE and DROP DATABASE (env BENCH_POSTGRES_URL).",
    )
    where.add_argument("--keep-database", action="store_true", help="Leave the bench database for inspection.")
    where.add_argument("--json", type=Path, default=None, help="Write results here (default bench/results/).")
    where.add_argument("--no-json", action="store_true", help="Do not write a JSON file.")


def check_server_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.workers < 1 or args.threads < 1 or (args.worker_connections or 1) < 1:
        parser.error("--workers, --threads and --worker-connections must be at least 1")


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def percentile(ordered: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile, in milliseconds."""
    if not ordered:
        return None
    rank = max(1, math.ceil(q * len(ordered)))
    return round(ordered[rank - 1] * 1000, 2)


def fmt(value: float | None, width: int, digits: int = 1) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.{digits}f}"


# --- where the CPU went (Linux /proc; nothing on other systems) ----------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
CPU_GROUPS = ("app", "postgres", "client", "other")


def _process_cpu(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds used) of a process, from /proc/PID/stat."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # the command name may hold spaces and brackets
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (every core), from /proc/stat."""
    try:
        ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return 0.0
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    guest = sum(ticks[8:])  # guest time is counted in user time already
    return (sum(ticks) - guest - idle) / CLOCK_TICKS


class CpuMeter:
    """CPU seconds used during the measured phase by the app (gunicorn and its workers), PostgreSQL (this
    database's backends and the server's own background processes), this client, and everything else on the
    machine (other people's work included: a busy machine makes a noisy benchmark)."""

    def __init__(self, server_pid: int, db_url: str) -> None:
        self.server_pid = server_pid
        self.db_url = db_url
        self.started: dict[str | int, float] = {}
        self.pids: dict[str, list[int]] = {}
        self.used: dict[str, float] = {}
        self.workers: list[int] = []  # each worker's CPU, percent of one core, busiest first
        self.wall = 0.0
        self.available = Path("/proc/stat").exists()

    def _group_pids(self) -> dict[str, list[int]]:
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                found = _process_cpu(int(entry.name))
                if found is not None and found[0] == self.server_pid:
                    children.append(int(entry.name))
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            backends = [
                int(row[0])
                for row in conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                    "AND (datname = current_database() OR backend_type <> 'client backend')"
                )
            ]
        return {"app": [self.server_pid, *children], "postgres": backends}

    def _reading(self) -> dict[str | int, float]:
        reading: dict[str | int, float] = {
            "machine": _machine_busy(),
            "client": time.process_time(),
            "wall": time.perf_counter(),
        }
        for pids in self.pids.values():
            for pid in pids:
                found = _process_cpu(pid)
                if found is not None:
                    reading[pid] = found[1]
        return reading

    def start(self) -> None:
        if self.available:
            self.pids = self._group_pids()
            self.started = self._reading()

    def stop(self) -> None:
        if not self.started:
            return
        # Connections opened during the phase count from their start; any closed during it are not counted.
        for group, pids in self._group_pids().items():
            self.pids[group] = sorted({*self.pids[group], *pids})
        ended = self._reading()
        change = {key: ended[key] - self.started.get(key, 0.0) for key in ended}
        used = {"client": change["client"]}
        for group, pids in self.pids.items():
            used[group] = sum(change.get(pid, 0.0) for pid in pids)  # a process gone by the end counts 0
        used["other"] = max(0.0, change["machine"] - sum(used.values()))
        self.wall = change["wall"]
        self.used = used
        workers = [change.get(pid, 0.0) for pid in self.pids["app"] if pid != self.server_pid]
        self.workers = sorted((round(cpu * 100 / self.wall) for cpu in workers), reverse=True) if self.wall else []

    def report(self, requests: int) -> dict[str, Any]:
        """CPU milliseconds per request by group, and how busy the machine was (percent of all its cores)."""
        if not self.used or not requests or not self.wall:
            return {}
        cores = os.cpu_count() or 1
        per_request = {group: round(self.used[group] * 1000 / requests, 2) for group in CPU_GROUPS}
        busy = {group: round(self.used[group] * 100 / (self.wall * cores), 1) for group in CPU_GROUPS}
        return {"ms_per_request": per_request, "percent_of_machine": busy, "workers_percent_of_a_core": self.workers}


# --- servers and the database -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_environment(extra: dict[str, str]) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items() if key not in _OWN_ENV and not key.startswith(_OWN_ENV_PREFIXES)
    }
    env.update(extra)
    return env


def gunicorn_settings(args: argparse.Namespace) -> list[str]:
    settings = ["--workers", str(args.workers), "--worker-class", args.worker_class]
    if args.worker_class == "gthread":
        settings += ["--threads", str(args.threads), "--keep-alive", str(args.keep_alive)]
        per_worker = args.worker_connections or math.ceil(args.concurrency / args.workers)
        settings += ["--worker-connections", str(per_worker)]
    return [*settings, "--timeout", "60", "--graceful-timeout", "15", "--log-level", "warning"]


class Server:
    """One gunicorn, in a process group of its own so that it and its workers are stopped together."""

    def __init__(
        self, name: str, app: str, *, port: int, env: dict[str, str], args: argparse.Namespace, logs: Path
    ) -> None:
        self.name = name
        self.app = app
        self.port = port
        self.env = env
        self.settings = gunicorn_settings(args)
        self.log_path = logs / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{self.port}",
            *self.settings,
            "--chdir",
            str(ROOT),
            "--pythonpath",
            str(BENCH),
            self.app,
        ]

    def start(self, ready_within: float = 60.0) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + ready_within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"{self.name}: gunicorn exited with {self.process.returncode}; see {self.log_path}")
            if self._healthy():
                return
            time.sleep(0.2)
        raise BenchError(f"{self.name}: not ready after {ready_within:.0f} s; see {self.log_path}")

    def _healthy(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def stop(self) -> None:
        """SIGTERM to gunicorn's process group (it finishes requests in flight), SIGKILL if it lingers."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            try:
                process.wait(timeout=wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def problems(self) -> int:
        """Lines of the server's log that show an error (counted, never printed: they may quote a message)."""
        if not self.log_path.exists():
            return 0
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return sum(1 for line in text.splitlines() if "Traceback" in line or " ERROR " in line or "[ERROR]" in line)


class Workers:
    """`feedback worker` processes, each in a session of its own (so Ctrl-C reaches them only through `stop`)."""

    def __init__(self, count: int, *, env: dict[str, str], logs: Path, interval: float = 2.0, name: str = "worker"):
        self.count = count
        self.env = env
        self.interval = interval
        self.log_paths = [logs / f"{name}-{i + 1}.log" for i in range(count)]
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        script = Path(sys.executable).with_name("feedback")
        if not script.exists():
            raise BenchError(f"no `feedback` command beside {sys.executable}: run this with .venv/bin/python")
        for path in self.log_paths:
            with path.open("ab") as log:
                command = [str(script), "worker", "--interval", f"{self.interval:g}"]
                self.processes.append(
                    subprocess.Popen(
                        command, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                    )
                )

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in self.processes]

    def exited(self) -> list[int]:
        return [p.returncode for p in self.processes if p.poll() is not None]

    def stop(self) -> None:
        """SIGTERM to each (a worker finishes the message in hand), then wait; SIGKILL if one lingers."""
        processes, self.processes = self.processes, []
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    def problems(self) -> int:
        """Lines of the workers' logs that show an error (counted, never printed: they may quote a message)."""
        lines = 0
        for path in self.log_paths:
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace")
                lines += sum(1 for line in text.splitlines() if "Traceback" in line or " ERROR " in line)
        return lines


def write_document(
    path: Path, args: argparse.Namespace, benchmark: str, *, environment: dict[str, Any] | None = None, **fields: Any
) -> None:
    """A run's JSON: what was measured, when, by which command and options, on what, then `fields` (its results)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    options = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items() if k != "postgres"}
    document = {
        "benchmark": benchmark,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "options": options,
        "gunicorn_settings": gunicorn_settings(args),
        "environment": environment if environment is not None else versions(args.postgres),
        **fields,
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"results written to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def database_url(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path="/" + name))


@contextlib.contextmanager
def bench_database(server_url: str, keep: bool) -> Iterator[str]:
    name = f"feedback_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield database_url(server_url, name)
    finally:
        if keep:
            print(f"kept database {name}")
        else:
            with psycopg.connect(server_url, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def feedback_cli(env: dict[str, str], *command: str) -> None:
    script = Path(sys.executable).with_name("feedback")
    if not script.exists():
        raise BenchError(f"no `feedback` command beside {sys.executable}: run this with .venv/bin/python")
    done = subprocess.run([str(script), *command], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(f"`feedback {' '.join(command)}` failed ({done.returncode}):\n{done.stderr[-2000:]}")


def query(url: str, statement: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return list(conn.execute(statement))


def source_version(paths: Sequence[str] = ("feedback", "migrations"), *, untracked: bool = False) -> str:
    """The commit measured, with "+changes" when the work tree differs from it under `paths` (new files count
    only with `untracked`)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", f"--untracked-files={'normal' if untracked else 'no'}", "--", *paths],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+changes" if changed else "")


def versions(server_url: str, source: str | None = None) -> dict[str, str]:
    with psycopg.connect(server_url) as conn:
        postgres = str(conn.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
    return {
        "feedback": source or source_version(),
        "python": platform.python_version(),
        "gunicorn": gunicorn.__version__,
        "aiohttp": aiohttp.__version__,
        "postgresql": postgres,
        "cpus": str(os.cpu_count()),
        "platform": platform.platform(),
    }


def interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt

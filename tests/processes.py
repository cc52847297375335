"""Stopping a process a test started (a server, a worker, a mock) the way a service manager does."""

from __future__ import annotations

import os
import signal
import subprocess
from typing import Any


def stop(process: subprocess.Popen[Any], *, wait: float = 30.0, group: bool = False) -> None:
    """SIGTERM, so that it finishes what it has in hand; SIGKILL if it lingers past `wait` seconds (its whole process
    group with `group`, for one started in a session of its own)."""
    process.terminate()
    try:
        process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        if group:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
        process.wait(timeout=10)

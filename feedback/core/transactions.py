"""The transaction rule: functions below the callers flush, and the caller (a request, a command, a job) commits.

A few must commit themselves, because what they keep has to be kept before anything else may fail or another
process may look: storing what a young person sent, claiming a message to send, recording what became of a send,
the scheduler's lease, a long job's batches. Each is marked `@commits("why")`, so that the exceptions are named in
the code, and a test (`tests/core/test_transactions.py`) fails on any other commit below the callers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def commits(why: str) -> Callable[[F], F]:
    """Mark a function that commits its own transaction, saying why it must."""

    def mark(function: F) -> F:
        return function  # the mark is for the reader and the test, which read it in the source

    return mark

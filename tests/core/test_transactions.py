"""The transaction rule (`feedback.core.transactions`): below the callers, only a function marked `@commits(why)`
commits. The callers are the pages, the channels' webhooks, the commands, the app factory and the worker and
scheduler's jobs (`feedback/ops/runner.py`)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from tests.core.source import parsed


def _is_caller(relative: Path) -> bool:
    return (
        relative.name.endswith("views.py")
        or relative.name == "cli.py"
        or relative.parts[0] in {"channels", "staff"}
        or str(relative) in {"__init__.py", "ops/runner.py", "ops/health.py", "insight/api.py", "core/commands.py"}
    )


def _marked(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(
        isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id == "commits" and d.args
        for d in function.decorator_list
    )


def _commits(function: ast.AST) -> bool:
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit"
        for node in ast.walk(function)
    )


@cache
def _functions_below_the_callers() -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    found = []
    for path, tree in parsed():
        if _is_caller(path) or "analysis" in path.parts:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found.append((f"{path}:{node.name}", node))
    return found


def test_below_the_callers_only_a_marked_function_commits() -> None:
    unmarked = [
        name for name, function in _functions_below_the_callers() if _commits(function) and not _marked(function)
    ]
    assert unmarked == []


def test_every_mark_is_on_a_function_that_commits() -> None:
    """A mark says a function commits: one that no longer does must lose it."""
    stale = [name for name, function in _functions_below_the_callers() if _marked(function) and not _commits(function)]
    assert stale == []


def test_the_named_exceptions_are_the_ones_the_readme_gives() -> None:
    marked = {name for name, function in _functions_below_the_callers() if _marked(function)}
    # Storing an inbound message and claiming an outbound one are the two the rule is for.
    assert {"messages/inbound.py:receive", "messages/outbox.py:claim_next"} <= marked
    assert len(marked) < 30

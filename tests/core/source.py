"""The package's own source, parsed once for the tests that read it (layers, owners, transactions)."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "feedback"


@cache
def parsed() -> tuple[tuple[Path, ast.Module], ...]:
    """Every module of the package, by its path relative to `feedback/`, with its syntax tree."""
    return tuple(
        (path.relative_to(PACKAGE), ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(PACKAGE.rglob("*.py"))
    )

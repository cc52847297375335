"""Layers point down: pages and channels call features, features call core and analysis, and nothing below the
pages, the channels, the commands and the app factory imports a page or a channel module. Analysis imports nothing
else of the service."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

from tests.core.source import parsed


def _module(relative: Path) -> str:
    parts = ("feedback", *relative.with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_page_or_channel(module: str) -> bool:
    """A page (a view module, the staff frame, the API, the health check) or a channel."""
    return (
        module.rsplit(".", 1)[-1].endswith("views")
        or module.startswith(("feedback.channels.", "feedback.staff"))
        or module in {"feedback.insight.api", "feedback.ops.health"}
    )


def _may_import_pages(module: str) -> bool:
    return _is_page_or_channel(module) or module in {"feedback", "feedback.cli"} or module.endswith(".cli")


@cache
def _imports() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path, tree in parsed():
        names = set()
        for node in ast.walk(tree):
            ours = isinstance(node, ast.ImportFrom) and (node.module or "").startswith("feedback") and not node.level
            if ours and isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names if alias.name.startswith("feedback"))
        found[_module(path)] = names
    return found


def test_nothing_below_the_pages_imports_a_page_or_a_channel() -> None:
    modules = _imports()
    upward = sorted(
        f"{importer} imports {imported}"
        for importer, names in modules.items()
        if not _may_import_pages(importer)
        for imported in names
        if imported in modules and _is_page_or_channel(imported)
    )
    assert upward == []


def test_analysis_knows_nothing_of_the_rest() -> None:
    outside = sorted(
        f"{importer} imports {imported}"
        for importer, names in _imports().items()
        if importer.startswith("feedback.analysis")
        for imported in names
        if not imported.startswith("feedback.analysis")
    )
    assert outside == []


def test_the_check_sees_the_pages() -> None:
    """The app factory imports pages: the test above is not passing for want of finding any."""
    assert any(_is_page_or_channel(name) for name in _imports()["feedback"])

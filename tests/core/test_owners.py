"""Each state machine has one owner: only its own module makes its rows or moves their state (the style guide's
rule, checked in the source so that a shortcut elsewhere fails here rather than in a council's data)."""

from __future__ import annotations

import ast

import pytest

from tests.core.source import parsed

# model -> (the attributes that hold its state, the modules that may make its rows or change those attributes)
OWNERS: dict[str, tuple[set[str], set[str]]] = {
    "Conversation": ({"status"}, {"surveys/conversations.py"}),
    "OutboundMessage": ({"status"}, {"messages/outbox.py"}),
    "SafeguardingAlert": (
        {"acknowledged_at", "escalation_step"},
        {"safeguarding/alerting.py", "safeguarding/alerts.py", "safeguarding/escalation.py"},
    ),
    "Statement": ({"status", "read_at"}, {"statements/operations.py"}),
    "AdvocacyOffer": ({"response", "closed_on", "outcome"}, {"advocacy/cases.py", "advocacy/operations.py"}),
}
# The variable names the code gives rows of each model, to tell `conversation.status = ...` from another status.
NAMES = {
    "Conversation": ("conversation",),
    "OutboundMessage": ("outbound", "queued"),
    "SafeguardingAlert": ("alert",),
    "Statement": ("statement",),
    "AdvocacyOffer": ("offer",),
}


def _statement_on(node: ast.AST, model: str) -> bool:
    """Whether a chain of calls (`update(Model).where(...)`) starts from `update(Model)`."""
    while isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name) and node.func.id == "update":
            return any(isinstance(a, ast.Name) and a.id == model for a in node.args)
        node = node.func.value if isinstance(node.func, ast.Attribute) else node.func
    return False


def _writers(model: str) -> set[str]:
    fields, _ = OWNERS[model]
    found = set()
    for path, tree in parsed():
        name = str(path)
        for node in ast.walk(tree):
            made = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == model
            # update(Model)....values(status=...): a bulk change of state (not of, say, when a reminder went).
            bulk = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "values"
                and any(k.arg in fields for k in node.keywords)
                and _statement_on(node.func.value, model)
            )
            # insert(Model) or insert_or_ignore(..., Model, ...): rows made in bulk.
            inserted = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"insert", "insert_or_ignore"}
                and any(isinstance(a, ast.Name) and a.id == model for a in node.args)
            )
            moved = isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute)
                and t.attr in fields
                and isinstance(t.value, ast.Name)
                and any(word in t.value.id.lower() for word in NAMES[model])
                for t in node.targets
            )
            if made or bulk or inserted or moved:
                found.add(name)
    return found


@pytest.mark.parametrize("model", sorted(OWNERS))
def test_only_the_owner_makes_or_moves_it(model: str) -> None:
    _, owners = OWNERS[model]
    assert _writers(model) <= owners


def test_the_check_finds_what_it_looks_for() -> None:
    """The owners themselves are found, so the test above is not passing for want of looking."""
    for model, (_, owners) in OWNERS.items():
        assert _writers(model) & owners, model


# How messages are filed has one pair of owners, and each keeps the daily totals summaries read (`insight.daily`)
# in the same transaction: a write elsewhere would leave the totals wrong until a rebuild.
FILED = {"MessageTheme", "MessageAnalysis"}
FILING_OWNERS = {"insight/filing.py", "insight/themes.py"}


def _filing_writers() -> dict[str, ast.Module]:
    found = {}
    for path, tree in parsed():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            named = [a.id for a in node.args if isinstance(a, ast.Name)]
            func = node.func.id if isinstance(node.func, ast.Name) else None
            if func in FILED or (func in {"delete", "update", "insert", "insert_or_ignore"} and FILED & set(named)):
                found[str(path)] = tree
    return found


def test_only_the_filing_modules_write_filed_rows_and_each_keeps_the_daily_totals() -> None:
    writers = _filing_writers()
    assert set(writers) == FILING_OWNERS  # the owners found: the check looks where it should
    for name, tree in writers.items():
        recounts = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and node.attr == "recount" and getattr(node.value, "id", "") == "daily"
        ]
        assert recounts, f"{name} writes filed rows without daily.recount"

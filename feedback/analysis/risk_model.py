"""The learned screen for risk of harm, beside the rules: a message is flagged when the rules or this model say
so. It reports the words that weighed most towards risk, for the worker reading the alert."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from feedback.analysis.learned import NaiveBayes, shipped_rows
from feedback.analysis.learned import cross_validate as _folds

RISK = "risk"
SAFE = "safe"
# Log-odds a message must reach to be flagged: the lowest at which, in 5-fold cross-validation on the training
# messages, the rules and the model together raise false alarms on at most 3% of safe messages (catching 0.91 of
# risky ones on held-back folds). Chosen on the training data only, never on a held-out set.
THRESHOLD = 10.0


def examples(rows: Iterable[tuple[str, bool]]) -> list[tuple[str, str]]:
    return [(text, RISK if risk else SAFE) for text, risk in rows]


def train(extra: Iterable[tuple[str, bool]] = ()) -> NaiveBayes:
    """The model from the shipped messages and any more (staff-reviewed ones)."""
    shipped = ((row["text"], bool(row["risk"])) for row in shipped_rows())
    return NaiveBayes.train(examples([*shipped, *extra]))


@lru_cache(maxsize=1)
def default_model() -> NaiveBayes:
    return train()


def flags(text: str, model: NaiveBayes | None = None, threshold: float = THRESHOLD) -> tuple[bool, tuple[str, ...]]:
    model = model or default_model()
    return model.scores(text)[RISK] >= threshold, model.evidence(text, RISK)


def cross_validate(rows: Sequence[tuple[str, bool]], threshold: float = THRESHOLD) -> tuple[float, float]:
    """Recall and false alarm rate of the model alone, each fold trained on the others."""
    caught = missed = alarms = quiet = 0
    for text, label, model in _folds(examples(rows)):
        flagged, _ = flags(text, model, threshold)
        if label == RISK:
            caught += flagged
            missed += not flagged
        else:
            alarms += flagged
            quiet += not flagged
    return caught / max(caught + missed, 1), alarms / max(alarms + quiet, 1)

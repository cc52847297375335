"""Small learned models beside the rules: naive Bayes over words and word pairs, trained on labelled messages
shipped with the package and on what staff have coded.

Rules catch what is said plainly; young people also say it in ways no rule lists ("bus fare's a fiver a day"). Naive
Bayes reads how a message feels (`sentiment.blend`); the safeguarding screen's models are logistic regressions
(`risk_model`), which beat naive Bayes there on held-back folds. Each stays explainable: it reports the words that
weighed most towards its answer, and staff see them.

The shipped examples, `feedback/data/training/messages.jsonl`, are the development and training sets of
`tests/data/` put together (analysis_dev, risk_dev, analysis_train2, risk_train3, risk_train4); the held-out sets
there are never among them. `themes.jsonl` adds messages labelled for themes and sentiment only (`theme_rows`). A
few carry a "concern" label where it differs from "risk" (the safeguarding screen's second tier, `risk_model`); the
screen's own further examples are in `concern.jsonl`.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

from feedback.analysis.text import normalise

_WORD = re.compile(r"[a-z][a-z']+|\d+|£")
# Words too common to carry any weight either way.
_STOP = frozenset(
    {"the", "a", "an", "and", "to", "of", "in", "on", "at", "it", "is", "was", "i", "i'm", "my", "me", "for", "with",
     "that", "this", "but", "so", "just", "be", "are", "you", "your", "do", "or", "if", "as"}
)  # fmt: skip
# A word must tell the labels apart at least this much (log-odds) to be kept.
_MIN_WEIGHT = 0.7


@lru_cache(maxsize=1024)
def features(text: str) -> frozenset[str]:
    words = _WORD.findall(normalise(text))
    unigrams = {w for w in words if w not in _STOP}
    bigrams = {f"{a} {b}" for a, b in pairwise(words)}
    return frozenset(unigrams | bigrams)


@dataclass(frozen=True)
class NaiveBayes:
    """For each label, log-odds of that label against all the others (one against the rest)."""

    labels: tuple[str, ...]
    weights: dict[str, dict[str, float]]  # feature -> label -> log-odds it adds
    priors: dict[str, float]

    @classmethod
    def train(cls, examples: Iterable[tuple[str, str]], smoothing: float = 0.5) -> NaiveBayes:
        counts: dict[str, Counter[str]] = {}
        totals: Counter[str] = Counter()
        for text, label in examples:
            counts.setdefault(label, Counter()).update(features(text))
            totals[label] += 1
        labels = tuple(sorted(totals))
        everywhere = Counter[str]()
        for seen in counts.values():
            everywhere.update(seen)
        size = sum(totals.values())
        weights: dict[str, dict[str, float]] = {}
        for feature, seen_anywhere in everywhere.items():
            row = {}
            for label in labels:
                inside = counts[label][feature]
                p_in = (inside + smoothing) / (totals[label] + 2 * smoothing)
                p_out = (seen_anywhere - inside + smoothing) / (size - totals[label] + 2 * smoothing)
                weight = math.log(p_in / p_out)
                if abs(weight) > _MIN_WEIGHT:  # only words that tell the labels apart
                    row[label] = weight
            if row:
                weights[feature] = row
        priors = {label: math.log(max(totals[label], 1) / max(size - totals[label], 1)) for label in labels}
        return cls(labels, weights, priors)

    def scores(self, text: str) -> dict[str, float]:
        found = [self.weights[f] for f in features(text) if f in self.weights]
        return {label: self.priors[label] + sum(row.get(label, 0.0) for row in found) for label in self.labels}

    def evidence(self, text: str, label: str, count: int = 3) -> tuple[str, ...]:
        """The words that weighed most towards the label."""
        found = [(self.weights[f].get(label, 0.0), f) for f in features(text) if f in self.weights]
        return tuple(f for w, f in sorted(found, reverse=True)[:count] if w > 0)


def training_file(name: str) -> Path:
    """A file shipped with the package in `feedback/data/training/`: training data or a fitted model."""
    return Path(str(resources.files("feedback").joinpath("data", "training", name)))


def read_lines(name: str) -> list[str]:
    return training_file(name).read_text(encoding="utf-8").splitlines()


def write_lines(lines: Iterable[str], path: Path) -> Path:
    """A fitted model's lines, written where the package ships it (or to `path`)."""
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def load_rows(name: str = "messages.jsonl") -> list[dict[str, Any]]:
    return [json.loads(line) for line in read_lines(name) if line.strip()]


def cross_validate(examples: Sequence[tuple[str, str]], folds: int = 5) -> list[tuple[str, str, NaiveBayes]]:
    """Each example with a model trained on the other folds, never on itself, to score."""
    out = []
    for fold in range(folds):
        model = NaiveBayes.train(e for i, e in enumerate(examples) if i % folds != fold)
        out += [(text, label, model) for i, (text, label) in enumerate(examples) if i % folds == fold]
    return out


@lru_cache(maxsize=1)
def shipped_rows() -> tuple[dict[str, Any], ...]:
    return tuple(load_rows())


@lru_cache(maxsize=1)
def theme_rows() -> tuple[dict[str, Any], ...]:
    """Further messages labelled for themes and sentiment (`themes.jsonl` and `themes_more_*.jsonl`, each written
    by a different hand in young people's style) to teach the learned theme model (`theme_model`) and the sentiment
    model. The safeguarding screen never reads them: its training messages, and so its shipped model, are unchanged
    by them."""
    names = ["themes.jsonl", *sorted(path.name for path in training_file(".").glob("themes_more_*.jsonl"))]
    return tuple(row for name in names for row in load_rows(name))

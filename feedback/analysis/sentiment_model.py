"""The learned sentiment reading: one multinomial logistic regression (scikit-learn) over the safeguarding screen's
words and word pairs (`risk_model`) and the lexicon's score (`sentiment`), trained on every shipped message with a
sentiment label.

The lexicon reads feeling words well and knows Scots, text-speak and emoji; many complaints have no feeling word
("bus fare to college is £5 a day", "excluded for 3 days for somethin i didnt do"), and the words around a feeling
word change what it means. The model learns both from the labelled messages, with the lexicon's score (its positive
and negative parts, as two features) among its inputs, so it learns how far to trust the lexicon. Where the model's
label differs from the lexicon's, the words that weighed most towards it are shown to staff as "learned: ...".

Where the numbers come from: `python -m feedback.analysis.sentiment_model` fits the model on `messages.jsonl`,
`themes.jsonl` and `themes_more_*.jsonl` (mixed messages left out) and writes vocabulary, idf and coefficients to
`sentiment_model.jsonl`, loaded at start-up and scored as one sparse sum over the word n-grams the screen has
already worked out, never with scikit-learn. `--cv` prints the 5-fold cross-validated accuracy beside the earlier
reading (the naive Bayes blend, `sentiment.blend`). A test checks that the shipped file is what training gives.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy

from feedback.analysis.learned import read_lines, shipped_rows, theme_rows, training_file, write_lines
from feedback.analysis.risk_model import _in_order, word_grams
from feedback.analysis.text import screening_form
from feedback.analysis.theme_model import _Block, _grams, _packed, _round, _unpacked

MODEL_FILE = "sentiment_model.jsonl"
FORMAT = "feedback sentiment model 2"

# Settings, chosen by 5-fold cross-validation on the shipped messages among C in 3-30 and lexicon weights 1-2 (as
# one score, as its positive and negative parts, and with a squashed copy of it). Keeping the lexicon's label where
# it is sure (a score beyond 0.3, 0.5 or 0.7) did worse in every setting. Character n-grams as the theme model uses
# them (weight 0.5) were 0.004 better in cross-validation (0.856 against 0.852 on 6,117 messages) and no better on
# analysis_dev2, but doubled the model's time per message and took the pipeline below 1,000 messages a second: words
# only.
C = 30.0
LEXICON_WEIGHT = 2.0
FOLDS = 5
# Coefficients smaller than this (times idf) change no answer; they are left out of the shipped file.
PRUNE = 0.02

# In scikit-learn's order (sorted), the same words as `sentiment` uses.
LABELS = ("negative", "neutral", "positive")
_CODES = {"neg": "negative", "neu": "neutral", "pos": "positive"}


def lexicon_features(score: float) -> tuple[float, float]:
    """The lexicon's score as the model reads it: how positive, and how negative, each times LEXICON_WEIGHT."""
    return LEXICON_WEIGHT * max(score, 0.0), LEXICON_WEIGHT * max(-score, 0.0)


@dataclass(frozen=True)
class SentimentModel:
    """Per label: log-odds = intercept + words + lexicon, the words sum(idf * coefficient) over the message's known
    word n-grams divided by their length (tf-idf, binary, l2), as the theme model (`theme_model`) scores its blocks.
    The label is the one with the largest log-odds."""

    word_index: dict[str, int]
    word_idf: Any  # numpy array (n,)
    word_coef: Any  # numpy array (n, labels)
    lexicon_coef: Any  # numpy array (2, labels): the lexicon's positive and negative parts
    intercepts: Any  # numpy array (labels,)
    trained_on: int = 0
    _words: _Block = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_words", _Block.of(self.word_index, self.word_idf, self.word_coef, 1.0))

    def decisions(self, text: str, lexicon_score: float) -> Any:
        """The log-odds of each label: a sparse sum over the word n-grams the safeguarding screen has already worked
        out for this message, and the lexicon's two features."""
        positive, negative = lexicon_features(lexicon_score)
        total = self.intercepts + positive * self.lexicon_coef[0] + negative * self.lexicon_coef[1]
        block = self._words
        words, _ = _grams(text)
        rows = numpy.fromiter(map(block.index.__getitem__, words & block.known), dtype=numpy.intp)
        if rows.size:
            total += block.weighted.take(rows, axis=0).sum(axis=0) / math.sqrt(block.idf_squared.take(rows).sum())
        return total

    def label(self, text: str, lexicon_score: float) -> str:
        return LABELS[int(numpy.argmax(self.decisions(text, lexicon_score)))]

    def evidence(self, text: str, label: str, count: int = 3) -> tuple[str, ...]:
        """The words and word pairs that weighed most towards the label."""
        return self._words.strongest(text, LABELS.index(label), count)

    # -- the shipped file: as `theme_model.jsonl`, a header of JSON, then a line with the word n-grams in JSON and
    # their idf and coefficients as compressed little-endian float32 in base64 -----------------------------------
    def to_lines(self) -> list[str]:
        header = {
            "format": FORMAT,
            "trained_on": self.trained_on,
            "lexicon_weight": LEXICON_WEIGHT,
            "labels": list(LABELS),
            "intercepts": [_round(v) for v in self.intercepts],
            "lexicon_coef": [[_round(v) for v in row] for row in self.lexicon_coef],
        }
        grams = sorted(self.word_index, key=self.word_index.__getitem__)
        rows = [self.word_index[gram] for gram in grams]
        words = {
            "block": "words",
            "ngrams": grams,
            "idf": _packed(self.word_idf[rows]),
            "coef": _packed(self.word_coef[rows]),
        }
        return [json.dumps(header), json.dumps(words, ensure_ascii=False, separators=(",", ":"))]

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> SentimentModel:
        parsed = [json.loads(line) for line in lines if line.strip()]
        header, words = parsed[0], parsed[1]
        if (
            header.get("format") != FORMAT
            or header.get("lexicon_weight") != LEXICON_WEIGHT
            or tuple(header.get("labels", ())) != LABELS
        ):
            raise ValueError(
                "the sentiment model was written with other settings: run python -m feedback.analysis.sentiment_model"
            )
        grams = words["ngrams"]
        return cls(
            word_index={gram: j for j, gram in enumerate(grams)},
            word_idf=_unpacked(words["idf"]),
            word_coef=_unpacked(words["coef"]).reshape(len(grams), len(LABELS)),
            lexicon_coef=numpy.array(header["lexicon_coef"], dtype=numpy.float64),
            intercepts=numpy.array(header["intercepts"], dtype=numpy.float64),
            trained_on=header.get("trained_on", 0),
        )


# -- the labelled messages -----------------------------------------------------------------------------------------
Row = tuple[str, str, float]  # text, label, the lexicon's score as the pipeline reads it


def training_rows() -> list[Row]:
    """Every shipped message labelled positive, negative or neutral (mixed ones left out), with the lexicon's score
    as the pipeline gives it (the safeguarding screen's reading included)."""
    from feedback.analysis.pipeline import lexicon_feeling

    rows = [*shipped_rows(), *theme_rows()]
    return [
        (row["text"], _CODES[row["sentiment"]], lexicon_feeling(row["text"]).score)
        for row in rows
        if row.get("sentiment") in _CODES
    ]


# -- fitting (scikit-learn, imported only here) --------------------------------------------------------------------
def _vectoriser() -> Any:
    """Words and word pairs, tf-idf weighted, as the safeguarding screen reads them (`risk_model.vectorisers`)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer=_in_order(word_grams), binary=True, dtype=numpy.float64)


def _features(vectoriser: Any, rows: Sequence[Row], *, fit: bool) -> Any:
    from scipy import sparse

    texts = [screening_form(text) for text, _, _ in rows]
    grams = vectoriser.fit_transform(texts) if fit else vectoriser.transform(texts)
    lexicon = numpy.array([lexicon_features(score) for _, _, score in rows], dtype=numpy.float64).reshape(-1, 2)
    return sparse.hstack([grams, lexicon]).tocsr()


def _fitted(rows: Sequence[Row]) -> tuple[Any, Any]:
    """The vectoriser and the logistic regression, fitted on these messages."""
    from sklearn.linear_model import LogisticRegression

    vectoriser = _vectoriser()
    features = _features(vectoriser, rows, fit=True)
    # lbfgs is deterministic: the n-grams come in sorted order (`risk_model._in_order`), so each fit is the same
    estimator = LogisticRegression(C=C, max_iter=5000).fit(features, [label for _, label, _ in rows])
    if tuple(estimator.classes_) != LABELS:
        raise ValueError(f"the training messages must carry every label: {tuple(estimator.classes_)}")
    return vectoriser, estimator


def fit(rows: Sequence[Row], *, prune: bool = True) -> SentimentModel:
    vectoriser, estimator = _fitted(rows)
    vocabulary = vectoriser.vocabulary_
    coef = estimator.coef_.T  # (features, labels): the word n-grams, then the lexicon's two features
    grams = sorted(vocabulary)
    idf = numpy.array([vectoriser.idf_[vocabulary[g]] for g in grams])
    words = numpy.array([coef[vocabulary[g]] for g in grams]).reshape(len(grams), len(LABELS))
    if prune:
        # A pruned n-gram still counts towards the message's length, so its idf is kept.
        words = numpy.where(numpy.abs(words * idf[:, None]) < PRUNE, 0.0, words)
    return SentimentModel(
        word_index={g: j for j, g in enumerate(grams)},
        word_idf=idf,
        word_coef=words,
        lexicon_coef=coef[len(grams) :].copy(),
        intercepts=numpy.array(estimator.intercept_, dtype=numpy.float64),
        trained_on=len(rows),
    )


def cross_validate(rows: Sequence[Row]) -> tuple[float, float]:
    """The share right on held-back folds (by position: no random seed) for this model, and for the earlier reading
    (the lexicon, with naive Bayes trained on the other folds where it is weak)."""
    from feedback.analysis.learned import NaiveBayes
    from feedback.analysis.sentiment import Sentiment, blend, label_for

    model_right = earlier_right = 0
    for fold in range(FOLDS):
        train = [row for i, row in enumerate(rows) if i % FOLDS != fold]
        test = [row for i, row in enumerate(rows) if i % FOLDS == fold]
        vectoriser, estimator = _fitted(train)
        predicted = estimator.predict(_features(vectoriser, test, fit=False))
        model_right += sum(p == label for p, (_, label, _) in zip(predicted, test, strict=True))
        bayes = NaiveBayes.train((text, label) for text, label, _ in train)
        for text, label, score in test:
            earlier = blend(text, Sentiment(score, label_for(score), ()), bayes)
            earlier_right += earlier.label == label
    return model_right / len(rows), earlier_right / len(rows)


def build(rows: Sequence[Row] | None = None) -> SentimentModel:
    """The shipped model, fitted on every labelled message."""
    return fit(list(rows if rows is not None else training_rows()))


def model_path() -> Path:
    return training_file(MODEL_FILE)


def write(model: SentimentModel, path: Path | None = None) -> Path:
    return write_lines(model.to_lines(), path or model_path())


@lru_cache(maxsize=1)
def default_model() -> SentimentModel:
    """The shipped model, read from `sentiment_model.jsonl`, never trained at start-up."""
    return SentimentModel.from_lines(read_lines(MODEL_FILE))


def main(argv: Sequence[str] = ()) -> None:
    """Fit the shipped model and write `sentiment_model.jsonl`; with --cv, print the cross-validated figures."""
    rows = training_rows()
    if "--cv" in argv:
        learned, earlier = cross_validate(rows)
        print(f"{FOLDS}-fold cross-validation on {len(rows)} messages: {learned:.3f} right (earlier {earlier:.3f})")
    path = write(build(rows))
    print(f"wrote {path} ({len(rows)} messages)")


if __name__ == "__main__":
    main(sys.argv[1:])

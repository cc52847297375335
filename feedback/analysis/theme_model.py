"""The learned theme reader beside the cues: one logistic regression per theme (scikit-learn, one against the rest)
over the same features as the safeguarding screen (`risk_model`): words and word pairs, and character n-grams that
still match a word misspelt or cut short ("apprentiship", "skl").

Cues say plainly why a message was filed; young people also write about a theme in words no cue lists ("the
throughcare team helped me set up my gas and electric" is about housing). For each theme, the model can add it
(probability at least ``add``) and can take away a cue's weak reading (probability under ``veto``: "ill believe it
when i see it" is not about being ill). Both thresholds are chosen for each theme by 5-fold cross-validation on the
shipped messages, to the best F1 of cues and model together; a theme where the model does not beat the cues by
``MIN_GAIN`` in cross-validation is left to the cues (add 1.01, veto 0). The words a learned theme was given by are
the word n-grams that weighed most towards it, shown to staff as "learned: ...".

Where the numbers come from: `python -m feedback.analysis.theme_model` fits the models on `messages.jsonl` and
`themes.jsonl` (the latter written for themes and sentiment only: the safeguarding screen never reads it), chooses
the thresholds, and writes vocabulary, idf, coefficients and thresholds to `theme_model.jsonl`, which is loaded at
start-up and scored with numpy, never with scikit-learn. A test checks that the shipped file is what training gives.
"""

from __future__ import annotations

import base64
import json
import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy

from feedback.analysis.learned import read_lines, shipped_rows, theme_rows, training_file, write_lines
from feedback.analysis.risk_model import _STOP, CHAR_SIZES, vectorisers
from feedback.analysis.risk_model import _grams as screen_grams
from feedback.analysis.text import screening_form
from feedback.analysis.themes import CUES

MODEL_FILE = "theme_model.jsonl"
FORMAT = "feedback theme model 2"

# Settings, chosen by 5-fold cross-validation on the shipped messages among C in 3-30 and character weights 0-1.
C = 30.0
CHAR_WEIGHT = 0.5
MIN_CHAR_DF = 2  # a character n-gram seen once says nothing about a theme
FOLDS = 5
ADD = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7)
VETO = (0.0, 0.02, 0.05, 0.08, 0.12)
NEVER = 1.01  # an add threshold no probability reaches: the theme is left to the cues
# The model must raise a theme's cross-validated F1 by this much over the cues alone to be used for it at all.
MIN_GAIN = 0.005
# Coefficients smaller than this (times idf) change no answer; they are left out of the shipped file.
PRUNE = 0.02

SLUGS = tuple(CUES)


@dataclass(frozen=True)
class ThemeModel:
    """Per theme: log-odds = intercept + words + CHAR_WEIGHT * characters, each block sum(idf * coefficient) over
    the message's known n-grams divided by the block's length (tf-idf, binary, l2). ``add`` and ``veto`` per
    theme, in the order of SLUGS."""

    slugs: tuple[str, ...]
    word_index: dict[str, int]
    word_idf: Any  # numpy array (n,)
    word_coef: Any  # numpy array (n, themes)
    char_index: dict[str, int]
    char_idf: Any
    char_coef: Any
    intercepts: Any  # numpy array (themes,)
    add: tuple[float, ...]
    veto: tuple[float, ...]
    trained_on: int = 0
    _blocks: tuple[_Block, _Block] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        blocks = (
            _Block.of(self.word_index, self.word_idf, self.word_coef, 1.0),
            _Block.of(self.char_index, self.char_idf, self.char_coef, CHAR_WEIGHT),
        )
        object.__setattr__(self, "_blocks", blocks)

    def decisions(self, text: str) -> Any:
        """The log-odds of each theme: a sparse dot product over the n-grams the safeguarding screen has already
        worked out for this message, with idf times coefficient multiplied out beforehand (`_Block`)."""
        total = self.intercepts.copy()
        for block, grams in zip(self._blocks, _grams(text), strict=True):
            rows = numpy.fromiter(map(block.index.__getitem__, grams & block.known), dtype=numpy.intp)
            if rows.size:
                length = math.sqrt(block.idf_squared.take(rows).sum())
                total += (block.weight / length) * block.weighted.take(rows, axis=0).sum(axis=0)
        return total

    def probabilities(self, text: str) -> dict[str, float]:
        decisions = self.decisions(text)
        return {slug: _probability(d) for slug, d in zip(self.slugs, decisions, strict=True)}

    def evidence(self, text: str, slug: str, count: int = 3) -> tuple[str, ...]:
        """The words and word pairs that weighed most towards the theme."""
        return self._blocks[0].strongest(text, self.slugs.index(slug), count)

    # -- the shipped file --------------------------------------------------------------------------------------
    # A header line of JSON, then one line per block: its n-grams in JSON, and its idf and coefficients as
    # little-endian float32, compressed, in base64. Reading it takes a few milliseconds where the same numbers
    # written out in JSON (4.7 MB) took 0.2 s of every process's start-up. float32 keeps seven significant
    # figures; the scores are compared with thresholds two places after the point.
    def to_lines(self) -> list[str]:
        header = {
            "format": FORMAT,
            "trained_on": self.trained_on,
            "char_weight": CHAR_WEIGHT,
            "char_sizes": list(CHAR_SIZES),
            "slugs": list(self.slugs),
            "intercepts": [_round(v) for v in self.intercepts],
            "add": list(self.add),
            "veto": list(self.veto),
        }
        lines = [json.dumps(header)]
        for block, index, idf, coef in (
            ("words", self.word_index, self.word_idf, self.word_coef),
            ("chars", self.char_index, self.char_idf, self.char_coef),
        ):
            grams = sorted(index, key=index.__getitem__)
            rows = [index[gram] for gram in grams]
            row = {"block": block, "ngrams": grams, "idf": _packed(idf[rows]), "coef": _packed(coef[rows])}
            lines.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
        return lines

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> ThemeModel:
        parsed = [json.loads(line) for line in lines if line.strip()]
        header, blocks = parsed[0], {row["block"]: row for row in parsed[1:]}
        if (
            header.get("format") != FORMAT
            or header.get("char_weight") != CHAR_WEIGHT
            or tuple(header.get("char_sizes", ())) != CHAR_SIZES
        ):
            raise ValueError(
                "the theme model was written with other settings: run python -m feedback.analysis.theme_model"
            )
        themes = len(header["slugs"])
        tables = {}
        for block in ("words", "chars"):
            grams = blocks[block]["ngrams"]
            idf = _unpacked(blocks[block]["idf"])
            coef = _unpacked(blocks[block]["coef"]).reshape(len(grams), themes)
            tables[block] = ({gram: j for j, gram in enumerate(grams)}, idf, coef)
        return cls(
            slugs=tuple(header["slugs"]),
            word_index=tables["words"][0],
            word_idf=tables["words"][1],
            word_coef=tables["words"][2],
            char_index=tables["chars"][0],
            char_idf=tables["chars"][1],
            char_coef=tables["chars"][2],
            intercepts=numpy.array(header["intercepts"], dtype=numpy.float64),
            add=tuple(header["add"]),
            veto=tuple(header["veto"]),
            trained_on=header.get("trained_on", 0),
        )


@dataclass(frozen=True)
class _Block:
    """One block of features (words, or characters) made ready for scoring: the n-grams as a set, to intersect
    with a message's in C; idf squared, for the message's length; idf times each theme's coefficient, so a
    message's score is one sum over its rows."""

    index: dict[str, int]
    known: frozenset[str]
    idf_squared: Any
    weighted: Any
    weight: float

    @classmethod
    def of(cls, index: dict[str, int], idf: Any, coef: Any, weight: float) -> _Block:
        idf = numpy.asarray(idf, dtype=numpy.float64)
        weighted = idf[:, None] * numpy.asarray(coef, dtype=numpy.float64)
        return cls(index, frozenset(index), idf * idf, weighted, weight)

    def strongest(self, text: str, column: int, count: int = 3) -> tuple[str, ...]:
        """The message's words and word pairs that weighed most towards one column (a theme, a feeling): the ones
        a person reads at a glance, for staff to see why."""
        words, _ = _grams(text)
        known = sorted(words & self.known)
        if not known:
            return ()
        weights = self.weighted[[self.index[gram] for gram in known], column]
        ranked = sorted(
            ((float(w), gram) for w, gram in zip(weights, known, strict=True) if w > 0 and _telling(gram)),
            reverse=True,
        )
        return tuple(gram for _, gram in ranked[:count])


def _packed(array: Any) -> str:
    raw = numpy.ascontiguousarray(array, dtype="<f4").tobytes()
    return base64.b64encode(zlib.compress(raw, 9)).decode("ascii")


def _unpacked(text: str) -> Any:
    return numpy.frombuffer(zlib.decompress(base64.b64decode(text)), dtype="<f4").astype(numpy.float64)


def _grams(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The n-grams the safeguarding screen has already worked out for this message (cached there)."""
    return screen_grams(text)


def _telling(gram: str) -> bool:
    return len(gram) > 2 and not _STOP.issuperset(gram.split())


def _round(value: float) -> float:
    return round(float(value), 5)


# -- deciding --------------------------------------------------------------------------------------------------
def decide(
    cue_themes: Mapping[str, tuple[str, ...]], text: str, model: ThemeModel, keep: Iterable[str] = ()
) -> dict[str, tuple[str, ...]]:
    """The themes and why: each theme a cue gave, unless the model is sure it is not about that (``keep`` are
    never taken away: staff-taught cues, safeguarding), and each theme the model is sure of, with its words."""
    probabilities = (1.0 / (1.0 + numpy.exp(-model.decisions(text)))).tolist()
    kept = set(keep)
    out: dict[str, tuple[str, ...]] = {}
    for slug, cues in cue_themes.items():
        if slug in kept or slug not in model.slugs:
            out[slug] = cues
            continue
        j = model.slugs.index(slug)
        if probabilities[j] >= model.veto[j]:
            out[slug] = cues
    for j, slug in enumerate(model.slugs):
        if slug not in out and slug not in cue_themes and probabilities[j] >= model.add[j]:
            words = model.evidence(text, slug)
            out[slug] = tuple(f"learned: {word}" for word in words) or ("learned",)
    return out


def _probability(decision: float) -> float:
    return 1.0 / (1.0 + math.exp(-float(decision)))


# -- the labelled messages -----------------------------------------------------------------------------------------
Row = tuple[str, frozenset[str]]


def training_rows() -> list[Row]:
    """Every shipped message with themes: `messages.jsonl` and `themes.jsonl`."""
    rows = [*shipped_rows(), *theme_rows()]
    return [(row["text"], frozenset(row["themes"])) for row in rows if "themes" in row]


# -- fitting (scikit-learn, imported only here) --------------------------------------------------------------------
def _fitted(rows: Sequence[Row]) -> tuple[Any, list[Any]]:
    """The vectorisers and one logistic regression per theme, fitted on these messages."""
    from sklearn.linear_model import LogisticRegression

    union = vectorisers(char_weight=CHAR_WEIGHT, min_char_df=MIN_CHAR_DF)
    features = union.fit_transform([screening_form(text) for text, _ in rows])
    models = []
    for slug in SLUGS:
        labels = [slug in themes for _, themes in rows]
        # liblinear shuffles with its own seed: fixed, so each fit is the same
        models.append(LogisticRegression(C=C, solver="liblinear", random_state=0).fit(features, labels))
    return union, models


def fit(
    rows: Sequence[Row], add: Sequence[float] | None = None, veto: Sequence[float] | None = None, *, prune: bool = True
) -> ThemeModel:
    """The models on these messages, with the thresholds given (default: the model adds nothing, vetoes nothing)."""
    union, models = _fitted(rows)
    words_vec = union.transformer_list[0][1]
    chars_vec = union.transformer_list[1][1]
    n_words = len(words_vec.vocabulary_)
    coef = numpy.vstack([m.coef_[0] for m in models]).T  # (features, themes)

    def table(vectoriser: Any, offset: int) -> tuple[dict[str, int], Any, Any]:
        grams = sorted(vectoriser.vocabulary_)
        idf = numpy.array([vectoriser.idf_[vectoriser.vocabulary_[g]] for g in grams])
        block = numpy.array([coef[offset + vectoriser.vocabulary_[g]] for g in grams]).reshape(len(grams), len(SLUGS))
        if prune:
            # A pruned n-gram still counts towards the block's length, so its idf is kept; only zeros are dropped
            # from the stored coefficients (they are rounded to 5 places in the file anyway).
            block = numpy.where(numpy.abs(block * idf[:, None]) < PRUNE, 0.0, block)
        return {g: j for j, g in enumerate(grams)}, idf, block

    words = table(words_vec, 0)
    chars = table(chars_vec, n_words)
    return ThemeModel(
        slugs=SLUGS,
        word_index=words[0],
        word_idf=words[1],
        word_coef=words[2],
        char_index=chars[0],
        char_idf=chars[1],
        char_coef=chars[2],
        intercepts=numpy.array([float(m.intercept_[0]) for m in models]),
        add=tuple(add) if add is not None else (NEVER,) * len(SLUGS),
        veto=tuple(veto) if veto is not None else (0.0,) * len(SLUGS),
        trained_on=len(rows),
    )


def held_back(rows: Sequence[Row]) -> list[tuple[Row, ThemeModel]]:
    """Each message with the model trained on the other folds (by position: no random seed), never on itself."""
    out: list[tuple[Row, ThemeModel]] = []
    for fold in range(FOLDS):
        model = fit([row for i, row in enumerate(rows) if i % FOLDS != fold])
        out += [(row, model) for i, row in enumerate(rows) if i % FOLDS == fold]
    return out


def cue_themes(text: str) -> frozenset[str]:
    """What the default cues and the safeguarding screen file a message under, as the pipeline does."""
    from feedback.analysis.pipeline import cue_themes as read_cues
    from feedback.analysis.safeguarding import screen

    return frozenset(read_cues(text, screen(text))[0])


def choose_thresholds(rows: Sequence[Row]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """For each theme, the add and veto thresholds that give the best F1 of cues and model together on held-back
    folds; the cues alone unless the model beats them by MIN_GAIN."""
    read = [(themes, cue_themes(text), model.probabilities(text)) for (text, themes), model in held_back(rows)]
    add: list[float] = []
    veto: list[float] = []
    for slug in SLUGS:
        gold = [slug in themes for themes, _, _ in read]
        cues = [slug in given for _, given, _ in read]
        p = [probabilities[slug] for _, _, probabilities in read]
        best, chosen = _f1(gold, cues) + MIN_GAIN, (NEVER, 0.0)
        for a in ADD:
            for v in VETO:
                score = _f1(gold, [(c and q >= v) or q >= a for c, q in zip(cues, p, strict=True)])
                if score > best:
                    best, chosen = score, (a, v)
        add.append(chosen[0])
        veto.append(chosen[1])
    return tuple(add), tuple(veto)


def _f1(gold: Sequence[bool], given: Sequence[bool]) -> float:
    tp = sum(1 for g, p in zip(gold, given, strict=True) if g and p)
    wrong = sum(1 for g, p in zip(gold, given, strict=True) if g != p)
    return 2 * tp / (2 * tp + wrong) if tp + wrong else 1.0


def build(rows: Sequence[Row] | None = None) -> ThemeModel:
    """The shipped model: thresholds by cross-validation, then the models fitted on everything."""
    rows = list(rows if rows is not None else training_rows())
    add, veto = choose_thresholds(rows)
    return fit(rows, add, veto)


def model_path() -> Path:
    return training_file(MODEL_FILE)


def write(model: ThemeModel, path: Path | None = None) -> Path:
    return write_lines(model.to_lines(), path or model_path())


@lru_cache(maxsize=1)
def default_model() -> ThemeModel:
    """The shipped model, read from `theme_model.jsonl`, never trained at start-up."""
    return ThemeModel.from_lines(read_lines(MODEL_FILE))


def main() -> None:
    """Fit the shipped model and write `theme_model.jsonl`."""
    model = build()
    path = write(model)
    chosen = {slug: (a, v) for slug, a, v in zip(model.slugs, model.add, model.veto, strict=True) if a < NEVER or v}
    print(f"wrote {path} ({model.trained_on} messages); learned thresholds (add, veto): {chosen}")


if __name__ == "__main__":
    main()

"""The learned sentiment model: shipped as training gives it, read fast, and saying which words it went by."""

from __future__ import annotations

import pytest

from feedback.analysis.pipeline import analyse, lexicon_feeling
from feedback.analysis.sentiment_model import LABELS, build, default_model, training_rows
from tests.analysis import as_shipped


def test_the_shipped_sentiment_model_loads_and_was_trained_on_every_labelled_message() -> None:
    model = default_model()
    assert model.trained_on == len(training_rows()) > 5000
    assert model.intercepts.shape == (len(LABELS),)
    assert model.lexicon_coef.shape == (2, len(LABELS))
    # it learned to trust the lexicon: a positive score weighs towards positive, a negative one towards negative
    assert model.lexicon_coef[0].argmax() == LABELS.index("positive")
    assert model.lexicon_coef[1].argmax() == LABELS.index("negative")


@pytest.mark.parametrize(
    "text",
    ["bus fare to college is £5 a day", "my placement ended and now im in a b&b"],
)
def test_a_complaint_with_no_feeling_word_is_read_as_negative_with_its_words(text: str) -> None:
    assert lexicon_feeling(text).label == "neutral"
    result = analyse(text)
    assert result.sentiment_label == "negative"
    learned = [word.removeprefix("learned: ") for word in result.sentiment_because if word.startswith("learned: ")]
    assert learned and all(word in text.replace("b&b", "bnb") for word in learned)


def test_where_the_model_agrees_the_lexicons_score_and_words_are_kept() -> None:
    for text in ("i love my carers", "pure skint again", "my sw is sound"):
        feeling = lexicon_feeling(text)
        assert (analyse(text).sentiment, analyse(text).sentiment_because) == (feeling.score, feeling.because)


def test_the_shipped_sentiment_model_is_what_training_gives() -> None:
    """`sentiment_model.jsonl` is written by `python -m feedback.analysis.sentiment_model`; if the training messages
    (a new `themes_more_*.jsonl` too) or the settings change, it must be written again."""
    built, shipped = build(), default_model()
    assert built.trained_on == shipped.trained_on
    assert built.word_index.keys() == shipped.word_index.keys()
    assert built.intercepts == as_shipped(shipped.intercepts)
    assert built.lexicon_coef == as_shipped(shipped.lexicon_coef)
    rows = [shipped.word_index[gram] for gram in built.word_index]
    assert built.word_coef[[built.word_index[gram] for gram in built.word_index]] == as_shipped(shipped.word_coef[rows])

"""The learned theme model beside the cues, and the quotable copy keeping what a quote means."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy
import pytest

from feedback.analysis.pipeline import analyse
from feedback.analysis.redaction import redact
from feedback.analysis.theme_model import NEVER, SLUGS, default_model, fit, training_rows
from feedback.analysis.themes import DEFAULT_RULES
from tests.analysis import as_read, as_shipped

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"


def test_the_shipped_theme_model_loads_and_covers_every_theme() -> None:
    model = default_model()
    assert model.slugs == SLUGS
    assert model.trained_on == len(training_rows())
    assert len(model.add) == len(model.veto) == len(SLUGS)
    assert any(add < NEVER for add in model.add)  # it is used where cross-validation showed it helps


def test_a_learned_theme_says_which_words_gave_it() -> None:
    text = "the throughcare team helped me set up my gas and electric"
    assert "housing" not in {m.slug for m in DEFAULT_RULES.match(text)}  # no cue says housing
    result = analyse(text)
    assert "housing" in result.themes
    words = result.why["housing"]
    assert words and all(word.startswith("learned: ") for word in words)
    assert all(word.removeprefix("learned: ") in text for word in words)
    assert {"learned: gas", "learned: electric"} <= set(words)


def test_a_theme_a_cue_gives_keeps_the_cue_as_its_reason() -> None:
    result = analyse("ma sw never phones me back")
    assert result.why["worker-relationships"] == ("social worker",)


def test_without_the_model_themes_are_the_cues_alone() -> None:
    text = "the throughcare team helped me set up my gas and electric"
    assert "housing" not in analyse(text, learned=False).themes


def test_a_staff_taught_cue_is_never_taken_away_by_the_model() -> None:
    rules = DEFAULT_RULES.with_cues({"activities": ["zorbing"]})
    assert "activities" in analyse("zorbing", rules=rules).themes


def test_training_is_reproducible_and_the_fast_scorer_agrees_with_scikit_learn() -> None:
    from feedback.analysis.text import screening_form
    from feedback.analysis.theme_model import _fitted

    rows = training_rows()[::6]
    first, second = fit(rows, prune=False), fit(rows, prune=False)
    assert first.word_index == second.word_index and first.char_index == second.char_index
    assert (first.word_coef == second.word_coef).all() and (first.intercepts == second.intercepts).all()
    union, models = _fitted(rows)
    texts = [text for text, _ in rows[:60]]
    features = union.transform([screening_form(text) for text in texts])
    for j, estimator in enumerate(models):
        expected = estimator.decision_function(features)
        for i, text in enumerate(texts):
            assert first.decisions(text)[j] == pytest.approx(expected[i], abs=1e-9)


def test_the_theme_training_messages_are_not_the_development_set() -> None:
    trained = {text for text, _ in training_rows()}
    development = [json.loads(line)["text"] for line in (DATA / "analysis_dev2.jsonl").read_text().splitlines() if line]
    # "hiya" is everyone's: only messages of some length are compared.
    assert development and not trained.intersection(text for text in development if len(text.split()) >= 3)


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        ("I want my gran at my review", ["my gran", "review"], []),
        ("my sw tbh is rubbish", ["my sw tbh is rubbish"], []),
        ("Kirsty McBride from Larkhall Academy texted me", ["texted me"], ["Kirsty", "McBride", "Larkhall"]),
        ("ma sw jamie never phones back", ["ma sw", "phones back"], ["jamie"]),
        ("me n shannon went to the cinema", ["cinema"], ["shannon"]),
        ("my wee sis Chloe is 6 the day, my auntie made a cake", ["wee sis", "auntie"], ["Chloe"]),
        ("Tbh I'm fine wi my carers", ["Tbh I'm fine wi my carers"], []),
        ("my big brother chokes me", ["my big brother chokes me"], []),
        ("got my CSCS card", ["got my CSCS card"], []),
    ],
)
def test_the_quotable_copy_removes_names_and_keeps_relationship_words(
    text: str, kept: list[str], gone: list[str]
) -> None:
    quoted = redact(text)
    assert all(words in quoted for words in kept), quoted
    assert not any(name in quoted for name in gone), quoted


@pytest.mark.parametrize(
    "name", ["redaction_names_dev.jsonl", "redaction_names_dev2.jsonl", "redaction_names_dev3.jsonl"]
)
def test_the_redaction_development_sets_lose_no_keep_word_and_few_names(name: str) -> None:
    rows = [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line]
    names = [(name, redact(row["text"])) for row in rows for name in row["names"]]
    keep = [(word, redact(row["text"])) for row in rows for word in row["keep"]]
    assert sum(not _stands_in(name, quoted) for name, quoted in names) / len(names) >= 0.98
    assert [word for word, quoted in keep if not _stands_in(word, quoted)] == []


def _stands_in(words: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text) is not None


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("Hope is coming to my review", "[name] is coming to my review"),
        ("i hope my review goes ok", "i hope my review goes ok"),
        ("Will you tell my sw", "Will you tell my sw"),
        ("my key worker will phone u", "my key worker will phone u"),
        ("my foster carer Bill is brilliant", "my foster carer [name] is brilliant"),
        ("cant pay my phone bill", "cant pay my phone bill"),
        ("Mr and Mrs Dunlop were my carers", "Mr and Mrs [name] were my carers"),
        ("mrs o'neill in guidance", "mrs [name] in guidance"),
        ("i miss going out", "i miss going out"),
        ("at larkhall academy, then in Larkhall", "at [school], then in Larkhall"),
        ("Grace Mwangi is a support worker", "[name] [name] is a support worker"),
        ("me and chidi went to see Celtic", "me and [name] went to see Celtic"),
        ("my mum burns me", "my mum burns me"),
        ("my carers arent bad", "my carers arent bad"),
        ("we went to the park for 2 weeks in the summer", "we went to the park for 2 weeks in the summer"),
    ],
)
def test_a_name_that_is_also_a_word_is_read_from_the_words_around_it(text: str, quoted: str) -> None:
    assert redact(text) == quoted


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("Jack's mum drives us to football", "[name]'s mum drives us to football"),
        ("went to kyle's after school", "went to [name]'s after school"),
        ("Kezza's the only one who gets me", "[name]'s the only one who gets me"),
        ("Fi my throughcare worker is leaving", "[name] my throughcare worker is leaving"),
        ("Sister Mary at the chapel helped me", "Sister [name] at the chapel helped me"),
        ("me n Storm got the train to Edinburgh", "me n [name] got the train to Edinburgh"),
        ("Kaitlyn Docherty was bullying me", "[name] [name] was bullying me"),
        ("my sw is Lesley Wallace-Boyd", "my sw is [name] [name]"),
        ("J. Smith from the council, mr k and Mikey G", "[name]. [name] from the council, mr [name] and [name] [name]"),
        ("ME N DECLAN ARE BACK", "ME N [name] ARE BACK"),
        ("HAPPY BIRTHDAY CHLOE LOVE U", "HAPPY BIRTHDAY [name] LOVE U"),
        ("i miss u n my gran", "i miss u n my gran"),
        ("everyone at st bride's knows", "everyone at [school] knows"),
        ("Holy Cross is a rubbish school", "[school] is a rubbish school"),
        ("Springhill children's house is closing", "[name] children's house is closing"),
        ("I'm in Kirkton House now", "I'm in [address] now"),
        ("i stay on glenlee crescent now", "i stay on [address] now"),
        ("my num: 07700.900.444, born 12/03/2008", "my num: [phone], born 12/03/2008"),
        ("add me @kayleigh_x or snap ryanb_2008, meet @ 5", "add me [handle] or snap [handle], meet @ 5"),
        ("got fifa23 and covid19", "got fifa23 and covid19"),
    ],
)
def test_the_quotable_copy_finds_names_in_the_places_young_people_put_them(text: str, quoted: str) -> None:
    assert redact(text) == quoted


@pytest.mark.parametrize(
    "text",
    [
        "McDonald's in East Kilbride is hiring",
        "St Patrick's Day my uncle took me to the parade",
        "Hogmanay in George Square was freezing",
        "Glasgow Fort is mobbed on Saturdays",
        "Gran made mince n tatties, Mum n Dad came, God knows why",
        "I called the Police on him",
        "going to uni in St Andrews",
        "a 30 min walk, 2 quid each way, leaving the unit at 16 was way too young",
        "ma da batterd me, ma worker wis amazin, mair chips",
    ],
)
def test_brands_days_landmarks_and_scots_stay_in_the_quotable_copy(text: str) -> None:
    assert redact(text) == text


def test_the_shipped_theme_model_is_what_training_gives() -> None:
    """`theme_model.jsonl` is written by `python -m feedback.analysis.theme_model`; if the training messages or the
    settings change, it must be written again."""
    from feedback.analysis.theme_model import build

    built, shipped = build(), default_model()
    assert (built.add, built.veto) == (shipped.add, shipped.veto)
    assert built.trained_on == shipped.trained_on
    assert built.word_index.keys() == shipped.word_index.keys() and built.char_index.keys() == shipped.char_index.keys()
    assert built.intercepts == as_shipped(shipped.intercepts)
    texts = [text for text, _ in training_rows()]
    assert numpy.array([built.decisions(text) for text in texts]) == as_read(
        numpy.array([shipped.decisions(text) for text in texts])
    )

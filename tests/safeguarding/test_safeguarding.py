"""Safeguarding screening on plain strings, in two tiers: every risky message in the labelled sample is caught and is
a concern too, what a worker should read today is a concern, figures of speech are neither, and the reason names a
category, never the words."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from feedback.analysis.risk_model import (
    CHAR_SIZES,
    CONCERN_FALSE_ALARMS,
    RISK_FALSE_ALARMS,
    build,
    char_grams,
    compare,
    default_model,
    train,
    training_rows,
)
from feedback.analysis.safeguarding import (
    CONCERN_CATEGORIES,
    LEARNED,
    LEARNED_CONCERN,
    RISK_CATEGORIES,
    SEVERITY,
    Screening,
    screen,
)
from feedback.analysis.text import screening_form
from tests.analysis import as_shipped

CATEGORIES = {
    "suicide", "self-harm", "abuse or violence", "exploitation or grooming", "going missing", "feeling unsafe",
}  # fmt: skip
SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "eval" / "themes_sample.jsonl"


def sample() -> list[dict[str, object]]:
    if not SAMPLE.exists():
        pytest.fail(f"the labelled sample is missing: {SAMPLE} (shared/ must sit beside the project)")
    return [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_labelled_message_is_screened_as_labelled() -> None:
    wrong = [row["text"] for row in sample() if screen(str(row["text"])).risk != row["risk"]]
    assert wrong == []


@pytest.mark.parametrize(
    "text",
    [
        "i want to kill myself",
        "wanna kms",
        "I've been cutting my arms again",
        "my stepdad batters ma wee brother",
        "an older guy keeps messaging me and gives me money",
        "they make me carry stuff for them",
        "I'm going to run away tonight",
        "i dont feel safe at hame",
        "I'm scared to go home",
        "he touched me and told me not to tell",
        "wish i could just disappear",
        "im scared of what i might do to myself tonight",
        "wrote goodbye letters to everyone last night",
        "my girlfriend bit me and pushed me down the stairs",
        "ma da came at me wi a bottle at contact",
        "first time saying this. ma da's pal used to come in at night when i was 9",
        "the landlord says i can pay the rent other ways if im short",
        "left the unit on friday n havent been back",
        "my dad never hit me but my stepmum does",  # a denial that goes on with a "but" stays a risk
    ],
)
def test_risk_in_the_way_young_people_write(text: str) -> None:
    result = screen(text)
    assert result.risk
    assert result.reasons
    assert set(result.reasons) <= CATEGORIES


@pytest.mark.parametrize(
    "text",
    [
        "this homework is killing me",
        "I'd kill for a chippy",
        "I'm dying to see the new film",
        "I don't feel unsafe at my carers",
        "ma sw is pure sound",
        "STOP",
        "",
        "naw my carers dont hit me or anything, its just boring here",
        "nobody's hurting me, the bruise is from hockey lol",
        "i used to self harm but im doing much better now with camhs",
        "is there a number i can text if i feel unsafe",
        "i dont see the point in reviews, nothing ever changes",
        "my pals were killing themselves laughing at my karaoke",
        "ran away with the win at the quiz",
        "I want to die of cringe, I called my teacher mum",
    ],
)
def test_no_risk(text: str) -> None:
    assert not screen(text).risk


def test_the_learned_screen_catches_what_no_rule_lists_and_says_why_without_logging_words() -> None:
    from feedback.analysis.safeguarding import LEARNED

    screening = screen("ma arms are a pure mess again, hid the blades fae the staff")
    assert screening.risk
    if screening.reasons == (LEARNED,):
        assert screening.evidence  # the worker sees which words weighed most
    assert all(word not in screening.reason for word in ("arms", "blades"))  # the logged reason is a category


def test_the_learned_screen_is_checked_on_held_back_folds() -> None:
    from feedback.analysis.risk_model import cross_validate, training_rows

    recall, false_alarms = cross_validate([(text, risk) for text, risk, _ in training_rows()])
    assert false_alarms < 0.03  # the threshold was chosen for this
    assert recall > 0.4


# -- two tiers -----------------------------------------------------------------------------------------------------
DEV = Path(__file__).resolve().parents[1] / "data" / "concern_dev.jsonl"


def labelled(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize(
    "text",
    [
        "cannae see me still being here at new year",
        "sorted out who gets my things, tell my wee sis i love her",
        "been using a blade on my legs again 😔",
        "my foster da grabbed me by the neck n threw me on the floor",
        "mums boyfriend gets in my bed when shes on night shift",
        "a 27 yr old guy from insta keeps sending me money and wants to meet up alone",
        "some boys make me take parcels to other towns on the train",
        "sleeping in the bus station the night, got naewhere",
        "theres a guy outside the flat with a knife shouting my name",
        "ma da leathers ma wee brother with his belt",
    ],
)
def test_a_risk_is_urgent_and_always_a_concern(text: str) -> None:
    result = screen(text)
    assert result.tier == "risk"
    assert result.risk and result.concern
    assert set(result.reasons) <= set(RISK_CATEGORIES)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("can sumbody phone me pls", "asking for help"),
        ("need help", "asking for help"),
        ("nobody at the unit believes me about what one of the night staff said to me", "not believed"),
        ("something happened at my old carers that i've never got over", "possible disclosure"),
        ("been on the voddy every night so i don't have to think about stuff", "drinking or drugs to cope"),
        ("worried about my wee brother, he's not eating and won't talk to anyone", "worry about someone else"),
        ("i just feel hopeless, nothing ever changes for me", "low mood"),
        ("folk keep making fake accounts to slag me and its every day", "bullying or threats"),
        ("no gas or electric since thursday, sitting in the dark", "going without food or heating"),
    ],
)
def test_what_a_worker_should_read_today_is_a_concern_not_an_alert(text: str, category: str) -> None:
    result = screen(text)
    assert result.tier == "concern"
    assert result.concern and not result.risk and result.reasons == ()
    assert category in result.concern_reasons
    assert set(result.concern_reasons) <= set(CONCERN_CATEGORIES)


@pytest.mark.parametrize(
    "text",
    [
        "this maths test is actually going to kill me",
        "lol im dead 💀",
        "got absolutely slaughtered in fortnite last night",
        "we watched a film about a lassie in care who runs away, it was class",
        "our guidance teacher did a session on grooming and how to stay safe online",
        "used to self harm in second year but im 3 years clean now and doing brilliant",
        "sprained my ankle at netball, gutted",
        "can you help me with my college application",
        "can my worker phone me about the bus pass",
        "my worker is sound, she always phones back",
        "skint till friday but got enough for the messages",
        "i'm so done with this essay lol",
    ],
)
def test_everyday_messages_and_figures_of_speech_are_neither(text: str) -> None:
    result = screen(text)
    assert result.tier is None
    assert not result.concern and not result.risk and result.severity is None


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ("i want to end my life", 1),
        ("been cutting my arms again", 1),
        ("my dad punches me when he's drunk", 2),
        ("an older guy keeps asking me for nudes", 2),
        ("i dont feel safe at home", 3),
        ("i've run away from my placement", 3),
        ("i feel hopeless", 4),
        ("what time is the group on", None),
    ],
)
def test_severity_puts_the_most_urgent_first(text: str, severity: int | None) -> None:
    assert screen(text).severity == severity


def test_every_category_has_a_severity_and_risks_come_before_concerns() -> None:
    assert set(SEVERITY) == set(RISK_CATEGORIES) | set(CONCERN_CATEGORIES)
    assert {SEVERITY["suicide"], SEVERITY["self-harm"]} == {1}
    assert {SEVERITY["abuse or violence"], SEVERITY["exploitation or grooming"]} == {2}
    assert {SEVERITY["feeling unsafe"], SEVERITY["going missing"], SEVERITY[LEARNED]} == {3}
    assert {SEVERITY[category] for category in CONCERN_CATEGORIES} == {4}
    both = screen("my stepdad hits me and i'm going to run away tonight")
    assert both.categories[0] == "abuse or violence"  # most severe first


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("help me", True),
        ("I need help", True),
        ("can someone phone me", True),
        ("can my worker call me", True),
        ("pls can sum1 ring me back today", True),
        ("help me hes hitting me", True),  # a risk that asks for help: both
        ("can someone help me with my CV", False),
        ("can my worker phone me about my review", False),
        ("my worker helped me loads", False),
        ("i want to end it", False),
    ],
)
def test_a_request_for_help_or_contact_is_recognised(text: str, asks: bool) -> None:
    result = screen(text)
    assert result.asks_for_help is asks
    if asks:
        assert result.concern  # a worker will be in touch


def test_concern_is_true_whenever_risk_is() -> None:
    assert Screening(risk=True).concern
    assert Screening(risk=True).tier == "risk"
    texts = [str(row["text"]) for row in labelled(DEV)] + [row[0] for row in training_rows()]
    assert all(result.concern for result in map(screen, texts) if result.risk)


def test_the_development_set_meets_the_bar() -> None:
    """977 messages written for the two tiers (the rules and settings were tuned on them, so this guards against
    going back; the held-out sets written by someone else measure how well it generalises)."""
    rows = labelled(DEV)
    results = [screen(str(row["text"])) for row in rows]
    risky = [result for row, result in zip(rows, results, strict=True) if row["risk"]]
    neither = [result for row, result in zip(rows, results, strict=True) if not row["concern"]]
    assert sum(r.concern for r in risky) / len(risky) == 1.0
    assert sum(r.risk for r in risky) / len(risky) >= 0.95
    assert sum(r.concern for r in neither) / len(neither) <= 0.05
    assert sum(r.risk for r in neither) / len(neither) <= 0.02


# -- the learned screen --------------------------------------------------------------------------------------------
def test_logistic_regression_is_at_least_as_good_as_naive_bayes_on_held_back_folds() -> None:
    """The figures in `risk_model`'s docstring: each fold read by models trained on the other four."""
    operating = {"risk": RISK_FALSE_ALARMS, "concern": CONCERN_FALSE_ALARMS}
    for name, figures in compare().items():
        bayes, ours = figures["naive Bayes"], figures["logistic regression"]
        assert ours.auc >= bayes.auc, name
        assert ours.recall[operating[name]] >= bayes.recall[operating[name]], name  # where it is used
        assert ours.recall[0.10] >= bayes.recall[0.10], name
        assert ours.recall[0.03] >= bayes.recall[0.03] - 0.01, name  # where neither is used: never far behind


def test_the_learned_screen_shows_staff_the_words_that_weighed_most() -> None:
    text = "feel like everyones sick of me n i keep thinking bout not being about"
    result = screen(text)
    assert result.reasons == (LEARNED,) or result.concern_reasons == (LEARNED_CONCERN,)  # no rule lists it
    assert result.evidence and all(piece in screening_form(text) for piece in result.evidence)
    assert result.evidence == default_model().evidence(text, "risk" if result.risk else "concern")
    # What is logged and counted names a category; the words go only to the worker reading the message.
    assert set(result.reasons) | set(result.concern_reasons) <= set(RISK_CATEGORIES) | set(CONCERN_CATEGORIES)


def test_the_shipped_model_is_what_training_gives() -> None:
    """`screen_model.jsonl` is written by `python -m feedback.analysis.risk_model`; if the training messages or the
    settings change, it must be written again."""
    built, shipped = build(), default_model()
    assert (built.risk.threshold, built.concern.threshold) == (shipped.risk.threshold, shipped.concern.threshold)
    assert built.trained_on == shipped.trained_on == len(training_rows())
    assert built.words.keys() == shipped.words.keys() and built.chars.keys() == shipped.chars.keys()
    for got, want in ((built.risk, shipped.risk), (built.concern, shipped.concern)):
        assert got.intercept == as_shipped(want.intercept)
        assert got.platt == as_shipped(want.platt)
    for table, other in ((built.words, shipped.words), (built.chars, shipped.chars)):
        assert all(other[gram] == as_shipped(row) for gram, row in table.items())


def test_the_fast_scorer_agrees_with_scikit_learn() -> None:
    from feedback.analysis.risk_model import _fitted

    rows = training_rows()[::7]
    model, union, estimators = _fitted(rows, thresholds=(0.5, 0.5), calibrate=False)
    texts = [row[0] for row in rows[:200]]
    features = union.transform([screening_form(text) for text in texts])
    risk, concern = estimators["risk"].decision_function(features), estimators["concern"].decision_function(features)
    for i, text in enumerate(texts):
        assert model.decisions(text) == pytest.approx((risk[i], concern[i]), abs=1e-9)


def test_character_ngrams_are_scikit_learns_char_wb() -> None:
    from sklearn.feature_extraction.text import CountVectorizer

    analyser = CountVectorizer(analyzer="char_wb", ngram_range=CHAR_SIZES, lowercase=False).build_analyzer()
    for text, _, _ in training_rows()[::5]:
        clean = screening_form(text)
        assert char_grams(clean) == frozenset(analyser(clean))


def test_staff_reviews_teach_the_learned_screen() -> None:
    taught = ["the gaffer at the yard has me doing the wee bag errands", "wee bag errands for the yard gaffer again"]
    before = screen("doing the wee bag errands for the gaffer")
    model = train([(text, True) for text in taught] * 3)
    after = screen("doing the wee bag errands for the gaffer", model)
    assert not before.risk and after.risk and after.reasons == (LEARNED,)
    assert not screen("went to the skate park with my pals", model).concern


def test_the_gate_never_changes_what_a_rule_finds() -> None:
    """Rules run only when a word they need is in the message: on every labelled message the answer is the same as
    running every rule."""
    from feedback.analysis.safeguarding import _COMPILED, _CONCERN_COMPILED

    texts = [screening_form(row[0]) for row in training_rows()] + [
        screening_form(str(r["text"])) for r in labelled(DEV)
    ]
    for category, rules in (*_COMPILED, *_CONCERN_COMPILED):
        combined = rules.combined
        assert [rules.search(text) for text in texts] == [bool(combined.search(text)) for text in texts], category


# -- the bar, on held-out sets -------------------------------------------------------------------------------------
# Written independently, in young people's style, labelled with both tiers, never trained or tuned on. Earlier sets
# that were looked at (a, b, c) were retired into training (`feedback/data/training/retired_heldout.jsonl`).
HELD_OUT = sorted((Path(__file__).resolve().parents[1] / "data").glob("safeguarding_heldout_*.jsonl"))


def _tier_figures(rows: list[dict[str, Any]]) -> dict[str, float]:
    read = [(row, screen(row["text"])) for row in rows]
    risky = [s for row, s in read if row["risk"]]
    neither = [s for row, s in read if not row["risk"] and not row["concern"]]
    return {
        "concern recall on risky": sum(s.concern for s in risky) / len(risky),
        "concern on neither": sum(s.concern for s in neither) / len(neither),
        "risk on neither": sum(s.risk for s in neither) / len(neither),
        "risk recall": sum(s.risk for s in risky) / len(risky),
    }


def test_no_held_out_safeguarding_message_is_ever_trained_on() -> None:
    from feedback.analysis.risk_model import training_rows

    trained = {row[0].strip().lower() for row in training_rows()}
    assert HELD_OUT
    for path in HELD_OUT:
        rows = labelled(path)
        assert len(rows) >= 300 and sum(row["risk"] for row in rows) >= 60
        assert sum(row["kind"] == "indirect" for row in rows) >= 20
        assert sum(row["kind"] == "hard-negative" for row in rows) >= 30
        assert all(row["concern"] for row in rows if row["risk"])
        overlap = [
            row["text"] for row in rows if row["text"].strip().lower() in trained and len(row["text"].split()) >= 3
        ]
        assert overlap == [], path.name


@pytest.mark.parametrize("path", HELD_OUT, ids=lambda path: path.stem)
def test_the_screen_holds_what_it_reached_on_held_out_sets(path: Path) -> None:
    """What the two tiers reach today on sets they never saw: a floor against going backwards, below the bar."""
    figures = _tier_figures(labelled(path))
    assert figures["concern recall on risky"] >= 0.95
    assert figures["risk recall"] >= 0.8
    assert figures["concern on neither"] <= 0.15
    assert figures["risk on neither"] <= 0.06


@pytest.mark.xfail(
    strict=True,
    reason="Not met yet (issue 15): on independently written held-out sets the screen misses 3% to 4% of risky "
    "messages entirely and 13% to 17% as urgent, and raises 3% to 5% of ordinary messages as urgent (README, 'Text "
    "analysis').",
)
@pytest.mark.parametrize("path", HELD_OUT, ids=lambda path: path.stem)
def test_the_two_tiers_meet_the_bar_on_held_out_sets(path: Path) -> None:
    figures = _tier_figures(labelled(path))
    assert figures["concern recall on risky"] == 1.0
    assert figures["concern on neither"] <= 0.10
    assert figures["risk on neither"] <= 0.03
    assert figures["risk recall"] >= 0.90

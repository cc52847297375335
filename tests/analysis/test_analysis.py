"""The text analysis: themes with their reasons, sentiment tuned to how young people in Scotland write, key phrases
and a copy safe to quote, through `feedback analyse` (no database, no network), held to the quality bar on the
labelled sample."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedback.analysis.pipeline import analyse
from feedback.analysis.redaction import redact
from feedback.analysis.sentiment import sentiment
from feedback.cli import cli

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SAMPLE = ROOT.parent / "shared" / "eval" / "themes_sample.jsonl"
DEV = ROOT / "tests" / "data" / "analysis_dev.jsonl"
LABELS = {"pos": "positive", "neg": "negative", "neu": "neutral"}


def run_cli(lines: list[str]) -> list[dict[str, object]]:
    """`feedback analyse` as a user runs it: no settings, no database, text on standard input."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith(("FEEDBACK_", "DATABASE_", "SECRET_"))}
    env["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:1/nowhere"  # proves no database is touched
    done = CliRunner().invoke(cli, ["analyse"], input="".join(line + "\n" for line in lines), env=env)
    assert done.exit_code == 0, done.output
    return [json.loads(line) for line in done.stdout.splitlines()]


def quality(path: Path) -> dict[str, float]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    answers = run_cli([r["text"] for r in rows])
    assert len(answers) == len(rows)
    f1 = []
    for slug in {s for r in rows for s in r["themes"]} | {s for a in answers for s in a["themes"]}:  # type: ignore[attr-defined]
        tp = sum(1 for r, a in zip(rows, answers, strict=True) if slug in r["themes"] and slug in a["themes"])  # type: ignore[operator]
        fp = sum(1 for r, a in zip(rows, answers, strict=True) if slug not in r["themes"] and slug in a["themes"])  # type: ignore[operator]
        fn = sum(1 for r, a in zip(rows, answers, strict=True) if slug in r["themes"] and slug not in a["themes"])  # type: ignore[operator]
        f1.append(2 * tp / (2 * tp + fp + fn))
    risky = [a["risk"] for r, a in zip(rows, answers, strict=True) if r["risk"]]
    safe = [a["risk"] for r, a in zip(rows, answers, strict=True) if not r["risk"]]
    scored = [(r, a) for r, a in zip(rows, answers, strict=True) if r["sentiment"] in LABELS]
    return {
        "macro_f1": sum(f1) / len(f1),
        "recall": sum(risky) / len(risky),
        "false_alarms": sum(safe) / len(safe),
        "sentiment": sum(1 for r, a in scored if a["label"] == LABELS[r["sentiment"]]) / len(scored),
    }


def test_the_sample_meets_the_quality_bar() -> None:
    figures = quality(SAMPLE)
    assert figures["macro_f1"] >= 0.80
    assert figures["recall"] == 1.0
    assert figures["false_alarms"] <= 0.03
    assert figures["sentiment"] >= 0.80


def test_analyse_prints_concern_beside_risk() -> None:
    answers = run_cli(["can someone phone me", "I want to hurt myself", "what time is the group on"])
    assert [a["risk"] for a in answers] == [False, True, False]
    assert [a["concern"] for a in answers] == [True, True, False]  # a risk is always a concern
    keys = list(answers[0])
    assert keys.index("concern") == keys.index("risk") + 1
    assert answers[0]["concern_reasons"] == ["asking for help"] and answers[0]["risk_reasons"] == []
    assert answers[1]["risk_reasons"] == ["self-harm"]


def test_analyse_keeps_the_order_and_answers_every_line_even_an_empty_one() -> None:
    answers = run_cli(["hello", "", "I want to hurt myself"])
    assert [a["risk"] for a in answers] == [False, False, True]
    assert set(answers[0]) >= {"themes", "sentiment", "risk"}


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("ma sw never phones me back", "worker-relationships"),
        ("i'm pure skint till ma uc comes in", "money"),
        ("the hostel is boggin and there's damp everywhere", "housing"),
        ("cannae get to ma gran's, the bus is too dear", "transport"),
        ("been greetin all week, cannae sleep", "mental-health"),
        ("got put out of class again by ma guidance teacher", "education"),
    ],
)
def test_themes_read_scots_and_text_speak(text: str, theme: str) -> None:
    result = analyse(text)
    assert theme in result.themes
    assert result.why[theme]  # staff can see which words filed it there


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("ma sw is pure sound", "positive"),
        ("buzzin, got ma own flat", "positive"),
        ("chuffed wi ma exam results 😊", "positive"),
        ("not bad at all actually", "positive"),
        ("i'm skint and gutted", "negative"),
        ("been greetin all night 😢", "negative"),
        ("i never get to see ma wee brother", "negative"),
        ("I want to see my mum more", "negative"),
        ("what time is the group on?", "neutral"),
        ("can I get a bus pass?", "neutral"),
    ],
)
def test_sentiment_knows_how_young_people_write(text: str, label: str) -> None:
    assert sentiment(text).label == label


def test_a_message_showing_risk_is_never_scored_as_happy() -> None:
    result = analyse("an older guy keeps giving me free stuff and says i owe him now")
    assert result.risk and result.sentiment < 0 and "safety" in result.themes


@pytest.mark.parametrize("text", ["this homework is killing me", "I'd kill for a chippy", "dying to see the film"])
def test_figures_of_speech_raise_no_alert(text: str) -> None:
    assert not analyse(text).risk


def test_the_quotable_copy_removes_what_could_identify_someone() -> None:
    text = (
        "my worker Sarah said I can move to 14 Burnbank Road, Hamilton ML3 9AA after St Mary's High, "
        "text me on 07700 900123 or mail kyle.b@example.org"
    )
    quoted = redact(text)
    for detail in ("Sarah", "14 Burnbank", "ML3 9AA", "St Mary's", "07700", "kyle.b@"):
        assert detail not in quoted
    assert "[name]" in quoted and "[address]" in quoted and "[school]" in quoted and "[phone]" in quoted
    assert "Hamilton" in quoted and "my worker" in quoted  # a locality and a role are not identifying


def test_key_phrases_come_from_the_quotable_copy() -> None:
    result = analyse("my worker Kirsty never sorts my bus pass")
    assert "bus pass" in result.key_phrases
    assert not any("kirsty" in phrase for phrase in result.key_phrases)


def test_the_development_set_holds_its_figures() -> None:
    """360 messages written for development (the rules were tuned on them, so this guards against going back,
    it does not measure how well the rules generalise: bench/analysis.py on a held-out set does that)."""
    figures = quality(DEV)
    assert figures["recall"] == 1.0
    assert figures["false_alarms"] <= 0.03
    assert figures["macro_f1"] >= 0.80
    assert figures["sentiment"] >= 0.75


def test_where_the_lexicon_is_weak_the_learned_reading_decides_and_says_why() -> None:
    plain = "my placement ended and now im in a b&b"  # no feeling word, but something has gone wrong
    assert sentiment(plain).label == "neutral"
    result = analyse(plain)
    assert result.sentiment_label == "negative"
    assert any(word.startswith("learned: ") for word in result.sentiment_because)


def test_a_sure_lexicon_reading_is_never_overruled() -> None:
    for text in ("i love my carers", "pure skint again", "my sw is sound"):
        assert analyse(text).sentiment == sentiment(text).score


def test_the_blend_beats_the_lexicon_alone_on_held_back_folds() -> None:
    """Each fold is read by a model trained on the others: the figure the band and the vote were chosen by."""
    from feedback.analysis.learned import cross_validate, shipped_rows
    from feedback.analysis.sentiment import blend

    codes = {"pos": "positive", "neg": "negative", "neu": "neutral"}
    examples = [(row["text"], codes[row["sentiment"]]) for row in shipped_rows() if row["sentiment"] in codes]
    lexicon = blended = 0
    for text, label, model in cross_validate(examples):
        alone = sentiment(text)
        lexicon += alone.label == label
        blended += blend(text, alone, model).label == label
    assert blended > lexicon * 1.05


def test_no_held_out_message_is_ever_trained_on() -> None:
    from feedback.analysis.learned import shipped_rows, theme_rows
    from feedback.analysis.risk_model import concern_rows

    trained = {row["text"] for row in (*shipped_rows(), *theme_rows(), *concern_rows())}
    for name in ("analysis_heldout.jsonl", "analysis_heldout2.jsonl", "analysis_heldout3.jsonl"):
        held_out = [json.loads(line)["text"] for line in (DATA / name).read_text().splitlines() if line]
        # Independent writers both wrote "hiya" and "ok thanks": only messages of some length are compared.
        assert held_out and not trained.intersection(text for text in held_out if len(text.split()) >= 3)


def test_the_concern_development_set_is_never_trained_on() -> None:
    """The two tiers were tuned on `concern_dev.jsonl`; the models must never have seen it."""
    from feedback.analysis.risk_model import training_rows

    trained = {row[0] for row in training_rows()}
    development = [json.loads(line)["text"] for line in (DATA / "concern_dev.jsonl").read_text().splitlines() if line]
    assert development and not trained.intersection(development)

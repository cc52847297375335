"""Safeguarding screening on plain strings: every risky message in the labelled sample is caught, figures of
speech are not, and the reason names a category, never the words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from feedback.analysis.safeguarding import screen

CATEGORIES = {
    "suicide", "self-harm", "abuse or violence", "exploitation or grooming", "going missing", "feeling unsafe",
}  # fmt: skip
SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "eval" / "themes_sample.jsonl"


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
    from feedback.analysis.learned import shipped_rows
    from feedback.analysis.risk_model import cross_validate

    recall, false_alarms = cross_validate([(row["text"], row["risk"]) for row in shipped_rows()])
    assert false_alarms < 0.03  # the threshold was chosen for this
    assert recall > 0.4

"""Safeguarding screening of a single message, before anything else is done with it.

Plain rules, so a worker can always see why a message was flagged. Missing a real risk is the worst failure and a
false alarm costs a worker a few minutes, so the rules lean towards flagging; figures of speech that young people
use every day ("this exam is killing me", "I'm dying to see it") are left alone.

The reasons returned name a category, never the words of the message, so they are safe to log and count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from feedback.analysis.text import normalise

# Each rule: a category and the patterns that show it. Patterns run on normalised text (see `normalise`).
_FAMILY = (
    r"(?:mum|mam|maw|ma|dad|da|stepdad|step dad|stepmum|step mum|brother|sister|wee brother|wee sister"
    r"|gran|granny|papa|carer|carers|foster (?:mum|dad|carer)s?|uncle|auntie|aunt|boyfriend|girlfriend|partner)"
)
_HURT_VERB = (
    r"(?:hit|hits|hitting|hurts|hurt|hurting|punch(?:es|ed|ing)?|kick(?:s|ed|ing)?|beat(?:s|en|ing)?"
    r"|batter(?:s|ed|ing)?|slap(?:s|ped|ping)?|strangl(?:e|es|ed|ing)|chok(?:e|es|ed|ing)|bat(?:s|ted)"
    r"|leather(?:s|ed)?|skelp(?:s|ed)?)"
)

_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "suicide",
        (
            r"\bkill(?:ing)? my ?sel(?:f|ves)\b",
            r"\bend(?:ing)? (?:it all|my life|my self|myself|things|it)\b(?! (?:with|between|now that))",
            r"\bsuicid",
            r"\b(?:want|wanted|wanting|going|gonna) to die\b",
            r"\bwish i (?:was|were) dead\b",
            r"\bbetter off dead\b",
            r"\b(?:do not|don't|dont) want to (?:be alive|live|be here anymore|wake up)\b",
            r"\bno (?:point|reason) (?:in )?(?:living|to live|being alive)\b",
            r"\b(?:if|whether) i live or die\b",
            r"\btake my (?:own )?life\b",
            r"\bunalive\b",
            r"\bkms\b",
            r"\bcan(?:no|'?)t go on\b",
        ),
    ),
    (
        "self-harm",
        (
            r"\bself[- ]?harm",
            r"\b(?:hurt|hurting|harm|harming|cut|cutting|burn|burning|starv\w*) (?:my ?self|myself)\b",
            r"\bcut(?:ting)? my (?:arms?|legs?|wrists?|skin)\b",
            r"\boverdos\w*\b",
            r"\btook (?:a load of|loads of|all my) (?:pills|tablets)\b",
        ),
    ),
    (
        "abuse or violence",
        (
            rf"\b{_HURT_VERB} (?:me|us)\b",
            rf"\b{_HURT_VERB} my {_FAMILY}\b",
            r"\b(?:touch(?:es|ed|ing)?|grab(?:s|bed|bing)?) me\b",
            r"\b(?:abus(?:e|es|ed|ing|ive)|rap(?:e|ed|es|ing)|molest\w*|sexually)\b",
            r"\bthreaten(?:s|ed|ing)? (?:me|to)\b",
            r"\b(?:stab|stabbed|knife|knifed|weapon)\b",
            r"\bscared (?:of|to go) (?:him|her|them|going home|home|my \w+)\b",
            r"\bfeart (?:of|to go) ",
            r"\blocked me in\b",
            r"\bwon'?t let me (?:eat|leave|out|go out|see anyone)\b",
        ),
    ),
    (
        "exploitation or grooming",
        (
            r"\b(?:asking|asked|asks|wants|wanted) (?:me )?for (?:pics|pictures|photos|nudes|nudies)\b",
            r"\bsend (?:him|her|them) (?:pics|pictures|photos|nudes)\b",
            r"\bnudes?\b",
            r"\bgroom\w*\b",
            r"\bolder (?:boy|boys|man|men|guy|guys|girl|girls|woman|lads?)\b"
            r".*\b(?:messag|texts?|snap|pics|money|gifts?|lifts?|drink|party|meet|buy)",
            r"\b(?:made|make|making|makes) me (?:hold|carry|sell|deliver|move|drop off|keep)\b",
            r"\bcounty lines\b",
            r"\b(?:owe|owes|owed) (?:them|him|her) money\b",
        ),
    ),
    (
        "going missing",
        (
            r"\b(?:ran|run|running|runnin) away\b",
            r"\b(?:go|going|went|gone) missing\b",
            r"\bsleeping (?:rough|on the street|outside)\b",
        ),
    ),
    (
        "feeling unsafe",
        (
            r"(?<!\bnot )(?<!\bnever )\bunsafe\b",
            r"\b(?:not|never|no) (?:feel |feeling )?safe\b",
            r"\b(?:do not|don't|dont|doesn't|doesnt|never) feel safe\b",
            r"\bnot safe\b",
            r"\bin danger\b",
            r"\bscared for my life\b",
        ),
    ),
)

_COMPILED = tuple((category, tuple(re.compile(p) for p in patterns)) for category, patterns in _RULES)

# Negations that turn "I feel unsafe" into "I don't feel unsafe": looked for just before an "unsafe" match.
_NEGATED_UNSAFE = re.compile(r"\b(?:not|never|no longer|don't|dont|do not|didn't|didnt) (?:feel |felt )?unsafe\b")


@dataclass(frozen=True)
class Screening:
    """The result of screening one message: whether it may show risk of harm, and which kinds."""

    risk: bool
    reasons: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        return ", ".join(self.reasons)


def screen(text: str) -> Screening:
    """Screen one message for risk of harm to the young person or to another child they mention."""
    clean = normalise(text)
    reasons: list[str] = []
    for category, patterns in _COMPILED:
        for pattern in patterns:
            match = pattern.search(clean)
            if match is None:
                continue
            if category == "feeling unsafe" and _is_negated_unsafe(clean, match):
                continue
            reasons.append(category)
            break
    return Screening(risk=bool(reasons), reasons=tuple(reasons))


def _is_negated_unsafe(clean: str, match: re.Match[str]) -> bool:
    if "unsafe" not in match.group(0):
        return False
    window = clean[max(0, match.start() - 20) : match.end()]
    return _NEGATED_UNSAFE.search(window) is not None

"""Everything the service reads from one message: themes (and why), sentiment, safeguarding risk and concern, key
phrases and a copy safe to quote. Pure: it needs no database, no Flask and no network, so it is tested and measured
on plain strings, and `feedback analyse` runs it on standard input."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from feedback.analysis.phrases import key_phrases
from feedback.analysis.redaction import redact
from feedback.analysis.risk_model import LinearScreen
from feedback.analysis.safeguarding import Screening, screen
from feedback.analysis.sentiment import Sentiment, label_for, sentiment
from feedback.analysis.sentiment import decide as decide_sentiment
from feedback.analysis.text import normalise
from feedback.analysis.theme_model import ThemeModel, decide
from feedback.analysis.theme_model import default_model as default_theme_model
from feedback.analysis.themes import DEFAULT_RULES, ThemeRules

_PLACEHOLDER = re.compile(r"\[(?:name|phone|email|address|postcode|school|link)\]")

# A message that shows a risk of harm is about these themes, whatever words it used.
RISK_THEMES = {"suicide": "mental-health", "self-harm": "mental-health"}
DEFAULT_RISK_THEME = "safety"
# A message showing risk of harm that reads as neutral or mildly positive is read as negative; one that sounds
# plainly happy keeps its tone ("he's older but he's sound"): sentiment is the young person's own view, and the
# risk is flagged on its own.
RISK_SENTIMENT_CEILING = -0.3
RISK_KEEPS_TONE_ABOVE = 0.3


@dataclass(frozen=True)
class Analysis:
    themes: tuple[str, ...]
    why: dict[str, tuple[str, ...]] = field(default_factory=dict)  # theme -> the words that filed it there
    sentiment: float = 0.0
    sentiment_label: str = "neutral"
    sentiment_because: tuple[str, ...] = ()
    risk: bool = False
    risk_reasons: tuple[str, ...] = ()
    # Not urgent, but a worker should read it today; true whenever risk is.
    concern: bool = False
    concern_reasons: tuple[str, ...] = ()
    key_phrases: tuple[str, ...] = ()
    redacted: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "themes": list(self.themes),
            "sentiment": self.sentiment,
            "label": self.sentiment_label,
            "risk": self.risk,
            "concern": self.concern,
            "risk_reasons": list(self.risk_reasons),
            "concern_reasons": list(self.concern_reasons),
            "key_phrases": list(self.key_phrases),
            "redacted": self.redacted,
            "why": {slug: list(words) for slug, words in self.why.items()},
        }


def analyse(
    text: str,
    rules: ThemeRules = DEFAULT_RULES,
    risk_model: LinearScreen | None = None,
    theme_model: ThemeModel | None = None,
    *,
    learned: bool = True,
) -> Analysis:
    """Everything read from one message. Themes are the cues' (`themes`), the safeguarding screen's, and the learned
    theme model's (`theme_model`); sentiment is the lexicon's, read again by the learned sentiment model
    (`sentiment_model`). ``learned=False`` leaves both models out, as their own training does."""
    clean = normalise(text)
    screening = screen(text, risk_model)
    why, keep = cue_themes(text, screening, rules, clean=clean)
    if learned and text.strip():
        why = decide(why, text, theme_model or default_theme_model(), keep)
    order = list(rules.cues)
    themes = tuple(sorted(why, key=lambda slug: order.index(slug) if slug in order else len(order)))
    quotable = redact(text)
    feeling = lexicon_feeling(text, clean=clean, risk=screening.risk)
    if learned and text.strip():
        feeling = decide_sentiment(text, feeling)
    return Analysis(
        themes=themes,
        why={slug: why[slug] for slug in themes},
        sentiment=feeling.score,
        sentiment_label=feeling.label,
        sentiment_because=feeling.because,
        risk=screening.risk,
        risk_reasons=screening.reasons,
        concern=screening.concern,
        concern_reasons=screening.concern_reasons,
        # From the redacted copy: phrases are listed to staff as emerging themes, and must not carry a name.
        key_phrases=tuple(key_phrases(_PLACEHOLDER.sub(" , ", normalise(quotable)))),
        redacted=quotable,
    )


def cue_themes(
    text: str, screening: Screening, rules: ThemeRules = DEFAULT_RULES, *, clean: str | None = None
) -> tuple[dict[str, tuple[str, ...]], set[str]]:
    """The themes the cues and the safeguarding screen file a message under, each with the words that filed it, and
    those the learned theme model may not take away (taught cues and the screen's): `analyse` before the model,
    and what the model's own training compares itself with (`theme_model.choose_thresholds`)."""
    matches = rules.match(text, clean=normalise(text) if clean is None else clean)
    why = {m.slug: m.cues for m in matches}
    keep = {m.slug for m in matches if rules.was_taught(m)}
    for reason in screening.reasons:
        slug = RISK_THEMES.get(reason, DEFAULT_RISK_THEME)
        keep.add(slug)
        why.setdefault(slug, (f"safeguarding: {reason}",))
    return why, keep


def lexicon_feeling(text: str, *, clean: str | None = None, risk: bool | None = None) -> Sentiment:
    """The lexicon's reading (`sentiment`), with a message showing risk of harm read as negative unless it sounds
    plainly happy: what the learned sentiment model takes as its feature, in training as at run time. ``risk`` is
    the safeguarding screen's (screened here if not given)."""
    feeling = sentiment(text, clean=clean)
    if risk is None:
        risk = screen(text).risk
    if risk and feeling.score <= RISK_KEEPS_TONE_ABOVE:
        score = min(feeling.score, RISK_SENTIMENT_CEILING)
        feeling = Sentiment(score, label_for(score), feeling.because)
    return feeling

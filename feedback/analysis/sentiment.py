"""How a message feels, from the young person's point of view: a score in [-1, 1] and a label.

TextBlob's pattern analyser (offline, no NLTK data) scores ordinary English. On its own it reads young people's
messages badly: it does not know "skint", "buzzin", "greetin" or "pure sound", scores "I want to see my brothers
more" as neutral although it says something is missing, and reads emoji as nothing. So a domain lexicon of words,
phrases and emoji is added on top, with negation ("not bad", "I don't feel unsafe") and intensity ("pure",
"dead", "really"). Every contribution is kept with the words that made it, so staff can see why.

The lexicon's score is then read again by a model learned from the labelled messages (`sentiment_model`, `decide`):
young people write many complaints with no feeling word in them, and the model, which has the lexicon's score among
its features, decides the label. Where it overrules the lexicon, the words it went by are shown as "learned: ...".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from feedback.analysis.learned import NaiveBayes, shipped_rows, theme_rows
from feedback.analysis.sentiment_model import SentimentModel
from feedback.analysis.sentiment_model import default_model as default_sentiment_model
from feedback.analysis.text import normalise, pattern_english

POSITIVE = "positive"
NEGATIVE = "negative"
NEUTRAL = "neutral"
THRESHOLD = 0.05
# The earlier learned reading (`blend`), kept as the figure the learned model (`decide`) must beat in
# cross-validation: where the lexicon reads a message only weakly (a score nearer 0 than this), naive Bayes has its
# say, the lexicon's own label counting for this many log-odds against it. On the shipped messages, 5-fold
# cross-validation gives it 0.81 right, and the learned model 0.86 (`python -m feedback.analysis.sentiment_model
# --cv`).
LEARNED_BAND = 0.3
LEXICON_VOTE = 4.0
# The score given to a label a model chose against the lexicon's: just past the threshold, a weak feeling.
_LEARNED_SCORE = {POSITIVE: 0.15, NEGATIVE: -0.15, NEUTRAL: 0.0}

# Words and phrases (on normalised text) with how they feel. Phrases say what a young person means by them here:
# "more" after "want to see" is something missing; "always makes time" is care.
LEXICON: dict[str, float] = {
    # Scots and young people's words
    "skint": -0.7, "brassic": -0.7, "buzzin": 0.8, "buzzing": 0.8, "greetin": -0.6, "greeting": -0.4,
    "sound": 0.5, "lush": 0.7, "barry": 0.6, "braw": 0.7, "magic": 0.6, "gutted": -0.7, "chuffed": 0.7,
    "scunnered": -0.6, "boggin": -0.6, "mingin": -0.6, "raging": -0.7, "fuming": -0.7, "sick of": -0.6,
    "fed up": -0.6, "pure dead brilliant": 0.9, "class": 0.5, "mint": 0.6, "belter": 0.7, "rotten": -0.6,
    "minging": -0.6, "peely wally": -0.3, "stressed": -0.6, "stressing": -0.6, "stress": -0.5,
    "shite": -0.7, "crap": -0.6, "rubbish": -0.6, "hate": -0.8, "hated": -0.7, "love": 0.6, "loved": 0.7,
    "lonely": -0.6, "alone": -0.4, "anxious": -0.6, "scared": -0.6, "feart": -0.6, "worried": -0.5,
    "worries": -0.5, "worry": -0.4, "bullied": -0.7, "hits": -0.7, "hurt": -0.6, "unsafe": -0.7,
    "kind": 0.6, "helpful": 0.6, "brilliant": 0.8, "great": 0.7, "amazing": 0.8, "happy": 0.7, "safe": 0.4,
    "proud": 0.7, "excited": 0.6, "grateful": 0.6, "thankful": 0.6, "thanks": 0.0, "better": 0.4,
    "finally": 0.3, "stuck": -0.5, "struggling": -0.6, "struggle": -0.5, "nightmare": -0.6, "unfair": -0.6,
    "difficult": -0.4, "hard": -0.3, "annoying": -0.5, "annoyed": -0.5, "angry": -0.6, "upset": -0.6,
    "sad": -0.6, "depressed": -0.7, "crying": -0.6, "cry": -0.5, "miss": -0.4, "missing": -0.3,
    # What young people mean in this service
    "want to see": -0.4, "want more": -0.4, "more often": -0.3, "not enough": -0.6, "too much": -0.5,
    "too many": -0.5, "keeps changing": -0.6, "keep changing": -0.6, "never know": -0.5, "no one": -0.4,
    "nobody": -0.5, "never": -0.3, "without even asking": -0.7, "without asking": -0.6, "didn't know": -0.4,
    "did not know": -0.4, "don't know who": -0.4, "no money": -0.7, "got stopped": -0.6, "stopped": -0.3,
    "no food": -0.7, "takes two hours": -0.5, "takes ages": -0.5, "hours": -0.2, "put me out": -0.6,
    "putting me out": -0.6, "third": -0.3, "fourth": -0.4, "treat me differently": -0.6,
    "treated differently": -0.6, "always makes time": 0.8, "makes time": 0.6, "got to say": 0.6,
    "got to": 0.3, "let me": 0.3, "made good friends": 0.8, "good friends": 0.6, "first job": 0.5,
    "started my": 0.4, "got a": 0.3, "got an a": 0.7, "got my": 0.4, "passed": 0.6, "no longer": 0.0,
    "anymore": -0.3, "any more": -0.3, "killing me": -0.5, "dying to": 0.5, "can't wait": 0.6,
    "no youth club": -0.5, "no point": -0.6, "not safe": -0.7, "not listened": -0.7, "pays for": 0.4,
    "worries me": -0.6, "drinks too much": -0.6, "kicked out": -0.7, "waiting list": -0.4, "waiting": -0.3,
    "nothing to do": -0.5, "bored": -0.5, "help me": 0.0, "listened to": 0.5, "listen to me": 0.1,
    "got into": 0.6, "got the job": 0.8, "relieved": 0.6, "so relieved": 0.7, "taught me": 0.5,
    "actually listened": 0.7, "gets me": 0.6, "stayed with me": 0.4, "can't complain": 0.6,
    "always texts back": 0.6, "texts back": 0.3, "never had a problem": 0.7, "nobody judges": 0.6,
    "wasn't as bad": 0.5, "no panic": 0.5, "learning loads": 0.5, "pure sick": 0.6, "well sick": 0.6,
    "dead sick": 0.6, "so sick": 0.5, "cancelled": -0.6, "not allowed": -0.6, "shouts": -0.6, "shouting": -0.6,
    "all the time": -0.3, "forget about": -0.5, "forgot about": -0.5, "don't trust": -0.7, "trust": 0.3,
    "complaint": -0.5, "complant": -0.5, "complain": -0.4, "have to leave": -0.4, "didn't get": -0.4,
    "again": -0.3, "3rd time": -0.4, "third time": -0.4, "homeless": -0.5, "wasn't even": -0.5,
    "wasnae even": -0.5, "talked about me": -0.4, "just words": -0.5, "have to stay": -0.4, "murder me": -0.5,
    "kill me": -0.4, "kill for": 0.0, "explode": -0.4, "sanctioned": -0.7, "can't afford": -0.6, "afford": 0.0,
    "only took": -0.5, "the point": 0.0, "whats the point": -0.6, "what's the point": -0.6, "weren't": -0.3,
    "wernt": -0.3, "adopted": -0.2, "intentionally": -0.3, "caught": -0.3, "lol": 0.0, "cheers": 0.0,
    "argued": -0.5, "argue": -0.4, "arguing": -0.5, "fight": -0.5, "fell out": -0.6, "fell oot": -0.6,
    "screaming match": -0.6, "blanked": -0.5, "don't agree": -0.4, "won't budge": -0.4, "slagged": -0.6,
    "called me": -0.3, "snide": -0.6, "leaving me out": -0.6, "left out": -0.6, "threw": -0.4, "bloodbath": -0.5,
    "tramp": -0.4, "sorted": 0.5, "doing well": 0.6, "dealt with": 0.3, "got out of it": 0.5, "like it here": 0.6,
    "really helped": 0.7, "helped": 0.4, "scored": 0.5, "hat trick": 0.6, "badge": 0.3,
    # Emoji
    "😊": 0.6, "🙂": 0.4, "😀": 0.6, "😁": 0.6, "😃": 0.6, "😄": 0.6, "😍": 0.8, "🥰": 0.8, "❤": 0.6,
    "❤️": 0.6, "💕": 0.6, "👍": 0.5, "🙌": 0.6, "🎉": 0.7, "😂": 0.3, "🤣": 0.3, "😎": 0.5, "💪": 0.5,
    "😢": -0.6, "😭": -0.7, "😡": -0.8, "😠": -0.7, "🙄": -0.4, "👎": -0.6, "💔": -0.7, "😞": -0.6,
    "😔": -0.6, "😩": -0.6, "😤": -0.6, "😟": -0.5, "😕": -0.4, "🤬": -0.8, "😰": -0.6, "😨": -0.6,
}  # fmt: skip

NEGATORS = frozenset(
    {"not", "no", "never", "don't", "doesn't", "didn't", "isn't", "wasn't", "can't", "won't", "aren't", "nae",
     "cannot", "hardly", "without"}
)  # fmt: skip
INTENSIFIERS = {"pure": 1.5, "dead": 1.4, "really": 1.4, "so": 1.3, "very": 1.4, "well": 1.2, "totally": 1.5,
                "absolutely": 1.6, "proper": 1.3, "super": 1.4, "mega": 1.5, "extremely": 1.6}  # fmt: skip

# Wanting more of something, or wishing, says something is missing ("I want to see my brothers more").
_WANTING = re.compile(r"\b(?:want|wanna|need|wish)\b(?:\s+\S+){0,5}\s+more\b|\bi wish\b|\bif only\b")

# Saying the opposite ("oh great, another new worker 🙄"): what looks positive is meant negatively.
_SARCASM = re.compile(
    r"🙄|👏|\boh (?:great|brilliant|aye|good|wonderful|lovely)\b|\bjust what i needed\b|\bonly took\b"
)
# A message that only acknowledges or greets says nothing good or bad ("ok thanks", "lol", "👍").
_ACKNOWLEDGEMENT = re.compile(
    r"^(?:ok(?:ay)?|k|thanks?|thank you|ta|cheers|lol|aye|nice one|no bother|hi|hiya|hello|hey|yo|👍|wrong number"
    r"(?: sorry)?|sorry)(?:[ ,.!]*(?:x+|thanks|ta|cheers|lol|👍))*[ .!]*$"
)
_LAUGHTER = re.compile(r"\b(?:lol|lmao|haha\w*|hehe\w*|x+)\b")
_ACHIEVEMENT = re.compile(r"\b(?:got|passed|quit|finished|started|made)\b[^!?]*!{2,}")

_TOKEN = re.compile(r"[a-z][a-z']*|[^\sa-z0-9.,!?;:'\"()\-]")
_QUESTION_START = re.compile(r"^(?:can|could|what|where|who|how|when|is|are|do|does|will|would|should|which|am)\b")


@dataclass(frozen=True)
class Sentiment:
    score: float
    label: str
    because: tuple[str, ...]  # the words that moved the score, for staff


def label_for(score: float) -> str:
    if score > THRESHOLD:
        return POSITIVE
    if score < -THRESHOLD:
        return NEGATIVE
    return NEUTRAL


def _lexicon_index() -> dict[str, list[tuple[list[str], float]]]:
    """Lexicon entries by their first token, longest first: a message is read left to right, once."""
    index: dict[str, list[tuple[list[str], float]]] = {}
    for key, value in LEXICON.items():
        words = _TOKEN.findall(key)
        if words:
            index.setdefault(words[0], []).append((words, value))
    for entries in index.values():
        entries.sort(key=lambda entry: -len(entry[0]))
    return index


_INDEX = _lexicon_index()


def sentiment(text: str, *, clean: str | None = None) -> Sentiment:
    """Score `text` from -1 (very negative) to 1 (very positive)."""
    clean = normalise(text) if clean is None else clean
    tokens = _TOKEN.findall(clean)
    total = 0.0
    because: list[str] = []
    pivot = _last_but(tokens)
    start = 0
    while start < len(tokens):
        entry = next(
            (
                (words, value)
                for words, value in _INDEX.get(tokens[start], ())
                if tokens[start : start + len(words)] == words
            ),
            None,
        )
        if entry is None:
            start += 1
            continue
        words, value = entry
        weight = value * _intensity(tokens, start)
        if pivot is not None:
            # "X but Y": what comes after the last "but" is what they mean ("hard but I'm learning loads").
            weight *= 1.5 if start > pivot else 0.5
        if _negated(tokens, start) and value != 0:
            weight = -weight * 0.6
        if weight:
            total += weight
            because.append(" ".join(words))
        start += len(words)
    wanting = _WANTING.search(clean)
    if wanting:
        total -= 0.5
        because.append(wanting.group(0))
    if _ACHIEVEMENT.search(clean):
        total += 0.5
        because.append("!!")
    # Laughter and kisses carry no feeling of their own ("lol" would read as very positive).
    # TextBlob's pattern sentiment, as its PatternAnalyzer gives it (called directly: the analyser builds a new
    # named tuple type on every call, which cost more than the rest of the reading).
    base, _subjectivity = pattern_english().sentiment(_LAUGHTER.sub(" ", clean))
    combined = math.tanh(total) * 0.9 + base * 0.35 if because else base
    if _ACKNOWLEDGEMENT.match(clean):
        combined = 0.0
    elif _is_question(clean):
        if clean.startswith(("why", "how come", "how long do i have")):
            combined = min(combined, 0.0) - 0.3  # "why do my brothers get more contact than me": a complaint
        elif combined > 0:
            combined *= 0.1  # a question about what is free or good asks; it is not pleased yet
        elif combined > -0.6:
            combined *= 0.3  # "how do I report a worry?" asks for help; it does not complain
        elif not because:
            combined = 0.0
    if combined > 0 and _SARCASM.search(clean):
        combined = -combined
        because.append("sarcasm")
    score = max(-1.0, min(1.0, combined))
    return Sentiment(round(score, 3), label_for(score), tuple(because))


def _last_but(tokens: list[str]) -> int | None:
    for i in range(len(tokens) - 2, 0, -1):
        if tokens[i] == "but":
            return i
    return None


def _negated(tokens: list[str], start: int) -> bool:
    window = tokens[max(0, start - 3) : start]
    return any(word in NEGATORS for word in window)


def _intensity(tokens: list[str], start: int) -> float:
    return INTENSIFIERS.get(tokens[start - 1], 1.0) if start > 0 else 1.0


def _is_question(clean: str) -> bool:
    return clean.rstrip().endswith("?") or _QUESTION_START.match(clean) is not None


def _labelled(sentiment_code: str) -> str | None:
    return {"pos": POSITIVE, "neg": NEGATIVE, "neu": NEUTRAL}.get(sentiment_code)


def decide(text: str, feeling: Sentiment, model: SentimentModel | None = None) -> Sentiment:
    """The learned model's label, the lexicon's score among its features: the lexicon's reading where they agree;
    where they do not, a weak feeling of the model's label, with the words that weighed most towards it."""
    model = model or default_sentiment_model()
    label = model.label(text, feeling.score)
    if label == feeling.label:
        return feeling
    learned = tuple(f"learned: {word}" for word in model.evidence(text, label))
    return Sentiment(_LEARNED_SCORE[label], label, feeling.because + learned)


@lru_cache(maxsize=1)
def default_model() -> NaiveBayes:
    """The earlier learned reading (`blend`), from the shipped labelled messages (mixed ones left out), the
    `themes*.jsonl` messages included."""
    rows = ((row["text"], _labelled(row["sentiment"])) for row in (*shipped_rows(), *theme_rows()))
    return NaiveBayes.train((text, label) for text, label in rows if label)


def blend(text: str, feeling: Sentiment, model: NaiveBayes | None = None) -> Sentiment:
    """The lexicon's reading where it is sure; where it is weak, the model's, with the lexicon's label as a vote."""
    if abs(feeling.score) >= LEARNED_BAND:
        return feeling
    model = model or default_model()
    votes = model.scores(text)
    votes[feeling.label] = votes.get(feeling.label, 0.0) + LEXICON_VOTE
    label = max(votes, key=lambda name: votes[name])
    if label == feeling.label:
        return feeling
    learned = tuple(f"learned: {word}" for word in model.evidence(text, label))
    return Sentiment(_LEARNED_SCORE[label], label, feeling.because + learned)

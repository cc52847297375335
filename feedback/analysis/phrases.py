"""Key phrases: the noun phrases of a message ("bus pass", "new social worker"), found with TextBlob's pattern
tagger, which works offline (no NLTK data). They show staff what a message is about at a glance and feed the list
of emerging themes."""

from __future__ import annotations

from feedback.analysis.text import pattern_english

_NOUN = {"NN", "NNS", "NNP", "NNPS"}
_MODIFIER = {"JJ", "JJR", "JJS", "VBG", "NN", "NNS"}
# Words too general to be a phrase on their own.
_DULL = frozenset(
    {"thing", "things", "stuff", "lot", "lots", "time", "times", "way", "day", "bit", "one", "ones", "something",
     "anything", "everything", "nothing", "someone", "anyone", "everyone", "people", "hi", "hello", "thanks", "lol",
     "ok", "okay", "yes", "no", "aye", "naw", "tbh", "idk", "x", "xx", "xxx"}
)  # fmt: skip


# Phrases of this service's world that the tagger splits ("pass" read as a verb): always kept whole.
COMPOUNDS = frozenset(
    {("bus", "pass"), ("youth", "club"), ("social", "worker"), ("key", "worker"), ("care", "plan"),
     ("pathway", "plan"), ("leisure", "card"), ("universal", "credit"), ("food", "bank"), ("foster", "carer"),
     ("foster", "carers"), ("children's", "hearing"), ("looked", "after"), ("mental", "health"), ("drop", "in"),
     ("young", "scot"), ("care", "leaver"), ("care", "leavers"), ("driving", "lessons")}
)  # fmt: skip


def _tagged(clean: str) -> list[tuple[str, str]]:
    tagged = pattern_english().tag(clean)
    for i in range(len(tagged) - 1):
        if (tagged[i][0], tagged[i + 1][0]) in COMPOUNDS:
            tagged[i] = (tagged[i][0], "NN")
            tagged[i + 1] = (tagged[i + 1][0], "NN")
    return tagged


def key_phrases(clean: str, limit: int = 5) -> list[str]:
    """Up to `limit` noun phrases of normalised text, longest first, each at most four words."""
    phrases: list[str] = []
    current: list[tuple[str, str]] = []

    def close() -> None:
        while current and current[-1][1] not in _NOUN:
            current.pop()
        words = [w for w, _ in current][-4:]
        if words and not (len(words) == 1 and (words[0] in _DULL or len(words[0]) < 3)):
            phrases.append(" ".join(words))
        current.clear()

    for word, pos in _tagged(clean):
        if pos in _NOUN or (pos in _MODIFIER and word.isalpha()):
            current.append((word, pos))
        else:
            close()
    close()
    unique = list(dict.fromkeys(phrases))
    return sorted(unique, key=lambda p: (-len(p.split()), unique.index(p)))[:limit]

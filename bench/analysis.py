"""Measure the text analysis on a labelled JSONL file, through `feedback analyse`, against stock TextBlob.

    python bench/analysis.py [FILE.jsonl ...] [--messages 10000]

Each FILE holds one {"text", "themes", "sentiment": pos|neg|neu|mixed, "risk"} object per line (the format of
shared/eval/themes_sample.jsonl); "themes" and "sentiment" may be left out, and a "concern" label added. For each file
it prints theme macro-F1 over the 18 themes (and per theme), safeguarding recall and false alarm rate, and sentiment
label accuracy (mixed rows left out), with stock TextBlob's sentiment accuracy beside it as a peer. For rows that
carry a "concern" label (true whenever "risk" is) it prints the two tiers: concern raised on risky messages, concern
and risk raised on messages that are neither, and risk recall. Then it times `feedback analyse` on --messages
messages (the files' texts repeated) in one process, one core, against stock TextBlob's polarity on the same
messages.

A file whose rows carry "names" is a redaction set: {"text", "names": [spans that must be removed], "keep": [words
that must stay]}. For it the bench prints the share of names the quotable copy removes and how many keep-words it
loses (relationship words and abbreviations: "gran", "sw", "tbh"), each looked for as whole words.

A benchmark, not a test: it never fails because of a figure. It exits 1 only if `feedback analyse` fails or
answers a different number of lines than it was given.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT.parent / "shared" / "eval" / "themes_sample.jsonl"
FEEDBACK = ROOT / ".venv" / "bin" / "feedback"
LABELS = {"pos": "positive", "neg": "negative", "neu": "neutral"}
THRESHOLD = 0.05


def label(score: float) -> str:
    return "positive" if score > THRESHOLD else "negative" if score < -THRESHOLD else "neutral"


def run_analyse(texts: list[str]) -> tuple[list[dict[str, Any]], float]:
    """Run `feedback analyse` on the texts; return its answers and the seconds it took (start-up included)."""
    answers, elapsed, _ = run_analyse_timed(texts)
    return answers, elapsed


def run_analyse_timed(texts: list[str]) -> tuple[list[dict[str, Any]], float, float]:
    """As `run_analyse`, and the CPU seconds the process used: on a machine busy with other work, elapsed time
    measures the other work too."""
    source = "".join(t.replace("\n", " ") + "\n" for t in texts)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FEEDBACK_", "DATABASE_", "SECRET_"))}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [str(FEEDBACK), "analyse"], input=source, capture_output=True, text=True, env=env, check=False
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        sys.exit(f"feedback analyse failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    if len(answers) != len(texts):
        sys.exit(f"feedback analyse answered {len(answers)} lines for {len(texts)}")
    return answers, elapsed, cpu


def theme_scores(rows: list[dict[str, Any]], answers: list[dict[str, Any]], slugs: list[str]) -> dict[str, float]:
    scores = {}
    for slug in slugs:
        tp = sum(1 for r, a in zip(rows, answers, strict=True) if slug in r["themes"] and slug in a["themes"])
        fp = sum(1 for r, a in zip(rows, answers, strict=True) if slug not in r["themes"] and slug in a["themes"])
        fn = sum(1 for r, a in zip(rows, answers, strict=True) if slug in r["themes"] and slug not in a["themes"])
        if tp + fp + fn == 0:
            continue  # a theme this file never mentions and the analysis never gave: no evidence either way
        scores[slug] = 2 * tp / (2 * tp + fp + fn)
    return scores


def evaluate(path: Path) -> None:
    from textblob.en.sentiments import PatternAnalyzer

    from feedback.analysis.themes import CUES

    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    answers, _ = run_analyse([r["text"] for r in rows])
    if rows and all("names" in r for r in rows):
        redaction(path, rows, answers)
        return
    slugs = list(CUES)
    themed = [(r, a) for r, a in zip(rows, answers, strict=True) if "themes" in r]
    per_theme = theme_scores([r for r, _ in themed], [a for _, a in themed], slugs)
    macro = sum(per_theme.values()) / len(per_theme) if per_theme else 0.0
    risky = [a["risk"] for r, a in zip(rows, answers, strict=True) if r["risk"]]
    safe = [a["risk"] for r, a in zip(rows, answers, strict=True) if not r["risk"]]
    scored = [(r, a) for r, a in zip(rows, answers, strict=True) if r.get("sentiment") in LABELS]
    right = sum(1 for r, a in scored if a["label"] == LABELS[r["sentiment"]])
    stock = PatternAnalyzer()
    stock_right = sum(1 for r, _ in scored if label(stock.analyze(r["text"]).polarity) == LABELS[r["sentiment"]])

    print(f"\n{path} ({len(rows)} messages)")
    if themed:
        print(f"  theme macro-F1           {macro:.3f}   over {len(per_theme)} themes (aim 0.90)")
    if risky:
        print(f"  safeguarding recall      {sum(risky) / len(risky):.3f}   {sum(risky)}/{len(risky)} (aim 1.00)")
    if safe:
        print(f"  false alarms             {sum(safe) / len(safe):.3f}   {sum(safe)}/{len(safe)} (aim 0.03 or less)")
    if scored:
        print(
            f"  sentiment label right    {right / len(scored):.3f}   {right}/{len(scored)} (aim 0.90); "
            f"stock TextBlob {stock_right / len(scored):.3f}"
        )
    if themed:
        weakest = sorted(per_theme.items(), key=lambda item: item[1])[:5]
        print("  weakest themes           " + ", ".join(f"{slug} {score:.2f}" for slug, score in weakest))
    tiers(rows, answers)


def redaction(path: Path, rows: list[dict[str, Any]], answers: list[dict[str, Any]]) -> None:
    """Names removed from the quotable copy, and words that should have stayed but were lost."""
    names = [(name, a["redacted"]) for r, a in zip(rows, answers, strict=True) for name in r["names"]]
    removed = sum(1 for name, redacted in names if not still_there(name, redacted))
    keep = [(word, a["redacted"]) for r, a in zip(rows, answers, strict=True) for word in r.get("keep", [])]
    lost = sum(1 for word, redacted in keep if not still_there(word, redacted))
    print(f"\n{path} ({len(rows)} messages, redaction)")
    share = removed / len(names) if names else 1.0
    print(f"  names removed            {share:.3f}   {removed}/{len(names)} (aim 0.98)")
    print(f"  keep-words lost          {lost}   of {len(keep)} (aim 0)")


def still_there(words: str, text: str) -> bool:
    """The words stand in the text as words: a kept "n" or "da" is not found inside "and" or "today", a removed
    "Jo" not inside "Joanne"."""
    return re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text) is not None


def tiers(rows: list[dict[str, Any]], answers: list[dict[str, Any]]) -> None:
    """The two tiers, on the rows labelled for concern: every risky message at least a concern, few alarms on
    messages that are neither."""
    labelled = [(r, a) for r, a in zip(rows, answers, strict=True) if "concern" in r]
    if not labelled:
        return
    risky = [a for r, a in labelled if r["risk"]]
    neither = [a for r, a in labelled if not r["risk"] and not r["concern"]]
    only = [a for r, a in labelled if r["concern"] and not r["risk"]]

    def rate(found: list[dict[str, Any]], key: str) -> str:
        hits = sum(1 for a in found if a.get(key))
        return f"{hits / len(found):.3f}   {hits}/{len(found)}" if found else "n/a"

    print(f"  two tiers, on {len(labelled)} rows labelled for concern:")
    print(f"    concern recall, risky    {rate(risky, 'concern')} (aim 1.00)")
    print(f"    concern on neither       {rate(neither, 'concern')} (aim 0.10 or less)")
    print(f"    risk on neither          {rate(neither, 'risk')} (aim 0.03 or less)")
    print(f"    risk recall              {rate(risky, 'risk')} (aim 0.90)")
    if only:
        print(f"    concern recall, concern  {rate(only, 'concern')} (messages of concern only)")


def throughput(paths: list[Path], count: int) -> None:
    from textblob.en.sentiments import PatternAnalyzer

    texts: list[str] = []
    for path in paths:
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = texts or ["hiya"]
    messages = [f"{texts[i % len(texts)]} {'x' * (i % 3)}".strip() for i in range(count)]
    _, empty, empty_cpu = run_analyse_timed([])
    _, elapsed, cpu = run_analyse_timed(messages)
    analyse_rate = count / max(elapsed - empty, 1e-9)
    whole_rate = count / max(elapsed, 1e-9)
    stock = PatternAnalyzer()
    started = time.perf_counter()
    for message in messages:
        stock.analyze(message)
    stock_seconds = time.perf_counter() - started
    stock_rate = count / stock_seconds
    print(f"\nthroughput on {count:,} messages, one process (start-up of {empty:.2f} s taken off):")
    print(f"  feedback analyse         {analyse_rate:,.0f} messages/s (aim 500)")
    print(f"  with start-up            {whole_rate:,.0f} messages/s, {elapsed:.2f} s in all (aim 1,000 messages/s)")
    print(f"  in CPU time              {count / max(cpu, 1e-9):,.0f} messages/s with start-up ({cpu:.2f} s, of which")
    print(f"                           start-up {empty_cpu:.2f} s); {count / max(cpu - empty_cpu, 1e-9):,.0f} without")
    print(f"  stock TextBlob polarity  {stock_rate:,.0f} messages/s (peer: sentiment alone)")
    print(f"  ratio                    {analyse_rate / stock_rate:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", type=Path, default=[DEFAULT_FILE])
    parser.add_argument("--messages", type=int, default=10_000, help="messages for the throughput run")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    for path in args.files:
        evaluate(path)
    throughput(args.files, args.messages)


if __name__ == "__main__":
    main()

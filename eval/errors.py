"""An error report people can read: python -m eval errors --file X [--model DIR] [--out FILE.md].

Groups a set's errors by gold -> predicted pair and by slice (sentence length, quote present,
attribution verb, several acts in one sentence), with counts, error rates and examples, as
Markdown. The slices are computed from the text alone by the rules below, so the same sentence
always falls in the same slice; they are coarse on purpose: they say where to look.

Examples are printed from the file being scored. Printing them is fine for our own sets; for
an external set the report is for reading on your machine (runs/ is not committed).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

from data import CorpusError, gold_labels, load_corpus, read_labelled_file
from eval.keywords import CUES

_QUOTES = re.compile(r"[\"“”«»]")
ATTRIBUTION_VERBS = (
    "accused", "alleged", "blamed", "condemned", "charged", "denied", "rejected", "dismissed", "warned",
    "threatened", "vowed", "urged", "called", "appealed", "told", "said", "says", "according to", "added",
)
"""Checked in this order; the first one in the sentence names its slice ("none" if no verb)."""
_VERB_PATTERNS = {verb: re.compile(rf"\b{re.escape(verb)}\b", re.IGNORECASE) for verb in ATTRIBUTION_VERBS}
_CUES = {label: re.compile(pattern, re.IGNORECASE) for label, pattern in CUES.items()}


def length_slice(text: str) -> str:
    words = len(text.split())
    return "short (<15 words)" if words < 15 else "medium (15-29 words)" if words < 30 else "long (30+ words)"


def quote_slice(text: str) -> str:
    return "quote" if _QUOTES.search(text) else "no quote"


def verb_slice(text: str) -> str:
    for verb, pattern in _VERB_PATTERNS.items():
        if pattern.search(text):
            return verb
    return "none"


def acts_slice(text: str) -> str:
    """How many act families' cue words (eval/keywords.py) the sentence holds: 0, 1, or 2+."""
    found = sum(1 for pattern in _CUES.values() if pattern.search(text))
    return "cues of 2+ acts" if found >= 2 else "cues of 1 act" if found == 1 else "no act cue"


SLICES = {"length": length_slice, "quote": quote_slice, "attribution verb": verb_slice, "acts": acts_slice}


def error_report(texts: list[str], gold: list[str], predicted: list[str], title: str, examples: int = 3) -> str:
    """The Markdown report: errors by gold -> predicted pair, then per slice."""
    if not (len(texts) == len(gold) == len(predicted)):
        raise ValueError("texts, gold and predicted must have the same length")
    wrong = [i for i, (g, p) in enumerate(zip(gold, predicted)) if g != p]
    out = [f"# Errors: {title}", "",
           f"{len(wrong)} errors in {len(texts)} sentences ({len(wrong) / max(len(texts), 1):.1%}).", "",
           "## By gold -> predicted", "", "| gold | predicted | count | examples |", "|---|---|---|---|"]
    pairs = defaultdict(list)
    for i in wrong:
        pairs[(gold[i], predicted[i])].append(i)
    for (g, p), items in sorted(pairs.items(), key=lambda kv: -len(kv[1])):
        shown = " <br> ".join(_cell(texts[i]) for i in items[:examples])
        out.append(f"| {g} | {p} | {len(items)} | {shown} |")
    for name, rule in SLICES.items():
        out += ["", f"## By {name}", "", "| slice | sentences | errors | error rate | most common error | example |",
                "|---|---|---|---|---|---|"]
        members = defaultdict(list)
        for i, text in enumerate(texts):
            members[rule(text)].append(i)
        for value, items in sorted(members.items(), key=lambda kv: -len(kv[1])):
            errors = [i for i in items if gold[i] != predicted[i]]
            common = Counter((gold[i], predicted[i]) for i in errors).most_common(1)
            top = f"{common[0][0][0]} -> {common[0][0][1]} ({common[0][1]})" if common else ""
            example = _cell(texts[errors[0]]) if errors else ""
            out.append(f"| {value} | {len(items)} | {len(errors)} | {len(errors) / len(items):.1%} | {top} | {example} |")
    return "\n".join(out) + "\n"


def _cell(text: str, limit: int = 160) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval errors", description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--file", type=Path, help="an annotated file (JSONL, TSV/CSV, or stand-off JSONL)")
    source.add_argument("--split", choices=("train", "dev", "test"), default="test", help="a corpus split (default: test)")
    parser.add_argument("--model", type=Path, default=None, help="checkpoint directory (default: the shipped model)")
    parser.add_argument("--out", type=Path, default=None, help="write the Markdown here (default: print it)")
    parser.add_argument("--examples", type=int, default=3, help="examples per row (default 3)")
    args = parser.parse_args(argv)
    from model import CheckpointError, load_classifier

    try:
        if args.file:
            texts, gold = read_labelled_file(args.file)
            title = f"{args.file.name} ({len(texts)} sentences)"
        else:
            split = load_corpus()[args.split]
            texts, gold = split["text"], gold_labels(split)
            title = f"corpus {args.split} split ({len(texts)} sentences)"
        predicted = load_classifier(args.model).predict(texts)
    except (CorpusError, CheckpointError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    report = error_report(texts, gold, predicted, title, args.examples)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(report, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())

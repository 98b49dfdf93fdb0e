"""Inter-annotator agreement: draw a blind sample, then compute Cohen's kappa against the corpus.

    python -m eval agreement sample     # writes data/agreement/sentences.jsonl (ids and texts, no labels)
    python -m eval agreement            # kappa overall and per label, and the disagreements

The second annotator labels data/agreement/sentences.jsonl into data/agreement/second.jsonl
({"id", "label"} per line) seeing only data/GUIDELINES.md and those sentences. Every
disagreement is adjudicated in data/agreement/adjudication.jsonl ({"id", "label", "reason"}).
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

from sklearn.metrics import cohen_kappa_score, confusion_matrix

from data import LABELS, read_annotations
from data.corpus import PACKAGE_DIR
from data.files import FormatError, read_jsonl

AGREEMENT_DIR = PACKAGE_DIR / "agreement"
SHARES = {"allegation": 0.15, "denial": 0.15, "threat": 0.15, "mediation_call": 0.15, "factual_report": 0.40}
"""The sample's mix: acts over-drawn so that each label's kappa rests on enough sentences."""


def draw_sample(
    n: int = 520, seed: int = 13, per_document: int = 3, directory: Path | None = None, only: tuple[str, ...] = ()
) -> tuple[list[dict], list[dict]]:
    """Sentences drawn across labels (SHARES) and documents (at most `per_document` each),
    from the documents whose ids start with one of `only` (all documents when empty).

    Returns the blind sample (ids and texts) and the first annotation's labels for it.
    """
    rng = random.Random(seed)
    rows = [r for r in (read_annotations(directory) if directory else read_annotations())
            if r.label is not None and (not only or r.doc_id.startswith(tuple(only)))]
    rng.shuffle(rows)
    taken, per_doc = [], Counter()
    for label, share in SHARES.items():
        quota = round(n * share)
        for row in (r for r in rows if r.label == label):
            if quota == 0:
                break
            if per_doc[row.doc_id] < per_document:
                taken.append(row)
                per_doc[row.doc_id] += 1
                quota -= 1
    rng.shuffle(taken)
    blind = [{"id": f"{r.doc_id}:{r.index}", "text": r.text} for r in taken]
    return blind, [{**b, "label": r.label} for b, r in zip(blind, taken)]


def read_labels(path: Path) -> dict[str, str]:
    labels = {}
    for line_no, record in read_jsonl(path):
        if "id" not in record or record.get("label") not in LABELS:
            raise FormatError(f"{path}:{line_no}: expected an \"id\" and a label from {list(LABELS)}, "
                              f"found label {record.get('label')!r}")
        labels[record["id"]] = record["label"]
    return labels


def agreement(first: dict[str, str], second: dict[str, str]) -> dict:
    """Cohen's kappa overall and per label (one label against the rest), and raw agreement."""
    ids = sorted(first)
    missing = [i for i in ids if i not in second]
    if missing:
        raise ValueError(f"the second annotation lacks {len(missing)} sampled ids, e.g. {missing[:3]}")
    a, b = [first[i] for i in ids], [second[i] for i in ids]
    per_label = {
        label: round(float(cohen_kappa_score([x == label for x in a], [y == label for y in b])), 3) for label in LABELS
    }
    return {
        "sentences": len(ids),
        "observed_agreement": round(sum(x == y for x, y in zip(a, b)) / len(ids), 3),
        "kappa": round(float(cohen_kappa_score(a, b, labels=list(LABELS))), 3),
        "kappa_per_label": per_label,
        "first_label_counts": dict(Counter(a)),
        "confusion_first_rows_second_columns": confusion_matrix(a, b, labels=list(LABELS)).tolist(),
        "disagreements": [{"id": i, "first": x, "second": y} for i, x, y in zip(ids, a, b) if x != y],
    }


def adjudication_status(first_path: Path, adjudication_path: Path) -> dict:
    """Which adjudicated labels the corpus carries now, matched by sentence text."""
    texts = {r["id"]: r["text"] for r in _records(first_path)}
    corpus = {" ".join(r.text.split()): r.label for r in read_annotations() if r.label is not None}
    status = {"in_corpus": 0, "differs": [], "gone": []}
    for record in _records(adjudication_path):
        label = corpus.get(" ".join(texts[record["id"]].split()))
        if label is None:
            status["gone"].append(record["id"])
        elif label == record["label"]:
            status["in_corpus"] += 1
        else:
            status["differs"].append(record["id"])
    return status


def _records(path: Path) -> list[dict]:
    return [record for _, record in read_jsonl(path)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval agreement", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", nargs="?", choices=("sample", "score"), default="score")
    parser.add_argument("--dir", type=Path, default=AGREEMENT_DIR,
                        help="default: data/agreement (round1/ holds the first round); data/realdev: the real-text dev set")
    parser.add_argument("--n", type=int, default=520)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--per-document", type=int, default=3, help="at most this many sentences per document")
    parser.add_argument("--only", nargs="*", default=[], help="sample only documents whose ids start with these prefixes")
    args = parser.parse_args(argv)
    if args.action == "sample":
        args.dir.mkdir(parents=True, exist_ok=True)
        blind, first = draw_sample(args.n, args.seed, args.per_document, only=tuple(args.only))
        for name, rows in (("sentences.jsonl", blind), ("first.jsonl", first)):
            (args.dir / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        print(f"wrote {len(blind)} sentences to {args.dir / 'sentences.jsonl'} and their labels to first.jsonl")
        return 0
    # Kappa compares the two annotations as they were made: first.jsonl is frozen at sampling,
    # while the corpus now carries the adjudicated labels.
    result = agreement(read_labels(args.dir / "first.jsonl"), read_labels(args.dir / "second.jsonl"))
    (args.dir / "agreement.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"{result['sentences']} sentences, observed agreement {result['observed_agreement']:.3f}")
    print(f"Cohen's kappa overall: {result['kappa']:.3f}")
    for label, kappa in result["kappa_per_label"].items():
        print(f"  {label:<16} {kappa:.3f}")
    by_pair = Counter((d["first"], d["second"]) for d in result["disagreements"])
    print(f"{len(result['disagreements'])} disagreements (first -> second):")
    for (x, y), count in by_pair.most_common():
        print(f"  {count:>3}  {x} -> {y}")
    adjudication_path = args.dir / "adjudication.jsonl"
    adjudicated = read_labels(adjudication_path) if adjudication_path.exists() else {}
    open_cases = [d["id"] for d in result["disagreements"] if d["id"] not in adjudicated]
    # The corpus check matches by text; stand-off sets (data/realdev) carry none and are not in the corpus.
    has_text = all("text" in r for r in _records(args.dir / "first.jsonl"))
    status = adjudication_status(args.dir / "first.jsonl", adjudication_path) if adjudicated and has_text else None
    print(f"adjudicated: {len(adjudicated)}, open: {len(open_cases)}")
    if status:
        print(f"adjudicated labels the corpus carries: {status['in_corpus']}; differing: {status['differs']}; "
              f"sentences since rewritten: {status['gone']}")
    return 1 if open_cases or (status and status["differs"]) else 0

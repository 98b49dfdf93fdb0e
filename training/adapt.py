"""Adapting a trained checkpoint to a user's own annotations (`python -m training --init-from DIR
--data FOLDER`): which of the user's sentences train and which are held out, and the before/after
report that the run writes beside its checkpoint (adaptation.md, and "adaptation" in training.json).

The report scores the checkpoint the run started from ("before") and the one it wrote ("after")
on the user's held-out sentences, on the corpus test split (what the model must not forget) and on
the real-reporting sets that are on this machine.
"""

from __future__ import annotations

import logging
from pathlib import Path

from data import LABELS
from data.corpus import document_position, load_rows
from model.scoring import score_ids

log = logging.getLogger(__name__)
REPORT_FILE = "adaptation.md"
MIN_DOCUMENTS = 5
"""Below this many documents the held-out share is drawn by sentence, not by document."""


def user_sets(directory: str | Path, heldout: float, seed: int) -> dict:
    """The user's labelled sentences split into "adapt" (trained on) and "heldout" (scored only).

    Whole documents are held out (the `heldout` share of them, at least one, chosen by a hash of
    seed and document id) when the folder has at least MIN_DOCUMENTS documents; otherwise single
    sentences are (a seeded shuffle). heldout=0 trains on everything and reports no held-out score.
    """
    rows = load_rows(directory)
    documents = sorted(set(rows["doc_id"]), key=lambda doc: document_position(doc, seed))
    if heldout == 0:
        return {"adapt": rows, "heldout": rows.select([]), "by": "none", "path": str(directory)}
    if len(documents) >= MIN_DOCUMENTS:
        held = set(documents[: max(1, round(heldout * len(documents)))])
        keep = [i for i, doc in enumerate(rows["doc_id"]) if doc not in held]
        out = [i for i, doc in enumerate(rows["doc_id"]) if doc in held]
        by = f"documents ({len(held)} of {len(documents)})"
    else:
        order = rows.shuffle(seed=seed)
        cut = max(1, round(heldout * len(order)))
        return {"adapt": order.select(range(cut, len(order))), "heldout": order.select(range(cut)),
                "by": f"sentences ({cut} of {len(order)}; fewer than {MIN_DOCUMENTS} documents)",
                "path": str(directory)}
    return {"adapt": rows.select(keep), "heldout": rows.select(out), "by": by, "path": str(directory)}


def before_after(before: str, after: str, user: dict, corpus_test) -> dict:
    """Score `before` and `after` on the user's held-out rows, the corpus test split and the real
    sets; write adaptation.md into `after` and return the figures."""
    from data.realdev import read_real_sets
    from model import Classifier

    sets = {}
    if len(user["heldout"]):
        sets["your held-out sentences"] = (user["heldout"]["text"], [LABELS[i] for i in user["heldout"]["label"]])
    sets["corpus test split"] = (corpus_test["text"], [LABELS[i] for i in corpus_test["label"]])
    real, skipped = read_real_sets()
    sets.update({name: (texts, gold) for name, (texts, gold, _) in real.items()})
    rows = compare(Classifier.from_pretrained(before), Classifier.from_pretrained(after), sets)
    report = {"before": str(before), "after": str(after), "your data": user["path"],
              "adapted on": len(user["adapt"]), "held out by": user["by"], "sets": rows, "skipped": skipped}
    Path(after, REPORT_FILE).write_text(to_markdown(report), encoding="utf-8")
    log.info("before/after report: %s", Path(after, REPORT_FILE))
    return report


def compare(before, after, sets: dict[str, tuple[list[str], list[str]]]) -> dict:
    """Macro-F1 and accuracy of two classifiers on each named set of (texts, gold label names)."""
    rows = {}
    for name, (texts, gold) in sets.items():
        gold_ids = [LABELS.index(g) for g in gold]
        rows[name] = {"sentences": len(texts)}
        for when, classifier in (("before", before), ("after", after)):
            predicted = [LABELS.index(p) for p in classifier.predict(list(texts))]
            result = score_ids(gold_ids, predicted)
            rows[name][when] = {"macro_f1": round(result["macro_f1"], 4), "accuracy": round(result["accuracy"], 4)}
    return rows


def to_markdown(report: dict) -> str:
    """The before/after table.

    Example:
        >>> print(to_markdown({"before": "a", "after": "b", "your data": "d", "adapted on": 2, "held out by": "none",
        ...     "sets": {"s": {"sentences": 3, "before": {"macro_f1": 0.5, "accuracy": 0.6},
        ...                    "after": {"macro_f1": 0.7, "accuracy": 0.8}}}, "skipped": {}}).splitlines()[-1])
        | s | 3 | 0.500 | 0.700 | +0.200 | 0.600 | 0.800 |
    """
    lines = [f"# Adaptation: {report['before']} -> {report['after']}", "",
             f"Trained on {report['adapted on']} sentences of {report['your data']} (held out by "
             f"{report['held out by']}), plus the replayed corpus sentences.", "",
             "| set | sentences | macro-F1 before | macro-F1 after | change | accuracy before | accuracy after |",
             "|---|---|---|---|---|---|---|"]
    for name, row in report["sets"].items():
        b, a = row["before"], row["after"]
        lines.append(f"| {name} | {row['sentences']} | {b['macro_f1']:.3f} | {a['macro_f1']:.3f} | "
                     f"{a['macro_f1'] - b['macro_f1']:+.3f} | {b['accuracy']:.3f} | {a['accuracy']:.3f} |")
    skipped = report.get("skipped", {})
    if skipped:
        lines += [""] + [f"- not scored, {name}: {why}" for name, why in skipped.items()]
    return "\n".join(lines) + "\n"

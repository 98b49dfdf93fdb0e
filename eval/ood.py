"""Does the out-of-domain flag fire on the real copy the model gets wrong? python -m eval ood [--model DIR].

For the corpus test split and the real sets (voa_dev, voa_public; skipped where ../shared is
absent): AUROC of the out-of-domain distance (model/ood.py) as a detector of the model's errors,
and the share of wrong and right sentences that carry the "out_of_domain" warning. An AUROC of
0.5 is a flag that knows nothing about the errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from data import gold_labels, label2id, load_corpus
from data.realdev import read_real_sets


def flag_quality(classifier, texts: list[str], gold: list[str]) -> dict:
    """AUROC of the distance for errors, and the flagged share of wrong and right sentences."""
    import torch
    from sklearn.metrics import roc_auc_score

    logits, _, distances = classifier.analyse(texts)
    predicted = (logits + torch.tensor(classifier.bias)).argmax(-1).tolist()
    wrong = [p != label2id[g] for p, g in zip(predicted, gold)]
    flagged = (distances > classifier.ood["threshold"]).tolist()
    share = lambda pick: round(sum(f for f, w in zip(flagged, wrong) if w == pick) / max(sum(w == pick for w in wrong), 1), 4)  # noqa: E731
    auroc = roc_auc_score(wrong, distances.tolist()) if 0 < sum(wrong) < len(wrong) else None
    return {"sentences": len(texts), "errors": sum(wrong), "auroc": round(float(auroc), 4) if auroc is not None else None,
            "flagged_when_wrong": share(True), "flagged_when_right": share(False), "flagged": round(sum(flagged) / len(texts), 4)}


def measure(model_dir=None) -> dict:
    from model import load_classifier

    classifier = load_classifier(model_dir)
    if classifier.ood is None:
        raise ValueError(f"the checkpoint {model_dir or 'shipped'} has no out-of-domain statistics: "
                         "add them with `python -m training.ood DIR`")
    test = load_corpus()["test"]
    sets = {"corpus test split": (list(test["text"]), gold_labels(test))}
    sets.update({name: (texts, gold) for name, (texts, gold, _) in read_real_sets()[0].items()})
    return {name: flag_quality(classifier, list(texts), list(gold)) for name, (texts, gold) in sets.items()}


def to_markdown(result: dict) -> str:
    lines = ["| set | sentences | errors | AUROC (errors) | flagged when wrong | flagged when right | flagged |",
             "|---|---|---|---|---|---|---|"]
    for name, r in result.items():
        auroc = f"{r['auroc']:.3f}" if r["auroc"] is not None else "n/a"
        lines.append(f"| {name} | {r['sentences']} | {r['errors']} | {auroc} | {r['flagged_when_wrong']:.1%} | "
                     f"{r['flagged_when_right']:.1%} | {r['flagged']:.1%} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval ood", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="checkpoint directory (default: the shipped model)")
    parser.add_argument("--out", type=Path, default=Path("runs/ood"))
    args = parser.parse_args(argv)
    try:
        result = measure(args.model)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ood.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(to_markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Calibration report: python -m eval calibration [--model DIR] [--split test] [--out DIR].

Expected calibration error and a reliability diagram (PNG) before calibration (temperature 1)
and after (the temperature fitted on dev and saved with the checkpoint), on a corpus split.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from data import SPLIT_SEED, load_corpus
from model import load_classifier
from model.calibration import expected_calibration_error, reliability_bins


def calibration_report(model_dir=None, split: str = "test", seed: int = SPLIT_SEED) -> dict:
    classifier = load_classifier(model_dir)
    data = load_corpus(seed=seed)[split]
    logits = classifier.logits(data["text"])
    labels = data["label"]
    biased = logits + torch.tensor(classifier.bias)
    before, after = torch.softmax(biased, -1), torch.softmax(biased / classifier.temperature, -1)
    return {
        "split": split, "sentences": len(labels), "temperature": classifier.temperature,
        "ece_before": expected_calibration_error(before, labels), "ece_after": expected_calibration_error(after, labels),
        "bins_before": reliability_bins(before, labels), "bins_after": reliability_bins(after, labels),
    }


def plot_reliability(result: dict, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect calibration")
    for key, name in (("before", "before (T = 1)"), ("after", f"after (T = {result['temperature']:.2f})")):
        bins = result[f"bins_{key}"]
        ax.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], marker="o",
                label=f"{name}: ECE {result[f'ece_{key}']:.3f}")
    ax.set_xlabel("confidence (top probability)")
    ax.set_ylabel("accuracy")
    ax.set_title(f"Reliability on the {result['split']} split ({result['sentences']} sentences)")
    ax.legend(loc="upper left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval calibration", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=None, help="checkpoint directory (default: the shipped model)")
    parser.add_argument("--split", choices=("dev", "test"), default="test")
    parser.add_argument("--out", type=Path, default=Path("runs/calibration"))
    args = parser.parse_args(argv)
    result = calibration_report(args.model, args.split)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "calibration.json").write_text(json.dumps(result, indent=2) + "\n")
    png = plot_reliability(result, args.out / "reliability.png")
    print(f"{args.split}: ECE {result['ece_before']:.4f} before, {result['ece_after']:.4f} after "
          f"(temperature {result['temperature']:.3f}); wrote {png}")
    return 0

"""Fit a checkpoint's out-of-domain statistics (model/ood.py): python -m training.ood DIR.

Reads the checkpoint, embeds the corpus's train split (class means and shared covariance) and
dev split (the threshold: its 99th percentile), and writes ood.safetensors beside the weights.
`python -m training` does this after every run (--ood false skips it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from data import SPLIT_SEED, load_corpus
from data.corpus import ANNOTATIONS_DIR
from model import CheckpointError, Classifier
from model.checkpoint import write_ood
from model.ood import fit


def attach(model_dir: str | Path, corpus_dir: str | Path = ANNOTATIONS_DIR, split_seed: int = SPLIT_SEED) -> dict:
    """Fit and write the statistics; returns what was fitted on and the threshold."""
    classifier = Classifier.from_pretrained(model_dir, device="cpu")
    corpus = load_corpus(corpus_dir, seed=split_seed)
    train, dev = corpus["train"], corpus["dev"]
    stats = fit(classifier.pooled(list(train["text"])), list(train["label"]), classifier.pooled(list(dev["text"])))
    write_ood(model_dir, stats)
    return {"train_sentences": len(train), "dev_sentences": len(dev), "threshold": round(float(stats["threshold"]), 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.ood", description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path, help="a checkpoint directory (ood.safetensors is written into it)")
    parser.add_argument("--corpus-dir", type=Path, default=ANNOTATIONS_DIR)
    args = parser.parse_args(argv)
    try:
        result = attach(args.model, args.corpus_dir)
    except (CheckpointError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"out-of-domain threshold {result['threshold']} (99th percentile of {result['dev_sentences']} dev sentences); "
          f"wrote {args.model / 'ood.safetensors'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

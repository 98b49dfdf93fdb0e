"""Label a document, or export a checkpoint for transformers.pipeline.

    python -m model FILE [--model DIR] [--min-confidence P]   # each sentence with its label
    python -m model export OUT_DIR [--model DIR]              # a plain HF checkpoint (adapter merged)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.api import classify_document, load_classifier
from model.classifier import CheckpointError


def export(out: Path, model_dir: Path | None) -> Path:
    """Write a full HF checkpoint that `transformers.pipeline("text-classification", out)` loads.

    The decision bias and temperature are folded into the classification head
    (softmax((W h + b + bias) / T) = softmax((W / T) h + (b + bias) / T)), so the pipeline's
    scores equal classify()'s.
    """
    import copy

    import torch

    classifier = load_classifier(model_dir).merged()
    model = copy.deepcopy(classifier.model)
    head = model.classifier
    with torch.no_grad():
        head.bias.add_(torch.tensor(classifier.bias, dtype=head.bias.dtype))
        head.weight.div_(classifier.temperature)
        head.bias.div_(classifier.temperature)
    model.save_pretrained(out, safe_serialization=True)
    classifier.tokenizer.save_pretrained(out)
    return out


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m model", description=__doc__.split("\n\n")[0])
    if argv[:1] == ["export"]:
        parser.add_argument("command")
        parser.add_argument("out", type=Path, help="directory to write")
    else:
        parser.add_argument("file", type=Path, help="a plain-text document")
        parser.add_argument("--min-confidence", type=float, default=None, help="abstain below this probability")
    parser.add_argument("--model", type=Path, default=None, help="checkpoint directory (default: the shipped model)")
    args = parser.parse_args(argv)
    try:
        if argv[:1] == ["export"]:
            print(f"wrote {export(args.out, args.model)}")
            return 0
        text = args.file.read_text(encoding="utf-8")
        results = classify_document(text, model=load_classifier(args.model), min_confidence=args.min_confidence)
    except (OSError, ValueError, CheckpointError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for r in results:
        tag = f"[skipped: {r.skipped}]" if r.skipped else f"{r.label:<15} {r.score:.2f}"
        print(f"{tag:<20} {r.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

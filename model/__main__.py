"""Label a document sentence by sentence: python -m model FILE [--model DIR]."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from model.api import classify_document, load_classifier
from model.classifier import CheckpointError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m model", description=__doc__)
    parser.add_argument("file", type=Path, help="a plain-text document")
    parser.add_argument("--model", type=Path, default=None, help="checkpoint directory (default: runs/model)")
    parser.add_argument("--min-confidence", type=float, default=None, help="abstain below this probability")
    args = parser.parse_args(argv)
    try:
        text = args.file.read_text(encoding="utf-8")
        classifier = load_classifier(args.model)
        results = classify_document(text, model=classifier, min_confidence=args.min_confidence)
    except (OSError, ValueError, CheckpointError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    for r in results:
        tag = f"[skipped: {r.skipped}]" if r.skipped else f"{r.label:<15} {r.score:.2f}"
        print(f"{tag:<20} {r.text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

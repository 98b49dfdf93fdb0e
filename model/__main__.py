"""Label a document, stream a file of sentences, or export a checkpoint for transformers.pipeline.

    python -m model FILE [--model DIR] [--min-confidence P]   # each sentence with its label
    python -m model classify-file IN [OUT] [--precision bf16] # JSONL or one sentence per line -> JSONL
    python -m model export OUT_DIR [--model DIR]              # a plain HF checkpoint (adapter merged)
    python -m model report FILE [FILE ...] -o report.html     # a self-contained HTML report
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from model import checkpoint
from model.api import classify_document, load_classifier
from model.stream import classify_file
from model.checkpoint import CheckpointError


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m model", description=__doc__.split("\n\n")[0])
    if argv[:1] == ["export"]:
        parser.add_argument("command")
        parser.add_argument("out", type=Path, help="directory to write")
    elif argv[:1] == ["report"]:
        parser.add_argument("command")
        parser.add_argument("files", type=Path, nargs="+", help="plain-text documents")
        parser.add_argument("-o", "--out", type=Path, default=Path("report.html"), help="the HTML file to write")
    elif argv[:1] == ["classify-file"]:
        parser.add_argument("command")
        parser.add_argument("source", type=Path, help="JSONL with a text field, or plain text, one sentence per line")
        parser.add_argument("destination", nargs="?", default="-", help="JSONL to write (default: stdout)")
        parser.add_argument("--precision", choices=("fp32", "bf16"), default=None, help="bf16: ~3x faster on CPUs with it")
        parser.add_argument("--batch-size", type=int, default=64, help="sentences per forward pass (at most)")
        parser.add_argument("--min-confidence", type=float, default=None, help="abstain below this probability")
        parser.add_argument("--scores", action="store_true", help="add the full distribution to each line")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    else:
        parser.add_argument("file", type=Path, help="a plain-text document")
        parser.add_argument("--min-confidence", type=float, default=None, help="abstain below this probability")
    parser.add_argument("--model", type=Path, default=None, help="checkpoint directory (default: the shipped model)")
    args = parser.parse_args(argv)
    try:
        if argv[:1] == ["export"]:
            classifier = load_classifier(args.model)
            checkpoint.export(classifier.transformers_model(), classifier.tokenizer, classifier.calibration, args.out)
            print(f"wrote {args.out}")
            return 0
        if argv[:1] == ["report"]:
            from model.report import write_report

            print(f"wrote {write_report(args.files, args.out, args.model)}")
            return 0
        if argv[:1] == ["classify-file"]:
            count = classify_file(
                args.source, args.destination, model=args.model, precision=args.precision,
                batch_size=args.batch_size, min_confidence=args.min_confidence, scores=args.scores,
                progress=not args.no_progress,
            )
            if args.destination != "-":
                print(f"labelled {count:,} sentences into {args.destination}", file=sys.stderr)
            return 0
        text = args.file.read_text(encoding="utf-8")
        results = classify_document(text, model=load_classifier(args.model), min_confidence=args.min_confidence)
        for r in results:
            tag = f"[skipped: {r.skipped}]" if r.skipped else f"{r.label:<15} {r.score:.2f}"
            note = f"  [{', '.join(r.warnings)}]" if r.warnings else ""
            who = f"  <{r.speaker_actor or '?'} -> {r.target_actor or '-'}>" if r.speaker_actor or r.target_actor else ""
            print(f"{tag:<20} {r.text}{who}{note}")
        return 0
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (OSError, ValueError, CheckpointError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing was written over an existing output", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

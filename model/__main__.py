"""Label a document, stream a file of sentences, or export a checkpoint for transformers.pipeline.

    python -m model FILE [--model DIR] [--min-confidence P]   # each sentence with its label
    python -m model classify-file IN [OUT] [--precision bf16] # JSONL or one sentence per line -> JSONL
    python -m model export OUT_DIR [--model DIR]              # a plain HF checkpoint (adapter merged)
    python -m model export --format onnx OUT_DIR              # ONNX (fp32 and int8) for engine="onnx"
    python -m model report FILE [FILE ...] -o report.html     # a self-contained HTML report
    python -m model serve [--port 8000] [--engine onnx]       # the HTTP service (model/serve.py)
    python -m model classify-archive IN OUT [--workers N]     # classify-file on a Dask pool or cluster (model/scale.py)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from model.api import classify_document, load_classifier
from model.stream import classify_file
from model.errors import CheckpointError


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m model", description=__doc__.split("\n\n")[0])
    if argv[:1] == ["export"]:
        parser.add_argument("command")
        parser.add_argument("out", type=Path, help="directory to write")
        parser.add_argument("--format", choices=("hf", "onnx"), default="hf",
                            help="hf: a transformers checkpoint (pipeline); onnx: model.onnx and model-int8.onnx")
        parser.add_argument("--no-int8", action="store_true", help="with --format onnx: skip the int8 graph")
    elif argv[:1] == ["classify-archive"]:
        parser.add_argument("command")
        parser.add_argument("source", type=Path, help="JSONL with a text field, or plain text, one sentence per line")
        parser.add_argument("destination", type=Path, help="JSONL to write (classify-file's format)")
        parser.add_argument("--workers", type=int, default=None, help="local worker processes (default: one per core)")
        parser.add_argument("--address", default=None, help="a dask.distributed scheduler, e.g. tcp://host:8786")
        parser.add_argument("--lines-per-part", type=int, default=20_480, help="lines per task (default 20,480: 5 of classify-file's chunks)")
        parser.add_argument("--engine", choices=("torch", "onnx"), default=None)
        parser.add_argument("--precision", choices=("fp32", "bf16", "int8"), default=None)
        parser.add_argument("--min-confidence", type=float, default=None, help="abstain below this probability")
        parser.add_argument("--scores", action="store_true", help="add the full distribution to each line")
    elif argv[:1] == ["serve"]:
        parser.add_argument("command")
        parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--engine", choices=("torch", "onnx"), default=None, help="default: STANCEFRAME_ENGINE or torch")
        parser.add_argument("--precision", choices=("fp32", "bf16", "int8"), default=None,
                            help="torch: fp32 or bf16; onnx: fp32 or int8")
    elif argv[:1] == ["report"]:
        parser.add_argument("command")
        parser.add_argument("files", type=Path, nargs="+", help="plain-text documents")
        parser.add_argument("-o", "--out", type=Path, default=Path("report.html"), help="the HTML file to write")
    elif argv[:1] == ["classify-file"]:
        parser.add_argument("command")
        parser.add_argument("source", type=Path, help="JSONL with a text field, or plain text, one sentence per line")
        parser.add_argument("destination", nargs="?", default="-", help="JSONL to write (default: stdout)")
        parser.add_argument("--precision", choices=("fp32", "bf16"), default=None, help="bf16: 2.3-2.8x faster on CPUs with native bf16 (the default there); fp32 elsewhere")
        parser.add_argument("--batch-size", type=int, default=64, help="sentences per forward pass (at most)")
        parser.add_argument("--min-confidence", type=float, default=None, help="abstain below this probability")
        parser.add_argument("--scores", action="store_true", help="add the full distribution to each line")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    else:
        parser.add_argument("file", type=Path, help="a plain-text document")
        parser.add_argument("--min-confidence", type=float, default=None, help="abstain below this probability")
    parser.add_argument("--model", type=Path, default=None,
                        help="checkpoint directory (default: the shipped model); with --engine onnx, an export folder "
                             "(default: runs/onnx, written by `make onnx`)")
    args = parser.parse_args(argv)
    try:
        if argv[:1] == ["export"]:
            classifier = load_classifier(args.model, engine="torch")
            if args.format == "onnx":
                from model.onnx_export import export_onnx

                from model.api import default_model_dir

                export_onnx(classifier, args.out, int8=not args.no_int8, source=args.model or default_model_dir())
            else:
                from model import checkpoint

                checkpoint.export(classifier.transformers_model(), classifier.tokenizer, classifier.calibration, args.out)
            print(f"wrote {args.out}")
            return 0
        if argv[:1] == ["classify-archive"]:
            from model.scale import classify_archive

            count = classify_archive(args.source, args.destination, model=args.model, engine=args.engine,
                                     precision=args.precision, scores=args.scores, min_confidence=args.min_confidence,
                                     lines_per_part=args.lines_per_part, workers=args.workers, address=args.address)
            print(f"labelled {count:,} sentences into {args.destination}", file=sys.stderr)
            return 0
        if argv[:1] == ["serve"]:
            from model.serve import serve

            serve(args.host, args.port, args.model, args.engine, args.precision)
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

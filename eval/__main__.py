"""Score a model: python -m eval [--file ANNOTATED | --split test] [--model DIR] [--out DIR].

Also: python -m eval benchmark (the ladder; eval/benchmark.py), python -m eval agreement [sample]
(inter-annotator agreement; eval/agreement.py), python -m eval speed (throughput, cold start,
memory, training time; eval/speed.py), python -m eval realtext (the real-text sets beside the test
split, with intervals and ECE; eval/realtext.py), python -m eval errors (errors grouped by pair
and slice; eval/errors.py), python -m eval behaviour (the CheckList-style suite; eval/behaviour.py).

Reports per-class precision, recall, F1 and support, macro and micro F1 and the confusion
matrix for the model and the baselines (majority class, TF-IDF + logistic regression), all
trained or scored on the same split, as a terminal table, Markdown, JSON and a PNG.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from data import SPLIT_SEED, CorpusError, gold_labels, load_corpus, read_labelled_file
from eval.baselines import QUICK, fit_predict
from eval.report import score, to_terminal, write_all
from model import CheckpointError, load_classifier


def evaluate_all(texts, labels, model_dir=None, seed: int = SPLIT_SEED, baselines: bool = True, name: str = "stanceframe"):
    """Reports for the model and (optionally) the quick baselines trained on the corpus's train split."""
    classifier = load_classifier(model_dir)
    started = time.perf_counter()
    predicted = classifier.predict(list(texts))
    seconds = time.perf_counter() - started
    reports = [score(name, labels, predicted, sentences_per_second=round(len(texts) / seconds, 1))]
    if baselines:
        train = load_corpus(seed=seed)["train"]
        train_labels = gold_labels(train)
        for baseline in QUICK:
            reports.append(score(baseline, labels, fit_predict(baseline, train["text"], train_labels, texts, seed)))
    return reports


SUBCOMMANDS = {
    "agreement": "eval.agreement", "behaviour": "eval.behaviour", "benchmark": "eval.benchmark",
    "calibration": "eval.calibration", "errors": "eval.errors", "ood": "eval.ood", "realtext": "eval.realtext", "select": "eval.select", "load": "eval.load", "spans": "eval.spans", "speed": "eval.speed",
}


def _summary(module: str) -> str:
    """The first line of a subcommand module's docstring, read without importing it (torch, sklearn)."""
    import ast
    import importlib.util

    origin = importlib.util.find_spec(module).origin
    doc = ast.get_docstring(ast.parse(Path(origin).read_text(encoding="utf-8"))) or ""
    return doc.split("\n")[0].split(":")[0].strip()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in SUBCOMMANDS:
        import importlib

        return importlib.import_module(SUBCOMMANDS[argv[0]]).main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m eval", description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="subcommands (each has --help):\n" + "\n".join(
            f"  python -m eval {name:<12} {_summary(module)}" for name, module in SUBCOMMANDS.items()),
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--file", type=Path, help="an annotated file: JSONL, or TSV/CSV with text and label columns")
    source.add_argument("--split", choices=("train", "dev", "test"), default="test", help="a corpus split (default: test)")
    parser.add_argument("--model", type=Path, default=None,
                        help="checkpoint directory (default: the shipped model, or STANCEFRAME_MODEL)")
    parser.add_argument("--out", type=Path, default=Path("runs/eval"), help="where report.{json,md} and the PNG go")
    parser.add_argument("--seed", type=int, default=SPLIT_SEED, help=f"the corpus split seed (default {SPLIT_SEED})")
    parser.add_argument("--no-baselines", action="store_true", help="score the model alone")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    try:
        if args.file:
            texts, labels = read_labelled_file(args.file)
            title = f"{args.file.name} ({len(texts)} sentences)"
        else:
            split = load_corpus(seed=args.seed)[args.split]
            texts, labels = split["text"], gold_labels(split)
            title = f"corpus {args.split} split ({len(texts)} sentences, seed {args.seed})"
        reports = evaluate_all(texts, labels, args.model, args.seed, not args.no_baselines)
    except (CorpusError, CheckpointError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(to_terminal(reports, title))
    for path in write_all(reports, args.out, title):
        print(f"wrote {path}")
    if not args.file and args.split in ("dev", "test") and load_classifier(args.model).has_spans:
        from eval.spans import measure, to_markdown

        markdown = to_markdown(measure(args.model, args.split))
        (args.out / "spans.md").write_text(markdown, encoding="utf-8")
        print()
        print(markdown)
        print(f"wrote {args.out / 'spans.md'}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # a message, not a traceback
        print("interrupted", file=sys.stderr)
        sys.exit(130)

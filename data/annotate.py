"""Annotation tools: write a template for a seed document, check seeds against annotations.

    python -m data.annotate template seeds/123_example.txt   # writes data/annotations/123_example.jsonl
    python -m data.annotate check                            # every seed against its annotations
    python -m data.annotate stats                            # counts per label and split
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from data.corpus import ANNOTATIONS_DIR, SEEDS_DIR, alignment_problems, read_annotations, split_of
from data.labels import LABELS
from data.sentences import split_document


def write_template(seed: Path, directory: Path = ANNOTATIONS_DIR, force: bool = False) -> Path:
    """Write one row per segment of `seed`, label "TODO" (skipped segments filled in)."""
    target = directory / f"{seed.stem}.jsonl"
    if target.exists() and not force:
        raise FileExistsError(f"{target} exists: pass --force to overwrite it")
    rows = []
    for segment in split_document(seed.read_text(encoding="utf-8")).sentences:
        row = {"doc_id": seed.stem, "index": segment.index, "text": segment.text}
        if segment.skip:
            row.update(label=None, skip=segment.skip)
        else:
            row.update(label="TODO", speaker="", target="")
        rows.append(json.dumps(row, ensure_ascii=False))
    target.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return target


def check(seeds: list[Path], directory: Path = ANNOTATIONS_DIR) -> list[str]:
    """All problems for the given seeds (or every seed), plus annotations without a seed."""
    problems = []
    for seed in seeds:
        try:
            problems += alignment_problems(seed, directory / f"{seed.stem}.jsonl")
        except ValueError as error:
            problems.append(str(error))
    known = {seed.stem for seed in SEEDS_DIR.glob("*.txt")}
    problems += [f"{path} has no seed document" for path in directory.glob("*.jsonl") if path.stem not in known]
    return problems


def stats(seed: int = 13) -> str:
    """Counts per label and split, as a small table."""
    counts: dict[str, Counter] = {}
    docs: dict[str, set] = {}
    for row in read_annotations():
        if row.label is None:
            continue
        split = split_of(row.doc_id, seed)
        counts.setdefault(split, Counter())[row.label] += 1
        docs.setdefault(split, set()).add(row.doc_id)
    lines = [f"{'split':<6} {'docs':>5} " + " ".join(f"{label:>14}" for label in LABELS) + f" {'total':>6}"]
    for split in ("train", "dev", "test"):
        c = counts.get(split, Counter())
        lines.append(f"{split:<6} {len(docs.get(split, ())):>5} " + " ".join(f"{c[label]:>14}" for label in LABELS) + f" {sum(c.values()):>6}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data.annotate", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    template = sub.add_parser("template", help="write an annotation template for seed documents")
    template.add_argument("seeds", nargs="+", type=Path)
    template.add_argument("--force", action="store_true", help="overwrite an existing annotation file")
    checker = sub.add_parser("check", help="check seeds against their annotations")
    checker.add_argument("seeds", nargs="*", type=Path, help="seed files (default: all of seeds/)")
    sub.add_parser("stats", help="counts per label and split")
    args = parser.parse_args(argv)
    if args.command == "template":
        for seed in args.seeds:
            print(write_template(seed, force=args.force))
        return 0
    if args.command == "check":
        problems = check(args.seeds or sorted(SEEDS_DIR.glob("*.txt")))
        print("\n".join(problems) if problems else "ok: seeds and annotations agree")
        return 1 if problems else 0
    print(stats())
    return 0


if __name__ == "__main__":
    sys.exit(main())

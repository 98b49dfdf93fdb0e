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

from data.corpus import ANNOTATIONS_DIR, SEEDS_DIR, SPLIT_SEED, alignment_problems, read_annotations, split_of
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


def stats(seed: int = SPLIT_SEED, directory: Path = ANNOTATIONS_DIR) -> str:
    """Counts per label and split, as a small table."""
    counts: dict[str, Counter] = {}
    docs: dict[str, set] = {}
    for row in read_annotations(directory):
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


def datasheet_tables(seed: int = SPLIT_SEED) -> str:
    """Markdown tables for data/README.md: counts per label by split, genre and region."""
    docs = {path.stem: split_document(path.read_text(encoding="utf-8")).metadata for path in SEEDS_DIR.glob("*.txt")}
    rows = [r for r in read_annotations() if r.label is not None]
    hard = sum(1 for r in rows if r.note and "hard negative" in r.note)

    def table(title: str, key) -> list[str]:
        groups: dict[str, Counter] = {}
        doc_sets: dict[str, set] = {}
        for r in rows:
            name = key(r)
            groups.setdefault(name, Counter())[r.label] += 1
            doc_sets.setdefault(name, set()).add(r.doc_id)
        out = [f"| {title} | documents | " + " | ".join(LABELS) + " | total |", "|---" * (len(LABELS) + 3) + "|"]
        for name in sorted(groups, key=lambda n: (-len(doc_sets[n]), n)):
            c = groups[name]
            out.append(f"| {name} | {len(doc_sets[name])} | " + " | ".join(str(c[label]) for label in LABELS) + f" | {sum(c.values())} |")
        return out + [""]

    total = Counter(r.label for r in rows)
    lines = [f"{len(docs)} documents, {len(rows)} labelled sentences, {hard} hard negatives "
             f"({hard / len(rows):.1%}); factual_report {total['factual_report'] / len(rows):.1%}.", ""]
    lines += table("split", lambda r: split_of(r.doc_id, seed))
    lines += table("genre", lambda r: docs[r.doc_id].get("genre", "real reporting (user's seed)"))
    lines += table("region", lambda r: docs[r.doc_id].get("region", "caucasus-karabakh (user's seed)"))
    return "\n".join(lines)


FORMATS = ("label-studio", "doccano", "jsonl")


def export(files: list[Path], format: str, out: Path) -> int:
    """Write the records of `files` (JSONL) as `format`'s import file; returns the count."""
    from data.files import FormatError, atomic_output, read_jsonl
    from data.interop import to_doccano, to_label_studio

    records = []
    for path in files:
        for number, record in read_jsonl(path):
            if not isinstance(record.get("text"), str) or not record["text"].strip():
                raise FormatError(f'{path}:{number}: expected a non-empty string "text" field')
            records.append(record)
    with atomic_output(out, refuse=tuple(files)) as handle:
        if format == "label-studio":
            json.dump(to_label_studio(records), handle, ensure_ascii=False, indent=1)
        else:
            lines = to_doccano(records) if format == "doccano" else records
            handle.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    return len(records)


def import_(path: Path, format: str, out: Path) -> int:
    """Read a tool's export and write rows of id, text, label, speaker, target; returns the count."""
    from data.files import atomic_output
    from data.interop import from_doccano, from_label_studio

    rows = from_label_studio(path) if format == "label-studio" else from_doccano(path)
    with atomic_output(out, refuse=(path,)) as handle:
        handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m data.annotate", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    template = sub.add_parser("template", help="write an annotation template for seed documents")
    template.add_argument("seeds", nargs="+", type=Path)
    template.add_argument("--force", action="store_true", help="overwrite an existing annotation file")
    checker = sub.add_parser("check", help="check seeds against their annotations")
    checker.add_argument("seeds", nargs="*", type=Path, help="seed files (default: all of seeds/)")
    stats_parser = sub.add_parser("stats", help="counts per label and split")
    stats_parser.add_argument("--markdown", action="store_true", help="the datasheet's tables by split, genre and region")
    stats_parser.add_argument("--dir", type=Path, default=ANNOTATIONS_DIR, help="the annotation folder (default: data/annotations)")
    exporter = sub.add_parser("export", help="pre-labelled sentences (classify-file output, or annotation files) -> an annotation tool's import file")
    exporter.add_argument("files", nargs="+", type=Path, help="JSONL with text (and label, score, speaker, target)")
    exporter.add_argument("--format", choices=FORMATS, required=True)
    exporter.add_argument("-o", "--out", type=Path, required=True)
    importer = sub.add_parser("import", help="an annotation tool's export -> JSONL rows of id, text, label, speaker, target")
    importer.add_argument("file", type=Path)
    importer.add_argument("--format", choices=FORMATS[:2], required=True)
    importer.add_argument("-o", "--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "template":
        for seed in args.seeds:
            print(write_template(seed, force=args.force))
        return 0
    if args.command in ("export", "import"):
        try:
            count = export(args.files, args.format, args.out) if args.command == "export" else import_(args.file, args.format, args.out)
        except (OSError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        print(f"wrote {count} sentences to {args.out}")
        return 0
    if args.command == "check":
        problems = check(args.seeds or sorted(SEEDS_DIR.glob("*.txt")))
        print("\n".join(problems) if problems else "ok: seeds and annotations agree")
        return 1 if problems else 0
    try:
        print(datasheet_tables() if args.markdown else stats(directory=args.dir))
    except ValueError as error:  # an unfilled template among the annotations, or a broken file
        hint = " (a template still to fill in: replace each TODO with a label)" if "'TODO'" in str(error) else ""
        print(f"error: {error}{hint}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A simulated user (issue 13): hold out a region of the corpus, adapt on a few hundred of its
sentences, and measure the gain on the rest of the region and the change everywhere else.

    python -m training.region [--region REGEX] [-n 200] [--out runs/region]

1. base: the sentence model trained without the region's documents (`--exclude-docs REGEX`;
   5 epochs of LoRA, as the shipped model's first step). Reused when OUT/base exists.
2. picks: `n` sentences of the region's training-split documents, chosen by the sampler
   (data/select.py, over the base model's calibrated probabilities and embeddings) and, for
   comparison, at random: what a user would annotate.
3. adapted: `python -m training --init-from OUT/base --data PICKS --heldout 0` for each pick
   (the user's sentences plus 1,000 replayed corpus sentences, 3 epochs).
4. the table: base vs adapted on the region's dev and test documents (never picked from), on the
   corpus test split without the region, and on the real-reporting sets (OUT/region.md, .json).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from data import LABELS, load_corpus

DEFAULT_REGION = ("sudan|ethiopia|tigray|somalia|libya|sahara|drc|sahel|nigeria|mozambique|kenya|kivu|eritrea|horn|"
                  "mali|niger|burkina|chad|cameroon|congo|darfur")
"""Africa: 121 documents of the corpus (1,662 train, 287 dev, 322 test sentences)."""


def run(region: str = DEFAULT_REGION, n: int = 200, out: Path = Path("runs/region"),
        strategies=("diverse", "random"), seed: int = 13) -> dict:
    from data.corpus import only_documents, without_documents
    from data.realdev import read_real_sets
    from data.select import select
    from model import Classifier
    from training.adapt import compare
    from training.config import TrainConfig
    from training.fine_tune import train

    corpus = load_corpus()
    inside = only_documents(corpus, region)
    if not len(inside["train"]) or not len(inside["test"]):
        raise ValueError(f"region {region!r} matches no training or no test document of the corpus")
    base_dir = out / "base"
    if not (base_dir / "stanceframe.json").is_file():
        train(TrainConfig(output_dir=str(base_dir), exclude_docs=region, epochs=5, spans=False, ood=False, seed=seed))
    base = Classifier.from_pretrained(base_dir)
    pool = inside["train"]
    logits, pooled = base.logits_and_pooled(pool["text"])
    region_rest = {"dev": inside["dev"], "test": inside["test"]}
    sets = {f"region, held-out documents ({len(region_rest['dev']) + len(region_rest['test'])} sentences)": (
        list(region_rest["dev"]["text"]) + list(region_rest["test"]["text"]),
        [LABELS[i] for i in list(region_rest["dev"]["label"]) + list(region_rest["test"]["label"])])}
    rest = without_documents(corpus["test"], region)
    sets["corpus test split without the region"] = (rest["text"], [LABELS[i] for i in rest["label"]])
    real, skipped = read_real_sets()
    sets.update({name: (texts, gold) for name, (texts, gold, _) in real.items()})
    results = {}
    for strategy in strategies:
        chosen = select(base.calibrate(logits).numpy(), pooled.numpy(), n, strategy=strategy, seed=seed)
        folder = write_picks(pool.select(sorted(chosen.tolist())), out / f"picks-{strategy}")
        adapted_dir = out / f"adapted-{strategy}"
        train(TrainConfig(output_dir=str(adapted_dir), init_from=str(base_dir), data=str(folder), heldout=0,
                          replay=1000, epochs=3, spans=False, ood=False, seed=seed))
        results[strategy] = compare(base, Classifier.from_pretrained(adapted_dir), sets)
    report = {"region": region, "picked": n, "base": str(base_dir), "results": results, "skipped": skipped,
              "region_sentences": {split: len(inside[split]) for split in inside}}
    out.mkdir(parents=True, exist_ok=True)
    (out / "region.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    (out / "region.md").write_text(to_markdown(report), encoding="utf-8")
    return report


def write_picks(rows, folder: Path) -> Path:
    """The picked rows as a user's annotation folder (one corpus-format JSONL file per document)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.jsonl"):
        old.unlink()
    by_doc: dict[str, list[dict]] = {}
    for row in rows:
        by_doc.setdefault(row["doc_id"], []).append(
            {"doc_id": row["doc_id"], "index": row["index"], "text": row["text"], "label": LABELS[row["label"]],
             **{k: row[k] for k in ("speaker", "target") if row[k]}})
    for doc_id, lines in by_doc.items():
        (folder / f"{doc_id}.jsonl").write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines),
                                                encoding="utf-8")
    return folder


def to_markdown(report: dict) -> str:
    lines = [f"Base: trained without the region's documents. Adapted: {report['picked']} of the region's training "
             "sentences (picked by the sampler, or at random) plus 1,000 replayed corpus sentences, 3 epochs.", "",
             "| set | sentences | base | " + " | ".join(f"adapted ({s} picks)" for s in report["results"]) + " |",
             "|---|---|---|" + "---|" * len(report["results"])]
    first = next(iter(report["results"].values()))
    for name, row in first.items():
        cells = [f"{r[name]['after']['macro_f1']:.3f} ({r[name]['after']['macro_f1'] - row['before']['macro_f1']:+.3f})"
                 for r in report["results"].values()]
        lines.append(f"| {name} | {row['sentences']} | {row['before']['macro_f1']:.3f} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.region", description=__doc__.split("\n\n")[0])
    parser.add_argument("--region", default=DEFAULT_REGION, help="a regular expression over document ids")
    parser.add_argument("-n", type=int, default=200, help="sentences the simulated user annotates (default 200)")
    parser.add_argument("--out", type=Path, default=Path("runs/region"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        report = run(args.region, args.n, args.out)
    except (ValueError, RuntimeError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(to_markdown(report), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())

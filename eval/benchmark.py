"""The benchmark ladder: python -m eval benchmark [--seeds 13 14 15] [--out runs/benchmark].

On the corpus's document-level splits, trains and scores side by side: majority class, keyword
rules, TF-IDF + logistic regression, frozen MiniLM embeddings + logistic regression, full
fine-tuning and LoRA fine-tuning of MiniLM. Each row gives test macro-F1 with a 95% bootstrap
interval (resampling documents), mean and spread over seeds for trained rows, per-class F1, dev
macro-F1 (the only score used to choose), training time and inference speed on this machine.
With ../shared/benchmarks present (or --external FILE ...), every row is also scored on each
external annotated set, marked external. Fine-tuning runs `python -m training` in a subprocess:
eval and training never import each other.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from data import LABELS, SPLIT_SEED, gold_labels, load_corpus, read_labelled_file
from data.files import read_jsonl
from data.realdev import SHARED_BENCHMARKS
from eval.baselines import BASELINES
from eval.report import bootstrap_intervals, score
from model import Classifier

REPO_ROOT = Path(__file__).resolve().parent.parent
EXTERNAL_DIR = SHARED_BENCHMARKS
EXTERNAL_SETS = ("voa_public.jsonl", "cameo_plover_mapped.jsonl")
FINE_TUNED = {
    "MiniLM full fine-tuning": ["--method", "full", "--learning-rate", "1e-4"],
    "MiniLM LoRA (r=16)": ["--method", "lora", "--learning-rate", "5e-4"],
}


def story_groups(path: Path, n: int) -> list[str] | None:
    """The story of each labelled row of an annotated JSONL, for resampling whole stories: its
    "story" field (stand-off rows, data/realdev) or the id before "-" (voa_public's "8011117-4").
    None when the rows carry neither (rows are then resampled one by one)."""
    if path.suffix != ".jsonl":
        return None
    rows = [r for _, r in read_jsonl(path) if r.get("label")]
    if len(rows) != n:
        return None
    if all("story" in r for r in rows):
        return [str(r["story"]) for r in rows]
    if all(r.get("id") for r in rows):
        return [str(r["id"]).split("-")[0] for r in rows]
    return None


def timed_predict(predict, texts) -> tuple[list[str], float]:
    started = time.perf_counter()
    predicted = list(predict(texts))
    return predicted, round(len(texts) / (time.perf_counter() - started), 1)


def fine_tune(name: str, flags: list[str], seed: int, out: Path, epochs: float) -> tuple[Classifier, dict]:
    """Train one fine-tuned row through the training CLI and load what it saved.

    A checkpoint already in `out` from the same command on the same corpus (equal data hash)
    is reused, so an interrupted benchmark resumes where it stopped.
    """
    target = out / "checkpoints" / f"{name.split()[1].lower()}-seed{seed}"
    command = [sys.executable, "-m", "training", *flags, "--seed", str(seed), "--split-seed", str(SPLIT_SEED),
               "--epochs", str(epochs), "--output-dir", str(target)]
    record_path = target / "training.json"
    if record_path.exists() and _same_run(json.loads(record_path.read_text()), command):
        print(f"[benchmark] {name}, seed {seed}: reusing {target}", flush=True)
    else:
        print(f"[benchmark] {name}, seed {seed}: {' '.join(command[1:])}", flush=True)
        subprocess.run(command, check=True, cwd=REPO_ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    record = json.loads(record_path.read_text())
    return Classifier.from_pretrained(target, device="cpu"), record


def _same_run(record: dict, command: list[str]) -> bool:
    from data import corpus_hash

    config = record["config"]
    flags = dict(zip(command[3::2], command[4::2]))
    return (record["data_hash"] == corpus_hash() and config["method"] == flags["--method"]
            and float(config["learning_rate"]) == float(flags["--learning-rate"]) and config["seed"] == int(flags["--seed"])
            and config.get("split_seed") == SPLIT_SEED and float(config["epochs"]) == float(flags["--epochs"]))


def run_ladder(seeds: list[int], out: Path, epochs: float, external: list[Path]) -> dict:
    corpus = load_corpus(seed=SPLIT_SEED)
    train, dev, test = corpus["train"], corpus["dev"], corpus["test"]
    sets = {"test": (test["text"], gold_labels(test), test["doc_id"])}
    for path in external:
        texts, gold = read_labelled_file(path)
        sets[f"external: {path.name}"] = (texts, gold, story_groups(path, len(texts)))
    rows = []
    for name, factory in BASELINES.items():
        started = time.perf_counter()
        model = factory(seeds[0]).fit(train["text"], gold_labels(train))
        seconds = time.perf_counter() - started
        runs = [_score_run(name, seeds[0], model.predict, dev, sets, seconds)]
        rows.append(_row(name, runs))
    for name, flags in FINE_TUNED.items():
        runs = []
        for seed in seeds:
            classifier, record = fine_tune(name, flags, seed, out, epochs)
            runs.append(_score_run(name, seed, lambda texts, c=classifier: c.predict(list(texts)), dev, sets,
                                   record["train_seconds"]))
        rows.append(_row(name, runs))
    return {"seeds": seeds, "epochs": epochs, "sets": {k: len(v[0]) for k, v in sets.items()}, "rows": rows,
            "machine": _machine()}


def _score_run(name, seed, predict, dev, sets, train_seconds) -> dict:
    dev_pred = list(predict(dev["text"]))
    dev_report = score(name, gold_labels(dev), dev_pred)
    run = {"seed": seed, "dev_macro_f1": round(dev_report.macro_f1, 4), "train_seconds": round(train_seconds, 1)}
    for set_name, (texts, gold, groups) in sets.items():
        predicted, speed = timed_predict(predict, texts)
        report = score(name, gold, predicted)
        intervals = bootstrap_intervals(gold, predicted, groups)
        run[set_name] = {"macro_f1": round(report.macro_f1, 4), "f1": [round(f, 4) for f in report.f1],
                         "interval": intervals["macro"], "f1_intervals": intervals["per_class"],
                         "sentences_per_second": speed}
    print(f"[benchmark] {name} seed {seed}: dev {run['dev_macro_f1']:.3f}, test {run['test']['macro_f1']:.3f}", flush=True)
    return run


def _row(name: str, runs: list[dict]) -> dict:
    test = [r["test"]["macro_f1"] for r in runs]
    return {"name": name, "runs": runs, "test_mean": round(statistics.mean(test), 4),
            "test_sd": round(statistics.stdev(test), 4) if len(test) > 1 else 0.0,
            "dev_mean": round(statistics.mean(r["dev_macro_f1"] for r in runs), 4)}


def _machine() -> dict:
    import platform

    import torch

    return {"cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(), "python": platform.python_version(),
            "torch": torch.__version__, "processor": platform.processor() or platform.machine()}


def to_markdown(result: dict) -> str:
    lines = ["## Benchmark ladder", "",
             f"Test split {result['sets']['test']} sentences; seeds {result['seeds']} for trained rows "
             f"({result['epochs']} epochs); interval: 95% bootstrap over test documents (first seed's run); "
             f"speed: sentences/s on this CPU ({result['machine']['cpu_count']} cores).", "",
             "| model | dev macro-F1 | test macro-F1 (mean ± sd) | 95% interval | " + " | ".join(f"F1 {l}" for l in LABELS)
             + " | train s | sent/s |", "|---" * (6 + len(LABELS)) + "|"]
    for row in result["rows"]:
        first = row["runs"][0]
        f1 = np.mean([r["test"]["f1"] for r in row["runs"]], axis=0)
        spread = f" ± {row['test_sd']:.3f}" if len(row["runs"]) > 1 else ""
        lines.append(f"| {row['name']} | {row['dev_mean']:.3f} | {row['test_mean']:.3f}{spread} | "
                     f"{first['test']['interval'][0]:.3f}–{first['test']['interval'][1]:.3f} | "
                     + " | ".join(f"{x:.3f}" for x in f1)
                     + f" | {statistics.mean(r['train_seconds'] for r in row['runs']):.0f} | {first['test']['sentences_per_second']:.0f} |")
    for set_name in (s for s in result["sets"] if s.startswith("external")):
        lines += ["", f"### {set_name} ({result['sets'][set_name]} sentences, external: evaluation only)", "",
                  "| model | macro-F1 (mean over seeds) | 95% interval | " + " | ".join(f"F1 {l}" for l in LABELS) + " |",
                  "|---" * (3 + len(LABELS)) + "|"]
        for row in result["rows"]:
            runs = [r[set_name] for r in row["runs"]]
            f1 = np.mean([r["f1"] for r in runs], axis=0)
            lines.append(f"| {row['name']} | {statistics.mean(r['macro_f1'] for r in runs):.3f} | "
                         f"{runs[0]['interval'][0]:.3f}–{runs[0]['interval'][1]:.3f} | " + " | ".join(f"{x:.3f}" for x in f1) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval benchmark", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[13, 14, 15])
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--out", type=Path, default=Path("runs/benchmark"))
    parser.add_argument("--external", type=Path, nargs="*", default=None,
                        help=f"annotated files marked external (default: {', '.join(EXTERNAL_SETS)} in {EXTERNAL_DIR}, when present)")
    args = parser.parse_args(argv)
    external = args.external if args.external is not None else [EXTERNAL_DIR / n for n in EXTERNAL_SETS if (EXTERNAL_DIR / n).exists()]
    if args.external is None and (EXTERNAL_DIR / "raw" / "voa_stories.jsonl").exists():
        from data.realdev import REAL_DEV_FILE

        external.append(REAL_DEV_FILE)  # the real-text dev set: its text comes from the same folder
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    result = run_ladder(args.seeds, args.out, args.epochs, external)
    result["wall_seconds"] = round(time.perf_counter() - started, 1)
    (args.out / "benchmark.json").write_text(json.dumps(result, indent=2) + "\n")
    markdown = to_markdown(result)
    (args.out / "benchmark.md").write_text(markdown)
    print(markdown)
    print(f"wrote {args.out / 'benchmark.json'} and benchmark.md in {result['wall_seconds']:.0f} s")
    return 0

"""Which sentences to annotate: python -m eval select DOCS... -n 200 [-o picks.jsonl].

Runs the model over documents (.txt, split as the corpus is; or JSONL with a "text" field, such
as `python -m model classify-file` output) and picks the `n` sentences whose labels would teach
it most (data/select.py: the most uncertain under the calibrated distribution, spread over the
encoder's embedding space by weighted k-means). The picks come out as JSONL with the model's
pre-label and score, ready for `python -m data.annotate export --format label-studio|doccano`.

`python -m eval select --simulate` measures the sampler on the corpus: starting from the same
random labelled sentences, it adds sentences by the sampler or at random, retrains and scores
macro-F1 on the dev split, over 3 seeds; writes a table and a PNG (runs/select/). Retraining a
transformer 100 times is hours on a CPU, so the simulated learner is logistic regression over
the frozen base encoder's mean-pooled embeddings (no label ever touched the encoder): the
learning curve of a proxy, which ranks samplers the way the fine-tuned model would as long as
both read the same geometry. Say so wherever the figure is quoted.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from data import LABELS, CorpusError, load_corpus, split_document
from data.files import FormatError, atomic_output, read_jsonl
from data.select import STRATEGIES, select
from model.scoring import macro_f1

OUT_DIR = Path("runs/select")


def read_sentences(paths: list[Path]) -> list[dict]:
    """Sentences with where they came from: .txt through the corpus splitter, JSONL by "text"."""
    rows = []
    for path in paths:
        if path.suffix == ".jsonl":
            for number, record in read_jsonl(path):
                text = record.get("text")
                if not isinstance(text, str) or not text.strip():
                    raise FormatError(f'{path}:{number}: expected a non-empty string "text" field')
                rows.append({"source": str(path), "line": number, **record})
        else:
            try:
                document = split_document(path.read_text(encoding="utf-8"))
            except UnicodeDecodeError as error:
                raise FormatError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
            rows += [{"source": str(path), "doc_id": path.stem, "index": s.index, "start": s.start, "end": s.end,
                      "text": s.text} for s in document.labelled]
    seen, unique = set(), []
    for row in rows:  # the same sentence twice would be picked twice
        key = " ".join(row["text"].split()).lower()
        if key not in seen:
            seen.add(key)
            unique.append(row)
    return unique


def pick(paths: list[Path], n: int, model=None, strategy: str = "diverse", seed: int = 0) -> list[dict]:
    """The `n` most useful sentences of `paths` for the model at `model` (None: the shipped one)."""
    from model import load_classifier

    rows = read_sentences(paths)
    if not rows:
        raise FormatError(f"no sentences in {', '.join(map(str, paths))}")
    classifier = load_classifier(model)
    logits, pooled = classifier.logits_and_pooled([r["text"] for r in rows])
    probabilities = classifier.calibrate(logits).numpy()
    chosen = select(probabilities, pooled.numpy(), n, strategy=strategy, seed=seed)
    margin = 1 - np.diff(np.sort(probabilities, axis=1)[:, -2:], axis=1)[:, 0]
    picks = []
    for rank, i in enumerate(chosen.tolist()):
        best = int(probabilities[i].argmax())
        picks.append({**rows[i], "label": LABELS[best], "score": round(float(probabilities[i, best]), 4),
                      "uncertainty": round(float(margin[i]), 4), "rank": rank})
    return picks


# --- the simulation -------------------------------------------------------------------------

def frozen_embeddings(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Mean-pooled, L2-normalised embeddings of the untrained base encoder (all-MiniLM-L6-v2)."""
    import torch
    from tqdm.auto import tqdm
    from transformers import AutoModel, AutoTokenizer

    from model import base_model_path

    tokenizer = AutoTokenizer.from_pretrained(base_model_path())
    encoder = AutoModel.from_pretrained(base_model_path()).eval()
    out = []
    with torch.inference_mode():
        for start in tqdm(range(0, len(texts), batch_size), desc="embedding (frozen base)", unit="batch"):
            batch = tokenizer(texts[start: start + batch_size], padding=True, truncation=True, max_length=128,
                              return_tensors="pt")
            hidden = encoder(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            vectors = (hidden * mask).sum(1) / mask.sum(1)
            out.append(torch.nn.functional.normalize(vectors, dim=-1).numpy())
    return np.concatenate(out)


def learner():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=2000, C=10.0)


def curve(pool_x, pool_y, dev_x, dev_y, strategy: str, seed: int, start: int, step: int, budget: int) -> list[tuple[int, float]]:
    """(labels, dev macro-F1) after each round of one strategy from a seeded random start."""
    rng = np.random.default_rng(seed)
    labelled = np.zeros(len(pool_y), dtype=bool)
    labelled[rng.choice(len(pool_y), size=start, replace=False)] = True
    points = []
    while True:
        model = learner().fit(pool_x[labelled], pool_y[labelled])
        points.append((int(labelled.sum()), macro_f1(dev_y.tolist(), model.predict(dev_x).tolist())))
        if labelled.sum() >= budget:
            return points
        probabilities = np.zeros((len(pool_y), len(LABELS)))
        probabilities[:, model.classes_] = model.predict_proba(pool_x)
        labelled[select(probabilities, pool_x, min(step, budget - int(labelled.sum())), strategy=strategy,
                        seed=seed + len(points), exclude=labelled)] = True


def simulate(seeds=(0, 1, 2), strategies=("random", "margin", "diverse"), start: int = 100, step: int = 100,
             budget: int = 1500, out_dir: Path = OUT_DIR) -> dict:
    """Learning curves of each strategy over `seeds`; writes curves.json, curves.md and the PNG."""
    corpus = load_corpus()
    texts = list(corpus["train"]["text"]) + list(corpus["dev"]["text"])
    out_dir.mkdir(parents=True, exist_ok=True)
    cache = out_dir / "frozen-embeddings.npy"
    vectors = np.load(cache) if cache.is_file() and len(np.load(cache)) == len(texts) else None
    if vectors is None:
        vectors = frozen_embeddings(texts)
        np.save(cache, vectors)
    split = len(corpus["train"])
    pool_x, dev_x = vectors[:split], vectors[split:]
    pool_y, dev_y = np.array(corpus["train"]["label"]), np.array(corpus["dev"]["label"])
    curves = {s: {seed: curve(pool_x, pool_y, dev_x, dev_y, s, seed, start, step, budget) for seed in seeds}
              for s in strategies}
    result = summarise(curves)
    result.update({"seeds": list(seeds), "start": start, "step": step, "budget": budget,
                   "pool": len(pool_y), "dev": len(dev_y), "learner": "logistic regression on frozen all-MiniLM-L6-v2"})
    (out_dir / "curves.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    (out_dir / "curves.md").write_text(to_markdown(result), encoding="utf-8")
    plot(result, out_dir / "select-curve.png")
    return result


def summarise(curves: dict) -> dict:
    """Mean, min and max over seeds at each label count, and how many labels each strategy needs
    to reach random's final mean score."""
    table = {}
    for strategy, by_seed in curves.items():
        counts = [n for n, _ in next(iter(by_seed.values()))]
        scores = np.array([[f for _, f in points] for points in by_seed.values()])
        table[strategy] = {"labels": counts, "mean": scores.mean(0).round(4).tolist(),
                           "min": scores.min(0).round(4).tolist(), "max": scores.max(0).round(4).tolist()}
    target = table["random"]["mean"][-1] if "random" in table else None
    for row in table.values():
        reached = [n for n, f in zip(row["labels"], row["mean"]) if target is not None and f >= target]
        row["labels_to_random_final"] = reached[0] if reached else None
        row["share_of_random_labels"] = round(reached[0] / table["random"]["labels"][-1], 3) if reached else None
    return {"strategies": table, "random_final": target}


def to_markdown(result: dict) -> str:
    strategies = result["strategies"]
    names = list(strategies)
    lines = ["| labelled sentences | " + " | ".join(f"{n} (mean of {len(result['seeds'])} seeds)" for n in names) + " |",
             "|---" * (len(names) + 1) + "|"]
    for i, count in enumerate(strategies[names[0]]["labels"]):
        lines.append(f"| {count} | " + " | ".join(
            f"{strategies[n]['mean'][i]:.3f} ({strategies[n]['min'][i]:.3f}-{strategies[n]['max'][i]:.3f})" for n in names) + " |")
    lines.append("")
    for name in names:
        row = strategies[name]
        reached = (f"{row['labels_to_random_final']} labels ({row['share_of_random_labels']:.0%} of random's)"
                   if row["labels_to_random_final"] else "not within the budget")
        lines.append(f"- {name}: reaches random's final macro-F1 ({result['random_final']:.3f}) with {reached}")
    return "\n".join(lines) + "\n"


def plot(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6.4, 4.0), dpi=110)
    for name, row in result["strategies"].items():
        axes.plot(row["labels"], row["mean"], marker="o", markersize=3, label=name)
        axes.fill_between(row["labels"], row["min"], row["max"], alpha=0.2)
    axes.axhline(result["random_final"], color="grey", linestyle=":", linewidth=1)
    axes.set_xlabel("labelled sentences")
    axes.set_ylabel("dev macro-F1")
    axes.set_title(f"Sampler vs random ({result['learner']}; {len(result['seeds'])} seeds)", fontsize=8)
    axes.legend()
    axes.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval select", description=__doc__.split("\n\n")[0])
    parser.add_argument("docs", nargs="*", type=Path, help=".txt documents or JSONL with a text field")
    parser.add_argument("-n", type=int, default=200, help="how many sentences to pick (default 200)")
    parser.add_argument("--strategy", choices=STRATEGIES, default="diverse")
    parser.add_argument("--model", default=None, help="checkpoint directory (default: the shipped model)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--out", type=Path, default=None, help="write the picks here as JSONL (default: print)")
    parser.add_argument("--simulate", action="store_true", help="run the learning-curve simulation on the corpus")
    parser.add_argument("--budget", type=int, default=1500, help="with --simulate: labels at the end (default 1500)")
    args = parser.parse_args(argv)
    try:
        if args.simulate:
            result = simulate(budget=args.budget)
            print(to_markdown(result), end="")
            print(f"wrote {OUT_DIR}/curves.md, curves.json and select-curve.png")
            return 0
        if not args.docs:
            parser.error("name documents to pick from, or pass --simulate")
        if args.n < 1:
            parser.error("-n must be at least 1")
        picks = pick(args.docs, args.n, args.model, args.strategy, args.seed)
    except (CorpusError, FormatError, FileNotFoundError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    lines = [json.dumps(p, ensure_ascii=False) + "\n" for p in picks]
    if args.out:
        with atomic_output(args.out, refuse=tuple(args.docs)) as handle:
            handle.writelines(lines)
        print(f"picked {len(picks)} sentences; wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.writelines(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())

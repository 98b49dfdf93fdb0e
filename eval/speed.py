"""Speed on this machine, measured in one run: python -m eval speed [--quick] [--no-training].

Prints and writes (runs/speed/speed.{json,md}):
- the hardware ceiling: fp32 (and bf16) matrix-multiply GFLOP/s of a large torch matmul, and
  the model's forward FLOPs per token, so each throughput is also a fraction of the ceiling;
- inference throughput (sentences/s and real, unpadded tokens/s) on a fixed set of corpus
  sentences at batch sizes 1, 32 and 256, for every engine on the same weights: classify() in
  fp32 and bf16 (torch), classify(engine="onnx") in fp32 and int8 (ONNX Runtime), and the plain
  transformers.pipeline("text-classification") (exported). optimum's ORTModel pipeline is
  listed as not run: optimum-onnx requires transformers < 4.58 (model/onnx_export.py);
- per engine, a fresh process: cold start (import, load, classify one sentence) and peak RSS
  after labelling 1,000 sentences;
- cold start: a fresh `python -c` that imports the API and classifies one sentence, next to a
  fresh process that only imports torch and transformers (median of 3 each);
- peak RSS of `python -m model classify-file` streaming 10,000 and 100,000 sentences;
- training throughput and the wall time of a full training run (the shipped recipe).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from data import LABELS, SPLIT_SEED, gold_labels, load_corpus
from model import checkpoint, load_classifier
from model.device import native_bf16

COLD_SENTENCE = "Talks resume on Monday, the envoy said."
TARGETS = {
    "fraction_of_ceiling_at_256": 0.60,
    "speedup_over_pipeline_at_256": 2.0,
    "bf16_speedup": 2.0,
    "bf16_f1_tolerance": 0.005,
    "cold_start_extra_s": 1.0,
    "stream_peak_rss_mib": 1024,
    "train_seconds": 600,
}


def matmul_gflops(dtype: torch.dtype, n: int = 2048, seconds: float = 2.0) -> float:
    """Sustained rate of an n x n by n x n matmul in `dtype`, GFLOP/s (2 n^3 per product)."""
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    for _ in range(3):
        a @ b
    runs, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        a @ b
        runs += 1
    return 2 * n**3 * runs / (time.perf_counter() - started) / 1e9


def flops_per_token(config) -> float:
    """Forward FLOPs per token of the encoder's matrix multiplies (2 per multiply-add).

    Per layer: Q, K, V and output projections (4 h^2) and the feed-forward pair (2 h i).
    Attention scores add 4 h n per token at length n (~2% at 35 tokens): left out, as are
    embeddings, layer norms and the one-token pooler and head.
    """
    h, i, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    return 2 * layers * (4 * h * h + 2 * h * i)


def fixed_sentences(count: int, seed: int = SPLIT_SEED) -> tuple[list[str], list[str], int]:
    """The first `count` sentences of the test split then the dev split, in corpus order.

    Returns the texts, the gold labels, and how many of them are the test split.
    """
    corpus = load_corpus(seed=seed)
    texts = list(corpus["test"]["text"]) + list(corpus["dev"]["text"])
    gold = gold_labels(corpus["test"]) + gold_labels(corpus["dev"])
    if count > len(texts):
        raise ValueError(f"only {len(texts)} test and dev sentences, asked for {count}")
    return texts[:count], gold[:count], len(corpus["test"])


def child_env() -> dict[str, str]:
    """The environment of the fresh processes this benchmark starts: offline, quiet transformers."""
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error"}


def timed(run, warmup) -> float:
    warmup()
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def inference(texts, batch_sizes, classifier, export_dir: Path, ceiling: dict, per_token: float, bf16: bool,
              onnx_dir: Path | None = None):
    """Throughput rows, and the outputs needed for the parity checks."""
    from transformers import pipeline

    real_tokens = sum(len(ids) for ids in classifier.tokenizer(texts, truncation=True, max_length=128)["input_ids"])
    engines = {"classify() fp32": classifier}
    if bf16:
        engines["classify() bf16"] = classifier.at_precision("bf16")
    if onnx_dir is not None:
        from model.onnx_engine import OnnxClassifier

        for precision in ("fp32", "int8"):
            engines[f"onnx {precision}"] = OnnxClassifier.load(onnx_dir, precision)
    pipe = pipeline("text-classification", model=str(export_dir), device="cpu")
    rows, outputs = [], {}
    for batch_size in batch_sizes:
        for name, engine in engines.items():
            def run(engine=engine, batch_size=batch_size):
                outputs[name] = engine.predict_proba(texts, batch_size=batch_size)

            seconds = timed(run, lambda engine=engine: engine.predict_proba(texts[:64], batch_size=batch_size))
            rows.append(_row(name, batch_size, len(texts), real_tokens, seconds, per_token, ceiling))

        def run_pipe(batch_size=batch_size):
            outputs["pipeline"] = pipe(texts, batch_size=batch_size, truncation=True)

        seconds = timed(run_pipe, lambda: pipe(texts[:64], batch_size=batch_size, truncation=True))
        rows.append(_row("transformers.pipeline fp32", batch_size, len(texts), real_tokens, seconds, per_token, ceiling))
    return rows, outputs, real_tokens


def _row(engine, batch_size, sentences, real_tokens, seconds, per_token, ceiling):
    tokens_per_second = real_tokens / seconds
    gflops = tokens_per_second * per_token / 1e9
    row = {
        "engine": engine, "batch_size": batch_size, "seconds": round(seconds, 2),
        "sentences_per_second": round(sentences / seconds, 1), "tokens_per_second": round(tokens_per_second),
        "gflops": round(gflops, 1), "fraction_of_fp32_ceiling": round(gflops / ceiling["fp32"], 3),
    }
    if "bf16" in engine and ceiling.get("bf16"):
        row["fraction_of_bf16_ceiling"] = round(gflops / ceiling["bf16"], 3)
    print(
        f"  {engine:<28} batch {batch_size:>3}: {row['sentences_per_second']:>7.1f} sent/s "
        f"{row['tokens_per_second']:>7,} tok/s  {row['fraction_of_fp32_ceiling']:.0%} of the fp32 ceiling",
        flush=True,
    )
    return row


def cold_start(repeats: int = 3) -> dict:
    """Median wall seconds of fresh interpreters: the API classifying one sentence, and bare imports."""
    env = child_env()
    commands = {
        "import torch, transformers": "import torch, transformers",
        "import model; classify one sentence": f"from model import classify; classify({COLD_SENTENCE!r})",
    }
    result = {}
    for name, code in commands.items():
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - started)
        result[name] = round(statistics.median(times), 2)
    result["extra_s"] = round(result["import model; classify one sentence"] - result["import torch, transformers"], 2)
    return result


ENGINE_CHILD = """
import json, sys, time
started = time.perf_counter()
engine, precision, model = sys.argv[1], sys.argv[2], sys.argv[3] or None
texts = json.load(open(sys.argv[4], encoding="utf-8"))
if engine == "pipeline":
    from transformers import pipeline
    pipe = pipeline("text-classification", model=model, device="cpu")
    pipe([texts[0]])
    first = time.perf_counter() - started
    pipe(texts, batch_size=32, truncation=True)
else:
    from model import classify
    classify(texts[0], model=model, engine=engine, precision=precision)
    first = time.perf_counter() - started
    classify(texts, model=model, engine=engine, precision=precision, batch_size=32)
peak_kib = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"cold_start_s": first, "peak_kib": peak_kib, "torch_imported": "torch" in sys.modules}))
"""
"""A fresh process per engine: seconds to the first label (imports, load, one sentence), then its
high-water RSS after labelling the sentences of argv[4] at batch 32."""


def engine_processes(texts: list[str], workdir: Path, onnx_dir: Path | None, export_dir: Path, bf16: bool,
                     model: Path | None, repeats: int = 3) -> list[dict]:
    """Cold start (median of `repeats`) and peak RSS of each engine in fresh processes."""
    env = child_env()
    sample = workdir / "engine-sentences.json"
    sample.write_text(json.dumps(texts[:1000]), encoding="utf-8")
    runs = [("classify() fp32", "torch", "fp32", str(model or ""))]
    runs += [("classify() bf16", "torch", "bf16", str(model or ""))] if bf16 else []
    if onnx_dir is not None:
        runs += [("onnx fp32", "onnx", "fp32", str(onnx_dir)), ("onnx int8", "onnx", "int8", str(onnx_dir))]
    runs += [("transformers.pipeline fp32", "pipeline", "fp32", str(export_dir))]
    rows = []
    for name, engine, precision, where in runs:
        reports = []
        for _ in range(repeats):
            done = subprocess.run([sys.executable, "-c", ENGINE_CHILD, engine, precision, where, str(sample)],
                                  env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"{name}: the fresh process failed: {done.stderr[-2000:]}")
            reports.append(json.loads(done.stdout.strip().splitlines()[-1]))
        row = {"engine": name, "cold_start_s": round(statistics.median(r["cold_start_s"] for r in reports), 2),
               "peak_rss_mib": round(max(r["peak_kib"] for r in reports) / 1024),
               "imports_torch": reports[0]["torch_imported"]}
        print(f"  {name:<28} cold start {row['cold_start_s']:.2f} s, peak RSS {row['peak_rss_mib']:,} MiB "
              f"(torch imported: {row['imports_torch']})", flush=True)
        rows.append(row)
    return rows


NOT_RUN = {"optimum ORTModelForSequenceClassification pipeline":
           "optimum-onnx 0.1.0 requires transformers < 4.58; this project runs on transformers 5 (model/onnx_export.py)"}


STREAM_CHILD = """
import json, resource, sys
from model.__main__ import main
code = main(["classify-file", sys.argv[1], sys.argv[2], "--precision", sys.argv[3], "--no-progress"])
peak_kib = None
try:
    peak_kib = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // (1024 if sys.platform == "darwin" else 1)
print(json.dumps({"code": code, "peak_kib": peak_kib}))
"""
"""Run in a fresh interpreter that reports its own high-water RSS (VmHWM): the rusage of a child
forked from this big process would count the parent's pages copied at fork."""


def stream_peak_rss(texts: list[str], counts: list[int], precision: str, workdir: Path) -> list[dict]:
    """Peak RSS (MiB) and throughput of `python -m model classify-file` over files of `counts` lines."""
    rows = []
    env = child_env()
    for count in counts:
        source, destination = workdir / f"stream-{count}.txt", workdir / f"stream-{count}.jsonl"
        with open(source, "w", encoding="utf-8") as handle:
            for i in range(count):
                handle.write(texts[i % len(texts)] + "\n")
        started = time.perf_counter()
        process = subprocess.run(
            [sys.executable, "-c", STREAM_CHILD, str(source), str(destination), precision],
            env=env, capture_output=True, text=True,
        )
        seconds = time.perf_counter() - started
        if process.returncode != 0:
            raise RuntimeError(f"classify-file failed: {process.stderr[-2000:]}")
        report = json.loads(process.stdout.strip().splitlines()[-1])
        lines = sum(1 for _ in open(destination, encoding="utf-8"))
        if report["code"] != 0 or lines != count:
            raise RuntimeError(f"classify-file exited {report['code']} and wrote {lines} lines for {count} sentences")
        peak = report["peak_kib"] / 1024
        rows.append({"sentences": count, "peak_rss_mib": round(peak), "seconds": round(seconds, 1),
                     "sentences_per_second": round(count / seconds, 1), "precision": precision})
        print(f"  {count:>7,} sentences: peak RSS {peak:,.0f} MiB, {seconds:.0f} s ({count / seconds:.0f} sent/s)", flush=True)
        source.unlink()
        destination.unlink()
    return rows


def archive_run(texts: list[str], count: int, workdir: Path, workers: int = 2) -> dict:
    """`python -m model classify-file` against `python -m model classify-archive` (Dask, local
    processes) on the same file of `count` sentences, each a fresh process at the default
    precision. In fp32 the outputs are identical; in bf16 a score depends on which sentences
    share its forward pass (a pass's rounding), so the check reports label agreement and the
    largest score difference beside byte identity."""
    env = child_env()
    source = workdir / f"archive-{count}.txt"
    with open(source, "w", encoding="utf-8") as handle:
        for i in range(count):
            handle.write(texts[i % len(texts)] + "\n")
    commands = {"classify-file (one process)": ["classify-file", str(source), str(workdir / "one.jsonl"), "--no-progress"],
                f"classify-archive (Dask, {workers} local workers)": [
                    "classify-archive", str(source), str(workdir / "dask.jsonl"), "--workers", str(workers),
                    "--lines-per-part", "4096"]}
    result = {"sentences": count}
    for name, arguments in commands.items():
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "model", *arguments], env=env, check=True, capture_output=True)
        seconds = time.perf_counter() - started
        result[name] = {"seconds": round(seconds, 1), "sentences_per_second": round(count / seconds, 1)}
        print(f"  {name:<40} {count:,} sentences in {seconds:.1f} s ({count / seconds:.0f} sent/s, start-up included)",
              flush=True)
    one = [json.loads(line) for line in open(workdir / "one.jsonl", encoding="utf-8")]
    spread = [json.loads(line) for line in open(workdir / "dask.jsonl", encoding="utf-8")]
    result["identical_output"] = one == spread
    result["same_sentences_in_order"] = [r["line"] for r in one] == [r["line"] for r in spread]
    result["label_agreement"] = round(sum(a["label"] == b["label"] for a, b in zip(one, spread)) / max(1, len(one)), 4)
    result["max_score_difference"] = round(max((abs(a["score"] - b["score"]) for a, b in zip(one, spread)), default=0), 4)
    for name in ("one.jsonl", "dask.jsonl"):
        (workdir / name).unlink()
    source.unlink()
    return result


def training_run(per_token: float, ceiling: dict, output_dir: Path) -> dict:
    """A full training run with the shipped recipe into `output_dir`, through the training CLI in
    a subprocess (eval never imports training); throughput from the run's own record."""
    env = child_env()
    subprocess.run([sys.executable, "-m", "training", "--output-dir", str(output_dir)], env=env, check=True)
    record = json.loads((output_dir / "training.json").read_text(encoding="utf-8"))
    tokens_per_second = record["train_tokens_per_second"]
    gflops = 3 * per_token * tokens_per_second / 1e9  # forward + backward ~ 3x forward
    return {
        "method": record["config"]["method"], "device": record["device"],
        "train_sentences": record["train_sentences"], "epochs": record["config"]["epochs"],
        "seconds": record["train_seconds"], "sentences_per_second": record["train_sentences_per_second"],
        "tokens_per_second": round(tokens_per_second), "gflops": round(gflops, 1),
        "fraction_of_fp32_ceiling": round(gflops / ceiling["fp32"], 3), "dev_macro_f1": record["dev"]["macro_f1"],
    }


def macro_f1(gold, probabilities) -> float:
    """Macro-F1 of the argmax labels, through the project's report (eval.report.score)."""
    from eval.report import score

    return score("speed", gold, [LABELS[int(i)] for i in probabilities.argmax(-1).tolist()]).macro_f1


def summarise(result: dict) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for each target of the speed issue that this run measured."""
    rows = {(r["engine"], r["batch_size"]): r for r in result["inference"]}
    checks = []
    fp32 = rows.get(("classify() fp32", 256))
    pipe = rows.get(("transformers.pipeline fp32", 256))
    if fp32:
        checks.append(("classify() fp32 at batch 256: >= 60% of the fp32 matmul ceiling",
                       f"{fp32['fraction_of_fp32_ceiling']:.0%}", fp32["fraction_of_fp32_ceiling"] >= TARGETS["fraction_of_ceiling_at_256"]))
    if fp32 and pipe:
        ratio = fp32["sentences_per_second"] / pipe["sentences_per_second"]
        checks.append(("classify() fp32 at batch 256: >= 2x the plain pipeline", f"{ratio:.2f}x", ratio >= TARGETS["speedup_over_pipeline_at_256"]))
    bf16 = rows.get(("classify() bf16", 256))
    if fp32 and bf16:
        ratio = bf16["sentences_per_second"] / fp32["sentences_per_second"]
        checks.append(("classify() bf16 at batch 256: >= 2x classify() fp32", f"{ratio:.2f}x", ratio >= TARGETS["bf16_speedup"]))
        gap = abs(result["parity"]["test_macro_f1_bf16"] - result["parity"]["test_macro_f1_fp32"])
        checks.append(("bf16 test macro-F1 within 0.005 of fp32", f"{gap:.4f}", gap <= TARGETS["bf16_f1_tolerance"]))
    for name in ("onnx_fp32", "onnx_int8"):
        if f"test_macro_f1_{name}" in result["parity"]:
            gap = abs(result["parity"][f"test_macro_f1_{name}"] - result["parity"]["test_macro_f1_fp32"])
            checks.append((f"{name.replace('_', ' ')} test macro-F1 within 0.005 of classify() fp32", f"{gap:.4f}", gap <= 0.005))
    engines = {r["engine"]: r for r in result.get("engines", [])}
    if "onnx int8" in engines and "classify() fp32" in engines:
        checks.append(("onnx int8 imports no torch", "yes" if not engines["onnx int8"]["imports_torch"] else "no",
                       not engines["onnx int8"]["imports_torch"]))
    if "cold_start" in result:
        extra = result["cold_start"]["extra_s"]
        checks.append(("cold start: <= 1.0 s over importing torch and transformers", f"+{extra:.2f} s", extra <= TARGETS["cold_start_extra_s"]))
    if result.get("stream"):
        peak = max(r["peak_rss_mib"] for r in result["stream"])
        checks.append(("peak RSS streaming: < 1 GiB", f"{peak:,} MiB", peak < TARGETS["stream_peak_rss_mib"]))
    if result.get("training"):
        seconds = result["training"]["seconds"]
        checks.append(("full training run: < 10 minutes on this CPU", f"{seconds:.0f} s", seconds < TARGETS["train_seconds"]))
    return checks


def to_markdown(result: dict) -> str:
    machine = result["machine"]
    lines = [
        "# Speed", "",
        f"{machine['cpu']}, {machine['threads']} threads, torch {machine['torch']}. "
        f"fp32 matmul ceiling {result['ceiling_gflops']['fp32']:.0f} GFLOP/s"
        + (f", bf16 {result['ceiling_gflops']['bf16']:.0f} GFLOP/s" if result["ceiling_gflops"].get("bf16") else "")
        + f"; the model costs {result['gflop_per_token']:.4f} GFLOP per token (forward). "
        f"Fixed set: {result['sentences']:,} corpus sentences, {result['real_tokens']:,} real tokens "
        f"({result['real_tokens'] / result['sentences']:.1f} per sentence).", "",
        "| engine | batch | sentences/s | real tokens/s | GFLOP/s | of fp32 ceiling | of bf16 ceiling |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in result["inference"]:
        of_bf16 = f"{r['fraction_of_bf16_ceiling']:.0%}" if "fraction_of_bf16_ceiling" in r else ""
        lines.append(
            f"| {r['engine']} | {r['batch_size']} | {r['sentences_per_second']:,.1f} | {r['tokens_per_second']:,} | "
            f"{r['gflops']:.1f} | {r['fraction_of_fp32_ceiling']:.0%} | {of_bf16} |"
        )
    parity = result["parity"]
    lines += ["", f"Parity on the test split ({parity['test_sentences']:,} sentences): macro-F1 fp32 "
              f"{parity['test_macro_f1_fp32']:.4f}"
              + (f", bf16 {parity['test_macro_f1_bf16']:.4f}; bf16 labels equal fp32 on {parity['bf16_label_agreement']:.2%}, "
                 f"largest probability difference {parity['bf16_max_probability_difference']:.4f}" if "test_macro_f1_bf16" in parity else "")
              + f"; the pipeline's labels equal classify()'s on {parity['pipeline_label_agreement']:.2%}."]
    for name in ("onnx_fp32", "onnx_int8"):
        if f"test_macro_f1_{name}" in parity:
            lines.append(f"{name.replace('_', ' ')}: test macro-F1 {parity[f'test_macro_f1_{name}']:.4f}, labels equal "
                         f"classify() fp32's on {parity[f'{name}_label_agreement']:.2%}, largest probability difference "
                         f"{parity[f'{name}_max_probability_difference']:.5f}.")
    if result.get("engines"):
        lines += ["", "| engine (fresh process) | cold start s (to the first label) | peak RSS MiB (1,000 sentences) | imports torch |",
                  "|---|---|---|---|"]
        lines += [f"| {r['engine']} | {r['cold_start_s']:.2f} | {r['peak_rss_mib']:,} | {'yes' if r['imports_torch'] else 'no'} |"
                  for r in result["engines"]]
    for name, why in result.get("not_run", {}).items():
        lines += ["", f"Not run: {name}: {why}."]
    if "cold_start" in result:
        c = result["cold_start"]
        lines += ["", f"Cold start (median of 3 fresh processes): `import torch, transformers` "
                  f"{c['import torch, transformers']:.2f} s; import the API and classify one sentence "
                  f"{c['import model; classify one sentence']:.2f} s (+{c['extra_s']:.2f} s)."]
    if result.get("stream"):
        lines += ["", "| streamed sentences (classify-file) | precision | peak RSS MiB | seconds | sentences/s |", "|---|---|---|---|---|"]
        lines += [f"| {r['sentences']:,} | {r['precision']} | {r['peak_rss_mib']:,} | {r['seconds']} | {r['sentences_per_second']} |"
                  for r in result["stream"]]
    if result.get("archive"):
        a = result["archive"]
        lines += ["", f"| {a['sentences']:,} sentences, default precision, fresh processes | seconds | sentences/s |", "|---|---|---|"]
        lines += [f"| {name} | {row['seconds']} | {row['sentences_per_second']} |" for name, row in a.items()
                  if isinstance(row, dict)]
        lines += ["", f"Every sentence once, in order: {'yes' if a['same_sentences_in_order'] else 'NO'}; labels equal on "
                  f"{a['label_agreement']:.2%}; largest score difference {a['max_score_difference']} (outputs "
                  f"{'identical' if a['identical_output'] else 'not identical: bf16 rounds per forward pass'})."]
    if result.get("training"):
        t = result["training"]
        lines += ["", f"Training ({t['method']}, {t['device']}, {t['train_sentences']:,} sentences x {t['epochs']} epochs): "
                  f"{t['seconds']:.0f} s, {t['sentences_per_second']} sentences/s, {t['tokens_per_second']:,} real tokens/s, "
                  f"{t['fraction_of_fp32_ceiling']:.0%} of the fp32 ceiling counting 3x the forward FLOPs; dev macro-F1 {t['dev_macro_f1']}."]
    lines += ["", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {'yes' if met else 'no'} |" for name, value, met in summarise(result)]
    return "\n".join(lines) + "\n"


def _machine() -> dict:
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "threads": torch.get_num_threads(), "torch": torch.__version__,
            "bf16_native": native_bf16(torch.device("cpu"))}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m eval speed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=2000, help="size of the fixed inference set (default 2000)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 32, 256])
    parser.add_argument("--stream", type=int, nargs="*", default=[10_000, 100_000], help="streamed file sizes for peak RSS")
    parser.add_argument("--archive", type=int, default=20_000, help="sentences for the classify-file vs Dask run (0: skip)")
    parser.add_argument("--no-training", action="store_true", help="skip the full training run (~8 minutes)")
    parser.add_argument("--train-output", type=Path, default=None, help="keep the trained checkpoint here (default: discarded)")
    parser.add_argument("--no-cold-start", action="store_true", help="skip the fresh-process timings")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 300 sentences, batch 32, 2,000 streamed, no training")
    parser.add_argument("--model", type=Path, default=None, help="checkpoint directory (default: the shipped model)")
    parser.add_argument("--out", type=Path, default=Path("runs/speed"))
    parser.add_argument("--against", type=Path, default=None,
                        help="only compare classify() of --model with this checkpoint, alternately in one process "
                             "(median of 5 runs over --sentences), and print the ratio")
    args = parser.parse_args(argv)
    if args.quick:
        args.sentences, args.batch_sizes, args.stream, args.no_training, args.archive = 300, [32], [2_000], True, 0
    return args


def parity(outputs: dict, gold: list[str], n_test: int, count: int) -> dict:
    """Test-split macro-F1 of each engine, and how far bf16 and the pipeline stray from fp32."""
    fp32 = outputs["classify() fp32"]
    test = slice(0, min(n_test, count))
    result = {"test_sentences": test.stop, "test_macro_f1_fp32": round(macro_f1(gold[test], fp32[test]), 4),
              "pipeline_label_agreement": round(sum(
                  p["label"] == LABELS[i] for p, i in zip(outputs["pipeline"], fp32.argmax(-1).tolist())
              ) / count, 4)}
    import numpy as np

    for name in ("onnx fp32", "onnx int8"):
        if name in outputs:
            got, ref = np.asarray(outputs[name]), fp32.numpy()
            key = name.replace(" ", "_")
            result[f"test_macro_f1_{key}"] = round(macro_f1(gold[test], got[test]), 4)
            result[f"{key}_label_agreement"] = round(float((got.argmax(-1) == ref.argmax(-1)).mean()), 4)
            result[f"{key}_max_probability_difference"] = round(float(np.abs(got - ref).max()), 5)
    if "classify() bf16" in outputs:
        bf16 = outputs["classify() bf16"]
        result.update(
            test_macro_f1_bf16=round(macro_f1(gold[test], bf16[test]), 4),
            bf16_label_agreement=round(float((bf16.argmax(-1) == fp32.argmax(-1)).float().mean()), 4),
            bf16_max_probability_difference=round(float((bf16 - fp32).abs().max()), 4),
        )
    return result


def against(model: Path | None, other: Path, texts: list[str], precisions: list[str], repeats: int = 5) -> list[dict]:
    """classify() sentences/s of `model` and of `other` on the same texts, timed alternately in this
    process (`repeats` each, median), per precision: the ratio is what a change of checkpoint costs."""
    from model import classify

    rows = []
    for precision in precisions:
        loaded = {name: load_classifier(path).at_precision(precision) for name, path in (("model", model), ("other", other))}
        times = {name: [] for name in loaded}
        for name in loaded:
            classify(texts[:64], model=loaded[name])  # warm-up
        for _ in range(repeats):
            for name, classifier in loaded.items():
                started = time.perf_counter()
                classify(texts, model=classifier)
                times[name].append(time.perf_counter() - started)
        speed = {name: len(texts) / statistics.median(t) for name, t in times.items()}
        rows.append({"precision": precision, "model": str(model or "model/shipped"), "other": str(other),
                     "model_sentences_per_second": round(speed["model"], 1),
                     "other_sentences_per_second": round(speed["other"], 1),
                     "ratio": round(speed["model"] / speed["other"], 3)})
        print(f"  {precision}: {speed['model']:,.0f} vs {speed['other']:,.0f} sentences/s, ratio "
              f"{speed['model'] / speed['other']:.3f}", flush=True)
    return rows


def measure(args: argparse.Namespace, machine: dict, ceiling: dict) -> dict:
    """Every figure of the run: inference and parity, then cold start, streaming and training."""
    classifier = load_classifier(args.model)
    per_token = flops_per_token(classifier.model.config)
    texts, gold, n_test = fixed_sentences(args.sentences)
    result = {"machine": machine, "ceiling_gflops": {k: round(v, 1) for k, v in ceiling.items()},
              "gflop_per_token": round(per_token / 1e9, 5), "sentences": len(texts)}
    with tempfile.TemporaryDirectory(prefix="stanceframe-speed-") as tmp:
        workdir = Path(tmp)
        checkpoint.export(classifier.transformers_model(), classifier.tokenizer, classifier.calibration, workdir / "export")
        onnx_dir = None
        try:
            from model.onnx_export import export_onnx

            onnx_dir = export_onnx(classifier, workdir / "onnx")
        except ImportError as error:
            print(f"no ONNX rows: {error} (pip install -e \".[onnx]\")", flush=True)
        print(f"inference on {len(texts):,} sentences:")
        rows, outputs, real_tokens = inference(texts, args.batch_sizes, classifier, workdir / "export", ceiling,
                                               per_token, machine["bf16_native"], onnx_dir)
        result.update(real_tokens=real_tokens, inference=rows, parity=parity(outputs, gold, n_test, len(texts)),
                      not_run=NOT_RUN)
        if not args.no_cold_start:
            print("each engine in fresh processes (cold start, peak RSS; 3 each) ...", flush=True)
            result["engines"] = engine_processes(texts, workdir, onnx_dir, workdir / "export",
                                                 machine["bf16_native"], args.model)
        if not args.no_cold_start:
            print("cold start (3 fresh processes each) ...", flush=True)
            result["cold_start"] = cold_start()
        if args.stream:
            precision = "bf16" if machine["bf16_native"] else "fp32"
            print(f"streaming classify-file ({precision}):", flush=True)
            result["stream"] = stream_peak_rss(texts, args.stream, precision, workdir)
        if args.archive:
            import importlib.util

            if importlib.util.find_spec("dask") is None:
                print('no archive rows: Dask is not installed (pip install -e ".[scale]")', flush=True)
            else:
                print("an archive through classify-file and through Dask (classify-archive):", flush=True)
                result["archive"] = archive_run(texts, args.archive, workdir)
        if not args.no_training:
            print("full training run (the shipped recipe) ...", flush=True)
            result["training"] = training_run(per_token, ceiling, args.train_output or workdir / "model")
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    machine = _machine()
    print(f"{machine['cpu']}, {machine['threads']} threads, torch {machine['torch']}, native bf16: {machine['bf16_native']}")
    ceiling = {"fp32": matmul_gflops(torch.float32)}
    if machine["bf16_native"]:
        ceiling["bf16"] = matmul_gflops(torch.bfloat16)
    print("matmul ceiling: " + ", ".join(f"{k} {v:,.0f} GFLOP/s" for k, v in ceiling.items()))
    if args.against is not None:
        texts = fixed_sentences(args.sentences)[0]
        print(f"classify() on {len(texts):,} sentences, {args.model or 'model/shipped'} against {args.against}:")
        rows = against(args.model, args.against, texts, ["fp32", "bf16"] if machine["bf16_native"] else ["fp32"])
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "against.json").write_text(json.dumps({"machine": machine, "rows": rows}, indent=2) + "\n",
                                               encoding="utf-8")
        print(f"wrote {args.out / 'against.json'}")
        return 0
    result = measure(args, machine, ceiling)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "speed.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    markdown = to_markdown(result)
    (args.out / "speed.md").write_text(markdown, encoding="utf-8")
    print()
    print(markdown)
    print(f"wrote {args.out / 'speed.json'} and {args.out / 'speed.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

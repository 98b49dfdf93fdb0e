"""Archives on many cores or many machines: classify_archive(), a Dask engine over classify_file's format.

    python -m model classify-archive IN OUT [--workers 2] [--address tcp://scheduler:8786]

`pip install -e ".[scale]"` brings Dask. Why Dask rather than Ray or Spark: it is pure Python
(no JVM, as Spark needs, and no 100+ MB wheel with its own object store, as Ray has), its
local process pool and a `dask.distributed` cluster run the same task graph, and a file of
sentences maps onto its bag of partitions directly.

How it runs: the driver cuts the input into stretches of `lines_per_part` lines (one pass over
the bytes, data.files.parts), each a task. A worker process loads the model once
(model.load_classifier caches per process), labels its stretch as classify_file does
(model/stream.py: same checks, same output fields, line numbers of the whole file, 4,096 sentences
at a time), and writes a part file. The driver then joins the parts in order into OUT,
atomically. Every sentence is labelled once, in order. Where parts hold whole chunks (the
default, in files without blank lines) each forward pass holds the same sentences as in
classify_file, and the output is byte-for-byte classify_file's in fp32; in bf16 a worker's single
thread rounds differently from two, and scores differ by up to 1e-4 (measured on 20,000
sentences, labels all equal). Parts cut elsewhere change which sentences share a pass, which in
bf16 moves scores by up to 0.007.

On a cluster the input and the parts folder must be on storage every worker sees (a shared
file system); workers need the package and the model (or an ONNX export) installed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from data.files import atomic_output, parts
from model.stream import CHUNK

LINES_PER_PART = 5 * CHUNK
"""Lines per task: a whole number of classify_file's chunks, so that (without blank lines) each
forward pass holds the same sentences as classify_file's and bf16 scores match too."""


def _label_part(job, source: str, parts_dir: str, model, engine, precision, scores, min_confidence, threads) -> int:
    """One task: label one stretch of `source` into parts_dir/part-NNNNN.jsonl; the sentence count."""
    from model.api import resolve_model
    from model.stream import _read_records, label_records

    number, part = job
    classifier = resolve_model(model, precision, engine)  # what classify_file would load: once per process
    if threads and getattr(classifier, "engine", "torch") == "torch":
        import torch

        torch.set_num_threads(threads)  # N workers x all cores each would oversubscribe the CPU
    with open(Path(parts_dir) / f"part-{number:05d}.jsonl", "w", encoding="utf-8") as out:
        return label_records(_read_records(Path(source), part), out, classifier, min_confidence=min_confidence,
                             scores=scores)  # classify_file's loop and chunks: the same passes, flat memory


def classify_archive(source: str | Path, destination: str | Path, *, model: str | Path | None = None,
                     engine: str | None = None, precision: str | None = None, scores: bool = False,
                     min_confidence: float | None = None, lines_per_part: int = LINES_PER_PART,
                     workers: int | None = None, address: str | None = None) -> int:
    """Label `source` into `destination` on a Dask pool (local processes, or the cluster whose
    scheduler is at `address`); the output equals classify_file's. Returns the sentence count.

    Raises:
        FileNotFoundError: no source file.
        ImportError: Dask is not installed (pip install -e ".[scale]").
        ValueError / FormatError: as classify_file (a bad line names its file and line number).
    """
    import dask.bag

    source, destination = Path(source), Path(destination)
    if not source.is_file():
        raise FileNotFoundError(f"no input file {source}")
    if model is not None and not isinstance(model, (str, Path)):
        raise ValueError("classify_archive takes a checkpoint folder (or None), not a loaded model: each worker loads its own")
    workers = workers or os.cpu_count() or 1
    threads = max(1, (os.cpu_count() or 1) // workers) if address is None else None
    jobs = list(enumerate(parts(source, lines_per_part)))
    if not jobs:
        with atomic_output(destination, refuse=(source,)):
            return 0
    with atomic_output(destination, refuse=(source,)) as out:
        parts_dir = destination.with_name(f".{destination.name}.parts")
        shutil.rmtree(parts_dir, ignore_errors=True)
        parts_dir.mkdir(parents=True)
        try:
            bag = dask.bag.from_sequence(jobs, npartitions=len(jobs)).map(
                _label_part, str(source), str(parts_dir), None if model is None else str(model), engine, precision,
                scores, min_confidence, threads)
            if address:
                from dask.distributed import Client

                with Client(address) as client:
                    counts = client.compute(bag).result()
            else:
                # chunksize=1: dask batches 6 tasks per dispatch by default, which put a short
                # archive's every part on one worker while the others were still starting
                counts = bag.compute(scheduler="processes", num_workers=workers, chunksize=1)
            for number, _ in jobs:
                with open(parts_dir / f"part-{number:05d}.jsonl", encoding="utf-8") as part:
                    shutil.copyfileobj(part, out)
        finally:
            shutil.rmtree(parts_dir, ignore_errors=True)
    return sum(counts)

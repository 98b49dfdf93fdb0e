"""The ONNX Runtime engine: classify(..., engine="onnx") without importing torch.

An export folder (`python -m model export --format onnx OUT`, model/onnx_export.py) holds

    model.onnx        the encoder with both heads; its `logits` output already has the decision
                      offset and the temperature folded in, so softmax(logits) is classify()'s
                      distribution; `span_logits` (the speaker/target tags) and `pooled` (what
                      the out-of-domain score measures) beside it
    model-int8.onnx   the same graph with int8 weights (onnxruntime's dynamic quantisation)
    tokenizer.json    the tokenizer (the `tokenizers` library reads it)
    ood.npz           the out-of-domain statistics (model/ood.py), when the checkpoint has them
    onnx.json         labels, max_length, span tags, the files' SHA-256, the source checkpoint

This module needs numpy, tokenizers and onnxruntime only (`pip install -e ".[onnx]"`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from data import LABELS
from data.files import file_sha256
from model.batching import MAX_BATCH_TOKENS, token_batches
from model.errors import CheckpointError
from model.spans import FACTUAL, ROLES, SPAN_TAGS, spans_from_tags

META_FILE = "onnx.json"
VARIANTS = {"fp32": "model.onnx", "int8": "model-int8.onnx"}


def default_onnx_dir() -> Path:
    """STANCEFRAME_ONNX if set, else runs/onnx beside the package (where `make onnx` writes)."""
    return Path(os.environ.get("STANCEFRAME_ONNX", Path(__file__).resolve().parent.parent / "runs" / "onnx"))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


class OnnxClassifier:
    """The ONNX export of a checkpoint, with the inference surface of model.Classifier
    (analyse, calibrate, predict_proba, predict, at_precision) on numpy arrays."""

    engine = "onnx"

    def __init__(self, path: Path, meta: dict, precision: str, session, tokenizer, ood: dict | None):
        self.path, self.meta, self.precision = path, meta, precision
        self.session, self.tokenizer, self.ood = session, tokenizer, ood
        self.max_length = int(meta["max_length"])
        self.has_spans = bool(meta["spans"])
        self._casts: dict[str, OnnxClassifier] = {precision: self}

    @classmethod
    def load(cls, path: str | Path, precision: str = "fp32", threads: int | None = None,
             expect_source: str | Path | None = None) -> "OnnxClassifier":
        """Read an export folder; `precision` "fp32" or "int8" picks the graph. With
        `expect_source` (a checkpoint folder), the export must have been made from it.

        Raises:
            CheckpointError: no export there, a file missing or changed since export, labels
                that differ from data.LABELS, or onnxruntime/tokenizers not installed.
            ValueError: an unknown precision.
        """
        if precision not in VARIANTS:
            raise ValueError(f'engine="onnx" takes precision "fp32" or "int8", got {precision!r}')
        path = Path(path)
        if not (path / META_FILE).is_file():
            raise CheckpointError(f"no ONNX export at {path}: write one with `python -m model export --format onnx "
                                  f"{path}` (or `make onnx`), or pass the folder of an existing export")
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as error:
            raise CheckpointError(f'engine="onnx" needs onnxruntime and tokenizers: pip install -e ".[onnx]" ({error})')
        meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
        if meta.get("labels") != list(LABELS):
            raise CheckpointError(f"ONNX export {path}: labels {meta.get('labels')} differ from {list(LABELS)}")
        if meta.get("spans") and meta.get("span_tags") != list(SPAN_TAGS):
            raise CheckpointError(f"ONNX export {path}: span tags {meta.get('span_tags')} differ from {list(SPAN_TAGS)}")
        if expect_source is not None and (Path(expect_source) / "stanceframe.json").is_file():
            if meta.get("source_sha256") != file_sha256(Path(expect_source) / "stanceframe.json"):
                raise CheckpointError(
                    f"the ONNX export at {path} was not made from the default model {expect_source}: export it again "
                    f"with `python -m model export --format onnx {path}` (or `make onnx`), or pass model= the export")
        graph = VARIANTS[precision]
        for name in (graph, "tokenizer.json", *(["ood.npz"] if meta.get("ood") else [])):
            expected = meta["sha256"].get(name)
            if not (path / name).is_file() or expected is None:
                raise CheckpointError(f"ONNX export {path}: {name} is missing; export again")
            if file_sha256(path / name) != expected:
                raise CheckpointError(f"ONNX export {path}: {name} has changed since export (SHA-256 differs); export again")
        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        session = onnxruntime.InferenceSession(str(path / graph), options, providers=["CPUExecutionProvider"])
        tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.enable_truncation(int(meta["max_length"]))
        ood = None
        if meta.get("ood"):
            with np.load(path / "ood.npz") as stats:
                ood = {key: stats[key] for key in ("means", "precision")}
                ood["threshold"] = float(stats["threshold"].reshape(-1)[0])
        return cls(path, meta, precision, session, tokenizer, ood)

    def at_precision(self, precision: str) -> "OnnxClassifier":
        if precision not in self._casts:
            self._casts[precision] = OnnxClassifier.load(self.path, precision)
        return self._casts[precision]

    def analyse(self, texts: list[str], batch_size: int = 64, max_tokens: int = MAX_BATCH_TOKENS,
                every_sentence: bool = False):
        """Calibrated logits (numpy, (n, labels)), each text's speaker/target spans (acts only, or
        all with `every_sentence`), and out-of-domain distances (None without statistics): what
        model.Classifier.analyse gives."""
        if batch_size < 1 or max_tokens < 1:
            raise ValueError(f"batch_size and max_tokens must be at least 1, got {batch_size} and {max_tokens}")
        texts = list(texts)
        encodings = self.tokenizer.encode_batch(texts)
        lengths = [len(e.ids) for e in encodings]
        logits = np.empty((len(texts), len(LABELS)), dtype=np.float32)
        distances = np.empty(len(texts), dtype=np.float32) if self.ood is not None else None
        found = [dict.fromkeys(ROLES) for _ in texts]
        for index in token_batches(lengths, batch_size, max_tokens):
            width = max(lengths[i] for i in index)
            ids = np.zeros((len(index), width), dtype=np.int64)
            mask = np.zeros((len(index), width), dtype=np.int64)
            for row, i in enumerate(index):
                ids[row, : lengths[i]] = encodings[i].ids
                mask[row, : lengths[i]] = 1
            out, span_logits, pooled = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
            logits[index] = out
            if distances is not None:
                distances[index] = mahalanobis(pooled, self.ood)
            if self.has_spans:
                tags = _softmax(span_logits)
                for row, i in enumerate(index):
                    if every_sentence or out[row].argmax() != FACTUAL:
                        found[i] = spans_from_tags(tags[row, : lengths[i]], encodings[i].offsets, texts[i])
        return logits, found, distances

    def calibrate(self, logits: np.ndarray) -> np.ndarray:
        """Probabilities: the graph's logits already carry the offset and temperature."""
        return _softmax(np.asarray(logits, dtype=np.float64))

    def predict_proba(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        return self.calibrate(self.analyse(texts, batch_size)[0])

    def predict(self, texts: list[str], batch_size: int = 64) -> list[str]:
        return [LABELS[i] for i in self.predict_proba(texts, batch_size).argmax(-1).tolist()]


def mahalanobis(features: np.ndarray, stats: dict) -> np.ndarray:
    """model.ood.distance in numpy: the smallest Mahalanobis distance to a class mean."""
    difference = features.astype(np.float32)[:, None, :] - stats["means"][None]
    squared = np.einsum("ncd,de,nce->nc", difference, stats["precision"], difference)
    return np.sqrt(np.clip(squared, 0, None).min(-1))

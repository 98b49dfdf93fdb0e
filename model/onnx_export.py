"""Export a checkpoint to ONNX for the ONNX Runtime engine (model/onnx_engine.py):
`python -m model export --format onnx OUT [--model DIR]`.

Why torch.onnx and not optimum: the issue asked for `optimum` with `optimum-onnx`, but
optimum-onnx 0.1.0 (the only release) requires transformers < 4.58 and this project runs on
transformers 5.x; installing it downgrades transformers and breaks training. The graph is
exported with torch's own exporter (TorchScript-based, opset 17) from the same lean encoder
classify() runs, and quantised with onnxruntime's `quantize_dynamic`, the call optimum's
ORTQuantizer wraps. Revisit when optimum-onnx supports transformers 5.

The decision offset and temperature are folded into the `logits` output
((logits + bias) / T), so softmax of the graph's logits equals classify()'s probabilities; the
export checks that on sentences of the corpus before it returns.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np
import torch

from data import LABELS
from data.files import file_sha256
from model.onnx_engine import META_FILE, VARIANTS, OnnxClassifier
from model.spans import SPAN_TAGS

OPSET = 17
PARITY_TOLERANCE = 1e-4
"""Largest difference in any probability allowed between the fp32 graph and classify()."""
CHECK_SENTENCES = (
    "Officials accused the militia of shelling the market on Tuesday.",
    "The ministry denied that its troops had crossed the border.",
    "The general vowed to strike back if the attacks continued.",
    "The envoy urged both sides to return to talks in Geneva.",
    "The convoy reached the town after a six-hour drive.",
)


INT8_OPTIONS = {"op_types_to_quantize": ["MatMul"], "per_channel": True, "reduce_range": True}
"""int8 weights for the weight matrices only (not the embedding lookups), one scale per output
channel, 7-bit range (safe on CPUs without VNNI). Measured on the first 2,000 test-split
sentences: onnxruntime's defaults (all ops, per tensor) lost 0.015 macro-F1 (97.0% of labels
unchanged); MatMul only, per tensor, 0.015; per channel, 0.005; per channel with reduce_range,
0.001 (99.2% unchanged) at the same speed (~420 sentences/s at batch 32)."""


class _Graph(torch.nn.Module):
    """The lean encoder with the calibration folded into its logits; three outputs."""

    def __init__(self, classifier):
        super().__init__()
        self.model = classifier.model
        self.register_buffer("bias", torch.tensor(classifier.bias, dtype=torch.float32))
        self.temperature = float(classifier.temperature)

    def forward(self, input_ids, attention_mask):
        out = self.model(input_ids=input_ids, attention_mask=attention_mask)
        span_logits = out.span_logits if out.span_logits is not None else torch.zeros(
            (*input_ids.shape, len(SPAN_TAGS)), dtype=out.logits.dtype)
        return (out.logits + self.bias) / self.temperature, span_logits, out.pooled


def export_onnx(classifier, out: str | Path, int8: bool = True, source: str | Path | None = None) -> Path:
    """Write `classifier` (a model.Classifier on the lean encoder, fp32) as an ONNX export folder;
    `source`, the checkpoint folder it was loaded from, is recorded (with the SHA-256 of its
    stanceframe.json, so that engine="onnx" can tell an export of the default model from another).

    Raises:
        ValueError: the checkpoint is not a BERT on the lean encoder (the mpnet teacher, say).
        RuntimeError: the fp32 graph's probabilities differ from classify()'s by more than
            PARITY_TOLERANCE (the folder is still written, for inspection).
    """
    from model.encoder import LeanBertClassifier

    if not isinstance(classifier.model, LeanBertClassifier):
        raise ValueError("ONNX export supports the BERT checkpoints classify() runs on its lean encoder; "
                         f"this one is {type(classifier.model).__name__}")
    classifier = classifier.at_precision("fp32")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    graph = _Graph(classifier).eval()
    sample = classifier.tokenizer(list(CHECK_SENTENCES[:2]), padding=True, return_tensors="pt")
    with torch.inference_mode():
        torch.onnx.export(
            graph, (sample["input_ids"], sample["attention_mask"]), str(out / VARIANTS["fp32"]), dynamo=False,
            input_names=["input_ids", "attention_mask"], output_names=["logits", "span_logits", "pooled"],
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                          "logits": {0: "batch"}, "span_logits": {0: "batch", 1: "tokens"}, "pooled": {0: "batch"}},
            opset_version=OPSET, do_constant_folding=True,
        )
    if int8:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(out / VARIANTS["fp32"]), str(out / VARIANTS["int8"]), weight_type=QuantType.QInt8,
                         **INT8_OPTIONS)
    classifier.tokenizer.backend_tokenizer.save(str(out / "tokenizer.json"))
    if classifier.ood is not None:
        np.savez(out / "ood.npz", **{k: v.float().numpy() for k, v in classifier.ood.items()})
    files = [VARIANTS["fp32"], "tokenizer.json"] + ([VARIANTS["int8"]] if int8 else []) + (
        ["ood.npz"] if classifier.ood is not None else [])
    import onnxruntime

    meta = {
        "labels": list(LABELS), "max_length": classifier.max_length, "spans": classifier.has_spans,
        "span_tags": list(SPAN_TAGS), "ood": classifier.ood is not None, "opset": OPSET,
        "calibration": {"bias": list(classifier.bias), "temperature": classifier.temperature,
                        "note": "folded into the logits output"},
        "source": str(source) if source is not None else None,
        "source_sha256": file_sha256(Path(source) / "stanceframe.json") if source is not None and (
            Path(source) / "stanceframe.json").is_file() else None,
        "variants": {name: file for name, file in VARIANTS.items() if file in files},
        "sha256": {name: file_sha256(out / name) for name in files},
        "versions": {"torch": torch.__version__, "onnxruntime": onnxruntime.__version__,
                     "python": platform.python_version()},
    }
    (out / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    check_parity(classifier, out)
    return out


def check_parity(classifier, out: Path, texts=CHECK_SENTENCES) -> float:
    """The largest probability difference between the fp32 graph and `classifier`; raises over tolerance."""
    expected = classifier.predict_proba(list(texts)).numpy()
    got = OnnxClassifier.load(out, "fp32").predict_proba(list(texts))
    worst = float(np.abs(expected - got).max())
    if worst > PARITY_TOLERANCE:
        raise RuntimeError(f"ONNX export {out}: probabilities differ from classify()'s by {worst:.2e} "
                           f"(tolerance {PARITY_TOLERANCE:g})")
    return worst

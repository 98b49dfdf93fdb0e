"""Knowledge distillation: a large teacher's soft labels, shipped in data/, taught to the small model.

    python -m training.distill label --teacher runs/teacher-mpnet   # teacher logits -> data/soft_labels/
    python -m training --soft-labels data/soft_labels/mpnet.jsonl    # the student learns from them

The teacher (all-mpnet-base-v2 fine-tuned on the corpus, `make teacher`, about 30 minutes on
2 cores) labels the corpus's train split and the unlabelled pool (`data/unlabelled/*.txt`, our own
writing, no gold labels). Its raw logits are stored one line per sentence, keyed by the SHA-256
of the text, so `make run` distils without the teacher or the 420 MB base model:

    {"sha256": "...", "logits": [2.31, -0.4, ...]}

The student's loss per sentence is

    w * T^2 * KL(softmax(teacher / T) || softmax(student / T)) + (1 - w) * CE(student, gold)

(Hinton et al., 2015) with w = `distill_weight`, T = `distill_temperature`; sentences of the
unlabelled pool have no gold label and take the KL term alone. Dev and test sentences are never
labelled by the teacher nor trained on.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import torch
from transformers import Trainer

from data.corpus import PACKAGE_DIR, SPLIT_SEED
from data.files import read_jsonl
from model.spans import SPAN_LOSS_WEIGHT, span_loss

from training.config import UNLABELLED_DIR

SOFT_LABELS_DIR = PACKAGE_DIR / "soft_labels"
NO_LABEL = -100
"""The gold label of a sentence from the unlabelled pool: cross-entropy ignores it."""


def text_key(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def unlabelled_sentences(directory: str | Path = UNLABELLED_DIR) -> list[str]:
    """Every sentence the splitter yields from the pool's .txt files (skipped segments left out)."""
    from data import split_document

    sentences = []
    for path in sorted(Path(directory).glob("*.txt")):
        sentences += [s.text for s in split_document(path.read_text(encoding="utf-8")).sentences if s.skip is None]
    return sentences


def read_soft_labels(path: str | Path) -> dict[str, list[float]]:
    """sha256 of a sentence -> the teacher's logits.

    Raises:
        FileNotFoundError: no file there (the message says how to make one).
        ValueError: a malformed line, with its number.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no soft labels at {path}: make them with `python -m training.distill label --teacher DIR` "
            "(a teacher trained by `make teacher`)"
        )
    out = {}
    for line_no, record in read_jsonl(path):
        try:
            key, logits = record["sha256"], [float(x) for x in record["logits"]]
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"{path}:{line_no}: expected {{\"sha256\", \"logits\"}} ({error})") from None
        out[key] = logits
    return out


class DistillTrainer(Trainer):
    """The HF Trainer with the distillation loss; batches carry `teacher_logits` and `has_teacher`."""

    def __init__(self, *args, distill_weight: float = 0.5, distill_temperature: float = 2.0, **kwargs):
        super().__init__(*args, **kwargs)
        self.distill_weight = distill_weight
        self.distill_temperature = distill_temperature

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        teacher = inputs.pop("teacher_logits")
        has_teacher = inputs.pop("has_teacher").bool()
        labels = inputs.pop("labels")
        span_labels = inputs.pop("span_labels", None)
        inputs.pop("length", None)
        outputs = model(**inputs)
        loss = distillation_loss(outputs.logits, labels, teacher, has_teacher, self.distill_weight, self.distill_temperature)
        if span_labels is not None:
            weight = getattr(model.config, "span_loss_weight", SPAN_LOSS_WEIGHT)
            loss = loss + weight * span_loss(outputs.span_logits, span_labels)
        return (loss, outputs) if return_outputs else loss


def distillation_loss(student: torch.Tensor, labels: torch.Tensor, teacher: torch.Tensor, has_teacher: torch.Tensor,
                      weight: float, temperature: float) -> torch.Tensor:
    """Mean over the batch of the per-sentence loss in the module docstring.

    A sentence without a teacher label takes cross-entropy alone; one without a gold label
    (NO_LABEL) takes the KL term alone, at full weight.

    Example:
        >>> s = torch.tensor([[2.0, 0.0]]); t = torch.tensor([[2.0, 0.0]])
        >>> round(float(distillation_loss(s, torch.tensor([-100]), t, torch.tensor([True]), 0.5, 2.0)), 6)
        0.0
    """
    student = student.float()
    t = temperature
    kl = torch.nn.functional.kl_div(
        torch.log_softmax(student / t, -1), torch.log_softmax(teacher.float() / t, -1), log_target=True, reduction="none"
    ).sum(-1) * t * t
    has_gold = labels != NO_LABEL
    ce = torch.nn.functional.cross_entropy(student, labels.clamp(min=0), reduction="none")
    kl_weight = torch.where(has_gold, torch.full_like(kl, weight), torch.ones_like(kl)) * has_teacher
    ce_weight = torch.where(has_teacher, torch.full_like(ce, 1 - weight), torch.ones_like(ce)) * has_gold
    return (kl_weight * kl + ce_weight * ce).sum() / max(len(student), 1)


def attach_soft_labels(texts: list[str], soft: dict[str, list[float]], width: int) -> tuple[list[list[float]], list[int]]:
    """Each text's teacher logits (zeros where the file has none) and a 0/1 flag for having them."""
    logits, flags = [], []
    for text in texts:
        found = soft.get(text_key(text))
        logits.append(found if found is not None else [0.0] * width)
        flags.append(int(found is not None))
    return logits, flags


def label(teacher: str | Path, out: str | Path, corpus_dir=None, unlabelled_dir=UNLABELLED_DIR,
          split_seed: int = SPLIT_SEED, batch_size: int = 32) -> dict:
    """Write the teacher's logits for the train split and the unlabelled pool to `out`; return a summary."""
    from tqdm.auto import tqdm

    from data import load_corpus
    from data.corpus import ANNOTATIONS_DIR, corpus_hash
    from data.files import file_sha256
    from model.classifier import Classifier

    corpus = load_corpus(corpus_dir or ANNOTATIONS_DIR, seed=split_seed)
    texts = list(dict.fromkeys(list(corpus["train"]["text"]) + unlabelled_sentences(unlabelled_dir)))
    classifier = Classifier.from_pretrained(teacher)
    rows = []
    step = 512
    for start in tqdm(range(0, len(texts), step), desc="teacher logits", unit_scale=step, unit=" sent"):
        chunk = texts[start:start + step]
        for text, logits in zip(chunk, classifier.logits(chunk, batch_size=batch_size).tolist()):
            rows.append({"sha256": text_key(text), "logits": [round(x, 3) for x in logits]})
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    weights = Path(teacher) / "model.safetensors"
    summary = {
        "teacher": str(teacher), "teacher_training": _teacher_record(Path(teacher)), "sentences": len(rows), "train_split_sentences": len(corpus["train"]),
        "split_seed": split_seed, "corpus_hash": corpus_hash(corpus_dir or ANNOTATIONS_DIR),
        "teacher_weights_sha256": file_sha256(weights) if weights.is_file() else None,
        "soft_labels_sha256": file_sha256(out),
    }
    out.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def _teacher_record(teacher: Path) -> dict | None:
    """The teacher's recipe and dev score from its training.json, with folder names instead of paths."""
    path = teacher / "training.json"
    if not path.is_file():
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    config = dict(record.get("config", {}))
    for key in ("base_model", "output_dir", "corpus_dir", "unlabelled_dir", "soft_labels"):
        if config.get(key):
            config[key] = Path(config[key]).name
    return {"config": config, "data_hash": record.get("data_hash"), "dev": record.get("dev"),
            "train_seconds": record.get("train_seconds")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.distill", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    labeller = sub.add_parser("label", help="write a teacher's logits for the train split and the unlabelled pool")
    labeller.add_argument("--teacher", required=True, help="a checkpoint directory (e.g. runs/teacher-mpnet)")
    labeller.add_argument("--out", default=str(SOFT_LABELS_DIR / "mpnet.jsonl"))
    labeller.add_argument("--split-seed", type=int, default=13)
    labeller.add_argument("--corpus-dir", default=None, help="annotations to take the train split from (default: data/annotations)")
    args = parser.parse_args(argv)
    try:
        summary = label(args.teacher, args.out, corpus_dir=args.corpus_dir, split_seed=args.split_seed)
    except (OSError, ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"wrote {summary['sentences']} teacher labels to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Fine-tune the base model on the corpus with the HF Trainer: train(config)."""

from __future__ import annotations

import json
import logging
import platform
import time
from pathlib import Path

import torch
from transformers import DataCollatorWithPadding, Trainer, TrainingArguments, set_seed

from data import LABELS, corpus_hash, load_corpus
from data.corpus import without_documents
from model import Classifier, checkpoint
from model.calibration import fit_factual_bias, fit_temperature
from model.scoring import score_ids
from model.spans import ROLES, locate, tag_tokens
from training.config import LORA_TARGETS, TrainConfig

log = logging.getLogger(__name__)
RUN_RECORD = "training.json"
"""Saved beside the checkpoint: the config, the data's hash, dev metrics, timings, versions."""


def train(config: TrainConfig) -> dict:
    """Fine-tune, save the checkpoint to `config.output_dir`, and return the run record.

    Example:
        >>> record = train(TrainConfig(epochs=1, max_train_samples=64))  # doctest: +SKIP
        >>> record["dev"]["macro_f1"]  # doctest: +SKIP
    """
    set_seed(config.seed)
    use_cuda = _use_cuda(config)
    corpus = without_documents(load_corpus(config.corpus_dir, seed=config.split_seed), config.exclude_docs)
    user = None
    if config.data:
        from training.adapt import user_sets

        user = user_sets(config.data, config.heldout, config.seed)
    train_set, soft_count = training_set(corpus["train"], config, user["adapt"] if user else None)
    classifier = build_classifier(config)
    tokenized = _tokenize(train_set, classifier.tokenizer, config.max_length, config.spans)
    trainer = build_trainer(classifier, tokenized, config, use_cuda)
    started = time.perf_counter()
    result = trainer.train()
    seconds = time.perf_counter() - started
    classifier.model.eval()
    dev_logits, dev_gold = classifier.logits(corpus["dev"]["text"]), corpus["dev"]["label"]
    calibrate(classifier, dev_logits, dev_gold, config)
    record = {
        "config": json.loads(config.to_json()),
        "data_hash": corpus_hash(config.corpus_dir),
        "train_sentences": len(train_set),
        "distillation": soft_count,
        "train_seconds": round(seconds, 1),
        "train_sentences_per_second": round(len(train_set) * config.epochs / seconds, 1),
        "train_tokens_per_second": round(sum(tokenized["length"]) * config.epochs / seconds, 1),
        "train_loss": round(result.training_loss, 4),
        "device": "cuda" if use_cuda else "cpu",
        "temperature": round(classifier.temperature, 4),
        "bias": classifier.bias,
        "dev": dev_scores(dev_logits + torch.tensor(classifier.bias), dev_gold),
        "excluded_documents": config.exclude_docs,
        "versions": {"torch": torch.__version__, "python": platform.python_version()},
    }
    save(classifier, record, Path(config.output_dir))
    if config.spans and config.span_head_epochs:
        from training.span_head import attach as attach_span_head

        record["span_head"] = attach_span_head(config.output_dir, corpus, config.span_head_epochs, config.seed,
                                               max_train=config.max_train_samples)
    if config.ood:
        from training.ood import attach

        record["ood"] = attach(config.output_dir, config.corpus_dir, config.split_seed)
    if user is not None:
        from training.adapt import before_after

        record["adaptation"] = before_after(config.init_from, config.output_dir, user, corpus["test"])
    (Path(config.output_dir) / RUN_RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def _use_cuda(config: TrainConfig) -> bool:
    if config.device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("TrainConfig.device is 'cuda' but torch sees no CUDA device: use device='auto' or 'cpu'")
    return config.device == "cuda" or (config.device == "auto" and torch.cuda.is_available())


def training_set(train_split, config: TrainConfig, user_rows=None):
    """The shuffled train split (cut to max_train_samples), with the teacher's logits and the
    unlabelled pool when distilling; and the distillation counts (None without). With a user's
    rows (--data), those rows plus a replay sample of `config.replay` corpus sentences instead."""
    if user_rows is not None:
        import datasets

        replay = train_split.shuffle(seed=config.seed).select(range(min(config.replay, len(train_split))))
        log.info("adapting on %d of your sentences plus %d replayed corpus sentences", len(user_rows), len(replay))
        train_split = datasets.concatenate_datasets([user_rows, replay])
    train_set = train_split.shuffle(seed=config.seed)
    if config.max_train_samples:
        train_set = train_set.select(range(min(config.max_train_samples, len(train_set))))
    if config.soft_labels:
        return with_teacher(train_set, config)
    return train_set, None


def build_classifier(config: TrainConfig) -> Classifier:
    """A fresh head over the base model, wrapped in LoRA adapters for method="lora"."""
    if config.spans and config.base_model is not None:
        from transformers import AutoConfig

        if AutoConfig.from_pretrained(config.base_model).model_type != "bert":
            raise ValueError(f"the span head is built for BERT encoders; {config.base_model} is not one: "
                             "pass --spans false")
    overrides = {"span_loss_weight": config.span_weight} if config.spans else {}
    start = checkpoint.format_of(config.init_from) if config.init_from else None
    if start and config.spans and checkpoint.span_hidden_of(config.init_from):  # the LSTM token head goes on
        overrides["span_hidden"] = checkpoint.span_hidden_of(config.init_from)
    if start == "full":  # the checkpoint's own weights are the start; a head it lacks starts fresh
        classifier = Classifier.new(config.init_from, spans=config.spans, **overrides)
    else:
        classifier = Classifier.new(config.base_model, spans=config.spans, **overrides)
    classifier.max_length = config.max_length
    if start == "adapter":
        classifier.model = continue_lora(classifier.model, config)
    elif config.method == "lora":
        classifier.model = with_lora(classifier.model, config)
    return classifier


def continue_lora(model, config: TrainConfig):
    """`model` (the base) with the adapter saved at config.init_from, trainable; a head the adapter
    lacks (the span head of a checkpoint trained without one) starts fresh and trains in full."""
    from peft import LoraConfig, get_peft_model, get_peft_model_state_dict, set_peft_model_state_dict
    from safetensors.torch import load_file

    lora = LoraConfig.from_pretrained(config.init_from)
    lora.modules_to_save = sorted(set(lora.modules_to_save or []) | set(_heads(config)))
    lora.inference_mode = False
    model = get_peft_model(model, lora)
    state = get_peft_model_state_dict(model)  # fresh weights, for what the saved adapter lacks
    state.update(load_file(Path(config.init_from) / "adapter_model.safetensors"))
    set_peft_model_state_dict(model, state)
    return model


def _heads(config: TrainConfig) -> list[str]:
    return ["classifier", "pooler", "span_classifier"] if config.spans else ["classifier", "pooler"]


def build_trainer(classifier: Classifier, tokenized, config: TrainConfig, use_cuda: bool) -> Trainer:
    """The HF Trainer (the distillation one with soft labels), with no checkpoints or evaluation mid-run."""
    args = TrainingArguments(
        output_dir=str(Path(config.output_dir) / "trainer"),
        num_train_epochs=config.epochs,
        learning_rate=config.learning_rate,
        per_device_train_batch_size=config.batch_size,
        weight_decay=config.weight_decay,
        warmup_steps=config.warmup_ratio,  # transformers 5: a float below 1 is a share of the steps
        lr_scheduler_type="linear",
        seed=config.seed,
        data_seed=config.seed,
        train_sampling_strategy="group_by_length",
        use_cpu=not use_cuda,
        bf16=use_cuda and torch.cuda.is_bf16_supported(),
        fp16=use_cuda and not torch.cuda.is_bf16_supported(),
        save_strategy="no",
        eval_strategy="no",
        logging_steps=20,
        report_to="none",
        label_smoothing_factor=config.label_smoothing,
        remove_unused_columns=not config.soft_labels,  # the distillation loss reads teacher_logits
    )
    common = {"model": classifier.model, "args": args, "train_dataset": tokenized,
              "data_collator": SpanCollator(classifier.tokenizer)}
    if config.soft_labels:
        from training.distill import DistillTrainer

        return DistillTrainer(**common, distill_weight=config.distill_weight,
                              distill_temperature=config.distill_temperature)
    if config.class_balance:
        return WeightedTrainer(**common, label_weights=label_weights(tokenized["label"], config.class_balance))
    return Trainer(**common)


def label_weights(labels: list[int], power: float) -> torch.Tensor:
    """(share of each label) ** -power, normalised so that the weights average 1 over the labels.

    Example:
        >>> [round(w, 2) for w in label_weights([0, 0, 0, 1, 2, 3, 4], 1.0).tolist()]
        [0.38, 1.15, 1.15, 1.15, 1.15]
    """
    counts = torch.bincount(torch.tensor(labels), minlength=len(LABELS)).float().clamp(min=1)
    weights = (counts / counts.sum()) ** -power
    return weights / weights.mean()


class WeightedTrainer(Trainer):
    """The HF Trainer with a label-weighted sentence cross-entropy (TrainConfig.class_balance)."""

    def __init__(self, *args, label_weights: torch.Tensor, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_weights = label_weights

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        from model.spans import SPAN_LOSS_WEIGHT, span_loss

        labels = inputs.pop("labels")
        span_labels = inputs.pop("span_labels", None)
        outputs = model(**inputs)
        loss = torch.nn.functional.cross_entropy(outputs.logits.float(), labels,
                                                 weight=self.label_weights.to(outputs.logits.device))
        if span_labels is not None:
            loss = loss + getattr(model.config, "span_loss_weight", SPAN_LOSS_WEIGHT) * span_loss(outputs.span_logits, span_labels)
        return (loss, outputs) if return_outputs else loss


def calibrate(classifier: Classifier, dev_logits: torch.Tensor, dev_gold: list[int], config: TrainConfig) -> None:
    """Set the factual_report offset (with a factual_prior) and the temperature, both fitted on dev."""
    if config.factual_prior is not None:
        factual = LABELS.index("factual_report")
        classifier.bias[factual] = fit_factual_bias(dev_logits, dev_gold, config.factual_prior, factual)
    if config.calibrate:
        classifier.temperature = fit_temperature(dev_logits, dev_gold, torch.tensor(classifier.bias))


def with_teacher(train_set, config: TrainConfig):
    """The train split plus the unlabelled pool, each sentence with its teacher logits (training/distill.py).

    Returns the dataset (text, label, teacher_logits, has_teacher; label -100 for the pool) and
    counts of what the soft labels cover. Train sentences the teacher never saw (annotations added
    after `python -m training.distill label`) keep their gold label alone, with a warning.
    """
    import datasets

    from training.distill import NO_LABEL, attach_soft_labels, read_soft_labels, text_key, unlabelled_sentences

    soft = read_soft_labels(config.soft_labels)
    pool = [t for t in dict.fromkeys(unlabelled_sentences(config.unlabelled_dir)) if text_key(t) in soft]
    texts = list(train_set["text"]) + pool
    labels = list(train_set["label"]) + [NO_LABEL] * len(pool)
    logits, flags = attach_soft_labels(texts, soft, len(LABELS))
    missing = len(train_set) - sum(flags[: len(train_set)])
    if missing:
        log.warning("%d of %d train sentences have no teacher label in %s: they train on their gold label alone "
                    "(relabel with `python -m training.distill label`)", missing, len(train_set), config.soft_labels)
    spans = {role: list(train_set[role]) + [None] * len(pool) for role in ROLES}  # the pool has no spans: tags O
    dataset = datasets.Dataset.from_dict(
        {"text": texts, "label": labels, "teacher_logits": logits, "has_teacher": flags, **spans}
    ).shuffle(seed=config.seed)
    counts = {"soft_labels": config.soft_labels, "train_with_teacher": len(train_set) - missing,
              "train_without_teacher": missing, "unlabelled_pool": len(pool),
              "weight": config.distill_weight, "temperature": config.distill_temperature}
    return dataset, counts


def with_lora(model, config: TrainConfig):
    """Wrap `model` with LoRA adapters on the encoder; the classifier head and pooler train in full."""
    from peft import LoraConfig, TaskType, get_peft_model

    lora = LoraConfig(
        task_type=TaskType.SEQ_CLS, r=config.lora_r, lora_alpha=config.lora_alpha, lora_dropout=config.lora_dropout,
        target_modules=LORA_TARGETS, modules_to_save=_heads(config),
    )
    return get_peft_model(model, lora)


def dev_scores(logits, gold: list[int]) -> dict:
    """Macro-F1 and accuracy on the dev split, through the project's metric (model.scoring)."""
    result = score_ids(gold, logits.argmax(-1).tolist())
    return {"sentences": len(gold), "macro_f1": round(result["macro_f1"], 4), "accuracy": round(result["accuracy"], 4)}


def save(classifier: Classifier, record: dict, output_dir: Path) -> None:
    """Write the checkpoint and the run record; leave no Trainer scratch files behind."""
    classifier.save_pretrained(output_dir)
    (output_dir / RUN_RECORD).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    scratch = output_dir / "trainer"
    if scratch.is_dir():
        import shutil

        shutil.rmtree(scratch)
    log.info("saved checkpoint to %s (dev macro-F1 %.3f)", output_dir, record["dev"]["macro_f1"])


def _tokenize(dataset, tokenizer, max_length: int, spans: bool = False):
    """input_ids (and, with `spans`, span_labels: each token's BIO tag from the row's speaker and
    target, found in the sentence; a span only in the sentence before leaves the tokens O)."""
    def encode(batch):
        encoded = tokenizer(batch["text"], truncation=True, max_length=max_length, return_offsets_mapping=spans)
        if spans:
            offsets = encoded.pop("offset_mapping")
            encoded["span_labels"] = [
                tag_tokens(o, {role: locate(text, batch[role][i]) for role in ROLES})
                for i, (text, o) in enumerate(zip(batch["text"], offsets))
            ]
        return encoded

    keep = {"input_ids", "attention_mask", "token_type_ids", "label", "teacher_logits", "has_teacher", "span_labels"}
    encoded = dataset.map(encode, batched=True, desc="tokenizing")
    encoded = encoded.remove_columns([c for c in encoded.column_names if c not in keep])
    return encoded.map(lambda row: {"length": len(row["input_ids"])}, desc="measuring lengths")


class SpanCollator(DataCollatorWithPadding):
    """Dynamic padding, with the token tags (span_labels) padded by -100 to the batch's length."""

    def __call__(self, features):
        tags = [f.pop("span_labels") for f in features] if features and "span_labels" in features[0] else None
        batch = super().__call__(features)
        if tags is not None:
            width = batch["input_ids"].shape[1]
            batch["span_labels"] = torch.tensor([t + [-100] * (width - len(t)) for t in tags])
        return batch

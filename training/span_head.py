"""Train the LSTM span head (model/span_head.py) on a checkpoint's frozen encoder.

    python -m training.span_head CHECKPOINT --output-dir OUT [--epochs 32]   (or --in-place)

`python -m training` runs this step after fine-tuning (TrainConfig.span_head_epochs); the command
above runs it on a checkpoint that already exists (the shipped one was made so). The encoder's
last hidden states of the corpus's act sentences are computed once; the head learns the BIO tags
of their annotated speaker and target; after each epoch it is scored on the dev split's acts
(speaker and target token-F1, as `python -m eval spans` counts them) and the best epoch is kept.
Only the token head changes: the sentence labels, probabilities and out-of-domain statistics are
exactly those of the checkpoint.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import sys
import time
from pathlib import Path

import torch

from data import ACT_LABELS, SPLIT_SEED, gold_labels, load_corpus
from model import checkpoint
from model.span_head import SPAN_HIDDEN, SpanHead
from model.spans import ROLES, SPAN_TAGS, in_sentence, locate, span_loss, span_scores, spans_from_tags, tag_tokens
from training.config import TrainConfig

log = logging.getLogger(__name__)
LEARNING_RATE = 1e-3
BATCH_SIZE = 32
EPOCHS = TrainConfig.span_head_epochs
"""Epochs at most (the best on dev is kept): the training default, one number for both commands."""


def act_rows(split) -> list[dict]:
    """The split's sentences whose gold label is an act, with their speaker and target."""
    labels = gold_labels(split)
    texts, speakers, targets = list(split["text"]), list(split["speaker"]), list(split["target"])
    return [{"text": t, "speaker": s, "target": g} for t, s, g, label in zip(texts, speakers, targets, labels)
            if label in ACT_LABELS]


def encode(classifier, rows: list[dict], batch_size: int = 64) -> list[dict]:
    """Each row with its tokens' offsets, gold BIO tags and the frozen encoder's last hidden states."""
    texts = [row["text"] for row in rows]
    encoded = classifier.tokenizer(texts, truncation=True, max_length=classifier.max_length,
                                   return_offsets_mapping=True)
    items = []
    classifier.model.eval()
    with torch.inference_mode():
        for start in range(0, len(rows), batch_size):
            ids = encoded["input_ids"][start:start + batch_size]
            batch = classifier.tokenizer.pad({"input_ids": ids}, return_tensors="pt").to(classifier.device)
            hidden = classifier.model(**batch).hidden.float().cpu()
            for row, (text_ids, offsets, record) in enumerate(
                    zip(ids, encoded["offset_mapping"][start:start + batch_size], rows[start:start + batch_size])):
                spans = {role: locate(record["text"], record[role]) for role in ROLES}
                items.append({**record, "offsets": offsets, "tags": tag_tokens(offsets, spans),
                              "hidden": hidden[row, : len(text_ids)].clone()})
    return items


def _batches(items: list[dict], batch_size: int, order: list[int]):
    for start in range(0, len(order), batch_size):
        chosen = [items[i] for i in order[start:start + batch_size]]
        width = max(len(item["tags"]) for item in chosen)
        hidden = torch.zeros(len(chosen), width, chosen[0]["hidden"].shape[-1])
        mask = torch.zeros(len(chosen), width, dtype=torch.long)
        tags = torch.full((len(chosen), width), -100)
        for row, item in enumerate(chosen):
            n = len(item["tags"])
            hidden[row, :n], mask[row, :n], tags[row, :n] = item["hidden"], 1, torch.tensor(item["tags"])
        yield chosen, hidden, mask, tags


def score(head: SpanHead, items: list[dict]) -> dict:
    """Speaker and target token-F1 and exact-match F1 of `head` on `items` (gold spans that lie in the sentence)."""
    head.eval()
    found = []
    with torch.inference_mode():
        for chosen, hidden, mask, _ in _batches(items, 64, list(range(len(items)))):
            probabilities = torch.softmax(head(hidden, mask), -1)
            for row, item in enumerate(chosen):
                found.append(spans_from_tags(probabilities[row, : len(item["tags"])], item["offsets"], item["text"]))
    result = {}
    for role in ROLES:
        pairs = [(f[role].text if f[role] else None, in_sentence(item[role], item["text"]))
                 for f, item in zip(found, items)]
        scores = span_scores(pairs)
        result[role] = {"token_f1": scores["token"]["f1"], "exact_f1": scores["exact"]["f1"]}
    return result


def fit(train: list[dict], dev: list[dict], epochs: int, seed: int = 13, span_hidden: int = SPAN_HIDDEN,
        progress: bool = True) -> tuple[SpanHead, list[dict], int]:
    """A SpanHead trained on `train` (items of `encode`) for `epochs`; the epoch with the best mean of
    speaker and target token-F1 on `dev` is kept. Returns the head, each epoch's dev scores, and
    the best epoch (1-based)."""
    from tqdm.auto import tqdm

    if not train or not dev:
        raise ValueError(f"the span head needs act sentences to train and to choose on (got {len(train)} and {len(dev)})")
    torch.manual_seed(seed)
    shuffle = random.Random(seed)
    head = SpanHead(train[0]["hidden"].shape[-1], len(SPAN_TAGS), span_hidden)
    optimiser = torch.optim.AdamW(head.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    history, best, best_state = [], -1.0, None
    bar = tqdm(range(epochs), desc="span head", unit="epoch", disable=not progress)
    for _ in bar:
        head.train()
        order = list(range(len(train)))
        shuffle.shuffle(order)
        for _, hidden, mask, tags in _batches(train, BATCH_SIZE, order):
            loss = span_loss(head(hidden, mask), tags)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(head.parameters(), 1.0)
            optimiser.step()
        scores = score(head, dev)
        history.append(scores)
        mean = (scores["speaker"]["token_f1"] + scores["target"]["token_f1"]) / 2
        bar.set_postfix(speaker=scores["speaker"]["token_f1"], target=scores["target"]["token_f1"])
        if mean > best:
            best, best_state, best_epoch = mean, {k: v.clone() for k, v in head.state_dict().items()}, len(history)
    head.load_state_dict(best_state)
    return head.eval(), history, best_epoch


def attach(path: str | Path, corpus=None, epochs: int = EPOCHS, seed: int = 13, progress: bool = True,
           max_train: int | None = None) -> dict:
    """Train the span head on the encoder of the checkpoint at `path` (the corpus's train and dev
    acts; the first `max_train` train acts only, when given) and write it into that checkpoint.
    Returns what training.json records."""
    from model import Classifier

    started = time.perf_counter()
    corpus = corpus if corpus is not None else load_corpus(seed=SPLIT_SEED)
    classifier = Classifier.from_pretrained(path)
    if not classifier.has_spans:
        raise ValueError(f"the checkpoint {path} has no span head: train it with --spans true")
    train, dev = encode(classifier, act_rows(corpus["train"])[:max_train]), encode(classifier, act_rows(corpus["dev"]))
    head, history, best_epoch = fit(train, dev, epochs, seed, progress=progress)
    checkpoint.write_span_head(path, head, SPAN_HIDDEN)
    record = {"span_hidden": SPAN_HIDDEN, "epochs": epochs, "best_epoch": best_epoch, "dev": history[best_epoch - 1],
              "history": history, "train_acts": len(train), "dev_acts": len(dev),
              "seconds": round(time.perf_counter() - started, 1)}
    log.info("span head: epoch %d of %d kept, dev speaker token-F1 %.3f, target %.3f", best_epoch, epochs,
             record["dev"]["speaker"]["token_f1"], record["dev"]["target"]["token_f1"])
    return record


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.span_head", description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint", help="a checkpoint folder trained with the span head (e.g. model/shipped)")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--output-dir", "-o", default=None,
                       help="a new (or empty) folder: the checkpoint is copied there and gets the new head")
    where.add_argument("--in-place", action="store_true",
                       help="replace the token head of CHECKPOINT itself (its sentence head stays as it is)")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"epochs at most; the best on dev is kept (default: {EPOCHS})")
    parser.add_argument("--seed", type=int, default=13, help="seeds the head's initialisation and batch order (default: 13)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    source = Path(args.checkpoint)
    try:
        checkpoint.format_of(source)
    except checkpoint.CheckpointError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.epochs < 1:
        print("error: --epochs must be at least 1", file=sys.stderr)
        return 2
    target = Path(args.output_dir) if args.output_dir else source
    if target != source:
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            print(f"error: {target} exists and is not an empty folder: choose a new folder", file=sys.stderr)
            return 2
        shutil.copytree(source, target, dirs_exist_ok=True)
    record = attach(target, epochs=args.epochs, seed=args.seed)
    run = target / "training.json"
    saved = json.loads(run.read_text(encoding="utf-8")) if run.is_file() else {}
    saved["span_head"] = record
    run.write_text(json.dumps(saved, indent=2) + "\n", encoding="utf-8")
    print(f"wrote the span head into {target} (epoch {record['best_epoch']}: dev speaker token-F1 "
          f"{record['dev']['speaker']['token_f1']:.3f}, target {record['dev']['target']['token_f1']:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Distillation: the loss, the soft-label file, and how a training set takes the teacher's labels."""

import json

import pytest
import torch

from training.distill import NO_LABEL, attach_soft_labels, distillation_loss, read_soft_labels, text_key


def _loss(student, labels, teacher, has_teacher, weight=0.5, temperature=2.0):
    return float(distillation_loss(torch.tensor(student), torch.tensor(labels), torch.tensor(teacher),
                                   torch.tensor(has_teacher), weight, temperature))


def test_loss_mixes_kl_and_cross_entropy_by_weight():
    student, teacher = [[1.0, 0.0, -1.0]], [[0.0, 2.0, 0.0]]
    ce = float(torch.nn.functional.cross_entropy(torch.tensor(student), torch.tensor([0])))
    kl_only = _loss(student, [0], teacher, [True], weight=1.0)
    assert _loss(student, [0], teacher, [True], weight=0.0) == pytest.approx(ce)
    assert _loss(student, [0], teacher, [True], weight=0.3) == pytest.approx(0.3 * kl_only + 0.7 * ce)
    assert _loss(teacher, [0], teacher, [True], weight=1.0) == pytest.approx(0.0, abs=1e-6)


def test_pool_sentences_take_kl_alone_and_unlabelled_by_teacher_take_ce_alone():
    student, teacher = [[1.0, 0.0]], [[0.0, 1.0]]
    kl_only = _loss(student, [0], teacher, [True], weight=1.0)
    ce = float(torch.nn.functional.cross_entropy(torch.tensor(student), torch.tensor([1])))
    assert _loss(student, [NO_LABEL], teacher, [True], weight=0.2) == pytest.approx(kl_only)
    assert _loss(student, [1], teacher, [False], weight=0.9) == pytest.approx(ce)


def test_soft_label_file_round_trip_and_errors(tmp_path):
    path = tmp_path / "soft.jsonl"
    path.write_text(json.dumps({"sha256": text_key("A  sentence."), "logits": [1, 2, 3, 4, 5]}) + "\n")
    soft = read_soft_labels(path)
    logits, flags = attach_soft_labels(["A sentence.", "Another one."], soft, 5)
    assert flags == [1, 0] and logits == [[1.0, 2.0, 3.0, 4.0, 5.0], [0.0] * 5]
    path.write_text('{"sha256": "x"}\n')
    with pytest.raises(ValueError, match=r"soft.jsonl:1: expected"):
        read_soft_labels(path)
    with pytest.raises(FileNotFoundError, match="python -m training.distill label"):
        read_soft_labels(tmp_path / "none.jsonl")


def test_shipped_soft_labels_cover_the_train_split():
    from data import load_corpus
    from training.distill import SOFT_LABELS_DIR, unlabelled_sentences

    path = SOFT_LABELS_DIR / "mpnet.jsonl"
    if not path.is_file():
        pytest.skip("no soft labels shipped")
    soft = read_soft_labels(path)
    train = load_corpus()["train"]["text"]
    covered = sum(text_key(t) in soft for t in train)
    assert covered / len(train) > 0.95
    pool = unlabelled_sentences()
    assert pool and sum(text_key(t) in soft for t in pool) == len(set(pool))
    held_out = load_corpus()["test"]["text"]
    assert not any(text_key(t) in soft for t in held_out), "test sentences must never get teacher labels"

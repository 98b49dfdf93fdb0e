"""Document-bootstrap intervals of the benchmark: macro-F1 and per-class F1 from one resampling."""

import random

from sklearn.metrics import f1_score

from data import LABELS
from eval.report import bootstrap_intervals


def test_perfect_predictions_give_point_intervals():
    gold = [LABELS[i % 5] for i in range(100)]
    result = bootstrap_intervals(gold, gold, groups=[i // 10 for i in range(100)], resamples=50)
    assert result["macro"] == (1.0, 1.0) and result["per_class"] == [(1.0, 1.0)] * len(LABELS)


def test_intervals_hold_the_point_estimate():
    rng = random.Random(0)
    gold = [rng.choice(LABELS) for _ in range(600)]
    predicted = [g if rng.random() < 0.8 else rng.choice(LABELS) for g in gold]
    macro = f1_score(gold, predicted, labels=list(LABELS), average="macro")
    per_class = f1_score(gold, predicted, labels=list(LABELS), average=None)
    result = bootstrap_intervals(gold, predicted, resamples=300)
    assert result["macro"][0] < macro < result["macro"][1]
    for (low, high), point in zip(result["per_class"], per_class):
        assert low < point < high


def test_whole_documents_are_resampled():
    """One document all wrong, nine all right: some document resamples leave it out (F1 1.0);
    sentence resamples almost never leave out all of its 20 sentences."""
    gold = [LABELS[i % 5] for i in range(200)]
    predicted = [LABELS[(i + 1) % 5] if i < 20 else gold[i] for i in range(200)]
    by_document = bootstrap_intervals(gold, predicted, groups=[i // 20 for i in range(200)], resamples=400)
    by_sentence = bootstrap_intervals(gold, predicted, resamples=400)
    assert by_document["macro"][1] == 1.0 and by_sentence["macro"][1] < 1.0

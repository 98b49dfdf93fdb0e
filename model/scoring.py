"""Scoring labels: the one function the project scores with, through its `evaluate` metric.

The metric (model/per_class.py, an `evaluate` module loaded from its path, no hub) gives
per-class precision, recall, F1 and support in LABELS order, macro-F1 over the labels present,
micro-F1, accuracy, the confusion matrix, and on request bootstrap intervals. It lives in
`model`, not `eval`, because training (dev scores, recalibration) and model.calibration (the
decision offset) score too, and the house's arrows forbid training importing eval.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

from data import LABELS

METRIC_SCRIPT = Path(__file__).resolve().parent / "per_class.py"


@functools.lru_cache(maxsize=1)
def metric():
    """The `evaluate` metric, loaded once from its script."""
    import evaluate as hf_evaluate

    return hf_evaluate.load(str(METRIC_SCRIPT))


def score_ids(gold: Sequence[int], predicted: Sequence[int], **options) -> dict:
    """Scores of label ids (positions in LABELS); `options`: sample_weight, resamples, groups, seed.

    Example:
        >>> round(score_ids([0, 1, 1], [0, 1, 0])["macro_f1"], 3)
        0.667
    """
    if len(gold) != len(predicted):
        raise ValueError(f"{len(gold)} gold labels but {len(predicted)} predictions")
    gold, predicted = [int(g) for g in gold], [int(p) for p in predicted]
    return metric().compute(references=gold, predictions=predicted, num_labels=len(LABELS), **options)


def macro_f1(gold: Sequence[int], predicted: Sequence[int], sample_weight: Sequence[float] | None = None) -> float:
    """Macro-F1 over the labels present in `gold` or `predicted` (ids in LABELS order).

    Example:
        >>> macro_f1([0, 1, 1], [0, 1, 1])
        1.0
    """
    options = {"sample_weight": [float(w) for w in sample_weight]} if sample_weight is not None else {}
    return score_ids(gold, predicted, **options)["macro_f1"]

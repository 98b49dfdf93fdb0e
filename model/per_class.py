"""An `evaluate` metric: per-class precision, recall, F1 and support, macro and micro F1,
accuracy and the confusion matrix, for integer labels in a fixed order.

Load it from this file (no hub needed): `evaluate.load("model/per_class.py")`, or call
model.scoring, which does. With `resamples`, it also gives 95% bootstrap intervals of macro-F1
and of each label's F1, resampling whole `groups` (documents, stories) when given.
evaluate parses this script's imports: keep one import per line.
"""

import datasets
import evaluate
import numpy as np
from sklearn.metrics import accuracy_score
from sklearn.metrics import confusion_matrix
from sklearn.metrics import precision_recall_fscore_support

_DESCRIPTION = "Per-class precision, recall, F1 and support, macro/micro F1, accuracy and confusion matrix."
_KWARGS = """
Args:
    predictions: predicted label ids.
    references: gold label ids.
    num_labels: how many labels there are; every id in range(num_labels) is reported, even absent ones.
    sample_weight: optional weight per sentence.
    resamples: bootstrap resamples for the intervals (0, the default: none).
    groups: optional group per sentence (its document or story): the bootstrap draws whole groups.
    seed: the bootstrap's random seed.
Returns:
    precision, recall, f1, support: lists indexed by label id; macro_f1 (over the labels present in
    the references or the predictions), micro_f1, accuracy: floats;
    confusion_matrix: rows are gold labels, columns predictions.
    With resamples: macro_f1_interval [low, high] and f1_intervals (one [low, high] per label).
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS)
class PerClass(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS,
            features=datasets.Features({"predictions": datasets.Value("int32"), "references": datasets.Value("int32")}),
        )

    def _compute(self, predictions, references, num_labels, sample_weight=None, resamples=0, groups=None, seed=0):
        labels = list(range(num_labels))
        precision, recall, f1, support = precision_recall_fscore_support(
            references, predictions, labels=labels, zero_division=0, sample_weight=sample_weight
        )
        # Macro-F1 averages over the labels that occur in the gold labels or the predictions
        # (sklearn's own default): a set with no mediation_call at all (data/realdev) is not
        # scored 0 on it, while false alarms of an absent label still count against the model.
        present = sorted(set(references) | set(predictions))
        macro = _macro(references, predictions, present, sample_weight)
        micro = precision_recall_fscore_support(
            references, predictions, labels=labels, average="micro", zero_division=0, sample_weight=sample_weight
        )
        result = {
            "precision": [float(x) for x in precision],
            "recall": [float(x) for x in recall],
            "f1": [float(x) for x in f1],
            "support": [int(x) for x in support],
            "macro_f1": float(macro),
            "micro_f1": float(micro[2]),
            "accuracy": float(accuracy_score(references, predictions, sample_weight=sample_weight)),
            "confusion_matrix": confusion_matrix(references, predictions, labels=labels).tolist(),
        }
        if resamples:
            result.update(_bootstrap(np.array(references), np.array(predictions), labels, present, groups, resamples, seed))
        return result


def _macro(references, predictions, present, sample_weight=None):
    return precision_recall_fscore_support(
        references, predictions, labels=present, average="macro", zero_division=0, sample_weight=sample_weight
    )[2]


def _bootstrap(references, predictions, labels, present, groups, resamples, seed):
    """95% percentile intervals from one set of resamples of whole groups (or single sentences)."""
    groups = np.array(groups if groups is not None else range(len(references)))
    members = [np.flatnonzero(groups == g) for g in np.unique(groups)]
    rng = np.random.default_rng(seed)
    per_class = []
    for _ in range(resamples):
        index = np.concatenate([members[i] for i in rng.integers(0, len(members), len(members))])
        per_class.append(precision_recall_fscore_support(
            references[index], predictions[index], labels=labels, zero_division=0
        )[2])
    per_class = np.array(per_class)
    macro = per_class[:, present].mean(axis=1)

    def interval(values):
        low, high = np.percentile(values, [2.5, 97.5])
        return [round(float(low), 4), round(float(high), 4)]

    return {"macro_f1_interval": interval(macro), "f1_intervals": [interval(per_class[:, k]) for k in labels]}

"""An `evaluate` metric: per-class precision, recall, F1 and support, macro and micro F1,
accuracy and the confusion matrix, for integer labels in a fixed order.

Load it from this file (no hub needed): `evaluate.load("eval/per_class.py")`.
evaluate parses this script's imports: keep one import per line.
"""

import datasets
import evaluate
from sklearn.metrics import accuracy_score
from sklearn.metrics import confusion_matrix
from sklearn.metrics import precision_recall_fscore_support

_DESCRIPTION = "Per-class precision, recall, F1 and support, macro/micro F1, accuracy and confusion matrix."
_KWARGS = """
Args:
    predictions: predicted label ids.
    references: gold label ids.
    num_labels: how many labels there are; every id in range(num_labels) is reported, even absent ones.
Returns:
    precision, recall, f1, support: lists indexed by label id; macro_f1 (over the labels present in
    the references or the predictions), micro_f1, accuracy: floats;
    confusion_matrix: rows are gold labels, columns predictions.
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

    def _compute(self, predictions, references, num_labels):
        labels = list(range(num_labels))
        precision, recall, f1, support = precision_recall_fscore_support(
            references, predictions, labels=labels, zero_division=0
        )
        # Macro-F1 averages over the labels that occur in the gold labels or the predictions
        # (sklearn's own default): a set with no mediation_call at all (data/realdev) is not
        # scored 0 on it, while false alarms of an absent label still count against the model.
        present = sorted(set(references) | set(predictions))
        macro = precision_recall_fscore_support(references, predictions, labels=present, average="macro", zero_division=0)
        micro = precision_recall_fscore_support(references, predictions, labels=labels, average="micro", zero_division=0)
        return {
            "precision": [float(x) for x in precision],
            "recall": [float(x) for x in recall],
            "f1": [float(x) for x in f1],
            "support": [int(x) for x in support],
            "macro_f1": float(macro[2]),
            "micro_f1": float(micro[2]),
            "accuracy": float(accuracy_score(references, predictions)),
            "confusion_matrix": confusion_matrix(references, predictions, labels=labels).tolist(),
        }

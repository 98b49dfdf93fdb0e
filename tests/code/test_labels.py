import pytest

from data import LABELS, id2label, label2id
from data.labels import PRECEDENCE, check_label


def test_label_order_is_the_contract():
    assert LABELS == ("allegation", "denial", "threat", "mediation_call", "factual_report")
    assert [id2label[i] for i in range(5)] == list(LABELS)
    assert all(label2id[label] == i for i, label in enumerate(LABELS))
    assert sorted(PRECEDENCE) == sorted(LABELS)


def test_unknown_label_is_named():
    with pytest.raises(ValueError, match=r"unknown label 'acusation': expected one of allegation, denial"):
        check_label("acusation")

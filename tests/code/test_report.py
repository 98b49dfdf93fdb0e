import json

import pytest

from eval.baselines import fit_predict
from eval.report import score, to_markdown, to_terminal, write_all


def test_scores_keep_label_order_and_absent_classes():
    report = score("m", ["threat", "threat", "denial"], ["threat", "denial", "denial"])
    assert report.support == [0, 1, 2, 0, 0]
    assert report.f1[2] == pytest.approx(2 / 3) and report.f1[1] == pytest.approx(2 / 3)
    assert report.micro_f1 == pytest.approx(2 / 3)
    # macro over the labels that occur in gold or predictions (eval/per_class.py): here two
    assert report.macro_f1 == pytest.approx((2 / 3 + 2 / 3) / 2)
    # a false alarm of a label absent from gold enters the average with F1 0
    alarm = score("m", ["threat", "threat", "denial"], ["threat", "mediation_call", "denial"])
    assert alarm.macro_f1 == pytest.approx((1 + 2 / 3 + 0) / 3)
    assert report.confusion_matrix[2] == [0, 1, 1, 0, 0]


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="2 gold labels but 1 predictions"):
        score("m", ["threat", "denial"], ["threat"])


def test_renderings_and_files(tmp_path):
    reports = [score("model", ["threat", "denial"], ["threat", "threat"]), score("base", ["threat", "denial"], ["denial"] * 2)]
    assert "mediation_call" in to_terminal(reports) and "| base |" in to_markdown(reports)
    paths = write_all(reports, tmp_path, "t")
    assert json.loads(paths[0].read_text())["reports"][0]["support"] == [0, 1, 1, 0, 0]
    assert paths[2].read_bytes()[:4] == b"\x89PNG"


def test_baselines_fit_and_predict():
    texts = ["rebels shelled the market", "the army denied it", "talks must resume", "rain fell"] * 5
    labels = ["allegation", "denial", "mediation_call", "factual_report"] * 5
    assert fit_predict("majority class", texts, labels, ["x"]) == ["allegation"]
    assert fit_predict("tf-idf + logistic regression", texts, labels, ["the army denied"]) == ["denial"]

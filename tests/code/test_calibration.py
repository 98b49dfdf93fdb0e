"""model/calibration.py (temperature, the factual_report offset, ECE) and the eval calibration report."""

import json

import pytest
import torch

from data import LABELS
from model.calibration import expected_calibration_error, fit_factual_bias, fit_temperature, reliability_bins

FACTUAL = LABELS.index("factual_report")


def sample(temperature: float, n: int = 4000, seed: int = 0):
    """Logits whose labels are drawn from softmax(logits / temperature): the NLL-optimal T is `temperature`."""
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(n, len(LABELS), generator=generator) * 4
    labels = torch.multinomial(torch.softmax(logits / temperature, -1), 1, generator=generator).squeeze(1)
    return logits, labels.tolist()


@pytest.mark.parametrize("true_t", [0.5, 1.0, 2.5])
def test_fit_temperature_recovers_the_generating_temperature(true_t):
    logits, labels = sample(true_t)
    assert fit_temperature(logits, labels) == pytest.approx(true_t, rel=0.1)


def test_fit_temperature_leaves_the_argmax_alone_and_applies_the_bias():
    logits, labels = sample(2.0)
    bias = torch.tensor([0.0, 0.0, 0.0, 0.0, 3.0])
    with_bias = fit_temperature(logits, labels, bias)
    assert with_bias != pytest.approx(fit_temperature(logits, labels), rel=0.01)  # the bias is used
    scaled = torch.softmax((logits + bias) / with_bias, -1)
    assert torch.equal(scaled.argmax(-1), (logits + bias).argmax(-1))


def test_fit_factual_bias_moves_the_decision_toward_the_deployment_prior():
    """A model that under-calls factual_report (its logit is 2 too low) gets a positive offset
    when the deployment prior says most sentences are factual, and none at the corpus's own mix."""
    logits, labels = sample(1.0, seed=1)
    shifted = logits.clone()
    shifted[:, FACTUAL] -= 2.0
    share = sum(label == FACTUAL for label in labels) / len(labels)
    assert fit_factual_bias(shifted, labels, factual_prior=0.8, factual_id=FACTUAL) >= 1.0
    assert abs(fit_factual_bias(logits, labels, factual_prior=share, factual_id=FACTUAL)) <= 0.5


def test_expected_calibration_error_by_hand():
    probabilities = torch.tensor([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]])
    # bin (0.8667, 0.9333]: confidence 0.9, accuracy 1/2; bin (0.5333, 0.6]: confidence 0.6, accuracy 1/2
    assert expected_calibration_error(probabilities, [0, 1, 0, 1]) == pytest.approx(0.5 * 0.4 + 0.5 * 0.1)
    assert expected_calibration_error(torch.tensor([[1.0, 0.0]] * 3), [0, 0, 0]) == 0.0
    rows = reliability_bins(probabilities, [0, 1, 0, 1])
    assert [r["count"] for r in rows] == [2, 2] and rows[0]["accuracy"] == 0.5


def test_eval_calibration_report_runs(tiny_model_dir, tmp_path):
    from eval.calibration import main

    assert main(["--model", str(tiny_model_dir), "--split", "dev", "--out", str(tmp_path)]) == 0
    result = json.loads((tmp_path / "calibration.json").read_text())
    assert result["split"] == "dev" and result["sentences"] > 100 and 0 <= result["ece_after"] <= 1
    assert (tmp_path / "reliability.png").stat().st_size > 1000

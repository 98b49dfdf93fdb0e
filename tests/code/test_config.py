import pytest

from training.__main__ import parse_config
from training.config import TrainConfig


def test_bad_values_are_named():
    with pytest.raises(ValueError, match=r"TrainConfig.learning_rate = 5 is out of range"):
        TrainConfig(learning_rate=5)
    with pytest.raises(ValueError, match=r"TrainConfig.device = 'tpu'"):
        TrainConfig(device="tpu")


def test_flags_and_json_round_trip(tmp_path):
    config = parse_config(["--epochs", "2", "--learning-rate", "5e-5", "--max-train-samples", "10"])
    assert (config.epochs, config.learning_rate, config.max_train_samples) == (2.0, 5e-5, 10)
    path = tmp_path / "c.json"
    path.write_text(config.to_json())
    assert TrainConfig.from_json(path) == config
    path.write_text('{"epochz": 3}')
    with pytest.raises(ValueError, match=r"unknown TrainConfig field\(s\) \['epochz'\]"):
        TrainConfig.from_json(path)


def test_lora_needs_the_packaged_base():
    with pytest.raises(ValueError, match="adapts the packaged base model only"):
        TrainConfig(method="lora", base_model="/some/other/model")


def test_none_and_unset_flags():
    config = parse_config(["--factual-prior", "None", "--soft-labels", "data/soft_labels/mpnet.jsonl"])
    assert config.factual_prior is None and config.soft_labels == "data/soft_labels/mpnet.jsonl"
    assert parse_config([]).factual_prior == TrainConfig().factual_prior
    with pytest.raises(ValueError, match="distill_weight"):
        TrainConfig(distill_weight=2)

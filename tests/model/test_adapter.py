"""LoRA adapters over the real base model: save, load, merge, and refuse a different base."""

import json

import pytest
import torch

from model import CheckpointError, Classifier

TEXTS = ["Rebels shelled the market at dawn, the governor said.", "Talks resume on Monday."]


@pytest.fixture(scope="module")
def adapter_dir(tmp_path_factory):
    from training.config import TrainConfig
    from training.fine_tune import with_lora

    torch.manual_seed(0)
    classifier = Classifier.new()
    classifier.model = with_lora(classifier.model, TrainConfig(method="lora", lora_r=4))
    for name, param in classifier.model.named_parameters():  # make the adapter do something
        if "lora_B" in name:
            torch.nn.init.normal_(param, std=0.02)
    classifier.temperature, classifier.bias = 1.3, [0.0, 0.0, 0.0, 0.0, 0.5]
    path = classifier.save_pretrained(tmp_path_factory.mktemp("adapter"))
    return path, classifier.logits(TEXTS)  # peft applies the adapter unmerged: the reference for our merge


def test_adapter_is_small_and_round_trips(adapter_dir):
    path, logits = adapter_dir
    assert {p.name for p in path.iterdir()} == {"adapter_config.json", "adapter_model.safetensors", "stanceframe.json"}
    assert set(json.loads((path / "stanceframe.json").read_text())["files"]) == {"adapter_config.json", "adapter_model.safetensors"}
    assert (path / "adapter_model.safetensors").stat().st_size < 10 * 2**20
    assert json.loads((path / "adapter_config.json").read_text())["base_model_name_or_path"] == "sentence-transformers/all-MiniLM-L6-v2"
    loaded = Classifier.from_pretrained(path, device="cpu")
    assert loaded.temperature == pytest.approx(1.3) and loaded.bias[-1] == 0.5
    assert torch.allclose(loaded.logits(TEXTS), logits, atol=1e-4)
    probabilities = loaded.predict_proba(TEXTS)
    assert torch.allclose(probabilities, torch.softmax((logits + torch.tensor(loaded.bias)) / 1.3, -1), atol=1e-4)


def test_different_base_model_is_refused(adapter_dir, tmp_path):
    path, _ = adapter_dir
    for item in path.iterdir():
        (tmp_path / item.name).write_bytes(item.read_bytes())
    calibration = json.loads((tmp_path / "stanceframe.json").read_text())
    calibration["base_model_sha256"] = "0" * 64
    (tmp_path / "stanceframe.json").write_text(json.dumps(calibration))
    with pytest.raises(CheckpointError, match="trained on a base model with SHA-256 000000000000"):
        Classifier.from_pretrained(tmp_path)


def _copy(source, target):
    for item in source.iterdir():
        (target / item.name).write_bytes(item.read_bytes())
    return target


def _edit_adapter_config(path, **changes):
    """Change adapter_config.json and re-record its hash, so that only the setting is at stake."""
    from data.files import file_sha256

    config = json.loads((path / "adapter_config.json").read_text())
    config.update(changes)
    (path / "adapter_config.json").write_text(json.dumps(config))
    record = json.loads((path / "stanceframe.json").read_text())
    record["files"]["adapter_config.json"] = file_sha256(path / "adapter_config.json")
    (path / "stanceframe.json").write_text(json.dumps(record))


@pytest.mark.parametrize("setting, value", [("use_dora", True), ("use_rslora", True), ("rank_pattern", {"query": 8}),
                                            ("lora_bias", True), ("fan_in_fan_out", True), ("some_new_option", "on")])
def test_lora_settings_outside_the_allow_list_are_refused(adapter_dir, tmp_path, setting, value):
    path = _copy(adapter_dir[0], tmp_path)
    _edit_adapter_config(path, **{setting: value})
    with pytest.raises(CheckpointError, match=f"does not merge: {setting}="):
        Classifier.from_pretrained(path)


def test_a_new_option_that_is_off_still_loads(adapter_dir, tmp_path):
    path = _copy(adapter_dir[0], tmp_path)
    _edit_adapter_config(path, some_new_option=None, another_new_option=False)
    assert torch.allclose(Classifier.from_pretrained(path).logits(TEXTS), adapter_dir[1], atol=1e-4)


def test_flipped_bytes_in_the_adapter_are_caught(adapter_dir, tmp_path):
    path = _copy(adapter_dir[0], tmp_path)
    weights = bytearray((path / "adapter_model.safetensors").read_bytes())
    for i in range(len(weights) - 4000, len(weights) - 2000):  # inside the tensor data: still loads without the hash
        weights[i] ^= 0xFF
    (path / "adapter_model.safetensors").write_bytes(bytes(weights))
    with pytest.raises(CheckpointError, match="adapter_model.safetensors has changed since it was saved"):
        Classifier.from_pretrained(path)

"""model/checkpoint.py: both loading paths for full checkpoints, value checks, hashes, stale files."""

import json
import shutil

import pytest
import torch

from data import LABELS, id2label, label2id
from model import CheckpointError, Classifier
from model.checkpoint import Calibration, read, write

TEXTS = ["Rebels shelled the market at dawn, the governor said.", "Talks resume on Monday."]


def test_a_non_bert_checkpoint_loads_through_transformers(tiny_model_dir, tmp_path):
    """The fallback path (any architecture the lean encoder does not compute, e.g. the mpnet teacher)."""
    from transformers import AutoTokenizer, DistilBertConfig, DistilBertForSequenceClassification

    torch.manual_seed(0)
    config = DistilBertConfig(vocab_size=30522, dim=32, n_layers=2, n_heads=2, hidden_dim=37, max_position_embeddings=128,
                              num_labels=len(LABELS), id2label=dict(id2label), label2id=dict(label2id))
    reference = DistilBertForSequenceClassification(config).eval()
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    write(reference, tokenizer, Calibration(1.5), tmp_path)
    loaded = Classifier.from_pretrained(tmp_path, device="cpu")
    assert type(loaded.model).__name__ == "DistilBertForSequenceClassification" and loaded.temperature == 1.5
    with torch.no_grad():
        expected = reference(**tokenizer(TEXTS, padding=True, return_tensors="pt")).logits
    assert torch.allclose(loaded.logits(TEXTS), expected, atol=1e-5)


def test_the_lean_path_is_taken_for_bert(tiny):
    assert type(tiny.model).__name__ == "LeanBertClassifier"


@pytest.mark.parametrize("change, message", [
    ({"temperature": float("nan")}, "temperature nan is not a finite number above 0"),
    ({"temperature": -1.0}, "temperature -1.0 is not a finite number above 0"),
    ({"temperature": 0}, "temperature 0 is not a finite number above 0"),
    ({"bias": [0.0, 0.0]}, r"bias \[0.0, 0.0\] is not 5 finite numbers"),
    ({"bias": [0.0, 0.0, 0.0, 0.0, float("inf")]}, "is not 5 finite numbers"),
])
def test_unusable_calibration_values_are_refused_on_load(tiny, tmp_path, change, message):
    tiny.save_pretrained(tmp_path)
    record = json.loads((tmp_path / "stanceframe.json").read_text())
    record.update(change)
    (tmp_path / "stanceframe.json").write_text(json.dumps(record))
    with pytest.raises(CheckpointError, match=message):
        Classifier.from_pretrained(tmp_path)


def test_nan_weights_and_a_nan_temperature_are_refused_on_save(tiny, tmp_path):
    broken = Classifier(tiny.transformers_model(), tiny.tokenizer, temperature=float("nan"))
    with pytest.raises(CheckpointError, match="refusing to save .* temperature nan"):
        broken.save_pretrained(tmp_path / "a")
    with torch.no_grad():
        broken.model.classifier.weight[0, 0] = float("nan")
    broken.temperature = 1.0
    with pytest.raises(CheckpointError, match="weight classifier.weight holds NaN"):
        broken.save_pretrained(tmp_path / "b")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_a_changed_weight_file_is_refused(tiny, tmp_path):
    tiny.save_pretrained(tmp_path)
    weights = bytearray((tmp_path / "model.safetensors").read_bytes())
    weights[-100] ^= 0xFF
    (tmp_path / "model.safetensors").write_bytes(bytes(weights))
    with pytest.raises(CheckpointError, match="model.safetensors has changed since it was saved"):
        read(tmp_path)


def test_saving_one_format_over_the_other_leaves_no_stale_weights(tiny, tmp_path):
    """Retraining a LoRA folder with --method full served the old adapter: no longer."""
    from peft import LoraConfig, TaskType, get_peft_model

    adapter = get_peft_model(tiny.transformers_model(), LoraConfig(task_type=TaskType.SEQ_CLS, r=2, target_modules=["query"]))
    write(adapter, tiny.tokenizer, Calibration(), tmp_path)
    assert (tmp_path / "adapter_config.json").exists() and not (tmp_path / "model.safetensors").exists()
    tiny.save_pretrained(tmp_path)  # full over adapter
    names = {p.name for p in tmp_path.iterdir()}
    assert "adapter_config.json" not in names and "adapter_model.safetensors" not in names
    assert json.loads((tmp_path / "stanceframe.json").read_text())["format"] == "full"
    assert torch.allclose(Classifier.from_pretrained(tmp_path).logits(TEXTS), tiny.logits(TEXTS), atol=1e-5)
    write(adapter, tiny.tokenizer, Calibration(), tmp_path)  # adapter over full
    names = {p.name for p in tmp_path.iterdir()}
    assert not names & {"config.json", "model.safetensors", "tokenizer.json", "vocab.txt"}


def test_an_old_checkpoint_without_hashes_still_loads(tiny, tmp_path):
    tiny.save_pretrained(tmp_path)
    record = json.loads((tmp_path / "stanceframe.json").read_text())
    del record["files"], record["format"]
    (tmp_path / "stanceframe.json").write_text(json.dumps(record))
    assert torch.allclose(Classifier.from_pretrained(tmp_path).logits(TEXTS), tiny.logits(TEXTS), atol=1e-5)


def test_no_calibration_file_means_temperature_one(tiny_model_dir, tmp_path):
    shutil.copytree(tiny_model_dir, tmp_path / "plain")
    loaded = Classifier.from_pretrained(tmp_path / "plain")
    assert loaded.temperature == 1.0 and loaded.bias == [0.0] * 5

"""The lean inference encoder computes what transformers' BERT computes, on the same weights."""

import pytest
import torch

from model import Classifier
from model.encoder import LeanBertClassifier, supported

TEXTS = ["Rebels shelled the market at dawn, the governor said.", "Talks resume on Monday.",
         "The ministry denied that any of its aircraft had crossed the border during the night."]


@pytest.fixture(scope="module")
def hf_and_lean(tiny_model_dir):
    from transformers import AutoModelForSequenceClassification

    hf = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir).eval()
    lean = Classifier.from_pretrained(tiny_model_dir, device="cpu")
    return hf, lean


def test_loaded_checkpoints_use_the_lean_encoder(hf_and_lean):
    _, lean = hf_and_lean
    assert isinstance(lean.model, LeanBertClassifier)
    assert supported({"model_type": "bert"}) and not supported({"model_type": "roberta"})
    assert not supported({"model_type": "bert", "position_embedding_type": "relative_key"})


def test_lean_logits_equal_transformers_on_padded_batches(hf_and_lean):
    hf, lean = hf_and_lean
    batch = lean.tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        expected = hf(**batch).logits
    assert torch.allclose(lean.logits(TEXTS, batch_size=3), expected, atol=1e-5)
    assert torch.allclose(lean.logits(TEXTS, batch_size=1), expected, atol=1e-5)  # padding changes nothing


def test_to_transformers_round_trips(hf_and_lean, tmp_path):
    hf, lean = hf_and_lean
    back = lean.model.to_transformers()
    assert type(back).__name__ == "BertForSequenceClassification"
    for name, tensor in hf.state_dict().items():
        assert torch.equal(back.state_dict()[name], tensor), name
    lean.save_pretrained(tmp_path / "again")
    assert torch.allclose(Classifier.from_pretrained(tmp_path / "again").logits(TEXTS), lean.logits(TEXTS), atol=1e-6)

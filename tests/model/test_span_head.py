"""The LSTM span head (model/span_head.py) and its training step (training/span_head.py), on a tiny
BERT: padding never changes a sentence's tags, the head survives save/load through the lean
encoder and ONNX, and training it rewrites only the token head of a checkpoint."""

import json
import shutil

import pytest
import torch

from data import LABELS, id2label, label2id
from model import Classifier
from model.span_head import SpanHead, reverse_within
from model.spans import SPAN_TAGS

TEXTS = ["Baku accused Yerevan of shelling the town.", "Talks resume on Monday.", "The army vowed to strike back."]


def test_a_padded_batch_gives_each_sentence_its_own_tags():
    torch.manual_seed(0)
    head = SpanHead(16, len(SPAN_TAGS), 8).eval()
    long, short = torch.randn(1, 9, 16), torch.randn(1, 4, 16)
    batch = torch.zeros(2, 9, 16)
    batch[0], batch[1, :4], batch[1, 4:] = long[0], short[0], 5.0  # padding that is not zero, to be sure it is ignored
    mask = torch.tensor([[1] * 9, [1] * 4 + [0] * 5])
    with torch.no_grad():
        together = head(batch, mask)
        alone = [head(long, torch.ones(1, 9, dtype=torch.long)), head(short, torch.ones(1, 4, dtype=torch.long))]
    assert torch.allclose(together[0], alone[0][0], atol=1e-6)
    assert torch.allclose(together[1, :4], alone[1][0], atol=1e-6)


def test_reverse_within_is_its_own_inverse():
    x = torch.randn(3, 7, 2)
    mask = torch.tensor([[1] * 7, [1] * 3 + [0] * 4, [1] + [0] * 6])
    assert torch.equal(reverse_within(reverse_within(x, mask), mask), x)
    assert torch.equal(reverse_within(x, mask)[1, :3], x[1, :3].flip(0))


@pytest.fixture(scope="module")
def lstm_checkpoint(tiny_model_dir, tmp_path_factory):
    from transformers import AutoTokenizer, BertConfig

    from model.stance_bert import BertForStanceAndSpans

    torch.manual_seed(0)
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=37,
                        max_position_embeddings=128, num_labels=len(LABELS), id2label=dict(id2label), label2id=dict(label2id),
                        span_hidden=8)
    reference = BertForStanceAndSpans(config).eval()
    with torch.no_grad():
        reference.classifier.bias.copy_(torch.tensor([3.0, 0, 0, 0, 0]))  # every sentence an act: spans are read
    classifier = Classifier(reference, AutoTokenizer.from_pretrained(tiny_model_dir))
    return reference, classifier.save_pretrained(tmp_path_factory.mktemp("lstm"))


def test_the_lstm_head_loads_into_the_lean_encoder_unchanged(lstm_checkpoint):
    reference, path = lstm_checkpoint
    assert json.loads((path / "stanceframe.json").read_text())["span_hidden"] == 8
    loaded = Classifier.from_pretrained(path)
    assert type(loaded.model).__name__ == "LeanBertClassifier" and isinstance(loaded.model.span_classifier, SpanHead)
    batch = loaded.tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        expected, got = reference(**batch), loaded.model(**batch)
    assert torch.allclose(got.logits, expected.logits, atol=1e-5)
    assert torch.allclose(got.span_logits, expected.span_logits, atol=1e-5)


def test_the_lstm_head_exports_to_onnx_with_the_same_spans(lstm_checkpoint, tmp_path):
    from model.onnx_engine import OnnxClassifier
    from model.onnx_export import export_onnx

    torch_model = Classifier.from_pretrained(lstm_checkpoint[1])
    out = export_onnx(torch_model, tmp_path / "onnx", int8=False)
    _, expected, _ = torch_model.analyse(TEXTS)
    onnx = OnnxClassifier.load(out, "fp32")
    assert any(span is not None for found in expected for span in found.values())  # not a comparison of Nones
    assert onnx.analyse(TEXTS)[1] == expected
    assert onnx.analyse(TEXTS, batch_size=1)[1] == expected  # another batch size than the one traced


def test_training_the_head_changes_only_the_token_head(lstm_checkpoint, tmp_path):
    from data import load_corpus
    from training import span_head

    path = tmp_path / "ckpt"
    shutil.copytree(lstm_checkpoint[1], path)
    before = Classifier.from_pretrained(path)
    corpus = load_corpus()
    small = {"train": corpus["train"].select(range(120)), "dev": corpus["dev"].select(range(60))}
    record = span_head.attach(path, small, epochs=2, seed=1, progress=False)
    after = Classifier.from_pretrained(path)  # the hashes in stanceframe.json were rewritten: it loads
    assert 1 <= record["best_epoch"] <= 2 and len(record["history"]) == 2 and record["train_acts"] > 0
    batch = before.tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        old, new = before.model(**batch), after.model(**batch)
    assert torch.equal(old.logits, new.logits) and torch.equal(old.pooled, new.pooled)
    assert not torch.allclose(old.span_logits, new.span_logits)


def test_the_span_head_command_refuses_a_missing_checkpoint_and_a_full_folder(tmp_path, capsys, lstm_checkpoint):
    from training.span_head import main

    assert main([str(tmp_path / "nowhere"), "--in-place"]) == 2
    assert "no checkpoint" in capsys.readouterr().err
    (tmp_path / "a-file").write_text("x")
    assert main([str(lstm_checkpoint[1]), "-o", str(tmp_path / "a-file")]) == 2
    assert "not an empty folder" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # neither -o nor --in-place: argparse refuses, never overwrites by default
        main([str(lstm_checkpoint[1])])
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file").write_text("x")
    assert main([str(lstm_checkpoint[1]), "-o", str(tmp_path / "taken")]) == 2
    assert "not an empty folder" in capsys.readouterr().err

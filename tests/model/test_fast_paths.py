"""Token-budgeted batching, the bf16 path (with its fallback) and streaming a file."""

import json

import pytest
import torch

from data import LABELS
from model import Classifier, classify, classify_file
from model import device as device_module
from model.classifier import token_batches
from model.device import native_bf16


@pytest.mark.parametrize("batch_size, max_tokens", [(1, 10_000), (4, 10_000), (64, 40), (256, 2048)])
def test_token_batches_cover_every_index_once_within_budget(batch_size, max_tokens):
    lengths = [(i * 37) % 90 + 3 for i in range(300)]
    batches = token_batches(lengths, batch_size, max_tokens)
    assert sorted(i for b in batches for i in b) == list(range(300))
    for b in batches:
        assert len(b) <= batch_size
        assert len(b) == 1 or max(lengths[i] for i in b) * len(b) <= max_tokens
    flat = [lengths[i] for b in batches for i in b]
    assert flat == sorted(flat)  # sorted by length: little padding


def test_token_budget_does_not_change_results(tiny):
    texts = [f"Sentence {i} " + "word " * (i % 11) for i in range(40)]
    assert torch.allclose(tiny.logits(texts, batch_size=256, max_tokens=30), tiny.logits(texts, batch_size=1), atol=1e-5)
    with pytest.raises(ValueError, match="at least 1"):
        tiny.logits(texts, batch_size=0)


def test_bf16_is_close_to_fp32_or_falls_back(tiny):
    texts = [f"The army said rebels shelled village {i} overnight." for i in range(12)]
    if not native_bf16(torch.device("cpu")):
        with pytest.warns(RuntimeWarning, match="running in fp32 instead"):
            assert tiny.at_precision("bf16") is tiny
        return
    fast = tiny.at_precision("bf16")
    assert fast.precision == "bf16" and next(fast.model.parameters()).dtype == torch.bfloat16
    assert tiny.precision == "fp32" and next(tiny.model.parameters()).dtype == torch.float32  # the original stays
    assert fast.at_precision("bf16") is fast and tiny.at_precision("bf16") is fast  # made once
    assert torch.allclose(fast.predict_proba(texts), tiny.predict_proba(texts), atol=0.02)
    for p in classify(texts, model=tiny, precision="bf16"):
        assert p.label == max(p.scores, key=p.scores.get)


def test_bf16_falls_back_cleanly_without_native_support(tiny, monkeypatch):
    monkeypatch.setattr(device_module, "native_bf16", lambda device: False)
    fresh = Classifier(tiny.model, tiny.tokenizer)
    with pytest.warns(RuntimeWarning, match="bf16 is not native"):
        assert fresh.at_precision("bf16") is fresh
    with pytest.raises(ValueError, match="precision must be one of"):
        fresh.at_precision("int4")


def test_shipped_bf16_probabilities_match_fp32():
    """The parity test on the shipped model: same labels, probabilities within 0.05."""
    from data import load_corpus
    from model import load_classifier

    if not native_bf16(torch.device("cpu")):
        pytest.skip("this CPU has no native bf16: classify() falls back to fp32 (tested above)")
    texts = load_corpus()["test"]["text"][:300]
    fp32 = load_classifier().predict_proba(texts)
    bf16 = load_classifier(precision="bf16").predict_proba(texts)
    assert (bf16 - fp32).abs().max() < 0.05
    assert (bf16.argmax(-1) == fp32.argmax(-1)).float().mean() >= 0.99


def test_classify_file_streams_text_and_jsonl(tiny, tmp_path):
    text = tmp_path / "in.txt"
    text.write_text("Rebels shelled the market.\n\n  Talks resume on Monday.  \n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert classify_file(text, out, model=tiny, chunk_size=1, progress=False) == 2
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["line"], r["text"]) for r in rows] == [(1, "Rebels shelled the market."), (3, "Talks resume on Monday.")]
    expected = classify([r["text"] for r in rows], model=tiny)
    assert [r["label"] for r in rows] == [p.label for p in expected] and rows[0]["label"] in LABELS

    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text('{"id": "a", "text": "Talks resume."}\n{"id": "b", "text": "They deny it."}\n', encoding="utf-8")
    classify_file(jsonl, out, model=tiny, scores=True, progress=False)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"] and list(rows[0]["scores"]) == list(LABELS)


def test_classify_file_names_the_bad_line(tiny, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "fine"}\n{"txt": "no text field"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.jsonl:2: expected an object"):
        classify_file(bad, tmp_path / "out.jsonl", model=tiny, progress=False)
    long = tmp_path / "long.txt"
    long.write_text("fine\n" + "x" * 6000 + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"long.txt:2: the text has 6,000 characters"):
        classify_file(long, tmp_path / "out.jsonl", model=tiny, progress=False)

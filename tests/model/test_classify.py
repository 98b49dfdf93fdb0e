import json
import shutil

import pytest
import torch

from data import LABELS
from model import ABSTAIN, CheckpointError, Classifier, classify, classify_document, load_classifier

SENTENCES = ["Rebels shelled the market at dawn, the governor said.", "Talks resume on Monday.", "They deny it."]


def test_str_gives_one_list_gives_list(tiny):
    one = classify(SENTENCES[0], model=tiny)
    many = classify(SENTENCES, model=tiny)
    assert isinstance(many, list) and len(many) == 3
    assert one.label in LABELS and list(one.scores) == list(LABELS)
    assert sum(one.scores.values()) == pytest.approx(1.0, abs=1e-5)
    assert one.scores == pytest.approx(many[0].scores, abs=1e-5)
    assert classify([], model=tiny) == []


def test_argmax_of_distribution_is_the_label(tiny):
    for p in classify(SENTENCES * 4, model=tiny, batch_size=5):
        assert p.label == max(p.scores, key=p.scores.get) and p.score == p.scores[p.label]


def test_batching_and_length_sorting_keep_order(tiny):
    texts = [f"Sentence number {i} " + "word " * (i % 7) for i in range(23)]
    separately = torch.stack([tiny.predict_proba([t])[0] for t in texts])
    assert torch.allclose(tiny.predict_proba(texts, batch_size=4), separately, atol=1e-5)


def test_min_confidence_abstains(tiny):
    p = classify(SENTENCES[0], model=tiny, min_confidence=0.99)
    assert p.label == ABSTAIN and p.top_label in LABELS and p.score == max(p.scores.values())
    assert classify(SENTENCES[0], model=tiny, min_confidence=0.0).label in LABELS
    with pytest.raises(ValueError, match="min_confidence must be between 0 and 1"):
        classify("x y", model=tiny, min_confidence=2)


@pytest.mark.parametrize(
    "bad, error, message",
    [
        ("", ValueError, "text at position 0 is empty or whitespace"),
        ("   \n", ValueError, "text at position 0 is empty or whitespace"),
        (["fine", None], TypeError, "text at position 1 is NoneType, expected str"),
        (["fine", 3], TypeError, "text at position 1 is int, expected str"),
        ([b"bytes"], TypeError, r"text at position 0 is bytes: decode it first"),
        (b"bytes", TypeError, r"classify\(\) got bytes: decode them first"),
        (None, TypeError, r"classify\(\) takes a str or a list of str, got NoneType"),
        ("x" * 1_000_000, ValueError, r"use classify_document\(\)"),
    ],
)
def test_bad_input_is_named(tiny, bad, error, message):
    with pytest.raises(error, match=message):
        classify(bad, model=tiny)


def test_classify_document_keeps_offsets_and_skips(tiny):
    text = "date 2021-03-02 Shelling resumed. “We will respond,” he said.\n\npic.twitter.com/x1 — A B (@ab) March 2, 2021"
    results = classify_document(text, model=tiny)
    assert [r.text for r in results] == ["Shelling resumed.", "“We will respond,” he said.",
                                          "pic.twitter.com/x1 — A B (@ab) March 2, 2021"]
    assert all(text[r.start : r.end] == r.text for r in results)
    assert results[2].label == "skipped" and results[2].skipped and results[2].scores == {}
    assert results[0].label in LABELS
    with pytest.raises(TypeError, match="takes the document as str, got bytes"):
        classify_document(b"x", model=tiny)


def test_one_megabyte_document(tiny):
    text = "Shelling resumed near the bridge on Monday, officials said. " * 17_000
    results = classify_document(text, model=tiny, batch_size=256)
    assert len(results) == 17_000 and len({r.label for r in results}) == 1


def test_save_and_load_round_trip(tiny, tmp_path):
    tiny.temperature = 1.5
    tiny.save_pretrained(tmp_path / "ckpt")
    tiny.temperature = 1.0
    assert not list((tmp_path / "ckpt").glob("*.bin")), "safetensors only"
    loaded = Classifier.from_pretrained(tmp_path / "ckpt", device="cpu")
    assert loaded.temperature == 1.5
    assert torch.allclose(loaded.logits(SENTENCES), tiny.logits(SENTENCES), atol=1e-5)


def test_missing_checkpoint_says_how_to_make_one(tmp_path):
    with pytest.raises(CheckpointError, match=r"no checkpoint at .*nowhere: config.json is missing. Train one with `python -m training`"):
        load_classifier(tmp_path / "nowhere")


def test_corrupt_checkpoint_is_named(tiny_model_dir, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model_dir, broken)
    (broken / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(CheckpointError, match=r"checkpoint .*broken could not be read"):
        Classifier.from_pretrained(broken)
    (broken / "config.json").write_text("{oops")
    with pytest.raises(CheckpointError, match="config.json is unreadable"):
        Classifier.from_pretrained(broken)


def test_label_mismatch_is_refused(tiny_model_dir, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(tiny_model_dir, other)
    config = json.loads((other / "config.json").read_text())
    config["id2label"] = {"0": "denial", "1": "allegation", "2": "threat", "3": "mediation_call", "4": "factual_report"}
    (other / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match=r"has labels \['denial', 'allegation'.*expected \['allegation', 'denial'"):
        Classifier.from_pretrained(other)

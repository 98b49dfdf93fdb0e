"""The checkpoint shipped in model/shipped/: it loads, keeps the label order and the argmax
contract, is small, and scores on the test split what its model card says."""

from pathlib import Path

import pytest
import yaml

from data import LABELS, load_corpus
from model import classify
from model.api import SHIPPED_DIR, load_classifier

CARD = Path(__file__).resolve().parents[2] / "model" / "README.md"


def card_metric(name: str) -> float:
    front = yaml.safe_load(CARD.read_text(encoding="utf-8").split("---")[1])
    metrics = front["model-index"][0]["results"][0]["metrics"]
    return next(m["value"] for m in metrics if m["name"] == name)


def test_shipped_files_are_small_and_safe():
    files = {p.name: p.stat().st_size for p in SHIPPED_DIR.iterdir()}
    assert "adapter_model.safetensors" in files and not any(n.endswith((".bin", ".pt", ".pkl")) for n in files)
    assert sum(files.values()) < 10 * 2**20


def test_shipped_loads_with_label_order_and_argmax_contract():
    classifier = load_classifier()
    assert list(classifier.model.config.id2label.values()) == list(LABELS)
    results = classify(["The ministry said enemy drones struck a hospital in the north.",
                        "None of our units were in the area, a spokesman said.",
                        "The army warned that any convoy entering the zone would be destroyed.",
                        "The envoy urged both sides to return to ceasefire talks.",
                        "Schools reopened in the capital on Monday."])
    expected = ["allegation", "denial", "threat", "mediation_call", "factual_report"]
    assert sum(r.label == e for r, e in zip(results, expected)) >= 4  # quality is pinned by the test-split F1 below
    for r in results:
        assert r.label == max(r.scores, key=r.scores.get) and list(r.scores) == list(LABELS)


@pytest.mark.slow
def test_shipped_test_split_macro_f1_matches_the_card():
    from sklearn.metrics import f1_score

    test = load_corpus()["test"]
    predicted = load_classifier().predict_proba(test["text"]).argmax(-1).tolist()
    macro = f1_score(test["label"], predicted, labels=range(len(LABELS)), average="macro")
    assert macro >= card_metric("test macro-F1") - 0.01


def test_export_loads_in_transformers_pipeline(tmp_path):
    from transformers import pipeline

    from model.__main__ import export

    export(tmp_path / "export", None)
    texts = ["The envoy urged both sides to return to ceasefire talks.", "Schools reopened in the capital on Monday."]
    piped = pipeline("text-classification", model=str(tmp_path / "export"), top_k=None, device="cpu")(texts)
    for ours, theirs in zip(classify(texts), piped):
        assert max(theirs, key=lambda d: d["score"])["label"] == ours.label
        assert {d["label"]: d["score"] for d in theirs} == pytest.approx(ours.scores, abs=1e-4)

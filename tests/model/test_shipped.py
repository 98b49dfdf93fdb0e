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


def test_shipped_label_order_on_disk_is_the_codebook_order():
    """Read from the file itself, against the order written out here (not against LABELS, which
    the loader copies into the model's config, so that comparison could never fail)."""
    import json

    on_disk = json.loads((SHIPPED_DIR / "stanceframe.json").read_text(encoding="utf-8"))["labels"]
    assert on_disk == ["allegation", "denial", "threat", "mediation_call", "factual_report"] == list(LABELS)


def test_shipped_loads_with_the_argmax_contract():
    results = classify(["The ministry said enemy drones struck a hospital in the north.",
                        "None of our units were in the area, a spokesman said.",
                        "The army warned that any convoy entering the zone would be destroyed.",
                        "The envoy urged both sides to return to ceasefire talks.",
                        "Schools reopened in the capital on Monday."])
    expected = ["allegation", "denial", "threat", "mediation_call", "factual_report"]
    assert sum(r.label == e for r, e in zip(results, expected)) >= 4  # quality is pinned by the test-split F1 below
    for r in results:
        assert r.label == max(r.scores, key=r.scores.get) and list(r.scores) == list(LABELS)


@pytest.fixture(scope="module")
def test_split_probabilities():
    test = load_corpus()["test"]
    return test, load_classifier().predict_proba(test["text"])


@pytest.mark.slow
def test_shipped_test_split_macro_f1_matches_the_card(test_split_probabilities):
    from sklearn.metrics import f1_score  # an independent scorer, not the project's own

    test, probabilities = test_split_probabilities
    macro = f1_score(test["label"], probabilities.argmax(-1).tolist(), labels=range(len(LABELS)), average="macro")
    assert macro >= card_metric("test macro-F1") - 0.01


@pytest.mark.slow
def test_shipped_predictions_are_unchanged(test_split_probabilities):
    """The shipped model's label for every test-split sentence, pinned when it was shipped
    (tests/model/shipped_test_predictions.json): a refactor of loading or inference must not
    move one. After retraining the shipped model or changing the corpus, pin them again with
    `python tests/model/test_shipped.py --pin`."""
    import hashlib
    import json

    pinned = json.loads((Path(__file__).parent / "shipped_test_predictions.json").read_text(encoding="utf-8"))
    test, probabilities = test_split_probabilities
    texts_sha256 = hashlib.sha256("\n".join(test["text"]).encode()).hexdigest()
    assert texts_sha256 == pinned["texts_sha256"], "the test split changed: pin the predictions again"
    labels = "".join(str(i) for i in probabilities.argmax(-1).tolist())
    changed = [i for i, (a, b) in enumerate(zip(labels, pinned["labels"])) if a != b]
    assert not changed, f"{len(changed)} test-split labels changed, e.g. sentence {changed[:5]}"
    top = probabilities.max(-1).values.tolist()
    assert max(abs(a - b) for a, b in zip(top, pinned["top_probability"])) < 1e-3


def test_export_loads_in_transformers_pipeline(tmp_path):
    from transformers import pipeline

    from model.checkpoint import export

    classifier = load_classifier()
    export(classifier.transformers_model(), classifier.tokenizer, classifier.calibration, tmp_path / "export")
    texts = ["The envoy urged both sides to return to ceasefire talks.", "Schools reopened in the capital on Monday."]
    piped = pipeline("text-classification", model=str(tmp_path / "export"), top_k=None, device="cpu")(texts)
    for ours, theirs in zip(classify(texts, precision="fp32"), piped):  # the export is fp32
        assert max(theirs, key=lambda d: d["score"])["label"] == ours.label
        assert {d["label"]: d["score"] for d in theirs} == pytest.approx(ours.scores, abs=1e-4)


def pin(path: Path = Path(__file__).parent / "shipped_test_predictions.json") -> None:
    """Write the shipped model's test-split labels and top probabilities (see the test above)."""
    import hashlib
    import json

    test = load_corpus()["test"]
    probabilities = load_classifier().predict_proba(test["text"])
    record = {"model": "model/shipped", "split": "test", "sentences": len(test),
              "texts_sha256": hashlib.sha256("\n".join(test["text"]).encode()).hexdigest(),
              "labels": "".join(str(i) for i in probabilities.argmax(-1).tolist()),
              "top_probability": [round(x, 4) for x in probabilities.max(-1).values.tolist()]}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    print(f"pinned {len(test)} test-split predictions in {path}")


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["--pin"]:
        sys.exit("usage: python tests/model/test_shipped.py --pin")
    pin()

"""The agreement sample: restricted to chosen documents, capped per document, blind."""

from collections import Counter

from eval.agreement import agreement, draw_sample


def test_sample_only_from_chosen_documents_and_capped():
    blind, first = draw_sample(60, seed=1, per_document=2, only=("w8",))
    documents = Counter(b["id"].split(":")[0] for b in blind)
    assert blind and all(d.startswith("w8") for d in documents) and max(documents.values()) <= 2
    assert all("label" not in b for b in blind) and [f["id"] for f in first] == [b["id"] for b in blind]


def test_identical_annotations_agree_fully():
    _, first = draw_sample(40, seed=2)
    labels = {f["id"]: f["label"] for f in first}
    result = agreement(labels, dict(labels))
    assert result["kappa"] == 1.0 and result["disagreements"] == []

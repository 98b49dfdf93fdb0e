"""Continued fine-tuning on a user's annotations (--init-from with --data) on the tiny random BERT."""

import json

import pytest

from data import LABELS


def _user_folder(tmp_path, documents=6, per_document=6):
    folder = tmp_path / "mine"
    folder.mkdir(parents=True)
    for d in range(documents):
        doc_id = f"u{d}_sahel-report"
        lines = [{"doc_id": doc_id, "index": i, "text": f"Sentence {i} of report {d} about the district {d * 10 + i}.",
                  "label": LABELS[(d + i) % len(LABELS)]} for i in range(per_document)]
        (folder / f"{doc_id}.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return folder


def test_user_sets_hold_out_documents_or_sentences(tmp_path):
    from training.adapt import user_sets

    many = user_sets(_user_folder(tmp_path / "a"), heldout=0.2, seed=13)
    assert len(many["adapt"]) + len(many["heldout"]) == 36
    assert not set(many["adapt"]["doc_id"]) & set(many["heldout"]["doc_id"])  # whole documents
    assert len(set(many["heldout"]["doc_id"])) == 1 and many["by"].startswith("documents")
    few = user_sets(_user_folder(tmp_path / "b", documents=2), heldout=0.25, seed=13)
    assert (len(few["adapt"]), len(few["heldout"])) == (9, 3) and few["by"].startswith("sentences")
    none = user_sets(_user_folder(tmp_path / "c"), heldout=0, seed=13)
    assert len(none["heldout"]) == 0 and len(none["adapt"]) == 36


def test_data_needs_a_start(tmp_path):
    from training import TrainConfig

    with pytest.raises(ValueError, match="--init-from"):
        TrainConfig(data=str(tmp_path))
    with pytest.raises(ValueError, match="regular expression"):
        TrainConfig(exclude_docs="sahel(")


@pytest.mark.slow
def test_tiny_continued_fine_tuning_writes_before_after(tiny_model_dir, tmp_path):
    from training import TrainConfig, train

    out = tmp_path / "adapted"
    config = TrainConfig(output_dir=str(out), init_from=str(tiny_model_dir), data=str(_user_folder(tmp_path)),
                         replay=40, method="full", learning_rate=1e-3, epochs=1, spans=False, ood=False,
                         max_length=32, batch_size=16)
    record = train(config)
    report = record["adaptation"]
    assert record["train_sentences"] == report["adapted on"] + 40
    assert {"your held-out sentences", "corpus test split"} <= set(report["sets"])
    for row in report["sets"].values():
        assert 0 <= row["before"]["macro_f1"] <= 1 and 0 <= row["after"]["macro_f1"] <= 1
    assert (out / "adaptation.md").read_text(encoding="utf-8").count("| your held-out sentences |") == 1
    assert json.loads((out / "training.json").read_text(encoding="utf-8"))["adaptation"]["before"] == str(tiny_model_dir)


def test_data_takes_what_annotate_import_writes(tmp_path):
    """Rows of `python -m data.annotate import` (id, text, label, speaker, target) are a user's data too."""
    from data.corpus import CorpusError, load_rows

    path = tmp_path / "my_annotations.jsonl"
    rows = [{"id": i, "text": f"Militia fighters shelled the depot {i}.", "label": "factual_report",
             "speaker": None, "target": None} for i in range(4)]
    rows[1].update(label="allegation", speaker="Officials")
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    loaded = load_rows(path)
    assert len(loaded) == 4 and set(loaded["doc_id"]) == {"my_annotations"} and loaded[1]["speaker"] == "Officials"
    rows[2]["label"] = "propaganda"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(CorpusError, match="my_annotations.jsonl:3.*unknown label"):
        load_rows(path)


def test_documents_survive_the_annotation_tool_round_trip(tmp_path):
    """eval select's picks carry doc_id; Label Studio keeps it in the task data; the import and
    --data read it back, so the held-out share is drawn by document, not by sentence."""
    from data.interop import from_label_studio, to_label_studio
    from training.adapt import user_sets

    picks = [{"doc_id": f"report-{i % 6}", "index": i, "text": f"Gunmen attacked the convoy near post {i}.",
              "label": "factual_report", "score": 0.6} for i in range(24)]
    tasks = to_label_studio(picks)
    for task in tasks:  # what an annotator's export adds: the accepted annotation
        task["annotations"] = [{"result": task["predictions"][0]["result"]}]
    (tmp_path / "export.json").write_text(json.dumps(tasks), encoding="utf-8")
    rows = from_label_studio(tmp_path / "export.json")
    assert [r["doc_id"] for r in rows] == [p["doc_id"] for p in picks]
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "mine.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    sets = user_sets(folder, heldout=0.2, seed=13)
    assert sets["by"].startswith("documents") and not set(sets["adapt"]["doc_id"]) & set(sets["heldout"]["doc_id"])

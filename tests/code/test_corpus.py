import json

import pytest

from data.corpus import CorpusError, alignment_problems, load_corpus, read_annotations, read_labelled_file, split_of


def write_jsonl(path, rows):
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def row(doc, i, text, label="factual_report", **extra):
    return {"doc_id": doc, "index": i, "text": text, "label": label, **extra}


def test_unknown_label_names_file_and_line(tmp_path):
    write_jsonl(tmp_path / "d1.jsonl", [row("d1", 0, "Shelling resumed."), row("d1", 1, "They lied.", "acusation")])
    with pytest.raises(CorpusError, match=r"d1.jsonl:2: label: unknown label 'acusation'"):
        read_annotations(tmp_path)


def test_empty_text_names_file_and_line(tmp_path):
    write_jsonl(tmp_path / "d1.jsonl", [row("d1", 0, "   ")])
    with pytest.raises(CorpusError, match=r"d1.jsonl:1: empty or non-string text"):
        read_annotations(tmp_path)


def test_duplicate_sentence_across_files_names_both(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [row("a", 0, "Shelling resumed.")])
    write_jsonl(tmp_path / "b.jsonl", [row("b", 0, "shelling  resumed.")])
    with pytest.raises(CorpusError, match=r"b.jsonl:1: duplicate sentence, first seen at .*a.jsonl:1"):
        read_annotations(tmp_path)


def test_bad_json_and_missing_fields(tmp_path):
    (tmp_path / "a.jsonl").write_text('{"doc_id": "a", "index": 0, "text": "x", "label": "threat"\n')
    with pytest.raises(CorpusError, match=r"a.jsonl:1: not valid JSON"):
        read_annotations(tmp_path)
    write_jsonl(tmp_path / "a.jsonl", [{"doc_id": "a", "text": "x"}])
    with pytest.raises(CorpusError, match=r"missing field\(s\) \['index', 'label'\]"):
        read_annotations(tmp_path)


def test_empty_directory_is_an_error(tmp_path):
    with pytest.raises(CorpusError, match="no annotation files"):
        read_annotations(tmp_path)


def test_splits_by_document_and_deterministic(tmp_path):
    for d in range(40):
        write_jsonl(tmp_path / f"doc{d}.jsonl", [row(f"doc{d}", i, f"Sentence {i} of document {d}.") for i in range(3)])
    first, second = load_corpus(tmp_path, seed=7), load_corpus(tmp_path, seed=7)
    docs = {name: set(first[name]["doc_id"]) for name in first}
    assert not docs["train"] & docs["dev"] and not docs["train"] & docs["test"] and not docs["dev"] & docs["test"]
    assert all(first[name]["text"] == second[name]["text"] for name in first)
    assert load_corpus(tmp_path, seed=8)["test"]["doc_id"] != first["test"]["doc_id"]
    assert first["train"].features["label"].names == ["allegation", "denial", "threat", "mediation_call", "factual_report"]


def test_split_of_is_pinned_and_independent_of_the_process():
    """A document's split is the same in fresh processes under different hash seeds (no Python
    hash randomisation) and equals the pinned split the model card's scores were measured on."""
    import os
    import subprocess
    import sys

    code = "from data.corpus import split_of; print(*[split_of(d) for d in ('000_a25c22efd439cb62', 'w900_x', 'b000_y')])"
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout.split() for seed in ("1", "2")]
    assert runs[0] == runs[1] == [split_of("000_a25c22efd439cb62"), split_of("w900_x"), split_of("b000_y")]
    assert split_of("000_a25c22efd439cb62") == "train"  # pinned: the card's test split depends on it
    assert {split_of(f"doc{i}") for i in range(100)} == {"train", "dev", "test"}
    assert sum(split_of(f"doc{i}") != split_of(f"doc{i}", seed=7) for i in range(100)) > 20  # the seed matters


def test_too_few_documents_is_an_error(tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [row("a", 0, "Shelling resumed.")])
    with pytest.raises(CorpusError, match="too few documents"):
        load_corpus(tmp_path, seed=13)


def test_read_labelled_tsv_and_jsonl(tmp_path):
    tsv = tmp_path / "x.tsv"
    tsv.write_text("text\tlabel\nThey shelled us.\tallegation\nTalks began.\tmediation_call\n")
    assert read_labelled_file(tsv) == (["They shelled us.", "Talks began."], ["allegation", "mediation_call"])
    bad = write_jsonl(tmp_path / "x.jsonl", [{"text": "x", "label": "threat"}, {"text": "y", "label": "warning"}])
    with pytest.raises(CorpusError, match=r"x.jsonl:2: unknown label 'warning'"):
        read_labelled_file(bad)
    with pytest.raises(CorpusError, match=r"expected the columns \['label', 'text'\]"):
        read_labelled_file(write_jsonl(tmp_path / "y.jsonl", [{"sentence": "x"}]))
    with pytest.raises(CorpusError, match="does not exist"):
        read_labelled_file(tmp_path / "missing.jsonl")


def test_alignment_detects_drift(tmp_path):
    seed = tmp_path / "d.txt"
    seed.write_text("Shelling resumed. The army said rebels shelled the town.")
    ann = write_jsonl(tmp_path / "d.jsonl", [row("d", 0, "Shelling resumed."),
                                              row("d", 1, "The army said rebels shelled the town.", "allegation",
                                                  speaker="The army", target="rebels")])
    assert alignment_problems(seed, ann) == []
    seed.write_text("Shelling resumed. The army said rebels shelled the town. A third sentence.")
    assert "2 rows but the splitter yields 3 segments" in alignment_problems(seed, ann)[0]
    seed.write_text("Shelling resumed. The army said rebels shelled the town.")
    write_jsonl(ann, [row("d", 0, "Shelling resumed."),
                      row("d", 1, "The army said rebels shelled the town.", "allegation", speaker="The navy")])
    assert "speaker 'The navy' occurs neither" in alignment_problems(seed, ann)[0]

"""The Dask engine (model/scale.py) in local mode: every sentence once, output equal to classify_file's."""

import json

import pytest

pytest.importorskip("dask.bag")


def _archive(tmp_path, n=3000):
    from data import load_corpus

    texts = [t for split in ("test", "dev") for t in load_corpus()[split]["text"]][:n]
    source = tmp_path / "archive.jsonl"
    with source.open("w", encoding="utf-8") as out:
        for i, text in enumerate(texts):
            out.write(json.dumps({"id": f"s{i}", "text": text}) + "\n")
            if i % 500 == 7:
                out.write("\n")  # blank lines are skipped by both, and line numbers stay whole-file
    return source, texts


@pytest.mark.slow
def test_local_dask_run_equals_classify_file(tiny_model_dir, tmp_path):
    from model import classify_file
    from model.scale import classify_archive

    source, texts = _archive(tmp_path)
    single, spread = tmp_path / "single.jsonl", tmp_path / "spread.jsonl"
    assert classify_file(source, single, model=str(tiny_model_dir), precision="fp32", progress=False) == len(texts)
    count = classify_archive(source, spread, model=tiny_model_dir, precision="fp32", lines_per_part=700, workers=2)
    assert count == len(texts)
    assert spread.read_bytes() == single.read_bytes()
    ids = [json.loads(line)["id"] for line in spread.read_text(encoding="utf-8").splitlines()]
    assert ids == [f"s{i}" for i in range(len(texts))]  # each sentence once, in order
    assert not list(tmp_path.glob(".*parts*"))  # the part files are cleaned up


def test_bad_line_names_file_and_line(tiny_model_dir, tmp_path):
    from data.files import FormatError
    from model.scale import classify_archive

    source = tmp_path / "bad.jsonl"
    source.write_text('{"text": "Shelling resumed."}\n{"id": 2}\n', encoding="utf-8")
    with pytest.raises(FormatError, match="bad.jsonl:2"):
        classify_archive(source, tmp_path / "out.jsonl", model=tiny_model_dir, workers=1)
    assert not (tmp_path / "out.jsonl").exists()
    with pytest.raises(FileNotFoundError):
        classify_archive(tmp_path / "none.jsonl", tmp_path / "out.jsonl")

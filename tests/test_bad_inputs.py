"""Bad and unusual inputs, one row each: what a careful user tried, and what must happen.

| #  | input                                                        | must happen                                                    | test here / elsewhere |
|----|--------------------------------------------------------------|----------------------------------------------------------------|-----------------------|
| 1  | classify-file IN IN, or OUT a symlink to IN                  | refused before anything is opened; IN intact                   | test_output_is_the_input |
| 2  | existing OUT, missing IN or --batch-size 0                   | error; OUT untouched                                           | test_failed_start_leaves_the_output |
| 3  | two runs writing one OUT                                     | the second is refused while the first holds OUT.partial        | test_second_writer_is_refused |
| 4  | a bad line 6 of 10, or Ctrl-C mid-run                        | error naming the line; OUT as before; no partial file left     | test_failure_mid_run_leaves_no_finished_looking_file |
| 5  | input fields named label / score                             | kept as input_label / input_score                              | test_input_fields_are_kept |
| 6  | --method full into a LoRA folder                             | the new full model is served, the adapter files removed        | tests/model/test_checkpoint.py |
| 7  | NaN / zero / negative temperature, bad bias, NaN weights,    | refused by name on load (and on save)                          | tests/model/test_checkpoint.py, |
|    | flipped bytes in the weights                                 |                                                                | tests/model/test_adapter.py |
| 8  | CSV with an unclosed quote; TSV text opening with a quote;   | error with the line; quote kept; BOM accepted                  | test_tables |
|    | Excel CSV with a BOM                                         |                                                                |                       |
| 9  | "\\x00", zero-width characters only; Spanish, Russian, Arabic | refused; labelled with the warning not_english                 | test_text_the_model_cannot_read |
| 10 | eight threads calling classify() on a cold start             | all eight get answers                                          | test_cold_start_from_many_threads |
| 11 | one 6,000-character segment in a document; long extra JSON   | that segment skipped, the rest labelled; the limit applies to  | test_long_segments_and_long_lines |
|    | fields or escaped Cyrillic in classify-file                  | the text, not the raw line                                     |                       |
| 12 | lone surrogate, non-UTF-8 bytes, a bad "index"               | errors naming the file and line                                | test_encodings_and_bad_fields |
| 13 | `| head -1`; `eval --help`; `annotate stats` on a template;  | quiet exit 0; subcommands listed; a message, not a traceback;  | test_newcomer_stumbles |
|    | `--factual-prior None`                                       | accepted                                                       |                       |
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from data.corpus import CorpusError, read_annotation_file, read_labelled_file
from data.files import FormatError, partial_path
from model import classify, classify_document, classify_file

ROOT = Path(__file__).resolve().parents[1]
OLD = '{"text": "an earlier run", "label": "threat", "score": 0.9}\n' * 2000


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "in.txt"
    path.write_text("Rebels shelled the market.\nTalks resume on Monday.\n", encoding="utf-8")
    return path


def test_output_is_the_input(tiny, source, tmp_path):
    before = source.read_bytes()
    link = tmp_path / "link.txt"
    link.symlink_to(source)
    for destination in (source, link):
        with pytest.raises(ValueError, match="is the input"):
            classify_file(source, destination, model=tiny, progress=False)
    assert source.read_bytes() == before and link.is_symlink()


def test_failed_start_leaves_the_output(tiny, source, tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text(OLD, encoding="utf-8")
    with pytest.raises(FileNotFoundError, match="no input file"):
        classify_file(tmp_path / "missing.txt", out, model=tiny, progress=False)
    with pytest.raises(ValueError, match="batch_size and chunk_size must be at least 1"):
        classify_file(source, out, model=tiny, batch_size=0, progress=False)
    assert out.read_text(encoding="utf-8") == OLD


def test_second_writer_is_refused(tiny, source, tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text(OLD, encoding="utf-8")
    partial_path(out).write_text("", encoding="utf-8")  # what a run in progress holds
    with pytest.raises(FileExistsError, match="another run is writing"):
        classify_file(source, out, model=tiny, progress=False)
    assert out.read_text(encoding="utf-8") == OLD
    partial_path(out).unlink()
    assert classify_file(source, out, model=tiny, progress=False) == 2 and len(lines(out)) == 2


def test_failure_mid_run_leaves_no_finished_looking_file(tiny, tmp_path, monkeypatch):
    out = tmp_path / "out.jsonl"
    out.write_text(OLD, encoding="utf-8")
    bad = tmp_path / "in.jsonl"
    rows = [json.dumps({"text": f"Sentence number {i} of the file."}) for i in range(10)]
    rows[5] = '{"text": "unterminated'
    bad.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(FormatError, match=r"in.jsonl:6: not valid JSON"):
        classify_file(bad, out, model=tiny, chunk_size=2, progress=False)
    assert out.read_text(encoding="utf-8") == OLD and not partial_path(out).exists()

    import model.stream

    real = model.stream.classify
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(model.stream, "classify", interrupted)
    good = tmp_path / "good.txt"
    good.write_text("".join(f"Sentence {i} of the file.\n" for i in range(10)), encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        classify_file(good, out, model=tiny, chunk_size=3, progress=False)
    assert out.read_text(encoding="utf-8") == OLD and not partial_path(out).exists()


def test_input_fields_are_kept(tiny, tmp_path):
    source = tmp_path / "gold.jsonl"
    source.write_text(json.dumps({"id": 7, "text": "Rebels shelled the market.", "label": "allegation", "score": 1}) + "\n")
    classify_file(source, tmp_path / "out.jsonl", model=tiny, progress=False)
    row = lines(tmp_path / "out.jsonl")[0]
    assert row["id"] == 7 and row["input_label"] == "allegation" and row["input_score"] == 1
    assert row["label"] in ("allegation", "denial", "threat", "mediation_call", "factual_report")


def test_tables(tmp_path):
    unclosed = tmp_path / "a.csv"
    unclosed.write_text('text,label\n"fine, really",threat\n"never closed,denial\n' + "x,denial\n" * 98)
    with pytest.raises(CorpusError, match=r"a.csv:3: a quote opened on this line is never closed"):
        read_labelled_file(unclosed)
    tsv = tmp_path / "b.tsv"
    tsv.write_text('text\tlabel\n"We will respond," he said.\tthreat\n')
    assert read_labelled_file(tsv) == (['"We will respond," he said.'], ["threat"])
    excel = tmp_path / "c.csv"
    excel.write_bytes("\ufefftext,label\r\nTalks resumed.,mediation_call\r\n".encode("utf-8"))
    assert read_labelled_file(excel) == (["Talks resumed."], ["mediation_call"])
    ragged = tmp_path / "d.tsv"
    ragged.write_text("text\tlabel\nA sentence.\tthreat\textra\n")
    with pytest.raises(CorpusError, match=r"d.tsv:2: 3 fields, but the header has 2"):
        read_labelled_file(ragged)


def test_text_the_model_cannot_read(tiny):
    for text in ("\x00", "\u200b\u200b", "\u200d"):
        with pytest.raises(ValueError, match="no letters or digits"):
            classify(text, model=tiny)
    foreign = ["El ministerio negó haber atacado el hospital.", "Министерство отрицает обстрел больницы.",
               "نفت الوزارة قصف المستشفى"]
    assert all(p.warnings == ("not_english",) for p in classify(foreign, model=tiny))
    assert classify("The minister vowed to strike back.", model=tiny).warnings == ()


@pytest.mark.slow
def test_cold_start_from_many_threads():
    """A fresh process (nothing imported yet), eight threads asking for the default model at once."""
    code = """
import concurrent.futures
from model import classify
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    results = list(pool.map(lambda i: classify("Talks resume on Monday.").label, range(8)))
print(len(results), len(set(results)))
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["8", "1"]


def test_long_segments_and_long_lines(tiny, tmp_path):
    document = "Talks resume on Monday. Shelling " + "went on and on " * 400 + "that night. Rebels shelled the market."
    results = classify_document(document, model=tiny)
    assert [r.skipped is not None for r in results].count(True) == 1
    assert any(r.skipped and "over 5,000 characters" in r.skipped for r in results)
    assert sum(r.skipped is None for r in results) == 2
    source = tmp_path / "long.jsonl"
    record = {"text": "Обстрел продолжался всю ночь.", "notes": "n" * 6000}
    source.write_text(json.dumps(record) + "\n", encoding="utf-8")  # escaped Cyrillic: a long raw line
    assert classify_file(source, tmp_path / "out.jsonl", model=tiny, progress=False) == 1


def test_encodings_and_bad_fields(tiny, tmp_path):
    surrogate = tmp_path / "s.jsonl"
    surrogate.write_text('{"text": "fine"}\n{"text": "broken \\ud800 half"}\n', encoding="utf-8")
    with pytest.raises(FormatError, match=r"s.jsonl:2: field 'text' holds a lone surrogate"):
        classify_file(surrogate, tmp_path / "out.jsonl", model=tiny, progress=False)
    latin = tmp_path / "l.txt"
    latin.write_bytes("Fine line.\nCaf\xe9 bombed.\n".encode("latin-1"))
    with pytest.raises(FormatError, match=r"l.txt:2: not UTF-8"):
        classify_file(latin, tmp_path / "out.jsonl", model=tiny, progress=False)
    annotation = tmp_path / "doc.jsonl"
    annotation.write_text(json.dumps({"doc_id": "doc", "index": "three", "text": "A sentence.", "label": "threat"}) + "\n")
    with pytest.raises(CorpusError, match=r"doc.jsonl:1: index must be a whole number"):
        read_annotation_file(annotation)


def run(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"}, **kwargs)


@pytest.mark.slow  # three fresh processes: ~8 s
def test_newcomer_stumbles(tiny_model_dir, tmp_path):
    many = tmp_path / "many.txt"
    many.write_text("Talks resume on Monday.\n" * 3000, encoding="utf-8")
    piped = subprocess.run(f"{sys.executable} -m model classify-file {many} --model {tiny_model_dir} --no-progress | head -1",
                           shell=True, cwd=ROOT, capture_output=True, text=True)
    assert len(piped.stdout.splitlines()) == 1 and "Broken pipe" not in piped.stderr and "Traceback" not in piped.stderr
    help_text = run("eval", "--help").stdout
    assert "python -m eval realtext" in help_text and "default: the shipped model" in help_text
    (tmp_path / "ann").mkdir()
    (tmp_path / "ann" / "new.jsonl").write_text(json.dumps({"doc_id": "new", "index": 0, "text": "A.", "label": "TODO"}) + "\n")
    stats = run("data.annotate", "stats", "--dir", str(tmp_path / "ann"))
    assert stats.returncode == 1 and "a template still to fill in" in stats.stderr and "Traceback" not in stats.stderr

    from training.__main__ import parse_config

    assert parse_config(["--factual-prior", "None", "--max-train-samples", "none"]).factual_prior is None

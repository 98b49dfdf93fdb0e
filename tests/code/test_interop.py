"""Annotation tools: export pre-labels, read the tools' exports back (data/interop.py, python -m data.annotate)."""

import json

import pytest

from data.annotate import main
from data.files import FormatError
from data.interop import LABEL_STUDIO_CONFIG, from_doccano, from_label_studio, to_doccano, to_label_studio

TEXT = "Baku accused Yerevan of shelling Tartar."
PRELABELLED = {"text": TEXT, "label": "allegation", "score": 0.93,
               "speaker": {"text": "Baku", "start": 0, "end": 4, "score": 0.9},
               "target": {"text": "Yerevan", "start": 13, "end": 20, "score": 0.8}}


def label_studio_export(result, **task):
    """One task in the layout of Label Studio's JSON export: the result under annotations."""
    return {"id": 7, "data": {"text": TEXT}, "annotations": [{"id": 1, "completed_by": 1, "was_cancelled": False,
                                                               "result": result}], "predictions": [], **task}


def test_label_studio_round_trip(tmp_path):
    task = to_label_studio([PRELABELLED])[0]
    assert task["predictions"][0]["score"] == 0.93 and task["data"] == {"text": TEXT}
    # an annotator accepts the pre-annotation: Label Studio exports it under "annotations"
    exported = tmp_path / "export.json"
    exported.write_text(json.dumps([label_studio_export(task["predictions"][0]["result"])]))
    assert from_label_studio(exported) == [{"id": 7, "text": TEXT, "label": "allegation", "speaker": "Baku", "target": "Yerevan"}]
    for name in ("label", "span", "text"):
        assert f'name="{name}"' in LABEL_STUDIO_CONFIG  # the names the results refer to


def test_doccano_round_trip_and_other_project_types(tmp_path):
    line = to_doccano([PRELABELLED])[0]
    assert line == {"text": TEXT, "cats": ["allegation"], "entities": [[0, 4, "speaker"], [13, 20, "target"]]}
    exported = tmp_path / "export.jsonl"
    exported.write_text("\n".join(json.dumps(x) for x in [
        {"id": 1, **line},
        {"id": 2, "text": "Talks resume.", "label": ["mediation_call"]},  # a text-classification export
    ]) + "\n")
    rows = from_doccano(exported)
    assert rows[0] == {"id": 1, "text": TEXT, "label": "allegation", "speaker": "Baku", "target": "Yerevan"}
    assert rows[1]["label"] == "mediation_call" and rows[1]["speaker"] is None


@pytest.mark.parametrize("result, message", [
    ([{"type": "choices", "value": {"choices": ["warning"]}}], "unknown label 'warning'"),
    ([], "unknown label None"),
    ([{"type": "choices", "value": {"choices": ["threat"]}},
      {"type": "labels", "value": {"start": 0, "end": 99, "text": "Baku", "labels": ["speaker"]}}], "fall outside the text"),
    ([{"type": "choices", "value": {"choices": ["threat"]}},
      {"type": "labels", "value": {"start": 0, "end": 4, "text": "Kyiv", "labels": ["speaker"]}}], "cut 'Baku', but the span says 'Kyiv'"),
    ([{"type": "choices", "value": {"choices": ["threat"]}},
      {"type": "labels", "value": {"start": 0, "end": 4, "text": "Baku", "labels": ["place"]}}], "span tag 'place'"),
])
def test_label_studio_errors_name_the_task(tmp_path, result, message):
    exported = tmp_path / "export.json"
    exported.write_text(json.dumps([label_studio_export(result)]))
    with pytest.raises(FormatError, match=rf"export.json: task 1 \(id 7\): .*{message}"):
        from_label_studio(exported)


def test_missing_fields_and_unannotated_tasks(tmp_path):
    exported = tmp_path / "export.json"
    exported.write_text(json.dumps([{"id": 3, "data": {}, "annotations": []}]))
    with pytest.raises(FormatError, match="no data.text"):
        from_label_studio(exported)
    exported.write_text(json.dumps([{"id": 3, "data": {"text": TEXT}, "predictions": [{"result": []}]}]))
    with pytest.raises(FormatError, match="no annotation"):
        from_label_studio(exported)
    doccano = tmp_path / "d.jsonl"
    doccano.write_text(json.dumps({"text": TEXT, "entities": [[0, 4, "speaker"]]}) + "\n")
    with pytest.raises(FormatError, match=r"d.jsonl:1: no label"):
        from_doccano(doccano)


def test_cli_export_then_import(tmp_path):
    pre = tmp_path / "pre.jsonl"
    pre.write_text(json.dumps(PRELABELLED) + "\n")
    assert main(["export", str(pre), "--format", "label-studio", "-o", str(tmp_path / "ls.json")]) == 0
    tasks = json.loads((tmp_path / "ls.json").read_text())
    exported = tmp_path / "ls-export.json"
    exported.write_text(json.dumps([label_studio_export(tasks[0]["predictions"][0]["result"])]))
    assert main(["import", str(exported), "--format", "label-studio", "-o", str(tmp_path / "rows.jsonl")]) == 0
    rows = [json.loads(line) for line in (tmp_path / "rows.jsonl").read_text().splitlines()]
    assert rows == [{"id": 7, "text": TEXT, "label": "allegation", "speaker": "Baku", "target": "Yerevan"}]
    assert main(["export", "data/annotations/000_a25c22efd439cb62.jsonl", "--format", "doccano",
                 "-o", str(tmp_path / "seed.jsonl")]) == 0  # our own annotation files export too
    first = json.loads((tmp_path / "seed.jsonl").read_text().splitlines()[0])
    assert first["cats"] == ["allegation"] and [0, 0] != first["entities"][0][:2]

"""Annotation tools in and out: Label Studio and doccano files from pre-labelled sentences, and
their exports back into plain rows of {"id", "text", "label", "speaker", "target"}.

Layouts, as the tools document them:
- **Label Studio** (JSON task list, "Import pre-annotated data"): each task is
  {"data": {"text": ...}, "predictions": [{"model_version", "score", "result": [...]}]}, and an
  export carries the same result list under "annotations". A result item is a choice
  {"from_name": "label", "to_name": "text", "type": "choices", "value": {"choices": [label]}} or a
  span {"from_name": "span", "to_name": "text", "type": "labels",
  "value": {"start", "end", "text", "labels": ["speaker" | "target"]}}. LABEL_STUDIO_CONFIG is the
  labeling interface those names belong to.
- **doccano** (JSONL, one sentence a line; project type "Intent Detection and Slot Filling"):
  {"text": ..., "cats": [label], "entities": [[start, end, "speaker" | "target"]]}. Text
  classification exports ({"label": [label]}) and sequence-labeling exports ({"label": [[start,
  end, tag]]}, or "labels" in older releases) are read too.

Everything read back is checked: a label outside the codebook, a task with no text or no
label, and a span whose offsets fall outside the text or whose text differs from what the
offsets cut are errors that name the file and the task.
"""

from __future__ import annotations

import json
from pathlib import Path

from data.files import FormatError, read_jsonl
from data.labels import LABELS, check_label

ROLES = ("speaker", "target")
LABEL_STUDIO_CONFIG = """<View>
  <Text name="text" value="$text"/>
  <Choices name="label" toName="text" choice="single" showInline="true">
""" + "".join(f'    <Choice value="{label}"/>\n' for label in LABELS) + """  </Choices>
  <Labels name="span" toName="text">
    <Label value="speaker"/>
    <Label value="target"/>
  </Labels>
</View>
"""
"""The Label Studio labeling interface that exported tasks fit (paste it into the project's settings)."""


def _spans(record: dict) -> list[tuple[int, int, str]]:
    """(start, end, role) of a pre-labelled record: classify_file's {"speaker": {"start", "end", ...}}."""
    found = []
    for role in ROLES:
        span = record.get(role)
        if isinstance(span, dict) and "start" in span and "end" in span:
            found.append((int(span["start"]), int(span["end"]), role))
        elif isinstance(span, str) and span and span in record["text"]:  # an annotation file's span text
            start = record["text"].index(span)
            found.append((start, start + len(span), role))
    return found


def to_label_studio(records: list[dict], model_version: str = "stanceframe") -> list[dict]:
    """Label Studio tasks with the records' labels and spans as predictions (pre-annotations).

    Example:
        >>> task = to_label_studio([{"text": "Baku accused Yerevan.", "label": "allegation", "score": 0.9}])[0]
        >>> task["predictions"][0]["result"][0]["value"]
        {'choices': ['allegation']}
    """
    tasks = []
    for i, record in enumerate(records):
        result = []
        if record.get("label") in LABELS:
            result.append({"id": f"label-{i}", "from_name": "label", "to_name": "text", "type": "choices",
                           "value": {"choices": [record["label"]]}})
        for start, end, role in _spans(record):
            result.append({"id": f"{role}-{i}", "from_name": "span", "to_name": "text", "type": "labels",
                           "value": {"start": start, "end": end, "text": record["text"][start:end], "labels": [role]}})
        prediction = {"model_version": model_version, "result": result}
        if isinstance(record.get("score"), (int, float)):
            prediction["score"] = record["score"]
        data = {"text": record["text"], **{key: record[key] for key in ("id", "doc_id") if key in record}}
        tasks.append({"data": data, "predictions": [prediction]})
    return tasks


def to_doccano(records: list[dict]) -> list[dict]:
    """doccano lines ("Intent Detection and Slot Filling"): text, cats and entities.

    Example:
        >>> to_doccano([{"text": "Baku accused Yerevan.", "label": "allegation", "speaker": {"start": 0, "end": 4}}])
        [{'text': 'Baku accused Yerevan.', 'cats': ['allegation'], 'entities': [[0, 4, 'speaker']]}]
    """
    lines = []
    for record in records:
        line = {"text": record["text"], "cats": [record["label"]] if record.get("label") in LABELS else [],
                "entities": [[start, end, role] for start, end, role in _spans(record)]}
        for key in ("id", "doc_id"):
            if key in record:
                line[key] = record[key]
        lines.append(line)
    return lines


def from_label_studio(path: str | Path) -> list[dict]:
    """Rows from a Label Studio JSON export: each task's first annotation that was not cancelled.

    Raises:
        FormatError: not a JSON list of tasks; a task with no text or no annotated label; an
            unknown label; a span that does not match the text (naming the file and task).
    """
    path = Path(path)
    try:
        tasks = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FormatError(f"{path}: not a Label Studio JSON export ({error})") from None
    if not isinstance(tasks, list):
        raise FormatError(f"{path}: a Label Studio JSON export is a list of tasks, found {type(tasks).__name__}")
    rows = []
    for n, task in enumerate(tasks, start=1):
        where = f"{path}: task {n}" + (f" (id {task['id']})" if isinstance(task, dict) and "id" in task else "")
        text = (task.get("data") or {}).get("text") if isinstance(task, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise FormatError(f"{where}: no data.text")
        done = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
        if not done:
            raise FormatError(f"{where}: no annotation (predictions alone are not labels): annotate it or leave it out")
        label, spans = None, []
        for item in done[0].get("result") or []:
            value = item.get("value") or {}
            if item.get("type") == "choices":
                label = (value.get("choices") or [None])[0]
            elif item.get("type") == "labels":
                spans.append((value.get("start"), value.get("end"), (value.get("labels") or [None])[0], value.get("text")))
        rows.append(_row(task.get("id", n), text, label, spans, where, (task.get("data") or {}).get("doc_id")))
    return rows


def from_doccano(path: str | Path) -> list[dict]:
    """Rows from a doccano JSONL export (slot filling, text classification or sequence labeling).

    Raises:
        FormatError: as from_label_studio, naming the file and line.
    """
    rows = []
    for number, line in read_jsonl(path):
        where = f"{path}:{number}"
        text = line.get("text", line.get("data"))
        if not isinstance(text, str) or not text.strip():
            raise FormatError(f"{where}: no text")
        cats = line.get("cats")
        marks = line.get("entities")
        for key in ("label", "labels"):  # classification: [label]; sequence labeling: [[start, end, tag]]
            value = line.get(key)
            if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
                marks = value if marks is None else marks
            elif isinstance(value, list) and cats is None:
                cats = value
        if not cats:
            raise FormatError(f'{where}: no label ("cats", or "label" of a text-classification export)')
        spans = [(m[0], m[1], m[2], None) if isinstance(m, list) and len(m) == 3 else (None, None, None, None)
                 for m in marks or []]
        rows.append(_row(line.get("id", number), text, cats[0], spans, where, line.get("doc_id")))
    return rows


def _row(identifier, text: str, label, spans: list[tuple], where: str, doc_id=None) -> dict:
    try:
        check_label(label)
    except ValueError as error:
        raise FormatError(f"{where}: {error}") from None
    row = {"id": identifier, "text": text, "label": label, "speaker": None, "target": None}
    if doc_id is not None:  # the document a sentence came from, carried through the tool (eval select's picks)
        row["doc_id"] = str(doc_id)
    for start, end, role, shown in spans:
        if role not in ROLES:
            raise FormatError(f"{where}: span tag {role!r} is not one of {list(ROLES)}")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            raise FormatError(f"{where}: {role} offsets {start}-{end} fall outside the text ({len(text)} characters)")
        if shown is not None and text[start:end] != shown:
            raise FormatError(f"{where}: {role} offsets {start}-{end} cut {text[start:end]!r}, but the span says "
                              f"{shown!r}: the text changed after annotation")
        row[role] = text[start:end]
    return row

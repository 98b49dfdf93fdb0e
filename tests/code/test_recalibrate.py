"""Refitting the decision rule on real text: the offset search and the checkpoint it writes."""

import json

import torch

from data import LABELS
from training.recalibrate import fit_offset

FACTUAL = LABELS.index("factual_report")


def test_offset_is_the_one_that_maximises_macro_f1():
    # Two threats whose factual_report logit is a little higher: a negative offset recovers them.
    logits = torch.zeros(4, len(LABELS))
    logits[0, LABELS.index("threat")], logits[0, FACTUAL] = 1.0, 1.4
    logits[1, LABELS.index("threat")], logits[1, FACTUAL] = 1.0, 1.3
    logits[2, FACTUAL] = logits[3, FACTUAL] = 3.0
    gold = [LABELS.index("threat")] * 2 + [FACTUAL] * 2
    offset = fit_offset(logits, gold)
    assert -2.0 <= offset <= -0.5
    assert fit_offset(torch.eye(len(LABELS)) * 5, list(range(len(LABELS)))) == 0.0  # already right: keep 0


def test_recalibrate_writes_the_rule_and_the_record(tmp_path, tiny_model_dir, monkeypatch):
    import shutil

    from training.recalibrate import recalibrate

    model = tmp_path / "m"
    shutil.copytree(tiny_model_dir, model)
    (model / "training.json").write_text("{}")
    data = tmp_path / "set.jsonl"
    rows = [{"text": f"Sentence number {i} about the border.", "label": LABELS[i % len(LABELS)]} for i in range(20)]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    record = recalibrate(model, data, data)
    saved = json.loads((model / "stanceframe.json").read_text())
    assert saved["bias"] == record["bias"] and saved["temperature"] > 0
    assert json.loads((model / "training.json").read_text())["recalibration"]["fit_on"] == str(data)
    assert set(record["before"]) == {"fit", "check"}

"""The ONNX engine: export, parity with classify(), no torch on its path, clear errors."""

import json
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from data import LABELS  # noqa: E402
from model.errors import CheckpointError  # noqa: E402

SENTENCES = ["The army denied shelling the village.", "Talks resume in Geneva on Monday.",
             "Rebels vowed to retaliate for the strike on their convoy, a spokesman said."]


@pytest.fixture(scope="module")
def tiny_export(tiny, tmp_path_factory):
    from model.onnx_export import export_onnx

    return export_onnx(tiny, tmp_path_factory.mktemp("onnx"))


def test_export_writes_both_graphs_and_keeps_parity(tiny, tiny_export):
    from model.onnx_engine import OnnxClassifier

    meta = json.loads((tiny_export / "onnx.json").read_text(encoding="utf-8"))
    assert meta["labels"] == list(LABELS) and set(meta["variants"]) == {"fp32", "int8"}
    expected = tiny.predict_proba(SENTENCES).numpy()
    fp32 = OnnxClassifier.load(tiny_export, "fp32").predict_proba(SENTENCES)
    assert np.abs(fp32 - expected).max() < 1e-4
    int8 = OnnxClassifier.load(tiny_export, "int8").predict_proba(SENTENCES)
    assert int8.shape == expected.shape and np.allclose(int8.sum(1), 1) and np.abs(int8 - expected).max() < 0.05


def test_classify_through_onnx_matches_torch(tiny, tiny_export):
    from model import classify

    torch_results = classify(SENTENCES, model=tiny)
    onnx_results = classify(SENTENCES, model=str(tiny_export), engine="onnx")
    for a, b in zip(torch_results, onnx_results):
        assert a.label == b.label and abs(a.score - b.score) < 1e-4


def test_onnx_path_imports_no_torch(tiny_export):
    code = ("import sys; from model import classify; "
            f"r = classify({SENTENCES!r}, model={str(tiny_export)!r}, engine='onnx'); "
            "assert len(r) == 3; print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_errors_name_the_fix(tiny_export, tmp_path):
    from model.onnx_engine import OnnxClassifier

    with pytest.raises(CheckpointError, match="python -m model export --format onnx"):
        OnnxClassifier.load(tmp_path / "nothing")
    with pytest.raises(ValueError, match="int8"):
        OnnxClassifier.load(tiny_export, "bf16")
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in tiny_export.iterdir():
        (broken / f.name).write_bytes(f.read_bytes())
    (broken / "tokenizer.json").write_text("{}", encoding="utf-8")
    with pytest.raises(CheckpointError, match="changed since export"):
        OnnxClassifier.load(broken)


@pytest.mark.slow
def test_shipped_export_scores_like_torch_on_the_test_split(tmp_path):
    """Every variant that ships keeps test-split macro-F1 within 0.005 of classify() fp32."""
    from data import load_corpus
    from model import load_classifier
    from model.onnx_engine import OnnxClassifier
    from model.onnx_export import export_onnx
    from model.scoring import macro_f1

    test = load_corpus()["test"]
    gold = list(test["label"])
    torch_model = load_classifier(None, engine="torch")
    out = export_onnx(torch_model, tmp_path / "shipped-onnx")
    reference = macro_f1(gold, torch_model.predict_proba(test["text"]).argmax(-1).tolist())
    for precision in ("fp32", "int8"):
        onnx = OnnxClassifier.load(out, precision)
        score = macro_f1(gold, onnx.predict_proba(test["text"]).argmax(-1).tolist())
        assert abs(score - reference) <= 0.005, (precision, score, reference)

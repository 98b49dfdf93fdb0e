"""End to end through the CLIs, on a tiny base model. Training and the speed smoke run take
15-30 s each: marked slow (still run by `make test`)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_a25c22efd439cb62.txt"


def run(*args, check=True):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    result = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


@pytest.mark.slow
def test_train_evaluate_label(tiny_model_dir, tmp_path):
    ckpt = tmp_path / "ckpt"
    out = run("training", "--base-model", str(tiny_model_dir), "--method", "full", "--output-dir", str(ckpt),
              "--epochs", "1", "--max-train-samples", "64", "--batch-size", "16")
    assert "dev macro-F1" in out.stdout
    record = json.loads((ckpt / "training.json").read_text())
    assert record["config"]["seed"] == 13 and len(record["data_hash"]) == 64 and "macro_f1" in record["dev"]
    assert not (ckpt / "trainer").exists()

    annotated = tmp_path / "set.tsv"
    annotated.write_text("text\tlabel\nRebels shelled the market.\tallegation\nTalks resumed.\tmediation_call\n")
    report = run("eval", "--model", str(ckpt), "--file", str(annotated), "--out", str(tmp_path / "eval"))
    assert "tf-idf + logistic regression" in report.stdout and "mediation_call" in report.stdout
    saved = json.loads((tmp_path / "eval" / "report.json").read_text())
    assert [r["name"] for r in saved["reports"]] == ["stanceframe", "majority class", "keyword rules", "tf-idf + logistic regression"]
    assert (tmp_path / "eval" / "confusion_matrix.png").exists() and (tmp_path / "eval" / "report.md").exists()

    labelled = run("model", str(SEED), "--model", str(ckpt))
    lines = labelled.stdout.splitlines()
    assert len(lines) == 24 and "[skipped: link residue]" in labelled.stdout


def test_clear_errors_from_the_clis(tmp_path):
    missing = run("model", str(SEED), "--model", str(tmp_path / "none"), check=False)
    assert missing.returncode == 1 and "Train one with `python -m training`" in missing.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "label": "warning"}\n')
    report = run("eval", "--file", str(bad), check=False)
    assert report.returncode == 1 and "bad.jsonl:1: unknown label 'warning'" in report.stderr
    config = run("training", "--learning-rate", "3", check=False)
    assert config.returncode == 1 and "TrainConfig.learning_rate = 3.0 is out of range" in config.stderr


def test_classify_file_cli(tiny_model_dir, tmp_path):
    source = tmp_path / "sentences.txt"
    source.write_text("Rebels shelled the market.\nTalks resume on Monday.\n", encoding="utf-8")
    result = run("model", "classify-file", str(source), "--model", str(tiny_model_dir), "--no-progress")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in rows] == [1, 2] and all("label" in r and "score" in r for r in rows)
    missing = run("model", "classify-file", str(tmp_path / "nowhere.txt"), "--model", str(tiny_model_dir), check=False)
    assert missing.returncode == 1 and "error:" in missing.stderr


@pytest.mark.slow
def test_speed_smoke(tmp_path):
    out = run("eval", "speed", "--sentences", "64", "--batch-sizes", "8", "--stream", "100", "--archive", "200",
              "--no-training", "--no-cold-start", "--out", str(tmp_path))
    result = json.loads((tmp_path / "speed.json").read_text())
    engines = {r["engine"] for r in result["inference"]}
    assert {"classify() fp32", "transformers.pipeline fp32", "onnx fp32", "onnx int8"} <= engines
    assert result["archive"]["same_sentences_in_order"] and result["archive"]["label_agreement"] > 0.99
    assert "optimum" in " ".join(result["not_run"])
    assert abs(result["gflop_per_token"] - 0.0212) < 1e-4 and result["ceiling_gflops"]["fp32"] > 0
    assert all(0 < r["fraction_of_fp32_ceiling"] for r in result["inference"])
    assert result["stream"][0]["sentences"] == 100 and result["stream"][0]["peak_rss_mib"] > 0
    assert result["parity"]["pipeline_label_agreement"] > 0.95
    assert "| target | measured | met |" in out.stdout and (tmp_path / "speed.md").exists()


@pytest.mark.slow
def test_distillation_trains_from_soft_labels_and_the_pool(tiny_model_dir, tmp_path):
    from data import load_corpus
    from training.distill import text_key

    train = load_corpus()["train"].shuffle(seed=13).select(range(32))
    pool = tmp_path / "pool"
    pool.mkdir()
    (pool / "u.txt").write_text("# genre: test\n\nTalks resumed on Monday. The minister vowed to strike back.\n")
    soft = tmp_path / "soft.jsonl"
    rows = [{"sha256": text_key(t), "logits": [0.1, 0.2, 0.3, 0.4, 2.0]} for t in list(train["text"])[:20]]
    rows += [{"sha256": text_key(t), "logits": [0, 0, 3, 0, 0]} for t in ("Talks resumed on Monday.", "The minister vowed to strike back.")]
    soft.write_text("".join(json.dumps(r) + "\n" for r in rows))
    ckpt = tmp_path / "student"
    run("training", "--base-model", str(tiny_model_dir), "--method", "full", "--output-dir", str(ckpt),
        "--epochs", "1", "--max-train-samples", "32", "--batch-size", "8", "--soft-labels", str(soft),
        "--unlabelled-dir", str(pool), "--factual-prior", "None")
    record = json.loads((ckpt / "training.json").read_text())
    assert record["distillation"]["train_with_teacher"] == 20 and record["distillation"]["train_without_teacher"] == 12
    assert record["distillation"]["unlabelled_pool"] == 2 and record["train_sentences"] == 34
    assert record["config"]["factual_prior"] is None and record["bias"] == [0.0] * 5
    missing = run("training", "--soft-labels", str(tmp_path / "none.jsonl"), "--output-dir", str(tmp_path / "x"), check=False)
    assert missing.returncode == 1 and "python -m training.distill label" in missing.stderr

"""The sampler's contract (data/select.py) and `python -m eval select` on documents."""

import json

import numpy as np
import pytest

from data.select import select, uncertainty


def _pool(seed=0):
    """Two tight clusters of equally uncertain sentences (the first one larger) and confident rest."""
    rng = np.random.default_rng(seed)
    centre_a, centre_b, far = np.eye(8)[0], np.eye(8)[1], np.eye(8)[2]
    embeddings = np.vstack([centre_a + 0.01 * rng.normal(size=(30, 8)), centre_b + 0.01 * rng.normal(size=(10, 8)),
                            far + 0.01 * rng.normal(size=(60, 8))])
    probabilities = np.vstack([np.tile([0.5, 0.48, 0.02], (30, 1)), np.tile([0.5, 0.45, 0.05], (10, 1)),
                               np.tile([0.98, 0.01, 0.01], (60, 1))])
    return probabilities, embeddings


@pytest.mark.parametrize("strategy", ["diverse", "margin", "entropy", "random"])
def test_picks_n_distinct_eligible_rows(strategy):
    probabilities, embeddings = _pool()
    exclude = np.zeros(len(probabilities), dtype=bool)
    exclude[:5] = True
    picked = select(probabilities, embeddings, 12, strategy=strategy, exclude=exclude, seed=1)
    assert len(picked) == 12 and len(set(picked.tolist())) == 12
    assert not exclude[picked].any() and picked.min() >= 0 and picked.max() < len(probabilities)


def test_asks_for_more_than_there_is():
    probabilities, embeddings = _pool()
    exclude = np.ones(len(probabilities), dtype=bool)
    exclude[[3, 70]] = False
    assert sorted(select(probabilities, embeddings, 10, exclude=exclude).tolist()) == [3, 70]


def test_uncertainty_first():
    probabilities, embeddings = _pool()
    picked = select(probabilities, embeddings, 10, strategy="margin")
    assert (picked < 40).all()  # no confident row while uncertain ones remain
    assert uncertainty(probabilities[picked]).min() > uncertainty(probabilities[60:]).max()


def test_diverse_spreads_where_margin_piles_up():
    probabilities, embeddings = _pool()
    margin = select(probabilities, embeddings, 4, strategy="margin")
    diverse = select(probabilities, embeddings, 4, strategy="diverse", prefilter=10)
    assert (margin < 30).all()  # all four from the most uncertain cluster
    assert (diverse < 30).any() and ((diverse >= 30) & (diverse < 40)).any()  # both uncertain clusters


def test_random_is_seeded():
    probabilities, embeddings = _pool()
    one = select(probabilities, embeddings, 7, strategy="random", seed=3)
    assert one.tolist() == select(probabilities, embeddings, 7, strategy="random", seed=3).tolist()
    assert one.tolist() != select(probabilities, embeddings, 7, strategy="random", seed=4).tolist()


def test_bad_arguments():
    probabilities, embeddings = _pool()
    with pytest.raises(ValueError, match="unknown strategy"):
        select(probabilities, embeddings, 3, strategy="bald")
    with pytest.raises(ValueError, match="at least 1"):
        select(probabilities, embeddings, 0)
    with pytest.raises(ValueError, match="needs embeddings"):
        select(probabilities, None, 3, strategy="diverse")
    with pytest.raises(ValueError, match="shape"):
        uncertainty(np.ones(4))


def test_summary_counts_labels_to_reach_random():
    from eval.select import summarise

    curves = {"random": {0: [(100, 0.5), (200, 0.6), (300, 0.7)]}, "diverse": {0: [(100, 0.5), (200, 0.72), (300, 0.8)]}}
    result = summarise(curves)
    assert result["random_final"] == 0.7
    assert result["strategies"]["diverse"]["labels_to_random_final"] == 200
    assert result["strategies"]["diverse"]["share_of_random_labels"] == pytest.approx(0.667, abs=0.001)


def test_select_command_on_documents(tiny_model_dir, tmp_path, capsys):
    from eval.select import main

    doc = tmp_path / "report.txt"
    doc.write_text("Officials said the convoy was shelled. The army denied it. Talks resume on Monday.\n\n"
                   "A spokesman vowed to retaliate. The talks resume on Monday.", encoding="utf-8")
    out = tmp_path / "picks.jsonl"
    assert main([str(doc), "-n", "3", "--model", str(tiny_model_dir), "-o", str(out)]) == 0
    picks = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(picks) == 3 and [p["rank"] for p in picks] == [0, 1, 2]
    text = doc.read_text(encoding="utf-8")
    for pick in picks:
        assert text[pick["start"]:pick["end"]] == pick["text"]
        assert {"label", "score", "uncertainty", "doc_id"} <= set(pick)
    assert main([str(tmp_path / "missing.txt"), "--model", str(tiny_model_dir)]) == 1
    assert "error" in capsys.readouterr().err

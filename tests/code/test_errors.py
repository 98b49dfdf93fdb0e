"""python -m eval errors: errors grouped by gold -> predicted pair and by slice."""

import pytest

from eval.errors import acts_slice, error_report, length_slice, quote_slice, verb_slice


def test_slices_follow_the_text():
    assert length_slice("Talks resume on Monday.") == "short (<15 words)"
    assert length_slice(" ".join(["word"] * 40)) == "long (30+ words)"
    assert quote_slice('"We will respond," he said.') == "quote"
    assert verb_slice("The army accused the rebels, a spokesman said.") == "accused"
    assert verb_slice("Rain fell.") == "none"
    assert acts_slice("The army vowed to retaliate and accused the rebels.") == "cues of 2+ acts"


def test_report_counts_pairs_and_rates():
    texts = ["The minister vowed to strike back.", "Rebels shelled the town, officials said.", "Talks resumed."]
    gold = ["threat", "allegation", "factual_report"]
    predicted = ["factual_report", "allegation", "factual_report"]
    report = error_report(texts, gold, predicted, "toy")
    assert "1 errors in 3 sentences (33.3%)" in report
    assert "| threat | factual_report | 1 | The minister vowed to strike back. |" in report
    assert "| short (<15 words) | 3 | 1 | 33.3% | threat -> factual_report (1) |" in report


def test_lengths_must_match():
    with pytest.raises(ValueError, match="same length"):
        error_report(["a"], ["threat"], [], "x")

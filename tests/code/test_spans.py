"""Span tagging targets and decoding (model/spans.py), the rule baseline and span scores (eval/spans.py),
and actor names and the document profile (model/actors.py)."""

import pytest
import torch

from eval.spans import rule_spans, span_scores
from model.actors import actor, profile
from model.api import Prediction
from model.spans import SPAN_TAGS, Span, spans_from_tags, tag_tokens

TEXT = "Baku accused Yerevan of shelling Tartar."
OFFSETS = [(0, 0), (0, 4), (5, 12), (13, 20), (21, 23), (24, 32), (33, 39), (39, 40), (0, 0)]


def one_hot(tags):
    return torch.nn.functional.one_hot(torch.tensor([SPAN_TAGS.index(t) for t in tags]), len(SPAN_TAGS)).float()


def test_tag_tokens_marks_begin_and_inside():
    tags = tag_tokens([(0, 0), (0, 3), (4, 8), (9, 17), (18, 20), (0, 0)], {"speaker": (0, 8), "target": (9, 17)})
    assert [SPAN_TAGS[t] if t >= 0 else None for t in tags] == [None, "B-speaker", "I-speaker", "B-target", "O", None]
    assert tag_tokens([(0, 0), (0, 3)], {"speaker": None, "target": None}) == [-100, 0]


def test_spans_from_tags_reads_character_spans():
    probabilities = one_hot(["O", "B-speaker", "O", "B-target", "O", "O", "O", "O", "O"])
    found = spans_from_tags(probabilities, OFFSETS, TEXT)
    assert found["speaker"] == Span("Baku", 0, 4, 1.0) and found["target"] == Span("Yerevan", 13, 20, 1.0)


def test_spans_from_tags_keeps_the_most_probable_of_several_and_joins_inside_tags():
    probabilities = one_hot(["O", "B-speaker", "O", "B-speaker", "O", "O", "B-target", "I-target", "O"])
    probabilities[1] = probabilities[1] * 0.6 + 0.08  # the first speaker is less sure
    found = spans_from_tags(probabilities, OFFSETS, TEXT)
    assert found["speaker"].text == "Yerevan" and found["target"].text == "Tartar."
    assert spans_from_tags(one_hot(["O"] * 9), OFFSETS, TEXT) == {"speaker": None, "target": None}


@pytest.mark.parametrize("text, speaker, target", [
    ("Baku accused Yerevan of shelling the town.", "Baku", "Yerevan"),
    ("The rebels will pay for this, the defence minister warned.", "the defence minister", None),
    ("The envoy urged both sides to return to talks.", "The envoy", "both sides"),
    ("Schools reopened on Monday.", None, None),
])
def test_rule_baseline(text, speaker, target):
    found = rule_spans(text)
    assert (text[slice(*found["speaker"])] if found["speaker"] else None) == speaker
    assert (text[slice(*found["target"])] if found["target"] else None) == target


def test_span_scores_count_exact_and_token_overlap():
    scores = span_scores([("the defence ministry", "The ministry"), ("Baku", "Baku"), (None, "Yerevan")])
    assert scores["exact"] == {"precision": 0.5, "recall": 0.3333, "f1": 0.4}
    assert scores["token"]["precision"] == pytest.approx(3 / 4, abs=1e-4)  # the, ministry, baku of 4 predicted tokens
    assert scores["token"]["recall"] == pytest.approx(3 / 4, abs=1e-4)  # of the, ministry, baku, yerevan


@pytest.mark.parametrize("surface, expected", [
    ("Baku", "Azerbaijan"), ("Azerbaijan's defence ministry", "Azerbaijan"), ("Azerbaijani officials", "Azerbaijan"),
    ("Yerevan", "Armenia"), ("the Armenian side", "Armenia"), ("the Minsk Group", "OSCE"), ("US officials", "United States"),
    ("the UN envoy", "UN"), ("Britain, France and Germany", "France, Germany, United Kingdom"), ("the Kremlin", "Russia"),
    ("the rebels", "rebels"), ("he", "he"), ("us", "us"), ("", None), (None, None),
])
def test_actor_names(surface, expected):
    assert actor(surface) == expected


def test_profile_counts_and_edges():
    def p(label, speaker, target, text):
        return Prediction(label, 0.9, {}, label, speaker_actor=speaker, target_actor=target)

    results = [p("allegation", "Azerbaijan", "Armenia", "a"), p("allegation", "Azerbaijan", "Armenia", "b"),
               p("denial", "Armenia", None, "c"), p("factual_report", None, None, "d")]
    summary = profile(results)
    assert summary["actors"] == {"Azerbaijan": {"allegation": 2}, "Armenia": {"denial": 1}}
    assert [(e["source"], e["label"], e["target"], e["count"]) for e in summary["edges"]] == [
        ("Azerbaijan", "allegation", "Armenia", 2), ("Armenia", "denial", None, 1)]


def test_a_subword_tagged_alone_is_widened_to_its_word_and_stray_marks_are_dropped():
    text = "Rebels shelled Stepanakert ' today."
    offsets = [(0, 0), (0, 6), (7, 14), (15, 20), (20, 26), (27, 28), (29, 34), (34, 35), (0, 0)]
    probabilities = one_hot(["O", "B-speaker", "O", "O", "B-target", "O", "O", "O", "O"])
    found = spans_from_tags(probabilities, offsets, text)
    assert found["target"] == Span("Stepanakert", 15, 26, 1.0)
    probabilities = one_hot(["O", "B-speaker", "O", "O", "O", "B-target", "O", "O", "O"])
    assert spans_from_tags(probabilities, offsets, text)["target"] is None

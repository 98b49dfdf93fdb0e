"""On the user's seed document, the speaker of each act is the one a reader would name: the
annotated speaker (data/annotations), or the same actor (model.actors), from the shipped model.

The target is every act; the shipped model names 12 of the 14. It misses two, pinned here so that
any further miss fails: index 12, a quoted post ("Results of Armenia's massive missile attacks
...") whose speaker, Hikmet Hajiyev, is in the sentence before, where the tagger takes "Armenia"
from inside the quote; and index 21 ("Fighting broke out ..., when Baku and Yerevan accused each
other ..."), where it takes "Fighting"."""

import re
from pathlib import Path

import pytest

from data.corpus import read_annotation_file

ROOT = Path(__file__).resolve().parents[2]
SEED = "000_a25c22efd439cb62"


def _words(text):
    return set(re.findall(r"\w+", (text or "").lower())) - {"the", "a", "an", "s"}


@pytest.mark.slow
def test_every_act_in_the_seed_document_names_its_speaker():
    from model import actor, classify_document

    results = [r for r in classify_document((ROOT / "seeds" / f"{SEED}.txt").read_text(encoding="utf-8"))]
    gold = read_annotation_file(ROOT / "data" / "annotations" / f"{SEED}.jsonl")
    assert [r.text for r in results] == [g.text for g in gold]
    wrong = []
    for g, r in zip(gold, results):
        if g.label in (None, "factual_report"):
            continue
        named = r.speaker is not None and (_words(r.speaker.text) & _words(g.speaker) or r.speaker_actor == actor(g.speaker))
        if not named:
            wrong.append((g.index, g.speaker, r.speaker.text if r.speaker else None, r.label))
    known = {12, 21}
    assert {w[0] for w in wrong} <= known, f"acts without the speaker a reader would name (index, gold, predicted, label): {wrong}"

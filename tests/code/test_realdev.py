"""The real-text dev set: stand-off rows rebuilt from stories, checked by hash; clean skips without ../shared."""

import json

import pytest

from data import CorpusError, read_labelled_file
from data.realdev import REAL_DEV_FILE, SourceMissing, read_stories, resolve, stories_path, text_sha256

STORY = "The army said rebels shelled the town. Talks resume on Monday."


def _standoff(tmp_path, rows, stories=({"id": "s1", "text": STORY},)):
    source = tmp_path / "stories.jsonl"
    source.write_text("".join(json.dumps(s) + "\n" for s in stories))
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return source, gold


def _row(start, end, label, text=STORY, story="s1"):
    return {"id": f"{story}:{start}", "story": story, "start": start, "end": end,
            "sha256": text_sha256(text[start:end]), "label": label}


def test_standoff_rows_are_rebuilt_through_read_labelled_file(tmp_path, monkeypatch):
    source, gold = _standoff(tmp_path, [_row(0, 38, "allegation"), _row(39, 62, "factual_report")])
    monkeypatch.setenv("STANCEFRAME_VOA_STORIES", str(source))
    texts, labels = read_labelled_file(gold)
    assert texts == ["The army said rebels shelled the town.", "Talks resume on Monday."]
    assert labels == ["allegation", "factual_report"]


def test_a_changed_story_is_refused_by_its_hash(tmp_path, monkeypatch):
    row = _row(0, 38, "allegation")
    source, gold = _standoff(tmp_path, [row], stories=({"id": "s1", "text": STORY.replace("rebels", "troops")},))
    monkeypatch.setenv("STANCEFRAME_VOA_STORIES", str(source))
    with pytest.raises(CorpusError, match=r"gold.jsonl:1: the text at s1\[0:38\] does not match its hash"):
        read_labelled_file(gold)


def test_unknown_story_and_bad_offsets_name_the_line(tmp_path):
    stories = {"s1": STORY}
    with pytest.raises(CorpusError, match=r"f:3: story 'nope' is not in"):
        resolve([(3, {**_row(0, 5, "allegation"), "story": "nope"})], "f", stories)
    with pytest.raises(CorpusError, match=r"f:1: offsets 0-999 fall outside story s1"):
        resolve([(1, {**_row(0, 5, "allegation"), "end": 999})], "f", stories)


def test_missing_stories_say_what_is_needed(tmp_path, monkeypatch):
    monkeypatch.setenv("STANCEFRAME_VOA_STORIES", str(tmp_path / "absent.jsonl"))
    with pytest.raises(SourceMissing, match=r"needs \.\./shared/benchmarks beside the repository"):
        read_stories()


def test_the_shipped_set_holds_no_text_and_matches_its_stories():
    rows = [json.loads(line) for line in REAL_DEV_FILE.read_text().splitlines()]
    assert len(rows) == 837 and all("text" not in r for r in rows)
    assert len({r["story"] for r in rows}) == 30
    if not stories_path().is_file():
        pytest.skip(f"{stories_path()} is absent (no ../shared beside the repository)")
    texts, labels = read_labelled_file(REAL_DEV_FILE)
    assert len(texts) == 837 and all(t.strip() for t in texts)
    assert labels.count("allegation") == 67 and "mediation_call" not in labels

"""Property-based tests (hypothesis) with arbitrary unicode: the splitter, classify() and the
corpus reader either give a well-formed answer or raise the documented error, never another."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data import LABELS, split_document
from data.corpus import CorpusError, read_annotation_file

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
"""Any unicode a UTF-8 file can hold (surrogates excluded: they are not text)."""
PROSE = st.lists(st.sampled_from(["Rebels", "shelled", "the", "town.", "He", "said:", "“We", "deny", "it,”", "\n\n",
                                  "Dr.", "U.S.", "...", "—", "@user", "http://x.y/z", "5.4", "(AP)", "\u200b", "\x00"]),
                 max_size=60).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(TEXT, PROSE))
def test_splitter_offsets_always_point_into_the_document(text):
    sentences = split_document(text).sentences
    previous_end = 0
    for index, s in enumerate(sentences):
        assert s.index == index and text[s.start:s.end] == s.text and s.text.strip() == s.text and s.text
        assert s.start >= previous_end
        previous_end = s.end


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(TEXT, PROSE), min_size=1, max_size=4))
def test_classify_answers_or_refuses_with_a_value_error(tiny, texts):
    from model import classify

    try:
        results = classify(texts, model=tiny)
    except ValueError as error:
        assert "position" in str(error)
        return
    assert len(results) == len(texts)
    for r in results:
        assert list(r.scores) == list(LABELS) and r.label == max(r.scores, key=r.scores.get)
        assert abs(sum(r.scores.values()) - 1) < 1e-4 and set(r.warnings) <= {"not_english"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(TEXT, st.builds(lambda t, l: json.dumps({"doc_id": "d", "index": 0, "text": t, "label": l}),
                                          TEXT, st.sampled_from([*LABELS, None, "TODO", 3]))), max_size=5))
def test_corpus_reader_reads_or_names_the_line(tmp_path, lines):
    path = tmp_path / "d.jsonl"
    path.write_text("\n".join(line.replace("\n", " ") for line in lines), encoding="utf-8")
    try:
        rows = read_annotation_file(path)
    except CorpusError as error:
        assert str(error).startswith(f"{path}:")
        return
    assert all(r.label in (*LABELS, None) and r.text.strip() for r in rows)

from pathlib import Path

import pytest

from data import split_document, split_sentences

SEED = Path(__file__).resolve().parents[2] / "seeds" / "000_a25c22efd439cb62.txt"


def test_offsets_point_into_the_document():
    text = SEED.read_text(encoding="utf-8")
    for s in split_document(text).sentences:
        assert text[s.start : s.end] == s.text


def test_leading_date_becomes_metadata():
    doc = split_document(SEED.read_text(encoding="utf-8"))
    assert doc.metadata["date"] == "2020-10-04"
    assert doc.sentences[0].text.startswith("Heavy fighting continued")


def test_header_lines_become_metadata():
    doc = split_document("# genre: wire report\n# region: sudan\ndate 2024-05-12 Shelling resumed. Talks stalled.")
    assert doc.metadata == {"genre": "wire report", "region": "sudan", "date": "2024-05-12"}
    assert [s.text for s in doc.sentences] == ["Shelling resumed.", "Talks stalled."]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Gen. Okoro met the U.S. envoy on Friday. No. 4 brigade withdrew.",
         ["Gen. Okoro met the U.S. envoy on Friday.", "No. 4 brigade withdrew."]),
        ("Aid arrived from the U.S. The convoy reached the city.",
         ["Aid arrived from the U.S.", "The convoy reached the city."]),
        ("“We will respond. They will regret it,” the spokesman said. Shelling resumed.",
         ["“We will respond. They will regret it,” the spokesman said.", "Shelling resumed."]),
        ('"Leave now. The area will be struck," a colonel said on radio.',
         ['"Leave now. The area will be struck," a colonel said on radio.']),
        ("The talks ended at 4 p.m. on Monday. Nothing was agreed.",
         ["The talks ended at 4 p.m. on Monday.", "Nothing was agreed."]),
        ("Is a truce possible? Diplomats doubt it! Fighting goes on.",
         ["Is a truce possible?", "Diplomats doubt it!", "Fighting goes on."]),
    ],
)
def test_sentence_boundaries(text, expected):
    assert split_sentences(text) == expected


def test_non_sentences_are_skipped_not_labelled():
    text = (
        "By Lena Okafor\n\nMissiles hit the depot. 4 new missile just hit Ganja. "
        "pic.twitter.com/AbC123 — Ada Vell (@adavell) October 4, 2020\n\nhttps://example.org/story?id=3"
    )
    segments = split_document(text).sentences
    skipped = {s.text: s.skip for s in segments if s.skip}
    assert skipped == {
        "By Lena Okafor": "byline",
        "pic.twitter.com/AbC123 — Ada Vell (@adavell) October 4, 2020": "link residue",
        "https://example.org/story?id=3": "link residue",
    }
    assert split_sentences(text) == ["Missiles hit the depot.", "4 new missile just hit Ganja."]


def test_refuses_non_str_and_huge_documents():
    with pytest.raises(TypeError, match="expected the document as str, got bytes"):
        split_document(b"bytes")
    with pytest.raises(ValueError, match="over the limit"):
        split_document("a" * 2_000_001)


def test_one_megabyte_document_splits():
    text = "Shelling resumed near the bridge on Monday, officials said. " * 17_000
    assert len(text) > 1_000_000
    assert len(split_sentences(text)) == 17_000

"""Data tests over the real corpus: they fail when seeds and annotations drift apart or
the corpus falls below what the project promises."""

from collections import Counter

import pytest

from data import ACT_LABELS, LABELS, load_corpus, read_annotations
from data.annotate import check
from data.corpus import SEEDS_DIR, split_of
from data.sentences import split_document

USER_SEED = "000_a25c22efd439cb62"
MIN_DOCUMENTS = 300
MIN_SENTENCES = 5000
MIN_PER_ACT = 600
MAX_REGION_SHARE = 0.08
MIN_HARD_NEGATIVE_SHARE = 0.10


@pytest.fixture(scope="module")
def rows():
    return [r for r in read_annotations() if r.label is not None]


@pytest.fixture(scope="module")
def seeds():
    return {path.stem: split_document(path.read_text(encoding="utf-8")) for path in sorted(SEEDS_DIR.glob("*.txt"))}


def test_seeds_and_annotations_agree():
    assert check(sorted(SEEDS_DIR.glob("*.txt"))) == []


def test_labels_in_set_and_no_duplicates(rows):
    assert {r.label for r in rows} <= set(LABELS)
    texts = [" ".join(r.text.split()).lower() for r in rows]
    assert len(texts) == len(set(texts))


def test_splits_never_share_a_document_or_sentence():
    corpus = load_corpus()
    docs = {name: set(corpus[name]["doc_id"]) for name in corpus}
    texts = {name: set(corpus[name]["text"]) for name in corpus}
    for a, b in (("train", "dev"), ("train", "test"), ("dev", "test")):
        assert not docs[a] & docs[b] and not texts[a] & texts[b]


def test_split_shares_of_documents(seeds):
    splits = Counter(split_of(doc) for doc in seeds)
    assert splits["test"] / len(seeds) >= 0.15 and splits["dev"] / len(seeds) >= 0.10, splits


def test_corpus_size_and_per_label_minimums(rows, seeds):
    assert len(seeds) - 1 >= MIN_DOCUMENTS, f"{len(seeds) - 1} new documents"
    assert len(rows) >= MIN_SENTENCES
    counts = Counter(r.label for r in rows)
    short = {label: counts[label] for label in ACT_LABELS if counts[label] < MIN_PER_ACT}
    assert not short, f"labels under {MIN_PER_ACT}: {short}"


def test_documents_have_headers_and_length(seeds):
    for doc_id, doc in seeds.items():
        if doc_id == USER_SEED:
            continue
        missing = {"source", "genre", "setting", "region"} - set(doc.metadata)
        assert not missing, f"{doc_id}: header lacks {missing}"
        assert "training material" in doc.metadata["source"], doc_id
        assert 8 <= len(doc.labelled) <= 25, f"{doc_id}: {len(doc.labelled)} sentences"


def test_region_variety_and_share(seeds):
    regions = Counter(doc.metadata.get("region") for doc_id, doc in seeds.items() if doc_id != USER_SEED)
    assert len(regions) >= 30, f"{len(regions)} regions"
    top, count = regions.most_common(1)[0]
    assert count / sum(regions.values()) <= MAX_REGION_SHARE, f"{top}: {count} documents"


def test_hard_negatives_share(rows):
    hard = [r for r in rows if r.note and "hard negative" in r.note]
    assert all(r.label == "factual_report" for r in hard)
    assert len(hard) / len(rows) >= MIN_HARD_NEGATIVE_SHARE, f"{len(hard)} of {len(rows)}"


def test_every_act_has_a_speaker(rows):
    assert all(r.speaker for r in rows if r.label in ACT_LABELS)


BENCHMARKS = SEEDS_DIR.parent.parent / "shared" / "benchmarks"
ECHO_THRESHOLD = 0.6
"""Word-level TF-IDF cosine above which a corpus sentence counts as an echo of an external one.
Background facts told in our own words reach ~0.55 (the same event, the same names)."""


def test_no_sentence_echoes_the_external_benchmarks(rows):
    """Our writing must not copy or paraphrase ../shared/benchmarks/ (evaluation only)."""
    import json

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    files = sorted(BENCHMARKS.glob("*.jsonl"))
    if not files:
        pytest.skip("no ../shared/benchmarks/ beside the checkout")
    external = [json.loads(line)["text"] for f in files for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    ours = [r.text for r in rows if r.doc_id != USER_SEED]
    vectorizer = TfidfVectorizer(sublinear_tf=True).fit(ours + external)
    similarity = cosine_similarity(vectorizer.transform(external), vectorizer.transform(ours))
    echoes = [(external[i][:80], ours[similarity[i].argmax()][:80]) for i in range(len(external))
              if similarity[i].max() > ECHO_THRESHOLD]
    assert echoes == []


def test_the_codebook_copy_matches_the_teams():
    """data/CODEBOOK.md is the project's own copy of the specification (a user's clone has no ../shared)."""
    from data.corpus import PACKAGE_DIR

    team = PACKAGE_DIR.parent.parent / "shared" / "CODEBOOK.md"
    if not team.is_file():
        pytest.skip("no ../shared/CODEBOOK.md beside the repository")
    assert (PACKAGE_DIR / "CODEBOOK.md").read_text(encoding="utf-8") == team.read_text(encoding="utf-8")

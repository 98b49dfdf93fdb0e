"""stanceframe data: the label set, sentence splitting, corpus reading, validation and splits."""

from data.corpus import SPLIT_SEED, CorpusError, corpus_hash, gold_labels, load_corpus, read_annotations, read_labelled_file
from data.labels import ACT_LABELS, LABELS, id2label, label2id
from data.sentences import Document, Sentence, split_document, split_sentences

__all__ = [
    "ACT_LABELS", "LABELS", "SPLIT_SEED", "CorpusError", "Document", "Sentence", "corpus_hash", "id2label",
    "gold_labels", "label2id", "load_corpus", "read_annotations", "read_labelled_file", "split_document", "split_sentences",
]

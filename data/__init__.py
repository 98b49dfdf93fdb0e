"""stanceframe data: the label set, sentence splitting, corpus reading, validation and splits."""

from data.corpus import CorpusError, corpus_hash, load_corpus, read_annotations, read_labelled_file
from data.labels import ACT_LABELS, LABELS, id2label, label2id
from data.sentences import Document, Sentence, split_document, split_sentences

__all__ = [
    "ACT_LABELS", "LABELS", "CorpusError", "Document", "Sentence", "corpus_hash", "id2label",
    "label2id", "load_corpus", "read_annotations", "read_labelled_file", "split_document", "split_sentences",
]

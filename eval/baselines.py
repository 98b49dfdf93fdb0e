"""Baselines scored beside the model on the same split: majority class, keyword rules,
TF-IDF + logistic regression, and frozen MiniLM sentence embeddings + logistic regression.

`BASELINES` is the one list: the benchmark ladder runs them all, `python -m eval` the
`QUICK` ones (the frozen-embedding row encodes the whole train split, minutes on a CPU)."""

from __future__ import annotations

import numpy as np
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from eval.keywords import KeywordRules


def majority(seed: int = 13) -> DummyClassifier:
    """Always the most frequent training label."""
    return DummyClassifier(strategy="most_frequent")


def tfidf_logreg(seed: int = 13) -> Pipeline:
    """Word 1-2-gram TF-IDF into a class-balanced logistic regression.

    Example:
        >>> model = tfidf_logreg().fit(["they shelled us", "talks resumed"] * 3, ["allegation", "mediation_call"] * 3)
        >>> str(model.predict(["they shelled the town"])[0])
        'allegation'
    """
    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1),
        LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000, random_state=seed),
    )


class FrozenEmbeddings:
    """all-MiniLM-L6-v2 sentence embeddings (mean-pooled, L2-normalised, frozen) into logistic regression."""

    def __init__(self, seed: int = 13, batch_size: int = 64):
        self.seed, self.batch_size = seed, batch_size
        self.head = LogisticRegression(C=10.0, class_weight="balanced", max_iter=3000, random_state=seed)

    def embed(self, texts: list[str]) -> np.ndarray:
        import torch
        from transformers import AutoModel, AutoTokenizer

        from model import base_model_path

        if not hasattr(self, "_encoder"):
            self._tokenizer = AutoTokenizer.from_pretrained(base_model_path())
            self._encoder = AutoModel.from_pretrained(base_model_path()).eval()
        out = []
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                batch = self._tokenizer(texts[start : start + self.batch_size], padding=True, truncation=True,
                                        max_length=128, return_tensors="pt")
                hidden = self._encoder(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).float()
                pooled = (hidden * mask).sum(1) / mask.sum(1)
                out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
        return np.concatenate(out)

    def fit(self, texts, labels):
        self.head.fit(self.embed(list(texts)), labels)
        return self

    def predict(self, texts):
        return list(self.head.predict(self.embed(list(texts))))


BASELINES = {
    "majority class": majority,
    "keyword rules": lambda seed=13: KeywordRules(),
    "tf-idf + logistic regression": tfidf_logreg,
    "MiniLM frozen embeddings + logistic regression": FrozenEmbeddings,
}
"""Every baseline: name -> factory taking a seed, giving an object with fit(texts, labels) and predict(texts)."""

QUICK = ("majority class", "keyword rules", "tf-idf + logistic regression")
"""The baselines `python -m eval` scores beside every model (seconds, not minutes)."""


def fit_predict(name: str, train_texts: list[str], train_labels: list[str], texts: list[str], seed: int = 13) -> list[str]:
    """Fit baseline `name` on the training texts and label `texts`."""
    return list(BASELINES[name](seed).fit(train_texts, train_labels).predict(texts))

"""Baselines scored beside the model on the same split: majority class, TF-IDF + logistic regression."""

from __future__ import annotations

from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline


def majority() -> DummyClassifier:
    """Always the most frequent training label."""
    return DummyClassifier(strategy="most_frequent")


def tfidf_logreg(seed: int = 13) -> Pipeline:
    """Word 1-2-gram TF-IDF into a class-balanced logistic regression.

    Example:
        >>> model = tfidf_logreg().fit(["they shelled us", "talks resumed"] * 3, ["allegation", "mediation_call"] * 3)
        >>> model.predict(["they shelled the town"])[0]
        'allegation'
    """
    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1),
        LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000, random_state=seed),
    )


BASELINES = {"majority class": majority, "tf-idf + logistic regression": tfidf_logreg}


def fit_predict(name: str, train_texts: list[str], train_labels: list[str], texts: list[str], seed: int = 13) -> list[str]:
    """Fit baseline `name` on the training texts and label `texts`."""
    factory = BASELINES[name]
    model = factory(seed) if name != "majority class" else factory()
    return list(model.fit(train_texts, train_labels).predict(texts))

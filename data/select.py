"""Which sentences to annotate next: uncertainty plus diversity (`python -m eval select` runs it
over a model's predictions; this module holds the choice alone, over arrays, so that the
simulation in eval/select.py and the command share it).

The method is Zhdanov's "diverse mini-batch active learning" (2019): keep the `prefilter * n`
most uncertain sentences, cluster their embeddings into `n` groups with k-means weighted by
uncertainty, and take from each group the sentence nearest its centre. Uncertainty alone picks
200 copies of one confusing pattern; clustering alone ignores what the model already knows.
scikit-learn's KMeans does the clustering; only the few lines around it are ours.
"""

from __future__ import annotations

import numpy as np

STRATEGIES = ("diverse", "margin", "entropy", "random")


def uncertainty(probabilities: np.ndarray, kind: str = "margin") -> np.ndarray:
    """Per row: 1 - (top probability - second) for "margin", Shannon entropy (nats) for "entropy".

    Example:
        >>> uncertainty(np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])).round(3).tolist()
        [1.0, 0.0]
    """
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] < 2:
        raise ValueError(f"probabilities must be (sentences, labels) with 2+ labels, got shape {p.shape}")
    if kind == "margin":
        top2 = np.sort(p, axis=1)[:, -2:]
        return 1.0 - (top2[:, 1] - top2[:, 0])
    if kind == "entropy":
        return -(p * np.log(np.clip(p, 1e-12, 1.0))).sum(axis=1)
    raise ValueError(f"unknown uncertainty {kind!r}: margin or entropy")


def select(probabilities: np.ndarray, embeddings: np.ndarray | None, n: int, strategy: str = "diverse",
           prefilter: int = 10, seed: int = 0, exclude: np.ndarray | None = None) -> np.ndarray:
    """Indices of `n` rows to annotate, most useful first (for "random": in drawn order).

    Args:
        probabilities: (rows, labels) calibrated class probabilities.
        embeddings: (rows, dims) sentence embeddings; needed by "diverse" only.
        n: how many to pick; all the eligible rows when there are fewer.
        strategy: "diverse" (uncertainty + k-means diversity), "margin" or "entropy" (uncertainty
            alone), "random".
        prefilter: "diverse" clusters the `prefilter * n` most uncertain rows.
        exclude: a boolean mask of rows that may not be picked (already labelled).

    Example:
        >>> p = np.array([[0.9, 0.1], [0.5, 0.5], [0.6, 0.4], [0.99, 0.01]])
        >>> select(p, None, 2, strategy="margin").tolist()
        [1, 2]
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}: one of {', '.join(STRATEGIES)}")
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    probabilities = np.asarray(probabilities)
    eligible = np.flatnonzero(~np.asarray(exclude, dtype=bool)) if exclude is not None else np.arange(len(probabilities))
    n = min(n, len(eligible))
    if n == 0:
        return np.array([], dtype=int)
    if strategy == "random":
        return np.random.default_rng(seed).choice(eligible, size=n, replace=False)
    scores = uncertainty(probabilities[eligible], "entropy" if strategy == "entropy" else "margin")
    ranked = eligible[np.argsort(-scores, kind="stable")]
    if strategy in ("margin", "entropy"):
        return ranked[:n]
    if embeddings is None:
        raise ValueError('strategy "diverse" needs embeddings')
    return _diverse(ranked[: min(len(ranked), prefilter * n)], dict(zip(eligible.tolist(), scores.tolist())),
                    np.asarray(embeddings, dtype=np.float64), n, seed)


def _diverse(candidates: np.ndarray, score: dict[int, float], embeddings: np.ndarray, n: int, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    if len(candidates) <= n:
        return candidates
    points = embeddings[candidates]
    points = points / np.clip(np.linalg.norm(points, axis=1, keepdims=True), 1e-12, None)  # cosine geometry
    weights = np.array([score[i] for i in candidates.tolist()]) + 1e-6
    kmeans = KMeans(n_clusters=n, n_init=1, random_state=seed).fit(points, sample_weight=weights)
    distances = kmeans.transform(points)  # (candidates, clusters)
    picked, taken = [], set()
    for cluster in np.argsort(-np.bincount(kmeans.labels_, weights=weights, minlength=n)):  # heaviest cluster first
        for row in np.argsort(distances[:, cluster]):
            if row not in taken:
                taken.add(row)
                picked.append(candidates[row])
                break
    return np.array(picked, dtype=int)

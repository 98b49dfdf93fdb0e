"""Out of its depth: how far a sentence lies from what the model was trained on.

The score is the Mahalanobis distance of the sentence's pooled embedding (the vector the
sentence head reads) to the nearest label's mean over the training split, under one covariance
shared by all labels (Lee et al., NeurIPS 2018), estimated with Ledoit-Wolf shrinkage. It costs
one 384 x 384 product per sentence on top of the forward pass. A sentence whose distance is above
the threshold (the 99th percentile of the distances of our own dev split) gets the warning
"out_of_domain". The statistics live beside the weights in ood.safetensors
(`python -m training.ood DIR` writes them); a checkpoint without them gives no such warning.
"""

from __future__ import annotations

import typing

if typing.TYPE_CHECKING:
    import torch

OOD_FILE = "ood.safetensors"
OUT_OF_DOMAIN = "out_of_domain"
QUANTILE = 0.99


def fit(features: torch.Tensor, labels: list[int], reference: torch.Tensor, quantile: float = QUANTILE) -> dict[str, torch.Tensor]:
    """Class means, the shared precision matrix, and the threshold: the `quantile` of the
    distances of `reference` (held-out sentences of the same kind as the training data).

    Example:
        >>> import torch
        >>> g = torch.Generator().manual_seed(0)
        >>> x = torch.randn(400, 8, generator=g); stats = fit(x, [i % 2 for i in range(400)], x[:100])
        >>> bool(distance(x[:5] + 100, stats).min() > stats["threshold"])
        True
    """
    import torch
    from sklearn.covariance import LedoitWolf

    features = features.double()
    target = torch.tensor(labels)
    classes = sorted(set(labels))
    means = torch.stack([features[target == c].mean(0) for c in classes])
    centred = features - means[torch.searchsorted(torch.tensor(classes), target)]
    precision = torch.from_numpy(LedoitWolf().fit(centred.numpy()).precision_)
    stats = {"means": means.float(), "precision": precision.float()}
    stats["threshold"] = torch.quantile(distance(reference, stats), quantile).reshape(1)
    return stats


def distance(features: torch.Tensor, stats: dict[str, torch.Tensor]) -> torch.Tensor:
    """The smallest Mahalanobis distance of each row of `features` to a class mean, shape (n,)."""
    import torch

    difference = features.float()[:, None, :] - stats["means"][None]  # (n, classes, d)
    squared = torch.einsum("ncd,de,nce->nc", difference, stats["precision"], difference)
    return squared.clamp(min=0).min(-1).values.sqrt()

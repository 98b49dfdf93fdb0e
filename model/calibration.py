"""Confidence calibration: temperature scaling fitted on dev, and expected calibration error."""

from __future__ import annotations

import torch


def fit_temperature(logits: torch.Tensor, labels: list[int], bias: torch.Tensor | None = None) -> float:
    """The temperature T minimising the negative log-likelihood of softmax((logits + bias) / T).

    Example:
        >>> round(fit_temperature(torch.tensor([[4.0, 0.0], [4.0, 0.0]]), [0, 1]), 1) > 1
        True
    """
    logits = logits.detach().float() + (bias if bias is not None else 0.0)
    target = torch.tensor(labels)
    log_t = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.LBFGS([log_t], lr=0.1, max_iter=200)

    def closure():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(logits / log_t.exp(), target)
        loss.backward()
        return loss

    optimizer.step(closure)
    return float(log_t.detach().exp().clamp(0.05, 20.0))


def expected_calibration_error(probabilities: torch.Tensor, labels: list[int], bins: int = 15) -> float:
    """ECE: the confidence-vs-accuracy gap averaged over equal-width confidence bins, by weight.

    Example:
        >>> expected_calibration_error(torch.tensor([[0.9, 0.1], [0.6, 0.4]]), [0, 1])
        0.35
    """
    rows = reliability_bins(probabilities, labels, bins)
    total = sum(row["count"] for row in rows)
    return round(sum(row["count"] / total * abs(row["confidence"] - row["accuracy"]) for row in rows), 4)


def reliability_bins(probabilities: torch.Tensor, labels: list[int], bins: int = 15) -> list[dict]:
    """Per confidence bin: mean confidence, accuracy and count (for a reliability diagram)."""
    confidence, predicted = probabilities.max(dim=-1)
    correct = (predicted == torch.tensor(labels)).float()
    edges = torch.linspace(0, 1, bins + 1)
    rows = []
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            rows.append({"low": float(low), "high": float(high), "confidence": float(confidence[inside].mean()),
                         "accuracy": float(correct[inside].mean()), "count": int(inside.sum())})
    return rows


def fit_factual_bias(logits: torch.Tensor, labels: list[int], factual_prior: float, factual_id: int,
                     grid: tuple[float, ...] = tuple(x / 4 for x in range(-4, 17))) -> float:
    """The logit offset for `factual_report` that maximises macro-F1 under a deployment prior.

    Dev sentences are reweighted so that factual_report makes up `factual_prior` of the
    weight (the acts keep their relative shares): the offset is chosen for text with the
    mix of real reporting, on our own dev data.
    """
    from model.scoring import macro_f1

    target = torch.tensor(labels)
    is_factual = target == factual_id
    share = is_factual.float().mean()
    weights = torch.where(is_factual, factual_prior / share, (1 - factual_prior) / (1 - share))
    best, best_score = 0.0, -1.0
    for offset in grid:
        shifted = logits.clone()
        shifted[:, factual_id] += offset
        score = macro_f1(target.tolist(), shifted.argmax(-1).tolist(), sample_weight=weights.tolist())
        if score > best_score + 1e-9:
            best, best_score = offset, score
    return best

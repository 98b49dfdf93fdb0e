"""Grouping sentences into forward passes (shared by the torch and ONNX engines; no torch here)."""

from __future__ import annotations

MAX_BATCH_TOKENS = 2_048
"""Padded tokens per forward pass: a batch is cut so its activations stay in the CPU cache.

Measured on a 2-core CPU (`python -m eval speed`): forward passes of about 1,000-2,000 tokens
run near the matmul ceiling; 256 sentences in one pass (~9,000 tokens) run ~25% slower."""


def token_batches(lengths: list[int], batch_size: int, max_tokens: int) -> list[list[int]]:
    """Indices grouped into forward passes: sorted by length, each pass at most `batch_size`
    items and `max_tokens` padded tokens (its longest item times its size).

    Example:
        >>> token_batches([5, 1, 3, 2], batch_size=2, max_tokens=100)
        [[1, 3], [2, 0]]
    """
    batches: list[list[int]] = []
    current: list[int] = []
    for i in sorted(range(len(lengths)), key=lengths.__getitem__):
        if current and (len(current) == batch_size or lengths[i] * (len(current) + 1) > max_tokens):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


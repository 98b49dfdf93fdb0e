"""The label set: defined once, here. Its order is the contract (never sort it)."""

from __future__ import annotations

LABELS: tuple[str, ...] = ("allegation", "denial", "threat", "mediation_call", "factual_report")
"""The five labels of data/CODEBOOK.md, in the order every probability vector uses."""

ACT_LABELS: tuple[str, ...] = LABELS[:4]
"""The four speech acts; `factual_report` is everything else."""

PRECEDENCE: tuple[str, ...] = ("threat", "denial", "mediation_call", "allegation", "factual_report")
"""The codebook's order for a sentence that does two things: the first act present wins."""

label2id: dict[str, int] = {name: i for i, name in enumerate(LABELS)}
id2label: dict[int, str] = dict(enumerate(LABELS))


def check_label(label: object) -> str:
    """Return `label` if it is one of LABELS, else raise a ValueError that lists them.

    Example:
        >>> check_label("threat")
        'threat'
    """
    if label not in label2id:
        raise ValueError(f"unknown label {label!r}: expected one of {', '.join(LABELS)}")
    return label  # type: ignore[return-value]

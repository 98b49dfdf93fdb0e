"""Where the weights run and in which precision: the device, and bf16 where it is native."""

from __future__ import annotations

import warnings

import torch

PRECISIONS = ("fp32", "bf16", "auto")
"""fp32 (what the scores in the model card are measured with) or bf16, ~3x faster on CPUs with
native bf16 (AVX-512 BF16 or AMX) and on recent GPUs, with the same test-split macro-F1; "auto"
(classify()'s default) is bf16 where it is native and fp32 elsewhere."""


def pick_device(device: str | torch.device | None = None) -> torch.device:
    """The given device, else CUDA when available, else CPU.

    Example:
        >>> pick_device("cpu").type
        'cpu'
    """
    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def native_bf16(device: torch.device) -> bool:
    """Whether `device` computes in bf16 natively (else bf16 is emulated, slower than fp32)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type != "cpu":
        return False
    cpu = getattr(torch, "cpu", None)  # private probes: absent in some builds, then assume no
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(cpu, name, lambda: False)() for name in probes)


def resolve_precision(precision: str, device: torch.device) -> str:
    """`precision` if this device runs it natively; "bf16" falls back to "fp32" with a warning.

    Raises:
        ValueError: an unknown precision.

    Example:
        >>> resolve_precision("fp32", torch.device("cpu"))
        'fp32'
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
    if precision == "auto":
        return "bf16" if native_bf16(device) else "fp32"
    if precision == "bf16" and not native_bf16(device):
        warnings.warn(
            f"bf16 is not native on this {device.type} (no AVX-512 BF16 or AMX): running in fp32 instead",
            RuntimeWarning, stacklevel=3,
        )
        return "fp32"
    return precision


def dtype_of(precision: str) -> torch.dtype:
    return torch.bfloat16 if precision == "bf16" else torch.float32

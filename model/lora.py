"""Folding a saved LoRA adapter into the base weights without importing peft.

Why hand-written: peft's `merge_and_unload` needs peft and transformers' model classes, about
1.4 s of a cold start before the first sentence. The merge of a plain LoRA is one line,
W + (alpha / r) B A, so the shipped adapter loads into the lean encoder without either.
tests/model/test_adapter.py pins the result equal to peft's merge.

It understands plain LoRA only, and says so: `unsupported_settings` checks an adapter config
against an allow-list, and every setting outside it (DoRA, rsLoRA, per-module ranks, LoRA bias,
an option a newer peft adds with a value that is not off) is refused by name.
"""

from __future__ import annotations

import torch

INERT = frozenset({
    # what the adapter was trained on and how: the merge follows the weights that were saved
    "base_model_name_or_path", "revision", "task_type", "inference_mode", "peft_version", "auto_mapping",
    "target_modules", "exclude_modules", "layers_to_transform", "layers_pattern", "modules_to_save",
    # training-time or initialisation-time only
    "lora_dropout", "init_lora_weights", "loftq_config", "eva_config", "corda_config", "runtime_config",
    "megatron_core", "qalora_group_size",
    # read by the merge itself
    "r", "lora_alpha",
})
"""Settings whose value does not change W + (alpha / r) B A."""

REQUIRED = {
    "peft_type": ("LORA",),
    "bias": ("none",),
    "use_rslora": (False,),
    "use_dora": (False,),
    "fan_in_fan_out": (False,),
    "lora_bias": (False,),
    "use_qalora": (False,),
    "ensure_weight_tying": (False,),
    "rank_pattern": ({},),
    "alpha_pattern": ({},),
    "megatron_config": (None,),
    "layer_replication": (None,),
    "trainable_token_indices": (None,),
    "target_parameters": (None, []),
    "alora_invocation_tokens": (None,),
    "arrow_config": (None,),
}
"""Settings that change the merge, with the values the plain merge is right for."""

OFF = (None, False, {}, [], "")
"""A setting this list does not know is accepted only while it is off (new peft releases add
options, off by default); any other value is refused."""

ADAPTER_PREFIX = "base_model.model."


def unsupported_settings(config: dict) -> list[str]:
    """The settings of an adapter_config.json that the plain merge cannot honour ([] when none).

    Example:
        >>> unsupported_settings({"peft_type": "LORA", "r": 8, "lora_alpha": 16, "use_dora": True})
        ['use_dora=True']
    """
    problems = []
    for key, value in sorted(config.items()):
        if key in INERT:
            continue
        allowed = REQUIRED.get(key, OFF)
        if not any(value == ok and type(value) is type(ok) for ok in allowed):
            problems.append(f"{key}={value!r}")
    for key in ("peft_type", "r", "lora_alpha"):
        if key not in config:
            problems.append(f"{key} missing")
    if not problems and not (isinstance(config["r"], int) and config["r"] > 0):
        problems.append(f"r={config['r']!r}")
    return problems


def merge(state: dict[str, torch.Tensor], saved: dict[str, torch.Tensor], scale: float) -> dict[str, torch.Tensor]:
    """`state` with every saved LoRA pair folded in (W += scale * B A) and every other saved
    tensor (the head and pooler, trained in full) in place of the base's.

    Raises:
        ValueError: the adapter holds weights the base model lacks, or half of a LoRA pair.
    """
    merged = dict(state)
    for key, tensor in saved.items():
        name = key.removeprefix(ADAPTER_PREFIX)
        if name.endswith(".lora_A.weight"):
            module = name.removesuffix(".lora_A.weight")
            b = saved.get(f"{ADAPTER_PREFIX}{module}.lora_B.weight")
            if b is None or f"{module}.weight" not in state:
                raise ValueError(f"adapter pair for {module} is incomplete or names no base weight")
            merged[f"{module}.weight"] = state[f"{module}.weight"] + scale * (b.float() @ tensor.float())
        elif not name.endswith(".lora_B.weight"):
            merged[name] = tensor
    unknown = sorted(set(merged) - set(state))
    if unknown:
        raise ValueError(f"the adapter has weights the base model lacks: {unknown[:3]}")
    return merged

"""A lean inference copy of BertForSequenceClassification, in plain torch.

Why it exists: importing transformers' model classes pulls in torch.distributed, dynamo and the
generation stack, about 1.4 s and 150 MB before the first sentence. Loading a checkpoint for
classify() into this module instead keeps a fresh process's cold start within a second of
importing torch (measured by `python -m eval speed`). It computes the same function as
transformers' BERT with absolute positions and GELU (eval mode, no dropout), under the same
parameter names, so HF state dicts load into it unchanged and `to_transformers()` hands the
weights back to a real `BertForSequenceClassification` (for training, export, pipeline).
tests/model/test_encoder.py pins its logits to transformers' on the same weights.

Training never uses it: `Classifier.new()` builds the transformers model.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import torch
import torch.nn.functional as F
from torch import nn

from model.span_head import build_span_classifier, span_logits


def supported(config: dict) -> bool:
    """Whether this module computes the same function as transformers for `config`."""
    return (
        config.get("model_type") == "bert"
        and config.get("hidden_act", "gelu") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and not config.get("is_decoder", False)
    )


def read_config(path: Path, labels: list[str]) -> SimpleNamespace:
    """config.json as attributes, with id2label / label2id set to `labels`."""
    config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    config["id2label"] = dict(enumerate(labels))
    config["label2id"] = {label: i for i, label in enumerate(labels)}
    config["num_labels"] = len(labels)
    config.setdefault("layer_norm_eps", 1e-12)
    return SimpleNamespace(**config)


class Layer(nn.Module):
    def __init__(self, c: SimpleNamespace):
        super().__init__()
        eps = c.layer_norm_eps
        self.attention = nn.Module()
        self.attention.self = nn.Module()
        self.attention.self.query = nn.Linear(c.hidden_size, c.hidden_size)
        self.attention.self.key = nn.Linear(c.hidden_size, c.hidden_size)
        self.attention.self.value = nn.Linear(c.hidden_size, c.hidden_size)
        self.attention.output = nn.Module()
        self.attention.output.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.attention.output.LayerNorm = nn.LayerNorm(c.hidden_size, eps=eps)
        self.intermediate = nn.Module()
        self.intermediate.dense = nn.Linear(c.hidden_size, c.intermediate_size)
        self.output = nn.Module()
        self.output.dense = nn.Linear(c.intermediate_size, c.hidden_size)
        self.output.LayerNorm = nn.LayerNorm(c.hidden_size, eps=eps)
        self.heads = c.num_attention_heads

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        batch, length, width = x.shape
        attention = self.attention.self

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(batch, length, self.heads, width // self.heads).transpose(1, 2)

        context = F.scaled_dot_product_attention(
            split(attention.query(x)), split(attention.key(x)), split(attention.value(x)), attn_mask=mask
        )
        context = context.transpose(1, 2).reshape(batch, length, width)
        x = self.attention.output.LayerNorm(self.attention.output.dense(context) + x)
        return self.output.LayerNorm(self.output.dense(F.gelu(self.intermediate.dense(x))) + x)


class LeanBertClassifier(nn.Module):
    """BERT encoder, pooler and linear head, inference only; parameter names as in transformers.

    With `span_tags` > 0 it also has the token head of model/stance_bert.py (`span_classifier`): a
    linear layer, or with `span_hidden` > 0 the LSTM head of model/span_head.py."""

    def __init__(self, config: SimpleNamespace, span_tags: int = 0, span_hidden: int = 0):
        super().__init__()
        c = self.config = config
        self.bert = nn.Module()
        self.bert.embeddings = nn.Module()
        self.bert.embeddings.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size)
        self.bert.embeddings.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.bert.embeddings.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.bert.embeddings.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.bert.encoder = nn.Module()
        self.bert.encoder.layer = nn.ModuleList(Layer(c) for _ in range(c.num_hidden_layers))
        self.bert.pooler = nn.Module()
        self.bert.pooler.dense = nn.Linear(c.hidden_size, c.hidden_size)
        self.classifier = nn.Linear(c.hidden_size, c.num_labels)
        self.span_classifier = build_span_classifier(c.hidden_size, span_tags, span_hidden) if span_tags else None
        self.span_hidden = span_hidden if span_tags else 0

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, spans: bool = True, **_) -> SimpleNamespace:
        """Logits, pooled output and last hidden states; span logits too, unless `spans` is False
        (classify() then runs `span_logits` on the act sentences alone)."""
        e = self.bert.embeddings
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        x = e.word_embeddings(input_ids) + e.token_type_embeddings.weight[0] + e.position_embeddings(positions)
        x = e.LayerNorm(x)
        mask = attention_mask[:, None, None, :].bool()  # (batch, 1, 1, length): keys that exist
        for layer in self.bert.encoder.layer:
            x = layer(x, mask)
        pooled = torch.tanh(self.bert.pooler.dense(x[:, 0]))
        span = self.span_logits(x, attention_mask) if spans and self.span_classifier is not None else None
        return SimpleNamespace(logits=self.classifier(pooled), span_logits=span, pooled=pooled, hidden=x)

    def span_logits(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The token head's tag logits for the given rows' last hidden states."""
        return span_logits(self.span_classifier, hidden, attention_mask)

    def load_weights(self, state: dict[str, torch.Tensor]) -> "LeanBertClassifier":
        """Load an HF state dict (with or without the `bert.` prefix); every parameter must be there."""
        own = self.state_dict()
        fixed = {}
        for key, tensor in state.items():
            name = key if key in own else f"bert.{key}"
            if name in own:
                fixed[name] = tensor
        missing = sorted(set(own) - set(fixed))
        if missing:
            raise KeyError(f"weights missing for {missing[:3]}{' ...' if len(missing) > 3 else ''}")
        self.load_state_dict(fixed)
        return self

    def to_transformers(self):
        """The same weights in transformers' BertForSequenceClassification, or BertForStanceAndSpans
        when there is a span head (for training, export, pipeline)."""
        from transformers import BertConfig, BertForSequenceClassification

        fields = {k: v for k, v in vars(self.config).items() if not k.startswith("_")}
        if self.span_hidden:
            fields["span_hidden"] = self.span_hidden
        if self.span_classifier is not None:
            from model.stance_bert import BertForStanceAndSpans

            model = BertForStanceAndSpans(BertConfig(**fields))
        else:
            model = BertForSequenceClassification(BertConfig(**fields))
        missing, unexpected = model.load_state_dict(self.state_dict(), strict=False)
        buffers = dict(model.named_buffers())
        if unexpected or any(name not in buffers for name in missing):
            raise KeyError(f"weights do not match transformers' BERT: missing {missing[:3]}, unexpected {unexpected[:3]}")
        return model.to(next(self.parameters()).dtype).eval()

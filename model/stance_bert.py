"""BertForStanceAndSpans: the transformers model with both heads (model/spans.py says why).

Training fine-tunes it (with or without LoRA); the lean encoder converts back to it for export
and further training. Kept apart from model/spans.py so that inference never imports
transformers' model classes.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from transformers import BertModel, BertPreTrainedModel
from transformers.modeling_outputs import ModelOutput

from model.span_head import build_span_classifier
from model.span_head import span_logits as head_logits
from model.spans import SPAN_LOSS_WEIGHT, SPAN_TAGS, span_loss


@dataclass
class StanceOutput(ModelOutput):
    loss: torch.Tensor | None = None
    logits: torch.Tensor | None = None
    span_logits: torch.Tensor | None = None


class BertForStanceAndSpans(BertPreTrainedModel):
    """BERT with a sentence head on the pooled output and a token head for SPAN_TAGS (a linear
    layer, or the LSTM head of model/span_head.py when config.span_hidden > 0)."""

    def __init__(self, config):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.bert = BertModel(config)
        dropout = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.span_classifier = build_span_classifier(config.hidden_size, len(SPAN_TAGS), getattr(config, "span_hidden", 0))
        self.span_loss_weight = getattr(config, "span_loss_weight", SPAN_LOSS_WEIGHT)
        self.post_init()

    def forward(self, input_ids=None, attention_mask=None, token_type_ids=None, labels=None, span_labels=None, **kwargs):
        kwargs.pop("num_items_in_batch", None)
        outputs = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        logits = self.classifier(self.dropout(outputs.pooler_output))
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        span_logits = head_logits(self.span_classifier, self.dropout(outputs.last_hidden_state), attention_mask)
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits.float(), labels)
            if span_labels is not None:
                loss = loss + self.span_loss_weight * span_loss(span_logits, span_labels)
        return StanceOutput(loss=loss, logits=logits, span_logits=span_logits)

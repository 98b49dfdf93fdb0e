"""Shared fixtures: a tiny randomly initialised BERT with the real tokenizer, built per session."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """A checkpoint directory: hidden 32, 2 layers, random weights, the base model's tokenizer."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from data import LABELS, id2label, label2id
    from model import base_model_path

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=37,
        max_position_embeddings=128, num_labels=len(LABELS), id2label=dict(id2label), label2id=dict(label2id),
    )
    path = tmp_path_factory.mktemp("tiny-bert")
    BertForSequenceClassification(config).save_pretrained(path)
    AutoTokenizer.from_pretrained(base_model_path()).save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny(tiny_model_dir):
    from model import Classifier

    return Classifier.from_pretrained(tiny_model_dir, device="cpu")

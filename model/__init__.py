"""stanceframe model: the classifier (load, save, predict), classify() and classify_document()."""

from model.actors import actor, profile
from model.api import ABSTAIN, Prediction, SentencePrediction, classify, classify_document, load_classifier
from model.checkpoint import CheckpointError, base_model_path
from model.classifier import Classifier
from model.stream import classify_file

__all__ = [
    "ABSTAIN", "CheckpointError", "Classifier", "Prediction", "SentencePrediction", "actor", "base_model_path",
    "classify", "classify_document", "classify_file", "load_classifier", "profile",
]

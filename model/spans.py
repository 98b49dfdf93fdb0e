"""Who does it to whom: speaker and target spans, tagged by a token head beside the sentence head.

One encoder pass per sentence feeds two heads: the pooled [CLS] vector the sentence label (as
before), every token's vector a BIO tag for the speaker and target spans. The spans are learned
from the corpus (every act sentence there names its speaker, most their target). Why not the
previous sentence as a second segment: it would double the tokens of every pass, and so halve
classify()'s speed, for the 6% of corpus acts whose speaker is only in the sentence before ("He
said ..."). Those are resolved at document level instead (model/api.py, classify_document): an act
sentence with no speaker of its own, or a pronoun, takes the speaker the tagger reads in the
factual sentence just before it, or else the speaker of the act just before it.

`model/stance_bert.py` holds the transformers model that training fine-tunes (imported only
there: inference runs the lean encoder); `tag_tokens` makes the token head's targets and
`spans_from_tags` turns a sentence's tag probabilities into character spans.
"""

from __future__ import annotations

import re
import typing
from collections import Counter
from dataclasses import dataclass

from data import LABELS

if typing.TYPE_CHECKING:
    import torch


SPAN_TAGS = ("O", "B-speaker", "I-speaker", "B-target", "I-target")
"""The token head's tags, in the order of its outputs (saved in stanceframe.json, checked on load)."""
ROLES = ("speaker", "target")
FACTUAL = LABELS.index("factual_report")
"""Spans are read for the sentences labelled anything else: the acts, the only ones with a speaker."""
SPAN_THRESHOLD = 0.2
"""A token is read as part of a speaker or target when that role's probability (B + I) reaches this.
Chosen on the dev split (python -m eval spans --split dev): 0.2 against argmax-like 0.5 raised
speaker token-F1 0.873 -> 0.900 and target token-F1 0.284 -> 0.460 for the shipped model."""
SPAN_LOSS_WEIGHT = 1.0
"""The token loss is added to the sentence loss at this weight (TrainConfig.span_weight overrides it)."""


@dataclass(frozen=True)
class Span:
    """A speaker or target: its text and character offsets (into the sentence, or into the
    document for classify_document), and the tagger's mean probability over its tokens."""

    text: str
    start: int
    end: int
    score: float


def span_loss(span_logits: torch.Tensor, span_labels: torch.Tensor) -> torch.Tensor:
    """Token cross-entropy over the tagged tokens (-100 marks special tokens and padding)."""
    from torch import nn  # here, not at the top: the ONNX engine reads spans without torch

    if not (span_labels != -100).any():
        return span_logits.sum() * 0.0
    return nn.functional.cross_entropy(span_logits.float().reshape(-1, len(SPAN_TAGS)), span_labels.reshape(-1),
                                       ignore_index=-100)


def tag_tokens(offsets: list[tuple[int, int]], spans: dict[str, tuple[int, int] | None]) -> list[int]:
    """BIO tag ids for one tokenized sentence: the training targets of the token head.

    `offsets` are the tokenizer's character offsets ((0, 0) for special tokens, tagged -100);
    `spans` maps a role to its (start, end) in the sentence, or None.

    Example:
        >>> tag_tokens([(0, 0), (0, 5), (6, 10), (11, 17), (0, 0)], {"speaker": (0, 10), "target": None})
        [-100, 1, 2, 0, -100]
    """
    tags = []
    for start, end in offsets:
        if start == end:
            tags.append(-100)
            continue
        tag = 0
        for role, span in spans.items():
            if span and span[0] <= start and end <= span[1]:
                inside = tags and tags[-1] in (SPAN_TAGS.index(f"B-{role}"), SPAN_TAGS.index(f"I-{role}"))
                tag = SPAN_TAGS.index(f"{'I' if inside else 'B'}-{role}")
        tags.append(tag)
    return tags


_ROLE_TAGS = tuple((SPAN_TAGS.index(f"B-{role}"), SPAN_TAGS.index(f"I-{role}")) for role in ROLES)
_PARTNER = {b: i for b, i in _ROLE_TAGS} | {i: b for b, i in _ROLE_TAGS}
"""Each B tag's I tag and each I tag's B tag (their probabilities add up to the role's)."""


def spans_from_tags(probabilities, offsets: list[tuple[int, int]], text: str,
                    threshold: float | None = None) -> dict[str, Span | None]:
    """The most probable span of each role in one sentence, from per-token tag probabilities
    (a torch tensor or a numpy array, (tokens, tags)).

    A token belongs to a role when P(B-role) + P(I-role) reaches `threshold` (SPAN_THRESHOLD
    unless given) and beats the other role; it opens a span when P(B) >= P(I) or the token before
    is not of that role. Among several spans of a role, the highest mean probability wins.
    """
    threshold = SPAN_THRESHOLD if threshold is None else threshold
    rows = probabilities.tolist()  # plain floats: indexing a tensor per token costs more than the head
    tags = []
    for p in rows:
        role_p = [p[begin] + p[inside] for begin, inside in _ROLE_TAGS]
        role = 0 if role_p[0] >= role_p[1] else 1  # max() keeps the first of equals: speaker
        if role_p[role] < threshold:
            tags.append(0)
        else:
            begin, inside = _ROLE_TAGS[role]
            tags.append(begin if p[begin] >= p[inside] else inside)
    found: dict[str, list[tuple[float, int, int]]] = {role: [] for role in ROLES}
    current: list | None = None  # [role, start, end, probabilities]
    for tag, p, (start, end) in zip(tags, rows, offsets):
        if start == end:
            continue
        name = SPAN_TAGS[tag]
        role = name[2:] if tag else None
        weight = p[tag] + p[_PARTNER[tag]] if tag else 0.0
        if current and role == current[0] and name.startswith("I-"):
            current[2], current[3] = end, current[3] + [weight]
            continue
        if current:
            found[current[0]].append((sum(current[3]) / len(current[3]), current[1], current[2]))
        current = [role, start, end, [weight]] if role else None
    if current:
        found[current[0]].append((sum(current[3]) / len(current[3]), current[1], current[2]))
    best = {}
    for role, candidates in found.items():
        words = [(score, *_trim(text, *_whole_words(text, start, end))) for score, start, end in candidates]
        words = [(score, start, end) for score, start, end in words if _is_name(text[start:end])]
        if words:
            score, start, end = max(words)
            best[role] = Span(text[start:end], start, end, round(score, 4))
        else:
            best[role] = None
    return best


def _whole_words(text: str, start: int, end: int) -> tuple[int, int]:
    """A span cut inside a word (a sub-word token tagged alone) widened to the whole word."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    return start, end


_BREAKS = re.compile(r"\s[–—-]\s|\(|\)|[–—]")
_EDGES = " '’\"“”,;:"


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """A span cut where an aside begins (a dash or a bracket: "the leaders of A and B – members of
    the group" names "the leaders of A and B") and stripped of quote marks, apostrophes and
    commas at its edges ("Armenia'" of "Armenia's"). No annotated span in the corpus has either.

    Example:
        >>> t = "the leaders of France and the US – members of the group"
        >>> t[slice(*_trim(t, 0, len(t)))]
        'the leaders of France and the US'
    """
    cut = _BREAKS.search(text, start, end)
    end = cut.start() if cut else end
    while end > start and text[end - 1] in _EDGES:
        end -= 1
    while start < end and text[start] in _EDGES:
        start += 1
    return start, end


def _is_name(span: str) -> bool:
    """Two letters at least: a lone quote mark or letter is a stray tag, not a speaker or target."""
    return sum(character.isalpha() for character in span) >= 2


def locate(text: str, span: str | None) -> tuple[int, int] | None:
    """Where an annotated span first occurs in its sentence (None: no span, or only in the sentence
    before): what the token head learns from.

    Example:
        >>> locate("Baku accused Yerevan.", "Yerevan"), locate("He said so.", "Baku")
        ((13, 20), None)
    """
    start = text.find(span) if span else -1
    return (start, start + len(span)) if start >= 0 else None


def in_sentence(span: str | None, text: str) -> str | None:
    """`span` when it occurs in `text`, else None: the gold spans the tagger is scored on (a speaker
    named only in the sentence before is scored at document level instead)."""
    return span if locate(text, span) else None


def words(text: str) -> list[str]:
    """Lower-cased word tokens: what span_scores compares."""
    return re.findall(r"\w+", text.lower())


def span_scores(pairs: list[tuple[str | None, str | None]]) -> dict:
    """Exact-match and token-overlap precision, recall and F1 over (predicted, gold) pairs; None = no span.

    Example:
        >>> span_scores([("the ministry", "The ministry"), (None, "Baku"), ("army", None)])["exact"]
        {'precision': 0.5, 'recall': 0.5, 'f1': 0.5}
    """
    predicted = sum(p is not None for p, _ in pairs)
    gold = sum(g is not None for _, g in pairs)
    exact = sum(p is not None and g is not None and words(p) == words(g) for p, g in pairs)
    overlap = predicted_tokens = gold_tokens = 0
    for p, g in pairs:
        p_tokens, g_tokens = Counter(words(p or "")), Counter(words(g or ""))
        overlap += sum((p_tokens & g_tokens).values())
        predicted_tokens += sum(p_tokens.values())
        gold_tokens += sum(g_tokens.values())

    def prf(hit: int, n_pred: int, n_gold: int) -> dict:
        precision, recall = hit / max(n_pred, 1), hit / max(n_gold, 1)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}

    return {"exact": prf(exact, predicted, gold), "token": prf(overlap, predicted_tokens, gold_tokens),
            "predicted": predicted, "gold": gold}

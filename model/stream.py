"""Streaming a file of sentences through the classifier into JSONL: classify_file().

Constant memory (a chunk at a time), a progress bar, and an output that is written atomically
(data.files.atomic_output): nothing is lost when a run fails, is interrupted or collides with
another run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import sys
import typing
from collections.abc import Iterator
from pathlib import Path

from data.files import FormatError, atomic_output, read_jsonl, read_lines
if typing.TYPE_CHECKING:
    from model.classifier import Classifier

from model.api import MAX_TEXT_CHARS, TOO_LONG, Prediction, classify, resolve_model, sentence_problem


CHUNK = 4096
"""Sentences read, labelled and written at a time by classify_file (and by each Dask task)."""


def classify_file(
    source: str | Path,
    destination: str | Path | None = None,
    *,
    model: Classifier | str | Path | None = None,
    precision: str | None = None,
    batch_size: int = 64,
    chunk_size: int = CHUNK,
    min_confidence: float | None = None,
    scores: bool = False,
    progress: bool = True,
) -> int:
    """Stream sentences from a file through the classifier into JSONL, in constant memory.

    `source` is JSONL (one object per line with a "text" field; its other fields are kept)
    or plain text (one sentence per line; blank lines are skipped, the output keeps the
    line number). Each output line is the input object plus "label" and "score" (and
    "scores", the full distribution, with `scores=True`; "warnings" when there are any; for an
    act, "speaker" and "target" as {"text", "start", "end", "score"} and "speaker_actor" /
    "target_actor"); an input field of one of those names is kept as "input_<name>". Sentences are read and
    labelled `chunk_size` at a time, so memory stays flat however long the file is; a
    progress bar shows sentences per second on stderr. `destination` None or "-" writes to
    stdout.

    A file destination is written atomically: lines go to `.NAME.partial` beside it, renamed
    over `destination` only when every sentence is labelled. A run that fails or is
    interrupted leaves `destination` as it was, a destination that is the source is refused,
    and a second run writing the same destination is refused while the first is running.

    Returns the number of sentences labelled.

    Raises:
        FileNotFoundError: no source file.
        ValueError: a JSONL line is not an object with a non-empty string "text", or its text
            is over 5,000 characters (the file and line number are in the message); a bad
            argument; the destination is the source.
        FileExistsError: another run is writing `destination`.

    Example:
        >>> classify_file("archive.txt", "archive.labels.jsonl", precision="bf16")  # doctest: +SKIP
        100000
    """
    from tqdm.auto import tqdm

    source = Path(source)
    if not source.is_file():
        raise FileNotFoundError(f"no input file {source}")
    if batch_size < 1 or chunk_size < 1:
        raise ValueError(f"batch_size and chunk_size must be at least 1, got {batch_size} and {chunk_size}")
    if min_confidence is not None and not 0.0 <= min_confidence <= 1.0:
        raise ValueError(f"min_confidence must be between 0 and 1, got {min_confidence!r}")
    classifier = resolve_model(model, precision)
    total = _count_lines(source) if progress else None
    to_stdout = destination in (None, "-")
    output = contextlib.nullcontext(sys.stdout) if to_stdout else atomic_output(destination, refuse=(source,))
    with output as out, tqdm(total=total, unit=" sent", disable=not progress, desc=source.name, file=sys.stderr) as bar:
        done = label_records(_read_records(source), out, classifier, chunk_size=chunk_size, batch_size=batch_size,
                             min_confidence=min_confidence, scores=scores, on_chunk=bar.update)
    return done


def label_records(records: Iterator[dict], out, classifier, *, chunk_size: int = CHUNK, batch_size: int = 64,
                  min_confidence: float | None = None, scores: bool = False, on_chunk=None) -> int:
    """Label `records` `chunk_size` at a time and write each as a JSONL line to `out` (classify_file's
    loop, shared with each Dask task in model/scale.py); calls on_chunk(count) after each chunk."""
    done = 0
    for chunk in _chunks(records, chunk_size):
        results = classify([record["text"] for record in chunk], model=classifier, batch_size=batch_size,
                           min_confidence=min_confidence)
        for record, result in zip(chunk, results):
            out.write(json.dumps(_labelled(record, result, scores), ensure_ascii=False, allow_nan=False) + "\n")
        done += len(chunk)
        if on_chunk is not None:
            on_chunk(len(chunk))
    return done


OUTPUT_FIELDS = ("label", "score", "scores", "warnings", "speaker", "target", "speaker_actor", "target_actor")
"""What classify_file adds to each line; input fields of these names move to "input_<name>"."""


def _labelled(record: dict, result: Prediction, scores: bool) -> dict:
    out = {}
    for key, value in record.items():
        if key in OUTPUT_FIELDS:
            key = f"input_{key}"
        out[key] = value
    out["label"], out["score"] = result.label, round(result.score, 6)
    if result.warnings:
        out["warnings"] = list(result.warnings)
    for role in ("speaker", "target"):
        span = getattr(result, role)
        if span is not None:
            out[role] = dataclasses.asdict(span)
            out[f"{role}_actor"] = getattr(result, f"{role}_actor")
    if scores:
        out["scores"] = {k: round(v, 6) for k, v in result.scores.items()}
    return out


def _read_records(source: Path, part=None) -> Iterator[dict]:
    """The input records of `source` (or of one `data.files.Part` of it), checked as classify_file checks them."""
    if source.suffix.lower() in (".jsonl", ".ndjson"):
        for number, record in read_jsonl(source, part):
            text = record.get("text")
            if not isinstance(text, str) or not text.strip():
                raise FormatError(f'{source}:{number}: expected an object with a non-empty string "text" field')
            if any(f"input_{key}" in record for key in OUTPUT_FIELDS if key in record):
                raise FormatError(f"{source}:{number}: has both a field and its input_ copy (e.g. label and "
                                  "input_label): rename one, classify_file writes label, score and scores")
            _check_text(text, f"{source}:{number}")
            yield record
        return
    for number, line in read_lines(source, part):
        _check_text(line.strip(), f"{source}:{number}")
        yield {"line": number, "text": line.strip()}


def _check_text(text: str, where: str) -> None:
    """classify()'s sentence checks (model.api.sentence_problem), with the file and line in the message."""
    problem = sentence_problem(text)
    if problem == TOO_LONG:
        raise FormatError(f"{where}: the text has {len(text):,} characters, over the {MAX_TEXT_CHARS:,} of a "
                          "sentence; split documents into sentences first (classify_document)")
    if problem is not None:
        raise FormatError(f"{where}: the text has no letters or digits ({text[:20]!r}): there is nothing to label")


def _chunks(records: Iterator[dict], size: int) -> Iterator[list[dict]]:
    return iter(lambda: list(itertools.islice(records, size)), [])


def _count_lines(path: Path) -> int | None:
    """Non-blank lines, for the progress bar's total (a quick pass over the bytes)."""
    if not path.is_file():
        return None
    count = 0
    with open(path, "rb") as handle:
        for line in handle:
            count += bool(line.strip())
    return count



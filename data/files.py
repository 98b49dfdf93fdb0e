"""The project's one reader of JSONL and one way of writing an output file.

- `read_jsonl(path)` yields (line number, object) and names the file and line in every error:
  a line that is not UTF-8, not JSON, not an object, or holds a lone surrogate (which JSON
  allows as an escape but no text encoder accepts). A byte-order mark on the first line is
  dropped (Windows editors write one).
- `atomic_output(path)` writes to a marked partial file beside the target and renames it over
  the target only when the run succeeds: an interrupted or failed run leaves the old file (or
  none) and no file that looks finished, and a second run writing the same target is refused
  while the first holds the partial file.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

_SURROGATE = re.compile("[\ud800-\udfff]")


class FormatError(ValueError):
    """A file breaks its format; the message names the file and line."""


def read_lines(path: str | Path, part: "Part | None" = None) -> Iterator[tuple[int, str]]:
    """(line number, text) for each non-blank line of a UTF-8 text file, read lazily; a byte-order
    mark on the first line is dropped. With `part` (from `parts()`), only that stretch of the
    file, numbered as in the whole file.

    Raises:
        FileNotFoundError: no file there.
        FormatError: a line is not UTF-8 (the message names the file, line and column).
    """
    path = Path(path)
    with open(path, "rb") as handle:
        lines = enumerate(handle, start=1)
        if part is not None:
            handle.seek(part.start)
            lines = itertools.islice(enumerate(handle, start=part.first_line), part.lines)
        for number, raw in lines:
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise FormatError(f"{path}:{number}: not UTF-8 (byte {raw[error.start]:#04x} at column {error.start + 1}); "
                                  "re-save the file as UTF-8") from None
            if number == 1:
                line = line.removeprefix("\ufeff")
            if line.strip():
                yield number, line


def read_jsonl(path: str | Path, part: "Part | None" = None) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line of a JSONL file, read lazily.

    Raises:
        FileNotFoundError: no file there.
        FormatError: a line is not UTF-8, not valid JSON, not an object, or has a lone surrogate.

    Example:
        >>> next(read_jsonl("data/annotations/000_a25c22efd439cb62.jsonl"))[0]
        1
    """
    for number, line in read_lines(path, part):
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise FormatError(f"{where}: not valid JSON ({error.msg} at column {error.colno})") from None
        if not isinstance(record, dict):
            raise FormatError(f"{where}: expected a JSON object, found {type(record).__name__}")
        for key, value in record.items():
            if isinstance(value, str) and _SURROGATE.search(value):
                raise FormatError(f"{where}: field {key!r} holds a lone surrogate (an unpaired \\ud800-\\udfff "
                                  "escape), which is not text; fix the producer of this file")
        yield number, record


@dataclass(frozen=True)
class Part:
    """A stretch of a file for one worker: `lines` physical lines from byte `start`, the first
    of them line number `first_line` of the whole file."""

    start: int
    first_line: int
    lines: int


def parts(path: str | Path, lines_per_part: int) -> list[Part]:
    """The file cut into stretches of `lines_per_part` physical lines, in one pass over its bytes.

    Example:
        >>> import tempfile, os; f = tempfile.NamedTemporaryFile("wb", delete=False); _ = f.write(b"a\\nb\\n\\nc\\n"); f.close()
        >>> [(p.first_line, p.lines) for p in parts(f.name, 2)]; os.unlink(f.name)
        [(1, 2), (3, 2)]
    """
    if lines_per_part < 1:
        raise ValueError(f"lines_per_part must be at least 1, got {lines_per_part}")
    found, offset, count, start, first = [], 0, 0, 0, 1
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            count += 1
            offset += len(raw)
            if count == lines_per_part:
                found.append(Part(start, first, count))
                start, first, count = offset, number + 1, 0
    if count:
        found.append(Part(start, first, count))
    return found


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, read in 4 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def partial_path(path: str | Path) -> Path:
    """Where `atomic_output` writes while a run is under way: `.NAME.partial` beside the target."""
    path = Path(path)
    return path.with_name(f".{path.name}.partial")


@contextlib.contextmanager
def atomic_output(path: str | Path, *, refuse: tuple[Path, ...] = ()) -> Iterator[IO[str]]:
    """A text handle whose content replaces `path` only if the `with` block succeeds.

    Args:
        path: the file to write. Nothing touches it until the block has succeeded.
        refuse: input files that `path` must not be (compared after resolving links).

    Raises:
        ValueError: `path` resolves to one of `refuse`.
        FileExistsError: another run is writing `path` now (its partial file exists); the
            message says what to delete if no run is.

    Example:
        >>> import tempfile
        >>> target = Path(tempfile.mkdtemp()) / "out.jsonl"
        >>> with atomic_output(target) as out:
        ...     _ = out.write("{}\\n")
        >>> target.read_text()
        '{}\\n'
    """
    path = Path(path)
    for other in refuse:
        if path.resolve() == Path(other).resolve():
            raise ValueError(f"the output {path} is the input {other}: writing it would destroy the input; "
                             "name another output file")
    partial = partial_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)  # `-o new_folder/out.jsonl` makes the folder
    try:
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise FileExistsError(
            f"another run is writing {path} (its partial file {partial} exists); wait for it, or delete "
            f"{partial} if no run is (one that was killed leaves it behind)"
        ) from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:  # KeyboardInterrupt too: never leave a file that looks finished
        partial.unlink(missing_ok=True)
        raise

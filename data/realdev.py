"""The real-text development set: VOA stories annotated here, stored as stand-off labels.

Real reporting is not ours to copy, so `data/realdev/voa_dev.jsonl` holds no text: each line is

    {"id": "8011117:4", "story": "8011117", "start": 1077, "end": 1286,
     "sha256": "<of the sentence text>", "label": "allegation", "contested": 0}

and the text is rebuilt from the stories it points into,
`../shared/benchmarks/raw/voa_stories.jsonl` beside the repository (or the file named by the
environment variable STANCEFRAME_VOA_STORIES). Where that file is absent the set cannot be
used: `data.read_labelled_file` raises `SourceMissing` with a message saying so, and tests skip.

How the set was made (data/realdev/README.md): 30 of the 45 VOA stories that no benchmark
uses, every sentence the project's splitter yields, labelled blind by two annotators under
data/GUIDELINES.md (`first.jsonl`, `second.jsonl`), disagreements adjudicated
(`adjudication.jsonl`). It is for evaluation and model choice only, never for training.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from data.corpus import PACKAGE_DIR, CorpusError
from data.files import read_jsonl

REALDEV_DIR = PACKAGE_DIR / "realdev"
REAL_DEV_FILE = REALDEV_DIR / "voa_dev.jsonl"
"""The stand-off gold labels of the real-text dev set."""
SHARED_BENCHMARKS = PACKAGE_DIR.parent.parent / "shared" / "benchmarks"
DEFAULT_STORIES = SHARED_BENCHMARKS / "raw" / "voa_stories.jsonl"
STANDOFF_FIELDS = ("story", "start", "end", "sha256")


class SourceMissing(CorpusError):
    """The stories a stand-off file points into are not on this machine."""


def stories_path() -> Path:
    return Path(os.environ.get("STANCEFRAME_VOA_STORIES", DEFAULT_STORIES))


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_standoff(record: object) -> bool:
    """A row that points into a story instead of carrying its text."""
    return isinstance(record, dict) and "text" not in record and all(k in record for k in STANDOFF_FIELDS)


def read_stories(path: str | Path | None = None) -> dict[str, str]:
    """Story id -> full text, from a JSONL of {"id", "text", ...} objects.

    Raises:
        SourceMissing: the file does not exist (../shared is not beside the repository).
    """
    path = Path(path) if path is not None else stories_path()
    if not path.is_file():
        raise SourceMissing(
            f"the real-text dev set rebuilds its sentences from {path}, which is not here: it needs "
            "../shared/benchmarks beside the repository (or STANCEFRAME_VOA_STORIES naming the file)"
        )
    stories = {}
    for line_no, record in read_jsonl(path):
        if "id" not in record or not isinstance(record.get("text"), str):
            raise CorpusError(f"{path}:{line_no}: expected a story record with \"id\" and a string \"text\"")
        stories[str(record["id"])] = record["text"]
    return stories


def resolve(records: list[tuple[int, dict]], where: str, stories: dict[str, str] | None = None) -> list[tuple[int, dict]]:
    """Stand-off rows with their `text` filled in from the stories, each checked against its hash.

    Raises:
        SourceMissing: the stories are not here.
        CorpusError: a row names an unknown story, offsets outside it, or text whose hash differs
            (the stories file changed), naming the file and line.
    """
    stories = read_stories() if stories is None else stories
    out = []
    for line_no, record in records:
        story = stories.get(str(record["story"]))
        if story is None:
            raise CorpusError(f"{where}:{line_no}: story {record['story']!r} is not in {stories_path()}")
        start, end = record["start"], record["end"]
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(story)):
            raise CorpusError(f"{where}:{line_no}: offsets {start}-{end} fall outside story {record['story']}")
        text = story[start:end]
        if text_sha256(text) != record["sha256"]:
            raise CorpusError(
                f"{where}:{line_no}: the text at {record['story']}[{start}:{end}] does not match its hash: "
                "the stories file differs from the one this set was annotated on"
            )
        out.append((line_no, {**record, "text": text}))
    return out


def real_sets() -> dict[str, Path]:
    """The two real-reporting sets by name: the dev set annotated here and the shared voa_public."""
    return {"voa_dev (real, choices made here)": REAL_DEV_FILE,
            "voa_public (real, reported)": SHARED_BENCHMARKS / "voa_public.jsonl"}


def read_real_sets() -> tuple[dict[str, tuple[list[str], list[str], Path]], dict[str, str]]:
    """The real sets that are on this machine, name -> (texts, gold, path), and why the others are not."""
    from data.corpus import read_labelled_file

    sets, skipped = {}, {}
    for name, path in real_sets().items():
        if not path.is_file():
            skipped[name] = f"{path} is not here"
            continue
        try:
            texts, gold = read_labelled_file(path)
        except SourceMissing as error:
            skipped[name] = str(error)
            continue
        sets[name] = (texts, gold, path)
    return sets, skipped

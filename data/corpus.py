"""Reading, validating and splitting the annotated corpus.

One JSONL file per seed document lives in data/annotations/, named after the seed file
(`seeds/<doc_id>.txt` -> `data/annotations/<doc_id>.jsonl`). Each line is one segment the
splitter yields, in order:

    {"doc_id": "...", "index": 0, "text": "...", "label": "allegation",
     "speaker": "...", "target": "...", "secondary": "...", "note": "..."}

A segment the splitter skips carries `"label": null` and `"skip": "<reason>"` instead.
`speaker`, `target`, `secondary` and `note` are optional.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

from data.files import FormatError, read_jsonl
from data.labels import ACT_LABELS, LABELS, check_label
from data.sentences import split_document

PACKAGE_DIR = Path(__file__).resolve().parent
ANNOTATIONS_DIR = PACKAGE_DIR / "annotations"
SEEDS_DIR = PACKAGE_DIR.parent / "seeds"
SPLITS = ("train", "dev", "test")
DEV_FRACTION = 0.12
TEST_FRACTION = 0.20
SPLIT_SEED = 13
"""The seed that decides which documents are train, dev and test: every score in the model card
and README is on the splits it draws. Defined here only; everything else imports it."""
_OPTIONAL = ("speaker", "target", "secondary", "note", "skip")

CorpusError = FormatError
"""An annotated file breaks the format; the message names the file and line."""


@dataclass(frozen=True)
class Row:
    """One annotated segment, with where it came from."""

    doc_id: str
    index: int
    text: str
    label: str | None
    path: str
    line: int
    speaker: str | None = None
    target: str | None = None
    secondary: str | None = None
    note: str | None = None
    skip: str | None = None


def read_annotation_file(path: str | Path) -> list[Row]:
    """Read and validate one annotation file.

    Raises:
        CorpusError: on bad JSON, a missing field, an unknown label or empty text,
            naming the file and line.

    Example:
        >>> rows = read_annotation_file("data/annotations/000_a25c22efd439cb62.jsonl")
        >>> rows[0].label
        'allegation'
    """
    path = Path(path)
    return [_row(record, f"{path}:{line_no}", str(path), line_no) for line_no, record in read_jsonl(path)]


def _row(record: dict, where: str, path: str, line_no: int) -> Row:
    missing = [key for key in ("doc_id", "index", "text", "label") if key not in record]
    if missing:
        raise CorpusError(f"{where}: missing field(s) {missing}; every line needs doc_id, index, text, label")
    text = record["text"]
    if not isinstance(text, str) or not text.strip():
        raise CorpusError(f"{where}: empty or non-string text {text!r}")
    label, skip = record["label"], record.get("skip")
    if label is None and not skip:
        raise CorpusError(f"{where}: label is null but no skip reason is given")
    for key in ("label", "secondary"):
        if record.get(key) is not None:
            try:
                check_label(record[key])
            except ValueError as error:
                raise CorpusError(f"{where}: {key}: {error}") from None
    index = record["index"]
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise CorpusError(f"{where}: index must be a whole number from 0, found {index!r}")
    extra = {key: record.get(key) or None for key in _OPTIONAL}
    return Row(str(record["doc_id"]), index, text, label, path, line_no, **extra)


def read_annotations(directory: str | Path = ANNOTATIONS_DIR) -> list[Row]:
    """Read every `*.jsonl` under `directory`, validated, and refuse duplicate sentences.

    Raises:
        CorpusError: as read_annotation_file, or when one sentence text appears twice
            (naming both places), or when the directory holds no annotation file.
    """
    files = sorted(Path(directory).glob("*.jsonl"))
    if not files:
        raise CorpusError(f"no annotation files (*.jsonl) found in {directory}")
    rows, seen = [], {}
    for path in files:
        for row in read_annotation_file(path):
            if row.doc_id != path.stem:
                raise CorpusError(f"{row.path}:{row.line}: doc_id {row.doc_id!r} differs from the file name {path.stem!r}")
            _refuse_duplicate(row, seen, f"{row.path}:{row.line}")
            rows.append(row)
    return rows


def _refuse_duplicate(row: Row, seen: dict[str, str], where: str) -> None:
    """Raise when a labelled row's text (whitespace and case aside) is already in `seen`; record it."""
    key = " ".join(row.text.split()).lower()
    if row.label is not None and key in seen:
        raise CorpusError(f"{where}: duplicate sentence, first seen at {seen[key]}: {row.text!r}")
    seen[key] = where


def document_position(doc_id: str, seed: int = SPLIT_SEED) -> float:
    """A document's place in [0, 1) under `seed`: a hash of (seed, doc_id), what splits are cut from."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{doc_id}".encode()).digest()[:8], "big") / 2**64


def split_of(doc_id: str, seed: int = SPLIT_SEED) -> str:
    """The split a document belongs to: a hash of (seed, doc_id), stable as the corpus grows.

    Example:
        >>> split_of("000_a25c22efd439cb62")
        'train'
    """
    position = document_position(doc_id, seed)
    if position < TEST_FRACTION:
        return "test"
    if position < TEST_FRACTION + DEV_FRACTION:
        return "dev"
    return "train"


def _features():
    import datasets  # imported here: `data` stays importable without the heavy stack

    return datasets.Features(
        {
            "text": datasets.Value("string"),
            "label": datasets.ClassLabel(names=list(LABELS)),
            "doc_id": datasets.Value("string"),
            "index": datasets.Value("int32"),
            "speaker": datasets.Value("string"),
            "target": datasets.Value("string"),
        }
    )


def load_corpus(directory: str | Path = ANNOTATIONS_DIR, seed: int = SPLIT_SEED):
    """Read the corpus and return a `datasets.DatasetDict` split by document.

    Columns: text, label (ClassLabel over LABELS), doc_id, index, speaker, target.
    Skipped segments are left out. A document's sentences never straddle splits.

    Example:
        >>> corpus = load_corpus()
        >>> sorted(corpus)
        ['dev', 'test', 'train']
    """
    import datasets

    features = _features()
    columns: dict[str, dict[str, list]] = {name: {key: [] for key in features} for name in SPLITS}
    for row in read_annotations(directory):
        if row.label is None:
            continue
        split = columns[split_of(row.doc_id, seed)]
        for key in features:
            split[key].append(getattr(row, key))
    empty = [name for name in SPLITS if not columns[name]["text"]]
    if empty:
        raise CorpusError(f"splits {empty} are empty with seed {seed}: the corpus in {directory} has too few documents")
    return datasets.DatasetDict(
        {name: datasets.Dataset.from_dict(columns[name], features=features) for name in SPLITS}
    )


def load_rows(path: str | Path):
    """Every labelled sentence of a user's annotations as one `datasets.Dataset` with
    load_corpus's columns, unsplit. `path` is a folder of JSONL files or one file, each line
    either in the corpus format (doc_id, index, text, label, ...) or a row that
    `python -m data.annotate import` writes (id, text, label, speaker, target, and doc_id when
    the exported task carried one; without it, its document is the file it is in).

    Raises:
        CorpusError: a line breaks the format (naming file and line), a sentence appears twice,
            or nothing carries a label.
    """
    import datasets

    path = Path(path)
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    if not files or not files[0].is_file():
        raise CorpusError(f"no annotation files (*.jsonl) at {path}")
    rows, seen = [], {}
    for file in files:
        for line_no, record in read_jsonl(file):
            where = f"{file}:{line_no}"
            if "index" not in record:  # an imported row: its document if the tool carried it, else the file
                record = {**record, "doc_id": record.get("doc_id") or file.stem, "index": line_no - 1}
            row = _row(record, where, str(file), line_no)
            if row.label is None:
                continue
            _refuse_duplicate(row, seen, where)
            rows.append(row)
    if not rows:
        raise CorpusError(f"{path}: no labelled sentence (every line is skipped)")
    features = _features()
    return datasets.Dataset.from_dict({key: [getattr(row, key) for row in rows] for key in features}, features=features)


def without_documents(corpus, pattern: str | None):
    """`corpus` (a DatasetDict or Dataset) without the documents whose id matches the regular
    expression `pattern` (re.search); None leaves it as it is.

    Example:
        >>> len(without_documents(load_corpus()["test"], "."))
        0
    """
    return _filter_documents(corpus, pattern, keep=False) if pattern else corpus


def only_documents(corpus, pattern: str):
    """`corpus` (a DatasetDict or Dataset) with only the documents whose id matches `pattern`."""
    return _filter_documents(corpus, pattern, keep=True)


def _filter_documents(corpus, pattern: str, keep: bool):
    import re

    regex = re.compile(pattern)
    return corpus.filter(lambda doc_ids: [bool(regex.search(d)) == keep for d in doc_ids], input_columns="doc_id",
                         batched=True)


def gold_labels(split) -> list[str]:
    """The label names of a split from load_corpus (its `label` column holds ids in LABELS order).

    Example:
        >>> gold_labels(load_corpus()["test"])[:1]
        ['allegation']
    """
    return split.features["label"].int2str(list(split["label"]))


def corpus_hash(directory: str | Path = ANNOTATIONS_DIR) -> str:
    """SHA-256 over the annotation files' names and bytes: it changes when any label does."""
    digest = hashlib.sha256()
    for path in sorted(Path(directory).glob("*.jsonl")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def read_labelled_file(path: str | Path) -> tuple[list[str], list[str]]:
    """Read any annotated file for evaluation: JSONL, or TSV/CSV with `text` and `label` columns.

    A JSONL whose rows carry `story`, `start`, `end` and `sha256` instead of `text` (stand-off
    labels, as in data/realdev/voa_dev.jsonl) gets its text from the stories (data/realdev.py).

    Rows with a null label (skipped segments) are left out.

    Raises:
        CorpusError: the file is missing, lacks the columns, or has an unknown label or
            empty text, naming the file and line.

    Example:
        >>> texts, labels = read_labelled_file("data/annotations/000_a25c22efd439cb62.jsonl")
        >>> len(texts) == len(labels)
        True
    """
    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"annotated file {path} does not exist")
    records = _read_table(path) if path.suffix in (".tsv", ".csv") else list(read_jsonl(path))
    from data.realdev import is_standoff, resolve  # here, not at the top: data.realdev imports this module

    if records and all(is_standoff(record) for _, record in records):
        records = resolve(records, str(path))  # stand-off rows: the text is rebuilt from the stories
    texts, labels = [], []
    for line_no, record in records:
        where = f"{path}:{line_no}"
        if not isinstance(record, dict) or "text" not in record or "label" not in record:
            raise CorpusError(f"{where}: expected the columns ['label', 'text'], found {list(record or {})}")
        if record["label"] in (None, ""):
            continue
        try:
            labels.append(check_label(record["label"]))
        except ValueError as error:
            raise CorpusError(f"{where}: {error}") from None
        if not isinstance(record["text"], str) or not record["text"].strip():
            raise CorpusError(f"{where}: empty text")
        texts.append(record["text"])
    if not texts:
        raise CorpusError(f"{path}: no labelled rows")
    return texts, labels


def _read_table(path: Path) -> list[tuple[int, dict]]:
    """Rows of a CSV (Excel's, with or without a byte-order mark) or a TSV, with their line numbers.

    A TSV is read without quoting, so a text that starts with a quote keeps it. A CSV quote
    that is never closed, or that swallows a line break, is an error naming the line, not a
    row that silently eats the rest of the file.
    """
    tsv = path.suffix == ".tsv"
    options = {"delimiter": "\t", "quoting": csv.QUOTE_NONE} if tsv else {"delimiter": ","}
    records = []
    ended = 1
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, strict=True, **options)
            header = next(reader, None)
            if header is None:
                raise CorpusError(f"{path}: empty file; expected a header row with text and label")
            ended = reader.line_num
            for row in reader:
                started, ended = ended + 1, reader.line_num
                if started != ended:
                    raise CorpusError(f"{path}:{started}: a quoted field runs over lines {started}-{ended}; "
                                      "is a quote left open?")
                if row and len(row) != len(header):
                    raise CorpusError(f"{path}:{started}: {len(row)} fields, but the header has {len(header)}")
                if row:
                    records.append((started, dict(zip(header, row))))
    except csv.Error as error:
        raise CorpusError(f"{path}:{ended + 1}: a quote opened on this line is never closed ({error})") from None
    except UnicodeDecodeError as error:
        raise CorpusError(f"{path}: not UTF-8 ({error.reason} at byte {error.start}); re-save it as UTF-8") from None
    return records


def alignment_problems(seed_path: str | Path, annotation_path: str | Path) -> list[str]:
    """Differences between what the splitter yields for a seed and its annotation file.

    Returns an empty list when every segment is annotated (labelled or skipped as the
    splitter skips it), in order, with the same text; and every act has a speaker found in
    the sentence or the one before it, and a target found likewise when given.
    """
    seed_path, annotation_path = Path(seed_path), Path(annotation_path)
    if not annotation_path.exists():
        return [f"{seed_path} has no annotation file {annotation_path}"]
    segments = split_document(seed_path.read_text(encoding="utf-8")).sentences
    rows = read_annotation_file(annotation_path)
    problems = []
    if len(rows) != len(segments):
        problems.append(f"{annotation_path}: {len(rows)} rows but the splitter yields {len(segments)} segments")
    for segment, row in zip(segments, rows):
        where = f"{annotation_path}:{row.line}"
        if row.index != segment.index or row.text != segment.text:
            problems.append(f"{where}: expected segment {segment.index} {segment.text!r}, found {row.index} {row.text!r}")
            break
        if (segment.skip is None) != (row.label is not None):
            problems.append(f"{where}: the splitter's skip is {segment.skip!r} but the label is {row.label!r}")
    previous = {row.index: row.text for row in rows}
    for row in rows:
        context = row.text + " " + previous.get(row.index - 1, "")
        if row.label in ACT_LABELS and not row.speaker:
            problems.append(f"{annotation_path}:{row.line}: {row.label} without a speaker")
        for key in ("speaker", "target"):
            span = getattr(row, key)
            if span and span not in context:
                problems.append(f"{annotation_path}:{row.line}: {key} {span!r} occurs neither in the sentence nor the one before")
    return problems

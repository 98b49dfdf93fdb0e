"""Sentence splitting shared by annotation and classification.

A seed document is plain text: optional header lines starting with `#` (`# genre: wire
report`), then paragraphs separated by blank lines. The first sentence may begin with
metadata such as `date 2020-10-04`, which is pulled out rather than left in the text.

The splitter keeps a quotation together with its attribution (it never breaks inside an
open quote), knows common abbreviations (U.S., Gen., No., Jan.), and returns the
non-sentences of news copy (social-media signatures, link residue, bylines, photo credits)
as skipped segments, so that nothing is silently given a label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_DOCUMENT_CHARS = 2_000_000
"""Documents longer than this are refused: split them first (about 300k words)."""

_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof gen lt col maj capt sgt cpl pvt adm cmdr brig rep sen gov pres amb
    st mt ft no nos vol art para fig jan feb mar apr jun jul aug sep sept oct nov dec
    inc ltd co corp dept est approx vs etc al e.g i.e a.m p.m u.s u.k u.n e.u u.s.a
    """.split()
)
# Abbreviations that often end a sentence too: split after them only when a usual
# sentence opener follows ("... from the U.S. The ministry said").
_CAN_END = frozenset({"u.s", "u.k", "u.n", "e.u", "u.s.a", "etc", "a.m", "p.m", "co", "inc", "ltd"})
_OPENERS = frozenset(
    "the a an it he she they we i in on at but and this that these those its his her their"
    " our there after before when while during meanwhile however earlier later".split()
)
_OPEN_QUOTES = "“‘«"
_CLOSE_QUOTES = "”’»"
_CLOSERS = "\"'”’»)]"

_HEADER = re.compile(r"^#\s*([\w -]+?)\s*:\s*(.*?)\s*$")
_LEADING_META = re.compile(r"\s*date\s+(\d{4}-\d{2}-\d{2})\b[\s,.:-]*", re.IGNORECASE)
# Link residue and social-media signatures are cut out of a paragraph as their own skipped
# segments: "pic.twitter.com/x — Name (@handle) October 4, 2020".
_RESIDUE = re.compile(
    r"(?:(?:pic\.twitter\.com/\S+|https?://\S+|www\.\S+)\s*)+"
    r"(?:[—–-]+\s*[^\n—–]{0,80}?\(@\w+\)\s*(?:\w+\s+\d{1,2},\s+\d{4})?)?"
    r"|[—–]\s*[^\n—–.]{0,80}?\(@\w+\)\s*(?:\w+\s+\d{1,2},\s+\d{4})?"
)
_SKIP_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("link residue", re.compile(r"^\W*(?:pic\.twitter\.com/|https?://|www\.)", re.IGNORECASE)),
    ("social-media signature", re.compile(r"\(@\w+\)")),
    ("byline", re.compile(r"^(?:by|reporting by|writing by|editing by)\s+[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3}"
                          r"(?:\s*(?:,|and|;)\s*[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*){0,3})*\s*\.?$", re.IGNORECASE)),
    ("photo credit", re.compile(r"^\(?(?:photo|image|picture|video)\s*(?:credit)?\s*[:/]|"
                                r"\b(?:AFP|AP|Reuters|Getty Images)\s+(?:PHOTO|Photo)\b|^\(?photo by\b", re.IGNORECASE)),
    ("dateline", re.compile(r"^[A-Z][A-Z .'-]{1,40}(?:,\s*[A-Z][\w .]{1,30})?\s*(?:\(\w[\w ]*\))?\s*[—–-]{1,2}\s*$")),
    ("no words", re.compile(r"^[^A-Za-z]*$")),
)


@dataclass(frozen=True)
class Sentence:
    """One segment of a document: a sentence to label, or a skipped non-sentence.

    `start` and `end` are character offsets into the document as given, so that
    `document[start:end] == text`.
    """

    index: int
    text: str
    start: int
    end: int
    skip: str | None = None


@dataclass(frozen=True)
class Document:
    """A split document: its metadata (header lines and a leading `date`) and segments."""

    metadata: dict[str, str] = field(default_factory=dict)
    sentences: tuple[Sentence, ...] = ()

    @property
    def labelled(self) -> list[Sentence]:
        """The segments that carry a label (skipped ones left out)."""
        return [s for s in self.sentences if s.skip is None]


def split_document(text: str) -> Document:
    """Split a document into metadata and sentences, with character offsets.

    Args:
        text: the whole document.

    Returns:
        A Document whose sentences keep quotes with their attribution and mark
        non-sentences as skipped.

    Example:
        >>> doc = split_document("date 2020-10-04 Gen. Ali spoke. “We will respond,” he said.")
        >>> doc.metadata["date"], [s.text for s in doc.sentences]
        ('2020-10-04', ['Gen. Ali spoke.', '“We will respond,” he said.'])
    """
    if not isinstance(text, str):
        raise TypeError(f"expected the document as str, got {type(text).__name__}")
    if len(text) > MAX_DOCUMENT_CHARS:
        raise ValueError(
            f"document of {len(text):,} characters is over the limit of {MAX_DOCUMENT_CHARS:,}: "
            "split it into smaller documents first"
        )
    metadata: dict[str, str] = {}
    position = 0
    for line in text.splitlines(keepends=True):
        match = _HEADER.match(line)
        if not match:
            if line.strip():
                break
        else:
            metadata[match.group(1).strip().lower()] = match.group(2)
        position += len(line)
    date = _LEADING_META.match(text, position)
    if date:
        metadata["date"] = date.group(1)
        position = date.end()
    segments = []
    for start, end in _paragraphs(text, position):
        segments.extend(_split_paragraph(text, start, end))
    sentences = tuple(
        Sentence(i, text[s:e], s, e, _skip_reason(text[s:e])) for i, (s, e) in enumerate(segments)
    )
    return Document(metadata, sentences)


def split_sentences(text: str) -> list[str]:
    """Return the texts of the labelled sentences of `text` (skipped segments left out).

    Example:
        >>> split_sentences("Talks resumed in the U.S. capital. Shelling went on.")
        ['Talks resumed in the U.S. capital.', 'Shelling went on.']
    """
    return [s.text for s in split_document(text).labelled]


def _paragraphs(text: str, position: int) -> list[tuple[int, int]]:
    spans = []
    for match in re.finditer(r"[^\n]+", text[position:]):
        start, end = position + match.start(), position + match.end()
        for piece_start, piece_end in _cut_residue(text, start, end):
            piece = text[piece_start:piece_end]
            left = len(piece) - len(piece.lstrip())
            right = len(piece.rstrip())
            if right > left:
                spans.append((piece_start + left, piece_start + right))
    return spans


def _cut_residue(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut link residue and signatures out of a line as pieces of their own."""
    pieces, cursor = [], start
    for match in _RESIDUE.finditer(text, start, end):
        pieces += [(cursor, match.start()), (match.start(), match.end())]
        cursor = match.end()
    pieces.append((cursor, end))
    return [(s, e) for s, e in pieces if text[s:e].strip()]


def _split_paragraph(text: str, start: int, end: int) -> list[tuple[int, int]]:
    if _RESIDUE.fullmatch(text, start, end):
        return [(start, end)]
    spans, sentence_start, depth, straight_open = [], start, 0, False
    i = start
    while i < end:
        char = text[i]
        if char in _OPEN_QUOTES:
            depth += 1
        elif char in _CLOSE_QUOTES and depth > 0 and not _is_apostrophe(text, i):
            depth -= 1
        elif char == '"':
            straight_open = not straight_open
        elif char in ".!?" and depth == 0 and not straight_open:
            boundary = _boundary_after(text, i, end)
            if boundary is not None:
                spans.append((sentence_start, _closers_end(text, i + 1, end)))
                sentence_start, i = boundary, boundary
                continue
        elif char in ".!?" and (depth > 0 or straight_open):
            # A quote that closes right after its final stop and is followed by a new
            # capitalised sentence ends the sentence: “We are ready.” The talks ...
            closing = _closers_end(text, i + 1, end)
            boundary = _boundary_after(text, i, end)
            if closing > i + 1 and boundary is not None:
                spans.append((sentence_start, closing))
                sentence_start, i, depth, straight_open = boundary, boundary, 0, False
                continue
        i += 1
    if text[sentence_start:end].strip():
        spans.append((sentence_start, end))
    return spans


def _is_apostrophe(text: str, i: int) -> bool:
    return text[i] == "’" and 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalpha()


def _closers_end(text: str, i: int, end: int) -> int:
    while i < end and text[i] in _CLOSERS + ".!?":
        i += 1
    return i


def _boundary_after(text: str, i: int, end: int) -> int | None:
    """Where the next sentence starts if the stop at `i` ends a sentence, else None."""
    after = _closers_end(text, i + 1, end)
    if after >= end or not text[after].isspace():
        return None
    nxt = after
    while nxt < end and text[nxt].isspace():
        nxt += 1
    if nxt >= end:
        return None
    first = text[nxt]
    if not (first.isupper() or first.isdigit() or first in _OPEN_QUOTES + "\"'(["):
        return None
    if text[i] == "." and after == i + 1:
        word = re.search(r"(\S+)$", text[max(0, i - 20) : i])
        token = word.group(1).lower().lstrip("(\"'“‘") if word else ""
        if token in _ABBREVIATIONS or re.fullmatch(r"[a-z]", token) or re.fullmatch(r"(?:[a-z]\.)+[a-z]", token):
            following = re.match(r"[\w’']+", text[nxt:end])
            if token not in _CAN_END or not following or following.group(0).lower() not in _OPENERS:
                return None
    return nxt


def _skip_reason(segment: str) -> str | None:
    for reason, pattern in _SKIP_RULES:
        if pattern.search(segment):
            return reason
    return None

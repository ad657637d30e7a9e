"""The fuzzy match of a reworded quote: which text of a document it most likely became.

A document is cut into *segments*, each a verbatim piece of one line: a heading's text, a
table cell, a list item's text, a sentence, a paragraph line. A quote is scored against
each with rapidfuzz's ``fuzz.ratio`` (the normalised Indel similarity, 0-100, case
sensitive). A quote that was a whole segment is matched with whole segments. Another
may be a fragment of a longer one ("includes full guest OS" of "High – includes full
guest OS"): then ``fuzz.partial_ratio_alignment`` finds where in the segment it sits,
and the window is widened or narrowed to word boundaries, each candidate scored with
``fuzz.ratio`` — so the proposed quote is whole words, verbatim.

A match is *chosen* when its line scores at least :data:`MIN_SCORE` — or
:data:`MIN_EXPECTED_SCORE` on the line the citation is expected on: its table row, else the
line its old line maps to — and no other such line comes within :data:`MARGIN` of it, or,
among those that do, it is the only expected one. Quotes shorter than
:data:`MIN_FUZZY_LENGTH` are never matched: "VMs", "Pod" or "Topic" look like too many
things. Scoring every segment goes through ``rapidfuzz.process.extract`` (C++), so a
thousand-line note is searched in milliseconds; windows are refined only for the few
segments that pass a first cut.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from service.packs.documents import Document

MIN_FUZZY_LENGTH = 12
MIN_SCORE = 75.0
MIN_EXPECTED_SCORE = 60.0  # on the line the citation is expected on (its row, its mapped line)
MARGIN = 8.0
# A segment this much longer than the quote is searched for a window, not compared whole.
_WHOLE_UP_TO = 1.25

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")
_LIST_MARKER = re.compile(r"^(?:[-*+]|\d+[.)])\s+")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}")
_WORD = re.compile(r"\S+")
_EDGE_PUNCTUATION = ".,;:!?|"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A verbatim piece of ``line`` and how well it matches the quote."""

    line: int
    text: str
    score: float


@dataclass(frozen=True, slots=True)
class Match:
    """The outcome: ``chosen``, or the ``rivals`` too close to call (best first), and in
    any case the ``best`` candidate seen (None when nothing came near)."""

    chosen: Candidate | None
    rivals: tuple[Candidate, ...]
    best: Candidate | None


class Segments:
    """The segments of one document, in line order, each line's without repeats."""

    def __init__(self, document: Document) -> None:
        self.lines: list[int] = []
        self.texts: list[str] = []
        for number, raw in enumerate(document.lines, start=1):
            for text in dict.fromkeys(segments_of(raw)):
                self.lines.append(number)
                self.texts.append(text)


def segments_of(raw: str) -> list[str]:
    """The segments of one line of text."""
    line = raw.strip()
    if not line or _TABLE_RULE.match(line) or set(line) <= set("-=*_ "):
        return []
    if line.startswith("#"):
        return [line.lstrip("#").strip()]
    if line.startswith("|"):  # cells only: a quote never spans two
        return [cell.strip() for cell in line.strip("|").split("|") if cell.strip()]
    body = _LIST_MARKER.sub("", line)
    return [s.strip() for s in _SENTENCE_END.split(body) if s.strip()] + [body, line]


def best_match(
    segments: Segments, quote: str, preferred: Callable[[int], bool], whole: bool = False
) -> Match:
    """The segment ``quote`` most likely became (see the module docstring).

    ``preferred(line)`` says whether a line is where the citation would be expected
    (its table row, or its mapped line): it breaks a near tie. With ``whole`` (the quote
    was a whole cell, item or sentence) only whole segments are proposed, never a piece.
    """
    if len(quote) < MIN_FUZZY_LENGTH:
        return Match(None, (), None)
    # A segment shorter than this cannot reach MIN_EXPECTED_SCORE: 2 * len / (len + len(quote)).
    shortest = len(quote) * MIN_EXPECTED_SCORE / (200 - MIN_EXPECTED_SCORE)
    first_cut = MIN_EXPECTED_SCORE - MARGIN
    hits = process.extract(
        quote,
        segments.texts,
        scorer=fuzz.partial_ratio,
        score_cutoff=first_cut,
        limit=None,
    )
    by_line: dict[int, Candidate] = {}
    for text, _, index in hits:
        if len(text) < shortest:
            continue
        line = segments.lines[index]
        if whole or len(text) <= len(quote) * _WHOLE_UP_TO:
            score, piece = fuzz.ratio(quote, text), text
        else:
            score, piece = _best_window(quote, text)
        known = by_line.get(line)
        if known is None or score > known.score:
            by_line[line] = Candidate(line, piece, score)
    seen = sorted(by_line.values(), key=lambda c: (-c.score, c.line))
    ranked = [
        c for c in seen if c.score >= (MIN_EXPECTED_SCORE if preferred(c.line) else MIN_SCORE)
    ]
    if not ranked:
        return Match(None, (), seen[0] if seen else None)
    best = ranked[0]
    close = [c for c in ranked if c.score > best.score - MARGIN]
    if len(close) == 1:
        return Match(best, (), best)
    expected = [c for c in close if preferred(c.line)]
    if len(expected) == 1:
        return Match(expected[0], (), best)
    return Match(None, tuple(close), best)


def _best_window(quote: str, text: str) -> tuple[float, str]:
    """The whole-word piece of ``text`` most like ``quote``, and its ``fuzz.ratio``."""
    aligned = fuzz.partial_ratio_alignment(quote, text)
    words = [m.span() for m in _WORD.finditer(text)]
    if aligned is None or not words:
        return fuzz.ratio(quote, text), text
    first = next((i for i, (_, end) in enumerate(words) if end > aligned.dest_start), 0)
    last = max((i for i, (start, _) in enumerate(words) if start < aligned.dest_end), default=0)
    best: tuple[float, str] = (fuzz.ratio(quote, text), text)
    for i in range(max(0, first - 2), min(len(words), first + 2)):
        for j in range(max(i, last - 1), min(len(words), last + 3)):
            piece = _trimmed(text[words[i][0] : words[j][1]], quote)
            score = fuzz.ratio(quote, piece)
            if score > best[0]:
                best = (score, piece)
    return best


def _trimmed(piece: str, quote: str) -> str:
    """``piece`` without edge punctuation (and unpaired brackets) the quote does not have
    there."""
    while piece and piece[-1] in _EDGE_PUNCTUATION + ")" and not quote.endswith(piece[-1]):
        if piece[-1] == ")" and "(" in piece:
            break
        piece = piece[:-1].rstrip()
    while piece and piece[0] in _EDGE_PUNCTUATION + "(" and not quote.startswith(piece[0]):
        if piece[0] == "(" and ")" in piece:
            break
        piece = piece[1:].lstrip()
    return piece

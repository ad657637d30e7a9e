"""Re-anchoring one citation: where a quote went when its document was edited.

A citation names a line and a verbatim quote. When the quote is no longer on that line,
the rules are tried in this order, the first that decides wins:

1. **The line diff.** The document as the pack last anchored it
   (:mod:`service.packs.anchors`) is diffed line by line against the document now
   (``difflib.SequenceMatcher``, without its "popular line" heuristic, which would leave
   the many blank lines of a note unmatched). A cited line inside an unchanged block maps
   exactly to its new number: the citation *moved*. A line inside a changed block maps to
   the same offset of the block that replaced it, which is only a hint for the next rules.
2. **The exact quote.** A quote cited from a table row must stay in that row (same first
   cell, or the hinted line): a cell is short and tables repeat words, so "Low" found
   only in another row is *ambiguous*, never a move. Otherwise: found verbatim on one
   line only, moved there; on several, the one in the same row, else the same section,
   else at the hinted line; still several is *ambiguous*.
3. **The fuzzy match** (:mod:`service.packs.fuzzy_quotes`): the text most like the quote
   (rapidfuzz ``fuzz.ratio``), if it scores high and clearly beats every other line, is
   proposed as a *rewording*: new line and new quote, for a person to accept. Quotes
   under :data:`~service.packs.fuzzy_quotes.MIN_FUZZY_LENGTH` characters are never
   fuzzy-matched: too many short strings look alike.
4. Otherwise the citation is *orphaned*.

Only ``kept`` and ``moved`` are safe to write (the quote is verbatim at the new line);
``reworded``, ``ambiguous`` and ``orphaned`` need review. A citation that names its
``section`` is moved only within that section: a move across headings needs review too.

Without a record (a pack never anchored), rule 1 is skipped and a quote still on its
line is kept as it is.
"""

from __future__ import annotations

import difflib
from bisect import bisect_right
from dataclasses import dataclass
from enum import Enum

from service.packs.documents import Document
from service.packs.fuzzy_quotes import MIN_FUZZY_LENGTH, Segments, best_match, segments_of


class Verdict(Enum):
    KEPT = "kept"  # the quote is where the citation says
    MOVED = "moved"  # verbatim on another line: rewritten
    REWORDED = "reworded"  # a close, clear match: proposed, not written
    AMBIGUOUS = "ambiguous"  # verbatim, or as close, on several lines: proposed
    ORPHANED = "orphaned"  # nothing close enough

    @property
    def resolved(self) -> bool:
        return self in (Verdict.KEPT, Verdict.MOVED)


@dataclass(frozen=True, slots=True)
class Anchoring:
    """Where a citation's quote is now. ``line``/``quote`` are the new ones (for a
    proposal, the proposed ones; for an orphan, the line it had); ``candidates`` the
    lines an ambiguous quote is on; ``score`` the fuzzy score of a rewording."""

    verdict: Verdict
    line: int
    quote: str
    score: float | None = None
    candidates: tuple[int, ...] = ()
    note: str = ""


class LineMap:
    """Old line numbers → new ones, from a line diff of two versions of a document."""

    def __init__(self, old: Document, new: Document) -> None:
        matcher = difflib.SequenceMatcher(None, old.lines, new.lines, autojunk=False)
        self.opcodes = matcher.get_opcodes()
        self.starts = [i1 for _, i1, _, _, _ in self.opcodes]
        self.new_length = len(new.lines)

    def map(self, line: int) -> tuple[int, bool]:
        """``(new line, exact)``: exact when ``line`` is in a block the edit left alone;
        otherwise the same offset in the block that replaced it (clamped), or the line
        after a deleted block."""
        index = bisect_right(self.starts, line - 1) - 1
        if index < 0:
            return line, False
        tag, i1, _, j1, j2 = self.opcodes[index]
        offset = line - 1 - i1
        if tag == "equal":
            return j1 + offset + 1, True
        if j2 > j1:  # replace (or an insert before this line): same offset, clamped
            return j1 + min(offset, j2 - j1 - 1) + 1, False
        return max(1, min(j1 + 1, self.new_length)), False  # deleted


def row_label(text: str) -> str | None:
    """The first cell of a Markdown table row (its dimension label), or None."""
    stripped = text.strip()
    if not stripped.startswith("|"):
        return None
    return stripped[1:].split("|", 1)[0].strip()


class DocumentAnchor:
    """Re-anchors citations of one document: its current text, its anchored text (if
    recorded), the line diff between them and the fuzzy-match segments, made once."""

    def __init__(self, new: Document, old: Document | None) -> None:
        self.new = new
        self.old = old
        self.line_map = LineMap(old, new) if old is not None else None
        self._segments: Segments | None = None
        self._text: str | None = None
        self._starts: list[int] = []

    @property
    def segments(self) -> Segments:
        if self._segments is None:
            self._segments = Segments(self.new)
        return self._segments

    def lines_containing(self, quote: str) -> list[int]:
        """:meth:`Document.lines_containing`, by ``str.find`` over the whole text (a quote
        holds no newline), so that a thousand searches of a long note stay cheap."""
        if self._text is None:
            self._text = "\n".join(self.new.lines)
            self._starts = [0]
            for text in self.new.lines:
                self._starts.append(self._starts[-1] + len(text) + 1)
        text, starts, found = self._text, self._starts, []
        at = text.find(quote) if "\n" not in quote else -1
        while at >= 0:
            number = bisect_right(starts, at)  # 1-based: starts[number - 1] <= at
            found.append(number)
            at = text.find(quote, starts[number])  # the next line
        return found

    def anchor(self, line: int, quote: str, section: str | None = None) -> Anchoring:
        """Where the quote cited at ``line`` (under ``section``, if the citation names
        one) is now: see the module docstring for the rules."""
        new, old = self.new, self.old
        hint, old_row, old_section = line, None, section
        if old is not None and self.line_map is not None and quote and quote in old.line(line):
            hint, exact = self.line_map.map(line)
            if exact:  # an unchanged line: where it went is certain
                return self._settled(line, hint, quote, section)
            old_row, old_section = row_label(old.line(line)), section or old.section(line)
        elif quote and quote in new.line(line):
            return self._settled(line, line, quote, section)
        found = self.lines_containing(quote) if quote else []
        if found:
            return self._exact(line, quote, section, found, hint, old_row, old_section)
        if len(quote) < MIN_FUZZY_LENGTH:
            return Anchoring(
                Verdict.ORPHANED,
                line,
                quote,
                note=f"not found verbatim, and under {MIN_FUZZY_LENGTH} characters "
                "is too short to match fuzzily",
            )
        return self._fuzzy(line, quote, hint, old_row, old_section)

    def _settled(self, line: int, new_line: int, quote: str, section: str | None) -> Anchoring:
        """Kept or moved to ``new_line`` (verbatim there), unless that leaves the section
        the citation names."""
        now = self.new.section(new_line)
        if section is not None and section != now:
            return Anchoring(
                Verdict.AMBIGUOUS,
                new_line,
                quote,
                candidates=(new_line,),
                note=f"verbatim on line {new_line}, but under {now!r}, "
                f"not the section {section!r} the citation names",
            )
        return Anchoring(Verdict.KEPT if new_line == line else Verdict.MOVED, new_line, quote)

    def _exact(
        self,
        line: int,
        quote: str,
        section: str | None,
        found: list[int],
        hint: int,
        old_row: str | None,
        old_section: str | None,
    ) -> Anchoring:
        if old_row is not None:
            # A cell is short and tables repeat words: never move it to another row.
            same_row = [n for n in found if n == hint or row_label(self.new.line(n)) == old_row]
            if not same_row:
                where = ", ".join(str(n) for n in found)
                return Anchoring(
                    Verdict.AMBIGUOUS,
                    found[0],
                    quote,
                    candidates=tuple(found),
                    note=f"verbatim on line {where}, but not in the row {old_row!r} "
                    "it was cited in",
                )
            found = same_row
        if len(found) == 1:
            return self._settled(line, found[0], quote, section)
        narrowed = found
        if old_section is not None:
            same = [n for n in narrowed if self.new.section(n) == old_section]
            if len(same) == 1:
                return self._settled(line, same[0], quote, section)
            narrowed = same or narrowed
        if hint in narrowed:
            return self._settled(line, hint, quote, section)
        nearest = min(narrowed, key=lambda n: (abs(n - hint), n))
        where = ", ".join(str(n) for n in narrowed)
        return Anchoring(
            Verdict.AMBIGUOUS,
            nearest,
            quote,
            candidates=tuple(narrowed),
            note=f"verbatim on lines {where}; none is clearly the one cited",
        )

    def _fuzzy(
        self, line: int, quote: str, hint: int, old_row: str | None, old_section: str | None
    ) -> Anchoring:
        def preferred(n: int) -> bool:
            if old_row is not None:
                return row_label(self.new.line(n)) == old_row
            return n == hint

        # A quote that was a whole cell, item or sentence becomes a whole one, not a piece.
        whole = self.old is not None and quote in segments_of(self.old.line(line))
        match = best_match(self.segments, quote, preferred, whole)
        if match.chosen is not None:
            return Anchoring(
                Verdict.REWORDED, match.chosen.line, match.chosen.text, score=match.chosen.score
            )
        if match.rivals:
            where = ", ".join(f"{m.line} ({int(m.score)})" for m in match.rivals)
            best = match.rivals[0]
            return Anchoring(
                Verdict.AMBIGUOUS,
                best.line,
                best.text,
                score=best.score,
                candidates=tuple(m.line for m in match.rivals),
                note=f"reworded? lines {where} match about as well",
            )
        near = (
            f"; the closest text scores {int(match.best.score)} on line {match.best.line}"
            if match.best
            else ""
        )
        return Anchoring(Verdict.ORPHANED, line, quote, note=f"no text close enough{near}")

"""Numbered citations: each cited place once, referred to as ``[n]``.

A place is a line of a document of the notes, or a section of a public page for
knowledge beyond the notes. Sources quoting the same place share its number and
their quotes are listed together, so a comparison row citing three cells of one
table line gets one number, not three.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from html import escape

from service.domain import Source
from service.render.markdown import inline

_Place = tuple[str, str, int | None, bool]


@dataclass(slots=True)
class Citation:
    """One numbered place and the quotes cited from it, in first-use order."""

    number: int
    document: str
    section: str
    line: int | None
    external: bool
    quotes: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        if self.external:
            return f"{self.document} ({self.section}; beyond the notes)"
        line = f", line {self.line}" if self.line is not None else ""
        return f"{self.document}{line} ({self.section})"

    @property
    def quoted(self) -> str:
        return ", ".join(f"“{q}”" for q in self.quotes)

    @property
    def linkable(self) -> bool:
        return self.external and self.document.startswith(("https://", "http://"))

    def text(self) -> str:
        """``document, line 7 (Section): “quote”, “quote”``: plain text."""
        return f"{self.where}: {self.quoted}"


class Citations:
    """Collects sources in first-use order and numbers their places from 1."""

    def __init__(self) -> None:
        self._by_place: dict[_Place, Citation] = {}

    def cite(self, sources: Iterable[Source]) -> list[int]:
        """The numbers of ``sources``' places, ascending, adding the new ones."""
        numbers: set[int] = set()
        for source in sources:
            place = (source.document, source.section, source.line, source.external)
            citation = self._by_place.get(place)
            if citation is None:
                citation = Citation(len(self._by_place) + 1, *place)
                self._by_place[place] = citation
            if source.quote not in citation.quotes:
                citation.quotes.append(source.quote)
            numbers.add(citation.number)
        return sorted(numbers)

    def marks(self, sources: Iterable[Source]) -> str:
        """``[1][3]``-style marks, the same in every format."""
        return "".join(f"[{n}]" for n in self.cite(sources))

    def __len__(self) -> int:
        return len(self._by_place)

    @property
    def entries(self) -> list[Citation]:
        return list(self._by_place.values())

    def markdown(self) -> str:
        """A numbered Markdown list; pages beyond the notes are links."""
        lines = []
        for c in self.entries:
            where = inline(c.where)
            if c.linkable:
                where = f"<{c.document}> ({inline(c.section)}; beyond the notes)"
            lines.append(f"{c.number}. {where}: {inline(c.quoted)}")
        return "\n".join(lines)

    def html(self) -> str:
        """An ``<ol>`` whose items are numbered like the marks."""
        items = []
        for c in self.entries:
            where = escape(c.where)
            if c.linkable:
                link = f'<a href="{escape(c.document)}">{escape(c.document)}</a>'
                where = f"{link} ({escape(c.section)}; beyond the notes)"
            items.append(f"<li>{where}: {escape(c.quoted)}</li>")
        return f'<ol class="archgraph-sources" style="margin:0;padding-left:1.6em">{"".join(items)}</ol>'

"""How much of each source document the graph cites.

A document's *citable units* are its table cells and its prose sentences
(headings name sections and are carried by every source's ``section``; table
rules and blank lines carry no fact). A unit is covered when some node or edge
quotes it whole, on its own line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.knowledge import KnowledgeGraph
from service.packs.documents import Document

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}")


@dataclass(frozen=True, slots=True)
class Unit:
    """One table cell or sentence of a document."""

    line: int
    text: str


def citable_units(document: Document) -> list[Unit]:
    """The cells and sentences of ``document``, in order."""
    units: list[Unit] = []
    for number, raw in enumerate(document.lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#") or set(line) <= set("-=*_ "):
            continue
        if line.startswith("|"):
            if _TABLE_RULE.match(line):
                continue
            units += [
                Unit(number, cell.strip()) for cell in line.strip("|").split("|") if cell.strip()
            ]
            continue
        line = re.sub(r"^[-*+]\s+", "", line)
        units += [Unit(number, s.strip()) for s in _SENTENCE_END.split(line) if s.strip()]
    return units


def uncovered_units(kg: KnowledgeGraph, document_name: str) -> list[Unit]:
    """The units of a document that no entity or relation quotes whole."""
    quotes: dict[int, list[str]] = {}
    cited = [s for e in kg.entities() for s in e.sources] + [
        s for r in kg.relations() for s in r.sources
    ]
    for source in cited:
        if source.document == document_name and source.line is not None:
            quotes.setdefault(source.line, []).append(source.quote)
    return [
        unit
        for unit in citable_units(kg.documents[document_name])
        if not any(unit.text in quote for quote in quotes.get(unit.line, ()))
    ]

"""The formats an answer can be rendered in, and what every rendering carries."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Format(StrEnum):
    """A rendering, named by the embed URL's extension."""

    MARKDOWN = "md"
    HTML = "html"
    MERMAID = "mmd"
    SVG = "svg"


MEDIA_TYPES = {
    Format.MARKDOWN: "text/markdown; charset=utf-8",
    Format.HTML: "text/html; charset=utf-8",
    Format.MERMAID: "text/vnd.mermaid; charset=utf-8",
    Format.SVG: "image/svg+xml",
}


@dataclass(frozen=True, slots=True)
class Embed:
    """Where a rendering lives and which graph it was rendered from.

    ``permalink`` is the absolute embed URL with normalised arguments; ``version`` is
    the graph's content hash (:attr:`KnowledgeGraph.version`).
    """

    permalink: str
    version: str

    @property
    def stamp(self) -> str:
        """The one-line provenance every rendering ends with."""
        return f"archgraph graph version {self.version} · {self.permalink}"

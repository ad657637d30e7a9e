"""The source documents a knowledge pack cites, and checks of quotes against them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Document:
    """A cited text, split into lines, with the section heading in force at each line."""

    name: str
    lines: tuple[str, ...]
    sections: tuple[str, ...]  # sections[i] is the heading above lines[i]

    @classmethod
    def from_text(cls, name: str, text: str) -> Document:
        lines = tuple(text.splitlines())
        sections: list[str] = []
        current = ""
        for line in lines:
            if line.startswith("#"):
                current = line.lstrip("#").strip()
            sections.append(current)
        return cls(name=name, lines=lines, sections=tuple(sections))

    @classmethod
    def read(cls, path: Path, name: str) -> Document:
        return cls.from_text(name, path.read_text(encoding="utf-8"))

    def line(self, number: int) -> str:
        """The text of 1-based line ``number`` ('' when out of range)."""
        return self.lines[number - 1] if 1 <= number <= len(self.lines) else ""

    def section(self, number: int) -> str:
        return self.sections[number - 1] if 1 <= number <= len(self.sections) else ""

    def lines_containing(self, quote: str) -> list[int]:
        """Every 1-based line number whose text contains ``quote`` verbatim."""
        return [i for i, text in enumerate(self.lines, start=1) if quote in text]

    def check_quote(self, number: int, quote: str) -> str | None:
        """Why ``quote`` is not verbatim at line ``number``, or None when it is."""
        if not quote:
            return "quote is empty"
        if not 1 <= number <= len(self.lines):
            return f"line {number} is outside {self.name} (it has {len(self.lines)} lines)"
        if quote in self.line(number):
            return None
        found = self.lines_containing(quote)
        if found:
            where = ", ".join(str(n) for n in found)
            return f"quote {quote!r} is not on line {number} of {self.name}; it is on line {where}"
        return f"quote {quote!r} is not found verbatim in {self.name}"

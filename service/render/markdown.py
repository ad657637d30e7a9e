"""Small Markdown building blocks (CommonMark with GitHub tables)."""

from __future__ import annotations

import re
from collections.abc import Sequence

# Characters that could start emphasis, code, links, raw HTML or a table cell.
_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
# A citation mark stays readable: "[3]" is a link only where the page defines a label "3".
_MARK = re.compile(r"\\\[(\d+)\\\]")


def inline(text: str) -> str:
    """Text that renders as itself inside a Markdown paragraph, list item or table cell."""
    escaped = _SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return _MARK.sub(r"[\1]", escaped)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub table of plain-text cells (escaped here)."""
    lines = ["| " + " | ".join(inline(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(inline(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def heading(text: str) -> str:
    """A bold title line; a real heading would clash with the host page's outline."""
    return f"**{inline(text)}**"


def page(title: str, body: Sequence[str], sources: str, permalink: str, version: str) -> str:
    """Title, body blocks, the numbered sources and the permalink line, blank-line separated."""
    blocks = [heading(title), *body]
    if sources:
        blocks += ["Sources:", sources]
    blocks.append(f"[Permalink]({permalink}) · graph version `{version}`")
    return "\n\n".join(blocks) + "\n"

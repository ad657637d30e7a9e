"""Self-contained HTML fragments: no scripts, no stylesheets to fetch, every text escaped.

Styles are inline and minimal, so a fragment looks the same pasted into any page
and still reads well where a wiki strips ``style`` attributes.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from service.render.citations import Citations
from service.render.formats import Embed

ROOT_STYLE = "font-family:sans-serif;font-size:14px;line-height:1.45;color:#1b1b1b"
TABLE_STYLE = "border-collapse:collapse;margin:.4em 0"
CELL_STYLE = "border:1px solid #ccd;padding:3px 8px;text-align:left;vertical-align:top"
SMALL_STYLE = "font-size:12px;color:#555;margin:.6em 0 0"


def text(value: str) -> str:
    """Escaped text (quotes too, so it is safe in attributes)."""
    return escape(value, quote=True)


def paragraph(value: str, marks: str = "") -> str:
    return f'<p style="margin:.4em 0">{text(value)}{sup(marks)}</p>'


def sup(marks: str) -> str:
    return f"<sup>{text(marks)}</sup>" if marks else ""


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table of plain-text cells (escaped here)."""
    head = "".join(f'<th style="{CELL_STYLE};background:#f1f3f6">{text(h)}</th>' for h in header)
    body = "".join(
        "<tr>" + "".join(f'<td style="{CELL_STYLE}">{text(c)}</td>' for c in row) + "</tr>"
        for row in rows
    )
    return (
        f'<table style="{TABLE_STYLE}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


def items(values: Sequence[str], ordered: bool = False) -> str:
    """A list of plain-text items (escaped here)."""
    tag = "ol" if ordered else "ul"
    inner = "".join(f"<li>{text(v)}</li>" for v in values)
    return f'<{tag} style="margin:.3em 0;padding-left:1.6em">{inner}</{tag}>'


def fragment(
    answer: str, title: str, body: Sequence[str], citations: Citations, embed: Embed
) -> str:
    """The answer's blocks (already HTML) framed with its title, sources and provenance."""
    parts = [
        f'<div class="archgraph archgraph-{text(answer)}" '
        f'data-archgraph-version="{text(embed.version)}" style="{ROOT_STYLE}">',
        f'<p style="margin:0 0 .4em;font-weight:bold;font-size:15px">{text(title)}</p>',
        *body,
    ]
    if len(citations):
        parts += ['<p style="margin:.6em 0 .2em;font-weight:bold">Sources</p>', citations.html()]
    parts += [
        f'<p style="{SMALL_STYLE}"><a href="{text(embed.permalink)}">Permalink</a> · '
        f"graph version <code>{text(embed.version)}</code></p>",
        "</div>",
    ]
    return "\n".join(parts) + "\n"

"""A comparison as a table: one row per dimension, each side's value, the verdict and why."""

from __future__ import annotations

from service.queries.comparison import Comparison, ComparisonRow, Side
from service.render import html, markdown
from service.render.citations import Citations
from service.render.formats import Embed


def title(comparison: Comparison) -> str:
    return f"{comparison.left.name} vs {comparison.right.name}"


def _favours(comparison: Comparison, row: ComparisonRow) -> str:
    if row.favours is Side.LEFT:
        return comparison.left.name
    if row.favours is Side.RIGHT:
        return comparison.right.name
    return "neither"


def _table(comparison: Comparison, citations: Citations) -> tuple[list[str], list[list[str]]]:
    header = ["Dimension", comparison.left.name, comparison.right.name, "Favours", "Why", "Sources"]
    rows = [
        [
            row.dimension.name,
            row.left.summary,
            row.right.summary,
            _favours(comparison, row),
            row.rationale,
            citations.marks(row.sources),
        ]
        for row in comparison.rows
    ]
    return header, rows


def to_markdown(comparison: Comparison, embed: Embed) -> str:
    citations = Citations()
    header, rows = _table(comparison, citations)
    return markdown.page(
        title(comparison),
        [markdown.table(header, rows)],
        citations.markdown(),
        embed.permalink,
        embed.version,
    )


def to_html(comparison: Comparison, embed: Embed) -> str:
    citations = Citations()
    header, rows = _table(comparison, citations)
    return html.fragment(
        "comparison", title(comparison), [html.table(header, rows)], citations, embed
    )

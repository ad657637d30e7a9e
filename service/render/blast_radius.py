"""A blast radius: what fails with an entity, each affected entity under the one it depends on."""

from __future__ import annotations

from service.domain import Relation
from service.queries.blast import VERBS, BlastRadius, Impact
from service.render import html, markdown, mermaid, svg
from service.render.citations import Citations
from service.render.formats import Embed

HEADER = ["Affected", "Hops", "Why", "Sources"]


def title(blast: BlastRadius) -> str:
    return f"Blast radius: when {blast.origin.name} fails"


def _none(blast: BlastRadius) -> str:
    return f"Nothing depends on {blast.origin.name}: its failure reaches no other entity."


def _verb(relation: Relation) -> str:
    return VERBS.get(relation.type, relation.type.value.replace("_", " "))


def depth_first(blast: BlastRadius) -> list[Impact]:
    """The impacts with each one right under the entity it depends on (nearest first)."""
    children: dict[str, list[Impact]] = {}
    for impact in blast.affected:
        children.setdefault(impact.path[-2].id, []).append(impact)
    ordered: list[Impact] = []
    stack = list(reversed(children.get(blast.origin.id, [])))
    while stack:
        impact = stack.pop()
        ordered.append(impact)
        stack += reversed(children.get(impact.entity.id, []))
    return ordered


def _rows(blast: BlastRadius, citations: Citations) -> list[list[str]]:
    return [
        [i.entity.name, str(i.distance), i.explanation, citations.marks(i.sources)]
        for i in blast.affected
    ]


def to_markdown(blast: BlastRadius, embed: Embed) -> str:
    citations = Citations()
    body = [markdown.inline(_none(blast))]
    if blast.affected:
        body = [markdown.table(HEADER, _rows(blast, citations))]
    if blast.note:
        body.append(f"*{markdown.inline(blast.note)}*")
    return markdown.page(title(blast), body, citations.markdown(), embed.permalink, embed.version)


def to_html(blast: BlastRadius, embed: Embed) -> str:
    citations = Citations()
    body = [html.paragraph(_none(blast))]
    if blast.affected:
        body = [html.table(HEADER, _rows(blast, citations))]
    if blast.note:
        body.append(html.paragraph(blast.note))
    return html.fragment("blast-radius", title(blast), body, citations, embed)


def to_mermaid(blast: BlastRadius, embed: Embed) -> str:
    """Each affected entity with an arrow to what it depends on; the failed origin in red."""
    citations = Citations()
    lines = [mermaid.node(blast.origin.id, blast.origin.name, "fails")]
    lines += [mermaid.node(i.entity.id, i.entity.name, i.entity.kind.value) for i in blast.affected]
    for impact in blast.affected:
        relation = impact.relations[-1]
        text = f"{_verb(relation)} {citations.marks(relation.sources)}"
        lines.append(mermaid.edge(relation.source, relation.target, text))
    lines += mermaid.style_class("failed", "fill:#f8d7da,stroke:#b02a37", [blast.origin.id])
    lines += mermaid.style_class(
        "affected", "fill:#fff3cd,stroke:#b58105", [i.entity.id for i in blast.affected]
    )
    if blast.note:
        lines.append(mermaid.comment(blast.note))
    return mermaid.document(title(blast), "BT", lines, citations, embed)


def to_svg(blast: BlastRadius, embed: Embed) -> str:
    """The failed entity on top; below it, indented, what fails because it depends on it."""
    citations = Citations()
    if not blast.affected:
        return svg.message(title(blast), _none(blast), [embed.stamp], embed.permalink)
    ordered = depth_first(blast)
    index = {impact.entity.id: i for i, impact in enumerate(ordered)}
    rows = []
    for impact in ordered:
        relation = impact.relations[-1]
        parent = impact.path[-2]
        label = f"{_verb(relation)} {parent.name} {citations.marks(relation.sources)}"
        rows.append(
            svg.TreeRow(
                parent=index.get(parent.id, -1),
                box=svg.Box(impact.entity.name, f"{impact.entity.kind.value} · fails too"),
                label=label,
            )
        )
    root = svg.Box(blast.origin.name, f"{blast.origin.kind.value} · fails")
    notes = [embed.stamp, *([blast.note] if blast.note else [])]
    notes += [f"[{c.number}] {c.text()}" for c in citations.entries]
    return svg.tree(title(blast), root, rows, notes, embed.permalink)

"""One entity: what it is, where that is written, and how it relates to the others."""

from __future__ import annotations

from dataclasses import dataclass

from service.domain import RELATION_MEANINGS, Entity, Relation
from service.knowledge import KnowledgeGraph
from service.render import html, markdown, mermaid
from service.render.citations import Citations
from service.render.formats import Embed

HEADER = ["Relation", "Entity", "Kind", "Sources"]


@dataclass(frozen=True, slots=True)
class Link:
    """A relation seen from the entity: its label in that direction and the entity at the other end."""

    relation: Relation
    label: str
    other: Entity
    outgoing: bool


@dataclass(frozen=True, slots=True)
class EntityAnswer:
    entity: Entity
    links: tuple[Link, ...]


def entity_answer(kg: KnowledgeGraph, entity_id: str) -> EntityAnswer:
    """The entity ``entity_id`` with its relations, outgoing first, each in target/source order.

    Raises
    ------
    EntityNotFound : ``entity_id`` is unknown (field ``id``).
    """
    entity = kg.entity(entity_id, "id")
    links = [
        Link(r, r.type.value.replace("_", " "), kg.entity(r.target), True)
        for r in kg.outgoing(entity_id)
    ]
    links += [
        Link(r, RELATION_MEANINGS[r.type].inverse.replace("_", " "), kg.entity(r.source), False)
        for r in kg.incoming(entity_id)
    ]
    return EntityAnswer(entity, tuple(links))


def title(answer: EntityAnswer) -> str:
    return f"{answer.entity.name} ({answer.entity.kind.value})"


def _rows(answer: EntityAnswer, citations: Citations) -> list[list[str]]:
    return [
        [link.label, link.other.name, link.other.kind.value, citations.marks(link.relation.sources)]
        for link in answer.links
    ]


def _aliases(entity: Entity) -> str:
    return f"Also called: {', '.join(entity.aliases)}." if entity.aliases else ""


def to_markdown(answer: EntityAnswer, embed: Embed) -> str:
    citations = Citations()
    entity = answer.entity
    body = [f"{markdown.inline(entity.summary)} {citations.marks(entity.sources)}".rstrip()]
    if entity.aliases:
        body.append(markdown.inline(_aliases(entity)))
    if answer.links:
        body.append(markdown.table(HEADER, _rows(answer, citations)))
    return markdown.page(title(answer), body, citations.markdown(), embed.permalink, embed.version)


def to_html(answer: EntityAnswer, embed: Embed) -> str:
    citations = Citations()
    entity = answer.entity
    body = [html.paragraph(entity.summary, citations.marks(entity.sources))]
    if entity.aliases:
        body.append(html.paragraph(_aliases(entity)))
    if answer.links:
        body.append(html.table(HEADER, _rows(answer, citations)))
    return html.fragment("entity", title(answer), body, citations, embed)


def to_mermaid(answer: EntityAnswer, embed: Embed) -> str:
    """The entity and its neighbours; arrows run as the relations do (``source --type--> target``)."""
    citations = Citations()
    entity = answer.entity
    name = f"{entity.name} {citations.marks(entity.sources)}".strip()
    lines = [mermaid.node(entity.id, name, entity.kind.value)]
    seen = {entity.id}
    for link in answer.links:
        if link.other.id not in seen:
            seen.add(link.other.id)
            lines.append(mermaid.node(link.other.id, link.other.name, link.other.kind.value))
    for link in answer.links:
        relation = link.relation
        text = f"{relation.type.value.replace('_', ' ')} {citations.marks(relation.sources)}"
        lines.append(mermaid.edge(relation.source, relation.target, text))
    lines += mermaid.style_class(
        "subject", "fill:#dbe7fb,stroke:#2c5aa0,stroke-width:2px", [entity.id]
    )
    return mermaid.document(title(answer), "LR", lines, citations, embed)

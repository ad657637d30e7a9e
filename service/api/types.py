"""GraphQL types for the graph's building blocks: entities, relations, sources."""

from __future__ import annotations

import base64
from enum import Enum
from typing import Annotated, Any

import strawberry

from service import domain
from service.api.context import Info
from service.domain import RELATION_MEANINGS

# The domain enums become GraphQL enums as they are (names like DIMENSION_VALUE).
strawberry.enum(domain.EntityKind, description="What an entity is.")
strawberry.enum(
    domain.RelationType, description="How two entities relate; read `source <type> target`."
)
EntityKind = domain.EntityKind
RelationType = domain.RelationType


@strawberry.enum(description="Which way a relation is read from the entity asking.")
class Direction(Enum):
    OUTGOING = "outgoing"
    INCOMING = "incoming"
    BOTH = "both"


@strawberry.type(description="Where a fact comes from: a line of the notes, or a public page.")
class Source:
    document: str = strawberry.field(description="Document name, or the URL of an external source.")
    section: str = strawberry.field(description="The heading the quote sits under.")
    line: int | None = strawberry.field(description="1-based line of the quote; null if external.")
    quote: str = strawberry.field(description="The exact words, verbatim in the document.")
    external: bool = strawberry.field(
        description="True when the fact is knowledge beyond the notes (`document` is its URL)."
    )

    @classmethod
    def from_domain(cls, source: domain.Source) -> Source:
        return cls(
            document=source.document,
            section=source.section,
            line=source.line,
            quote=source.quote,
            external=source.external,
        )

    @classmethod
    def many(cls, sources: tuple[domain.Source, ...]) -> list[Source]:
        return [cls.from_domain(s) for s in sources]


@strawberry.type(description="A key/value fact attached to an entity or relation.")
class Attribute:
    key: str
    value: str

    @classmethod
    def many(cls, attributes: domain.Attributes) -> list[Attribute]:
        return [
            cls(key=k, value=str(v).lower() if isinstance(v, bool) else str(v))
            for k, v in attributes.items()
        ]


@strawberry.interface(description="An object with a stable, globally unique id (Relay).")
class Node:
    id: strawberry.ID


@strawberry.type(description="A relation seen from one of its ends.")
class Relation:
    type: RelationType = strawberry.field(description="The stored type (`source <type> target`).")
    direction: Direction = strawberry.field(description="OUTGOING when this entity is the source.")
    label: str = strawberry.field(
        description="The relation read from this entity: the type, or its inverse if INCOMING."
    )
    attributes: list[Attribute]
    sources: list[Source]
    _other: strawberry.Private[str]

    @strawberry.field(description="The entity at the other end.")
    def target(self, info: Info) -> Annotated[Entity, strawberry.lazy("service.api.types")]:
        return Entity.from_domain(info.context.kg.entity(self._other))

    @classmethod
    def from_domain(cls, relation: domain.Relation, direction: Direction) -> Relation:
        outgoing = direction is Direction.OUTGOING
        return cls(
            type=relation.type,
            direction=direction,
            label=relation.type.value if outgoing else RELATION_MEANINGS[relation.type].inverse,
            attributes=Attribute.many(relation.attributes),
            sources=Source.many(relation.sources),
            _other=relation.target if outgoing else relation.source,
        )


def entity_fields(entity: domain.Entity) -> dict[str, Any]:
    """An entity's GraphQL fields (of :class:`Entity`, and of a version's entity snapshot)."""
    return {
        "id": strawberry.ID(entity.id),
        "kind": entity.kind,
        "name": entity.name,
        "summary": entity.summary,
        "aliases": list(entity.aliases),
        "attributes": Attribute.many(entity.attributes),
        "sources": Source.many(entity.sources),
    }


@strawberry.type(description="A thing the notes talk about, with where they say it.")
class Entity(Node):
    id: strawberry.ID = strawberry.field(description="Stable slug, e.g. `virtual-machine`.")
    kind: EntityKind
    name: str
    summary: str
    aliases: list[str]
    attributes: list[Attribute]
    sources: list[Source]
    _entity: strawberry.Private[domain.Entity]

    @classmethod
    def from_domain(cls, entity: domain.Entity) -> Entity:
        return cls(**entity_fields(entity), _entity=entity)

    @strawberry.field(description="Relations of this entity, optionally of one type and direction.")
    def relations(
        self, info: Info, type: RelationType | None = None, direction: Direction = Direction.BOTH
    ) -> list[Relation]:
        kg = info.context.kg
        found: list[Relation] = []
        if direction in (Direction.OUTGOING, Direction.BOTH):
            found += [
                Relation.from_domain(r, Direction.OUTGOING)
                for r in kg.outgoing(self._entity.id, type)
            ]
        if direction in (Direction.INCOMING, Direction.BOTH):
            found += [
                Relation.from_domain(r, Direction.INCOMING)
                for r in kg.incoming(self._entity.id, type)
            ]
        return found


@strawberry.type(description="Relay page information.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class EntityEdge:
    cursor: str
    node: Entity


@strawberry.type(description="A page of entities (Relay connection).")
class EntityConnection:
    total_count: int
    page_info: PageInfo
    edges: list[EntityEdge]

    @strawberry.field(description="The entities of this page, without cursors.")
    def nodes(self) -> list[Entity]:
        return [edge.node for edge in self.edges]


_CURSOR_PREFIX = "entity:"


def encode_cursor(offset: int) -> str:
    return base64.b64encode(f"{_CURSOR_PREFIX}{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int | None:
    """The offset a cursor points at, or None when it is not one of ours."""
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    if not text.startswith(_CURSOR_PREFIX) or not text[len(_CURSOR_PREFIX) :].isdigit():
        return None
    return int(text[len(_CURSOR_PREFIX) :])

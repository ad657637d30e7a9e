"""The graph's building blocks as the API returns them: entities, relations, sources, pages."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

JSON = Mapping[str, Any]


class EntityKind(StrEnum):
    """What an entity is (GraphQL enum ``EntityKind``)."""

    PLATFORM = "PLATFORM"
    DIMENSION = "DIMENSION"
    DIMENSION_VALUE = "DIMENSION_VALUE"
    ISOLATION_TIER = "ISOLATION_TIER"
    KERNEL = "KERNEL"
    OPERATING_SYSTEM = "OPERATING_SYSTEM"
    REQUIREMENT = "REQUIREMENT"
    SITUATION = "SITUATION"
    ARCHITECTURE = "ARCHITECTURE"
    LAYER = "LAYER"
    KUBERNETES_OBJECT = "KUBERNETES_OBJECT"
    KUBERNETES_COMPONENT = "KUBERNETES_COMPONENT"
    RESOURCE = "RESOURCE"
    EVENT = "EVENT"
    STATE = "STATE"


class RelationType(StrEnum):
    """How two entities relate, read ``source <type> target`` (GraphQL enum ``RelationType``)."""

    RUNS_ON = "RUNS_ON"
    USES_KERNEL = "USES_KERNEL"
    RUNS_OS = "RUNS_OS"
    ISOLATED_BY = "ISOLATED_BY"
    HAS_VALUE = "HAS_VALUE"
    VALUE_OF = "VALUE_OF"
    FAVOURS = "FAVOURS"
    CONCERNS = "CONCERNS"
    LAYER_OF = "LAYER_OF"
    PART_OF = "PART_OF"
    IS_A = "IS_A"
    MANAGES = "MANAGES"
    SCHEDULES = "SCHEDULES"
    RESTARTS = "RESTARTS"
    CREATES = "CREATES"
    REQUESTS = "REQUESTS"
    DEFINES = "DEFINES"
    CAUSES = "CAUSES"
    HANDLED_BY = "HANDLED_BY"
    PROVIDES = "PROVIDES"


class Direction(StrEnum):
    """Which way a relation is read from the entity asking (GraphQL enum ``Direction``)."""

    OUTGOING = "OUTGOING"
    INCOMING = "INCOMING"
    BOTH = "BOTH"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a fact comes from: a line of the notes, or (``external``) a public page."""

    document: str
    section: str
    line: int | None
    quote: str
    external: bool

    @classmethod
    def from_json(cls, data: JSON) -> Source:
        return cls(
            document=data["document"],
            section=data["section"],
            line=data["line"],
            quote=data["quote"],
            external=data["external"],
        )

    def __str__(self) -> str:
        where = f"{self.document}:{self.line}" if self.line is not None else self.document
        return f"{where} ({self.section}): {self.quote!r}"


def sources_from_json(items: list[JSON]) -> tuple[Source, ...]:
    return tuple(Source.from_json(s) for s in items)


@dataclass(frozen=True, slots=True)
class Attribute:
    """A key/value fact attached to an entity or relation (values are strings)."""

    key: str
    value: str


def attributes_from_json(items: list[JSON]) -> tuple[Attribute, ...]:
    return tuple(Attribute(key=a["key"], value=a["value"]) for a in items)


def _find_attribute(attributes: tuple[Attribute, ...], key: str) -> str | None:
    return next((a.value for a in attributes if a.key == key), None)


@dataclass(frozen=True, slots=True)
class EntityRef:
    """An entity named in passing (a hop's ends, a path's steps): its id, kind and name.

    Where a whole answer already holds the entity in full (a stack path's layers, a blast
    radius's impacts) the client asks only for this much, so the query stays cheap.
    """

    id: str
    kind: EntityKind
    name: str

    @classmethod
    def from_json(cls, data: JSON) -> EntityRef:
        return cls(id=data["id"], kind=EntityKind(data["kind"]), name=data["name"])


@dataclass(frozen=True, slots=True)
class Entity:
    """A thing the notes talk about; ``id`` is its stable slug, e.g. ``virtual-machine``."""

    id: str
    kind: EntityKind
    name: str
    summary: str
    aliases: tuple[str, ...]
    attributes: tuple[Attribute, ...]
    sources: tuple[Source, ...]

    @classmethod
    def from_json(cls, data: JSON) -> Entity:
        return cls(
            id=data["id"],
            kind=EntityKind(data["kind"]),
            name=data["name"],
            summary=data["summary"],
            aliases=tuple(data["aliases"]),
            attributes=attributes_from_json(data["attributes"]),
            sources=sources_from_json(data["sources"]),
        )

    def attribute(self, key: str) -> str | None:
        """The value of one attribute, or None."""
        return _find_attribute(self.attributes, key)


@dataclass(frozen=True, slots=True)
class Relation:
    """A relation seen from the entity that was asked for; ``target`` is the other end."""

    type: RelationType
    direction: Direction
    label: str
    attributes: tuple[Attribute, ...]
    sources: tuple[Source, ...]
    target: Entity

    @classmethod
    def from_json(cls, data: JSON) -> Relation:
        return cls(
            type=RelationType(data["type"]),
            direction=Direction(data["direction"]),
            label=data["label"],
            attributes=attributes_from_json(data["attributes"]),
            sources=sources_from_json(data["sources"]),
            target=Entity.from_json(data["target"]),
        )


@dataclass(frozen=True, slots=True)
class EntityDetail(Entity):
    """An entity with its relations in both directions, as ``ArchgraphClient.entity`` returns it."""

    relations: tuple[Relation, ...] = ()

    @classmethod
    def from_json(cls, data: JSON) -> EntityDetail:
        base = Entity.from_json(data)
        return cls(
            id=base.id,
            kind=base.kind,
            name=base.name,
            summary=base.summary,
            aliases=base.aliases,
            attributes=base.attributes,
            sources=base.sources,
            relations=tuple(Relation.from_json(r) for r in data["relations"]),
        )


@dataclass(frozen=True, slots=True)
class PageInfo:
    """Relay page information; pass ``end_cursor`` as ``after`` to get the next page."""

    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None

    @classmethod
    def from_json(cls, data: JSON) -> PageInfo:
        return cls(
            has_next_page=data["hasNextPage"],
            has_previous_page=data["hasPreviousPage"],
            start_cursor=data["startCursor"],
            end_cursor=data["endCursor"],
        )


@dataclass(frozen=True, slots=True)
class EntityEdge:
    cursor: str
    node: Entity

    @classmethod
    def from_json(cls, data: JSON) -> EntityEdge:
        return cls(cursor=data["cursor"], node=Entity.from_json(data["node"]))


@dataclass(frozen=True, slots=True)
class EntityConnection:
    """One page of entities (Relay connection) and how many match in all."""

    total_count: int
    page_info: PageInfo
    edges: tuple[EntityEdge, ...]

    @property
    def nodes(self) -> tuple[Entity, ...]:
        """The entities of this page, without cursors."""
        return tuple(edge.node for edge in self.edges)

    @classmethod
    def from_json(cls, data: JSON) -> EntityConnection:
        return cls(
            total_count=data["totalCount"],
            page_info=PageInfo.from_json(data["pageInfo"]),
            edges=tuple(EntityEdge.from_json(e) for e in data["edges"]),
        )

"""The loaded knowledge graph: a frozen networkx ``MultiDiGraph`` plus the indexes
the query layer needs. Built once by :mod:`service.loader`, then only read.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import networkx as nx

from service.documents import Document
from service.domain import Entity, EntityKind, Relation, RelationType
from service.errors import EntityNotFound


@dataclass(frozen=True)
class KnowledgeGraph:
    """Entities as nodes (attribute ``entity``), relations as edges keyed by type
    (attribute ``relation``). ``version`` is a content hash of the loaded packs."""

    graph: nx.MultiDiGraph
    version: str
    documents: Mapping[str, Document]
    packs: tuple[str, ...]
    scenarios: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    _by_kind: Mapping[EntityKind, tuple[Entity, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        by_kind: dict[EntityKind, list[Entity]] = {}
        for entity in self.entities():
            by_kind.setdefault(entity.kind, []).append(entity)
        object.__setattr__(
            self, "_by_kind", MappingProxyType({k: tuple(v) for k, v in by_kind.items()})
        )

    # -- entities -------------------------------------------------------------
    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self.graph

    def __len__(self) -> int:
        return int(self.graph.number_of_nodes())

    def get(self, entity_id: str) -> Entity | None:
        """The entity with that id, or None."""
        data = self.graph.nodes.get(entity_id)
        return data["entity"] if data is not None else None

    def entity(self, entity_id: str, field: str = "id") -> Entity:
        """The entity with that id; raises :class:`EntityNotFound` naming ``field``."""
        found = self.get(entity_id)
        if found is None:
            raise EntityNotFound(entity_id, field)
        return found

    def entities(self, kind: EntityKind | None = None) -> Sequence[Entity]:
        """All entities (of one kind), in id order."""
        if kind is not None:
            return self._by_kind.get(kind, ())
        return [self.graph.nodes[n]["entity"] for n in self.graph.nodes]

    # -- relations ------------------------------------------------------------
    def relations(self) -> Iterator[Relation]:
        for _, _, data in self.graph.edges(data=True):
            yield data["relation"]

    def outgoing(self, entity_id: str, type: RelationType | None = None) -> list[Relation]:
        """Relations whose source is ``entity_id`` (of one type), in target order."""
        return [
            data["relation"]
            for _, _, key, data in self.graph.out_edges(entity_id, keys=True, data=True)
            if type is None or key == type
        ]

    def incoming(self, entity_id: str, type: RelationType | None = None) -> list[Relation]:
        """Relations whose target is ``entity_id`` (of one type), in source order."""
        return [
            data["relation"]
            for _, _, key, data in self.graph.in_edges(entity_id, keys=True, data=True)
            if type is None or key == type
        ]

    def targets(self, entity_id: str, type: RelationType) -> list[Entity]:
        return [self.entity(r.target) for r in self.outgoing(entity_id, type)]

    def number_of_relations(self) -> int:
        return int(self.graph.number_of_edges())

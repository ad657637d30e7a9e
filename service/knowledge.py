"""The loaded knowledge graph: a frozen networkx ``MultiDiGraph`` plus the indexes
the query layer needs. Built once by :mod:`service.packs.loader`, then only read.

Queries read the graph through compact per-entity indexes (tuples of relations in
the order networkx would give them), not through networkx's dict-of-dicts: for a
pack of a million relations the indexes take a tenth of the memory and answer
without filtering whole adjacency views. The networkx graph itself is still the
public structure: a graph loaded by :func:`service.packs.loader.load_graph` builds it on
first access of :attr:`KnowledgeGraph.graph`, identical to what it was always given.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import attrgetter
from types import MappingProxyType
from typing import TypeVar

import networkx as nx

from service.domain import RELATION_MEANINGS, Entity, EntityKind, Relation, RelationType
from service.errors import EntityNotFound, Problem
from service.packs.documents import Document

# Relation types along which a failure of the target reaches the source, in the order
# blast radius prefers them when several link the same pair.
FAILURE_TYPES = tuple(t for t in RelationType if RELATION_MEANINGS[t].propagates_failure)
_FAILURE_RANK = {t: i for i, t in enumerate(FAILURE_TYPES)}
STACK_TYPES = frozenset(t for t in RelationType if RELATION_MEANINGS[t].stack)
_INDEXED_TYPES = STACK_TYPES | frozenset(FAILURE_TYPES)
_EMPTY: tuple[Relation, ...] = ()
T = TypeVar("T")


class KnowledgeGraph:
    """Entities as nodes (attribute ``entity``), relations as edges keyed by type
    (attribute ``relation``). ``version`` is a content hash of the loaded packs.

    Construct it from a networkx graph (``KnowledgeGraph(graph, version, documents,
    packs)``) or, as the loader does, from its entities and relations with
    :meth:`from_parts`; both answer every method the same way.
    """

    __slots__ = (
        "_by_kind",
        "_dependents",
        "_derived",
        "_entities",
        "_graph",
        "_incoming",
        "_lock",
        "_outgoing",
        "_relation_count",
        "_stack_adjacent",
        "documents",
        "packs",
        "scenarios",
        "version",
        "warnings",
    )
    version: str
    # What the loader found worth a look but not wrong (file:line each), e.g. a review
    # marker or a cited document changed since the pack was anchored.
    warnings: tuple[Problem, ...]
    documents: Mapping[str, Document]
    packs: tuple[str, ...]
    scenarios: Mapping[str, object]
    _graph: nx.MultiDiGraph | None
    _lock: threading.RLock
    _entities: dict[str, Entity]
    _outgoing: dict[str, tuple[Relation, ...]]
    _incoming: dict[str, tuple[Relation, ...]]
    _relation_count: int
    _by_kind: Mapping[EntityKind, tuple[Entity, ...]]
    _stack_adjacent: dict[str, tuple[str, ...]]
    _dependents: dict[str, tuple[Relation, ...]]
    _derived: dict[str, object]

    def __init__(
        self,
        graph: nx.MultiDiGraph,
        version: str,
        documents: Mapping[str, Document],
        packs: tuple[str, ...],
        scenarios: Mapping[str, object] | None = None,
    ) -> None:
        entities = {node: data["entity"] for node, data in graph.nodes(data=True)}
        outgoing = {
            node: tuple(data["relation"] for _, _, data in graph.out_edges(node, data=True))
            for node in graph
        }
        incoming = {
            node: tuple(data["relation"] for _, _, data in graph.in_edges(node, data=True))
            for node in graph
        }
        stack, dependents, _ = _indexes(outgoing, with_incoming=False)
        self._init(graph, version, documents, packs, scenarios, entities, outgoing, incoming)
        object.__setattr__(self, "_stack_adjacent", stack)
        object.__setattr__(self, "_dependents", dependents)

    @classmethod
    def from_parts(
        cls,
        entities: Iterable[Entity],
        relations: Iterable[Relation],
        version: str,
        documents: Mapping[str, Document],
        packs: tuple[str, ...],
        scenarios: Mapping[str, object] | None = None,
        warnings: Iterable[Problem] = (),
    ) -> KnowledgeGraph:
        """The graph of these entities and relations (every relation's ends among them),
        its networkx form built only when first asked for."""
        by_id = {e.id: e for e in sorted(entities, key=_ID)}
        by_source: dict[str, list[Relation]] = {}
        for relation in relations:
            found = by_source.get(relation.source)
            if found is None:
                by_source[relation.source] = [relation]
            else:
                found.append(relation)
        outgoing = {source: _networkx_order(by_source.pop(source)) for source in sorted(by_source)}
        # Sources in id order, each one's relations grouped by target and each group by type:
        # so each target's incoming relations come by source, then type, as in networkx.
        stack, dependents, incoming = _indexes(outgoing, with_incoming=True)
        kg = cls.__new__(cls)
        kg._init(None, version, documents, packs, scenarios, by_id, outgoing, incoming)
        object.__setattr__(kg, "_stack_adjacent", stack)
        object.__setattr__(kg, "_dependents", dependents)
        object.__setattr__(kg, "warnings", tuple(warnings))
        return kg

    def _init(
        self,
        graph: nx.MultiDiGraph | None,
        version: str,
        documents: Mapping[str, Document],
        packs: tuple[str, ...],
        scenarios: Mapping[str, object] | None,
        entities: dict[str, Entity],
        outgoing: dict[str, tuple[Relation, ...]],
        incoming: dict[str, tuple[Relation, ...]],
    ) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "_graph", graph)
        setattr_(self, "_lock", threading.RLock())
        setattr_(self, "_derived", {})
        setattr_(self, "version", version)
        setattr_(self, "warnings", ())
        setattr_(self, "documents", documents)
        setattr_(self, "packs", packs)
        setattr_(self, "scenarios", scenarios if scenarios is not None else MappingProxyType({}))
        setattr_(self, "_entities", entities)
        setattr_(self, "_outgoing", outgoing)
        setattr_(self, "_incoming", incoming)
        setattr_(self, "_relation_count", sum(len(found) for found in outgoing.values()))
        by_kind: dict[EntityKind, list[Entity]] = {}
        for entity in entities.values():
            by_kind.setdefault(entity.kind, []).append(entity)
        setattr_(self, "_by_kind", MappingProxyType({k: tuple(v) for k, v in by_kind.items()}))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"KnowledgeGraph is read-only; cannot set {name!r}")

    def __repr__(self) -> str:
        return (
            f"KnowledgeGraph(version={self.version!r}, entities={len(self)}, "
            f"relations={self._relation_count}, packs={self.packs!r})"
        )

    # -- networkx -------------------------------------------------------------
    @property
    def graph(self) -> nx.MultiDiGraph:
        """The frozen networkx ``MultiDiGraph`` (built on first access when loaded from parts)."""
        graph = self._graph
        if graph is None:
            with self._lock:
                graph = self._graph
                if graph is None:
                    graph = self._networkx()
                    object.__setattr__(self, "_graph", graph)
        return graph

    def derived(self, name: str, build: Callable[[KnowledgeGraph], T]) -> T:
        """``build(self)``, made once per graph and kept under ``name``: an index a query
        module derives from the graph (the graph never changes, so neither does it)."""
        found = self._derived.get(name)
        if found is None:
            with self._lock:
                found = self._derived.get(name)
                if found is None:
                    found = self._derived[name] = build(self)
        return found  # type: ignore[return-value]

    def _networkx(self) -> nx.MultiDiGraph:
        graph = nx.MultiDiGraph()
        graph.add_nodes_from((entity_id, {"entity": e}) for entity_id, e in self._entities.items())
        graph.add_edges_from(
            (r.source, r.target, r.type, {"relation": r})
            for source in self._entities
            for r in self._outgoing.get(source, _EMPTY)
        )
        return nx.freeze(graph)

    # -- entities -------------------------------------------------------------
    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self._entities

    def __len__(self) -> int:
        return len(self._entities)

    def get(self, entity_id: str) -> Entity | None:
        """The entity with that id, or None."""
        return self._entities.get(entity_id)

    def entity(self, entity_id: str, field: str = "id") -> Entity:
        """The entity with that id; raises :class:`EntityNotFound` naming ``field``."""
        found = self._entities.get(entity_id)
        if found is None:
            raise EntityNotFound(entity_id, field)
        return found

    def entities(self, kind: EntityKind | None = None) -> Sequence[Entity]:
        """All entities (of one kind), in id order."""
        if kind is not None:
            return self._by_kind.get(kind, ())
        return list(self._entities.values())

    # -- relations ------------------------------------------------------------
    def relations(self) -> Iterator[Relation]:
        for entity_id in self._entities:
            yield from self._outgoing.get(entity_id, _EMPTY)

    def outgoing(self, entity_id: str, type: RelationType | None = None) -> list[Relation]:
        """Relations whose source is ``entity_id`` (of one type), grouped by target in the
        order networkx keeps them (targets of the first type first)."""
        found = self._outgoing.get(entity_id, _EMPTY)
        if type is None:
            return list(found)
        return [r for r in found if r.type == type]

    def incoming(self, entity_id: str, type: RelationType | None = None) -> list[Relation]:
        """Relations whose target is ``entity_id`` (of one type), in source order."""
        found = self._incoming.get(entity_id, _EMPTY)
        if type is None:
            return list(found)
        return [r for r in found if r.type == type]

    def targets(self, entity_id: str, type: RelationType) -> list[Entity]:
        return [self.entity(r.target) for r in self.outgoing(entity_id, type)]

    def number_of_relations(self) -> int:
        return self._relation_count

    # -- indexes for the reasoning layer ----------------------------------------
    def stack_neighbours(self, entity_id: str) -> tuple[str, ...]:
        """Entities one stack relation (``runs_on``) away from ``entity_id``, either way, by id."""
        return self._stack_adjacent.get(entity_id, ())

    def failure_dependents(self, entity_id: str) -> tuple[Relation, ...]:
        """Relations ``X <type> entity_id`` along which a failure of ``entity_id`` reaches X
        (types in :data:`FAILURE_TYPES`), ordered by X, then by that tuple's order."""
        return self._dependents.get(entity_id, _EMPTY)


_ID = attrgetter("id")
_TYPE_AND_TARGET = attrgetter("type", "target")


def _by_dependant(relation: Relation) -> tuple[str, int]:
    return relation.source, _FAILURE_RANK[relation.type]


def _networkx_order(relations: list[Relation]) -> tuple[Relation, ...]:
    """One source's relations as networkx's ``out_edges`` yields them once added sorted by
    (type, target): grouped by target in order of the target's first appearance."""
    if len(relations) > 1:
        relations.sort(key=_TYPE_AND_TARGET)
        if len({r.target for r in relations}) != len(relations):
            groups: dict[str, list[Relation]] = {}
            for relation in relations:
                groups.setdefault(relation.target, []).append(relation)
            return tuple(r for group in groups.values() for r in group)
    return tuple(relations)


_Indexes = tuple[
    dict[str, tuple[str, ...]], dict[str, tuple[Relation, ...]], dict[str, tuple[Relation, ...]]
]


def _indexes(outgoing: dict[str, tuple[Relation, ...]], with_incoming: bool) -> _Indexes:
    """Stack adjacency and failure dependents (and, if asked, incoming relations in the
    order ``outgoing`` meets them), in one pass over every relation."""
    incoming: dict[str, list[Relation]] = {}
    stack: dict[str, set[str]] = {}
    dependents: dict[str, list[Relation]] = {}
    for found in outgoing.values():
        for relation in found:
            target, type_ = relation.target, relation.type
            if with_incoming:
                into = incoming.get(target)
                if into is None:
                    incoming[target] = [relation]
                else:
                    into.append(relation)
            if type_ in _INDEXED_TYPES:
                if type_ in STACK_TYPES:
                    stack.setdefault(relation.source, set()).add(target)
                    stack.setdefault(target, set()).add(relation.source)
                if type_ in _FAILURE_RANK:
                    dependents.setdefault(target, []).append(relation)
    return (
        {node: tuple(sorted(ends)) for node, ends in stack.items()},
        {
            node: tuple(sorted(found, key=_by_dependant) if len(found) > 1 else found)
            for node, found in dependents.items()
        },
        {node: tuple(found) for node, found in incoming.items()},
    )

"""What changed between two versions of the graph: entities and relations added, removed, changed.

An entity is identified by its id and a relation by ``(source, type, target)``: the loader
refuses a second declaration of either, so each identity names one item per graph. An
item in both graphs has *changed* when what it says differs: an entity's kind, name,
summary, aliases, attributes or sources; a relation's attributes or sources. Where it is
declared (its ``origin``, a ``file:line`` of the pack) is not what it says and is not
compared: moving a declaration within its YAML changes nothing here.

Sources are compared as citations of ``(document, quote)``: one still citing the same
quote of the same document, but at another line or under another heading, has *moved*
(what an edit above the quote does, and ``archgraph reanchor`` follows); one only in the
newer graph is *added*, one only in the older *removed* (a reworded quote is both). The
equal ones are paired first, then the rest in the order they are listed.

The diff is linear in the size of the two graphs (a set difference of ids and keys, then
a comparison of the items in both); the GraphQL layer runs it off the event loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from service.domain import Entity, Relation, Source
from service.knowledge import KnowledgeGraph

ENTITY_FIELDS = ("kind", "name", "summary", "aliases", "attributes", "sources")
RELATION_FIELDS = ("attributes", "sources")
RelationKey = tuple[str, str, str]
K = TypeVar("K", str, RelationKey)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class CitationMove:
    """One quote still cited from the same document, now at another line or section."""

    before: Source
    after: Source


@dataclass(frozen=True, slots=True)
class CitationChanges:
    """How one item's sources changed; empty when they only changed order."""

    moved: tuple[CitationMove, ...] = ()
    added: tuple[Source, ...] = ()
    removed: tuple[Source, ...] = ()


@dataclass(frozen=True, slots=True)
class EntityChange:
    """An entity in both graphs whose ``fields`` (of :data:`ENTITY_FIELDS`) differ."""

    before: Entity
    after: Entity
    fields: tuple[str, ...]
    citations: CitationChanges


@dataclass(frozen=True, slots=True)
class RelationChange:
    """A relation in both graphs whose ``fields`` (of :data:`RELATION_FIELDS`) differ."""

    before: Relation
    after: Relation
    fields: tuple[str, ...]
    citations: CitationChanges


@dataclass(frozen=True, slots=True)
class GraphChanges:
    """Everything that differs from graph version ``before`` to ``after``, each list by id."""

    before: str
    after: str
    entities_added: tuple[Entity, ...] = ()
    entities_removed: tuple[Entity, ...] = ()
    entities_changed: tuple[EntityChange, ...] = ()
    relations_added: tuple[Relation, ...] = ()
    relations_removed: tuple[Relation, ...] = ()
    relations_changed: tuple[RelationChange, ...] = ()


def graph_changes(before: KnowledgeGraph, after: KnowledgeGraph) -> GraphChanges:
    """What changed from graph ``before`` to graph ``after``.

    Parameters
    ----------
    before, after : two loaded graphs (usually two versions of the same packs).

    Returns
    -------
    GraphChanges : added, removed and changed entities (by id) and relations (by source,
        type, target); nothing when both have the same version.

    Examples
    --------
    >>> kg = load_graph()
    >>> graph_changes(kg, kg).entities_changed
    ()
    """
    if before is after or before.version == after.version:
        return GraphChanges(before.version, after.version)
    old_entities = {e.id: e for e in before.entities()}
    new_entities = {e.id: e for e in after.entities()}
    entity_changes = [
        change
        for id_ in sorted(old_entities.keys() & new_entities.keys())
        if (change := _entity_change(old_entities[id_], new_entities[id_])) is not None
    ]
    old_relations = _by_key(before.relations())
    new_relations = _by_key(after.relations())
    relation_changes = [
        found
        for key in sorted(old_relations.keys() & new_relations.keys())
        if (found := _relation_change(old_relations[key], new_relations[key])) is not None
    ]
    return GraphChanges(
        before=before.version,
        after=after.version,
        entities_added=_only_in(new_entities, old_entities),
        entities_removed=_only_in(old_entities, new_entities),
        entities_changed=tuple(entity_changes),
        relations_added=_only_in(new_relations, old_relations),
        relations_removed=_only_in(old_relations, new_relations),
        relations_changed=tuple(relation_changes),
    )


def citation_changes(before: Sequence[Source], after: Sequence[Source]) -> CitationChanges:
    """How the sources ``before`` became ``after``: moved, added and removed citations.

    >>> old = Source("notes.md", "Intro", 3, "Apps run")
    >>> citation_changes([old], [Source("notes.md", "Intro", 5, "Apps run")]).moved[0].after.line
    5
    """
    unmatched = list(after)
    left: list[Source] = []
    for source in before:
        if source in unmatched:
            unmatched.remove(source)
        else:
            left.append(source)
    moved: list[CitationMove] = []
    removed: list[Source] = []
    for source in left:
        twin = next((s for s in unmatched if _cites(s) == _cites(source)), None)
        if twin is None:
            removed.append(source)
        else:
            unmatched.remove(twin)
            moved.append(CitationMove(source, twin))
    return CitationChanges(tuple(moved), tuple(unmatched), tuple(removed))


def _cites(source: Source) -> tuple[str, str, bool]:
    return source.document, source.quote, source.external


def _entity_change(before: Entity, after: Entity) -> EntityChange | None:
    fields = tuple(f for f in ENTITY_FIELDS if getattr(before, f) != getattr(after, f))
    if not fields:
        return None
    return EntityChange(before, after, fields, citation_changes(before.sources, after.sources))


def _relation_change(before: Relation, after: Relation) -> RelationChange | None:
    fields = tuple(f for f in RELATION_FIELDS if getattr(before, f) != getattr(after, f))
    if not fields:
        return None
    return RelationChange(before, after, fields, citation_changes(before.sources, after.sources))


def _by_key(relations: Iterable[Relation]) -> dict[RelationKey, Relation]:
    return {(r.source, r.type.value, r.target): r for r in relations}


def _only_in(ours: dict[K, V], theirs: dict[K, V]) -> tuple[V, ...]:
    return tuple(ours[key] for key in sorted(ours.keys() - theirs.keys()))

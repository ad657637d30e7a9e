"""Root field ``changes(from, to)``: what changed between two kept versions of the graph.

The resolver finds both graphs among the versions the server keeps (context
``versions``; ``to`` defaults to the version the request is answered from) and calls
:func:`service.queries.changes.graph_changes` off the event loop. Entities and relations
are given as snapshots, what that version said: a removed entity has no relations to
follow in the graph the request is answered from.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from service import domain
from service.api.context import Info
from service.api.offload import run_heavy
from service.api.types import Attribute, EntityKind, RelationType, Source, entity_fields
from service.knowledge import KnowledgeGraph
from service.queries import changes


@strawberry.type(description="An entity as one version of the graph declared it.")
class EntitySnapshot:
    id: strawberry.ID
    kind: EntityKind
    name: str
    summary: str
    aliases: list[str]
    attributes: list[Attribute]
    sources: list[Source]

    @classmethod
    def from_domain(cls, entity: domain.Entity) -> EntitySnapshot:
        return cls(**entity_fields(entity))


@strawberry.type(description="A relation as one version of the graph declared it.")
class RelationSnapshot:
    source: strawberry.ID
    type: RelationType
    target: strawberry.ID
    attributes: list[Attribute]
    sources: list[Source]

    @classmethod
    def from_domain(cls, relation: domain.Relation) -> RelationSnapshot:
        return cls(
            source=strawberry.ID(relation.source),
            type=relation.type,
            target=strawberry.ID(relation.target),
            attributes=Attribute.many(relation.attributes),
            sources=Source.many(relation.sources),
        )


@strawberry.type(description="A quote still cited from its document, at another line or section.")
class CitationMove:
    before: Source
    after: Source


@strawberry.type(description="How an item's citations changed between the two versions.")
class CitationChanges:
    moved: list[CitationMove]
    added: list[Source] = strawberry.field(description="Citations only the newer version has.")
    removed: list[Source] = strawberry.field(description="Citations only the older version had.")

    @classmethod
    def from_domain(cls, found: changes.CitationChanges) -> CitationChanges:
        return cls(
            moved=[
                CitationMove(before=Source.from_domain(m.before), after=Source.from_domain(m.after))
                for m in found.moved
            ],
            added=Source.many(found.added),
            removed=Source.many(found.removed),
        )


@strawberry.type(description="An entity in both versions that says something else.")
class EntityChange:
    id: strawberry.ID
    fields: list[str] = strawberry.field(
        description="What differs: kind, name, summary, aliases, attributes, sources."
    )
    before: EntitySnapshot
    after: EntitySnapshot
    citations: CitationChanges

    @classmethod
    def from_domain(cls, change: changes.EntityChange) -> EntityChange:
        return cls(
            id=strawberry.ID(change.after.id),
            fields=list(change.fields),
            before=EntitySnapshot.from_domain(change.before),
            after=EntitySnapshot.from_domain(change.after),
            citations=CitationChanges.from_domain(change.citations),
        )


@strawberry.type(description="A relation in both versions that says something else.")
class RelationChange:
    source: strawberry.ID
    type: RelationType
    target: strawberry.ID
    fields: list[str] = strawberry.field(description="What differs: attributes, sources.")
    before: RelationSnapshot
    after: RelationSnapshot
    citations: CitationChanges

    @classmethod
    def from_domain(cls, change: changes.RelationChange) -> RelationChange:
        after = change.after
        return cls(
            source=strawberry.ID(after.source),
            type=after.type,
            target=strawberry.ID(after.target),
            fields=list(change.fields),
            before=RelationSnapshot.from_domain(change.before),
            after=RelationSnapshot.from_domain(after),
            citations=CitationChanges.from_domain(change.citations),
        )


@strawberry.type(description="What changed from one graph version to another, each list by id.")
class GraphChanges:
    from_: str = strawberry.field(name="from", description="The older graph version.")
    to: str = strawberry.field(description="The newer graph version.")
    entities_added: list[EntitySnapshot]
    entities_removed: list[EntitySnapshot]
    entities_changed: list[EntityChange]
    relations_added: list[RelationSnapshot]
    relations_removed: list[RelationSnapshot]
    relations_changed: list[RelationChange]

    @classmethod
    def from_domain(cls, found: changes.GraphChanges) -> GraphChanges:
        return cls(
            from_=found.before,
            to=found.after,
            entities_added=[EntitySnapshot.from_domain(e) for e in found.entities_added],
            entities_removed=[EntitySnapshot.from_domain(e) for e in found.entities_removed],
            entities_changed=[EntityChange.from_domain(c) for c in found.entities_changed],
            relations_added=[RelationSnapshot.from_domain(r) for r in found.relations_added],
            relations_removed=[RelationSnapshot.from_domain(r) for r in found.relations_removed],
            relations_changed=[RelationChange.from_domain(c) for c in found.relations_changed],
        )


@strawberry.type
class ChangesQuery:
    @strawberry.field(
        description=(
            "What changed between two graph versions the server still keeps: entities and "
            "relations added, removed and changed, citations that moved. `to` defaults to "
            "the version this request is answered from; a version no longer kept is an "
            "error naming the current one."
        )
    )
    async def changes(
        self,
        info: Info,
        from_: Annotated[str, strawberry.argument(name="from")],
        to: str | None = None,
    ) -> GraphChanges:
        before = _kept(info, from_, "from")
        after = info.context.kg if to is None else _kept(info, to, "to")
        return GraphChanges.from_domain(await run_heavy(changes.graph_changes, before, after))


def _kept(info: Info, version: str, field: str) -> KnowledgeGraph:
    """The graph of ``version``: the request's own, or one the server keeps."""
    if version == info.context.kg.version:
        return info.context.kg
    return info.context.versions.graph(version, field=field)

"""Blast radius: what fails, or is exposed, when one entity fails.

Failure travels against relations whose meaning has ``propagates_failure`` set:
``X runs_on Y``, ``X uses_kernel Y``, ``X runs_os Y``, ``X part_of Y`` all mean that
when Y fails, X fails. A breadth-first search from the failed entity gives every
affected entity the shortest chain of such relations that explains it.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.domain import Entity, Relation, RelationType, Source
from service.errors import InvalidArgument
from service.knowledge import FAILURE_TYPES, KnowledgeGraph

MAX_DEPTH = 16
MAX_AFFECTED = 1000

# How each relation type reads between two entity names ("Container uses Shared host kernel").
VERBS = {
    RelationType.RUNS_ON: "runs on",
    RelationType.USES_KERNEL: "uses",
    RelationType.RUNS_OS: "runs",
    RelationType.PART_OF: "is part of",
}
# Failure-propagating relation types, in the order a hop prefers them when several link a pair.
FAILING_TYPES = FAILURE_TYPES


@dataclass(frozen=True, slots=True)
class Impact:
    """One affected entity and the chain that explains it.

    ``path`` runs from the failed origin to ``entity``; ``relations[i]`` links
    ``path[i + 1]`` (its source) to ``path[i]`` (its target). ``distance`` is the
    number of hops.
    """

    entity: Entity
    path: tuple[Entity, ...]
    relations: tuple[Relation, ...]
    explanation: str

    @property
    def distance(self) -> int:
        return len(self.relations)

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(dict.fromkeys(s for r in self.relations for s in r.sources))


@dataclass(frozen=True, slots=True)
class BlastRadius:
    """Everything a failure of ``origin`` reaches, nearest first (ties by id).

    ``truncated`` is true when the search stopped at its depth or result bound;
    ``note`` then says which.
    """

    origin: Entity
    affected: tuple[Impact, ...]
    truncated: bool = False
    note: str | None = None


def blast_radius(
    kg: KnowledgeGraph, entity_id: str, max_depth: int = MAX_DEPTH, limit: int = MAX_AFFECTED
) -> BlastRadius:
    """What fails or is exposed when ``entity_id`` fails.

    Parameters
    ----------
    kg : the knowledge graph.
    entity_id : the entity that fails.
    max_depth : 1..16, the longest chain of relations followed.
    limit : 1..1000, the most affected entities returned.

    Returns
    -------
    BlastRadius : the affected entities ordered by distance, then id, each with the
        shortest path from the origin (among equally short ones, through the entity
        whose id sorts first), a generated explanation and the hops' sources.

    Raises
    ------
    EntityNotFound : ``entity_id`` is unknown (field ``id``).
    InvalidArgument : ``max_depth`` or ``limit`` is out of range.

    Examples
    --------
    >>> [i.entity.id for i in blast_radius(kg, "host-kernel").affected]
    ['container']
    """
    origin = kg.entity(entity_id, "id")
    if not 1 <= max_depth <= MAX_DEPTH:
        raise InvalidArgument("maxDepth", f"must be between 1 and {MAX_DEPTH}, got {max_depth}")
    if not 1 <= limit <= MAX_AFFECTED:
        raise InvalidArgument("limit", f"must be between 1 and {MAX_AFFECTED}, got {limit}")

    # parent[x] is the relation through which x was first reached (x is its source).
    parent: dict[str, Relation | None] = {origin.id: None}
    affected: list[Impact] = []
    frontier = [origin.id]
    for _depth in range(max_depth):
        reached: dict[str, Relation] = {}
        for failed in frontier:
            for relation in _dependents(kg, failed):
                if relation.source not in parent and relation.source not in reached:
                    reached[relation.source] = relation
        frontier = sorted(reached)
        for node in frontier:
            parent[node] = reached[node]
            if len(affected) == limit:
                note = f"stopped after {limit} affected entities; more fail further out"
                return BlastRadius(origin, tuple(affected), truncated=True, note=note)
            affected.append(_impact(kg, origin, node, parent))
        if not frontier:
            return BlastRadius(origin, tuple(affected))
    if any(r.source not in parent for node in frontier for r in _dependents(kg, node)):
        note = f"stopped at depth {max_depth}; more fail further out"
        return BlastRadius(origin, tuple(affected), truncated=True, note=note)
    return BlastRadius(origin, tuple(affected))


def _dependents(kg: KnowledgeGraph, failed: str) -> tuple[Relation, ...]:
    """Relations ``X <type> failed`` along which the failure spreads to X, by X then type
    (an index of the graph: no filtering of ``failed``'s other relations)."""
    return kg.failure_dependents(failed)


def _impact(
    kg: KnowledgeGraph, origin: Entity, node: str, parent: dict[str, Relation | None]
) -> Impact:
    relations: list[Relation] = []
    step = parent[node]
    while step is not None:
        relations.append(step)
        step = parent[step.target]
    relations.reverse()
    path = (origin, *(kg.entity(r.source) for r in relations))
    return Impact(
        entity=path[-1],
        path=path,
        relations=tuple(relations),
        explanation=_explanation(kg, origin, path, relations),
    )


def _explanation(
    kg: KnowledgeGraph, origin: Entity, path: tuple[Entity, ...], relations: list[Relation]
) -> str:
    """``<X> uses <Y>[, which …]; …: when <origin> fails, <consequence>.``

    Clauses run from the affected entity down to the origin; a ``shared`` attribute
    on the origin says whether its failure reaches every dependant or only one.
    """
    clauses = []
    for relation in reversed(relations):
        dependant, dependency = kg.entity(relation.source), kg.entity(relation.target)
        verb = VERBS.get(relation.type, relation.type.value.replace("_", " "))
        clauses.append(f"{dependant.name} {verb} {dependency.name}")
    entity, shared = path[-1], origin.attributes.get("shared")
    if len(relations) > 1:
        consequence = f"{entity.name} fails too"
    elif shared is True:
        consequence = f"every {entity.name} on it fails"
    elif shared is False:
        consequence = f"only the {entity.name} it belongs to fails, as it is not shared"
    else:
        consequence = f"{entity.name} fails with it"
    return f"{'; '.join(clauses)}: when {origin.name} fails, {consequence}."

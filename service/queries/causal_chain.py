"""The causal chain of a failure, read from the graph.

The chain starts at the ``event`` entity whose ``failure_event`` attribute names the
event and follows ``causes`` relations. Each relation is one step; its ``actor``
attribute names the entity that acts, its ``after_seconds`` the delay from the step
before (so ``at_seconds`` is the earliest time the step can happen, counted from the
event), its ``condition`` when it applies. Steps are ordered by time, then causally
(topologically), then as the data lists them.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from service.domain import Entity, EntityKind, Relation, RelationType
from service.errors import InvalidArgument
from service.knowledge import KnowledgeGraph
from service.simulation.events import ClusterEvent, as_cluster_event


@dataclass(frozen=True, slots=True)
class ChainLink:
    """One ``causes`` relation of a chain and when it happens, in seconds from the event."""

    relation: Relation
    at_seconds: float | None


def causal_chain(kg: KnowledgeGraph, event: ClusterEvent | str) -> list[ChainLink]:
    """The ``causes`` relations reachable from ``event``'s entity, in the order they happen.

    Raises
    ------
    InvalidArgument : no event entity carries ``failure_event: <event>``.
    """
    event = as_cluster_event(event)
    start = event_entity(kg, event).id
    discovered = {start: 0}
    relations: list[Relation] = []
    queue = deque([start])
    while queue:
        for relation in kg.outgoing(queue.popleft(), RelationType.CAUSES):
            relations.append(relation)
            if relation.target not in discovered:
                discovered[relation.target] = len(discovered)
                queue.append(relation.target)
    times = _earliest_times(start, relations)
    position = _topological_positions(discovered, relations)
    links = [
        ChainLink(relation, _at(times.get(relation.source), delay_seconds(relation)))
        for relation in relations
    ]
    return sorted(
        links,
        key=lambda link: (
            link.at_seconds is None,
            link.at_seconds or 0.0,
            position[link.relation.source],
            _origin_order(link.relation),
        ),
    )


def delay_seconds(relation: Relation) -> float | None:
    """The relation's ``after_seconds``; None when missing or not a non-negative number."""
    value = relation.attributes.get("after_seconds")
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return float(value)


# -- pieces -----------------------------------------------------------------------------------
def event_entity(kg: KnowledgeGraph, event: ClusterEvent) -> Entity:
    for entity in kg.entities(EntityKind.EVENT):
        if entity.attributes.get("failure_event") == event.value:
            return entity
    raise InvalidArgument(
        "event", f"no event entity of the graph has failure_event {event.value!r}"
    )


def _at(start: float | None, delay: float | None) -> float | None:
    return None if start is None or delay is None else start + delay


def _earliest_times(start: str, relations: Sequence[Relation]) -> dict[str, float]:
    """Dijkstra over the delays (all non-negative); unknown delays reach nothing."""
    out: dict[str, list[Relation]] = {}
    for relation in relations:
        out.setdefault(relation.source, []).append(relation)
    times: dict[str, float] = {}
    heap = [(0.0, start)]
    while heap:
        at, node = heapq.heappop(heap)
        if node in times:
            continue
        times[node] = at
        for relation in out.get(node, ()):
            delay = delay_seconds(relation)
            if delay is not None and relation.target not in times:
                heapq.heappush(heap, (at + delay, relation.target))
    return times


def _topological_positions(
    discovered: dict[str, int], relations: Sequence[Relation]
) -> dict[str, int]:
    """Kahn's order, ties by discovery; nodes on a cycle follow in discovery order."""
    indegree = dict.fromkeys(discovered, 0)
    out: dict[str, list[str]] = {}
    for relation in relations:
        indegree[relation.target] += 1
        out.setdefault(relation.source, []).append(relation.target)
    ready = [(discovered[n], n) for n, degree in indegree.items() if degree == 0]
    heapq.heapify(ready)
    position: dict[str, int] = {}
    while ready:
        _, node = heapq.heappop(ready)
        position[node] = len(position)
        for target in out.get(node, ()):
            indegree[target] -= 1
            if indegree[target] == 0:
                heapq.heappush(ready, (discovered[target], target))
    for node in sorted(discovered, key=discovered.__getitem__):
        position.setdefault(node, len(position))
    return position


def _origin_order(relation: Relation) -> tuple[str, int]:
    """Declaration order: file, then line, so the data's order breaks ties."""
    return (relation.origin_file, relation.origin_line)

"""Paths through a platform stack: how layers sit on each other between two entities.

A stack hop is a relation whose meaning has ``stack`` set (``runs_on``); it can be
walked down (``runs_on``) or up (its inverse, ``hosts``). The searches walk the
graph's precomputed stack adjacency (:meth:`KnowledgeGraph.stack_neighbours`), so a
call copies nothing and only touches the entities near the two ends, however many
other relations the graph holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

from service.domain import RELATION_MEANINGS, Entity, Relation, RelationType, Source
from service.errors import InvalidArgument
from service.knowledge import KnowledgeGraph

DEFAULT_MAX_HOPS = 8
MAX_HOPS_LIMIT = 16
MAX_PATHS = 50
# Dead ends the path search may walk into before it gives up, so that no graph
# shape (however dense) makes one query unbounded.
MAX_EXPANSIONS = 200_000


@dataclass(frozen=True, slots=True)
class StackLayer:
    """One entity of a path with the kernel it executes on and its isolation tier."""

    entity: Entity
    kernel: Entity | None
    isolation: Entity | None


@dataclass(frozen=True, slots=True)
class StackHop:
    """One step from ``source`` to ``target`` along a stack relation.

    ``label`` reads the relation in the walking direction: its type going down
    (``runs_on``), its inverse going up (``hosts``). ``isolation_boundary`` is the
    isolation tier of the upper (hosted) end, the boundary the hop crosses.
    """

    source: Entity
    target: Entity
    relation: Relation
    label: str
    isolation_boundary: Entity | None

    @property
    def sources(self) -> tuple[Source, ...]:
        return self.relation.sources


@dataclass(frozen=True, slots=True)
class StackPath:
    """Layers from the start to the end, the hops between them and two aggregates."""

    layers: tuple[StackLayer, ...]
    hops: tuple[StackHop, ...]
    strongest_isolation: Entity | None
    kernel_count: int


def stack_path(kg: KnowledgeGraph, source: str, target: str) -> StackPath | None:
    """The shortest stack path from ``source`` to ``target``, walking stack relations either way.

    Among equally short paths the one whose ids sort first is returned, so the
    answer is the first of :func:`stack_paths`.

    Parameters
    ----------
    kg : the knowledge graph.
    source, target : entity ids (the GraphQL arguments ``from`` and ``to``).

    Returns
    -------
    StackPath or None : None when no stack path joins them.

    Raises
    ------
    EntityNotFound : ``source`` (field ``from``) or ``target`` (field ``to``) is unknown.

    Examples
    --------
    >>> [layer.entity.id for layer in stack_path(kg, "container", "virtual-machine").layers]
    ['container', 'kubernetes', 'virtual-machine']
    """
    kg.entity(source, "from")
    kg.entity(target, "to")
    path = _first_shortest_path(kg, source, target)
    return _build(kg, path) if path is not None else None


def stack_paths(
    kg: KnowledgeGraph,
    source: str,
    target: str,
    max_hops: int = DEFAULT_MAX_HOPS,
    limit: int = MAX_PATHS,
) -> list[StackPath]:
    """Simple stack paths from ``source`` to ``target`` of at most ``max_hops`` hops.

    Parameters
    ----------
    kg : the knowledge graph.
    source, target : entity ids (the GraphQL arguments ``from`` and ``to``).
    max_hops : 1..16, the longest path considered.
    limit : 1..50, the most paths returned.

    Returns
    -------
    list of StackPath : shortest first, equally long ones in the order of their ids;
        empty when none joins them within ``max_hops``. On pathologically dense
        graphs the walk also stops after ``MAX_EXPANSIONS`` steps, returning the
        paths found so far.

    Raises
    ------
    EntityNotFound : ``source`` (field ``from``) or ``target`` (field ``to``) is unknown.
    InvalidArgument : ``max_hops`` (field ``maxHops``) or ``limit`` is out of range.
    """
    kg.entity(source, "from")
    kg.entity(target, "to")
    if not 1 <= max_hops <= MAX_HOPS_LIMIT:
        raise InvalidArgument("maxHops", f"must be between 1 and {MAX_HOPS_LIMIT}, got {max_hops}")
    if not 1 <= limit <= MAX_PATHS:
        raise InvalidArgument("limit", f"must be between 1 and {MAX_PATHS}, got {limit}")
    distances = _distances_to(kg, target, cutoff=max_hops)
    if source not in distances:
        return []
    found: list[list[str]] = []
    budget = [MAX_EXPANSIONS]
    for length in range(distances[source], max_hops + 1):
        for path in _paths_of_length(kg, source, target, length, distances, budget):
            found.append(path)
            if len(found) == limit:
                return [_build(kg, p) for p in found]
    return [_build(kg, p) for p in found]


def _first_shortest_path(kg: KnowledgeGraph, source: str, target: str) -> list[str] | None:
    """The shortest path whose ids sort first, by a bidirectional breadth-first search.

    Both ends grow a ball one whole layer at a time, the smaller frontier first,
    until the balls meet; a hub between the ends is thus never expanded. The path is
    then walked from ``source``, taking at each step the smallest id still on a
    shortest path.
    """
    ds, dt = {source: 0}, {target: 0}
    source_layers, frontier_s, frontier_t = [[source]], [source], [target]
    met = [source] if source == target else []
    while not met and frontier_s and frontier_t:
        if len(frontier_s) <= len(frontier_t):
            frontier_s = _grow(kg, frontier_s, ds)
            source_layers.append(frontier_s)
            met = [n for n in frontier_s if n in dt]
        else:
            frontier_t = _grow(kg, frontier_t, dt)
            met = [n for n in frontier_t if n in ds]
    if not met:
        return None
    neighbours = kg.stack_neighbours
    # Every node where the balls meet lies on a shortest path (ds + dt is the same for all).
    length = ds[met[0]] + dt[met[0]]
    meeting_depth = ds[met[0]]
    # Nodes of the source ball on a shortest path: those leading to the meeting layer.
    on_path = set(met)
    for depth in range(meeting_depth - 1, -1, -1):
        on_path.update(
            n
            for n in source_layers[depth]
            if any(m in on_path and ds[m] == depth + 1 for m in neighbours(n))
        )
    path = [source]
    for step in range(1, length + 1):
        node = path[-1]
        if step <= meeting_depth:
            path.append(min(m for m in neighbours(node) if ds.get(m) == step and m in on_path))
        else:
            path.append(min(m for m in neighbours(node) if dt.get(m) == length - step))
    return path


def _grow(kg: KnowledgeGraph, frontier: list[str], distances: dict[str, int]) -> list[str]:
    """The next layer of a breadth-first search, recording each new node's distance."""
    neighbours = kg.stack_neighbours
    layer: list[str] = []
    for node in frontier:
        for neighbour in neighbours(node):
            if neighbour not in distances:
                distances[neighbour] = distances[node] + 1
                layer.append(neighbour)
    return layer


def _distances_to(kg: KnowledgeGraph, target: str, cutoff: int) -> dict[str, int]:
    """Hops from each entity within ``cutoff`` of ``target`` to it."""
    distances, frontier = {target: 0}, [target]
    for _ in range(cutoff):
        if not frontier:
            break
        frontier = _grow(kg, frontier, distances)
    return distances


def _paths_of_length(
    kg: KnowledgeGraph,
    source: str,
    target: str,
    length: int,
    distances: dict[str, int],
    budget: list[int],
) -> Iterator[list[str]]:
    """Simple paths of exactly ``length`` hops, in the order of their ids.

    Only steps that can still reach ``target`` in the hops left are taken
    (``distances``), so the walk stays within the ball the BFS explored.
    """
    path, on_path = [source], {source}
    neighbours = kg.stack_neighbours  # sorted by id

    def extend(node: str, left: int) -> Iterator[list[str]]:
        if node == target:
            if left == 0:
                yield list(path)
            return
        for neighbour in neighbours(node):
            distance = distances.get(neighbour)  # None: farther than the search reaches
            if neighbour in on_path or distance is None or distance >= left:
                continue
            if budget[0] <= 0:
                return
            budget[0] -= 1
            path.append(neighbour)
            on_path.add(neighbour)
            yield from extend(neighbour, left - 1)
            path.pop()
            on_path.discard(neighbour)

    yield from extend(source, length)


def _build(kg: KnowledgeGraph, path: list[str]) -> StackPath:
    layers = tuple(
        StackLayer(
            entity=kg.entity(node),
            kernel=_first_target(kg, node, RelationType.USES_KERNEL),
            isolation=_first_target(kg, node, RelationType.ISOLATED_BY),
        )
        for node in path
    )
    hops = tuple(_hop(kg, a, b) for a, b in pairwise(path))
    isolations = {layer.isolation.id: layer.isolation for layer in layers if layer.isolation}
    strongest = max(isolations.values(), key=_strength, default=None)
    kernels = {layer.kernel.id for layer in layers if layer.kernel}
    return StackPath(layers, hops, strongest, len(kernels))


def _hop(kg: KnowledgeGraph, a: str, b: str) -> StackHop:
    """The hop from ``a`` to ``b``: down along ``a runs_on b`` if stored, else up along ``b runs_on a``."""
    for upper, lower, downwards in ((a, b, True), (b, a, False)):
        between = sorted(
            (r for r in kg.outgoing(upper) if r.target == lower), key=lambda r: r.type.value
        )
        for relation in between:
            meaning = RELATION_MEANINGS[relation.type]
            if meaning.stack:
                return StackHop(
                    source=kg.entity(a),
                    target=kg.entity(b),
                    relation=relation,
                    label=relation.type.value if downwards else meaning.inverse,
                    isolation_boundary=_first_target(kg, upper, RelationType.ISOLATED_BY),
                )
    raise LookupError(f"no stack relation between {a!r} and {b!r}")  # pragma: no cover


def _first_target(kg: KnowledgeGraph, entity_id: str, type: RelationType) -> Entity | None:
    relations = kg.outgoing(entity_id, type)
    return kg.entity(relations[0].target) if relations else None


def _strength(isolation: Entity) -> float:
    strength = isolation.attributes.get("strength", 0)
    return float(strength) if isinstance(strength, int | float) else 0.0

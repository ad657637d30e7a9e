"""Comparing two entities dimension by dimension, as the notes' comparison table does.

A platform ``has_value`` one dimension-value per row; each value is ``value_of`` its
dimension. The dimension's ``prefer`` (``lower``/``higher``/``neither``) and the values'
``ordinal`` decide which side is favourable; its ``criterion`` says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from service.domain import Entity, EntityKind, Relation, RelationType, Source
from service.errors import EntityNotFound, InvalidArgument
from service.knowledge import KnowledgeGraph


class Side(Enum):
    """Which side of a comparison a dimension favours."""

    LEFT = "left"
    RIGHT = "right"
    NEITHER = "neither"


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    """One dimension: each side's value (a dimension-value entity), the verdict and why."""

    dimension: Entity
    left: Entity
    right: Entity
    favours: Side
    rationale: str
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two entities compared, one row per dimension."""

    left: Entity
    right: Entity
    rows: tuple[ComparisonRow, ...]


def compare(
    kg: KnowledgeGraph, left: str, right: str, dimensions: Sequence[str] | None = None
) -> Comparison:
    """Compare ``left`` with ``right`` on ``dimensions`` (default: every dimension both rate).

    Parameters
    ----------
    kg : the knowledge graph.
    left, right : ids of entities with ``has_value`` relations (e.g. the two platforms).
    dimensions : dimension ids, answered in the order given (duplicates ignored); None
        means every dimension both sides have a value on, in the notes' table order
        (the order of the dimensions' source lines).

    Returns
    -------
    Comparison : a row per dimension with each side's value, the favoured side
        (``Side.NEITHER`` for a tie or a trade-off), a rationale built from the
        dimension's ``criterion`` and the values' ``level``, and the sources of both
        cells and of the dimension.

    Raises
    ------
    EntityNotFound : ``left``/``right`` names no entity, or a dimension id is unknown
        (the message lists the valid dimension ids).
    InvalidArgument : ``left``/``right`` has no comparison values, ``dimensions`` is
        empty, or names something that is not a dimension rated on both sides.

    Examples
    --------
    >>> [r.favours.name for r in compare(kg, "virtual-machine", "container").rows][:2]
    ['NEITHER', 'RIGHT']
    """
    left_entity, left_values = _side(kg, left, "left")
    right_entity, right_values = _side(kg, right, "right")
    common = sorted(
        (kg.entity(d) for d in left_values.keys() & right_values.keys()), key=table_order
    )
    chosen = common if dimensions is None else _chosen_dimensions(kg, dimensions, common)
    rows = tuple(
        _row(kg, dimension, left_entity, right_entity, left_values, right_values)
        for dimension in chosen
    )
    return Comparison(left=left_entity, right=right_entity, rows=rows)


def table_order(dimension: Entity) -> tuple[tuple[tuple[str, int], ...], str]:
    """Sort key putting dimensions in the order their sources appear in the documents."""
    positions = sorted((s.document, s.line or 0) for s in dimension.sources if not s.external)
    return tuple(positions), dimension.id


def comparable_entities(kg: KnowledgeGraph) -> list[str]:
    """Ids of the entities that have comparison values, in id order."""
    return sorted({r.source for r in kg.relations() if r.type is RelationType.HAS_VALUE})


def _side(kg: KnowledgeGraph, entity_id: str, field: str) -> tuple[Entity, dict[str, Relation]]:
    """The entity and its values keyed by dimension id (the ``has_value`` relation)."""
    entity = kg.entity(entity_id, field)
    values: dict[str, Relation] = {}
    for relation in kg.outgoing(entity_id, RelationType.HAS_VALUE):
        for rated in kg.outgoing(relation.target, RelationType.VALUE_OF):
            values.setdefault(rated.target, relation)
    if not values:
        valid = ", ".join(comparable_entities(kg))
        raise InvalidArgument(
            field, f"{entity_id!r} has no comparison values; entities that have: {valid}"
        )
    return entity, values


def _chosen_dimensions(
    kg: KnowledgeGraph, requested: Sequence[str], common: list[Entity]
) -> list[Entity]:
    if not requested:
        raise InvalidArgument("dimensions", "name at least one dimension, or omit the argument")
    valid = [d.id for d in common]
    chosen: list[Entity] = []
    for dimension_id in dict.fromkeys(requested):
        found = kg.get(dimension_id)
        if found is None:
            raise EntityNotFound(dimension_id, "dimensions", valid)
        if found.id not in valid:
            why = (
                "is not rated on both sides"
                if found.kind is EntityKind.DIMENSION
                else "is not a dimension"
            )
            raise InvalidArgument(
                "dimensions", f"{dimension_id!r} {why}; valid ids: {', '.join(valid)}"
            )
        chosen.append(found)
    return chosen


def _row(
    kg: KnowledgeGraph,
    dimension: Entity,
    left: Entity,
    right: Entity,
    left_values: dict[str, Relation],
    right_values: dict[str, Relation],
) -> ComparisonRow:
    left_value = kg.entity(left_values[dimension.id].target)
    right_value = kg.entity(right_values[dimension.id].target)
    favours = _favoured_side(dimension, left_value, right_value)
    sources = dict.fromkeys((*left_value.sources, *right_value.sources, *dimension.sources))
    return ComparisonRow(
        dimension=dimension,
        left=left_value,
        right=right_value,
        favours=favours,
        rationale=_rationale(dimension, favours, (left, left_value), (right, right_value)),
        sources=tuple(sources),
    )


def _favoured_side(dimension: Entity, left: Entity, right: Entity) -> Side:
    prefer = dimension.attributes.get("prefer")
    a, b = left.attributes.get("ordinal"), right.attributes.get("ordinal")
    if prefer not in ("lower", "higher") or not _is_number(a) or not _is_number(b) or a == b:
        return Side.NEITHER
    left_is_lower = a < b  # type: ignore[operator]
    return Side.LEFT if left_is_lower == (prefer == "lower") else Side.RIGHT


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _rationale(
    dimension: Entity, favours: Side, left: tuple[Entity, Entity], right: tuple[Entity, Entity]
) -> str:
    criterion = str(dimension.attributes.get("criterion", "")).strip()
    because = f": {criterion}" if criterion else ""

    def described(side: tuple[Entity, Entity]) -> str:
        entity, value = side
        return f"{entity.name} ({value.attributes.get('level', value.summary)})"

    if favours is not Side.NEITHER:
        winner, loser = (left, right) if favours is Side.LEFT else (right, left)
        return f"{described(winner)} beats {described(loser)}{because}."
    if dimension.attributes.get("prefer") in ("lower", "higher"):
        measure = dimension.attributes.get("measure", dimension.name.lower())
        return f"{described(left)} and {described(right)} rank the same on {measure}{because}."
    return f"{described(left)} vs {described(right)}{because}."

"""Answers of the reasoning fields: comparison, recommendation, stack paths, blast radius."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from archgraph_client.entities import JSON, Entity, EntityRef, Source, sources_from_json


class Side(StrEnum):
    """Which side of a comparison a dimension favours (GraphQL enum ``Side``)."""

    LEFT = "LEFT"
    RIGHT = "RIGHT"
    NEITHER = "NEITHER"


class Choice(StrEnum):
    """What the recommender can recommend (GraphQL enum ``Choice``)."""

    VIRTUAL_MACHINE = "VIRTUAL_MACHINE"
    CONTAINER = "CONTAINER"
    COMBINED = "COMBINED"


def _entity_or_none(data: JSON | None) -> Entity | None:
    return Entity.from_json(data) if data is not None else None


def _ref_or_none(data: JSON | None) -> EntityRef | None:
    return EntityRef.from_json(data) if data is not None else None


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    """One dimension: each side's value in the notes' words, and which side it favours, why."""

    dimension: Entity
    left: str
    right: str
    favours: Side
    rationale: str
    sources: tuple[Source, ...]

    @classmethod
    def from_json(cls, data: JSON) -> ComparisonRow:
        return cls(
            dimension=Entity.from_json(data["dimension"]),
            left=data["left"],
            right=data["right"],
            favours=Side(data["favours"]),
            rationale=data["rationale"],
            sources=sources_from_json(data["sources"]),
        )


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two entities compared dimension by dimension."""

    left: Entity
    right: Entity
    rows: tuple[ComparisonRow, ...]

    @classmethod
    def from_json(cls, data: JSON) -> Comparison:
        return cls(
            left=Entity.from_json(data["left"]),
            right=Entity.from_json(data["right"]),
            rows=tuple(ComparisonRow.from_json(r) for r in data["rows"]),
        )

    def row(self, dimension_id: str) -> ComparisonRow:
        """The row of one dimension, by the dimension's id; KeyError when absent."""
        for row in self.rows:
            if row.dimension.id == dimension_id:
                return row
        raise KeyError(dimension_id)


@dataclass(frozen=True, slots=True)
class RecommendationReason:
    """One requirement the recommender weighed: what it favours, why, and the sources."""

    requirement: Entity
    favours: Choice | None  # None: it favours neither a VM nor a container (another platform)
    explanation: str
    sources: tuple[Source, ...]

    @classmethod
    def from_json(cls, data: JSON) -> RecommendationReason:
        return cls(
            requirement=Entity.from_json(data["requirement"]),
            favours=None if data["favours"] is None else Choice(data["favours"]),
            explanation=data["explanation"],
            sources=sources_from_json(data["sources"]),
        )


@dataclass(frozen=True, slots=True)
class Recommendation:
    """VM, container or both, with the rules that fired."""

    choice: Choice | None  # None: the requirements point beyond the VM/container pair
    rationale: str
    reasons: tuple[RecommendationReason, ...]

    @classmethod
    def from_json(cls, data: JSON) -> Recommendation:
        return cls(
            choice=None if data["choice"] is None else Choice(data["choice"]),
            rationale=data["rationale"],
            reasons=tuple(RecommendationReason.from_json(r) for r in data["reasons"]),
        )


@dataclass(frozen=True, slots=True)
class StackLayer:
    """One layer of a stack path, with its kernel and isolation tier when it has them."""

    entity: Entity
    kernel: Entity | None
    isolation: Entity | None

    @classmethod
    def from_json(cls, data: JSON) -> StackLayer:
        return cls(
            entity=Entity.from_json(data["entity"]),
            kernel=_entity_or_none(data["kernel"]),
            isolation=_entity_or_none(data["isolation"]),
        )


@dataclass(frozen=True, slots=True)
class StackHop:
    """One step between adjacent layers: the relation and the isolation boundary it crosses.

    The ends and the boundary are references; the layers hold the same entities in full.
    """

    from_: EntityRef
    to: EntityRef
    relation: str
    isolation_boundary: EntityRef | None
    sources: tuple[Source, ...]

    @classmethod
    def from_json(cls, data: JSON) -> StackHop:
        return cls(
            from_=EntityRef.from_json(data["from"]),
            to=EntityRef.from_json(data["to"]),
            relation=data["relation"],
            isolation_boundary=_ref_or_none(data["isolationBoundary"]),
            sources=sources_from_json(data["sources"]),
        )


@dataclass(frozen=True, slots=True)
class StackPath:
    """Layers ordered from ``from`` to ``to``, the hops between them and aggregates."""

    layers: tuple[StackLayer, ...]
    hops: tuple[StackHop, ...]
    strongest_isolation: EntityRef | None
    kernel_count: int

    @property
    def layer_ids(self) -> tuple[str, ...]:
        """The ids of the layers, in order."""
        return tuple(layer.entity.id for layer in self.layers)

    @classmethod
    def from_json(cls, data: JSON) -> StackPath:
        return cls(
            layers=tuple(StackLayer.from_json(layer) for layer in data["layers"]),
            hops=tuple(StackHop.from_json(h) for h in data["hops"]),
            strongest_isolation=_ref_or_none(data["strongestIsolation"]),
            kernel_count=data["kernelCount"],
        )


@dataclass(frozen=True, slots=True)
class Impact:
    """Something that fails or is exposed, and the path of entities that explains why.

    ``path`` runs from the failed entity to this one, as references.
    """

    entity: Entity
    path: tuple[EntityRef, ...]
    explanation: str

    @classmethod
    def from_json(cls, data: JSON) -> Impact:
        return cls(
            entity=Entity.from_json(data["entity"]),
            path=tuple(EntityRef.from_json(e) for e in data["path"]),
            explanation=data["explanation"],
        )


@dataclass(frozen=True, slots=True)
class BlastRadius:
    """Everything affected when ``origin`` fails."""

    origin: Entity
    affected: tuple[Impact, ...]

    @property
    def affected_ids(self) -> tuple[str, ...]:
        return tuple(impact.entity.id for impact in self.affected)

    @classmethod
    def from_json(cls, data: JSON) -> BlastRadius:
        return cls(
            origin=Entity.from_json(data["origin"]),
            affected=tuple(Impact.from_json(i) for i in data["affected"]),
        )

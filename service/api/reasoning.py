"""Root fields that reason over the graph: comparison, recommendation, stack paths, blast radius.

Each resolver calls one pure function of :mod:`service.queries` and maps its result
with the ``from_domain`` classmethods below; the domain objects stay out of the schema.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from service import domain
from service.api.context import Info
from service.api.offload import run_heavy
from service.api.types import Entity, Source
from service.queries import blast, comparison, recommendation, stacks

# The query layer's enums become GraphQL enums as they are (LEFT, VIRTUAL_MACHINE, ...).
strawberry.enum(comparison.Side, description="Which side of a comparison is favourable.")
strawberry.enum(
    recommendation.Choice,
    description="A recommendation in the built-in notes' terms: a VM, containers or both.",
)
CHOICE_DEPRECATION = (
    "Meaningful for the VM/container pair only: null when a favoured entity stands for no "
    "Choice (e.g. a platform of your own pack). Use `favoured`, which answers for any set."
)
Side = comparison.Side
Choice = recommendation.Choice


def _entity(entity: domain.Entity | None) -> Entity | None:
    return Entity.from_domain(entity) if entity is not None else None


@strawberry.type(description="One dimension of a comparison: both values, the verdict and why.")
class ComparisonRow:
    dimension: Entity
    left: str = strawberry.field(description="The left side's value, in the notes' words.")
    right: str = strawberry.field(description="The right side's value, in the notes' words.")
    left_value: Entity = strawberry.field(description="The left side's value entity.")
    right_value: Entity = strawberry.field(description="The right side's value entity.")
    favours: Side
    rationale: str
    sources: list[Source] = strawberry.field(description="The two cells, then the dimension.")

    @classmethod
    def from_domain(cls, row: comparison.ComparisonRow) -> ComparisonRow:
        return cls(
            dimension=Entity.from_domain(row.dimension),
            left=row.left.summary,
            right=row.right.summary,
            left_value=Entity.from_domain(row.left),
            right_value=Entity.from_domain(row.right),
            favours=row.favours,
            rationale=row.rationale,
            sources=Source.many(row.sources),
        )


@strawberry.type(description="Two entities compared, one row per dimension.")
class Comparison:
    left: Entity
    right: Entity
    rows: list[ComparisonRow]

    @classmethod
    def from_domain(cls, result: comparison.Comparison) -> Comparison:
        return cls(
            left=Entity.from_domain(result.left),
            right=Entity.from_domain(result.right),
            rows=[ComparisonRow.from_domain(row) for row in result.rows],
        )


@strawberry.type(description="A requirement (or situation), what it favours and why.")
class RecommendationReason:
    requirement: Entity
    favours: Choice | None = strawberry.field(deprecation_reason=CHOICE_DEPRECATION)
    favoured: Entity = strawberry.field(description="The entity the requirement favours.")
    explanation: str
    sources: list[Source] = strawberry.field(description="The sources of the favours relation.")

    @classmethod
    def from_domain(cls, reason: recommendation.RecommendationReason) -> RecommendationReason:
        return cls(
            requirement=Entity.from_domain(reason.requirement),
            favours=reason.favours,
            favoured=Entity.from_domain(reason.favoured),
            explanation=reason.explanation,
            sources=Source.many(reason.sources),
        )


@strawberry.type(description="What serves a set of requirements, with the rules that fired.")
class Recommendation:
    choice: Choice | None = strawberry.field(deprecation_reason=CHOICE_DEPRECATION)
    favoured: Entity | None = strawberry.field(
        description="The entity that serves every requirement: the one they all favour, or "
        "the one combining the entities they split between (null when none does)."
    )
    favoured_entities: list[Entity] = strawberry.field(
        description="Every entity the requirements favour, first favoured first."
    )
    rationale: str
    reasons: list[RecommendationReason] = strawberry.field(description="One per requirement.")
    situations: list[RecommendationReason] = strawberry.field(
        description="The notes' 'combine both when' situations that justify combining "
        "requirements which favour different platforms."
    )
    sources: list[Source] = strawberry.field(description="Every reason's sources, once each.")

    @classmethod
    def from_domain(cls, result: recommendation.Recommendation) -> Recommendation:
        return cls(
            choice=result.choice,
            favoured=_entity(result.favoured),
            favoured_entities=[Entity.from_domain(e) for e in result.favoured_entities],
            rationale=result.rationale,
            reasons=[RecommendationReason.from_domain(r) for r in result.reasons],
            situations=[RecommendationReason.from_domain(r) for r in result.situations],
            sources=Source.many(result.sources),
        )


@strawberry.type(description="One layer of a stack path, with its kernel and isolation tier.")
class StackLayer:
    entity: Entity
    kernel: Entity | None
    isolation: Entity | None

    @classmethod
    def from_domain(cls, layer: stacks.StackLayer) -> StackLayer:
        return cls(
            entity=Entity.from_domain(layer.entity),
            kernel=_entity(layer.kernel),
            isolation=_entity(layer.isolation),
        )


@strawberry.type(description="One hop of a stack path, read in the walking direction.")
class StackHop:
    from_: Entity = strawberry.field(name="from")
    to: Entity
    relation: str = strawberry.field(description="`runs_on` going down, `hosts` going up.")
    isolation_boundary: Entity | None = strawberry.field(
        description="The isolation tier of the hop's upper (hosted) end."
    )
    sources: list[Source]

    @classmethod
    def from_domain(cls, hop: stacks.StackHop) -> StackHop:
        return cls(
            from_=Entity.from_domain(hop.source),
            to=Entity.from_domain(hop.target),
            relation=hop.label,
            isolation_boundary=_entity(hop.isolation_boundary),
            sources=Source.many(hop.sources),
        )


@strawberry.type(description="Layers from `from` to `to`, the hops between them, aggregates.")
class StackPath:
    layers: list[StackLayer]
    hops: list[StackHop]
    strongest_isolation: Entity | None = strawberry.field(
        description="The isolation tier of greatest `strength` along the path."
    )
    kernel_count: int = strawberry.field(description="Distinct kernels along the path.")

    @classmethod
    def from_domain(cls, path: stacks.StackPath) -> StackPath:
        return cls(
            layers=[StackLayer.from_domain(layer) for layer in path.layers],
            hops=[StackHop.from_domain(hop) for hop in path.hops],
            strongest_isolation=_entity(path.strongest_isolation),
            kernel_count=path.kernel_count,
        )


@strawberry.type(description="An entity a failure reaches, and the chain that explains it.")
class Impact:
    entity: Entity
    path: list[Entity] = strawberry.field(description="From the failed entity to this one.")
    distance: int = strawberry.field(description="Hops from the failed entity.")
    explanation: str
    sources: list[Source] = strawberry.field(description="The sources of the path's relations.")

    @classmethod
    def from_domain(cls, impact: blast.Impact) -> Impact:
        return cls(
            entity=Entity.from_domain(impact.entity),
            path=[Entity.from_domain(e) for e in impact.path],
            distance=impact.distance,
            explanation=impact.explanation,
            sources=Source.many(impact.sources),
        )


@strawberry.type(description="What fails or is exposed when `origin` fails, nearest first.")
class BlastRadius:
    origin: Entity
    affected: list[Impact]
    truncated: bool = strawberry.field(description="True when the search hit its bounds.")
    note: str | None = strawberry.field(description="Which bound stopped the search, if any.")

    @classmethod
    def from_domain(cls, result: blast.BlastRadius) -> BlastRadius:
        return cls(
            origin=Entity.from_domain(result.origin),
            affected=[Impact.from_domain(i) for i in result.affected],
            truncated=result.truncated,
            note=result.note,
        )


FromId = Annotated[strawberry.ID, strawberry.argument(name="from")]


@strawberry.type
class ReasoningQuery:
    @strawberry.field(
        description="Compare two entities (e.g. `virtual-machine`, `container`) per dimension; "
        "all the dimensions both rate, in the notes' order, unless `dimensions` names some."
    )
    async def comparison(
        self,
        info: Info,
        left: strawberry.ID,
        right: strawberry.ID,
        dimensions: list[strawberry.ID] | None = None,
    ) -> Comparison:
        return Comparison.from_domain(comparison.compare(info.context.kg, left, right, dimensions))

    @strawberry.field(description="The requirements and situations `recommendation` accepts.")
    async def requirements(self, info: Info) -> list[Entity]:
        return [Entity.from_domain(e) for e in recommendation.requirements(info.context.kg)]

    @strawberry.field(
        description="What serves all the requirements: the entity they favour, or the one "
        "combining those they split between; `among` counts only favours of these entities."
    )
    async def recommendation(
        self,
        info: Info,
        requirements: list[strawberry.ID],
        among: list[strawberry.ID] | None = None,
    ) -> Recommendation:
        result = recommendation.recommend(info.context.kg, requirements, among)
        return Recommendation.from_domain(result)

    @strawberry.field(description="The shortest stack path between two entities, or null.")
    async def stack_path(self, info: Info, from_: FromId, to: strawberry.ID) -> StackPath | None:
        path = await run_heavy(stacks.stack_path, info.context.kg, from_, to)
        return StackPath.from_domain(path) if path is not None else None

    @strawberry.field(
        description=f"Stack paths of at most `maxHops` (1..{stacks.MAX_HOPS_LIMIT}) hops, "
        f"shortest first, at most {stacks.MAX_PATHS}."
    )
    async def stack_paths(
        self,
        info: Info,
        from_: FromId,
        to: strawberry.ID,
        max_hops: int | None = stacks.DEFAULT_MAX_HOPS,
    ) -> list[StackPath]:
        hops = stacks.DEFAULT_MAX_HOPS if max_hops is None else max_hops
        paths = await run_heavy(stacks.stack_paths, info.context.kg, from_, to, hops)
        return [StackPath.from_domain(p) for p in paths]

    @strawberry.field(description="What fails or is exposed when the entity fails.")
    async def blast_radius(self, info: Info, id: strawberry.ID) -> BlastRadius:
        return BlastRadius.from_domain(await run_heavy(blast.blast_radius, info.context.kg, id))

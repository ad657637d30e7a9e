"""Each client method as data: the document, its variables and how to decode the answer.

Building an ``Operation`` does no I/O, so the sync and the async client share every
method's logic and differ only in how they send the request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from archgraph_client import documents
from archgraph_client.cluster import Resilience, ScenarioSummary, SchedulingResult
from archgraph_client.entities import Entity, EntityConnection, EntityDetail, EntityKind
from archgraph_client.failure import (
    AutoscalerInput,
    ClusterScenarioInput,
    FailureAnalysis,
    FailureEvent,
)
from archgraph_client.reasoning import BlastRadius, Comparison, Recommendation, StackPath

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
DEFAULT_MAX_HOPS = 8


@dataclass(frozen=True, slots=True)
class Operation(Generic[T]):
    """One GraphQL request and the decoder of its single root ``field``."""

    field: str
    document: str
    variables: Mapping[str, Any]
    decode: Callable[[Any], T]


def _ids(name: str, ids: Iterable[str]) -> list[str]:
    # A bare string is iterable too; sending its characters as ids would be a silent mistake.
    if isinstance(ids, str):
        raise TypeError(f"{name} must be a list of ids, not the string {ids!r}")
    return list(ids)


def _nullable(decode: Callable[[Any], T]) -> Callable[[Any], T | None]:
    return lambda data: decode(data) if data is not None else None


def entity(id: str) -> Operation[EntityDetail | None]:
    return Operation("entity", documents.ENTITY, {"id": id}, _nullable(EntityDetail.from_json))


def entities(
    kind: EntityKind | str | None = None,
    search: str | None = None,
    first: int = DEFAULT_PAGE_SIZE,
    after: str | None = None,
) -> Operation[EntityConnection]:
    variables = {
        "kind": EntityKind(kind).value if kind is not None else None,
        "search": search,
        "first": first,
        "after": after,
    }
    return Operation("entities", documents.ENTITIES, variables, EntityConnection.from_json)


def comparison(
    left: str, right: str, dimensions: Iterable[str] | None = None
) -> Operation[Comparison]:
    variables = {
        "left": left,
        "right": right,
        "dimensions": _ids("dimensions", dimensions) if dimensions is not None else None,
    }
    return Operation("comparison", documents.COMPARISON, variables, Comparison.from_json)


def requirements() -> Operation[tuple[Entity, ...]]:
    return Operation(
        "requirements",
        documents.REQUIREMENTS,
        {},
        lambda data: tuple(Entity.from_json(e) for e in data),
    )


def recommendation(requirements: Iterable[str]) -> Operation[Recommendation]:
    variables = {"requirements": _ids("requirements", requirements)}
    return Operation(
        "recommendation", documents.RECOMMENDATION, variables, Recommendation.from_json
    )


def stack_path(from_: str, to: str) -> Operation[StackPath | None]:
    return Operation(
        "stackPath",
        documents.STACK_PATH,
        {"from": from_, "to": to},
        _nullable(StackPath.from_json),
    )


def stack_paths(
    from_: str, to: str, max_hops: int = DEFAULT_MAX_HOPS
) -> Operation[tuple[StackPath, ...]]:
    return Operation(
        "stackPaths",
        documents.STACK_PATHS,
        {"from": from_, "to": to, "maxHops": max_hops},
        lambda data: tuple(StackPath.from_json(p) for p in data),
    )


def blast_radius(id: str) -> Operation[BlastRadius]:
    return Operation("blastRadius", documents.BLAST_RADIUS, {"id": id}, BlastRadius.from_json)


def failure_consequences(
    event: FailureEvent | str,
    target: str | None = None,
    scenario: ClusterScenarioInput | None = None,
    *,
    scenario_name: str | None = None,
    snapshot: str | None = None,
    autoscaler: AutoscalerInput | None = None,
) -> Operation[FailureAnalysis]:
    variables = {
        "event": FailureEvent(event).value,
        "target": target,
        "scenario": scenario.to_json() if scenario is not None else None,
        "scenarioName": scenario_name,
        "snapshot": snapshot,
        "autoscaler": autoscaler.to_json() if autoscaler is not None else None,
    }
    return Operation(
        "failureConsequences",
        documents.FAILURE_CONSEQUENCES,
        variables,
        FailureAnalysis.from_json,
    )


def scenarios() -> Operation[tuple[ScenarioSummary, ...]]:
    return Operation(
        "scenarios",
        documents.SCENARIOS,
        {},
        lambda data: tuple(ScenarioSummary.from_json(s) for s in data),
    )


def scheduling(
    scenario_name: str | None = None, snapshot: str | None = None
) -> Operation[SchedulingResult]:
    variables = {"scenarioName": scenario_name, "snapshot": snapshot}
    return Operation("scheduling", documents.SCHEDULING, variables, SchedulingResult.from_json)


def resilience(
    scenario_name: str | None = None, snapshot: str | None = None
) -> Operation[Resilience]:
    variables = {"scenarioName": scenario_name, "snapshot": snapshot}
    return Operation("resilience", documents.RESILIENCE, variables, Resilience.from_json)

"""Root fields about the user's own clusters: ``scenarios`` (what a server offers).

The named scenarios are the packs' ``scenarios/`` and the imported files of
``serve --scenarios DIR``; :mod:`service.queries.scenarios` counts what each holds.
"""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.queries import scenarios as domain


@strawberry.type(description="How many workloads of one kind a scenario has.")
class KindCount:
    kind: str = strawberry.field(description="Deployment, ReplicaSet, StatefulSet, DaemonSet, Job.")
    count: int


@strawberry.type(description="A named cluster scenario and what it holds before anything fails.")
class ScenarioSummary:
    name: str = strawberry.field(description="Its `scenarioName`.")
    origin: str = strawberry.field(
        description="`built-in` (a pack's scenarios/) or `imported` (serve --scenarios)."
    )
    description: str
    kubernetes_version: str = strawberry.field(
        description="The Kubernetes minor version whose semantics apply (1.31 … 1.34)."
    )
    node_count: int
    ready_node_count: int
    cordoned_node_count: int
    zones: list[str] = strawberry.field(description="topology.kubernetes.io/zone values.")
    pod_count: int = strawberry.field(
        description=(
            "The pods the simulation holds: bound to a node of the scenario or Pending, not "
            "finished, plus those the workload controllers will create from templates."
        )
    )
    workload_count: int
    workloads_by_kind: list[KindCount]
    disruption_budget_count: int

    @classmethod
    def from_domain(cls, summary: domain.ScenarioSummary) -> ScenarioSummary:
        return cls(
            name=summary.name,
            origin=summary.origin,
            description=summary.description,
            kubernetes_version=summary.kubernetes_version,
            node_count=summary.node_count,
            ready_node_count=summary.ready_node_count,
            cordoned_node_count=summary.cordoned_node_count,
            zones=list(summary.zones),
            pod_count=summary.pod_count,
            workload_count=summary.workload_count,
            workloads_by_kind=[KindCount(kind=k, count=n) for k, n in summary.workloads_by_kind],
            disruption_budget_count=summary.disruption_budget_count,
        )


@strawberry.type
class ClusterQuery:
    @strawberry.field(
        description=(
            "The named cluster scenarios this server offers (`scenarioName` of "
            "failureConsequences, scheduling and resilience), by name."
        )
    )
    async def scenarios(self, info: Info) -> list[ScenarioSummary]:
        context = info.context
        return [
            ScenarioSummary.from_domain(s)
            for s in domain.scenario_summaries(context.kg, context.scenarios)
        ]

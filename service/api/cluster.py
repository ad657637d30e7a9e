"""Root fields about the user's own clusters: ``scenarios`` and ``scheduling``.

The named scenarios are the packs' ``scenarios/`` and the imported files of
``serve --scenarios DIR``; :mod:`service.queries.scenarios` counts what each holds and
finds one by name. ``scheduling`` runs :func:`service.simulation.scheduling.scheduling`
off the event loop.
"""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.offload import run_heavy
from service.kube.model import ClusterSnapshot
from service.queries import scenarios as domain
from service.simulation import scheduling as scheduling_domain


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


@strawberry.type(description="A pod, by namespace and name.")
class PodRef:
    namespace: str
    name: str


@strawberry.type(description="Why one node cannot take a pod: its first failing filter's reasons.")
class NodeReasons:
    node: str
    reasons: list[str]


@strawberry.type(description="What kube-scheduler does with one Pending pod now.")
class PodScheduling:
    namespace: str
    name: str
    node: str | None = strawberry.field(description="Where it binds; null: it stays Pending.")
    victims: list[PodRef] = strawberry.field(
        description="Lower-priority pods it preempts to get there (deleted first)."
    )
    message: str | None = strawberry.field(
        description=(
            "The FitError kube-scheduler reports (its FailedScheduling event), including the "
            "preemption part; null when the pod fitted a node at once."
        )
    )
    node_reasons: list[NodeReasons] = strawberry.field(
        description="Per node, why it could not take the pod (empty when it fitted at once)."
    )

    @classmethod
    def from_domain(cls, pod: scheduling_domain.PodScheduling) -> PodScheduling:
        return cls(
            namespace=pod.namespace,
            name=pod.name,
            node=pod.node,
            victims=[PodRef(namespace=ns, name=name) for ns, name in pod.victims],
            message=pod.message,
            node_reasons=[NodeReasons(node=n, reasons=list(r)) for n, r in pod.reasons],
        )


@strawberry.type(
    description="kube-scheduler's decisions for a scenario's Pending pods, in queue order."
)
class SchedulingResult:
    scenario: str
    kubernetes_version: str
    node_count: int
    pods: list[PodScheduling] = strawberry.field(
        description="Unbound Pending pods, in the scheduling queue's order (priority, then age)."
    )


def _scheduling(snapshot: ClusterSnapshot) -> SchedulingResult:
    return SchedulingResult(
        scenario=snapshot.name,
        kubernetes_version=snapshot.version,
        node_count=len(snapshot.nodes),
        pods=[PodScheduling.from_domain(p) for p in scheduling_domain.scheduling(snapshot)],
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

    @strawberry.field(
        description=(
            "What kube-scheduler does now with a scenario's unbound Pending pods: the node "
            "each binds to (and the pods it preempts) or its exact FitError message with every "
            "node's reason — why is my pod Pending? Ties between equally good nodes go to the "
            "smallest node name (kube-scheduler picks at random)."
        )
    )
    async def scheduling(self, info: Info, scenario_name: str) -> SchedulingResult:
        context = info.context
        snapshot = domain.named_snapshot(context.kg, context.scenarios, scenario_name)
        return await run_heavy(_scheduling, snapshot)

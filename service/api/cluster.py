"""Root fields about the user's own clusters: ``scenarios``, ``scheduling``, ``resilience``.

The named scenarios are the packs' ``scenarios/`` and the imported files of
``serve --scenarios DIR``; :mod:`service.queries.scenarios` counts what each holds and
finds one by name. ``scheduling`` and ``resilience`` take a cluster by name or as a
kubectl snapshot sent as text, and run :func:`service.simulation.scheduling.scheduling` and
:func:`service.simulation.resilience.resilience` off the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Annotated, TypeVar

import strawberry

from service.api.context import Info
from service.api.offload import run_heavy
from service.errors import InvalidArgument
from service.knowledge import KnowledgeGraph
from service.kube.model import ClusterSnapshot
from service.queries import scenarios as domain
from service.simulation import resilience as resilience_domain
from service.simulation import scheduling as scheduling_domain
from service.snapshots.importer import snapshot_from_text


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


@strawberry.enum(description="What is lost: one node, or every node of one zone.")
class LossScope(Enum):
    NODE = "NODE"
    ZONE = "ZONE"


@strawberry.type(description="A workload, by kind, namespace and name.")
class WorkloadName:
    kind: str
    namespace: str
    name: str


@strawberry.type(description="A workload left with fewer available pods than before the loss.")
class DegradedWorkload:
    kind: str
    namespace: str
    name: str
    desired: int
    running: int = strawberry.field(description="Its available pods once the loss played out.")


@strawberry.type(description="A pod left Pending, and why (kube-scheduler's message).")
class PendingPod:
    pod: str = strawberry.field(description="`namespace/name`.")
    reason: str


@strawberry.type(description="What losing one node or zone does to the cluster's workloads.")
class Loss:
    scope: LossScope
    target: str = strawberry.field(description="The node's name, or the zone.")
    unavailable: list[WorkloadName] = strawberry.field(
        description="Workloads left without an available pod at some moment."
    )
    degraded: list[DegradedWorkload]
    pending_pods: int = strawberry.field(description="Pods left Pending.")
    pending: list[PendingPod] = strawberry.field(description="The first 20 of them, and why.")

    @classmethod
    def from_domain(cls, loss: resilience_domain.Loss) -> Loss:
        return cls(
            scope=LossScope(loss.scope),
            target=loss.target,
            unavailable=[
                WorkloadName(kind=w.kind, namespace=w.namespace, name=w.name)
                for w in loss.unavailable
            ],
            degraded=[
                DegradedWorkload(
                    kind=w.kind,
                    namespace=w.namespace,
                    name=w.name,
                    desired=w.desired,
                    running=w.running,
                )
                for w in loss.degraded
            ],
            pending_pods=loss.pending_pods,
            pending=[PendingPod(pod=p.pod, reason=p.reason) for p in loss.pending],
        )


@strawberry.type(description="A node or zone whose loss takes workloads to zero available pods.")
class SinglePointOfFailure:
    scope: LossScope
    target: str
    workloads: list[WorkloadName]


@strawberry.type(description="The outcome of losing each node and each zone, worst first.")
class Resilience:
    scenario: str
    losses: list[Loss]
    single_points_of_failure: list[SinglePointOfFailure]


def _resilience(snapshot: ClusterSnapshot) -> Resilience:
    report = resilience_domain.resilience(snapshot)
    return Resilience(
        scenario=snapshot.name,
        losses=[Loss.from_domain(loss) for loss in report.losses],
        single_points_of_failure=[
            SinglePointOfFailure(
                scope=LossScope(s.scope),
                target=s.target,
                workloads=[
                    WorkloadName(kind=w.kind, namespace=w.namespace, name=w.name)
                    for w in s.workloads
                ],
            )
            for s in report.single_points_of_failure
        ],
    )


def _cluster(
    kg: KnowledgeGraph,
    served: Mapping[str, ClusterSnapshot],
    scenario_name: str | None,
    snapshot: str | None,
) -> ClusterSnapshot:
    """The cluster a request names: exactly one of ``scenarioName`` and ``snapshot``."""
    if (scenario_name is None) == (snapshot is None):
        raise InvalidArgument("scenarioName", "give exactly one of scenarioName and snapshot")
    if snapshot is not None:
        return snapshot_from_text(snapshot, name="snapshot")
    assert scenario_name is not None
    return domain.named_snapshot(kg, served, scenario_name)


T = TypeVar("T")


def _on_cluster(
    answer: Callable[[ClusterSnapshot], T],
    kg: KnowledgeGraph,
    served: Mapping[str, ClusterSnapshot],
    scenario_name: str | None,
    snapshot: str | None,
) -> T:
    """``answer`` for the cluster a request names (read off the event loop, like the answer)."""
    return answer(_cluster(kg, served, scenario_name, snapshot))


SnapshotText = Annotated[
    str | None, strawberry.argument(description="kubectl get … -o json|yaml output, as text.")
]


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
    async def scheduling(
        self, info: Info, scenario_name: str | None = None, snapshot: SnapshotText = None
    ) -> SchedulingResult:
        context = info.context
        return await run_heavy(
            _on_cluster, _scheduling, context.kg, context.scenarios, scenario_name, snapshot
        )

    @strawberry.field(
        description=(
            "The outcome of losing each node and each zone of a cluster (NODE_DOWN, ZONE_DOWN), "
            "worst first: workloads left unavailable or degraded, pods left Pending and why — "
            "and the single points of failure, whose loss takes a workload to zero."
        )
    )
    async def resilience(
        self, info: Info, scenario_name: str | None = None, snapshot: SnapshotText = None
    ) -> Resilience:
        context = info.context
        return await run_heavy(
            _on_cluster, _resilience, context.kg, context.scenarios, scenario_name, snapshot
        )

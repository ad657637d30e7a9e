"""Root field ``failureConsequences``: the causal chain of a failure, and a simulated cluster.

The resolver takes the scenario input as the plain data graphql-core coerced (see
:class:`ScenarioData`), validates it into a domain :class:`~service.queries.scenario.Scenario`
(errors name the field, e.g. ``scenario.nodes[1].cpu``) and runs
:func:`~service.queries.failures.failure_consequences`, both off the event loop; the result
is mapped with the ``from_domain`` classmethods below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, cast

import strawberry
from strawberry.types.arguments import InputContext

from service.api.cluster_inputs import (
    DaemonSetInput,
    DisruptionBudgetInput,
    LabelInput,
    NodeGroupInput,
    TaintInput,
    TolerationInput,
    TopologySpreadInput,
)
from service.api.context import Info
from service.api.offload import run_heavy
from service.api.types import Entity, Source
from service.errors import InvalidArgument
from service.knowledge import KnowledgeGraph
from service.kube.model import AutoscalerConfig, ClusterSnapshot
from service.queries import cluster_outcome, failures, simulation
from service.queries.autoscaler_input import autoscaler_config
from service.queries.cluster_input import snapshot_from_input, uses_cluster_features
from service.queries.quantities import format_cpu, format_memory
from service.queries.scenario import (
    MAX_AUTOSCALER_NODES,
    MAX_DEPLOYMENTS,
    MAX_NODES,
    MAX_PODS,
    MAX_REPLICAS,
    Scenario,
    scenario_from_mapping,
)
from service.queries.scenarios import named_snapshot
from service.queries.simulation import CLUSTER_ONLY_EVENTS
from service.simulation import report
from service.snapshots.importer import snapshot_from_text

strawberry.enum(
    simulation.FailureEvent,
    name="FailureEvent",
    description="What fails; each stands for an event entity of the graph (`failure_event`).",
)
FailureEvent = simulation.FailureEvent


# -- inputs -------------------------------------------------------------------------------------
@strawberry.input(description="A node of the cluster and what it can allocate to pods.")
class NodeInput:
    name: str = strawberry.field(description="A Kubernetes node name, unique in the scenario.")
    cpu: str = strawberry.field(description="Allocatable CPU, e.g. `4`, `3500m`.")
    memory: str = strawberry.field(description="Allocatable memory, e.g. `16Gi`, `1G`.")
    ready: bool = strawberry.field(
        default=True, description="False: NotReady, tainted node.kubernetes.io/not-ready."
    )
    zone: str | None = strawberry.field(
        default=None, description="Its `topology.kubernetes.io/zone` label."
    )
    labels: list[LabelInput] | None = None
    taints: list[TaintInput] | None = None
    unschedulable: bool | None = strawberry.field(
        default=None, description="Cordoned (`kubectl cordon`): no new pods."
    )
    max_pods: int | None = strawberry.field(default=None, description="Pods it may run (110).")
    node_group: str | None = strawberry.field(
        default=None, description="Its cluster-autoscaler node group (label `agentpool`)."
    )


@strawberry.input(description="A Deployment: how many pods, and what each requests.")
class DeploymentInput:
    name: str = strawberry.field(description="Its pods are named `<name>-0`, `<name>-1`, …")
    replicas: int = strawberry.field(description=f"0..{MAX_REPLICAS}.")
    cpu: str = strawberry.field(description="CPU request per pod, e.g. `250m`.")
    memory: str = strawberry.field(description="Memory request per pod, e.g. `512Mi`.")
    namespace: str | None = strawberry.field(default=None, description="`default` if null.")
    tolerations: list[TolerationInput] | None = None
    node_selector: list[LabelInput] | None = None
    anti_affinity: str | None = strawberry.field(
        default=None,
        description=(
            "A topology key (e.g. `kubernetes.io/hostname`): no two of its pods in one domain "
            "(required pod anti-affinity)."
        ),
    )
    topology_spread: list[TopologySpreadInput] | None = None
    priority: int | None = strawberry.field(default=None, description="Pod priority (0).")
    host_ports: list[int] | None = None


@strawberry.input(
    description=(
        "The cluster autoscaler. In a `scenario` of nodes of CPU and memory: `maxNodes` Ready "
        "nodes at most and the node it adds (`nodeCpu`, `nodeMemory`). For a real cluster "
        "(the `autoscaler` argument): it grows the node groups the nodes' labels form, copying "
        "one of their nodes; `maxNodes` caps the cluster (0: no limit) and `groups` lets only "
        "the named groups grow, each to its `maxSize`."
    )
)
class AutoscalerInput:
    enabled: bool = True
    max_nodes: int | None = strawberry.field(
        default=None, description=f"At most this many nodes (0..{MAX_AUTOSCALER_NODES})."
    )
    node_cpu: str | None = strawberry.field(
        default=None, description="Allocatable CPU of an added node (simple scenarios)."
    )
    node_memory: str | None = strawberry.field(
        default=None, description="Allocatable memory of an added node (simple scenarios)."
    )
    groups: list[NodeGroupInput] | None = None


@strawberry.input(
    description=(
        f"A cluster before the failure: at most {MAX_NODES} nodes, {MAX_DEPLOYMENTS} "
        f"Deployments and {MAX_PODS} pods in all."
    )
)
class ClusterScenarioInput:
    nodes: list[NodeInput]
    deployments: list[DeploymentInput]
    autoscaler: AutoscalerInput | None = None
    stateful_sets: list[DeploymentInput] | None = strawberry.field(
        default=None,
        description="StatefulSets: pods `<name>-0`, `<name>-1`, … created in order.",
    )
    daemon_sets: list[DaemonSetInput] | None = None
    disruption_budgets: list[DisruptionBudgetInput] | None = None
    kubernetes_version: str | None = strawberry.field(
        default=None, description="`1.31` … `1.34` (1.34): whose semantics apply."
    )


@dataclass(frozen=True, slots=True)
class ScenarioData:
    """A ``ClusterScenarioInput`` as graphql-core coerced it: GraphQL field names, defaults in.

    strawberry would build a ``NodeInput``/``DeploymentInput`` for each of up to 15,000
    objects, field by field, on the event loop (the better part of a second for a
    Kubernetes-scale cluster), only for the resolver to turn them back into plain data.
    ``ClusterScenarioInput`` builds this instead (strawberry's ``from_input`` hook); the
    schema and the error messages stay the same.
    """

    data: Mapping[str, Any]

    def scenario(self) -> Scenario:
        """The validated scenario; errors name fields like ``scenario.nodes[1].cpu``."""
        return scenario_from_mapping(self.data, "scenario")


def _scenario_data(cls: type, value: Mapping[str, Any], context: InputContext) -> ScenarioData:
    return ScenarioData(value)


ClusterScenarioInput.__strawberry_definition__.from_input = _scenario_data  # type: ignore[attr-defined]


# -- results ------------------------------------------------------------------------------------
@strawberry.type(description="One step of what happens after a failure.")
class ConsequenceStep:
    order: int = strawberry.field(description="1, 2, … in the order things happen.")
    at_seconds: float | None = strawberry.field(
        description=(
            "Seconds after the event: Kubernetes' default timings (from the graph, or, for a "
            "real cluster, the simulation's own clock); null if unknown."
        )
    )
    actor: str = strawberry.field(description="Who acts: ReplicaSet, Scheduler, Kubelet, …")
    description: str
    condition: str | None = strawberry.field(description="When the step applies, if not always.")
    external: bool = strawberry.field(
        description="True when only knowledge beyond the notes supports the step."
    )
    effect: Entity = strawberry.field(description="The event or state the step leads to.")
    sources: list[Source]
    pods: list[str] = strawberry.field(
        description="The pods it acts on (`namespace/name`), the first 20 (real clusters)."
    )
    pod_count: int = strawberry.field(description="How many pods it acts on in all.")

    @classmethod
    def from_domain(cls, kg: KnowledgeGraph, step: failures.ConsequenceStep) -> ConsequenceStep:
        return cls(
            order=step.order,
            at_seconds=step.at_seconds,
            actor=step.actor,
            description=step.description,
            condition=step.condition,
            external=step.external,
            effect=Entity.from_domain(kg.entity(step.effect)),
            sources=Source.many(step.sources),
            pods=list(step.pods),
            pod_count=step.pod_count,
        )


@strawberry.type(description="Where a pod ends up.")
class PodPlacement:
    namespace: str
    name: str
    workload: str = strawberry.field(
        description="Its controller, `Kind/name` (`Pod/<name>`: bare)."
    )
    deployment: str = strawberry.field(description="Its workload's name.")
    node: str | None = strawberry.field(description="Null while Pending.")
    zone: str | None = strawberry.field(description="Its node's zone.")
    phase: str = strawberry.field(description="`Running`, `Pending` or `Terminating`.")
    reason: str | None = strawberry.field(description="Why it is Pending (the scheduler's words).")
    restarts: int = strawberry.field(description="Container restarts by the kubelet.")


@strawberry.type(description="A Deployment after the failure.")
class DeploymentOutcome:
    name: str
    desired: int
    running: int
    pending: int
    pending_reason: str | None = strawberry.field(description="The first Pending pod's reason.")


@strawberry.type(description="A workload (or a bare pod) after the failure.")
class WorkloadOutcome:
    kind: str = strawberry.field(
        description="Deployment, ReplicaSet, StatefulSet, DaemonSet, Job or Pod (a bare pod)."
    )
    namespace: str
    name: str
    desired: int
    running: int
    pending: int
    terminating: int = strawberry.field(
        description="Pods marked for deletion on a node that cannot finish them."
    )
    available: int = strawberry.field(description="Running pods that count as available.")
    pending_reason: str | None = strawberry.field(description="The first Pending pod's reason.")

    @classmethod
    def of_deployment(cls, d: cluster_outcome.DeploymentOutcome) -> WorkloadOutcome:
        return cls(
            kind="Deployment",
            namespace="default",
            name=d.name,
            desired=d.desired,
            running=d.running,
            pending=d.pending,
            terminating=0,
            available=d.running,
            pending_reason=d.pending_reason,
        )

    @classmethod
    def from_domain(cls, w: report.WorkloadOutcome) -> WorkloadOutcome:
        return cls(
            kind=w.kind,
            namespace=w.namespace,
            name=w.name,
            desired=w.desired,
            running=w.running,
            pending=w.pending,
            terminating=w.terminating,
            available=w.available,
            pending_reason=w.pending_reason,
        )


@strawberry.type(description="A node after the failure: what it offers and what is requested.")
class NodeOutcome:
    name: str
    zone: str | None = strawberry.field(description="Its topology.kubernetes.io/zone.")
    ready: bool
    added: bool = strawberry.field(description="True when the cluster autoscaler added it.")
    deleted: bool = strawberry.field(description="True when its Node object is gone.")
    unschedulable: bool = strawberry.field(description="Cordoned.")
    taint: str | None = strawberry.field(description="The first of its taints (key), if any.")
    taints: list[str] = strawberry.field(description="Its taints, `key=value:Effect`.")
    pods: int
    cpu: str = strawberry.field(description="Allocatable CPU, in Kubernetes notation.")
    memory: str = strawberry.field(description="Allocatable memory, in Kubernetes notation.")
    cpu_requested: str
    memory_requested: str
    cpu_millicores: int
    cpu_requested_millicores: int
    memory_bytes: float
    memory_requested_bytes: float

    @classmethod
    def from_domain(cls, node: cluster_outcome.NodeOutcome) -> NodeOutcome:
        return cls(
            name=node.name,
            zone=None,
            ready=node.ready,
            added=node.added,
            deleted=False,
            unschedulable=False,
            taint=node.taint,
            taints=[]
            if node.taint is None
            else [f"{node.taint}:NoSchedule", f"{node.taint}:NoExecute"],
            **_amounts(node.pods, node.cpu, node.memory, node.cpu_requested, node.memory_requested),
        )

    @classmethod
    def of_cluster(cls, node: report.NodeOutcome) -> NodeOutcome:
        return cls(
            name=node.name,
            zone=node.zone or None,
            ready=node.ready,
            added=node.added,
            deleted=node.deleted,
            unschedulable=node.unschedulable,
            taint=node.taints[0].split(":")[0].split("=")[0] if node.taints else None,
            taints=list(node.taints),
            **_amounts(node.pods, node.cpu, node.memory, node.cpu_requested, node.memory_requested),
        )


def _amounts(pods: int, cpu: int, memory: int, cpu_requested: int, memory_requested: int) -> Any:
    """A node's pods and resources, in Kubernetes notation and as numbers."""
    return {
        "pods": pods,
        "cpu": format_cpu(cpu),
        "memory": format_memory(memory),
        "cpu_requested": format_cpu(cpu_requested),
        "memory_requested": format_memory(memory_requested),
        "cpu_millicores": cpu,
        "cpu_requested_millicores": cpu_requested,
        "memory_bytes": float(memory),
        "memory_requested_bytes": float(memory_requested),
    }


@strawberry.type(description="The simulated cluster once the failure has played out.")
class ScenarioOutcome:
    available: bool = strawberry.field(
        description="Every workload that wants pods has an available one."
    )
    nodes_added: int = strawberry.field(description="Nodes the cluster autoscaler added.")
    deployments: list[DeploymentOutcome] = strawberry.field(
        description="The Deployments of a simple scenario (see `workloads` for every kind)."
    )
    workloads: list[WorkloadOutcome]
    nodes: list[NodeOutcome]
    _pods: strawberry.Private[
        tuple[cluster_outcome.PodPlacement, ...] | tuple[report.PodOutcome, ...]
    ]

    @strawberry.field(description="Every pod, by workload then creation order.")
    def pods(self) -> list[PodPlacement]:
        # The domain's NamedTuples have PodPlacement's very fields, so they are served as
        # they are: mapping up to 200,000 of them would cost more than the simulation.
        return cast(list[PodPlacement], list(self._pods))

    @classmethod
    def from_domain(cls, outcome: cluster_outcome.ScenarioOutcome) -> ScenarioOutcome:
        deployments = [
            DeploymentOutcome(
                name=d.name,
                desired=d.desired,
                running=d.running,
                pending=d.pending,
                pending_reason=d.pending_reason,
            )
            for d in outcome.deployments
        ]
        return cls(
            available=outcome.available,
            nodes_added=outcome.nodes_added,
            deployments=deployments,
            workloads=[WorkloadOutcome.of_deployment(d) for d in outcome.deployments],
            nodes=[NodeOutcome.from_domain(n) for n in outcome.nodes],
            _pods=outcome.pods,
        )

    @classmethod
    def of_cluster(cls, outcome: report.ClusterOutcome) -> ScenarioOutcome:
        workloads = [WorkloadOutcome.from_domain(w) for w in outcome.workloads]
        return cls(
            available=outcome.available,
            nodes_added=outcome.nodes_added,
            deployments=[
                DeploymentOutcome(
                    name=w.name,
                    desired=w.desired,
                    running=w.running,
                    pending=w.pending,
                    pending_reason=w.pending_reason,
                )
                for w in workloads
                if w.kind == "Deployment"
            ],
            workloads=workloads,
            nodes=[NodeOutcome.of_cluster(n) for n in outcome.nodes],
            _pods=outcome.pods,
        )


@strawberry.type(description="What a failure leads to: the causal chain, and a scenario's outcome.")
class FailureAnalysis:
    event: FailureEvent
    steps: list[ConsequenceStep]
    outcome: ScenarioOutcome | None = strawberry.field(description="Null without a scenario.")

    @classmethod
    def from_domain(cls, kg: KnowledgeGraph, analysis: failures.FailureAnalysis) -> FailureAnalysis:
        if analysis.cluster is not None:
            outcome: ScenarioOutcome | None = ScenarioOutcome.of_cluster(analysis.cluster.outcome)
        elif analysis.outcome is not None:
            outcome = ScenarioOutcome.from_domain(analysis.outcome)
        else:
            outcome = None
        return cls(
            event=analysis.event,
            steps=[ConsequenceStep.from_domain(kg, step) for step in analysis.steps],
            outcome=outcome,
        )


@dataclass(frozen=True, slots=True)
class ClusterRequest:
    """Which cluster a request names, and how: at most one of the three ways."""

    scenario: ScenarioData | None
    scenario_name: str | None
    snapshot: str | None
    autoscaler: Mapping[str, Any] | None

    def resolve(
        self, kg: KnowledgeGraph, served: Mapping[str, ClusterSnapshot], event: FailureEvent
    ) -> tuple[Scenario | None, ClusterSnapshot | None, AutoscalerConfig | None]:
        """(simple scenario, real cluster, its autoscaler); validated, errors name fields."""
        given = [
            name
            for name, value in (
                ("scenario", self.scenario),
                ("scenarioName", self.scenario_name),
                ("snapshot", self.snapshot),
            )
            if value is not None
        ]
        if len(given) > 1:
            raise InvalidArgument(
                given[1],
                f"give at most one of scenario, scenarioName and snapshot, not {' and '.join(given)}",
            )
        cluster: ClusterSnapshot | None = None
        name = self.scenario_name
        if self.snapshot is not None:
            cluster = snapshot_from_text(self.snapshot, name="snapshot")
        elif name is not None and (
            name in served or not isinstance(kg.scenarios.get(name), Mapping)
        ):
            cluster = named_snapshot(kg, served, name)  # imported (or unknown: the error)
        elif self.scenario is not None or name is not None:
            # written by hand: inline, or a pack's scenarios/<name>.yaml (the same fields)
            data, field = (
                (self.scenario.data, "scenario")
                if self.scenario is not None
                else (kg.scenarios[str(name)], f"scenarios/{name}")
            )
            assert isinstance(data, Mapping)
            if not uses_cluster_features(data) and event not in CLUSTER_ONLY_EVENTS:
                if self.autoscaler is not None:
                    raise InvalidArgument(
                        "autoscaler", f"a simple scenario carries its own: use {field}.autoscaler"
                    )
                return scenario_from_mapping(data, field), None, None
            if data.get("autoscaler") is not None:
                raise InvalidArgument(
                    f"{field}.autoscaler",
                    "with zones, taints, constraints or this event the scenario runs as a real "
                    "cluster: give the autoscaler argument (maxNodes, groups) instead",
                )
            cluster = snapshot_from_input(data, name=name or "scenario", field=field)
        if cluster is None:
            if self.autoscaler is not None:
                raise InvalidArgument("autoscaler", "needs a scenario, scenarioName or snapshot")
            return None, None, None
        return None, cluster, autoscaler_config(cluster, self.autoscaler)


def _analyse(
    kg: KnowledgeGraph,
    served: Mapping[str, ClusterSnapshot],
    event: simulation.FailureEvent,
    target: str | None,
    request: ClusterRequest,
) -> FailureAnalysis:
    simple, cluster, autoscaler = request.resolve(kg, served, event)
    analysis = failures.failure_consequences(kg, event, target, simple, cluster, autoscaler)
    return FailureAnalysis.from_domain(kg, analysis)


def _plain(autoscaler: AutoscalerInput | None) -> Mapping[str, Any] | None:
    if autoscaler is None:
        return None
    return {
        "enabled": autoscaler.enabled,
        "maxNodes": autoscaler.max_nodes,
        "nodeCpu": autoscaler.node_cpu,
        "nodeMemory": autoscaler.node_memory,
        "groups": None
        if autoscaler.groups is None
        else [{"name": g.name, "maxSize": g.max_size} for g in autoscaler.groups],
    }


@strawberry.type
class FailureQuery:
    @strawberry.field(
        description=(
            "What happens when something fails: the causal chain (actors, Kubernetes' default "
            "timings, sources) and, given a cluster, a deterministic simulation of it. The "
            "cluster is at most one of `scenario` (written by hand), `scenarioName` (one of "
            "`scenarios`) or `snapshot` (kubectl JSON or YAML text); `autoscaler` applies to a "
            "real cluster. `target`: a node (NODE_DOWN, NODE_DRAIN, NODE_DELETED), a zone "
            "(ZONE_DOWN), a pod or workload (POD_DELETED, POD_CRASHED: `name`, "
            "`namespace/name`, `deployment/web`); none for the other events."
        )
    )
    async def failure_consequences(
        self,
        info: Info,
        event: FailureEvent,
        target: str | None = None,
        scenario: Annotated[
            ScenarioData | None, strawberry.argument(graphql_type=ClusterScenarioInput | None)
        ] = None,
        scenario_name: str | None = None,
        snapshot: Annotated[
            str | None,
            strawberry.argument(description="kubectl get … -o json|yaml output, as text."),
        ] = None,
        autoscaler: AutoscalerInput | None = None,
    ) -> FailureAnalysis:
        request = ClusterRequest(scenario, scenario_name, snapshot, _plain(autoscaler))
        context = info.context
        return await run_heavy(_analyse, context.kg, context.scenarios, event, target, request)

"""Root field ``failureConsequences``: the causal chain of a failure, and a simulated cluster.

The resolver takes the scenario input as the plain data graphql-core coerced (see
:class:`ScenarioData`); off the event loop, :class:`~service.queries.cluster_request.
ClusterRequest` decides which cluster the request names (errors name the
field, e.g. ``scenario.nodes[1].cpu``) and :func:`~service.queries.failures.
failure_consequences` runs it; the result is mapped with the ``from_domain`` classmethods
(the outcome's types are in :mod:`service.api.outcome`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

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
from service.api.outcome import ScenarioOutcome
from service.api.types import Entity, Source
from service.knowledge import KnowledgeGraph
from service.kube.model import ClusterSnapshot
from service.queries import failures
from service.queries.cluster_request import ClusterRequest
from service.queries.scenario import (
    MAX_AUTOSCALER_NODES,
    MAX_DEPLOYMENTS,
    MAX_NODES,
    MAX_PODS,
    MAX_REPLICAS,
)
from service.simulation.events import ClusterEvent

strawberry.enum(
    ClusterEvent,
    name="FailureEvent",
    description="What fails; each stands for an event entity of the graph (`failure_event`).",
)


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
        "The cluster autoscaler. As a `scenario`'s own: `maxNodes` Ready nodes at most and "
        "the node it adds (`nodeCpu`, `nodeMemory`; nodes of another size grow their one node "
        "group from that template). As the `autoscaler` argument: it grows the node groups the "
        "nodes' labels form, copying one of their nodes; `maxNodes` caps the cluster (0: no "
        "limit) and `groups` lets only the named groups grow, each to its `maxSize`."
    )
)
class AutoscalerInput:
    enabled: bool = True
    max_nodes: int | None = strawberry.field(
        default=None, description=f"At most this many nodes (0..{MAX_AUTOSCALER_NODES})."
    )
    node_cpu: str | None = strawberry.field(
        default=None, description="Allocatable CPU of an added node (a scenario's own autoscaler)."
    )
    node_memory: str | None = strawberry.field(
        default=None,
        description="Allocatable memory of an added node (a scenario's own autoscaler).",
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


@strawberry.type(description="What a failure leads to: the causal chain, and a scenario's outcome.")
class FailureAnalysis:
    event: ClusterEvent
    steps: list[ConsequenceStep]
    outcome: ScenarioOutcome | None = strawberry.field(description="Null without a scenario.")

    @classmethod
    def from_domain(cls, kg: KnowledgeGraph, analysis: failures.FailureAnalysis) -> FailureAnalysis:
        cluster = analysis.cluster
        outcome = None if cluster is None else ScenarioOutcome.from_domain(cluster.outcome)
        return cls(
            event=analysis.event,
            steps=[ConsequenceStep.from_domain(kg, step) for step in analysis.steps],
            outcome=outcome,
        )


def _analyse(
    kg: KnowledgeGraph,
    served: Mapping[str, ClusterSnapshot],
    event: ClusterEvent,
    target: str | None,
    request: ClusterRequest,
) -> FailureAnalysis:
    cluster, autoscaler = request.resolve(kg, served)
    analysis = failures.failure_consequences(kg, event, target, cluster, autoscaler)
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
        event: ClusterEvent,
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
        request = ClusterRequest(
            None if scenario is None else scenario.data, scenario_name, snapshot, _plain(autoscaler)
        )
        context = info.context
        return await run_heavy(_analyse, context.kg, context.scenarios, event, target, request)

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

from service.api.context import Info
from service.api.offload import run_heavy
from service.api.types import Entity, Source
from service.knowledge import KnowledgeGraph
from service.queries import cluster_outcome, failures, simulation
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


@strawberry.input(description="A Deployment: how many pods, and what each requests.")
class DeploymentInput:
    name: str = strawberry.field(description="Its pods are named `<name>-0`, `<name>-1`, …")
    replicas: int = strawberry.field(description=f"0..{MAX_REPLICAS}.")
    cpu: str = strawberry.field(description="CPU request per pod, e.g. `250m`.")
    memory: str = strawberry.field(description="Memory request per pod, e.g. `512Mi`.")


@strawberry.input(description="The cluster autoscaler and the node it adds.")
class AutoscalerInput:
    enabled: bool = True
    max_nodes: int = strawberry.field(
        description=f"At most this many Ready nodes (0..{MAX_AUTOSCALER_NODES})."
    )
    node_cpu: str = strawberry.field(description="Allocatable CPU of an added node.")
    node_memory: str = strawberry.field(description="Allocatable memory of an added node.")


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


def scenario_from_input(data: ClusterScenarioInput) -> Scenario:
    """The domain scenario for a GraphQL input; errors name fields like ``scenario.nodes[1].cpu``."""
    autoscaler = data.autoscaler
    return scenario_from_mapping(
        {
            "nodes": [
                {"name": n.name, "cpu": n.cpu, "memory": n.memory, "ready": n.ready}
                for n in data.nodes
            ],
            "deployments": [
                {"name": d.name, "replicas": d.replicas, "cpu": d.cpu, "memory": d.memory}
                for d in data.deployments
            ],
            "autoscaler": None
            if autoscaler is None
            else {
                "enabled": autoscaler.enabled,
                "maxNodes": autoscaler.max_nodes,
                "nodeCpu": autoscaler.node_cpu,
                "nodeMemory": autoscaler.node_memory,
            },
        },
        "scenario",
    )


# -- results ------------------------------------------------------------------------------------
@strawberry.type(description="One step of what happens after a failure.")
class ConsequenceStep:
    order: int = strawberry.field(description="1, 2, … in the order things happen.")
    at_seconds: float | None = strawberry.field(
        description="Seconds after the event, from Kubernetes' default timings; null if unknown."
    )
    actor: str = strawberry.field(description="Who acts: ReplicaSet, Scheduler, Kubelet, …")
    description: str
    condition: str | None = strawberry.field(description="When the step applies, if not always.")
    external: bool = strawberry.field(
        description="True when only knowledge beyond the notes supports the step."
    )
    effect: Entity = strawberry.field(description="The event or state the step leads to.")
    sources: list[Source]

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
        )


@strawberry.type(description="Where a pod ends up.")
class PodPlacement:
    name: str
    deployment: str
    node: str | None = strawberry.field(description="Null while Pending.")
    phase: str = strawberry.field(description="`Running` or `Pending`.")
    reason: str | None = strawberry.field(description="Why it is Pending (the scheduler's words).")
    restarts: int = strawberry.field(description="Container restarts by the kubelet.")


@strawberry.type(description="A Deployment after the failure.")
class DeploymentOutcome:
    name: str
    desired: int
    running: int
    pending: int
    pending_reason: str | None = strawberry.field(description="The first Pending pod's reason.")


@strawberry.type(description="A node after the failure: what it offers and what is requested.")
class NodeOutcome:
    name: str
    ready: bool
    added: bool = strawberry.field(description="True when the cluster autoscaler added it.")
    taint: str | None
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
            ready=node.ready,
            added=node.added,
            taint=node.taint,
            pods=node.pods,
            cpu=format_cpu(node.cpu),
            memory=format_memory(node.memory),
            cpu_requested=format_cpu(node.cpu_requested),
            memory_requested=format_memory(node.memory_requested),
            cpu_millicores=node.cpu,
            cpu_requested_millicores=node.cpu_requested,
            memory_bytes=float(node.memory),
            memory_requested_bytes=float(node.memory_requested),
        )


@strawberry.type(description="The simulated cluster once the failure has played out.")
class ScenarioOutcome:
    available: bool = strawberry.field(
        description="Every Deployment with desired replicas has a running pod."
    )
    nodes_added: int = strawberry.field(description="Nodes the cluster autoscaler added.")
    deployments: list[DeploymentOutcome]
    nodes: list[NodeOutcome]
    _pods: strawberry.Private[tuple[cluster_outcome.PodPlacement, ...]]

    @strawberry.field(description="Every pod, by Deployment then creation order.")
    def pods(self) -> list[PodPlacement]:
        # The domain's NamedTuples have PodPlacement's very fields, so they are served as
        # they are: mapping up to 200,000 of them would cost more than the simulation.
        return cast(list[PodPlacement], list(self._pods))

    @classmethod
    def from_domain(cls, outcome: cluster_outcome.ScenarioOutcome) -> ScenarioOutcome:
        return cls(
            available=outcome.available,
            nodes_added=outcome.nodes_added,
            deployments=[
                DeploymentOutcome(
                    name=d.name,
                    desired=d.desired,
                    running=d.running,
                    pending=d.pending,
                    pending_reason=d.pending_reason,
                )
                for d in outcome.deployments
            ],
            nodes=[NodeOutcome.from_domain(n) for n in outcome.nodes],
            _pods=outcome.pods,
        )


@strawberry.type(description="What a failure leads to: the causal chain, and a scenario's outcome.")
class FailureAnalysis:
    event: FailureEvent
    steps: list[ConsequenceStep]
    outcome: ScenarioOutcome | None = strawberry.field(description="Null without a scenario.")

    @classmethod
    def from_domain(cls, kg: KnowledgeGraph, analysis: failures.FailureAnalysis) -> FailureAnalysis:
        return cls(
            event=analysis.event,
            steps=[ConsequenceStep.from_domain(kg, step) for step in analysis.steps],
            outcome=None
            if analysis.outcome is None
            else ScenarioOutcome.from_domain(analysis.outcome),
        )


def _analyse(
    kg: KnowledgeGraph,
    event: simulation.FailureEvent,
    target: str | None,
    scenario: ScenarioData | ClusterScenarioInput | None,
) -> FailureAnalysis:
    if scenario is None:
        domain_scenario = None
    elif isinstance(scenario, ScenarioData):
        domain_scenario = scenario.scenario()
    else:
        domain_scenario = scenario_from_input(scenario)
    analysis = failures.failure_consequences(kg, event, target, domain_scenario)
    return FailureAnalysis.from_domain(kg, analysis)


@strawberry.type
class FailureQuery:
    @strawberry.field(
        description=(
            "What happens when something fails: the causal chain (actors, default Kubernetes "
            "timings, sources) and, given a scenario, a deterministic simulation of the cluster. "
            "`target`: a node (NODE_DOWN), or a pod or Deployment name (POD_DELETED, "
            "POD_CRASHED; a Deployment means all its pods); none for the other events."
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
    ) -> FailureAnalysis:
        return await run_heavy(_analyse, info.context.kg, event, target, scenario)

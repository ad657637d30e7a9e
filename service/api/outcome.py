"""GraphQL types of where a simulated cluster ends up: pods, workloads, nodes.

They map the simulation's outcome (:mod:`service.simulation.report`); pods are served as the
domain's NamedTuples, which carry these very fields.
"""

from __future__ import annotations

from typing import cast

import strawberry

from service.kube.quantities import format_cpu, format_memory
from service.simulation import report


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

    @classmethod
    def from_domain(cls, d: report.WorkloadOutcome) -> DeploymentOutcome:
        """A workload of kind Deployment."""
        return cls(
            name=d.name,
            desired=d.desired,
            running=d.running,
            pending=d.pending,
            pending_reason=d.pending_reason,
        )


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
    def from_domain(cls, node: report.NodeOutcome) -> NodeOutcome:
        return cls(
            name=node.name,
            zone=node.zone or None,
            ready=node.ready,
            added=node.added,
            deleted=node.deleted,
            unschedulable=node.unschedulable,
            taint=node.taints[0].split(":")[0].split("=")[0] if node.taints else None,
            taints=list(node.taints),
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
        description="Every workload that wants pods has an available one."
    )
    nodes_added: int = strawberry.field(description="Nodes the cluster autoscaler added.")
    # each list is made when asked for: 5,000 nodes' amounts in Kubernetes notation take ~50 ms
    _outcome: strawberry.Private[report.ClusterOutcome]

    @strawberry.field(description="The Deployments (see `workloads` for every kind).")
    def deployments(self) -> list[DeploymentOutcome]:
        return [
            DeploymentOutcome.from_domain(w)
            for w in self._outcome.workloads
            if w.kind == "Deployment"
        ]

    @strawberry.field
    def workloads(self) -> list[WorkloadOutcome]:
        return [WorkloadOutcome.from_domain(w) for w in self._outcome.workloads]

    @strawberry.field
    def nodes(self) -> list[NodeOutcome]:
        return [NodeOutcome.from_domain(n) for n in self._outcome.nodes]

    @strawberry.field(description="Every pod, by workload then creation order.")
    def pods(self) -> list[PodPlacement]:
        # The domain's NamedTuples have PodPlacement's very fields, so they are served as
        # they are: mapping up to 200,000 of them would cost more than the simulation.
        return cast(list[PodPlacement], list(self._outcome.pods))

    @classmethod
    def from_domain(cls, outcome: report.ClusterOutcome) -> ScenarioOutcome:
        return cls(available=outcome.available, nodes_added=outcome.nodes_added, _outcome=outcome)

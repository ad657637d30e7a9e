"""Where a simulated cluster ends up: every pod, Deployment and node, and availability.

The application is available when every Deployment with desired replicas has a
running pod.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from itertools import compress
from typing import NamedTuple

from service.queries.cluster import Cluster


class Phase(StrEnum):
    RUNNING = "Running"
    PENDING = "Pending"


class PodPlacement(NamedTuple):
    """Where a pod ends up. (A NamedTuple: outcomes hold up to 200,000 of them.)"""

    name: str
    deployment: str
    node: str | None
    phase: Phase
    reason: str | None = None
    restarts: int = 0

    # The fields of a real cluster's pods (service.simulation.report.PodOutcome), so that
    # both serve as the same GraphQL type without a copy per pod.
    @property
    def namespace(self) -> str:
        return "default"

    @property
    def zone(self) -> str | None:
        return None

    @property
    def workload(self) -> str:
        return f"Deployment/{self.deployment}"


@dataclass(frozen=True, slots=True)
class DeploymentOutcome:
    name: str
    desired: int
    running: int
    pending: int
    pending_reason: str | None


@dataclass(frozen=True, slots=True)
class NodeOutcome:
    """A node at the end: allocatable and requested CPU (millicores) and memory (bytes)."""

    name: str
    ready: bool
    added: bool
    cpu: int
    memory: int
    cpu_requested: int
    memory_requested: int
    pods: int
    taint: str | None


@dataclass(frozen=True, slots=True)
class ScenarioOutcome:
    available: bool
    nodes_added: int
    deployments: tuple[DeploymentOutcome, ...]
    pods: tuple[PodPlacement, ...]
    nodes: tuple[NodeOutcome, ...]


def scenario_outcome(cluster: Cluster) -> ScenarioOutcome:
    """The outcome of ``cluster`` as it stands: live pods by Deployment, then creation."""
    pods: list[PodPlacement] = []
    deployments: list[DeploymentOutcome] = []
    make = tuple.__new__  # the NamedTuple's own __new__ costs a Python call per pod
    names, nodes_of, reasons, restarts = (
        cluster.pod_name,
        cluster.pod_node,
        cluster.pod_reason,
        cluster.pod_restarts,
    )
    alive = cluster.pod_alive.__getitem__
    for d, name in enumerate(cluster.dep_name):
        running = pending = 0
        reason: str | None = None
        row: tuple[object, ...]
        created = cluster.dep_pods[d]
        for p in compress(created, map(alive, created)):
            node = nodes_of[p]
            if node is None:
                pending += 1
                reason = reason or reasons[p]
                row = (names[p], name, None, Phase.PENDING, reasons[p], restarts[p])
            else:
                running += 1
                row = (names[p], name, node, Phase.RUNNING, None, restarts[p])
            pods.append(make(PodPlacement, row))
        desired = cluster.scenario.deployments[d].replicas
        deployments.append(DeploymentOutcome(name, desired, running, pending, reason))
    nodes = tuple(
        NodeOutcome(
            name=name,
            ready=cluster.node_taint[i] is None,
            added=cluster.node_added[i],
            cpu=state[0],
            memory=state[1],
            cpu_requested=state[3],
            memory_requested=state[4],
            pods=state[7],
            taint=cluster.node_taint[i],
        )
        for i, (name, state) in enumerate(zip(cluster.node_names, cluster.node_state, strict=True))
    )
    return ScenarioOutcome(
        available=all(d.running > 0 for d in deployments if d.desired > 0),
        nodes_added=sum(cluster.node_added),
        deployments=tuple(deployments),
        pods=tuple(pods),
        nodes=nodes,
    )

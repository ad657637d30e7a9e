"""Failure analysis: events, the cluster you name or send, and the outcome you get back.

A cluster is a ``scenario`` written by hand (``ClusterScenarioInput``), a ``scenario_name``
the server offers (``ArchgraphClient.scenarios()``: its built-in ones and the clusters
imported with ``archgraph import-cluster``), or a ``snapshot``: ``kubectl get … -o json``
output sent as text. The ``autoscaler`` argument grows a real cluster's own node groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from archgraph_client.entities import JSON, Source, sources_from_json


class FailureEvent(StrEnum):
    """What happens to the cluster (GraphQL enum ``FailureEvent``)."""

    POD_DELETED = "POD_DELETED"
    POD_CRASHED = "POD_CRASHED"
    NODE_DOWN = "NODE_DOWN"
    ZONE_DOWN = "ZONE_DOWN"
    ALL_NODES_DOWN = "ALL_NODES_DOWN"
    NODE_DRAIN = "NODE_DRAIN"
    NODE_DELETED = "NODE_DELETED"
    INSUFFICIENT_RESOURCES = "INSUFFICIENT_RESOURCES"


# Inputs. Quantities are strings in Kubernetes notation: "500m", "2", "1.5", "512Mi", "4Gi".


@dataclass(frozen=True, slots=True)
class NodeInput:
    """A node of the scenario and its allocatable CPU and memory."""

    name: str
    cpu: str
    memory: str
    ready: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "cpu": self.cpu, "memory": self.memory, "ready": self.ready}


@dataclass(frozen=True, slots=True)
class DeploymentInput:
    """A Deployment: how many replicas, and each pod's CPU and memory requests."""

    name: str
    replicas: int
    cpu: str
    memory: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "replicas": self.replicas,
            "cpu": self.cpu,
            "memory": self.memory,
        }


@dataclass(frozen=True, slots=True)
class NodeGroupInput:
    """A node group the autoscaler may grow, named as the nodes' labels name it
    (``cloud.google.com/gke-nodepool``, ``eks.amazonaws.com/nodegroup``, ``agentpool``…)."""

    name: str
    max_size: int

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "maxSize": self.max_size}


@dataclass(frozen=True, slots=True)
class AutoscalerInput:
    """The cluster autoscaler.

    In a ``ClusterScenarioInput``: at most ``max_nodes`` Ready nodes, new ones shaped like
    the template (``node_cpu``, ``node_memory``). As ``failure_consequences``'s
    ``autoscaler`` argument, for a real cluster: new nodes copy one of each node group's
    own; ``max_nodes`` caps the cluster (0: no limit), ``groups`` lets only the named groups
    grow, each up to its ``max_size``. Fields left None are not sent.
    """

    max_nodes: int | None = None
    node_cpu: str | None = None
    node_memory: str | None = None
    enabled: bool = True
    groups: tuple[NodeGroupInput, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "enabled": self.enabled,
            "maxNodes": self.max_nodes,
            "nodeCpu": self.node_cpu,
            "nodeMemory": self.node_memory,
            "groups": None if self.groups is None else [g.to_json() for g in self.groups],
        }
        return {key: value for key, value in data.items() if value is not None}


@dataclass(frozen=True, slots=True)
class ClusterScenarioInput:
    """The cluster a failure happens to; ``failure_consequences`` simulates it."""

    nodes: tuple[NodeInput, ...]
    deployments: tuple[DeploymentInput, ...]
    autoscaler: AutoscalerInput | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "nodes": [n.to_json() for n in self.nodes],
            "deployments": [d.to_json() for d in self.deployments],
            "autoscaler": self.autoscaler.to_json() if self.autoscaler else None,
        }


# Outputs.


@dataclass(frozen=True, slots=True)
class ConsequenceStep:
    """One link of the causal chain: who acts, when (seconds after the event), and what.

    On a real cluster, ``pods`` names the pods it acts on (``namespace/name``, the first 20)
    and ``pod_count`` counts them all.
    """

    order: int
    at_seconds: float | None
    actor: str
    description: str
    sources: tuple[Source, ...]
    pods: tuple[str, ...] = ()
    pod_count: int = 0

    @classmethod
    def from_json(cls, data: JSON) -> ConsequenceStep:
        return cls(
            order=data["order"],
            at_seconds=data["atSeconds"],
            actor=data["actor"],
            description=data["description"],
            sources=sources_from_json(data["sources"]),
            pods=tuple(data["pods"]),
            pod_count=data["podCount"],
        )


@dataclass(frozen=True, slots=True)
class DeploymentOutcome:
    """Where a Deployment ends up: desired, running and pending pods, and why they pend."""

    name: str
    desired: int
    running: int
    pending: int
    pending_reason: str | None

    @classmethod
    def from_json(cls, data: JSON) -> DeploymentOutcome:
        return cls(
            name=data["name"],
            desired=data["desired"],
            running=data["running"],
            pending=data["pending"],
            pending_reason=data["pendingReason"],
        )


@dataclass(frozen=True, slots=True)
class WorkloadOutcome:
    """Where a workload (or a bare pod, kind ``Pod``) ends up.

    ``running`` counts pods bound and not Terminating; ``available``, those of them Ready on
    Ready nodes; ``terminating``, pods stuck on a node that cannot finish them.
    """

    kind: str
    namespace: str
    name: str
    desired: int
    running: int
    pending: int
    terminating: int
    available: int
    pending_reason: str | None

    @classmethod
    def from_json(cls, data: JSON) -> WorkloadOutcome:
        return cls(
            kind=data["kind"],
            namespace=data["namespace"],
            name=data["name"],
            desired=data["desired"],
            running=data["running"],
            pending=data["pending"],
            terminating=data["terminating"],
            available=data["available"],
            pending_reason=data["pendingReason"],
        )


@dataclass(frozen=True, slots=True)
class NodeOutcome:
    """A node at the end: its state, taints (``key=value:Effect``) and what is requested of
    it (quantities in Kubernetes notation)."""

    name: str
    zone: str | None
    ready: bool
    added: bool
    deleted: bool
    unschedulable: bool
    taints: tuple[str, ...]
    pods: int
    cpu: str
    memory: str
    cpu_requested: str
    memory_requested: str

    @classmethod
    def from_json(cls, data: JSON) -> NodeOutcome:
        return cls(
            name=data["name"],
            zone=data["zone"],
            ready=data["ready"],
            added=data["added"],
            deleted=data["deleted"],
            unschedulable=data["unschedulable"],
            taints=tuple(data["taints"]),
            pods=data["pods"],
            cpu=data["cpu"],
            memory=data["memory"],
            cpu_requested=data["cpuRequested"],
            memory_requested=data["memoryRequested"],
        )


@dataclass(frozen=True, slots=True)
class PodPlacement:
    """One pod: its Deployment (its workload's name), its node (None while Pending) and phase;
    its namespace, workload (``Kind/name``), node's zone, why it is Pending, restarts."""

    name: str
    deployment: str
    node: str | None
    phase: str
    namespace: str = "default"
    workload: str = ""
    zone: str | None = None
    reason: str | None = None
    restarts: int = 0

    @classmethod
    def from_json(cls, data: JSON) -> PodPlacement:
        return cls(
            name=data["name"],
            deployment=data["deployment"],
            node=data["node"],
            phase=data["phase"],
            namespace=data["namespace"],
            workload=data["workload"],
            zone=data["zone"],
            reason=data["reason"],
            restarts=data["restarts"],
        )


@dataclass(frozen=True, slots=True)
class ScenarioOutcome:
    """The simulated end state of the scenario after the event."""

    available: bool
    nodes_added: int
    deployments: tuple[DeploymentOutcome, ...]
    pods: tuple[PodPlacement, ...]
    workloads: tuple[WorkloadOutcome, ...] = ()
    nodes: tuple[NodeOutcome, ...] = ()

    def deployment(self, name: str) -> DeploymentOutcome:
        """The outcome of one Deployment by name; KeyError when absent."""
        for outcome in self.deployments:
            if outcome.name == name:
                return outcome
        raise KeyError(name)

    def workload(self, kind: str, name: str, namespace: str = "default") -> WorkloadOutcome:
        """The outcome of one workload (``"StatefulSet", "db"``); KeyError when absent."""
        for outcome in self.workloads:
            if (outcome.kind, outcome.namespace, outcome.name) == (kind, namespace, name):
                return outcome
        raise KeyError(f"{kind}/{namespace}/{name}")

    @classmethod
    def from_json(cls, data: JSON) -> ScenarioOutcome:
        return cls(
            available=data["available"],
            nodes_added=data["nodesAdded"],
            deployments=tuple(DeploymentOutcome.from_json(d) for d in data["deployments"]),
            pods=tuple(PodPlacement.from_json(p) for p in data["pods"]),
            workloads=tuple(WorkloadOutcome.from_json(w) for w in data["workloads"]),
            nodes=tuple(NodeOutcome.from_json(n) for n in data["nodes"]),
        )


@dataclass(frozen=True, slots=True)
class FailureAnalysis:
    """The ordered causal chain of an event and, given a scenario, the simulated outcome."""

    event: FailureEvent
    steps: tuple[ConsequenceStep, ...]
    outcome: ScenarioOutcome | None

    @classmethod
    def from_json(cls, data: JSON) -> FailureAnalysis:
        outcome = data["outcome"]
        return cls(
            event=FailureEvent(data["event"]),
            steps=tuple(ConsequenceStep.from_json(s) for s in data["steps"]),
            outcome=ScenarioOutcome.from_json(outcome) if outcome is not None else None,
        )

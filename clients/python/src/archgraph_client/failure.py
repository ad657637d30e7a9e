"""Failure analysis: events, the cluster scenario you send, and the outcome you get back."""

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
class AutoscalerInput:
    """The cluster autoscaler: at most ``max_nodes`` nodes, new ones shaped like the template."""

    max_nodes: int
    node_cpu: str
    node_memory: str
    enabled: bool = True

    def to_json(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "maxNodes": self.max_nodes,
            "nodeCpu": self.node_cpu,
            "nodeMemory": self.node_memory,
        }


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
    """One link of the causal chain: who acts, when (seconds after the event), and what."""

    order: int
    at_seconds: float | None
    actor: str
    description: str
    sources: tuple[Source, ...]

    @classmethod
    def from_json(cls, data: JSON) -> ConsequenceStep:
        return cls(
            order=data["order"],
            at_seconds=data["atSeconds"],
            actor=data["actor"],
            description=data["description"],
            sources=sources_from_json(data["sources"]),
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
class PodPlacement:
    """One pod, its Deployment, its node (None when unscheduled) and its phase."""

    name: str
    deployment: str
    node: str | None
    phase: str

    @classmethod
    def from_json(cls, data: JSON) -> PodPlacement:
        return cls(
            name=data["name"],
            deployment=data["deployment"],
            node=data["node"],
            phase=data["phase"],
        )


@dataclass(frozen=True, slots=True)
class ScenarioOutcome:
    """The simulated end state of the scenario after the event."""

    available: bool
    nodes_added: int
    deployments: tuple[DeploymentOutcome, ...]
    pods: tuple[PodPlacement, ...]

    def deployment(self, name: str) -> DeploymentOutcome:
        """The outcome of one Deployment by name; KeyError when absent."""
        for outcome in self.deployments:
            if outcome.name == name:
                return outcome
        raise KeyError(name)

    @classmethod
    def from_json(cls, data: JSON) -> ScenarioOutcome:
        return cls(
            available=data["available"],
            nodes_added=data["nodesAdded"],
            deployments=tuple(DeploymentOutcome.from_json(d) for d in data["deployments"]),
            pods=tuple(PodPlacement.from_json(p) for p in data["pods"]),
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

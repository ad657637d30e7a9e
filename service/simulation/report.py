"""What a simulation of a real cluster reports: a timeline of steps and where everything ends.

All frozen; pods are :class:`PodOutcome` NamedTuples because an outcome holds up to
150,000 of them. Names of pods are ``namespace/name``; workloads ``Kind/namespace/name``
in messages, and their three fields in :class:`WorkloadOutcome`.

A :class:`Step` carries ``effect``, the knowledge graph's id of what happens (``node-not-ready``,
``pods-evicted``, ``pod-recreated``, ``pod-scheduled``, ``pod-pending``, ``node-added``,
``pod-stuck-terminating``, ``node-cordoned``, ``pods-drained``, ``pods-garbage-collected``,
``container-restarted``, ``replicas-restored``, ``application-unavailable``, or the event's
own id such as ``pod-deleted``), so that the failure analysis can cite the graph's sources for
it; the simulation itself knows nothing of the graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

POD_LIST_LIMIT = 20  # pods a step names before it only counts them


class PodPhase(StrEnum):
    RUNNING = "Running"
    PENDING = "Pending"
    TERMINATING = "Terminating"


@dataclass(frozen=True, slots=True)
class Step:
    """One thing a controller does at one time, and the pods it acts on then.

    ``pods`` names the first :data:`POD_LIST_LIMIT` (``namespace/name``); ``pod_count`` is
    how many there are in all.
    """

    at_seconds: float
    effect: str
    actor: str
    description: str
    pods: tuple[str, ...] = ()
    pod_count: int = 0


class PodOutcome(NamedTuple):
    """Where a pod ends up. ``workload``: ``Kind/name`` of its controller (``Pod/<name>`` for
    a bare pod); ``reason``: why it is Pending; ``zone``: its node's zone."""

    namespace: str
    name: str
    workload: str
    node: str | None
    zone: str | None
    phase: PodPhase
    reason: str | None = None
    restarts: int = 0

    @property
    def deployment(self) -> str:
        """The workload's name (the GraphQL ``PodPlacement.deployment``)."""
        return self.workload.split("/", 1)[1]


@dataclass(frozen=True, slots=True)
class WorkloadOutcome:
    """A workload at the end.

    ``desired``: replicas (Deployment, ReplicaSet, StatefulSet), parallelism (Job), the
    nodes it runs or keeps running on (DaemonSet), 1 (a bare pod); ``running``: pods bound to
    a node and not Terminating (a pod on an unreachable node still counts, as ``kubectl get
    pods`` shows it Running); ``available``: of those, the Ready ones on Ready nodes;
    ``pending_reason``: the first Pending pod's.
    """

    kind: str
    namespace: str
    name: str
    desired: int
    running: int
    pending: int
    terminating: int
    available: int
    pending_reason: str | None = None


@dataclass(frozen=True, slots=True)
class NodeOutcome:
    """A node at the end: Ready condition, taints (``key:effect``), CPU (millicores) and
    memory (bytes) allocatable and requested, pods bound (Terminating included)."""

    name: str
    zone: str
    ready: bool
    added: bool
    deleted: bool
    unschedulable: bool
    taints: tuple[str, ...]
    cpu: int
    memory: int
    cpu_requested: int
    memory_requested: int
    pods: int


@dataclass(frozen=True, slots=True)
class ClusterOutcome:
    """``available``: every workload that wants pods has an available one."""

    available: bool
    nodes_added: int
    workloads: tuple[WorkloadOutcome, ...]
    pods: tuple[PodOutcome, ...]
    nodes: tuple[NodeOutcome, ...]


@dataclass(frozen=True, slots=True)
class Settle:
    """The cluster made whole before the event: pods created for workloads that had none,
    unbound pods scheduled, nodes the autoscaler added for them."""

    created: int
    bound: int
    pending: tuple[tuple[str, str], ...]  # (pod, why it is Pending)
    nodes_added: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClusterReport:
    """What :func:`~service.simulation.simulate.simulate_cluster` found."""

    event: str
    target: str | None
    version: str
    settle: Settle
    steps: tuple[Step, ...]
    outcome: ClusterOutcome

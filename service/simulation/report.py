"""What a simulation of a real cluster reports: a timeline of steps and where everything ends.

All frozen; an outcome's pods (up to 150,000) are :class:`PodRows`, each made into a
:class:`PodOutcome` NamedTuple when read. Names of pods are ``namespace/name``; workloads
``Kind/namespace/name`` in messages, and their three fields in :class:`WorkloadOutcome`.

A :class:`Step` carries ``effect``, the knowledge graph's id of what happens (``node-not-ready``,
``pods-evicted``, ``pod-recreated``, ``pod-scheduled``, ``pod-pending``, ``node-added``,
``pod-stuck-terminating``, ``node-cordoned``, ``pods-drained``, ``pods-garbage-collected``,
``container-restarted``, ``replicas-restored``, ``application-unavailable``, or the event's
own id such as ``pod-deleted``), so that the failure analysis can cite the graph's sources for
it; the simulation itself knows nothing of the graph.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple, overload

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


class PodRows(Sequence[PodOutcome]):
    """An outcome's pods in order, each made into a :class:`PodOutcome` when read; equal to
    any sequence of the same rows.

    Kept as columns because a summary reads none of them: making every row took ~50 ms of
    a 1 s NODE_DOWN at 5,000 nodes (150,000 pods), and the 150,000 rows outlived the
    simulation's paused collector (:func:`~service.collector.collector_paused`), so the
    first young collection after it walked them all (another ~14 ms, for nothing: they
    hold no cycle).

    ``pods``: the state's pod indices (for ``restarts``: pod → restarts); ``nodes``: each
    row's node index, -1 unbound; ``starts``: the first row of each workload (``Kind/name``
    in ``workloads``); ``reasons``: row → why it is Pending; ``node_names``, ``zones``:
    per node index.
    """

    __slots__ = (
        "_names",
        "_namespaces",
        "_node_names",
        "_nodes",
        "_phases",
        "_pods",
        "_reasons",
        "_restarts",
        "_starts",
        "_workloads",
        "_zones",
    )  # fmt: skip

    def __init__(
        self,
        pods: Sequence[int],
        namespaces: Sequence[str],
        names: Sequence[str],
        nodes: Sequence[int],
        phases: Sequence[PodPhase],
        starts: Sequence[int],
        workloads: Sequence[str],
        reasons: Mapping[int, str],
        restarts: Mapping[int, int],
        node_names: Sequence[str],
        zones: Sequence[str],
    ) -> None:
        self._pods, self._namespaces, self._names, self._nodes = pods, namespaces, names, nodes
        self._phases, self._starts, self._workloads = phases, starts, workloads
        self._reasons, self._restarts = reasons, restarts
        self._node_names, self._zones = node_names, zones

    def __len__(self) -> int:
        return len(self._pods)

    @overload
    def __getitem__(self, i: int) -> PodOutcome: ...

    @overload
    def __getitem__(self, i: slice) -> tuple[PodOutcome, ...]: ...

    def __getitem__(self, i: int | slice) -> PodOutcome | tuple[PodOutcome, ...]:
        if isinstance(i, slice):
            return tuple(self[j] for j in range(len(self))[i])
        i = range(len(self))[i]  # a negative index from the end; IndexError past it
        return self._row(i, self._workloads[bisect_right(self._starts, i) - 1])

    def __iter__(self) -> Iterator[PodOutcome]:
        ends = [*self._starts[1:], len(self)]
        for workload, lo, hi in zip(self._workloads, self._starts, ends, strict=True):
            for i in range(lo, hi):
                yield self._row(i, workload)

    def _row(self, i: int, workload: str) -> PodOutcome:
        node = self._nodes[i]
        return PodOutcome(
            self._namespaces[i],
            self._names[i],
            workload,
            self._node_names[node] if node >= 0 else None,
            self._zones[node] if node >= 0 else None,
            self._phases[i],
            self._reasons.get(i),
            self._restarts.get(self._pods[i], 0),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"PodRows({list(self)!r})"


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
    pods: PodRows
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

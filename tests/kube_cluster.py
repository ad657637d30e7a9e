"""Small ClusterSnapshots by hand, for the simulation's tests (upstream's ``st.MakePod()``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from service.kube.model import (
    ClusterSnapshot,
    DisruptionBudget,
    Node,
    Pod,
    PodSpec,
    Taint,
    Workload,
    WorkloadRef,
)

GI = 1 << 30
MI = 1 << 20
BARE = WorkloadRef(kind="Pod", namespace="default", name="bare")


def node(
    name: str,
    cpu: int = 4000,
    memory: int = 8 * GI,
    pods: int = 110,
    *,
    labels: dict[str, str] | None = None,
    taints: Sequence[Taint] = (),
    unschedulable: bool = False,
    zone: str | None = None,
    extended: dict[str, int] | None = None,
) -> Node:
    """A node with ``kubernetes.io/hostname`` set; ``extended``: more allocatable."""
    all_labels = {"kubernetes.io/hostname": name, **(labels or {})}
    if zone is not None:
        all_labels["topology.kubernetes.io/zone"] = zone
    allocatable = {"cpu": cpu, "memory": memory, "pods": pods}
    allocatable.update(extended or {})
    return Node(
        name=name,
        labels=all_labels,
        taints=tuple(taints),
        allocatable=allocatable,
        unschedulable=unschedulable,
    )


def spec(
    cpu: int = 0, memory: int = 0, *, requests: dict[str, int] | None = None, **fields: Any
) -> PodSpec:
    """A pod spec; scoring's non-zero requests follow upstream's defaults (100m / 200Mi)."""
    wanted = {k: v for k, v in {"cpu": cpu, "memory": memory}.items() if v}
    wanted.update(requests or {})
    return PodSpec(
        requests=wanted,
        nonzero_cpu=wanted.get("cpu", 0) or 100,
        nonzero_memory=wanted.get("memory", 0) or 200 * MI,
        **fields,
    )


@dataclass
class P:
    """A pod to put in a snapshot: bound when ``node`` is given, else Pending."""

    name: str
    spec: PodSpec
    node: str | None = None
    namespace: str = "default"
    owner: WorkloadRef | None = None
    created: str = ""
    deleting: bool = False
    ready: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def cluster(
    nodes: Sequence[Node],
    pods: Sequence[P] = (),
    *,
    version: str = "1.34",
    workloads: Sequence[Workload] = (),
    budgets: Sequence[DisruptionBudget] = (),
) -> ClusterSnapshot:
    specs: list[PodSpec] = []
    built = []
    for p in pods:
        if p.spec not in specs:
            specs.append(p.spec)
        built.append(
            Pod(
                namespace=p.namespace,
                name=p.name,
                spec=specs.index(p.spec),
                node=p.node,
                phase="Running" if p.node else "Pending",
                owner=p.owner or WorkloadRef(kind="Pod", namespace=p.namespace, name=p.name),
                created=p.created,
                deleting=p.deleting,
                ready=p.ready,
            )
        )
    return ClusterSnapshot(
        name="test",
        version=version,
        nodes=tuple(nodes),
        pods=tuple(built),
        specs=tuple(specs),
        workloads=tuple(workloads),
        disruption_budgets=tuple(budgets),
    )

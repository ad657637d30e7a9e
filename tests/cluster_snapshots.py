"""Hand-built cluster snapshots for the simulation tests: a tiny builder over the model.

``Cluster`` collects nodes, specs, pods and workloads and returns a ``ClusterSnapshot``;
quantities are plain integers (millicores, bytes). Pods of a workload are bound in the order
given; their names follow the workload's (``web-a``, ``web-b``, …) so that tests can tell
them from the pods the simulation creates (``web-0``, ``web-1``, …).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.kube.model import (
    ClusterSnapshot,
    DisruptionBudget,
    LabelSelector,
    Node,
    Pod,
    PodSpec,
    Taint,
    Toleration,
    Workload,
    WorkloadKind,
    WorkloadRef,
)

GI = 1 << 30
ZONE = "topology.kubernetes.io/zone"
POOL = "cloud.google.com/gke-nodepool"


def node(
    name: str,
    zone: str | None = None,
    cpu: int = 4000,
    memory: int = 8 * GI,
    pool: str | None = None,
    taints: tuple[Taint, ...] = (),
    **extra: Any,
) -> Node:
    labels = {"kubernetes.io/hostname": name}
    if zone is not None:
        labels[ZONE] = zone
    if pool is not None:
        labels[POOL] = pool
    allocatable = {"cpu": cpu, "memory": memory, "pods": 110}
    return Node(
        name=name,
        labels=labels,
        taints=taints,
        allocatable=allocatable,
        capacity=dict(allocatable),
        **extra,
    )


def spec(
    app: str,
    cpu: int = 1000,
    memory: int = GI,
    tolerations: tuple[Toleration, ...] = (),
    **extra: Any,
) -> PodSpec:
    return PodSpec(
        labels={"app": app},
        requests={"cpu": cpu, "memory": memory},
        nonzero_cpu=cpu or 100,
        nonzero_memory=memory or 200 << 20,
        tolerations=tolerations,
        **extra,
    )


@dataclass
class Cluster:
    """A snapshot under construction."""

    nodes: list[Node] = field(default_factory=list)
    specs: list[PodSpec] = field(default_factory=list)
    pods: list[Pod] = field(default_factory=list)
    workloads: list[Workload] = field(default_factory=list)
    budgets: list[DisruptionBudget] = field(default_factory=list)
    version: str = "1.33"

    def spec_index(self, s: PodSpec) -> int:
        if s not in self.specs:
            self.specs.append(s)
        return self.specs.index(s)

    def workload(
        self,
        kind: WorkloadKind,
        name: str,
        s: PodSpec,
        on: list[str | None] | None = None,
        replicas: int | None = None,
        namespace: str = "default",
        **extra: Any,
    ) -> Cluster:
        """A workload and, for each entry of ``on``, a pod bound there (None: Pending)."""
        index = self.spec_index(s)
        on = on or []
        if kind != "Pod":
            if replicas is None and kind != "DaemonSet":
                replicas = len(on)
            self.workloads.append(
                Workload(
                    kind=kind,
                    namespace=namespace,
                    name=name,
                    template=index,
                    replicas=replicas,
                    selector=LabelSelector(match_labels=dict(s.labels)),
                    **extra,
                )
            )
        owner = WorkloadRef(kind=kind, namespace=namespace, name=name)
        for i, where in enumerate(on):
            if kind == "StatefulSet":
                pod_name = f"{name}-{i}"
            elif kind == "DaemonSet":
                pod_name = f"{name}-{where}"
            elif kind == "Pod":
                pod_name = name
            else:
                pod_name = f"{name}-{'abcdefghij'[i]}"
            self.pods.append(
                Pod(
                    namespace=namespace,
                    name=pod_name,
                    spec=index,
                    node=where,
                    phase="Running" if where else "Pending",
                    owner=owner,
                )
            )
        return self

    def budget(self, name: str, app: str, **limits: Any) -> Cluster:
        self.budgets.append(
            DisruptionBudget(
                namespace="default",
                name=name,
                selector=LabelSelector(match_labels={"app": app}),
                **limits,
            )
        )
        return self

    def snapshot(self) -> ClusterSnapshot:
        return ClusterSnapshot(
            name="test",
            version=self.version,
            nodes=tuple(self.nodes),
            specs=tuple(self.specs),
            pods=tuple(self.pods),
            workloads=tuple(self.workloads),
            disruption_budgets=tuple(self.budgets),
        )


def steps(report: Any) -> list[tuple[float, str, str]]:
    """(time, effect, description) of each step."""
    return [(s.at_seconds, s.effect, s.description) for s in report.steps]


def workloads(report: Any) -> list[tuple[str, str, int, int, int, int, int]]:
    """(kind, name, desired, running, pending, terminating, available) of each workload."""
    return [
        (w.kind, w.name, w.desired, w.running, w.pending, w.terminating, w.available)
        for w in report.outcome.workloads
    ]

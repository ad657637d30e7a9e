"""The scheduler's view of one node and of the pod being scheduled, for one cycle.

:class:`NodeInfo` mirrors ``pkg/scheduler/framework/types.go NodeInfo``: the node and the
pods bound there with their summed requests. Filters read it; preemption's dry run takes a
:meth:`NodeInfo.copy` and removes or adds pods on it (``RemovePod``/``AddPodInfo``) without
touching the :class:`~service.simulation.state.ClusterState`.

:class:`Incoming` is the pod being scheduled: its spec, namespace, request row (over the
state's dense resource index) and priority, read once per cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.kube.model import Labels, PodSpec, Taint
from service.simulation.state import ClusterState, Int64Array


@dataclass(frozen=True, slots=True)
class Incoming:
    """The pod a cycle schedules."""

    pod: int
    namespace: str
    spec_index: int
    spec: PodSpec
    request: Int64Array

    @property
    def labels(self) -> Labels:
        return self.spec.labels

    @property
    def priority(self) -> int:
        return self.spec.priority


def incoming(state: ClusterState, pod: int) -> Incoming:
    s = state.pod_spec[pod]
    return Incoming(pod, state.pod_namespace[pod], s, state.specs[s], state.spec_request[s])


@dataclass(slots=True)
class NodeInfo:
    """One node as the filters see it (``requested`` and ``pods`` may be a dry run's)."""

    index: int
    name: str
    labels: Labels
    taints: tuple[Taint, ...]
    unschedulable: bool
    allocatable: Int64Array
    requested: Int64Array
    max_pods: int
    pods: list[int]

    def copy(self) -> NodeInfo:
        return NodeInfo(
            self.index,
            self.name,
            self.labels,
            self.taints,
            self.unschedulable,
            self.allocatable,
            self.requested.copy(),
            self.max_pods,
            list(self.pods),
        )

    def remove_pod(self, state: ClusterState, pod: int) -> None:
        self.pods.remove(pod)
        self.requested = self.requested - state.spec_request[state.pod_spec[pod]]

    def add_pod(self, state: ClusterState, pod: int) -> None:
        self.pods.append(pod)
        self.requested = self.requested + state.spec_request[state.pod_spec[pod]]


def node_info(state: ClusterState, node: int) -> NodeInfo:
    """The node ``node`` of ``state`` now (its arrays are copies: safe to change)."""
    return NodeInfo(
        node,
        state.node_names[node],
        state.node_labels[node],
        state.node_taints[node],
        bool(state.unschedulable[node]),
        state.allocatable[node].copy(),
        state.requested[node].copy(),
        int(state.max_pods[node]),
        list(state.node_pods[node]),
    )

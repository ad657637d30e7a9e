"""Your own clusters: the named scenarios, what kube-scheduler does now, and resilience.

``scenarios()`` lists what the server offers by name (its built-in scenarios and the
clusters imported with ``archgraph import-cluster`` and served with ``serve --scenarios``);
``scheduling`` and ``resilience`` take one of them by ``scenario_name``, or a ``snapshot``:
``kubectl get … -o json|yaml`` output sent as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from archgraph_client.entities import JSON


@dataclass(frozen=True, slots=True)
class ScenarioSummary:
    """A named cluster scenario and what it holds before anything fails.

    ``origin``: ``built-in`` or ``imported``; ``pod_count``: the pods the simulation holds
    (bound or Pending, not finished, plus those the controllers will create);
    ``workloads_by_kind``: ``{"Deployment": 14, ...}``.
    """

    name: str
    origin: str
    description: str
    kubernetes_version: str
    node_count: int
    ready_node_count: int
    cordoned_node_count: int
    zones: tuple[str, ...]
    pod_count: int
    workload_count: int
    workloads_by_kind: dict[str, int]
    disruption_budget_count: int

    @classmethod
    def from_json(cls, data: JSON) -> ScenarioSummary:
        return cls(
            name=data["name"],
            origin=data["origin"],
            description=data["description"],
            kubernetes_version=data["kubernetesVersion"],
            node_count=data["nodeCount"],
            ready_node_count=data["readyNodeCount"],
            cordoned_node_count=data["cordonedNodeCount"],
            zones=tuple(data["zones"]),
            pod_count=data["podCount"],
            workload_count=data["workloadCount"],
            workloads_by_kind={k["kind"]: k["count"] for k in data["workloadsByKind"]},
            disruption_budget_count=data["disruptionBudgetCount"],
        )


@dataclass(frozen=True, slots=True)
class PodRef:
    """A pod, by namespace and name."""

    namespace: str
    name: str

    @classmethod
    def from_json(cls, data: JSON) -> PodRef:
        return cls(namespace=data["namespace"], name=data["name"])


@dataclass(frozen=True, slots=True)
class NodeReasons:
    """Why one node cannot take a pod: its first failing filter's reasons."""

    node: str
    reasons: tuple[str, ...]

    @classmethod
    def from_json(cls, data: JSON) -> NodeReasons:
        return cls(node=data["node"], reasons=tuple(data["reasons"]))


@dataclass(frozen=True, slots=True)
class PodScheduling:
    """What kube-scheduler does with one Pending pod: the ``node`` it binds to (None: it
    stays Pending) after preempting ``victims``, or ``message``, the FitError it reports
    (its FailedScheduling event), with each node's reasons."""

    namespace: str
    name: str
    node: str | None
    victims: tuple[PodRef, ...]
    message: str | None
    node_reasons: tuple[NodeReasons, ...]

    @classmethod
    def from_json(cls, data: JSON) -> PodScheduling:
        return cls(
            namespace=data["namespace"],
            name=data["name"],
            node=data["node"],
            victims=tuple(PodRef.from_json(v) for v in data["victims"]),
            message=data["message"],
            node_reasons=tuple(NodeReasons.from_json(r) for r in data["nodeReasons"]),
        )


@dataclass(frozen=True, slots=True)
class SchedulingResult:
    """kube-scheduler's decisions for a cluster's unbound Pending pods, in queue order."""

    scenario: str
    kubernetes_version: str
    node_count: int
    pods: tuple[PodScheduling, ...]

    def pod(self, name: str, namespace: str = "default") -> PodScheduling:
        """One pod's decision by name; KeyError when the pod was not Pending."""
        for pod in self.pods:
            if (pod.namespace, pod.name) == (namespace, name):
                return pod
        raise KeyError(f"{namespace}/{name}")

    @classmethod
    def from_json(cls, data: JSON) -> SchedulingResult:
        return cls(
            scenario=data["scenario"],
            kubernetes_version=data["kubernetesVersion"],
            node_count=data["nodeCount"],
            pods=tuple(PodScheduling.from_json(p) for p in data["pods"]),
        )


class LossScope(StrEnum):
    """What is lost: one node, or every node of one zone (GraphQL enum ``LossScope``)."""

    NODE = "NODE"
    ZONE = "ZONE"


@dataclass(frozen=True, slots=True)
class WorkloadName:
    """A workload, by kind, namespace and name."""

    kind: str
    namespace: str
    name: str

    @classmethod
    def from_json(cls, data: JSON) -> WorkloadName:
        return cls(kind=data["kind"], namespace=data["namespace"], name=data["name"])


@dataclass(frozen=True, slots=True)
class DegradedWorkload:
    """A workload left with fewer available pods (``running``) than ``desired``."""

    kind: str
    namespace: str
    name: str
    desired: int
    running: int

    @classmethod
    def from_json(cls, data: JSON) -> DegradedWorkload:
        return cls(
            kind=data["kind"],
            namespace=data["namespace"],
            name=data["name"],
            desired=data["desired"],
            running=data["running"],
        )


@dataclass(frozen=True, slots=True)
class PendingPod:
    """A pod left Pending (``namespace/name``), and kube-scheduler's reason."""

    pod: str
    reason: str

    @classmethod
    def from_json(cls, data: JSON) -> PendingPod:
        return cls(pod=data["pod"], reason=data["reason"])


@dataclass(frozen=True, slots=True)
class Loss:
    """What losing one node or zone does: workloads left without an available pod, workloads
    degraded, and the pods left Pending (``pending_pods`` in all; ``pending``, the first 20)."""

    scope: LossScope
    target: str
    unavailable: tuple[WorkloadName, ...]
    degraded: tuple[DegradedWorkload, ...]
    pending_pods: int
    pending: tuple[PendingPod, ...]

    @classmethod
    def from_json(cls, data: JSON) -> Loss:
        return cls(
            scope=LossScope(data["scope"]),
            target=data["target"],
            unavailable=tuple(WorkloadName.from_json(w) for w in data["unavailable"]),
            degraded=tuple(DegradedWorkload.from_json(w) for w in data["degraded"]),
            pending_pods=data["pendingPods"],
            pending=tuple(PendingPod.from_json(p) for p in data["pending"]),
        )


@dataclass(frozen=True, slots=True)
class SinglePointOfFailure:
    """A node or zone whose loss takes ``workloads`` to zero available pods."""

    scope: LossScope
    target: str
    workloads: tuple[WorkloadName, ...]

    @classmethod
    def from_json(cls, data: JSON) -> SinglePointOfFailure:
        return cls(
            scope=LossScope(data["scope"]),
            target=data["target"],
            workloads=tuple(WorkloadName.from_json(w) for w in data["workloads"]),
        )


@dataclass(frozen=True, slots=True)
class Resilience:
    """The outcome of losing each node and each zone, worst first, and the single points
    of failure."""

    scenario: str
    losses: tuple[Loss, ...]
    single_points_of_failure: tuple[SinglePointOfFailure, ...]

    def loss(self, scope: LossScope | str, target: str) -> Loss:
        """The loss of one node or zone; KeyError when the cluster has no such target."""
        for loss in self.losses:
            if (loss.scope, loss.target) == (LossScope(scope), target):
                return loss
        raise KeyError(f"{scope} {target}")

    @classmethod
    def from_json(cls, data: JSON) -> Resilience:
        return cls(
            scenario=data["scenario"],
            losses=tuple(Loss.from_json(loss) for loss in data["losses"]),
            single_points_of_failure=tuple(
                SinglePointOfFailure.from_json(s) for s in data["singlePointsOfFailure"]
            ),
        )

"""Nodes, the Kubernetes version their kubelets run, and the autoscaler's node groups.

- A node is what kube-scheduler's cache holds of it (``pkg/scheduler/framework/types.go
  NodeInfo``): labels, taints in spec order, ``spec.unschedulable``, ``status.allocatable``
  (what NodeResourcesFit compares with; a node without it cannot take a pod and is dropped,
  reported), plus the Ready condition (``True``/``False``/``Unknown``; a node that never
  reported one is ``Unknown``) for the node lifecycle controller and the autoscaler's health
  gate, and ``status.capacity`` (the autoscaler's least-waste expander; allocatable when
  absent).
- :func:`kubernetes_version`: the most common ``major.minor`` of the nodes'
  ``status.nodeInfo.kubeletVersion`` (ties: the newer), clamped to the versions whose
  semantics are modelled (:data:`SUPPORTED_VERSIONS`), or the one given.
- :func:`node_groups`: cluster-autoscaler node groups, one per value of the group labels
  (:func:`service.kube.wellknown.node_group_of`: GKE node pool, EKS node group, Karpenter node
  pool, AKS agent pool, else the instance type); the template is the group's first ready,
  schedulable node by name (else its first); ``max_size`` is the group's current size until an
  input raises it.
"""

from __future__ import annotations

import re
from collections import Counter

from service.kube.model import AutoscalerConfig, Node, NodeGroup, ReadyStatus, Taint
from service.kube.wellknown import node_group_of
from service.snapshots.decode import ConditionIn, NodeSpecIn, NodeStatusIn
from service.snapshots.problems import At, Quantities
from service.snapshots.scheduling_terms import EFFECTS

SUPPORTED_VERSIONS = ("1.31", "1.32", "1.33", "1.34")
DEFAULT_VERSION = "1.34"
_VERSION = re.compile(r"^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$")


def ready_status(conditions: list[ConditionIn] | None) -> ReadyStatus:
    """The ``Ready`` condition's status (``Unknown`` when missing or not a status)."""
    statuses: tuple[ReadyStatus, ...] = ("True", "False", "Unknown")
    for condition in conditions or ():
        if condition.type == "Ready" and condition.status in statuses:
            return statuses[statuses.index(condition.status)]  # the constants, not copies
    return "Unknown"


def convert_node(
    name: str,
    labels: dict[str, str],
    created: str,
    spec: NodeSpecIn | None,
    status: NodeStatusIn | None,
    quantities: Quantities,
    at: At,
) -> Node | None:
    """The model's node, or None when it has no ``status.allocatable`` (the caller reports)."""
    spec = spec or NodeSpecIn()
    status = status or NodeStatusIn()
    taints: list[Taint] = []
    for i, taint in enumerate(spec.taints or ()):
        taint_at = at.at(f"spec.taints[{i}]")
        if taint.effect not in EFFECTS:
            taint_at.problem(f"{taint.effect!r} is not one of {', '.join(EFFECTS)}", "effect")
            continue
        taints.append(Taint(key=taint.key, value=taint.value or "", effect=taint.effect))  # type: ignore[arg-type]
    allocatable = quantities.parse_map(status.allocatable, at.at("status.allocatable"))
    capacity = quantities.parse_map(status.capacity, at.at("status.capacity"))
    if not status.allocatable:
        return None
    info = status.node_info
    return Node(
        name=name,
        labels=labels,
        taints=tuple(taints),
        allocatable=allocatable,
        capacity=capacity or dict(allocatable),
        unschedulable=bool(spec.unschedulable),
        ready=ready_status(status.conditions),
        kubelet_version=(info.kubelet_version or "") if info else "",
        created=created,
    )


def minor_version(text: str) -> str | None:
    """``v1.31.2+k3s1`` → ``1.31``; None when it is not a version."""
    match = _VERSION.match(text.strip())
    return f"{int(match[1])}.{int(match[2])}" if match else None


def _key(version: str) -> tuple[int, int]:
    major, minor = version.split(".")
    return int(major), int(minor)


def clamp(version: str) -> str:
    """The nearest modelled version (``1.8`` → ``1.31``, ``1.36`` → ``1.34``)."""
    if _key(version) < _key(SUPPORTED_VERSIONS[0]):
        return SUPPORTED_VERSIONS[0]
    if _key(version) > _key(SUPPORTED_VERSIONS[-1]):
        return SUPPORTED_VERSIONS[-1]
    return version


def kubernetes_version(nodes: list[Node]) -> tuple[str, str | None]:
    """(the modelled version to follow, the kubelets' own most common one or None)."""
    counts = Counter(v for v in (minor_version(n.kubelet_version) for n in nodes) if v)
    if not counts:
        return DEFAULT_VERSION, None
    seen = max(counts, key=lambda v: (counts[v], _key(v)))
    return clamp(seen), seen


def node_groups(nodes: list[Node]) -> AutoscalerConfig | None:
    """One autoscaler group per node-group label value; None when no node has one."""
    groups: dict[str, list[Node]] = {}
    for node in nodes:
        group = node_group_of(node.labels)
        if group:
            groups.setdefault(group, []).append(node)
    if not groups:
        return None
    result = []
    for name in sorted(groups):
        members = sorted(groups[name], key=lambda n: n.name)
        usable = [n for n in members if n.ready == "True" and not n.unschedulable]
        result.append(
            NodeGroup(name=name, template=(usable or members)[0].name, max_size=len(members))
        )
    return AutoscalerConfig(groups=tuple(result))

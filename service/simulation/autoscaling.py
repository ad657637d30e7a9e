"""The cluster autoscaler's rules (CA 1.31–1.34) that need no cluster: groups, health, choice.

Sources in ``kubernetes/autoscaler`` ``cluster-autoscaler/``:

- **Node groups.** A node's group is its first node-group label
  (``cloud.google.com/gke-nodepool``, ``eks.amazonaws.com/nodegroup``,
  ``karpenter.sh/nodepool``, ``agentpool``), else its instance type
  (:func:`~service.kube.wellknown.node_group_of`; ``default`` when it has neither). A
  group's template is one of its nodes, the first Ready one by name, sanitised as
  ``simulator/node_info_utils.go`` does: a new name and hostname label, no
  node-condition taints (``utils/taints/taints.go NodeConditionTaints``), no autoscaler
  taints, not cordoned (:func:`template_node`). A group may instead come with a template of
  its own (``NodeGroup.template_node``: the cloud provider's ``TemplateNodeInfo``, as for a
  group scaled from zero).
- **Health gate** (``clusterstate/clusterstate.go IsClusterHealthy``): the cluster is
  unhealthy when more than ``--ok-total-unready-count`` (3) nodes **and** more than
  ``--max-total-unready-percentage`` (45 %) of the registered nodes are unready; then
  nothing scales that loop, with the Warning event ``ClusterUnhealthy`` ``Cluster is
  unhealthy`` (:func:`cluster_healthy`).
- **Loop** every ``--scan-interval`` (10 s); pods all younger than 2 s wait one loop
  (``allPodsAreNew``); pods below ``--expendable-pods-priority-cutoff`` (-10) never
  trigger a scale-up; ``--max-nodes-total`` 0 means no limit, and once the Ready nodes
  reach it nothing scales (log ``Max total nodes in cluster reached``), a scale-up that
  would pass it is capped (event ``MaxNodesTotalReached`` ``Max total nodes in cluster
  reached: <n>``).
- **Expander least-waste** (``expander/waste/waste.go``, the default from CA 1.33): the
  option whose new nodes would waste the least of their CPU and memory **capacity**,
  ``(cap·n − requested)/(cap·n)`` summed over both (:func:`waste_score`); ties (random in
  CA) go to the smaller group name here. One group grows per loop.
- **Pods no group helps** get ``NotTriggerScaleUp`` ``pod didn't trigger scale-up: <reasons>``
  (``processors/status/eventing_scale_up_processor.go``), each reason counted over the node
  groups as ``"<n> <reason>"``; CA's order is a map's, ours sorted (:func:`not_triggered`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from service.kube.model import AutoscalerConfig, Node
from service.kube.wellknown import (
    HOSTNAME,
    TAINT_DISK_PRESSURE,
    TAINT_MEMORY_PRESSURE,
    TAINT_NETWORK_UNAVAILABLE,
    TAINT_NOT_READY,
    TAINT_PID_PRESSURE,
    TAINT_UNREACHABLE,
    TAINT_UNSCHEDULABLE,
    node_group_of,
)

SCAN_INTERVAL = 10.0
NEW_POD_BUFFER = 2.0
OK_TOTAL_UNREADY_COUNT = 3
MAX_TOTAL_UNREADY_PERCENTAGE = 45.0
EXPENDABLE_PODS_PRIORITY_CUTOFF = -10
DEFAULT_GROUP = "default"
CLUSTER_UNHEALTHY = "Cluster is unhealthy"
MAX_GROUP_SIZE_REACHED = "max node group size reached"
NO_GROUPS = "no node groups"
TEMPLATE_TAINTS_DROPPED = frozenset(
    {
        TAINT_NOT_READY,
        TAINT_UNREACHABLE,
        TAINT_UNSCHEDULABLE,
        TAINT_MEMORY_PRESSURE,
        TAINT_DISK_PRESSURE,
        TAINT_NETWORK_UNAVAILABLE,
        TAINT_PID_PRESSURE,
        "node.kubernetes.io/out-of-disk",
        "ToBeDeletedByClusterAutoscaler",
        "DeletionCandidateOfClusterAutoscaler",
    }
)


def next_scan(now: float) -> float:
    """The autoscaler's first loop after ``now`` (loops run every 10 s from ``t = 0``)."""
    return (now // SCAN_INTERVAL + 1) * SCAN_INTERVAL


def max_nodes_reached(limit: int) -> str:
    """The ``MaxNodesTotalReached`` event's message."""
    return f"Max total nodes in cluster reached: {limit}"


def cluster_healthy(registered: int, unready: int) -> bool:
    """``IsClusterHealthy``: not (more than 3 and more than 45 % of the nodes unready)."""
    return not (
        unready > OK_TOTAL_UNREADY_COUNT
        and unready > MAX_TOTAL_UNREADY_PERCENTAGE / 100.0 * registered
    )


def group_name(node: Node) -> str:
    """The node group a node belongs to (:data:`DEFAULT_GROUP` without a label)."""
    return node_group_of(node.labels) or DEFAULT_GROUP


@dataclass(frozen=True, slots=True)
class NodeGroupPlan:
    """A node group the autoscaler may grow: its template node and limits."""

    name: str
    template: Node  # an existing node of the group (or the group's template), unsanitised
    max_size: int | None  # None: no limit of its own
    members: tuple[str, ...]  # the group's nodes in the snapshot, by name


def node_groups(nodes: Sequence[Node], config: AutoscalerConfig) -> list[NodeGroupPlan]:
    """The node groups of ``config``, or of the nodes' labels when it names none.

    Raises
    ------
    ValueError : a group whose template names no node (``autoscaler.groups[i].template``).
    """
    by_group: dict[str, list[Node]] = {}
    for node in sorted(nodes, key=lambda n: n.name):
        by_group.setdefault(group_name(node), []).append(node)
    by_name = {n.name: n for n in nodes}
    if config.groups:
        plans = []
        for i, group in enumerate(config.groups):
            template = group.template_node or by_name.get(group.template)
            if template is None:
                raise ValueError(
                    f"autoscaler.groups[{i}].template: no node named {group.template!r}"
                )
            names = tuple(n.name for n in by_group.get(group.name, ()))
            plans.append(NodeGroupPlan(group.name, template, group.max_size, names))
        return plans
    plans = []
    for name, members in sorted(by_group.items()):
        ready = [n for n in members if n.ready == "True"]
        first = (ready or members)[0]
        plans.append(NodeGroupPlan(name, first, None, tuple(n.name for n in members)))
    return plans


def template_node(template: Node, name: str) -> Node:
    """A new node of ``template``'s group named ``name``, as CA builds it from the template."""
    labels = dict(template.labels)
    if HOSTNAME in labels:
        labels[HOSTNAME] = name
    taints = tuple(t for t in template.taints if t.key not in TEMPLATE_TAINTS_DROPPED)
    return Node(
        name=name,
        labels=labels,
        taints=taints,
        allocatable=dict(template.allocatable),
        capacity=dict(template.capacity or template.allocatable),
        kubelet_version=template.kubelet_version,
    )


def waste_score(
    capacity_cpu: int, capacity_memory: int, nodes: int, cpu: int, memory: int
) -> float:
    """least-waste's score for ``nodes`` new nodes holding pods that request ``cpu`` and
    ``memory`` (lower is better; a resource the nodes lack counts as all wasted)."""
    score = 0.0
    for capacity, requested in ((capacity_cpu, cpu), (capacity_memory, memory)):
        total = capacity * nodes
        score += (total - requested) / total if total > 0 else 1.0
    return score


def not_triggered(reasons: Mapping[str, int]) -> str:
    """``pod didn't trigger scale-up: …`` for reasons counted over the node groups."""
    parts = sorted(f"{count} {reason}" for reason, count in reasons.items())
    return f"pod didn't trigger scale-up: {', '.join(parts)}"

"""Label and taint keys Kubernetes itself defines (``k8s.io/api/core/v1/well_known_labels.go``,
``well_known_taints.go``) and the node-group labels cluster autoscalers use."""

from __future__ import annotations

HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"
REGION = "topology.kubernetes.io/region"
LEGACY_ZONE = "failure-domain.beta.kubernetes.io/zone"
LEGACY_REGION = "failure-domain.beta.kubernetes.io/region"
INSTANCE_TYPE = "node.kubernetes.io/instance-type"
LEGACY_INSTANCE_TYPE = "beta.kubernetes.io/instance-type"
EXCLUDE_DISRUPTION = "node.kubernetes.io/exclude-disruption"

TAINT_NOT_READY = "node.kubernetes.io/not-ready"
TAINT_UNREACHABLE = "node.kubernetes.io/unreachable"
TAINT_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
TAINT_MEMORY_PRESSURE = "node.kubernetes.io/memory-pressure"
TAINT_DISK_PRESSURE = "node.kubernetes.io/disk-pressure"
TAINT_PID_PRESSURE = "node.kubernetes.io/pid-pressure"
TAINT_NETWORK_UNAVAILABLE = "node.kubernetes.io/network-unavailable"
TAINT_OUT_OF_SERVICE = "node.kubernetes.io/out-of-service"

# Defaults the scheduler and the kubelet apply when a pod or node does not say: scoring counts
# a container without a request as 100m CPU and 200 MiB (pkg/scheduler/util/pod_resources.go);
# a node runs at most 110 pods (the kubelet's --max-pods).
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024
DEFAULT_MAX_PODS = 110

# The node-group label of each autoscaler, in the order they are looked for; a node without
# any of them is grouped by instance type.
NODE_GROUP_LABELS = (
    "cloud.google.com/gke-nodepool",
    "eks.amazonaws.com/nodegroup",
    "karpenter.sh/nodepool",
    "agentpool",
)


def zone_of(labels: dict[str, str]) -> str:
    """The node's zone (``topology.kubernetes.io/zone``, else the legacy beta label), or ""."""
    return labels.get(ZONE) or labels.get(LEGACY_ZONE) or ""


def node_group_of(labels: dict[str, str]) -> str:
    """The autoscaler node group a node belongs to: a group label, else its instance type."""
    for key in NODE_GROUP_LABELS:
        if key in labels:
            return labels[key]
    return labels.get(INSTANCE_TYPE) or labels.get(LEGACY_INSTANCE_TYPE) or ""

"""kube-scheduler's node-local Filter plugins, in the default profile's order, on one node.

Each returns None (passes) or the :class:`~service.simulation.fit_error.Status` upstream
returns, with its exact reason and code (``pkg/scheduler/framework/plugins/…``):

1. NodeUnschedulable (``nodeunschedulable/node_unschedulable.go``): ``spec.unschedulable``
   and no toleration of ``node.kubernetes.io/unschedulable:NoSchedule`` →
   ``node(s) were unschedulable``, unresolvable.
2. NodeName (``nodename/node_name.go``): a pod with ``spec.nodeName`` is bound by
   definition in the model, so this filter never rejects here; its reason is kept for
   completeness (:data:`NODE_NAME`).
3. TaintToleration (``tainttoleration/taint_toleration.go``): the first ``NoSchedule`` /
   ``NoExecute`` taint in spec order no toleration tolerates →
   ``node(s) had untolerated taint {<key>: <value>}``, unresolvable.
4. NodeAffinity (``nodeaffinity/node_affinity.go``): ``nodeSelector`` and any required
   term → else ``node(s) didn't match Pod's node affinity/selector``, unresolvable. Its
   PreFilter (:func:`node_affinity_prefilter`) turns terms that pin ``metadata.name In``
   into the only nodes evaluated; an empty intersection is the PreFilter rejection
   ``pod affinity terms conflict``.
5. NodePorts (``nodeports/node_ports.go``): a wanted host port conflicts with one in use
   (same protocol and port, and equal host IPs or either ``0.0.0.0``) →
   ``node(s) didn't have free ports for the requested pod ports``, unschedulable.
6. NodeResourcesFit (``noderesources/fit.go fitsRequest``): ``Too many pods`` when the node
   holds ``allocatable.pods`` pods already; then every resource the pod requests more of
   than allocatable minus requested (``Insufficient cpu``, ``… memory``,
   ``… ephemeral-storage``, ``Insufficient <name>`` for the others, by name), all reasons
   at once; unschedulable, but unresolvable from 1.34 when a request exceeds the node's
   whole allocatable (V3).

PodTopologySpread and InterPodAffinity come after these and need state over all nodes:
:mod:`~service.simulation.spread`, :mod:`~service.simulation.interpod`.
"""

from __future__ import annotations

from service.kube.model import HostPort, PodSpec, Taint
from service.kube.selectors import first_untolerated, node_affinity_matches, tolerates
from service.kube.wellknown import TAINT_UNSCHEDULABLE
from service.simulation.fit_error import Status, unresolvable, unschedulable
from service.simulation.node_info import Incoming, NodeInfo
from service.simulation.state import BASE_RESOURCES, ClusterState

NODE_UNSCHEDULABLE = "node(s) were unschedulable"
NODE_NAME = "node(s) didn't match the requested node name"
NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
AFFINITY_CONFLICT = "pod affinity terms conflict"
NODE_PORTS = "node(s) didn't have free ports for the requested pod ports"
TOO_MANY_PODS = "Too many pods"
ABSENT_NODE_AFFINITY = "node(s) didn't satisfy plugin(s) [NodeAffinity]"
ANY_IP = "0.0.0.0"
_UNSCHEDULABLE_TAINT = Taint(key=TAINT_UNSCHEDULABLE, effect="NoSchedule")


def taint_reason(taint: Taint) -> str:
    return f"node(s) had untolerated taint {{{taint.key}: {taint.value}}}"


def node_unschedulable(spec: PodSpec, node: NodeInfo) -> Status | None:
    if node.unschedulable and not any(tolerates(t, _UNSCHEDULABLE_TAINT) for t in spec.tolerations):
        return unresolvable(NODE_UNSCHEDULABLE)
    return None


def taint_toleration(spec: PodSpec, node: NodeInfo) -> Status | None:
    taint = first_untolerated(node.taints, spec.tolerations)
    return None if taint is None else unresolvable(taint_reason(taint))


def node_affinity(spec: PodSpec, node: NodeInfo) -> Status | None:
    if node_affinity_matches(spec, node.name, node.labels):
        return None
    return unresolvable(NODE_AFFINITY)


def node_affinity_prefilter(spec: PodSpec) -> frozenset[str] | str | None:
    """NodeAffinity's PreFilter: the node names every required term pins with
    ``metadata.name In`` (union over terms, intersection within one), None when some term
    pins none (every node is evaluated), or :data:`AFFINITY_CONFLICT` when the names are
    empty."""
    affinity = spec.node_affinity
    if affinity is None or not affinity.required:
        return None
    names: set[str] = set()
    for term in affinity.required:
        pinned: set[str] | None = None
        for field in term.match_fields:
            if field.key == "metadata.name" and field.operator == "In":
                pinned = set(field.values) if pinned is None else pinned & set(field.values)
        if pinned is None:
            return None
        names |= pinned
    return frozenset(names) if names else AFFINITY_CONFLICT


def _conflict(used: list[HostPort], want: HostPort) -> bool:
    if want.port <= 0:
        return False
    ip = want.host_ip or ANY_IP
    for port in used:
        if port.port != want.port or port.protocol != want.protocol:
            continue
        other = port.host_ip or ANY_IP
        if ip == ANY_IP or other in (ANY_IP, ip):
            return True
    return False


def node_ports(state: ClusterState, spec: PodSpec, node: NodeInfo) -> Status | None:
    if not spec.host_ports:
        return None
    used = [p for pod in node.pods for p in state.specs[state.pod_spec[pod]].host_ports]
    if any(_conflict(used, want) for want in spec.host_ports):
        return unschedulable(NODE_PORTS)
    return None


def resources_fit(state: ClusterState, pod: Incoming, node: NodeInfo) -> Status | None:
    reasons: list[str] = []
    resolvable = True
    if len(node.pods) + 1 > node.max_pods:
        reasons.append(TOO_MANY_PODS)
    request, allocatable, requested = pod.request, node.allocatable, node.requested
    extended = sorted(
        range(len(BASE_RESOURCES), len(state.resources)), key=state.resources.__getitem__
    )
    for r in [*range(len(BASE_RESOURCES)), *extended]:
        want = int(request[r])
        if want > 0 and want > allocatable[r] - requested[r]:
            reasons.append(f"Insufficient {state.resources[r]}")
            if want > allocatable[r]:
                resolvable = False
    if not reasons:
        return None
    if not resolvable and state.version >= (1, 34):
        return unresolvable(*reasons)
    return unschedulable(*reasons)


def run_node_filters(state: ClusterState, pod: Incoming, node: NodeInfo) -> Status | None:
    """The node-local filters in order; the first failure's status."""
    spec = pod.spec
    return (
        node_unschedulable(spec, node)
        or taint_toleration(spec, node)
        or node_affinity(spec, node)
        or node_ports(state, spec, node)
        or resources_fit(state, pod, node)
    )

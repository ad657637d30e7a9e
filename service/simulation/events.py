"""The failure events a real cluster can be put through, and what their targets name.

=========================  ==================================================================
event                      target
=========================  ==================================================================
``NODE_DOWN``              a node: its kubelet stops reporting (unreachable)
``ZONE_DOWN``              a ``topology.kubernetes.io/zone`` value: every node of that zone
``ALL_NODES_DOWN``         none: every node
``NODE_DRAIN``             a node: ``kubectl drain`` (:mod:`~service.simulation.drain`)
``NODE_DELETED``           a node: its VM is gone and its Node object deleted
``POD_DELETED``            a pod (``name`` or ``namespace/name``) or a workload
                           (``Kind/name`` or ``Kind/namespace/name``, e.g.
                           ``deployment/web``: all its pods)
``POD_CRASHED``            the same: the containers crash and the kubelet restarts them
``INSUFFICIENT_RESOURCES`` none: the snapshot as it is, its Pending pods scheduled
=========================  ==================================================================

:func:`resolve_target` turns a target into node or pod indices, or raises
:class:`~service.errors.InvalidArgument` naming what it could have been.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from service.errors import InvalidArgument
from service.simulation.state import ClusterState

KINDS = {
    "deployment": "Deployment",
    "replicaset": "ReplicaSet",
    "statefulset": "StatefulSet",
    "daemonset": "DaemonSet",
    "job": "Job",
    "pod": "Pod",
}


class ClusterEvent(StrEnum):
    """What fails; the names match the knowledge graph's ``failure_event`` attributes."""

    POD_DELETED = "POD_DELETED"
    POD_CRASHED = "POD_CRASHED"
    NODE_DOWN = "NODE_DOWN"
    ZONE_DOWN = "ZONE_DOWN"
    ALL_NODES_DOWN = "ALL_NODES_DOWN"
    NODE_DRAIN = "NODE_DRAIN"
    NODE_DELETED = "NODE_DELETED"
    INSUFFICIENT_RESOURCES = "INSUFFICIENT_RESOURCES"


NODE_EVENTS = (ClusterEvent.NODE_DOWN, ClusterEvent.NODE_DRAIN, ClusterEvent.NODE_DELETED)
POD_EVENTS = (ClusterEvent.POD_DELETED, ClusterEvent.POD_CRASHED)
UNTARGETED = (ClusterEvent.ALL_NODES_DOWN, ClusterEvent.INSUFFICIENT_RESOURCES)


def as_cluster_event(event: ClusterEvent | str) -> ClusterEvent:
    try:
        return ClusterEvent(event)
    except ValueError:
        valid = ", ".join(e.value for e in ClusterEvent)
        raise InvalidArgument(
            "event", f"{shown(str(event))} is not a failure event; expected {valid}"
        ) from None


def shown(text: str, limit: int = 80) -> str:
    """``text`` quoted for a message, cut short when long (a target may be anything)."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def listing(names: Sequence[str], limit: int = 20) -> str:
    head = ", ".join(names[:limit])
    more = len(names) - limit
    return (head + (f", … ({more} more)" if more > 0 else "")) or "none"


@dataclass(frozen=True, slots=True)
class Target:
    """What an event hits: node indices, or pod indices."""

    nodes: tuple[int, ...] = ()
    pods: tuple[int, ...] = ()


def resolve_target(state: ClusterState, event: ClusterEvent, target: str | None) -> Target:
    """The nodes or pods ``target`` names for ``event``.

    Raises
    ------
    InvalidArgument : ``target`` missing, superfluous, or naming nothing in the cluster.
    """
    if event in UNTARGETED:
        if target is not None:
            raise InvalidArgument("target", f"{event.value} takes no target, got {shown(target)}")
        if event is ClusterEvent.ALL_NODES_DOWN:
            return Target(nodes=tuple(state.present_nodes()))
        return Target()
    if target is None:
        raise InvalidArgument("target", f"is required: {event.value} takes {_wanted(state, event)}")
    if event in NODE_EVENTS:
        node = state.node_index.get(target)
        if node is None or not state.node_present[node]:
            raise InvalidArgument(
                "target",
                f"no node named {shown(target)}: {event.value} takes {_wanted(state, event)}",
            )
        return Target(nodes=(node,))
    if event is ClusterEvent.ZONE_DOWN:
        nodes = tuple(n for n in state.present_nodes() if state.node_zone[n] == target)
        if not nodes:
            raise InvalidArgument(
                "target",
                f"no node in zone {shown(target)}: ZONE_DOWN takes {_wanted(state, event)}",
            )
        return Target(nodes=nodes)
    pods = _pods_named(state, target)
    namespaces = sorted({state.pod_namespace[p] for p in pods})
    if "/" not in target and len(namespaces) > 1:
        raise InvalidArgument(
            "target",
            f"pod name {shown(target)} is in several namespaces ({listing(namespaces)}): "
            "give namespace/name",
        )
    if not pods:
        raise InvalidArgument(
            "target",
            f"no pod or workload named {shown(target)}: {event.value} takes {_wanted(state, event)}",
        )
    return Target(pods=tuple(pods))


def _wanted(state: ClusterState, event: ClusterEvent) -> str:
    if event in NODE_EVENTS:
        names = [state.node_names[n] for n in state.present_nodes()]
        return f"a node name; nodes: {listing(names)}"
    if event is ClusterEvent.ZONE_DOWN:
        zones = sorted({state.node_zone[n] for n in state.present_nodes()} - {""})
        return f"a topology.kubernetes.io/zone value; zones: {listing(zones)}"
    return (
        "a pod (name or namespace/name) or a workload (name, Kind/name or "
        "Kind/namespace/name, e.g. web or deployment/web)"
    )


def _pods_named(state: ClusterState, target: str) -> list[int]:
    alive = [p for p in range(len(state.pod_name)) if state.pod_alive[p]]
    parts = target.split("/")
    kind = KINDS.get(parts[0].lower()) if len(parts) > 1 else None
    if kind is not None and len(parts) in (2, 3):
        name = parts[-1]
        namespace = parts[1] if len(parts) == 3 else None
        if kind == "Pod":
            return [
                p
                for p in alive
                if state.pod_name[p] == name
                and (namespace is None or state.pod_namespace[p] == namespace)
            ]
        found = [
            p
            for p in alive
            if state.pod_owner[p].kind == kind
            and state.pod_owner[p].name == name
            and (namespace is None or state.pod_owner[p].namespace == namespace)
        ]
        if found:
            return found
    if len(parts) == 2:
        namespace, name = parts
        return [
            p for p in alive if state.pod_namespace[p] == namespace and state.pod_name[p] == name
        ]
    if len(parts) == 1:
        named = [p for p in alive if state.pod_name[p] == target]
        return named or _workload_named(state, alive, target)
    return []


def _workload_named(state: ClusterState, alive: Sequence[int], name: str) -> list[int]:
    """The pods of the one workload called ``name`` (no pod is): a hand-written scenario's
    ``web`` is its Deployment. Several workloads of that name are an error listing them."""
    owners: dict[tuple[str, str], list[int]] = {}
    for p in alive:
        owner = state.pod_owner[p]
        if owner.name == name and owner.kind != "Pod":
            owners.setdefault((owner.kind, owner.namespace), []).append(p)
    if len(owners) > 1:
        found = [f"{kind.lower()}/{namespace}/{name}" for kind, namespace in sorted(owners)]
        raise InvalidArgument(
            "target", f"{shown(name)} names several workloads ({listing(found)}): give one of them"
        )
    return next(iter(owners.values()), [])

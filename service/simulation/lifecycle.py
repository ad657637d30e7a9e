"""The node lifecycle controller: when nodes that stopped reporting get the NoExecute taint.

Follows ``pkg/controller/nodelifecycle/node_lifecycle_controller.go`` (1.31–1.34) with the
kube-controller-manager defaults (``cmd/kube-controller-manager/app/options/
nodelifecyclecontroller.go``):

- **NotReady.** ``monitorNodeHealth`` runs every ``--node-monitor-period`` (5 s). A node
  whose kubelet stopped reporting at ``t = 0`` is marked ``Ready=Unknown`` (reason
  ``NodeStatusUnknown``, ``Kubelet stopped posting node status.``) once
  ``--node-monitor-grace-period`` has passed: **40 s up to 1.31, 50 s from 1.32**
  (``config/v1alpha1/defaults.go``, PR #126287). The ``unreachable:NoSchedule`` taint and
  the pods' ``Ready=False`` follow at once.
- **NoExecute taint.** ``processTaintBaseEviction`` reads the Ready condition observed
  *before* the pass, so the node joins its zone's taint queue on the next pass (+5 s) and
  is tainted ``node.kubernetes.io/unreachable:NoExecute`` through the zone's token bucket
  (``scheduler/rate_limited_queue.go``, burst 1): the first node of a zone at once, the
  next ones one per ``1 / rate`` seconds. Nodes queued in the same pass are taken in name
  order (the real queue's order among equal timestamps is arbitrary).
- **Zone states** (``ComputeZoneState``; zone = region + zone labels, ``GetZoneKey``;
  nodes labelled ``node.kubernetes.io/exclude-disruption`` are not counted):
  no Ready node → ``FullDisruption``; more than 2 not Ready and ≥ 55 % → ``PartialDisruption``;
  else ``Normal``. Rates (``setLimiterInZone``): Normal 0.1/s; PartialDisruption 0.01/s in a
  zone of more than 50 nodes (``--large-cluster-size-threshold``), else **0: no taints**;
  FullDisruption 0.1/s — unless **every** zone is fully disrupted: then the controller logs
  ``Controller detected that all Nodes are not-Ready. Entering master disruption mode``,
  removes the NoExecute taints and taints nothing (``handleDisruption``).

Times here are exact for a heartbeat lost right after the last one and passes aligned with
it; a real cluster is later by up to one monitor period (5 s) and one heartbeat (10 s).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from service.kube.wellknown import LEGACY_REGION, LEGACY_ZONE, REGION, ZONE

NODE_MONITOR_PERIOD = 5.0
NODE_EVICTION_RATE = 0.1
SECONDARY_NODE_EVICTION_RATE = 0.01
LARGE_CLUSTER_SIZE_THRESHOLD = 50
UNHEALTHY_ZONE_THRESHOLD = 0.55
MASTER_DISRUPTION_LOG = (
    "Controller detected that all Nodes are not-Ready. Entering master disruption mode"
)


class ZoneState(StrEnum):
    """``ZoneState`` of ``node_lifecycle_controller.go``."""

    NORMAL = "Normal"
    PARTIAL_DISRUPTION = "PartialDisruption"
    FULL_DISRUPTION = "FullDisruption"


def monitor_grace_period(version: tuple[int, int]) -> float:
    """``--node-monitor-grace-period``'s default: 40 s up to 1.31, 50 s from 1.32."""
    return 40.0 if version <= (1, 31) else 50.0


def zone_key(labels: Mapping[str, str]) -> str:
    """``GetZoneKey``: region and zone (the beta labels first), ``""`` when neither is set."""
    zone = labels[LEGACY_ZONE] if LEGACY_ZONE in labels else labels.get(ZONE, "")
    region = labels[LEGACY_REGION] if LEGACY_REGION in labels else labels.get(REGION, "")
    if not region and not zone:
        return ""
    return f"{region}:\x00:{zone}"


def zone_state(ready: int, not_ready: int) -> ZoneState:
    """``ComputeZoneState`` for a zone with ``ready`` and ``not_ready`` counted nodes."""
    if ready == 0 and not_ready > 0:
        return ZoneState.FULL_DISRUPTION
    if not_ready > 2 and not_ready / (not_ready + ready) >= UNHEALTHY_ZONE_THRESHOLD:
        return ZoneState.PARTIAL_DISRUPTION
    return ZoneState.NORMAL


def taint_rate(state: ZoneState, zone_size: int) -> float:
    """Nodes per second the zone's taint queue lets through (``setLimiterInZone``)."""
    if state is ZoneState.PARTIAL_DISRUPTION:
        return SECONDARY_NODE_EVICTION_RATE if zone_size > LARGE_CLUSTER_SIZE_THRESHOLD else 0.0
    return NODE_EVICTION_RATE


@dataclass(frozen=True, slots=True)
class LifecycleNode:
    """What the controller knows of one node for :func:`taint_schedule`."""

    name: str
    zone: str  # :func:`zone_key`
    ready: bool  # Ready before the failure
    fails: bool  # stops reporting at t = 0
    excluded: bool = False  # labelled node.kubernetes.io/exclude-disruption


@dataclass(frozen=True, slots=True)
class TaintSchedule:
    """When each failed node gets its NoExecute taint.

    ``not_ready_at``: when the failed nodes turn NotReady; ``taint_at``: node → time of its
    NoExecute taint, None when it never gets one; ``zones``: each counted zone's state once
    the failed nodes are NotReady; ``master_disruption``: every zone fully disrupted.
    """

    not_ready_at: float
    taint_at: Mapping[str, float | None]
    zones: Mapping[str, ZoneState]
    master_disruption: bool


@dataclass(frozen=True, slots=True)
class ZoneCounts:
    """Counted nodes per zone (:func:`zone_key`): Ready, and not Ready."""

    ready: Mapping[str, int]
    not_ready: Mapping[str, int]


def count_zones(nodes: Sequence[LifecycleNode]) -> ZoneCounts:
    """The zones' counts before the failure (excluded nodes left out)."""
    ready: dict[str, int] = {}
    not_ready: dict[str, int] = {}
    for node in nodes:
        if node.excluded:
            continue
        ready.setdefault(node.zone, 0)
        not_ready.setdefault(node.zone, 0)
        if node.ready:
            ready[node.zone] += 1
        else:
            not_ready[node.zone] += 1
    return ZoneCounts(ready, not_ready)


def taint_schedule(nodes: Sequence[LifecycleNode], grace: float) -> TaintSchedule:
    """When the nodes that fail at ``t = 0`` are tainted NoExecute.

    Parameters
    ----------
    nodes : every node of the cluster (the Node objects that exist).
    grace : the node-monitor grace period (:func:`monitor_grace_period`).

    Examples
    --------
    >>> a = LifecycleNode("a", "z", ready=True, fails=True)
    >>> b = LifecycleNode("b", "z", ready=True, fails=False)
    >>> taint_schedule([a, b], 50.0).taint_at
    {'a': 55.0}
    """
    return schedule_failures(count_zones(nodes), [n for n in nodes if n.fails], grace)


def schedule_failures(
    before: ZoneCounts, failing: Sequence[LifecycleNode], grace: float
) -> TaintSchedule:
    """:func:`taint_schedule` from the zones' counts before the failure and the failing nodes
    (what the resilience report shares across thousands of losses)."""
    ready = dict(before.ready)
    not_ready = dict(before.not_ready)
    for node in failing:
        if node.excluded or not node.ready:
            continue
        ready[node.zone] -= 1
        not_ready[node.zone] += 1
    zones = {zone: zone_state(ready[zone], not_ready[zone]) for zone in sorted(ready)}
    master = bool(zones) and all(s is ZoneState.FULL_DISRUPTION for s in zones.values())
    taint_at: dict[str, float | None] = {}
    queued = grace + NODE_MONITOR_PERIOD
    next_free: dict[str, float] = {}
    for node in sorted(failing, key=lambda n: n.name):
        state = zones.get(node.zone, ZoneState.NORMAL)
        size = ready.get(node.zone, 0) + not_ready.get(node.zone, 0)
        rate = 0.0 if master else taint_rate(state, size)
        if rate <= 0:
            taint_at[node.name] = None
            continue
        at = max(queued, next_free.get(node.zone, queued))
        taint_at[node.name] = at
        next_free[node.zone] = at + 1.0 / rate
    return TaintSchedule(grace, taint_at, zones, master)

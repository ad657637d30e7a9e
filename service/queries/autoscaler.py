"""The cluster autoscaler's scale-up: the fewest template nodes for the pending pods.

Each scale-up estimates the fewest template nodes by first-fit bin-packing of the
pending pods in order (the autoscaler's ``BinpackingNodeEstimator``), never beyond
``maxNodes`` Ready nodes, and never for a pod that would not fit an empty template node;
new nodes are ``autoscaled-1``, ``autoscaled-2``, … (skipping names in use). Then the
scheduler places the pending pods; if spreading left some behind, it scales up again.
A pod left Pending gets the autoscaler's reason appended to the scheduler's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from service.kube.quantities import MAX_CPU_MILLICORES, MAX_MEMORY_BYTES
from service.queries.cluster import Cluster
from service.queries.node_resources import (
    NodeState,
    PodRequest,
    add_pods,
    capacity,
    empty_node,
    fit_reasons,
    fits,
)
from service.queries.scheduler import Scheduler

AUTOSCALED_PREFIX = "autoscaled-"


@dataclass(frozen=True, slots=True)
class ScaleUp:
    """One reaction of the cluster autoscaler to pending pods."""

    nodes: tuple[str, ...]
    bound: tuple[tuple[str, str], ...]  # (pod, node) placed once the nodes were added
    too_big: tuple[str, ...]  # pods that would not fit an empty template node
    over_limit: tuple[str, ...]  # pods left Pending because maxNodes was reached
    max_nodes: int
    node_cpu: int
    node_memory: int


class Autoscaler:
    """The scenario's cluster autoscaler, acting on a cluster through its scheduler."""

    def __init__(self, cluster: Cluster, scheduler: Scheduler) -> None:
        self.cluster = cluster
        self.scheduler = scheduler
        self.last_added = 0  # the number of the last autoscaled node

    def scale_up(self) -> ScaleUp | None:
        """Scale up for the pending pods (None when there is no enabled autoscaler)."""
        cluster = self.cluster
        spec = cluster.scenario.autoscaler
        pending = cluster.pending_pods()
        if spec is None or not spec.enabled or not pending:
            return None
        template = empty_node(spec.node_cpu, spec.node_memory)
        added: list[str] = []
        bound: list[int] = []
        too_big: list[int] = []
        over_limit: list[int] = []
        while pending:
            room = spec.max_nodes - cluster.ready
            bins, too_big, over_limit = estimate(cluster.runs(pending), template, room)
            if not bins:
                break
            for _ in bins:
                name = self._new_name()
                key = cluster.add_node(
                    name, spec.node_cpu, spec.node_memory, ready=True, added=True
                )
                cluster.join(key, [name])
                added.append(name)
            still = self.scheduler.schedule(pending)
            bound += [p for p in pending if cluster.pod_node[p] is not None]
            if len(still) == len(pending):
                break
            pending = still
        pending = cluster.pending_pods()
        big, limited = set(too_big), set(over_limit)
        for p in pending:
            if p in big:
                request = cluster.dep_request[cluster.pod_dep[p]]
                reasons = ", ".join(f"1 {r}" for r in fit_reasons(template, request))
                note = f"pod didn't trigger scale-up (it wouldn't fit if a new node is added): {reasons}"
            elif p in limited or cluster.ready >= spec.max_nodes:
                note = f"pod didn't trigger scale-up: max total nodes in cluster reached: {spec.max_nodes}"
            else:
                continue
            cluster.pod_reason[p] = f"{cluster.pod_reason[p]} Cluster autoscaler: {note}."
        bound_now = [p for p in bound if cluster.pod_node[p] is not None]
        return ScaleUp(
            nodes=tuple(added),
            bound=cluster.placed(bound_now),
            too_big=tuple(cluster.pod_name[p] for p in pending if p in big),
            over_limit=tuple(cluster.pod_name[p] for p in pending if p in limited),
            max_nodes=spec.max_nodes,
            node_cpu=spec.node_cpu,
            node_memory=spec.node_memory,
        )

    def _new_name(self) -> str:
        self.last_added += 1
        while f"{AUTOSCALED_PREFIX}{self.last_added}" in self.cluster.node_index:
            self.last_added += 1
        return f"{AUTOSCALED_PREFIX}{self.last_added}"


def estimate(
    runs: Iterable[tuple[PodRequest, list[int]]], template: NodeState, room: int
) -> tuple[list[NodeState], list[int], list[int]]:
    """First-fit of pending pods, in order, onto at most ``room`` new ``template`` nodes.

    Parameters
    ----------
    runs : (request, pods) for consecutive pods with the same request; at least one.
    template : the state of an empty node the autoscaler would add.
    room : how many nodes it may add.

    Returns
    -------
    (bins, too_big, over_limit) : the new nodes' states once filled; the pods that would
    not fit an empty template node; the pods left over when ``room`` ran out.
    """
    bins: list[NodeState] = []
    too_big: list[int] = []
    over_limit: list[int] = []
    requests, pod_runs = zip(*runs, strict=True)
    # the smallest requests of the runs still to come: bins that cannot take them are closed
    floor_cpu, floor_memory = [0] * len(pod_runs), [0] * len(pod_runs)
    lowest_cpu = lowest_memory = MAX_CPU_MILLICORES + MAX_MEMORY_BYTES
    for r in range(len(pod_runs) - 1, -1, -1):
        floor_cpu[r], floor_memory[r] = lowest_cpu, lowest_memory
        lowest_cpu = min(lowest_cpu, requests[r][0])
        lowest_memory = min(lowest_memory, requests[r][1])
    first_open = 0
    full_for: dict[PodRequest, int] = {}  # bins before this index have no room for the request
    for r, (run, q) in enumerate(zip(pod_runs, requests, strict=True)):
        if not fits(template, q):
            too_big += run
            continue
        remaining = len(run)
        b = max(first_open, full_for.get(q, 0))
        while remaining and b < len(bins):
            fit = min(remaining, capacity(bins[b], q))
            if fit:
                bins[b] = add_pods(bins[b], q, fit)
                remaining -= fit
            if remaining:
                b += 1
        full_for[q] = b
        while remaining and len(bins) < room:
            fit = min(remaining, capacity(template, q))
            bins.append(add_pods(template, q, fit))
            remaining -= fit
        if remaining:
            over_limit += run[len(run) - remaining :]
        while first_open < len(bins) and r + 1 < len(pod_runs):
            ac, am, mp, rc, rm, _, _, n = bins[first_open]
            if n < mp and ac - rc >= floor_cpu[r] and am - rm >= floor_memory[r]:
                break
            first_open += 1
    return bins, too_big, over_limit

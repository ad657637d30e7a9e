"""kube-scheduler's default placement of pods (resource plugins), and its FitError message.

- **Placement.** Pods in the order given; a node is feasible when it is Ready and
  untainted and passes the NodeResourcesFit filter
  (:func:`~service.queries.node_resources.fits`). Among feasible nodes the highest
  ``LeastAllocated`` score wins (:func:`~service.queries.node_resources.score`); ties go
  to the smallest node name (kube-scheduler picks at random). Every node is scored
  (``percentageOfNodesToScore: 100``); other score plugins are not modelled.
- **Pending.** A pod no node fits stays Pending with kube-scheduler's FitError message:
  ``0/3 nodes are available: 1 node(s) had untolerated taint
  {node.kubernetes.io/unreachable: }, 2 Insufficient cpu.`` — per node the first
  failing filter's reasons (a tainted node gives only its taint; a Ready node any of
  ``Too many pods``, ``Insufficient cpu``, ``Insufficient memory``), counted, formatted
  ``"<count> <reason>"``, sorted as strings and joined.

It scales: the cluster groups nodes in the same state; each distinct pod request has a
heap of groups keyed by score, brought up to date lazily from the cluster's log of
changed groups; a run of identical pods fills a whole group at once.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from service.queries.cluster import Cluster
from service.queries.node_resources import (
    MAX_NODE_SCORE,
    NodeState,
    PodRequest,
    add_pods,
    capacity,
    fit_reasons,
    fits,
    score,
)

NO_NODES_MESSAGE = "no nodes available to schedule pods"


@dataclass(slots=True)
class _Queue:
    """Groups that fit one pod request, best first: (-score, smallest name, key)."""

    heap: list[tuple[int, str, NodeState]] = field(default_factory=list)
    seen: int = 0  # how much of the change log it reflects


class Scheduler:
    """Places the pods of one :class:`~service.queries.cluster.Cluster`, keeping its caches."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.queues: dict[PodRequest, _Queue] = {}
        self.messages: dict[PodRequest, tuple[int, str]] = {}  # (log length, FitError)

    def schedule(self, pods: Sequence[int]) -> list[int]:
        """Schedule ``pods`` in order; returns those left Pending (their reasons set)."""
        pending: list[int] = []
        reasons = self.cluster.pod_reason
        for q, run in self.cluster.runs(pods):
            left = self._place_run(run, q)
            if left:
                message = self.fit_error(q)
                for p in left:
                    reasons[p] = message
                pending += left
        return pending

    def fit_error(self, q: PodRequest) -> str:
        """kube-scheduler's FitError message for a pod of ``q`` that fits no node."""
        cluster = self.cluster
        cached = self.messages.get(q)
        if cached is not None and cached[0] == len(cluster.log):
            return cached[1]
        if not cluster.node_names:
            message = NO_NODES_MESSAGE
        else:
            histogram: Counter[str] = Counter()
            for taint in cluster.node_taint:
                if taint is not None:
                    histogram[f"node(s) had untolerated taint {{{taint}: }}"] += 1
            for key, members in cluster.groups.items():
                for reason in fit_reasons(key, q):
                    histogram[reason] += len(members)
            reasons = sorted(f"{count} {reason}" for reason, count in histogram.items())
            message = f"0/{len(cluster.node_names)} nodes are available: {', '.join(reasons)}."
        self.messages[q] = (len(cluster.log), message)
        return message

    def _sync(self, queue: _Queue, q: PodRequest) -> None:
        """Bring ``queue`` up to date with the groups changed since it last looked."""
        log, groups = self.cluster.log, self.cluster.groups
        if len(log) - queue.seen > len(groups):
            queue.heap = self._rank(q)
        else:
            for key in set(log[queue.seen :]):
                members = groups.get(key)
                if members and fits(key, q):
                    heapq.heappush(queue.heap, (-score(key, q), members[0], key))
        queue.seen = len(log)

    def _rank(self, q: PodRequest) -> list[tuple[int, str, NodeState]]:
        """Every group that fits ``q`` as a heap; fit and score inlined (one per group)."""
        c, m, zc, zm = q
        ranked = []
        for key, members in self.cluster.groups.items():
            ac, am, mp, rc, rm, kc, km, n = key
            if n >= mp or (c and c > ac - rc) or (m and m > am - rm):
                continue
            if ac and am:
                kc, km = kc + zc, km + zm
                cpu = (ac - kc) * MAX_NODE_SCORE // ac if kc <= ac else 0
                memory = (am - km) * MAX_NODE_SCORE // am if km <= am else 0
                ranked.append((-((cpu + memory) // 2), members[0], key))
            else:
                ranked.append((-score(key, q), members[0], key))
        heapq.heapify(ranked)
        return ranked

    def _top(
        self, queue: _Queue, skip: NodeState | None = None
    ) -> tuple[int, str, NodeState] | None:
        """The best valid entry (stale ones dropped), or None."""
        heap, groups = queue.heap, self.cluster.groups
        while heap:
            entry = heap[0]
            members = groups.get(entry[2])
            if entry[2] != skip and members and members[0] == entry[1]:
                return entry
            heapq.heappop(heap)
        return None

    def _place_run(self, pods: list[int], q: PodRequest) -> list[int]:
        """Place identical pods; returns those that fit nowhere."""
        cluster = self.cluster
        pod_node = cluster.pod_node
        queue = self.queues.setdefault(q, _Queue())
        i, total = 0, len(pods)
        while i < total:
            self._sync(queue, q)
            top = self._top(queue)
            if top is None:
                break
            heapq.heappop(queue.heap)
            best, key = -top[0], top[2]
            members = cluster.groups[key]
            rival = self._top(queue, skip=key)
            # Members named before an equally good rival are served first, in name order;
            # each takes pods until its score would drop (then the next member wins).
            if rival is not None and -rival[0] == best:
                available = bisect_left(members, rival[1])
            else:
                available = len(members)
            per = _take(key, q, best, total - i)
            full = min(available, (total - i) // per)
            rest = total - i - full * per if full < available else 0
            served = members[:full]
            partial = members[full] if rest else None
            for name in served:
                for p in pods[i : i + per]:
                    pod_node[p] = name
                i += per
            if partial is not None:
                for p in pods[i : i + rest]:
                    pod_node[p] = partial
                i += rest
            cluster.leave_first(key, full + (1 if partial is not None else 0))
            cluster.join(add_pods(key, q, per), served)
            if partial is not None:
                cluster.join(add_pods(key, q, rest), [partial])
        return pods[i:]


def _take(key: NodeState, q: PodRequest, at_score: int, cap: int) -> int:
    """How many pods of ``q`` in a row a node in state ``key`` takes at ``at_score``."""
    high = min(cap, capacity(key, q)) - 1
    low = 0
    while low < high:  # the last extra count that still fits at the same score
        middle = (low + high + 1) // 2
        if score(key, q, middle) >= at_score:
            low = middle
        else:
            high = middle - 1
    return low + 1

"""The fast scheduler: the reference's decisions, without looking at every node for every pod.

:meth:`FastScheduler.decide` returns exactly what
:func:`~service.simulation.scheduler.schedule_one` returns for the same state — node, victims,
message, per-node statuses (a hypothesis test on random small clusters with taints, spread,
anti-affinity, priorities and pinned pods holds them equal). It is called pod after pod on a
state that changes between calls (binds, deletions, taints, new nodes): it catches up from
the state's ``node_log`` and epochs.

How it avoids per-node work. For a pod of a given kind (:mod:`fast_profile`), a node's total
score is its node-local part — LeastAllocated + BalancedAllocation, cached per request vector
and refreshed only on changed nodes — plus parts that depend only on its *class*: the domains
of the topology keys the pod's rules read, its raw TaintToleration/NodeAffinity scores and
its per-node matching-pod counts. Filters that are not node-local (spread skew,
anti-affinity) depend on the class alone too. Nodes whose per-node counts are all zero
("bulk" nodes, nearly all) form a handful of classes (e.g. one per zone); the best of each is
its highest node-local score (smallest name on ties), kept in a list partially sorted once
when a run of such pods starts. Nodes that gained a matching pod, or changed at all since,
are tracked in small groups. A decision compares one candidate per class and group, the
class-level scores normalised over all feasible nodes exactly as upstream does.

A pod pinned by ``metadata.name`` to a few nodes (a DaemonSet pod) that no topology rule
reaches is decided on those nodes alone. Pods the profile declines (see
:func:`~service.simulation.fast_profile.build_profile`), and a failed decision where a
lower-priority pod could be preempted, go to the reference. A pod that fits nowhere gets its
FitError from a per-kind table of per-node statuses (:class:`FailureTable`): computed
vectorised once, then only the nodes in the ``node_log`` since are filtered again (a bind on
node n changes node n's status alone, as long as the domain counts the topology filters read
stay the same; otherwise it is recomputed whole). The reasons are counted per status, and
whether a lower-priority pod sits on a node preemption could help with is one lookup in each
node's lowest bound priority, kept up to date from the ``node_log`` too.

Profiles are kept per pod kind, and the last run (more, up to ``RUN_ROWS`` nodes in all: a
run resumed after others mostly has so many dirty nodes that catching up costs what a rebuild
does, measured slower). A taint, cordon or node removal changes only that node's row of a profile and
run: the scheduler notes the node (from the state's ``topology_log``, or what differs from its
node index after a rollback) and each profile and run catches up with the nodes noted since it
was last used — its static verdict, TaintToleration score, class and eligibility for the
topology rules, and the domain totals and domains those count in — or is built again when
more changed than :func:`topology_catch_up` allows. New nodes, labels or pod specs drop them.

It scales: 150,000 Pending pods on 5,000 heterogeneous nodes are placed in about 50–90 µs per
pod on one core (the reference takes 60–90 ms per pod at that size); see
``bench/bench_scheduler.py``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from service.kube.model import WorkloadRef
from service.simulation.cycle import Cycle
from service.simulation.fast_batch import place_batch
from service.simulation.fast_profile import (
    ANTI,
    EXISTING_ANTI,
    HARD,
    SOFT,
    UNSCHEDULABLE_NODE,
    UNTOLERATED,
    AffinitySpecs,
    NodeSide,
    Profile,
    affinity_specs,
    anti_terms_match,
    build_profile,
    scored_by_existing_pods,
    update_profile,
)
from service.simulation.filters import (
    ABSENT_NODE_AFFINITY,
    NODE_AFFINITY,
    NODE_UNSCHEDULABLE,
    TOO_MANY_PODS,
    node_affinity_prefilter,
    run_node_filters,
)
from service.simulation.fit_error import (
    Code,
    Diagnosis,
    Status,
    fit_error_message,
    unresolvable,
    unschedulable,
)
from service.simulation.interpod import ANTI_AFFINITY, EXISTING_ANTI_AFFINITY
from service.simulation.node_index import NodeIndex, build_node_index
from service.simulation.node_info import Incoming, incoming, node_info
from service.simulation.preemption import NEVER, NO_VICTIMS, NOT_HELPFUL
from service.simulation.scheduler import DRA_POSTFILTER, Decision, schedule_one, select_host
from service.simulation.scoring import MAX_NODE_SCORE, balanced_allocation, least_allocated
from service.simulation.spread import DEFAULT_OWNER_KINDS, SPREAD, SPREAD_MISSING_LABEL
from service.simulation.state import CPU, MEMORY, BoolArray, ClusterState, Int64Array

SHIFT = (
    1 << 21
)  # node-local score and name rank packed in one integer: score·SHIFT + (SHIFT−1−rank)
TOP = 48  # candidates kept per class when a run starts
PINNED_NODES = 16  # a pod pinned to at most this many nodes is decided on them alone
MAX_TRACKED = 512  # nodes tracked one by one before a run starts over
REDIAGNOSE = 0.25  # a failure table is recomputed whole when more node changes than this share
RUN_ROWS = 0  # runs kept for later pods of their kind, in nodes in all (0: the last one only)


def catch_up(count: int) -> int:
    """How many ``node_log`` entries a kept run catches up with node by node before it is
    built again (vectorised) instead: one node costs about a thirtieth of a rebuild."""
    return max(32, count // 32)


def topology_catch_up(count: int) -> int:
    """How many taint, cordon or removal changes a profile or run catches up with node by
    node before it is built again (vectorised) instead."""
    return max(8, count // 32)


def local_scores(
    state: ClusterState,
    index: NodeIndex,
    pod: Incoming,
    balanced: bool,
    at: Int64Array | None = None,
) -> Int64Array:
    """LeastAllocated + BalancedAllocation for every node, vectorised (same results as
    :func:`~service.simulation.scoring.least_allocated` / ``balanced_allocation``).

    LeastAllocated's integer ``(a − r)·100 // a`` is computed as ``floor((a − r)·100.0 / a)``:
    both operands are exact in a double and a quotient that is not an integer stays at least
    ``1/a`` from the next one, far more than the division's rounding error while ``a`` is
    below 2⁴⁶ (checked; larger values take the integer path).
    """
    if not index.all_sized:
        return _local_scores_sparse(state, index, pod, balanced, at)
    rows = slice(0, index.count) if at is None else at
    total: Int64Array | None = None
    fractions = []
    for r, want in ((CPU, pod.spec.nonzero_cpu), (MEMORY, pod.spec.nonzero_memory)):
        allocatable = index.allocatable_float[r][rows]
        requested = state.nonzero_requested[rows, r] + want
        if index.exact_float:
            score = np.maximum(
                np.floor((allocatable - requested) * 100.0 / allocatable), 0.0
            ).astype(np.int64)
        else:
            whole = state.allocatable[rows, r]
            score = np.maximum((whole - requested) * MAX_NODE_SCORE // np.maximum(whole, 1), 0)
        total = score if total is None else total + score
        if balanced:
            actual = (state.requested[rows, r] + pod.request[r]).astype(np.float64)
            fractions.append(np.minimum(actual / allocatable, 1.0))
    assert total is not None
    la: Int64Array = total >> 1  # both resources present: the average of two non-negative scores
    if not balanced:
        return la
    std = np.abs((fractions[0] - fractions[1]) / 2)
    scores: Int64Array = la + ((1 - std) * float(MAX_NODE_SCORE)).astype(np.int64)
    return scores


def _local_scores_sparse(
    state: ClusterState, index: NodeIndex, pod: Incoming, balanced: bool, at: Int64Array | None
) -> Int64Array:
    """:func:`local_scores` when some node lacks cpu or memory (scored over what it has)."""
    nodes = range(index.count) if at is None else at.tolist()
    scores: Int64Array = np.fromiter(
        (local_score(state, index, pod, node, balanced) for node in nodes),
        dtype=np.int64,
        count=len(nodes),
    )
    return scores


def local_score(
    state: ClusterState, index: NodeIndex, pod: Incoming, node: int, balanced: bool
) -> int:
    """:func:`local_scores` for one node."""
    if not index.all_sized:
        score = least_allocated(state, pod, node)
        if balanced:
            score += balanced_allocation(state, pod, node)
        return score
    cpu, memory = index.allocatable_cpu[node], index.allocatable_memory[node]
    nonzero = state.nonzero_requested
    used_cpu = int(nonzero[node, CPU]) + pod.spec.nonzero_cpu
    used_memory = int(nonzero[node, MEMORY]) + pod.spec.nonzero_memory
    la_cpu = (cpu - used_cpu) * MAX_NODE_SCORE // cpu if used_cpu <= cpu else 0
    la_memory = (memory - used_memory) * MAX_NODE_SCORE // memory if used_memory <= memory else 0
    score = (la_cpu + la_memory) // 2
    if balanced:
        requested = state.requested
        f_cpu = min(float(int(requested[node, CPU]) + int(pod.request[CPU])) / float(cpu), 1.0)
        f_memory = min(
            float(int(requested[node, MEMORY]) + int(pod.request[MEMORY])) / float(memory), 1.0
        )
        score += int((1 - abs((f_cpu - f_memory) / 2)) * float(MAX_NODE_SCORE))
    return score


def fits(state: ClusterState, pod: Incoming, count: int, at: Int64Array | None = None) -> BoolArray:
    """NodeResourcesFit's verdict per node (all of them, or those ``at``)."""
    rows = slice(0, count) if at is None else at
    ok: BoolArray = state.pod_count[rows] + 1 <= state.max_pods[rows]
    for r in np.flatnonzero(pod.request):
        ok &= pod.request[r] <= state.allocatable[rows, r] - state.requested[rows, r]
    return ok


def fits_one(state: ClusterState, wants: list[tuple[int, int]], node: int) -> bool:
    if state.pod_count[node] >= state.max_pods[node]:
        return False
    allocatable, requested = state.allocatable, state.requested
    return all(want <= allocatable[node, r] - requested[node, r] for r, want in wants)


@dataclass(slots=True)
class LocalCache:
    """Node-local values for one request vector, shared by the runs of every pod kind with
    it and brought up to date from ``log_pos`` of the state's ``node_log``: NodeResourcesFit
    (``fit``), LeastAllocated + BalancedAllocation (``local``) and the same packed with the
    name rank for ordering (``packed``)."""

    fit: BoolArray
    local: Int64Array
    packed: Int64Array
    log_pos: int


def class_codes(profile: Profile) -> Int64Array:
    """Each node's class for ``profile`` (cached on it): its domain per topology rule that is
    not per node, and its raw TaintToleration and NodeAffinity scores, as one integer."""
    if profile.class_code is None:
        code = np.zeros(len(profile.static_code), dtype=np.int64)
        for t in profile.topologies:
            if not t.hostname:
                code = code * (t.column.domains + 1) + (t.column.codes + 1)
        tt_radix = int(profile.tt_raw.max(initial=0)) + 1
        code = code * tt_radix + profile.tt_raw
        na_radix = 1
        if profile.na_raw is not None:
            na_radix = int(profile.na_raw.max(initial=0)) + 1
            code = code * na_radix + profile.na_raw
        profile.class_code = code
        profile.class_radix = (tt_radix, na_radix)
    return profile.class_code


# A place is what a class or group of nodes looks like to the pod's topology rules:
# (domain code per topology (-1: no such key), score code per topology, per-node count per
# topology (0 for bulk nodes), raw TaintToleration score, raw NodeAffinity score).
Place = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], int, int]


@dataclass(slots=True)
class Group:
    place: Place
    members: set[int] = field(default_factory=set)
    best: int | None = None
    stale: bool = False


class Run:
    """Consecutive decisions for pods of one profile (see the module docstring)."""

    def __init__(self, scheduler: FastScheduler, profile: Profile) -> None:
        state, index = scheduler.state, scheduler.index
        self.state, self.index, self.profile = state, index, profile
        pod = profile.pod
        n = index.count
        self.cache = scheduler.local_cache(profile)
        self.log_pos = self.cache.log_pos
        self.topology_log = scheduler.topology_log
        self.topology_pos = len(self.topology_log)
        self.wants = [(int(r), int(pod.request[r])) for r in np.flatnonzero(pod.request)]
        evaluated = index.present if profile.pinned is None else profile.pinned
        self.static_ok = evaluated & (profile.static_code == 0)
        self.local_ok = self.static_ok & self.cache.fit
        self.local = self.cache.local
        self.packed = self.cache.packed
        topologies = profile.topologies
        self.hard = [(i, t.hostname, t.max_skew, int(t.self_match), t.min_domains)
                     for i, t in enumerate(topologies) if t.kind == HARD]  # fmt: skip
        self.anti = [
            (i, t.hostname) for i, t in enumerate(topologies) if t.kind in (ANTI, EXISTING_ANTI)
        ]
        self.soft = [
            (i, t.hostname, float(t.max_skew - 1))
            for i, t in enumerate(topologies)
            if t.kind == SOFT
        ]
        tracked = np.zeros(n, dtype=np.bool_)
        for t in topologies:
            if t.hostname:
                tracked |= t.counts[:n] > 0
        self.seen = [t.counts[:n].copy() for t in topologies]
        self.eligible = [t.eligible[:n].copy() for t in topologies]  # as counted here
        self.domain_counts: list[list[int]] = []
        self.domain_present: list[list[int]] = []
        self.domain_nodes: list[list[int]] = []  # eligible nodes per domain
        for t in topologies:
            if t.hostname:  # counted per node: no domain totals needed
                self.domain_counts.append([])
                self.domain_present.append([])
                self.domain_nodes.append([])
                continue
            eligible = t.eligible[:n]
            codes = t.column.score_codes[eligible]
            weighted = np.bincount(
                codes, weights=t.counts[:n][eligible], minlength=t.column.domains
            )
            self.domain_counts.append(weighted.astype(np.int64).tolist())
            nodes = np.bincount(codes, minlength=t.column.domains)
            self.domain_nodes.append(nodes.tolist())
            self.domain_present.append(np.flatnonzero(nodes).tolist())
        self.zero_eligible = [int(((t.counts[:n] == 0) & t.eligible[:n]).sum()) if t.hostname else 0
                              for t in topologies]  # fmt: skip
        self.eligible_count = [int(t.eligible[:n].sum()) for t in topologies]
        self.code_source = class_codes(profile)
        self.code = code = self.code_source.copy()  # as classed here
        self.bulk = self.local_ok & ~tracked
        self.classes: dict[int, list[int]] = {}
        self.class_count: dict[int, int] = {}
        self.class_place: dict[int, Place] = {}
        members = np.flatnonzero(self.bulk)
        codes = code[members]
        top = int(codes.max(initial=0))
        counted = np.bincount(codes, minlength=top + 1) if top < 4 * n else None
        distinct = np.flatnonzero(counted) if counted is not None else np.unique(codes)
        # one partial sort over every bulk node: each class's share of the overall top is
        # that class's own top (refilled per class when used up)
        head = self._top(members, TOP * len(distinct))
        for c in distinct.tolist():
            self.class_count[c] = (
                int(counted[c]) if counted is not None else int((codes == c).sum())
            )
            self.classes[c] = []
        for node in head:
            self.classes[int(code[node])].append(node)
        for c in distinct.tolist():
            first = self.classes[c][-1] if self.classes[c] else int(members[codes == c][0])
            self.class_place[c] = self.place(first, bulk=True)
        self.tracked = set(np.flatnonzero(tracked & evaluated).tolist())
        self.groups: dict[tuple[object, ...], Group] = {}
        self.group_of: dict[int, tuple[object, ...]] = {}
        for node in sorted(self.tracked):
            self._regroup(node)

    def _top(self, inside: Int64Array, size: int = TOP) -> list[int]:
        keys = self.packed[inside]
        if len(inside) > size:
            part = np.argpartition(-keys, size)[:size]
            inside, keys = inside[part], keys[part]
        best_last: list[int] = inside[np.argsort(keys)].tolist()  # taken with pop()
        return best_last

    def place(self, node: int, bulk: bool = False) -> Place:
        p = self.profile
        topologies = p.topologies
        return (
            tuple(t.column.listed[node] for t in topologies),
            tuple(t.column.score_listed[node] for t in topologies),
            # a filter counts a node's pods only when the node is eligible (TpValueToMatchNum)
            tuple(
                0 if bulk or not t.hostname or (t.kind == HARD and not t.eligible[node]) else int(t.counts[node])
                for t in topologies
            ),
            int(p.tt_raw[node]),
            0 if p.na_raw is None else int(p.na_raw[node]),
        )  # fmt: skip

    def host_counts(self, node: int) -> tuple[int, ...]:
        """:meth:`place`'s per-node counts alone."""
        return tuple(
            0
            if not t.hostname or (t.kind == HARD and not t.eligible[node])
            else int(t.counts[node])
            for t in self.profile.topologies
        )

    def _regroup(self, node: int) -> None:
        old = self.group_of.pop(node, None)
        if old is not None:
            left = self.groups[old]
            left.members.discard(node)
            if left.best == node:
                left.stale = True
        if not self.local_ok[node]:
            return
        key = (int(self.code[node]), self.host_counts(node))
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(self.place(node))
        group.members.add(node)
        if not group.stale and (group.best is None or self.packed[node] > self.packed[group.best]):
            group.best = node
        self.group_of[node] = key

    def refresh(self) -> bool:
        """Catch up with the state's changes since the last decision; False: start over."""
        if len(self.topology_log) != self.topology_pos and not self._retopologize():
            return False
        state = self.state
        log = state.node_log
        if len(log) == self.log_pos:
            return True
        if len(log) - self.log_pos > catch_up(self.index.count):
            return False
        dirty = dict.fromkeys(log[self.log_pos :])
        self.log_pos = len(log)
        p = self.profile
        pod = p.pod
        for node in dirty:
            if node >= self.index.count:
                return False
            fit = fits_one(state, self.wants, node)
            self.cache.fit[node] = fit
            self.local_ok[node] = bool(self.static_ok[node]) and fit
            score = local_score(state, self.index, pod, node, p.balanced)
            self.local[node] = score
            self.packed[node] = score * SHIFT + (SHIFT - 1 - int(self.index.rank[node]))
            for i, t in enumerate(p.topologies):
                now = int(t.counts[node])
                before = int(self.seen[i][node])
                if now == before:
                    continue
                self.seen[i][node] = now
                if self.eligible[i][node]:
                    if t.hostname:
                        self.zero_eligible[i] += (now == 0) - (before == 0)
                    else:
                        self.domain_counts[i][t.column.score_listed[node]] += now - before
            if self.bulk[node]:
                self.bulk[node] = False
                self.class_count[int(self.code[node])] -= 1
            self.tracked.add(node)
            self._regroup(node)
        self.cache.log_pos = self.log_pos
        return len(self.tracked) <= MAX_TRACKED

    def _retopologize(self) -> bool:
        """Catch up with taints, cordons and removals since the run started (its profile is
        up to date with them): each such node's static verdict, class and eligibility for
        the topology rules, and the domain totals it counts in; False: start over."""
        p = self.profile
        if p.class_code is not self.code_source:
            return False
        changed = dict.fromkeys(self.topology_log[self.topology_pos :])
        self.topology_pos = len(self.topology_log)
        if len(changed) > topology_catch_up(self.index.count):
            return False
        state, index = self.state, self.index
        for node in changed:
            evaluated = index.present[node] if p.pinned is None else p.pinned[node]
            ok = bool(evaluated) and p.static_code[node] == 0
            self.static_ok[node] = ok
            self.local_ok[node] = ok and fits_one(state, self.wants, node)
            for i, t in enumerate(p.topologies):
                now = bool(t.eligible[node])
                if now == bool(self.eligible[i][node]):
                    continue
                self.eligible[i][node] = now
                sign = 1 if now else -1
                seen = int(self.seen[i][node])
                self.eligible_count[i] += sign
                if t.hostname:
                    self.zero_eligible[i] += sign * (seen == 0)
                    continue
                domain = t.column.score_listed[node]
                self.domain_counts[i][domain] += sign * seen
                nodes = self.domain_nodes[i]
                nodes[domain] += sign
                if nodes[domain] == (1 if now else 0):  # the domain appeared or went
                    present = self.domain_present[i]
                    if now:
                        present.append(domain)
                    else:
                        present.remove(domain)
            if self.bulk[node]:
                self.bulk[node] = False
                self.class_count[int(self.code[node])] -= 1
            self.code[node] = self.code_source[node]
            self.tracked.add(node)
            self._regroup(node)
        return len(self.tracked) <= MAX_TRACKED

    # -- one decision -------------------------------------------------------------------------
    def _class_best(self, c: int) -> int | None:
        candidates = self.classes[c]
        bulk = self.bulk
        while candidates and not bulk[candidates[-1]]:
            candidates.pop()
        if not candidates and self.class_count[c] > 0:
            candidates[:] = self._top(np.flatnonzero(bulk & (self.code == c)))
        return candidates[-1] if candidates else None

    def _group_best(self, group: Group) -> int | None:
        if group.stale:
            packed = self.packed
            group.best = max(group.members, key=packed.__getitem__, default=None)
            group.stale = False
        return group.best

    def _min_match(self, i: int, hostname: bool, min_domains: int) -> int:
        if hostname:
            if self.eligible_count[i] < min_domains or self.zero_eligible[i] > 0:
                return 0
            t = self.profile.topologies[i]
            n = self.index.count
            eligible = t.counts[:n][t.eligible[:n]]
            return int(eligible.min()) if len(eligible) else 0
        present = self.domain_present[i]
        if len(present) < min_domains or not present:
            return 0
        counts = self.domain_counts[i]
        return min(counts[d] for d in present)

    def _passes(self, place: Place, minimum: list[int]) -> bool:
        codes, host = place[0], place[2]
        counts = self.domain_counts
        for k, (i, hostname, max_skew, self_match, _) in enumerate(self.hard):
            code = codes[i]
            if code < 0:
                return False
            count = host[i] if hostname else counts[i][code]
            if count + self_match - minimum[k] > max_skew:
                return False
        for i, hostname in self.anti:
            code = codes[i]
            if code >= 0 and (host[i] if hostname else counts[i][code]) > 0:
                return False
        return True

    def best(self) -> int | None:
        """The node the reference would choose now, or None when no node is feasible."""
        hard = self.hard
        minimum = [self._min_match(i, hostname, d) for i, hostname, _, _, d in hard] if hard else []
        check = bool(hard or self.anti)
        options: list[tuple[Place, int, int]] = []  # (place, nodes, best node)
        places = self.class_place
        top_tt = top_na = 0
        for c, count in self.class_count.items():
            if count > 0:
                place = places[c]
                if not check or self._passes(place, minimum):
                    node = self._class_best(c)
                    if node is not None:
                        options.append((place, count, node))
                        top_tt = max(top_tt, place[3])
                        top_na = max(top_na, place[4])
        for group in self.groups.values():
            if group.members and (not check or self._passes(group.place, minimum)):
                node = self._group_best(group)
                if node is not None:
                    place = group.place
                    options.append((place, len(group.members), node))
                    top_tt = max(top_tt, place[3])
                    top_na = max(top_na, place[4])
        if len(options) <= 1:
            return options[0][2] if options else None
        spread = self._spread_scores(options) if self.soft else None
        has_na = self.profile.na_raw is not None and top_na > 0
        packed = self.packed
        best_total = -1
        chosen = None
        for k, (place, _, node) in enumerate(options):
            total = 3 * (
                MAX_NODE_SCORE
                if top_tt == 0
                else MAX_NODE_SCORE - MAX_NODE_SCORE * place[3] // top_tt
            )
            if has_na:
                total += 2 * (MAX_NODE_SCORE * place[4] // top_na)
            if spread is not None:
                total += 2 * spread[k]
            # packed = local score · SHIFT + (SHIFT − 1 − rank): the local score and the name
            # rank in one comparison
            total = total * SHIFT + int(packed[node])
            if total > best_total:
                best_total, chosen = total, node
        return chosen

    def _spread_scores(self, options: list[tuple[Place, int, int]]) -> list[int]:
        soft = self.soft
        counts = self.domain_counts
        if self.profile.require_all_soft:
            ignored = [any(o[0][0][i] < 0 for i, _, _ in soft) for o in options]
        else:
            ignored = [False] * len(options)
        feasible = 0
        for option, ig in zip(options, ignored, strict=True):
            if not ig:
                feasible += option[1]
        terms = []
        for i, hostname, skew in soft:
            if hostname:
                terms.append((i, True, math.log(feasible + 2), skew))
            else:
                values = set()
                for option, ig in zip(options, ignored, strict=True):
                    if not ig:
                        values.add(option[0][1][i])
                terms.append((i, False, math.log(len(values) + 2), skew))
        raw = []
        low, high = -1, 0
        for (place, _, _), ig in zip(options, ignored, strict=True):
            if ig:
                raw.append(-1)
                continue
            codes, score_codes, host = place[0], place[1], place[2]
            total = 0.0
            for i, hostname, weight, skew in terms:
                if codes[i] >= 0:
                    total += (host[i] if hostname else counts[i][score_codes[i]]) * weight + skew
            whole = int(total)  # total >= 0: truncation is floor
            if total - whole >= 0.5:
                whole += 1
            raw.append(whole)
            if low < 0 or whole < low:
                low = whole
            if whole > high:
                high = whole
        if low < 0:
            return [0] * len(raw)
        if high == 0:
            return [0 if r < 0 else MAX_NODE_SCORE for r in raw]
        return [0 if r < 0 else MAX_NODE_SCORE * (high + low - r) // high for r in raw]


NO_PRIORITY = np.iinfo(np.int64).max  # a node without pods: no victim of any priority


def counted_message(
    node_count: int, counts: dict[Status, int], listed: int, absent: Status | None
) -> str:
    """:func:`~service.simulation.fit_error.fit_error_message` without a PreFilter or
    PostFilter message, from how many nodes have each status (``listed`` nodes in all)."""
    reasons: dict[str, int] = {}
    for status, count in counts.items():
        for reason in status.reasons:
            reasons[reason] = reasons.get(reason, 0) + count
    if node_count - listed > 0 and absent is not None:
        for reason in absent.reasons:
            reasons[reason] = reasons.get(reason, 0) + node_count - listed
    message = f"0/{node_count} nodes are available:"
    parts = sorted(f"{count} {reason}" for reason, count in reasons.items())
    if parts:
        message += f" {', '.join(parts)}."
    return message


@dataclass(slots=True)
class FailureTable:
    """Where a pod of ``profile`` that fits no node fails: each evaluated node's status (in
    node order, as the reference lists them), how many nodes have each status, which nodes
    preemption could help with (``potential``: UNSCHEDULABLE) and the FitError message
    (None: to be recounted). Up to date with ``log_pos`` of the ``node_log`` while the
    domain counts and minimums the topology filters read are ``fingerprint``. A statuses
    dict given out with a decision (``handed_out``) is copied before it changes."""

    profile: Profile
    evaluated: BoolArray
    fingerprint: tuple[object, ...]
    log_pos: int
    topology_pos: int = 0  # and with the scheduler's topology_log up to here
    statuses: dict[int, Status] = field(default_factory=dict)
    counts: dict[Status, int] = field(default_factory=dict)
    potential: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=np.bool_))
    potential_count: int = 0
    message: str | None = None
    everything: dict[int, Status] = field(default_factory=dict)
    handed_out: bool = False

    def change(self, changes: list[tuple[int, Status | None]]) -> None:
        """Set these nodes' statuses (None: the node passes)."""
        statuses = self.statuses
        if self.handed_out:
            statuses = self.statuses = dict(statuses)
            self.handed_out = False
        counts = self.counts
        reorder = False
        for node, status in changes:
            old = statuses.pop(node, None) if status is None else statuses.get(node)
            if old is not None:
                counts[old] -= 1
                if not counts[old]:
                    del counts[old]
                if old.code is Code.UNSCHEDULABLE:
                    self.potential[node] = False
                    self.potential_count -= 1
            if status is None:
                continue
            if old is None:
                reorder = True
            statuses[node] = status
            counts[status] = counts.get(status, 0) + 1
            if status.code is Code.UNSCHEDULABLE:
                self.potential[node] = True
                self.potential_count += 1
        if reorder:
            self.statuses = dict(sorted(statuses.items()))
        self.message = None


class FastScheduler:
    """kube-scheduler's decisions for one :class:`ClusterState`, fast (see the module docstring)."""

    def __init__(self, state: ClusterState) -> None:
        self.state = state
        self.index: NodeIndex = build_node_index(state)
        self._epochs = (state.topology_epoch, state.affinity_epoch, len(state.specs))
        self._specs: AffinitySpecs = affinity_specs(state)
        self._profiles: dict[tuple[object, ...], Profile | None] = {}
        # what node selectors, affinities and tolerations make of the nodes, by the three;
        # valid at that length of the topology log
        self._sides: tuple[int, dict[tuple[object, ...], NodeSide]] = (0, {})
        self._runs: dict[tuple[object, ...], Run] = {}
        # the nodes of each taint, cordon or removal since the profiles were dropped
        self.topology_log: list[int] = []
        self._state_log_pos = len(state.topology_log)
        self._failures: dict[tuple[object, ...], tuple[tuple[int, int], Decision]] = {}
        self._locals: dict[tuple[object, ...], LocalCache] = {}
        self._tables: dict[tuple[object, ...], FailureTable] = {}
        self._dry_runs: dict[tuple[int, int], str] = {}
        self._min_priority: Int64Array | None = None
        # (pod, node_log length, topology epoch): the compiled run found no node for it
        self.nowhere: tuple[int, int, int] | None = None
        self._min_priority_pos = 0
        self._kernel_scratch: tuple[Int64Array, ...] = ()
        self._zero_row: Int64Array = np.zeros((1, 0), dtype=np.int64)

    def zero_row(self, n: int) -> Int64Array:
        """A (1 × ``n``) table of 0s: the counts of the compiled runs' rules no bound pod
        matches (``fast_batch._counters``; the kernel writes none), kept while the nodes
        are ``n``."""
        if self._zero_row.shape[1] != n:
            self._zero_row = np.zeros((1, n), dtype=np.int64)
        return self._zero_row

    def kernel_scratch(self, n: int) -> tuple[Int64Array, ...]:
        """The node-sized arrays the compiled runs borrow (``run_kernel.scratch``), kept for
        this scheduler's runs while the nodes are ``n``."""
        from service.simulation.run_kernel import scratch  # here: it imports numba

        if not self._kernel_scratch or len(self._kernel_scratch[0]) != n:
            self._kernel_scratch = scratch(n)
        return self._kernel_scratch

    def sync(self) -> None:
        """Catch up with the state's epochs. Taints, cordons and removals of nodes (the
        state's ``topology_log`` when it accounts for every epoch step, else what differs
        from the index) are noted in ``topology_log`` for the profiles and runs to catch up
        with when next used; anything else drops them all."""
        state = self.state
        epochs = (state.topology_epoch, state.affinity_epoch, len(state.specs))
        if epochs == self._epochs:
            return
        changed: list[int] | None = None
        if epochs[0] == self._epochs[0]:
            changed = []
        else:
            logged = state.topology_log[self._state_log_pos :]
            if len(logged) == epochs[0] - self._epochs[0]:
                changed = sorted(set(logged))
            else:
                changed = self.index.changed_nodes(state)
        self._state_log_pos = len(state.topology_log)
        self._failures.clear()
        if changed is None:
            self.index = build_node_index(state, self.index)
        elif changed:
            self.index.update_nodes(state, changed)
        if changed is not None and epochs[1:] == self._epochs[1:]:
            self.topology_log.extend(changed)
            self._epochs = epochs
            return
        self._specs = affinity_specs(state)
        self._epochs = epochs
        self._tables.clear()
        self._profiles.clear()
        self._sides = (0, {})
        self._locals.clear()
        self._runs.clear()
        self.topology_log = []

    def _run(self, profile: Profile) -> Run:
        """The run of ``profile``'s pods, brought up to date or started; the most recently
        used runs are kept up to ``RUN_ROWS`` nodes in all."""
        runs = self._runs
        run = runs.pop(profile.key, None)
        if run is None or run.profile is not profile or not run.refresh():
            run = Run(self, profile)
        runs[profile.key] = run
        while len(runs) > 1 and len(runs) * self.index.count > RUN_ROWS:
            del runs[next(iter(runs))]
        return run

    def local_cache(self, profile: Profile) -> LocalCache:
        """The node-local values for ``profile``'s request vector, brought up to date."""
        state, index, pod = self.state, self.index, profile.pod
        key = (
            pod.spec.nonzero_cpu,
            pod.spec.nonzero_memory,
            pod.request.tobytes(),
            profile.balanced,
        )
        cache = self._locals.get(key)
        log = state.node_log
        if cache is None or len(log) - cache.log_pos > index.count // 2:
            local = local_scores(state, index, pod, profile.balanced)
            cache = LocalCache(
                fits(state, pod, index.count),
                local,
                local * SHIFT + (SHIFT - 1 - index.rank),
                len(log),
            )
            self._locals[key] = cache
        elif cache.log_pos < len(log):
            at = np.unique(np.array(log[cache.log_pos :], dtype=np.int64))
            at = at[at < index.count]
            local = local_scores(state, index, pod, profile.balanced, at)
            cache.fit[at] = fits(state, pod, index.count, at)
            cache.local[at] = local
            cache.packed[at] = local * SHIFT + (SHIFT - 1 - index.rank[at])
            cache.log_pos = len(log)
        return cache

    def profile_key(self, pod: int) -> tuple[object, ...]:
        """What makes two pods one kind to the scheduler: spec, namespace and, when the
        default spread constraints apply (they select by owner), the owner."""
        state = self.state
        spec = state.pod_spec[pod]
        owner: WorkloadRef | None = state.pod_owner[pod]
        if (
            state.specs[spec].topology_spread
            or owner is None
            or owner.kind not in DEFAULT_OWNER_KINDS
        ):
            owner = None
        return (spec, state.pod_namespace[pod], owner)

    def profile(self, pod: int) -> Profile | None:
        state = self.state
        key = self.profile_key(pod)
        log = self.topology_log
        profile = self._profiles.get(key)
        if profile is not None and profile.topology_pos != len(log):
            changed = sorted(set(log[profile.topology_pos :]))
            if len(changed) <= topology_catch_up(self.index.count):
                update_profile(profile, state, self.index, changed)
                profile.topology_pos = len(log)
            else:
                del self._profiles[key]
        if key not in self._profiles:
            if self._sides[0] != len(log):  # node sides hold while the topology does
                self._sides = (len(log), {})
            profile = build_profile(
                state, self.index, incoming(state, pod), self._specs, self._sides[1]
            )
            if profile is not None:
                profile.key = key
                profile.topology_pos = profile.side_pos = len(log)
            self._profiles[key] = profile
        return self._profiles[key]

    def place_run(self, order: Sequence[int], start: int) -> list[int]:
        """The nodes :meth:`decide` would give ``order[start]`` and the pods of its kind
        right after it, each bound before the next is decided, in one compiled call; fewer
        (or none) where that is not the fast path's to take (:mod:`fast_batch`)."""
        return place_batch(self, order, start)

    def pinned(self, pod: int) -> bool:
        """Whether ``pod``'s required node affinity pins it to nodes by name."""
        spec = self.state.specs[self.state.pod_spec[pod]]
        if spec.node_affinity is None or spec.node_affinity.required is None:
            return False
        return node_affinity_prefilter(spec) is not None

    def decide(self, pod: int) -> Decision:
        """What :func:`~service.simulation.scheduler.schedule_one` decides for ``pod`` now."""
        state = self.state
        self.sync()
        if not state.node_present.any():
            return schedule_one(state, pod)
        pinned = self._decide_pinned(pod)
        if pinned is not None:
            return pinned
        profile = self.profile(pod)
        if profile is None:
            return schedule_one(state, pod)
        stamp = (len(state.node_log), state.topology_epoch)
        run: Run | None = None
        if self.nowhere != (pod, *stamp) or any(t.kind != SOFT for t in profile.topologies):
            run = self._run(profile)
            node = run.best()
            if node is not None:
                return Decision(pod, node)
        # else the compiled run found no node for this pod in this very state, and the
        # failure needs no run: its profile has no topology filter
        cached = self._failures.get(profile.key)
        if cached is not None and cached[0] == stamp:
            template = cached[1]
            return Decision(pod, None, (), template.message, template.statuses)
        decision = self._fit_error(pod, profile, run)
        if decision.message is not None and decision.node is None:
            self._failures[profile.key] = (stamp, decision)
        return decision

    # -- pods pinned to a few nodes (DaemonSet pods) ----------------------------------------------
    def _decide_pinned(self, pod: int) -> Decision | None:
        """A pod whose ``metadata.name`` pins leave a few nodes and that no topology rule
        reaches is decided on those nodes alone; None: not such a pod."""
        state = self.state
        spec = state.specs[state.pod_spec[pod]]
        if spec.node_affinity is None or spec.node_affinity.required is None:
            return None
        pins = node_affinity_prefilter(spec)
        if not isinstance(pins, frozenset) or len(pins) > PINNED_NODES:
            return None
        owner = state.pod_owner[pod]
        if (
            spec.topology_spread
            or spec.pod_affinity
            or spec.pod_anti_affinity
            or owner.kind in DEFAULT_OWNER_KINDS
        ):
            return None
        p = incoming(state, pod)
        if scored_by_existing_pods(state, p, self._specs.scoring) or anti_terms_match(
            state, p, self._specs
        ):
            return None
        nodes = sorted(
            i
            for name in pins
            if (i := state.node_index.get(name)) is not None and state.node_present[i]
        )
        infos = [node_info(state, n) for n in nodes]
        statuses: dict[int, Status] = {}
        feasible = []
        for info in infos:
            status = run_node_filters(state, p, info)
            if status is None:
                feasible.append(info)
            else:
                statuses[info.index] = status
        if feasible:
            return Decision(pod, select_host(Cycle(state, p, [], pins, None, None, None), feasible))
        everything = dict(statuses)
        absent = unresolvable(ABSENT_NODE_AFFINITY) if state.version >= (1, 32) else None
        count = int(self.index.present.sum())
        message = fit_error_message(count, Diagnosis(statuses, absent))
        if absent is not None:
            for node in np.flatnonzero(self.index.present).tolist():
                everything.setdefault(node, absent)
        if p.spec.preemption_policy == "Never":
            postfilter = NEVER
        else:
            potential = [n for n, s in statuses.items() if s.code is Code.UNSCHEDULABLE]
            if any(
                state.specs[state.pod_spec[q]].priority < p.priority
                for n in potential
                for q in state.node_pods[n]
            ):
                return schedule_one(state, pod)
            dry_run = Diagnosis(
                dict.fromkeys(potential, unresolvable(NO_VICTIMS)), unresolvable(NOT_HELPFUL)
            )
            postfilter = fit_error_message(count, dry_run)
        postfilter = f"preemption: {postfilter}"
        if state.version >= (1, 34):
            postfilter = f"{DRA_POSTFILTER}, {postfilter}"
        return Decision(pod, None, (), f"{message} {postfilter}", everything)

    # -- no node fits ---------------------------------------------------------------------------
    def _fit_error(self, pod: int, profile: Profile, run: Run | None) -> Decision:
        state, index = self.state, self.index
        p = profile.pod
        n = index.count
        table = self._failure_table(profile, run)
        if table.message is None:
            absent = None
            if profile.pinned is not None and state.version >= (1, 32):
                absent = unresolvable(ABSENT_NODE_AFFINITY)
            table.message = counted_message(
                int(index.present.sum()), table.counts, len(table.statuses), absent
            )
            everything = table.statuses
            if absent is not None:
                everything = dict(everything)
                for node in np.flatnonzero(index.present & ~table.evaluated):
                    everything[int(node)] = absent
            table.everything = everything
        table.handed_out = True
        if p.spec.preemption_policy == "Never":
            postfilter = NEVER
        else:
            # a lower-priority pod on a node preemption may help with: the reference decides
            if bool((table.potential & (self._min_priorities() < p.priority)).any()):
                return schedule_one(state, pod)
            postfilter = self._dry_run_message(int(index.present[:n].sum()), table.potential_count)
        postfilter = f"preemption: {postfilter}"
        if state.version >= (1, 34):
            postfilter = f"{DRA_POSTFILTER}, {postfilter}"
        return Decision(pod, None, (), f"{table.message} {postfilter}", table.everything)

    def _dry_run_message(self, count: int, potential: int) -> str:
        """Preemption's message when no node has victims: ``potential`` nodes without
        victims, the rest not helped (cached per counts)."""
        key = (count, potential)
        message = self._dry_runs.get(key)
        if message is None:
            dry_run = Diagnosis(
                dict.fromkeys(range(potential), unresolvable(NO_VICTIMS)),
                unresolvable(NOT_HELPFUL),
            )
            message = self._dry_runs[key] = fit_error_message(count, dry_run)
        return message

    def _min_priorities(self) -> Int64Array:
        """The lowest priority of the pods bound to each node (a large value for none),
        brought up to date from the state's ``node_log``."""
        state, n = self.state, self.index.count
        log = state.node_log
        minimum = self._min_priority
        if (
            minimum is None
            or len(minimum) != n
            or len(log) - self._min_priority_pos > n * REDIAGNOSE
        ):
            nodes: list[int] | range = range(n)
            minimum = self._min_priority = np.full(n, NO_PRIORITY, dtype=np.int64)
        else:
            nodes = [node for node in dict.fromkeys(log[self._min_priority_pos :]) if node < n]
        specs, pod_spec = state.specs, state.pod_spec
        for node in nodes:
            minimum[node] = min(
                (specs[pod_spec[q]].priority for q in state.node_pods[node]), default=NO_PRIORITY
            )
        self._min_priority_pos = len(log)
        return minimum

    def _failure_table(self, profile: Profile, run: Run | None) -> FailureTable:
        """The per-node statuses of a pod of ``profile`` that fits nowhere, brought up to
        date: only the nodes in the ``node_log`` since are filtered again, unless the
        domain counts the topology filters read (or their minimums) changed."""
        state, index = self.state, self.index
        n = index.count
        log = state.node_log
        minimum = [] if run is None else [run._min_match(i, hn, d) for i, hn, _, _, d in run.hard]
        topologies = profile.topologies
        counts = [] if run is None else run.domain_counts  # None: no topology filter
        fingerprint = (
            tuple(minimum),
            tuple(
                tuple(counts[i])
                for i, t in enumerate(topologies)
                if not t.hostname and t.kind in (HARD, ANTI, EXISTING_ANTI)
            ),
        )
        table = self._tables.get(profile.key)
        topology = self.topology_log
        evaluated = index.present if profile.pinned is None else profile.pinned
        if (
            table is None
            or table.profile is not profile
            or table.fingerprint != fingerprint
            or len(log) - table.log_pos + len(topology) - table.topology_pos > n * REDIAGNOSE
        ):
            at = np.flatnonzero(evaluated)
            table = FailureTable(
                profile, evaluated[:n].copy(), fingerprint, len(log), len(topology)
            )
            out, keys, made = self._keyed_statuses(profile, run, at, minimum)
            table.statuses = {
                node: status
                for node, status in zip(at.tolist(), out, strict=True)
                if status is not None
            }
            # counted per key (equal statuses of different keys merged), the nodes that
            # passed to the topology filters (key 0) one by one
            potential = np.zeros(len(at), dtype=np.bool_)
            distinct, sizes = np.unique(keys, return_counts=True)
            for key, count in zip(distinct.tolist(), sizes.tolist(), strict=True):
                status = made[key]
                if key == 0 or status is None:
                    continue
                table.counts[status] = table.counts.get(status, 0) + count
                if status.code is Code.UNSCHEDULABLE:
                    potential |= keys == key
            if 0 in made:
                for k in np.flatnonzero(keys == 0).tolist():
                    status = out[k]
                    if status is not None:
                        table.counts[status] = table.counts.get(status, 0) + 1
                        potential[k] = status.code is Code.UNSCHEDULABLE
            table.potential = np.zeros(n, dtype=np.bool_)
            table.potential[at] = potential
            table.potential_count = int(potential.sum())
            self._tables[profile.key] = table
            return table
        if table.log_pos == len(log) and table.topology_pos == len(topology):
            return table
        # nodes bound to or from, and nodes tainted, cordoned or removed (their static
        # filter, or whether they are evaluated at all, changed: the profile is up to date)
        dirty = np.unique(
            np.array(log[table.log_pos :] + topology[table.topology_pos :], dtype=np.int64)
        )
        table.log_pos, table.topology_pos = len(log), len(topology)
        dirty = dirty[dirty < n]
        table.evaluated[dirty] = evaluated[dirty]
        gone = dirty[~table.evaluated[dirty]]
        dirty = dirty[table.evaluated[dirty]]
        changes: list[tuple[int, Status | None]] = [
            (node, None) for node in gone.tolist() if node in table.statuses
        ]
        changes += [
            (node, status)
            for node, status in zip(
                dirty.tolist(), self._statuses(profile, run, dirty, minimum), strict=True
            )
            if table.statuses.get(node) != status
        ]
        if changes:
            table.change(changes)
        return table

    def _statuses(
        self, profile: Profile, run: Run | None, at: Int64Array, minimum: list[int]
    ) -> list[Status | None]:
        """Each node ``at``'s status for a pod of ``profile`` (None: it passes the filters);
        see :meth:`_keyed_statuses`."""
        return self._keyed_statuses(profile, run, at, minimum)[0]

    def _keyed_statuses(
        self, profile: Profile, run: Run | None, at: Int64Array, minimum: list[int]
    ) -> tuple[list[Status | None], Int64Array, dict[int, Status | None]]:
        """Each node ``at``'s status for a pod of ``profile`` (None: it passes the filters).

        Vectorised: each node gets a key — its static filter's failure (negative), or which
        of NodeResourcesFit's reasons it has as bits (``Too many pods``, then ``Insufficient
        <resource>`` in the reference's order) and whether one is unresolvable — and each
        distinct key one :class:`Status`; nodes that pass both go through the topology
        filters one by one."""
        state, index = self.state, self.index
        p = profile.pod
        code = profile.static_code[at]
        keys = (state.pod_count[at] + 1 > state.max_pods[at]).astype(np.int64)
        unresolved = np.zeros(len(at), dtype=np.bool_)
        names = [TOO_MANY_PODS]
        for r in self._resource_order():
            want = p.request[r]
            if want > 0:
                lacking = want > state.allocatable[at, r] - state.requested[at, r]
                keys |= lacking.astype(np.int64) << len(names)
                unresolved |= lacking & (want > state.allocatable[at, r])
                names.append(f"Insufficient {state.resources[r]}")
        keys <<= 1
        if state.version >= (1, 34):
            keys |= (unresolved & (keys > 0)).astype(np.int64)
        keys[code != 0] = -1  # AFFINITY_MISMATCH, unless one of these two
        keys[code == UNSCHEDULABLE_NODE] = -2
        untolerated = code == UNTOLERATED
        keys[untolerated] = -3 - index.taint_group[at[untolerated]]
        made: dict[int, Status | None] = {}
        for key in np.unique(keys).tolist():
            status: Status | None = None
            if key == -1:
                status = unresolvable(NODE_AFFINITY)
            elif key == -2:
                status = unresolvable(NODE_UNSCHEDULABLE)
            elif key < 0:
                status = unresolvable(profile.taint_reasons[-3 - key])
            elif key > 0:
                bits = key >> 1
                reasons = tuple(name for j, name in enumerate(names) if bits >> j & 1)
                status = Status(Code.UNRESOLVABLE if key & 1 else Code.UNSCHEDULABLE, reasons)
            made[key] = status
        out = [made[key] for key in keys.tolist()]
        if 0 in made and run is not None:  # None: the profile has no topology filter
            for k in np.flatnonzero(keys == 0).tolist():
                out[k] = self._topology_status(run, int(at[k]), minimum)
        return out, keys, made

    def _resource_order(self) -> list[int]:
        resources = self.state.resources
        return [0, 1, 2, *sorted(range(3, len(resources)), key=resources.__getitem__)]

    def _topology_status(self, run: Run, node: int, minimum: list[int]) -> Status | None:
        codes, _, host, _, _ = run.place(node)
        topologies = run.profile.topologies
        counts = run.domain_counts
        for k, (i, hostname, max_skew, self_match, _) in enumerate(run.hard):
            if codes[i] < 0:
                return unresolvable(SPREAD_MISSING_LABEL)
            if (host[i] if hostname else counts[i][codes[i]]) + self_match - minimum[k] > max_skew:
                return unschedulable(SPREAD)
        for kind, reason in ((ANTI, ANTI_AFFINITY), (EXISTING_ANTI, EXISTING_ANTI_AFFINITY)):
            for i, t in enumerate(topologies):
                if (
                    t.kind == kind
                    and codes[i] >= 0
                    and (host[i] if t.hostname else counts[i][codes[i]]) > 0
                ):
                    return unschedulable(reason)
        return None

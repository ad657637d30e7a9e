"""The fast scheduler: the reference's decisions, without looking at every node for every pod.

:meth:`FastScheduler.decide` returns exactly what
:func:`~service.simulation.scheduler.schedule_one` returns for the same state (a property
test holds them equal); it is meant to be called pod after pod on a state that changes
between calls (binds, deletions, taints — it catches up from the state's ``node_log`` and
epochs).

How it avoids the per-node work. For a pod of a given kind (:mod:`fast_profile`), a node's
total score is its node-local part — LeastAllocated + BalancedAllocation — plus parts that
depend only on its *class*: the domains of the topology keys the pod's rules read, its raw
TaintToleration/NodeAffinity scores, and its per-node matching-pod counts. Filters that are
not node-local (spread skew, anti-affinity) also depend on the class alone. Nodes whose
per-node counts are all zero ("bulk" nodes, nearly all of them) form a handful of classes
(e.g. one per zone); for each, the best node is the one with the highest node-local score
(smallest name on ties), kept in a list sorted once when a run of such pods starts. Nodes
that gained a matching pod, or changed at all since then, are tracked one by one in small
groups. Each decision then compares one candidate per class and group, with the class-level
scores normalised over all feasible nodes as upstream does.

Pods the profile declines (see :func:`~service.simulation.fast_profile.build_profile`), and
any decision where a lower-priority pod could be preempted, go to the reference. A pod that
fits nowhere gets its FitError from vectorised per-node statuses, cached until the state
changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from service.kube.model import WorkloadRef
from service.simulation.fast_profile import (
    ANTI,
    EXISTING_ANTI,
    HARD,
    SOFT,
    UNSCHEDULABLE_NODE,
    UNTOLERATED,
    AffinitySpecs,
    Profile,
    Topology,
    affinity_specs,
    build_profile,
)
from service.simulation.filters import (
    ABSENT_NODE_AFFINITY,
    NODE_AFFINITY,
    NODE_UNSCHEDULABLE,
    TOO_MANY_PODS,
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
from service.simulation.node_info import Incoming, incoming
from service.simulation.preemption import NEVER, NO_VICTIMS, NOT_HELPFUL
from service.simulation.scheduler import DRA_POSTFILTER, Decision, schedule_one
from service.simulation.scoring import MAX_NODE_SCORE, balanced_allocation, least_allocated
from service.simulation.spread import DEFAULT_OWNER_KINDS, SPREAD, SPREAD_MISSING_LABEL, go_round
from service.simulation.state import CPU, MEMORY, BoolArray, ClusterState, Int64Array

SHIFT = (
    1 << 21
)  # node-local score and name rank packed in one integer: score·SHIFT + (SHIFT−1−rank)
TOP = 48  # candidates kept per class when a run starts
MAX_TRACKED = 512  # nodes tracked one by one before a run starts over


def local_scores(state: ClusterState, pod: Incoming, count: int, balanced: bool) -> Int64Array:
    """LeastAllocated + BalancedAllocation for every node, vectorised (same arithmetic as
    :func:`~service.simulation.scoring.least_allocated` / ``balanced_allocation``)."""
    total = np.zeros(count, dtype=np.int64)
    weights = np.zeros(count, dtype=np.int64)
    wanted = (pod.spec.nonzero_cpu, pod.spec.nonzero_memory)
    fractions = []
    for r, want in zip((CPU, MEMORY), wanted, strict=True):
        allocatable = state.allocatable[:count, r]
        has = allocatable > 0
        requested = state.nonzero_requested[:count, r] + want
        safe = np.where(has, allocatable, 1)
        score = np.where(
            requested <= allocatable, (allocatable - requested) * MAX_NODE_SCORE // safe, 0
        )
        total += np.where(has, score, 0)
        weights += has
        if balanced:
            actual = (state.requested[:count, r] + pod.request[r]).astype(np.float64)
            fractions.append((has, np.minimum(actual / safe.astype(np.float64), 1.0)))
    la = np.where(weights > 0, total // np.maximum(weights, 1), 0)
    if not balanced:
        return la
    (has_cpu, f_cpu), (has_mem, f_mem) = fractions
    std = np.where(has_cpu & has_mem, np.abs((f_cpu - f_mem) / 2), 0.0)
    return la + ((1 - std) * float(MAX_NODE_SCORE)).astype(np.int64)


def fits(state: ClusterState, pod: Incoming, count: int) -> BoolArray:
    ok = state.pod_count[:count] + 1 <= state.max_pods[:count]
    for r in np.flatnonzero(pod.request):
        ok &= pod.request[r] <= state.allocatable[:count, r] - state.requested[:count, r]
    return ok


def fits_one(state: ClusterState, pod: Incoming, node: int) -> bool:
    if state.pod_count[node] + 1 > state.max_pods[node]:
        return False
    request = pod.request
    for r in np.flatnonzero(request):
        if request[r] > state.allocatable[node, r] - state.requested[node, r]:
            return False
    return True


@dataclass(slots=True)
class Place:
    """What a class or group of nodes looks like to the pod's topology rules."""

    codes: tuple[int, ...]  # per topology: the domain code (-1: no such key)
    score_codes: tuple[int, ...]
    host_counts: tuple[int, ...]  # per topology: the per-node count (0 for bulk nodes)
    tt: int
    na: int


@dataclass(slots=True)
class Group:
    place: Place
    members: set[int] = field(default_factory=set)
    best: int | None = None
    stale: bool = True


class Run:
    """Consecutive decisions for pods of one profile (see the module docstring)."""

    def __init__(self, scheduler: FastScheduler, profile: Profile) -> None:
        state, index = scheduler.state, scheduler.index
        self.state, self.index, self.profile = state, index, profile
        pod = profile.pod
        n = index.count
        self.log_pos = len(state.node_log)
        evaluated = index.present if profile.pinned is None else profile.pinned
        self.static_ok = evaluated & (profile.static_code == 0)
        self.local_ok = self.static_ok & fits(state, pod, n)
        self.local = local_scores(state, pod, n, profile.balanced)
        topologies = profile.topologies
        self.hosts = [i for i, t in enumerate(topologies) if t.hostname]
        self.domain_topologies = [i for i, t in enumerate(topologies) if not t.hostname]
        tracked = np.zeros(n, dtype=np.bool_)
        for i in self.hosts:
            tracked |= topologies[i].counts[:n] > 0
        self.seen = [t.counts[:n].copy() for t in topologies]
        self.domain_counts: list[Int64Array] = []
        self.domain_present: list[Int64Array] = []
        for t in topologies:
            eligible = t.eligible[:n]
            self.domain_counts.append(
                np.bincount(t.score_codes[eligible], weights=t.counts[:n][eligible], minlength=t.domains).astype(np.int64)
            )  # fmt: skip
            self.domain_present.append(np.unique(t.score_codes[eligible]))
        self.zero_eligible = [int(((t.counts[:n] == 0) & t.eligible[:n]).sum()) if t.hostname else 0
                              for t in topologies]  # fmt: skip
        self.eligible_count = [int(t.eligible[:n].sum()) for t in topologies]
        # classes of bulk nodes: every topology's domain code, TaintToleration and NodeAffinity raw scores
        code = np.zeros(n, dtype=np.int64)
        for i in self.domain_topologies:
            code = code * (topologies[i].domains + 1) + (topologies[i].codes + 1)
        code = code * (int(profile.tt_raw.max(initial=0)) + 1) + profile.tt_raw
        if profile.na_raw is not None:
            code = code * (int(profile.na_raw.max(initial=0)) + 1) + profile.na_raw
        self.code = code
        self.bulk = self.local_ok & ~tracked
        self.packed = self.local * SHIFT + (SHIFT - 1 - index.rank)
        self.classes: dict[int, list[int]] = {}
        self.class_count: dict[int, int] = {}
        self.class_place: dict[int, Place] = {}
        members = np.flatnonzero(self.bulk)
        codes = code[members]
        for c in np.unique(codes):
            inside = members[codes == c]
            self.class_count[int(c)] = len(inside)
            self.class_place[int(c)] = self.place(int(inside[0]), bulk=True)
            self.classes[int(c)] = self._top(inside)
        self.tracked = set(np.flatnonzero(tracked & evaluated).tolist())
        self.groups: dict[tuple[object, ...], Group] = {}
        self.group_of: dict[int, tuple[object, ...]] = {}
        for node in sorted(self.tracked):
            self._regroup(node)

    def _top(self, inside: Int64Array) -> list[int]:
        keys = self.packed[inside]
        if len(inside) > TOP:
            part = np.argpartition(-keys, TOP)[:TOP]
            inside, keys = inside[part], keys[part]
        return [int(x) for x in inside[np.argsort(-keys)]]

    def place(self, node: int, bulk: bool = False) -> Place:
        p = self.profile
        topologies = p.topologies
        return Place(
            tuple(int(t.codes[node]) for t in topologies),
            tuple(int(t.score_codes[node]) for t in topologies),
            # a filter counts a node's pods only when the node is eligible (TpValueToMatchNum)
            tuple(
                0
                if bulk or not t.hostname or (t.kind == HARD and not t.eligible[node])
                else int(t.counts[node])
                for t in topologies
            ),
            int(p.tt_raw[node]),
            0 if p.na_raw is None else int(p.na_raw[node]),
        )

    def _regroup(self, node: int) -> None:
        old = self.group_of.pop(node, None)
        if old is not None:
            left = self.groups[old]
            left.members.discard(node)
            left.stale = True
        if not self.local_ok[node]:
            return
        place = self.place(node)
        key = (int(self.code[node]), place.host_counts)
        group = self.groups.get(key)
        if group is None:
            group = self.groups[key] = Group(place)
        group.members.add(node)
        group.stale = True
        self.group_of[node] = key

    def refresh(self) -> bool:
        """Catch up with the state's changes since the last decision; False: start over."""
        state = self.state
        log = state.node_log
        if len(log) == self.log_pos:
            return True
        if len(log) - self.log_pos > self.index.count // 4:
            return False
        dirty = dict.fromkeys(log[self.log_pos :])
        self.log_pos = len(log)
        pod, p = self.profile.pod, self.profile
        for node in dirty:
            if node >= self.index.count:
                return False
            self.local_ok[node] = bool(self.static_ok[node]) and fits_one(state, pod, node)
            score = least_allocated(state, pod, node)
            if p.balanced:
                score += balanced_allocation(state, pod, node)
            self.local[node] = score
            for i, t in enumerate(p.topologies):
                now = int(t.counts[node])
                before = int(self.seen[i][node])
                if now == before:
                    continue
                self.seen[i][node] = now
                if t.eligible[node]:
                    self.domain_counts[i][t.score_codes[node]] += now - before
                    if t.hostname:
                        self.zero_eligible[i] += (now == 0) - (before == 0)
            if self.bulk[node]:
                self.bulk[node] = False
                self.class_count[int(self.code[node])] -= 1
            self.tracked.add(node)
            self._regroup(node)
        return len(self.tracked) <= MAX_TRACKED

    # -- one decision -------------------------------------------------------------------------
    def _class_best(self, c: int) -> int | None:
        candidates = self.classes[c]
        while candidates and not self.bulk[candidates[0]]:
            candidates.pop(0)
        if not candidates and self.class_count[c] > 0:
            inside = np.flatnonzero(self.bulk & (self.code == c))
            candidates[:] = self._top(inside)
        return candidates[0] if candidates else None

    def _group_best(self, group: Group) -> int | None:
        if group.stale:
            group.best = max(group.members, key=lambda x: int(self.packed_of(x)), default=None)
            group.stale = False
        return group.best

    def packed_of(self, node: int) -> int:
        return int(self.local[node]) * SHIFT + (SHIFT - 1 - int(self.index.rank[node]))

    def _min_match(self, i: int, t: Topology) -> int:
        if t.hostname:
            if self.eligible_count[i] < t.min_domains:
                return 0
            if self.zero_eligible[i] > 0:
                return 0
            counts = t.counts[: self.index.count][t.eligible[: self.index.count]]
            return int(counts.min()) if len(counts) else 0
        present = self.domain_present[i]
        if len(present) < t.min_domains or len(present) == 0:
            return 0
        return int(self.domain_counts[i][present].min())

    def passes(self, place: Place, minimum: list[int]) -> bool:
        for i, t in enumerate(self.profile.topologies):
            if t.kind == HARD:
                if place.codes[i] < 0:
                    return False
                count = (
                    place.host_counts[i]
                    if t.hostname
                    else int(self.domain_counts[i][place.codes[i]])
                )
                if count + t.self_match - minimum[i] > t.max_skew:
                    return False
            elif t.kind in (ANTI, EXISTING_ANTI) and place.codes[i] >= 0:
                count = (
                    place.host_counts[i]
                    if t.hostname
                    else int(self.domain_counts[i][place.codes[i]])
                )
                if count > 0:
                    return False
        return True

    def best(self) -> int | None:
        """The node the reference would choose now, or None when no node is feasible."""
        topologies = self.profile.topologies
        minimum = [self._min_match(i, t) if t.kind == HARD else 0 for i, t in enumerate(topologies)]
        options: list[tuple[Place, int, int]] = []  # (place, nodes, best node)
        for c, count in self.class_count.items():
            if count > 0:
                place = self.class_place[c]
                if self.passes(place, minimum):
                    node = self._class_best(c)
                    if node is not None:
                        options.append((place, count, node))
        for group in self.groups.values():
            if group.members and self.passes(group.place, minimum):
                node = self._group_best(group)
                if node is not None:
                    options.append((group.place, len(group.members), node))
        if not options:
            return None
        p = self.profile
        top_tt = max(place.tt for place, _, _ in options)
        top_na = max(place.na for place, _, _ in options)
        spread = self._spread_scores(options)
        best_key = None
        chosen = None
        for k, (place, _, node) in enumerate(options):
            total = 3 * (
                MAX_NODE_SCORE
                if top_tt == 0
                else MAX_NODE_SCORE - MAX_NODE_SCORE * place.tt // top_tt
            )
            if p.na_raw is not None and top_na > 0:
                total += 2 * (MAX_NODE_SCORE * place.na // top_na)
            total += 2 * spread[k] + int(self.local[node])
            key = (total, -int(self.index.rank[node]))
            if best_key is None or key > best_key:
                best_key, chosen = key, node
        return chosen

    def _spread_scores(self, options: list[tuple[Place, int, int]]) -> list[int]:
        p = self.profile
        soft = [i for i, t in enumerate(p.topologies) if t.kind == SOFT]
        if not soft:
            return [0] * len(options)
        ignored = [
            p.require_all_soft and any(place.codes[i] < 0 for i in soft) for place, _, _ in options
        ]
        feasible = sum(count for _, count, _ in options)
        skipped = sum(count for (_, count, _), ig in zip(options, ignored, strict=True) if ig)
        weights = {}
        for i in soft:
            t = p.topologies[i]
            if t.hostname:
                size = feasible - skipped
            else:
                size = len(
                    {
                        place.score_codes[i]
                        for (place, _, _), ig in zip(options, ignored, strict=True)
                        if not ig
                    }
                )
            weights[i] = math.log(size + 2)
        raw = []
        for (place, _, _), ig in zip(options, ignored, strict=True):
            if ig:
                raw.append(0)
                continue
            total = 0.0
            for i in soft:
                t = p.topologies[i]
                if place.codes[i] < 0:
                    continue
                count = (
                    place.host_counts[i]
                    if t.hostname
                    else int(self.domain_counts[i][place.score_codes[i]])
                )
                total += count * weights[i] + float(t.max_skew - 1)
            raw.append(go_round(total))
        kept = [s for s, ig in zip(raw, ignored, strict=True) if not ig]
        low, high = min(kept, default=0), max([0, *kept])
        return [0 if ig else MAX_NODE_SCORE if high == 0 else MAX_NODE_SCORE * (high + low - s) // high
                for s, ig in zip(raw, ignored, strict=True)]  # fmt: skip


class FastScheduler:
    """kube-scheduler's decisions for one :class:`ClusterState`, fast (see the module docstring)."""

    def __init__(self, state: ClusterState) -> None:
        self.state = state
        self.index: NodeIndex = build_node_index(state)
        self._epochs = (state.topology_epoch, state.affinity_epoch, len(state.specs))
        self._specs: AffinitySpecs = affinity_specs(state)
        self._profiles: dict[tuple[object, ...], Profile | None] = {}
        self._run: Run | None = None
        self._failures: dict[tuple[object, ...], tuple[tuple[int, int], Decision]] = {}

    def _sync(self) -> None:
        state = self.state
        epochs = (state.topology_epoch, state.affinity_epoch, len(state.specs))
        if epochs != self._epochs:
            if epochs[0] != self._epochs[0]:
                self.index = build_node_index(state)
            self._epochs = epochs
            self._specs = affinity_specs(state)
            self._profiles.clear()
            self._failures.clear()
            self._run = None

    def profile(self, pod: int) -> Profile | None:
        state = self.state
        spec = state.pod_spec[pod]
        owner: WorkloadRef | None = state.pod_owner[pod]
        if (
            state.specs[spec].topology_spread
            or owner is None
            or owner.kind not in DEFAULT_OWNER_KINDS
        ):
            owner = None
        key = (spec, state.pod_namespace[pod], owner)
        if key not in self._profiles:
            profile = build_profile(state, self.index, incoming(state, pod), self._specs)
            if profile is not None:
                profile.key = key
            self._profiles[key] = profile
        return self._profiles[key]

    def decide(self, pod: int) -> Decision:
        """What :func:`~service.simulation.scheduler.schedule_one` decides for ``pod`` now."""
        state = self.state
        self._sync()
        if not state.node_present.any():
            return schedule_one(state, pod)
        profile = self.profile(pod)
        if profile is None:
            return schedule_one(state, pod)
        run = self._run
        if run is None or run.profile is not profile or not run.refresh():
            run = self._run = Run(self, profile)
        node = run.best()
        if node is not None:
            return Decision(pod, node)
        stamp = (len(state.node_log), state.topology_epoch)
        cached = self._failures.get(profile.key)
        if cached is not None and cached[0] == stamp:
            template = cached[1]
            return Decision(pod, None, (), template.message, template.statuses)
        decision = self._fit_error(pod, profile, run)
        if decision.message is not None and decision.node is None:
            self._failures[profile.key] = (stamp, decision)
        return decision

    # -- no node fits ---------------------------------------------------------------------------
    def _fit_error(self, pod: int, profile: Profile, run: Run) -> Decision:
        state, index = self.state, self.index
        p = profile.pod
        n = index.count
        evaluated = index.present if profile.pinned is None else profile.pinned
        statuses = self._statuses(profile, run, evaluated)
        absent = None
        if profile.pinned is not None and state.version >= (1, 32):
            absent = unresolvable(ABSENT_NODE_AFFINITY)
        message = fit_error_message(int(index.present.sum()), Diagnosis(statuses, absent))
        everything = dict(statuses)
        if absent is not None:
            for node in np.flatnonzero(index.present & ~evaluated):
                everything[int(node)] = absent
        if p.spec.preemption_policy == "Never":
            postfilter = NEVER
        else:
            potential = [node for node, s in statuses.items() if s.code is Code.UNSCHEDULABLE]
            specs, pods = state.specs, state.pod_spec
            if any(
                specs[pods[q]].priority < p.priority
                for node in potential
                for q in state.node_pods[node]
            ):
                return schedule_one(state, pod)
            dry_run = Diagnosis(
                dict.fromkeys(potential, unresolvable(NO_VICTIMS)), unresolvable(NOT_HELPFUL)
            )
            postfilter = fit_error_message(int(index.present[:n].sum()), dry_run)
        postfilter = f"preemption: {postfilter}"
        if state.version >= (1, 34):
            postfilter = f"{DRA_POSTFILTER}, {postfilter}"
        return Decision(pod, None, (), f"{message} {postfilter}", everything)

    def _statuses(self, profile: Profile, run: Run, evaluated: BoolArray) -> dict[int, Status]:
        state, index = self.state, self.index
        p = profile.pod
        n = index.count
        code = profile.static_code
        fails: dict[int, Status] = {}
        fit_reasons: dict[tuple[str, ...], Status] = {}
        too_many = state.pod_count[:n] + 1 > state.max_pods[:n]
        short = [(state.resources[r], p.request[r] > state.allocatable[:n, r] - state.requested[:n, r],
                  p.request[r] > state.allocatable[:n, r])
                 for r in self._resource_order() if p.request[r] > 0]  # fmt: skip
        topologies = profile.topologies
        minimum = [run._min_match(i, t) if t.kind == HARD else 0 for i, t in enumerate(topologies)]
        for node in np.flatnonzero(evaluated).tolist():
            c = int(code[node])
            if c == UNSCHEDULABLE_NODE:
                fails[node] = unresolvable(NODE_UNSCHEDULABLE)
                continue
            if c == UNTOLERATED:
                fails[node] = unresolvable(profile.taint_reasons[node])
                continue
            if c:
                fails[node] = unresolvable(NODE_AFFINITY)
                continue
            reasons = [TOO_MANY_PODS] if too_many[node] else []
            unresolved = False
            for name, lacking, over in short:
                if lacking[node]:
                    reasons.append(f"Insufficient {name}")
                    unresolved = unresolved or bool(over[node])
            if reasons:
                key = (*reasons, "!" if unresolved and state.version >= (1, 34) else "")
                status = fit_reasons.get(key)
                if status is None:
                    status = fit_reasons[key] = Status(
                        Code.UNRESOLVABLE if key[-1] else Code.UNSCHEDULABLE, tuple(reasons)
                    )
                fails[node] = status
                continue
            status = self._topology_status(run, node, minimum)
            if status is not None:
                fails[node] = status
        return fails

    def _resource_order(self) -> list[int]:
        resources = self.state.resources
        return [0, 1, 2, *sorted(range(3, len(resources)), key=resources.__getitem__)]

    def _topology_status(self, run: Run, node: int, minimum: list[int]) -> Status | None:
        place = run.place(node)
        topologies = run.profile.topologies
        for i, t in enumerate(topologies):
            if t.kind != HARD:
                continue
            if place.codes[i] < 0:
                return unresolvable(SPREAD_MISSING_LABEL)
            count = (
                place.host_counts[i] if t.hostname else int(run.domain_counts[i][place.codes[i]])
            )
            if count + t.self_match - minimum[i] > t.max_skew:
                return unschedulable(SPREAD)
        for kind, reason in ((ANTI, ANTI_AFFINITY), (EXISTING_ANTI, EXISTING_ANTI_AFFINITY)):
            for i, t in enumerate(topologies):
                if t.kind == kind and place.codes[i] >= 0:
                    count = (
                        place.host_counts[i]
                        if t.hostname
                        else int(run.domain_counts[i][place.codes[i]])
                    )
                    if count > 0:
                        return unschedulable(reason)
        return None

"""PodTopologySpread: the DoNotSchedule filter and the ScheduleAnyway score.

Transcribed from ``pkg/scheduler/framework/plugins/podtopologyspread/`` (``common.go``,
``filtering.go``, ``scoring.go``, ``plugin.go``) of 1.31–1.34:

- **Constraints** (:func:`constraints`): the pod's own, of the wanted
  ``whenUnsatisfiable``; ``matchLabelKeys`` add the pod's values for those keys to the
  selector. A pod without constraints gets the system defaults when scoring
  (``{kubernetes.io/hostname, maxSkew 3}``, ``{topology.kubernetes.io/zone, maxSkew 5}``,
  ScheduleAnyway) with the selector of the ReplicaSet or StatefulSet that owns it (here: the
  Deployment/ReplicaSet/StatefulSet workload's selector; Services are not imported, so they
  add nothing); other pods get none.
- **Counting** (``countPodsMatchSelector``): pods on the node in the incoming pod's
  namespace matching the selector, **Terminating pods left out**; an empty selector counts
  nothing (``selector.Empty()``), though the pod itself still matches it.
- **Filter** (:class:`SpreadFilter`): over every node that has all the constraints' keys and
  passes the inclusion policies (``nodeAffinityPolicy: Honor`` — the pod's nodeSelector and
  required affinity; ``nodeTaintsPolicy: Honor`` — its tolerations), matching pods are summed
  per domain. A node without the key fails ``node(s) didn't match pod topology spread
  constraints (missing required label)`` (unresolvable); otherwise ``count(domain) + self −
  min ≤ maxSkew`` or ``node(s) didn't match pod topology spread constraints``
  (unschedulable). ``min`` comes from upstream's two-slot ``criticalPaths`` (0 when fewer
  domains than ``minDomains``); its first fill visits domains in name order where upstream
  visits a Go map (only ties can differ, and only after preemption's add-backs).
- **Score** (:func:`spread_prescore`, :meth:`SpreadScore.score`, :func:`normalize`): per node
  ``round(Σ count·log(size+2) + maxSkew−1)`` (size: feasible nodes for the hostname key, else
  domains among them), then ``100·(max+min−s)//max`` over the feasible nodes; nodes missing a
  key of the pod's own constraints score 0. Up to 1.33 domain counts are keyed by
  (key, value) and so shared by constraints on the same key; 1.34 keeps one map per
  constraint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from service.kube.model import LabelSelector, Requirement, TopologySpreadConstraint
from service.kube.selectors import first_untolerated, node_affinity_matches, selector_matches
from service.kube.wellknown import HOSTNAME, ZONE
from service.simulation.fit_error import Status, unresolvable, unschedulable
from service.simulation.node_info import Incoming, NodeInfo
from service.simulation.state import ClusterState

SPREAD = "node(s) didn't match pod topology spread constraints"
SPREAD_MISSING_LABEL = SPREAD + " (missing required label)"
DEFAULT_OWNER_KINDS = ("Deployment", "ReplicaSet", "StatefulSet")
SYSTEM_DEFAULTS = (
    TopologySpreadConstraint(
        max_skew=3, topology_key=HOSTNAME, when_unsatisfiable="ScheduleAnyway"
    ),
    TopologySpreadConstraint(max_skew=5, topology_key=ZONE, when_unsatisfiable="ScheduleAnyway"),
)
MAX_INT32 = 2**31 - 1


@dataclass(frozen=True, slots=True)
class Constraint:
    """A constraint as the plugin holds it: ``selector`` None matches no pod."""

    max_skew: int
    topology_key: str
    selector: LabelSelector | None
    min_domains: int = 1
    honor_affinity: bool = True
    honor_taints: bool = False

    def matches(self, labels: dict[str, str]) -> bool:
        return selector_matches(self.selector, labels)

    def counts(self, labels: dict[str, str]) -> bool:
        """Whether an existing pod with ``labels`` is counted (an empty selector counts none)."""
        s = self.selector
        if s is None or (not s.match_labels and not s.match_expressions):
            return False
        return selector_matches(s, labels)

    def includes(self, pod: Incoming, node: NodeInfo) -> bool:
        """``matchNodeInclusionPolicies``."""
        if self.honor_affinity and not node_affinity_matches(pod.spec, node.name, node.labels):
            return False
        return not (self.honor_taints and first_untolerated(node.taints, pod.spec.tolerations))


def _merge_label_keys(c: TopologySpreadConstraint, labels: dict[str, str]) -> LabelSelector | None:
    selector = c.selector
    wanted = {k: labels[k] for k in c.match_label_keys if k in labels}
    if selector is None or not wanted:
        return selector
    own = tuple(
        Requirement(key=k, operator="In", values=(v,)) for k, v in selector.match_labels.items()
    )
    return LabelSelector(match_labels=wanted, match_expressions=own + selector.match_expressions)


def constraints(state: ClusterState, pod: Incoming, action: str) -> list[Constraint]:
    """The pod's constraints of ``action`` (DoNotSchedule / ScheduleAnyway), or the defaults."""
    own = pod.spec.topology_spread
    if own:
        return [
            Constraint(
                c.max_skew,
                c.topology_key,
                _merge_label_keys(c, pod.labels),
                1 if c.min_domains is None else c.min_domains,
                c.node_affinity_policy == "Honor",
                c.node_taints_policy == "Honor",
            )
            for c in own
            if c.when_unsatisfiable == action
        ]
    if action != "ScheduleAnyway":
        return []
    selector = default_selector(state, pod.pod)
    if selector is None:
        return []
    return [Constraint(c.max_skew, c.topology_key, selector) for c in SYSTEM_DEFAULTS]


def default_selector(state: ClusterState, pod: int) -> LabelSelector | None:
    """``helper.DefaultSelector``: the owning ReplicaSet's / StatefulSet's selector, or None."""
    owner = state.pod_owner[pod]
    if owner.kind not in DEFAULT_OWNER_KINDS:
        return None
    workload = state.workload(owner.kind, owner.namespace, owner.name)
    selector = None if workload is None else workload.selector
    if selector is None or (not selector.match_labels and not selector.match_expressions):
        return None
    return selector


def count_on_node(state: ClusterState, c: Constraint, namespace: str, node: NodeInfo) -> int:
    count = 0
    for p in node.pods:
        if state.pod_deleting[p] or state.pod_namespace[p] != namespace:
            continue
        if c.counts(state.specs[state.pod_spec[p]].labels):
            count += 1
    return count


@dataclass(slots=True)
class CriticalPaths:
    """Upstream's two smallest (domain, count) pairs, updated the same way."""

    paths: list[tuple[str, int]] = field(default_factory=lambda: [("", MAX_INT32), ("", MAX_INT32)])

    def update(self, value: str, num: int) -> None:
        p = self.paths
        i = 0 if value == p[0][0] else 1 if value == p[1][0] else -1
        if i >= 0:
            p[i] = (p[i][0], num)
            if p[0][1] > p[1][1]:
                p[0], p[1] = p[1], p[0]
        elif num < p[0][1]:
            p[1] = p[0]
            p[0] = (value, num)
        elif num < p[1][1]:
            p[1] = (value, num)

    def min(self) -> int:
        return self.paths[0][1]


@dataclass(slots=True)
class SpreadFilter:
    """The PreFilter state of the hard constraints (``preFilterState``)."""

    constraints: list[Constraint]
    counts: list[dict[str, int]]
    paths: list[CriticalPaths]

    def min_match(self, i: int) -> int:
        if len(self.counts[i]) < self.constraints[i].min_domains:
            return 0
        return self.paths[i].min()

    def filter(self, pod: Incoming, node: NodeInfo) -> Status | None:
        for i, c in enumerate(self.constraints):
            value = node.labels.get(c.topology_key)
            if value is None:
                return unresolvable(SPREAD_MISSING_LABEL)
            own = 1 if c.matches(pod.labels) else 0
            if self.counts[i].get(value, 0) + own - self.min_match(i) > c.max_skew:
                return unschedulable(SPREAD)
        return None

    def update_with_pod(
        self, state: ClusterState, pod: int, preemptor: Incoming, node: NodeInfo, delta: int
    ) -> None:
        """``updateWithPod``: a pod added to or removed from ``node`` in a dry run."""
        if state.pod_namespace[pod] != preemptor.namespace:
            return
        if any(c.topology_key not in node.labels for c in self.constraints):
            return
        labels = state.specs[state.pod_spec[pod]].labels
        for i, c in enumerate(self.constraints):
            if not c.matches(labels) or not c.includes(preemptor, node):
                continue
            value = node.labels[c.topology_key]
            self.counts[i][value] = self.counts[i].get(value, 0) + delta
            self.paths[i].update(value, self.counts[i][value])


def spread_prefilter(
    state: ClusterState, pod: Incoming, nodes: list[NodeInfo]
) -> SpreadFilter | None:
    """The hard constraints' per-domain counts over ``nodes`` (all of them); None: Skip."""
    hard = constraints(state, pod, "DoNotSchedule")
    if not hard:
        return None
    counts: list[dict[str, int]] = [{} for _ in hard]
    for node in nodes:
        if any(c.topology_key not in node.labels for c in hard):
            continue
        for i, c in enumerate(hard):
            if c.includes(pod, node):
                value = node.labels[c.topology_key]
                counts[i][value] = counts[i].get(value, 0) + count_on_node(
                    state, c, pod.namespace, node
                )
    paths = []
    for domain_counts in counts:
        critical = CriticalPaths()
        for value in sorted(domain_counts):
            critical.update(value, domain_counts[value])
        paths.append(critical)
    return SpreadFilter(hard, counts, paths)


@dataclass(slots=True)
class SpreadScore:
    """The PreScore state of the soft constraints (``preScoreState``)."""

    constraints: list[Constraint]
    ignored: set[int]
    counts: list[dict[str, int]]  # per constraint; up to 1.33 constraints on one key share
    weights: list[float]

    def score(self, state: ClusterState, pod: Incoming, node: NodeInfo) -> int:
        if node.index in self.ignored:
            return 0
        total = 0.0
        for i, c in enumerate(self.constraints):
            value = node.labels.get(c.topology_key)
            if value is None:
                continue
            if c.topology_key == HOSTNAME:
                count = count_on_node(state, c, pod.namespace, node)
            else:
                count = self.counts[i][value]
            total += count * self.weights[i] + float(c.max_skew - 1)
        return go_round(total)


def go_round(x: float) -> int:
    """Go's ``math.Round``: halves away from zero (``x`` ≥ 0 here)."""
    whole = math.floor(x)
    return int(whole) + (1 if x - whole >= 0.5 else 0)


def spread_prescore(
    state: ClusterState, pod: Incoming, feasible: list[NodeInfo], nodes: list[NodeInfo]
) -> SpreadScore | None:
    """PreScore over the ``feasible`` nodes, counting pods on all ``nodes``; None: Skip."""
    if not nodes:
        return None
    soft = constraints(state, pod, "ScheduleAnyway")
    if not soft:
        return None
    require_all = bool(pod.spec.topology_spread)
    shared = state.version < (1, 34)
    # Up to 1.33 the counts are keyed by (key, value): constraints on one key share a map.
    slot = [next(j for j, d in enumerate(soft) if d.topology_key == c.topology_key) if shared else i
            for i, c in enumerate(soft)]  # fmt: skip
    counts: list[dict[str, int]] = [{} for _ in soft]
    sizes = [0] * len(soft)
    ignored: set[int] = set()
    for node in feasible:
        if require_all and any(c.topology_key not in node.labels for c in soft):
            ignored.add(node.index)
            continue
        for i, c in enumerate(soft):
            if c.topology_key == HOSTNAME:
                continue
            value = node.labels.get(c.topology_key, "")
            if value not in counts[slot[i]]:
                counts[slot[i]][value] = 0
                sizes[i] += 1
    weights = [
        math.log((len(feasible) - len(ignored) if c.topology_key == HOSTNAME else sizes[i]) + 2)
        for i, c in enumerate(soft)
    ]
    for node in nodes:
        if require_all and any(c.topology_key not in node.labels for c in soft):
            continue
        for i, c in enumerate(soft):
            if not c.includes(pod, node):
                continue
            value = node.labels.get(c.topology_key, "")
            if value not in counts[slot[i]]:
                continue
            counts[slot[i]][value] += count_on_node(state, c, pod.namespace, node)
    return SpreadScore(soft, ignored, [counts[slot[i]] for i in range(len(soft))], weights)


def normalize(spread: SpreadScore, scores: dict[int, int]) -> dict[int, int]:
    """``NormalizeScore``: ``100·(max+min−s)//max`` over the nodes not ignored."""
    kept = [s for n, s in scores.items() if n not in spread.ignored]
    low = min(kept, default=2**63 - 1)
    high = max([0, *kept])
    result = {}
    for n, s in scores.items():
        if n in spread.ignored:
            result[n] = 0
        elif high == 0:
            result[n] = 100
        else:
            result[n] = 100 * (high + low - s) // high
    return result

"""What the fast scheduler needs to know about one kind of pod, as arrays over the nodes.

A :class:`Profile` is built once per (spec, namespace, owner) and node-index epoch from the
same rules as the reference (:mod:`~service.simulation.filters`,
:mod:`~service.simulation.spread`, :mod:`~service.simulation.interpod`), evaluated per label
value and per taint set instead of per node:

- ``static_code``: the first failing static filter per node (0 none, then
  NodeUnschedulable, TaintToleration, NodeAffinity), with the taint reason per node;
  ``pinned``: NodeAffinity's ``metadata.name`` PreFilter result as a mask (None: all nodes);
- ``tt_raw`` / ``na_raw``: TaintToleration's and NodeAffinity's raw scores per node;
- ``topologies``: every count the pod's topology rules read — its DoNotSchedule and
  ScheduleAnyway spread constraints (live pod counts per node, the nodes whose pods count per
  domain), its required anti-affinity terms and the existing pods' required anti-affinity
  terms that match it (counts per node of the pods that carry them).

:func:`build_profile` returns None for pods the fast path leaves to the reference scheduler:
required pod affinity, preferred pod (anti-)affinity, existing pods whose affinity terms
would score this pod, host ports, a PreFilter rejection, two score constraints on one key,
or node hostnames that are missing or not unique.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from service.kube.model import LabelSelector, PodSpec, Taint
from service.kube.selectors import first_untolerated, tolerates
from service.kube.wellknown import HOSTNAME, TAINT_UNSCHEDULABLE
from service.simulation.filters import node_affinity_prefilter, taint_reason
from service.simulation.interpod import (
    Term,
    preferred_terms,
    required_affinity,
    required_anti_affinity,
)
from service.simulation.node_index import LabelColumn, NodeIndex
from service.simulation.node_info import Incoming
from service.simulation.scoring import (
    has_preferred_node_affinity,
    intolerable_prefer_no_schedule,
    preferred_node_affinity,
)
from service.simulation.spread import constraints
from service.simulation.state import (
    BoolArray,
    ClusterState,
    Int64Array,
    PodQuery,
    has_scoring_terms,
)

if TYPE_CHECKING:
    from service.simulation.fast_batch import KeptInputs

OK, UNSCHEDULABLE_NODE, UNTOLERATED, AFFINITY_MISMATCH = 0, 1, 2, 3
HARD, SOFT, ANTI, EXISTING_ANTI = "hard", "soft", "anti", "existing-anti"
_UNSCHEDULABLE_TAINT = Taint(key=TAINT_UNSCHEDULABLE, effect="NoSchedule")


@dataclass(slots=True)
class Topology:
    """One rule that counts pods by topology domain.

    ``counts``: the state's live per-node counts it reads (see :attr:`counts`); ``column``:
    the nodes' domains (label value codes, see
    :class:`~service.simulation.node_index.LabelColumn`); ``eligible``: the nodes whose pods
    count towards their domain. ``hostname``: counted per node.
    """

    kind: str
    key: str
    hostname: bool
    dense: Int64Array | None  # the counts, once made (None: made on first read of counts)
    column: LabelColumn
    eligible: BoolArray
    max_skew: int = 0
    min_domains: int = 1
    self_match: bool = False
    base: BoolArray | None = None  # ``eligible`` before node presence and taints
    honor_taints: bool = False  # ``eligible`` needs the pod to tolerate the node's taints
    grows: bool = False  # binding the pod itself adds one to ``counts`` on its node
    query: PodQuery | None = None  # the pods it counts, when ``dense`` is made on first read
    state: ClusterState | None = None

    @property
    def counts(self) -> Int64Array:
        """Per node, the matching pods, kept up to date by the state. A spread constraint's
        are made when first read: the compiled runs (``fast_batch``) need none while no
        bound pod matches (:meth:`ClusterState.counts_none`)."""
        if self.dense is None:
            assert self.state is not None and self.query is not None
            self.dense = self.state.counter(self.query).live
        return self.dense


@dataclass(slots=True)
class Profile:
    key: tuple[object, ...]
    pod: Incoming
    static_code: Int64Array
    taint_reasons: dict[int, str]  # taint set → reason (``NodeIndex.taint_group``)
    pinned: BoolArray | None
    tt_raw: Int64Array
    na_raw: Int64Array | None  # None: NodeAffinity's score is skipped
    topologies: list[Topology]
    require_all_soft: bool
    balanced: bool  # BalancedAllocation scores this pod (V5)
    affinity_ok: BoolArray  # NodeAffinity's filter per node
    tolerates_unschedulable: bool
    taint_verdicts: dict[int, tuple[bool, int]]  # taint set → (tolerated, TaintToleration raw)
    class_code: Int64Array | None = None  # the fast scheduler's node classes, once computed
    class_radix: tuple[int, int] = (1, 1)  # class_code's TaintToleration and NodeAffinity bases
    topology_pos: int = 0  # up to date with the fast scheduler's topology log up to here
    kernel_inputs: tuple[Any, ...] | None = None  # what fast_batch hands the kernel, once
    side: NodeSide | None = None  # shared with the profiles of like pods, while topology_pos
    side_pos: int = -1  # is this
    topology_inputs: KeptInputs | None = None  # the kernel's tables, caught up as the
    # topology changes (fast_batch._topology_inputs)
    # static_code, pinned, tt_raw and the topologies' eligible nodes are the NodeSide's,
    # read only, until update_profile first changes them (then they are copies of its own)
    owns_arrays: bool = False


def _zeros(index: NodeIndex) -> Int64Array:
    return np.zeros(index.count, dtype=np.int64)


AntiTerm = tuple[int, str, Term]  # (spec, namespace, term)


@dataclass(frozen=True, slots=True)
class AffinitySpecs:
    """The specs whose terms reach other pods, found once per ``len(specs)``/affinity epoch:
    ``anti``: with required anti-affinity; ``scoring``: with required affinity or preferred terms.
    ``anti_index``: their anti-affinity terms by a label their selector requires (None: no
    such label), as positions in ``anti_terms`` (filled on first use, see :func:`anti_terms`)."""

    anti: tuple[int, ...]
    scoring: tuple[int, ...]
    anti_terms: list[AntiTerm] = field(default_factory=list)
    anti_index: dict[tuple[str, str] | None, list[int]] = field(default_factory=dict)


def anti_terms(state: ClusterState, specs: AffinitySpecs, pod: Incoming) -> list[AntiTerm]:
    """The existing pods' required anti-affinity terms that may match ``pod`` (a superset, in
    spec, namespace and term order): those whose selector requires a label ``pod`` has, or
    none."""
    if specs.anti and not specs.anti_terms:
        for s in specs.anti:
            spec = state.specs[s]
            for namespace in sorted(state.spec_namespaces.get(s, ())):
                for t in required_anti_affinity(spec, namespace):
                    label = None
                    if t.selector is not None and t.selector.match_labels:
                        label = next(iter(t.selector.match_labels.items()))
                    specs.anti_index.setdefault(label, []).append(len(specs.anti_terms))
                    specs.anti_terms.append((s, namespace, t))
    index = specs.anti_index
    found = list(index.get(None, ()))
    for item in pod.labels.items():
        found += index.get(item, ())
    return [specs.anti_terms[k] for k in sorted(found)]


def affinity_specs(state: ClusterState) -> AffinitySpecs:
    anti = tuple(
        s for s, spec in enumerate(state.specs)
        if spec.pod_anti_affinity is not None and spec.pod_anti_affinity.required
    )  # fmt: skip
    scoring = tuple(s for s, spec in enumerate(state.specs) if has_scoring_terms(spec))
    return AffinitySpecs(anti, scoring)


@dataclass(slots=True)
class NodeSide:
    """What a pod's node selector, node affinity and tolerations make of the nodes (shared
    by the profiles of pods that have the same three, while the nodes' taints, cordons and
    presence stay as they were: a profile reads the side's arrays until it first updates
    them, on copies of its own: :attr:`Profile.owns_arrays`)."""

    code: Int64Array
    reasons: dict[int, str]
    verdicts: dict[int, tuple[bool, int]]
    pinned: BoolArray | None
    tt_raw: Int64Array
    na_raw: Int64Array | None
    affinity_ok: BoolArray
    tolerates_unschedulable: bool
    taints_ok: BoolArray  # per node
    eligible: dict[tuple[object, ...], tuple[BoolArray, BoolArray]] = field(default_factory=dict)
    # fast_batch's kernel tables (run_kernel.static_tables), by the rules and their eligible nodes
    kernel: dict[tuple[object, ...], tuple[Any, ...]] = field(default_factory=dict)


def node_side_key(spec: PodSpec) -> tuple[object, ...] | None:
    """What :class:`NodeSide` depends on, hashable (None: not hashable, not shared)."""
    key = (spec.tolerations, tuple(sorted(spec.node_selector.items())), spec.node_affinity)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def build_profile(
    state: ClusterState,
    index: NodeIndex,
    pod: Incoming,
    specs: AffinitySpecs,
    sides: dict[tuple[object, ...], NodeSide] | None = None,
) -> Profile | None:
    """``sides``: :class:`NodeSide` already made for other pods, taken and added to."""
    spec = pod.spec
    if spec.host_ports or has_scoring_terms(spec):
        return None
    if spec.pod_anti_affinity is not None and spec.pod_anti_affinity.preferred:
        return None
    pins = node_affinity_prefilter(spec)
    if isinstance(pins, str):
        return None
    if not index.hostnames_unique():
        return None
    if scored_by_existing_pods(state, pod, specs.scoring):
        return None
    key = None if sides is None else node_side_key(spec)
    side = None if sides is None or key is None else sides.get(key)
    if side is None:
        side = _node_side(state, index, spec, pins)
        if sides is not None and key is not None:
            sides[key] = side
    topologies = _spread_topologies(state, index, pod, side)
    if topologies is None:
        return None
    topologies += _anti_topologies(state, index, pod, specs)
    return Profile(
        key=(),
        pod=pod,
        static_code=side.code,  # the side's until update_profile: see Profile.owns_arrays
        taint_reasons=dict(side.reasons),
        pinned=side.pinned,
        tt_raw=side.tt_raw,
        na_raw=side.na_raw,  # never written
        topologies=topologies,
        require_all_soft=bool(spec.topology_spread),
        balanced=not (state.version >= (1, 33) and not pod.request[0] and not pod.request[1]),
        affinity_ok=side.affinity_ok,  # read, never written
        tolerates_unschedulable=side.tolerates_unschedulable,
        taint_verdicts=dict(side.verdicts),
        side=side,
    )


def _node_side(
    state: ClusterState, index: NodeIndex, spec: PodSpec, pins: frozenset[str] | None
) -> NodeSide:
    present = index.present
    tolerates_unschedulable = any(tolerates(t, _UNSCHEDULABLE_TAINT) for t in spec.tolerations)
    code = np.zeros(index.count, dtype=np.int64)
    affinity_ok = index.selector_mask(spec)
    code[~affinity_ok] = AFFINITY_MISMATCH
    taint_ok = np.ones(len(index.taint_sets), dtype=np.bool_)
    tt_by_set = np.zeros(len(index.taint_sets), dtype=np.int64)
    reasons_by_set: dict[int, str] = {}
    verdicts: dict[int, tuple[bool, int]] = {}
    for g, taints in enumerate(index.taint_sets):
        ok, tt = verdicts[g] = _taint_verdict(spec, taints, g, reasons_by_set)
        taint_ok[g] = ok
        tt_by_set[g] = tt
    untolerated = ~taint_ok[index.taint_group]
    code[untolerated] = UNTOLERATED
    if not tolerates_unschedulable:
        code[state.unschedulable[: index.count]] = UNSCHEDULABLE_NODE
    pinned = None
    if pins is not None:
        pinned = np.zeros(index.count, dtype=np.bool_)
        for name in pins:
            n = state.node_index.get(name)
            if n is not None and n < index.count:
                pinned[n] = True
        pinned &= present
    na_raw = None
    if has_preferred_node_affinity(spec):
        na_raw = np.fromiter(
            (preferred_node_affinity(spec, state.node_names[n], state.node_labels[n]) for n in range(index.count)),
            dtype=np.int64,
            count=index.count,
        )  # fmt: skip
    return NodeSide(
        code, reasons_by_set, verdicts, pinned, tt_by_set[index.taint_group], na_raw,
        affinity_ok, tolerates_unschedulable, taint_ok[index.taint_group],
    )  # fmt: skip


def _taint_verdict(
    spec: PodSpec, taints: tuple[Taint, ...], group: int, reasons: dict[int, str]
) -> tuple[bool, int]:
    """Whether ``spec`` tolerates the taint set ``group`` (its reason noted in ``reasons``
    when not) and TaintToleration's raw score there."""
    taint = first_untolerated(taints, spec.tolerations)
    if taint is not None:
        reasons[group] = taint_reason(taint)
    return taint is None, intolerable_prefer_no_schedule(spec, taints)


def update_profile(
    profile: Profile, state: ClusterState, index: NodeIndex, nodes: list[int]
) -> None:
    """Bring ``profile`` up to date after taints, cordons or removals of ``nodes`` alone
    (labels and the node set unchanged; ``index`` already updated): the static filter, the
    pins, TaintToleration's raw score and each topology rule's eligible nodes on those
    nodes, as :func:`build_profile` computes them. The class codes are kept when the new raw
    scores fit their radix (changed in place), else dropped to be recomputed."""
    spec = profile.pod.spec
    verdicts = profile.taint_verdicts
    tt_radix, na_radix = profile.class_radix
    if not profile.owns_arrays:  # the NodeSide's until now (they are shared): its own copies
        profile.static_code = profile.static_code.copy()
        profile.tt_raw = profile.tt_raw.copy()
        if profile.pinned is not None:
            profile.pinned = profile.pinned.copy()
        for t in profile.topologies:
            t.eligible = t.eligible.copy()
        profile.owns_arrays = True
    for node in nodes:
        group = int(index.taint_group[node])
        verdict = verdicts.get(group)
        if verdict is None:
            verdict = verdicts[group] = _taint_verdict(
                spec, index.taint_sets[group], group, profile.taint_reasons
            )
        tolerated, tt = verdict
        code = OK if profile.affinity_ok[node] else AFFINITY_MISMATCH
        if not tolerated:
            code = UNTOLERATED
        if state.unschedulable[node] and not profile.tolerates_unschedulable:
            code = UNSCHEDULABLE_NODE
        profile.static_code[node] = code
        present = bool(index.present[node])
        if profile.pinned is not None and not present:
            profile.pinned[node] = False
        old = int(profile.tt_raw[node])
        profile.tt_raw[node] = tt
        if profile.class_code is not None and tt != old:
            if tt < tt_radix:
                profile.class_code[node] += (tt - old) * na_radix
            else:
                profile.class_code = None
        for t in profile.topologies:
            assert t.base is not None
            t.eligible[node] = bool(t.base[node]) and present and (tolerated or not t.honor_taints)


def _spread_query(
    index: NodeIndex, pod: Incoming, selector: LabelSelector | None
) -> tuple[Int64Array | None, PodQuery | None]:
    """A spread constraint's counts: 0s now when the selector is empty
    (countPodsMatchSelector: it counts nothing), else the query to make them from when
    first read (:attr:`Topology.counts`)."""
    if selector is None or (not selector.match_labels and not selector.match_expressions):
        return _zeros(index), None
    return None, PodQuery(selector, frozenset({pod.namespace}))


def _spread_topologies(
    state: ClusterState, index: NodeIndex, pod: Incoming, side: NodeSide
) -> list[Topology] | None:
    result: list[Topology] = []
    for kind, action in ((HARD, "DoNotSchedule"), (SOFT, "ScheduleAnyway")):
        found = constraints(state, pod, action)
        keys = [c.topology_key for c in found]
        if kind == SOFT and len(set(keys)) != len(keys):
            return None
        required = tuple(keys) if kind == HARD or pod.spec.topology_spread else ()
        for c in found:
            column = index.codes(c.topology_key)
            memo = (required, c.honor_affinity, c.honor_taints)
            made = side.eligible.get(memo)
            if made is None:
                has_keys = np.ones(index.count, dtype=np.bool_)
                for key in required:
                    has_keys &= index.codes(key).codes >= 0
                base = has_keys & side.affinity_ok if c.honor_affinity else has_keys
                eligible = base & index.present
                if c.honor_taints:
                    eligible &= side.taints_ok
                made = side.eligible[memo] = (base, eligible)
            dense, query = _spread_query(index, pod, c.selector)
            result.append(
                Topology(
                    kind, c.topology_key, c.topology_key == HOSTNAME, dense, column, made[1],
                    c.max_skew, c.min_domains, c.matches(pod.labels), made[0],
                    c.honor_taints, c.counts(pod.labels), query, state,
                )
            )  # fmt: skip
    return result


def _term_topology(
    state: ClusterState, index: NodeIndex, kind: str, t: Term, counts: Int64Array
) -> Topology:
    column = index.codes(t.topology_key)
    base = column.codes >= 0
    return Topology(
        kind, t.topology_key, t.topology_key == HOSTNAME, counts, column, index.present & base,
        base=base,
    )  # fmt: skip


def anti_terms_match(state: ClusterState, pod: Incoming, specs: AffinitySpecs) -> bool:
    """Whether some spec's required anti-affinity term (in a namespace it has pods in)
    matches ``pod``."""
    return any(t.matches(pod.namespace, pod.labels) for _, _, t in anti_terms(state, specs, pod))


def _anti_topologies(
    state: ClusterState, index: NodeIndex, pod: Incoming, specs: AffinitySpecs
) -> list[Topology]:
    result = []
    for t in required_anti_affinity(pod.spec, pod.namespace):
        if t.selector is None:
            counts = _zeros(index)
        else:
            query = PodQuery(t.selector, t.namespaces, t.namespace_selector)
            counts = state.every_counts(query)
        topology = _term_topology(state, index, ANTI, t, counts)
        topology.grows = t.selector is not None and t.matches(pod.namespace, pod.labels)
        result.append(topology)
    for s, namespace, t in anti_terms(state, specs, pod):
        if t.matches(pod.namespace, pod.labels):
            counts = state.spec_counter(s, namespace)
            topology = _term_topology(state, index, EXISTING_ANTI, t, counts)
            topology.grows = s == pod.spec_index and namespace == pod.namespace
            result.append(topology)
    return result


def scored_by_existing_pods(state: ClusterState, pod: Incoming, scoring: tuple[int, ...]) -> bool:
    """Whether some pod spec's required affinity or preferred terms would match ``pod``
    (then InterPodAffinity may score it and the fast path steps aside)."""
    for s in scoring:
        spec = state.specs[s]
        for namespace in state.spec_namespaces.get(s, ()):
            terms = [t for _, t in preferred_terms(spec, namespace)] + required_affinity(
                spec, namespace
            )
            if any(t.matches(pod.namespace, pod.labels) for t in terms):
                return True
    return False

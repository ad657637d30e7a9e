"""InterPodAffinity: required (anti-)affinity as a filter, preferred terms as a score.

Transcribed from ``pkg/scheduler/framework/plugins/interpodaffinity/`` (``filtering.go``,
``scoring.go``) and ``framework/types.go AffinityTerm`` of 1.31–1.34:

- **Terms** (:class:`Term`): a label selector (None matches no pod, empty every pod), a
  topology key and namespaces — the term's own, else its owner's namespace when it has
  neither ``namespaces`` nor a ``namespaceSelector``; a ``namespaceSelector`` is matched
  against the namespace's labels, which in a snapshot are only
  ``kubernetes.io/metadata.name``. Every pod bound to a node counts, Terminating ones too.
- **Filter** (:class:`AffinityFilter`), checked in this order on a node:
  ``node(s) didn't match pod affinity rules`` (unresolvable) unless every required affinity
  term's key is on the node and, per term, some pod matching *all* the terms is in the
  node's domain — or no such pod exists anywhere and the pod matches all its own terms (the
  first pod of a group); ``node(s) didn't match pod anti-affinity rules`` (unschedulable)
  when a pod matching a required anti-affinity term is in the node's domain for that term;
  ``node(s) didn't satisfy existing pods anti-affinity rules`` (unschedulable) when an
  existing pod's required anti-affinity term matches the incoming pod and the node shares
  that pod's domain for the term.
- **Score** (:func:`affinity_prescore`): per (topology key, value), the incoming pod's
  preferred affinity weights for each matching existing pod (anti-affinity subtracted),
  plus existing pods' preferred terms that match the incoming pod, and their *required*
  affinity terms at ``hardPodAffinityWeight`` 1; a node scores the sum over its labels,
  normalised to ``100·(s−min)/(max−min)`` truncated (0 when all are equal).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from service.kube.model import LabelSelector, PodAffinityTerm, PodSpec
from service.kube.selectors import selector_matches
from service.simulation.fit_error import Status, unresolvable, unschedulable
from service.simulation.node_info import Incoming, NodeInfo
from service.simulation.state import NAMESPACE_NAME_LABEL, ClusterState

AFFINITY = "node(s) didn't match pod affinity rules"
ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
HARD_POD_AFFINITY_WEIGHT = 1

Pair = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Term:
    """``framework.AffinityTerm``: a term with its namespaces resolved for its owner."""

    selector: LabelSelector | None
    topology_key: str
    namespaces: frozenset[str]
    namespace_selector: LabelSelector | None

    def matches(self, namespace: str, labels: dict[str, str]) -> bool:
        if namespace not in self.namespaces and not (
            self.namespace_selector is not None
            and selector_matches(self.namespace_selector, {NAMESPACE_NAME_LABEL: namespace})
        ):
            return False
        return selector_matches(self.selector, labels)


def term(owner_namespace: str, t: PodAffinityTerm) -> Term:
    own = not t.namespaces and t.namespace_selector is None
    namespaces = frozenset({owner_namespace} if own else t.namespaces)
    return Term(t.selector, t.topology_key, namespaces, t.namespace_selector)


def required_affinity(spec: PodSpec, namespace: str) -> list[Term]:
    a = spec.pod_affinity
    return [] if a is None else [term(namespace, t) for t in a.required]


def required_anti_affinity(spec: PodSpec, namespace: str) -> list[Term]:
    a = spec.pod_anti_affinity
    return [] if a is None else [term(namespace, t) for t in a.required]


def _all_match(terms: list[Term], namespace: str, labels: dict[str, str]) -> bool:
    return bool(terms) and all(t.matches(namespace, labels) for t in terms)


def _bump(counts: dict[Pair, int], node: NodeInfo, key: str, delta: int) -> None:
    value = node.labels.get(key)
    if value is not None:
        pair = (key, value)
        counts[pair] = counts.get(pair, 0) + delta
        if counts[pair] == 0:
            del counts[pair]


@dataclass(slots=True)
class AffinityFilter:
    """The PreFilter state (``preFilterState``)."""

    affinity: list[Term]
    anti_affinity: list[Term]
    existing_anti: dict[Pair, int]
    affinity_counts: dict[Pair, int]
    anti_counts: dict[Pair, int]
    self_match: bool  # the pod matches all its own affinity terms

    def filter(self, node: NodeInfo) -> Status | None:
        labels = node.labels
        exist = True
        for t in self.affinity:
            value = labels.get(t.topology_key)
            if value is None:
                return unresolvable(AFFINITY)
            if self.affinity_counts.get((t.topology_key, value), 0) <= 0:
                exist = False
        if not exist and not (not self.affinity_counts and self.self_match):
            return unresolvable(AFFINITY)
        if self.anti_counts:
            for t in self.anti_affinity:
                value = labels.get(t.topology_key)
                if value is not None and self.anti_counts.get((t.topology_key, value), 0) > 0:
                    return unschedulable(ANTI_AFFINITY)
        if self.existing_anti and any(self.existing_anti.get(kv, 0) > 0 for kv in labels.items()):
            return unschedulable(EXISTING_ANTI_AFFINITY)
        return None

    def update_with_pod(
        self, state: ClusterState, pod: int, preemptor: Incoming, node: NodeInfo, delta: int
    ) -> None:
        """``updateWithPod``: a pod added to or removed from ``node`` in a dry run."""
        ns, spec = state.pod_namespace[pod], state.specs[state.pod_spec[pod]]
        for t in required_anti_affinity(spec, ns):
            if t.matches(preemptor.namespace, preemptor.labels):
                _bump(self.existing_anti, node, t.topology_key, delta)
        if _all_match(self.affinity, ns, spec.labels):
            for t in self.affinity:
                _bump(self.affinity_counts, node, t.topology_key, delta)
        for t in self.anti_affinity:
            if t.matches(ns, spec.labels):
                _bump(self.anti_counts, node, t.topology_key, delta)


def affinity_prefilter(
    state: ClusterState, pod: Incoming, nodes: list[NodeInfo]
) -> AffinityFilter | None:
    """Counts over all ``nodes``; None when there is nothing to check (Skip)."""
    affinity = required_affinity(pod.spec, pod.namespace)
    anti = required_anti_affinity(pod.spec, pod.namespace)
    f = AffinityFilter(affinity, anti, {}, {}, {}, _all_match(affinity, pod.namespace, pod.labels))
    for node in nodes:
        for p in node.pods:
            ns, spec = state.pod_namespace[p], state.specs[state.pod_spec[p]]
            if spec.pod_anti_affinity is not None:
                for t in required_anti_affinity(spec, ns):
                    if t.matches(pod.namespace, pod.labels) and t.topology_key in node.labels:
                        _bump(f.existing_anti, node, t.topology_key, 1)
            if affinity and _all_match(affinity, ns, spec.labels):
                for t in affinity:
                    _bump(f.affinity_counts, node, t.topology_key, 1)
            for t in anti:
                if t.matches(ns, spec.labels):
                    _bump(f.anti_counts, node, t.topology_key, 1)
    if not f.existing_anti and not affinity and not anti:
        return None
    return f


def preferred_terms(spec: PodSpec, namespace: str) -> list[tuple[int, Term]]:
    """Preferred affinity terms with their weight, anti-affinity ones negated."""
    weighted = []
    if spec.pod_affinity is not None:
        weighted += [(w.weight, term(namespace, w.term)) for w in spec.pod_affinity.preferred]
    if spec.pod_anti_affinity is not None:
        weighted += [(-w.weight, term(namespace, w.term)) for w in spec.pod_anti_affinity.preferred]
    return weighted


def affinity_prescore(
    state: ClusterState, pod: Incoming, nodes: list[NodeInfo]
) -> dict[str, dict[str, int]] | None:
    """``topologyScore``: key → value → score, over the pods on all ``nodes``; None: Skip."""
    own = preferred_terms(pod.spec, pod.namespace)
    scores: dict[str, dict[str, int]] = defaultdict(dict)
    touched = False
    for node in nodes:
        if not node.labels:
            continue
        for p in node.pods:
            ns, spec = state.pod_namespace[p], state.specs[state.pod_spec[p]]
            weighted = [(w, t) for w, t in own if t.matches(ns, spec.labels)]
            if spec.pod_affinity is not None:
                weighted += [
                    (HARD_POD_AFFINITY_WEIGHT, t)
                    for t in required_affinity(spec, ns)
                    if t.matches(pod.namespace, pod.labels)
                ]
            weighted += [
                (w, t) for w, t in preferred_terms(spec, ns) if t.matches(pod.namespace, pod.labels)
            ]
            for w, t in weighted:
                value = node.labels.get(t.topology_key)
                if value is not None:
                    by_value = scores[t.topology_key]
                    by_value[value] = by_value.get(value, 0) + w
                    touched = True
    return dict(scores) if touched else None


def affinity_score(topology: dict[str, dict[str, int]], node: NodeInfo) -> int:
    return sum(values.get(node.labels[k], 0) for k, values in topology.items() if k in node.labels)


def normalize(scores: dict[int, int]) -> dict[int, int]:
    """``100·(s−min)/(max−min)`` as a float, truncated; all 0 when max = min."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    diff = high - low
    return {n: int(100.0 * ((s - low) / diff)) if diff > 0 else 0 for n, s in scores.items()}

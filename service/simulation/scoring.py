"""kube-scheduler's default Score plugins and weights, and how the winner is picked.

Weights (``pkg/scheduler/apis/config/v1/default_plugins.go``): TaintToleration 3,
NodeAffinity 2, NodeResourcesFit 1, PodTopologySpread 2, InterPodAffinity 2,
NodeResourcesBalancedAllocation 1 (ImageLocality 1 is not modelled: a snapshot has no
images, so it scores every node alike). Each plugin scores the feasible nodes 0–100 and the
node with the highest weighted sum wins (``schedule_one.go selectHost``). **Ties go to the
smallest node name** — our one deliberate deviation: kube-scheduler picks one of the tied
nodes at random (reservoir sampling). A single feasible node is taken without scoring.

- TaintToleration (``tainttoleration/taint_toleration.go``): ``PreferNoSchedule`` taints not
  tolerated (by tolerations of that effect or none), then ``helper.DefaultNormalizeScore``
  reversed: ``100 − 100·n//max`` (100 everywhere when max is 0).
- NodeAffinity (``nodeaffinity/node_affinity.go``): the weights of the preferred terms the
  node matches (weight 0 and empty terms skipped), normalised ``100·s//max``.
- LeastAllocated (``noderesources/least_allocated.go``): per cpu and memory
  ``(allocatable − requested)·100//allocatable`` with the *non-zero* requests (100m / 200Mi
  for containers without one) of the node's pods plus this pod, 0 when over; averaged over
  the resources the node has (integer division).
- BalancedAllocation (``noderesources/balanced_allocation.go``): with the actual requests,
  ``int((1 − |f_cpu − f_mem|/2)·100)`` (fractions capped at 1; one resource → 100); from 1.33
  a pod requesting neither cpu nor memory is not scored by it (V5).
- PodTopologySpread and InterPodAffinity: :mod:`~service.simulation.spread`,
  :mod:`~service.simulation.interpod`.
"""

from __future__ import annotations

from service.kube.model import PodSpec, Taint
from service.kube.selectors import term_matches, tolerates
from service.simulation.node_info import Incoming
from service.simulation.state import CPU, MEMORY, ClusterState

MAX_NODE_SCORE = 100
WEIGHT_TAINT_TOLERATION = 3
WEIGHT_NODE_AFFINITY = 2
WEIGHT_FIT = 1
WEIGHT_SPREAD = 2
WEIGHT_INTER_POD = 2
WEIGHT_BALANCED = 1


def intolerable_prefer_no_schedule(spec: PodSpec, taints: tuple[Taint, ...]) -> int:
    tolerations = [t for t in spec.tolerations if t.effect in ("", "PreferNoSchedule")]
    return sum(
        1
        for taint in taints
        if taint.effect == "PreferNoSchedule" and not any(tolerates(t, taint) for t in tolerations)
    )


def preferred_node_affinity(spec: PodSpec, name: str, labels: dict[str, str]) -> int:
    affinity = spec.node_affinity
    if affinity is None:
        return 0
    return sum(
        p.weight
        for p in affinity.preferred
        if p.weight and term_matches(p.preference, name, labels)
    )


def has_preferred_node_affinity(spec: PodSpec) -> bool:
    return spec.node_affinity is not None and bool(spec.node_affinity.preferred)


def default_normalize(scores: dict[int, int], reverse: bool) -> dict[int, int]:
    """``helper.DefaultNormalizeScore(100, reverse, scores)``."""
    high = max([0, *scores.values()])
    if high == 0:
        return {n: MAX_NODE_SCORE if reverse else 0 for n in scores}
    if reverse:
        return {n: MAX_NODE_SCORE - MAX_NODE_SCORE * s // high for n, s in scores.items()}
    return {n: MAX_NODE_SCORE * s // high for n, s in scores.items()}


def least_allocated(state: ClusterState, pod: Incoming, node: int) -> int:
    total = weights = 0
    wanted = (pod.spec.nonzero_cpu, pod.spec.nonzero_memory)
    for r, want in zip((CPU, MEMORY), wanted, strict=True):
        allocatable = int(state.allocatable[node, r])
        if allocatable == 0:
            continue
        requested = int(state.nonzero_requested[node, r]) + want
        total += (
            (allocatable - requested) * MAX_NODE_SCORE // allocatable
            if requested <= allocatable
            else 0
        )
        weights += 1
    return total // weights if weights else 0


def balanced_skipped(state: ClusterState, pod: Incoming) -> bool:
    """From 1.33 BalancedAllocation skips pods requesting no cpu and no memory (V5)."""
    return state.version >= (1, 33) and not pod.request[CPU] and not pod.request[MEMORY]


def balanced_allocation(state: ClusterState, pod: Incoming, node: int) -> int:
    fractions = []
    for r in (CPU, MEMORY):
        allocatable = int(state.allocatable[node, r])
        if allocatable == 0:
            continue
        fraction = float(int(state.requested[node, r]) + int(pod.request[r])) / float(allocatable)
        fractions.append(min(fraction, 1.0))
    std = abs((fractions[0] - fractions[1]) / 2) if len(fractions) == 2 else 0.0
    return int((1 - std) * float(MAX_NODE_SCORE))

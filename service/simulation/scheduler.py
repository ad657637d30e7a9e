"""The reference scheduler: one pod, one scheduling cycle, exactly as kube-scheduler runs it.

This is the specification the fast path (:mod:`~service.simulation.fast_scheduler`) is held
equal to. For one pod (``pkg/scheduler/schedule_one.go schedulePod`` and the framework):

1. No node at all → :data:`~service.simulation.fit_error.NO_NODES_MESSAGE`, no preemption.
2. PreFilter: NodeAffinity's ``metadata.name`` pins restrict the nodes evaluated (nodes left
   out are counted from 1.32 as ``node(s) didn't satisfy plugin(s) [NodeAffinity]``, V2;
   1.31 only counts them in ``0/N``); pins that intersect to nothing reject the pod with
   ``pod affinity terms conflict``. PodTopologySpread and InterPodAffinity count over every
   node.
3. Filter each node in order — NodeUnschedulable, NodeName, TaintToleration, NodeAffinity,
   NodePorts, NodeResourcesFit, PodTopologySpread, InterPodAffinity — keeping only the first
   failure (:mod:`~service.simulation.filters`).
4. One feasible node wins outright; several are scored (:mod:`~service.simulation.scoring`,
   every feasible node is scored, i.e. ``percentageOfNodesToScore: 100``) and the highest
   total wins, **ties to the smallest node name** (kube-scheduler: random).
5. No feasible node: the FitError message, then PostFilter — from 1.34 DynamicResources
   first (``no new claims to deallocate, ``), then preemption
   (:mod:`~service.simulation.preemption`). A pod that preempts gets the chosen node and its
   victims; its message is the FitError kube-scheduler reports on that first attempt (no
   PostFilter part: preemption succeeded).

Not modelled (a snapshot has none of it): volumes and their plugins, DRA claims, scheduling
gates, nominated pods of earlier cycles, ImageLocality, extenders, other profiles.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.simulation.cycle import Cycle, start_cycle
from service.simulation.filters import ABSENT_NODE_AFFINITY, AFFINITY_CONFLICT
from service.simulation.fit_error import (
    NO_NODES_MESSAGE,
    Diagnosis,
    Status,
    fit_error_message,
    unresolvable,
)
from service.simulation.interpod import affinity_prescore, affinity_score
from service.simulation.interpod import normalize as normalize_affinity
from service.simulation.node_info import NodeInfo
from service.simulation.preemption import preempt
from service.simulation.scoring import (
    WEIGHT_BALANCED,
    WEIGHT_FIT,
    WEIGHT_INTER_POD,
    WEIGHT_NODE_AFFINITY,
    WEIGHT_SPREAD,
    WEIGHT_TAINT_TOLERATION,
    balanced_allocation,
    balanced_skipped,
    default_normalize,
    has_preferred_node_affinity,
    intolerable_prefer_no_schedule,
    least_allocated,
    preferred_node_affinity,
)
from service.simulation.spread import normalize as normalize_spread
from service.simulation.spread import spread_prescore
from service.simulation.state import ClusterState

DRA_POSTFILTER = "no new claims to deallocate"
DRA_STATE_MISSING = "not found"


@dataclass(frozen=True, slots=True)
class Decision:
    """What one scheduling cycle decided for a pod.

    ``node``: where it goes (bound, or nominated when it preempts ``victims``), None when
    it stays Pending. ``message``: the FitError text (None when a node fitted at once).
    ``statuses``: per node index, the first failing filter (nodes a PreFilter left out carry
    the absent status from 1.32; a PreFilter rejection gives every node its message).
    """

    pod: int
    node: int | None
    victims: tuple[int, ...] = ()
    message: str | None = None
    statuses: dict[int, Status] = field(default_factory=dict)


def schedule_one(state: ClusterState, pod: int) -> Decision:
    """Run one scheduling cycle for ``pod`` on ``state`` (which it does not change)."""
    if not state.node_present.any():
        return Decision(pod, None, message=NO_NODES_MESSAGE)
    cycle = start_cycle(state, pod)
    diagnosis = Diagnosis()
    feasible: list[NodeInfo] = []
    if cycle.rejection is not None:
        diagnosis.prefilter_message = cycle.rejection
        diagnosis.absent = unresolvable(cycle.rejection)
    else:
        evaluated = cycle.nodes
        if cycle.pinned is not None:
            evaluated = [n for n in cycle.nodes if n.name in cycle.pinned]
            if state.version >= (1, 32):
                diagnosis.absent = unresolvable(ABSENT_NODE_AFFINITY)
        for node in evaluated:
            status = cycle.filter(node)
            if status is None:
                feasible.append(node)
            else:
                diagnosis.statuses[node.index] = status
    if feasible:
        return Decision(pod, select_host(cycle, feasible))
    message = fit_error_message(len(cycle.nodes), diagnosis)
    statuses = dict(diagnosis.statuses)
    if diagnosis.absent is not None:
        for node in cycle.nodes:
            statuses.setdefault(node.index, diagnosis.absent)
    if state.version >= (1, 34) and cycle.rejection == AFFINITY_CONFLICT:
        # DynamicResources' PostFilter reads the state its PreFilter writes; a rejection by
        # an earlier PreFilter (NodeAffinity) means it never ran: its error is the message.
        return Decision(pod, None, message=f"{message} {DRA_STATE_MISSING}", statuses=statuses)
    preemption = preempt(cycle, diagnosis)
    if preemption.node is not None:
        return Decision(pod, preemption.node, preemption.victims, message, statuses)
    postfilter = f"preemption: {preemption.message}"
    if state.version >= (1, 34):
        postfilter = f"{DRA_POSTFILTER}, {postfilter}"
    return Decision(pod, None, message=f"{message} {postfilter}", statuses=statuses)


def select_host(cycle: Cycle, feasible: list[NodeInfo]) -> int:
    """The feasible node with the highest weighted score; ties to the smallest name."""
    if len(feasible) == 1:
        return feasible[0].index
    totals = score_nodes(cycle, feasible)
    best = min(feasible, key=lambda n: (-totals[n.index], n.name))
    return best.index


def score_nodes(cycle: Cycle, feasible: list[NodeInfo]) -> dict[int, int]:
    """Each feasible node's weighted total over the default score plugins."""
    state, pod, spec = cycle.state, cycle.pod, cycle.pod.spec
    ids = [n.index for n in feasible]
    totals = dict.fromkeys(ids, 0)

    def add(scores: dict[int, int], weight: int) -> None:
        for n, s in scores.items():
            totals[n] += s * weight

    taints = {n.index: intolerable_prefer_no_schedule(spec, n.taints) for n in feasible}
    add(default_normalize(taints, reverse=True), WEIGHT_TAINT_TOLERATION)
    if has_preferred_node_affinity(spec):
        preferred = {n.index: preferred_node_affinity(spec, n.name, n.labels) for n in feasible}
        add(default_normalize(preferred, reverse=False), WEIGHT_NODE_AFFINITY)
    add({n: least_allocated(state, pod, n) for n in ids}, WEIGHT_FIT)
    spread = spread_prescore(state, pod, feasible, cycle.nodes)
    if spread is not None:
        raw = {n.index: spread.score(state, pod, n) for n in feasible}
        add(normalize_spread(spread, raw), WEIGHT_SPREAD)
    topology = affinity_prescore(state, pod, cycle.nodes)
    if topology is not None:
        add(
            normalize_affinity({n.index: affinity_score(topology, n) for n in feasible}),
            WEIGHT_INTER_POD,
        )
    if not balanced_skipped(state, pod):
        add({n: balanced_allocation(state, pod, n) for n in ids}, WEIGHT_BALANCED)
    return totals

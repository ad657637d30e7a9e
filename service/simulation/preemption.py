"""DefaultPreemption: which pods to evict so that a higher-priority pod fits, or why none.

Transcribed from ``pkg/scheduler/framework/plugins/defaultpreemption/default_preemption.go``
and ``pkg/scheduler/framework/preemption/preemption.go`` (1.31–1.34):

- ``preemptionPolicy: Never`` → ``not eligible due to preemptionPolicy=Never.``
- Candidate nodes: those whose filter status was ``Unschedulable``; the others (and nodes a
  PreFilter left out) are ``Preemption is not helpful for scheduling``.
- On a candidate (``SelectVictimsOnNode``): remove every pod of strictly lower priority
  (none → ``No preemption victims found for incoming pod``); if the pod still fails a filter,
  that filter's reasons; else put the removed pods back one by one, most important first
  (higher priority, then earlier start — here: creation time), those whose eviction would
  violate a PodDisruptionBudget first, keeping each that still lets the pod fit. The rest
  are the victims; PDB-violating ones are counted (``disruptionsAllowed`` from
  :func:`~service.simulation.disruption.budget_status`, used up per matching victim; budgets
  with an empty selector are ignored, as upstream does).
- No candidate: the evaluator's message is a FitError over the dry-run statuses
  (``0/N nodes are available: …``), returned for ``preemption: …``.
- Node choice (``pickOneNodeForPreemption``): fewest PDB violations, then the lowest highest
  victim priority, the lowest sum of priorities, the fewest victims, the latest earliest
  start among the highest-priority victims, then — our deviation — the smallest node name
  (upstream: the first of a randomly rotated candidate list). Every candidate node is tried
  (upstream stops after ``max(10 %, 100)`` candidates from a random offset).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

from service.kube.model import DisruptionBudget, WorkloadRef
from service.kube.selectors import selector_matches
from service.simulation.cycle import Cycle
from service.simulation.disruption import MatchedPod, budget_status
from service.simulation.fit_error import Code, Diagnosis, Status, fit_error_message, unresolvable
from service.simulation.node_info import NodeInfo
from service.simulation.state import ClusterState

NEVER = "not eligible due to preemptionPolicy=Never."
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
LATEST = "\uffff"  # a pod that has not started sorts as started now: after every timestamp


@dataclass(frozen=True, slots=True)
class Preemption:
    """The node chosen and its victims, or (``node`` None) the evaluator's message."""

    node: int | None
    victims: tuple[int, ...] = ()
    message: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    node: NodeInfo
    victims: tuple[int, ...]
    violations: int


def budgets_allowed(state: ClusterState) -> list[tuple[DisruptionBudget, int]]:
    """Each PodDisruptionBudget with the ``disruptionsAllowed`` its controller would write."""
    scales = {
        WorkloadRef(kind=w.kind, namespace=w.namespace, name=w.name): w.replicas
        for w in state.workloads.values()
        if w.replicas is not None
    }
    result = []
    for budget in state.snapshot.disruption_budgets:
        pods = [
            MatchedPod(
                state.pod_owner[p],
                state.pod_ready[p] and not state.pod_deleting[p] and state.pod_node[p] >= 0,
            )
            for p in range(len(state.pod_name))
            if state.pod_alive[p]
            and state.pod_namespace[p] == budget.namespace
            and selector_matches(budget.selector, state.specs[state.pod_spec[p]].labels)
        ]
        result.append((budget, budget_status(budget, pods, scales).disruptions_allowed))
    return result


def _importance(state: ClusterState, pod: int) -> tuple[int, str, int]:
    """``MoreImportantPod`` as a sort key: higher priority, then earlier start."""
    return (-state.specs[state.pod_spec[pod]].priority, state.pod_created[pod] or LATEST, pod)


def _split_by_budget(
    state: ClusterState, pods: list[int], budgets: list[tuple[DisruptionBudget, int]]
) -> tuple[list[int], list[int]]:
    """``filterPodsWithPDBViolation``: (violating, not violating), order kept."""
    allowed = [a for _, a in budgets]
    violating: list[int] = []
    fine: list[int] = []
    for p in pods:
        labels = state.specs[state.pod_spec[p]].labels
        violated = False
        if labels:
            for i, (budget, _) in enumerate(budgets):
                s = budget.selector
                if budget.namespace != state.pod_namespace[p] or s is None:
                    continue
                if (not s.match_labels and not s.match_expressions) or not selector_matches(
                    s, labels
                ):
                    continue
                allowed[i] -= 1
                if allowed[i] < 0:
                    violated = True
        (violating if violated else fine).append(p)
    return violating, fine


def select_victims(
    cycle: Cycle, node: NodeInfo, budgets: list[tuple[DisruptionBudget, int]]
) -> Candidate | Status:
    """``SelectVictimsOnNode`` on a copy of ``node``: the victims, or why there are none."""
    state, pod = cycle.state, cycle.pod
    info = node.copy()
    spread, affinity = copy.deepcopy(cycle.spread), copy.deepcopy(cycle.affinity)

    def change(p: int, delta: int) -> None:
        if delta < 0:
            info.remove_pod(state, p)
        else:
            info.add_pod(state, p)
        if spread is not None:
            spread.update_with_pod(state, p, pod, info, delta)
        if affinity is not None:
            affinity.update_with_pod(state, p, pod, info, delta)

    lower = [p for p in info.pods if state.specs[state.pod_spec[p]].priority < pod.priority]
    if not lower:
        return unresolvable(NO_VICTIMS)
    for p in lower:
        change(p, -1)
    status = cycle.filter(info, spread, affinity, dry_run=True)
    if status is not None:
        return status
    lower.sort(key=lambda p: _importance(state, p))
    violating, fine = _split_by_budget(state, lower, budgets)
    victims: list[int] = []
    violations = 0
    for group in (violating, fine):
        for p in group:
            change(p, +1)
            if cycle.filter(info, spread, affinity, dry_run=True) is not None:
                change(p, -1)
                victims.append(p)
                violations += group is violating
    if violating and fine:
        victims.sort(key=lambda p: _importance(state, p))
    return Candidate(node, tuple(victims), violations)


def preempt(cycle: Cycle, diagnosis: Diagnosis) -> Preemption:
    """DefaultPreemption's PostFilter for a pod that fit no node."""
    state, pod = cycle.state, cycle.pod
    if pod.spec.preemption_policy == "Never":
        return Preemption(None, message=NEVER)
    budgets = budgets_allowed(state) if state.snapshot.disruption_budgets else []
    candidates: list[Candidate] = []
    statuses: dict[int, Status] = {}
    for node in cycle.nodes:
        status = diagnosis.status_of(node.index)
        if status is None or status.code is not Code.UNSCHEDULABLE:
            continue
        found = select_victims(cycle, node, budgets)
        if isinstance(found, Candidate):
            candidates.append(found)
        else:
            statuses[node.index] = found
    if not candidates:
        dry_run = Diagnosis(statuses, absent=unresolvable(NOT_HELPFUL))
        return Preemption(None, message=fit_error_message(len(cycle.nodes), dry_run))
    best = pick_one(state, candidates)
    return Preemption(best.node.index, best.victims)


def pick_one(state: ClusterState, candidates: list[Candidate]) -> Candidate:
    """``pickOneNodeForPreemption``; the last tie goes to the smallest node name."""

    def priority(p: int) -> int:
        return state.specs[state.pod_spec[p]].priority

    def earliest_start(c: Candidate) -> str:
        top = max(priority(p) for p in c.victims)
        return min(state.pod_created[p] or LATEST for p in c.victims if priority(p) == top)

    rules: list[Callable[[Candidate], object]] = [
        lambda c: -c.violations,
        lambda c: -priority(c.victims[0]),
        lambda c: -sum(priority(p) + 2**31 for p in c.victims),
        lambda c: -len(c.victims),
        earliest_start,
    ]
    remaining = sorted(candidates, key=lambda c: c.node.name)
    for rule in rules:
        best = max(rule(c) for c in remaining)  # type: ignore[type-var]
        remaining = [c for c in remaining if rule(c) == best]
        if len(remaining) == 1:
            break
    return remaining[0]

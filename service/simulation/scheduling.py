"""What kube-scheduler does now with a snapshot's Pending pods: ``scheduling(snapshot)``.

The pods it takes are those the snapshot has unbound, alive (not Succeeded/Failed), not
being deleted (``schedule_one.go skipPodSchedule``) and addressed to ``default-scheduler``.
They go through the scheduling queue's order (``queuesort/priority_sort.go``: higher
priority first, then earlier — the creation time stands for the queue timestamp — then
snapshot order), one cycle each (:func:`~service.simulation.scheduler.schedule_one`, or its
fast twin); a pod
that lands binds at once and a preemptor's victims are deleted at once, so that later pods
see the cluster as it will be. (kube-scheduler nominates the preemptor and binds it on a
later cycle, once its victims are gone; nominated pods keep lower-priority pods off the
node meanwhile, which is what binding at once gives here.)

Per pod: namespace, name, the node (None: stays Pending), the victims, the FitError message
and, for a pod that did not fit at once, every node's reasons — "why is my pod Pending?".
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from service.collector import collector_paused
from service.kube.model import ClusterSnapshot
from service.simulation.fast_scheduler import FastScheduler
from service.simulation.scheduler import Decision, schedule_one
from service.simulation.state import ClusterState

DEFAULT_SCHEDULER = "default-scheduler"


@dataclass(frozen=True, slots=True)
class PodScheduling:
    """One Pending pod's fate; ``reasons``: (node, reasons) by node name."""

    namespace: str
    name: str
    node: str | None
    victims: tuple[tuple[str, str], ...] = ()  # (namespace, name)
    message: str | None = None
    reasons: tuple[tuple[str, tuple[str, ...]], ...] = ()


def queue_order(state: ClusterState) -> list[int]:
    """The snapshot's Pending pods kube-scheduler takes, in its queue's order."""
    pods = [
        p
        for p in state.pending_pods()
        if not state.pod_deleting[p]
        and state.specs[state.pod_spec[p]].scheduler_name == DEFAULT_SCHEDULER
    ]
    return sorted(
        pods, key=lambda p: (-state.specs[state.pod_spec[p]].priority, state.pod_created[p], p)
    )


def place_in_order(
    state: ClusterState, order: Sequence[int], scheduler: FastScheduler | None
) -> Iterator[Decision | tuple[Sequence[int], Sequence[int]]]:
    """Schedule the pods of ``order`` one cycle after the other, each carried out before the
    next: a run of one kind of pod the fast scheduler places in one compiled call comes as
    ``(pods, nodes)``, bound; any other pod as its :class:`Decision`, applied. No scheduler:
    the reference decides every pod."""
    at = 0
    while at < len(order):
        if scheduler is not None:
            nodes = scheduler.place_run(order, at)
            if nodes:
                run = order[at : at + len(nodes)]
                state.bind_run(run, nodes)
                yield run, nodes
                at += len(nodes)
                continue
            decision = scheduler.decide(order[at])
        else:
            decision = schedule_one(state, order[at])
        apply(state, decision)
        yield decision
        at += 1


def apply(state: ClusterState, decision: Decision) -> None:
    """Carry out a decision on ``state``: delete the victims, bind the pod."""
    for victim in decision.victims:
        state.remove_pod(victim)
    if decision.node is not None:
        state.bind(decision.pod, decision.node)


def describe(state: ClusterState, decision: Decision) -> PodScheduling:
    p = decision.pod
    reasons = sorted(
        (state.node_names[n], status.reasons) for n, status in decision.statuses.items()
    )
    return PodScheduling(
        state.pod_namespace[p],
        state.pod_name[p],
        None if decision.node is None else state.node_names[decision.node],
        tuple((state.pod_namespace[v], state.pod_name[v]) for v in decision.victims),
        decision.message,
        tuple(reasons),
    )


@collector_paused()
def scheduling(snapshot: ClusterSnapshot, *, fast: bool = True) -> list[PodScheduling]:
    """Schedule the snapshot's Pending pods in queue order; one entry per pod, in that order.

    ``fast``: decide with :class:`~service.simulation.fast_scheduler.FastScheduler` (the
    default; equal by test) rather than the reference
    :func:`~service.simulation.scheduler.schedule_one`.
    """
    state = ClusterState(snapshot)
    results: list[PodScheduling] = []
    for placed in place_in_order(state, queue_order(state), FastScheduler(state) if fast else None):
        if isinstance(placed, Decision):
            results.append(describe(state, placed))
        else:
            pods, nodes = placed
            results += [describe(state, Decision(p, n)) for p, n in zip(pods, nodes, strict=True)]
    return results

"""The events at ``t = 0`` and the controllers that carry them out over time.

- **Node failure** (``NODE_DOWN``, ``ZONE_DOWN``, ``ALL_NODES_DOWN``): the kubelets stop
  reporting at 0; the node lifecycle controller marks the nodes NotReady after the grace
  period and taints them ``unreachable:NoSchedule``, then ``unreachable:NoExecute`` at its
  zones' rates (:mod:`~service.simulation.lifecycle`); the taint-eviction controller deletes
  each pod at the taint time + its toleration (:mod:`~service.simulation.eviction`, with the
  ``DefaultTolerationSeconds`` tolerations every admitted pod has). Deleted pods stay
  Terminating on the unreachable node.
- **NODE_DELETED**: the Node object is gone at 0 (the scheduler stops counting it); the pod
  garbage collector force-deletes its pods after the 40 s quarantine
  (``pkg/controller/podgc/gc_controller.go``, condition ``DisruptionTarget`` reason
  ``DeletionByPodGC``, ``PodGC: node no longer exists``); owners replace or recreate them.
- **NODE_DRAIN**: :mod:`~service.simulation.drain`; an evicted pod's graceful termination
  takes its ``terminationGracePeriodSeconds`` (the upper bound) before its object is gone.
- **POD_DELETED**: the pods are deleted at 0 (Terminating for their grace period on a live
  node); **POD_CRASHED**: the kubelet restarts their containers after the 10 s back-off,
  the pods NotReady meanwhile (a step names the workloads left without an available pod).
- **INSUFFICIENT_RESOURCES**: nothing fails; the settle step is the event.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.kube.admission import with_default_tolerations
from service.kube.model import DisruptionBudget, Taint, Toleration
from service.kube.selectors import selector_matches
from service.kube.wellknown import (
    EXCLUDE_DISRUPTION,
    TAINT_NOT_READY,
    TAINT_UNREACHABLE,
    TAINT_UNSCHEDULABLE,
)
from service.simulation import drain as kubectl
from service.simulation.disruption import BudgetStatus, MatchedPod, budget_status, evict
from service.simulation.engine import Engine, Handler, names, plural
from service.simulation.events import ClusterEvent, Target
from service.simulation.eviction import (
    eviction_delay,
    marking_message,
    with_daemonset_tolerations,
)
from service.simulation.lifecycle import (
    MASTER_DISRUPTION_LOG,
    LifecycleNode,
    count_zones,
    schedule_failures,
    zone_key,
)
from service.simulation.workloads import is_mirror

UNREACHABLE_NO_SCHEDULE = Taint(key=TAINT_UNREACHABLE, effect="NoSchedule")
UNREACHABLE_NO_EXECUTE = Taint(key=TAINT_UNREACHABLE, effect="NoExecute")
UNSCHEDULABLE = Taint(key=TAINT_UNSCHEDULABLE, effect="NoSchedule")
POD_GC_QUARANTINE = 40.0
CRASH_BACKOFF = 10.0
LIFECYCLE = "Node lifecycle controller"
TAINT_EVICTION = "Taint-eviction controller"


def start(engine: Engine, event: ClusterEvent, target: Target) -> None:
    """Apply ``event`` at ``t = 0`` and queue what the controllers will do."""
    for kind, handler in HANDLERS.items():
        engine.handlers[kind] = handler
    state = engine.state
    if event in (ClusterEvent.NODE_DOWN, ClusterEvent.ZONE_DOWN, ClusterEvent.ALL_NODES_DOWN):
        engine.unreachable.update(target.nodes)
        engine.at(engine.grace, "not_ready", target.nodes)
    elif event is ClusterEvent.NODE_DELETED:
        (node,) = target.nodes
        pods = bound_pods(engine, node)
        for p in pods:
            engine.touch(p)
        state.remove_node(node)
        engine.unreachable.add(node)
        engine.changes += 1
        engine.step(
            "node-deleted",
            "Cloud provider",
            f"node {state.node_names[node]} and its VM are gone: the scheduler no longer "
            f"counts it; {plural(len(pods), 'pod')} bound to it wait for the pod garbage "
            "collector",
            pods,
        )
        engine.at(POD_GC_QUARANTINE, "gc", node)
    elif event is ClusterEvent.NODE_DRAIN:
        start_drain(engine, target.nodes[0])
    elif event is ClusterEvent.POD_DELETED:
        delete_pods(engine, list(target.pods))
    elif event is ClusterEvent.POD_CRASHED:
        crash_pods(engine, list(target.pods))


def bound_pods(engine: Engine, node: int) -> list[int]:
    state = engine.state
    return [p for p in state.node_pods[node] if state.pod_alive[p]]


# -- node failure ---------------------------------------------------------------------------
def lifecycle_node(engine: Engine, node: int) -> LifecycleNode:
    """What the node lifecycle controller knows of ``node`` before the failure."""
    state = engine.state
    return LifecycleNode(
        name=state.node_names[node],
        zone=zone_key(state.node_labels[node]),
        ready=state.node_ready[node] == "True",
        fails=node in engine.unreachable,
        excluded=EXCLUDE_DISRUPTION in state.node_labels[node],
    )


def not_ready(engine: Engine, batch: list[tuple[int, ...]]) -> None:
    state = engine.state
    failed = sorted({n for nodes in batch for n in nodes})
    counts = engine.zone_counts
    if counts is None:
        counts = count_zones([lifecycle_node(engine, n) for n in state.present_nodes()])
    failing = [lifecycle_node(engine, n) for n in failed]
    schedule = schedule_failures(counts, failing, engine.grace)
    pods = [p for n in failed for p in bound_pods(engine, n)]
    for p in pods:
        engine.touch(p)
    for n in failed:
        state.set_ready(n, "Unknown")
        state.add_taint(n, UNREACHABLE_NO_SCHEDULE)
    for p in pods:
        state.pod_ready[p] = False
    engine.changes += 1
    node_names = [state.node_names[n] for n in failed]
    which = (
        node_names[0] if len(node_names) == 1 else f"{len(node_names)} nodes ({names(node_names)})"
    )
    engine.step(
        "node-not-ready",
        LIFECYCLE,
        f"{which} NotReady after the {engine.grace:g} s node-monitor-grace-period (Ready=Unknown: "
        "Kubelet stopped posting node status.), tainted node.kubernetes.io/unreachable:NoSchedule"
        f"; {plural(len(pods), 'pod')} marked not Ready",
        pods,
    )
    if schedule.master_disruption:
        for n in state.present_nodes():
            for key in (TAINT_UNREACHABLE, TAINT_NOT_READY):
                state.remove_taint(n, key, "NoExecute")
        engine.step(
            "node-not-ready",
            LIFECYCLE,
            f"{MASTER_DISRUPTION_LOG}: every zone is fully disrupted, so no node is tainted "
            "NoExecute and no pod is evicted; the pods stay on their nodes, not Ready",
            pods,
        )
        return
    held = [n for n in failed if schedule.taint_at.get(state.node_names[n]) is None]
    if held:
        zones = sorted({state.node_zone[n] or "(no zone)" for n in held})
        engine.step(
            "node-not-ready",
            LIFECYCLE,
            f"zone {names(zones)} in PartialDisruption (more than 2 and at least 55 % of its "
            f"nodes NotReady, at most 50 nodes): {plural(len(held), 'node')} not tainted "
            f"NoExecute, their pods stay: {names([state.node_names[n] for n in held])}",
            [p for n in held for p in bound_pods(engine, n)],
        )
    for n in failed:
        at = schedule.taint_at.get(state.node_names[n])
        if at is not None:
            engine.at(at, "taint", n)


def taint(engine: Engine, batch: list[int]) -> None:
    state = engine.state
    by_delay: dict[float, list[int]] = {}
    kept: list[int] = []
    for n in batch:
        state.add_taint(n, UNREACHABLE_NO_EXECUTE)
        for p in bound_pods(engine, n):
            if state.pod_deleting[p]:
                continue
            delay = eviction_delay(state.node_taints[n], admitted_tolerations(engine, p))
            if delay is None:
                kept.append(p)
            else:
                by_delay.setdefault(delay, []).append(p)
                engine.at(engine.now + delay, "evict", p)
    engine.changes += 1
    nodes = [state.node_names[n] for n in batch]
    verb = "tolerates" if len(kept) == 1 else "tolerate"
    told = [
        f"{plural(len(pods), 'pod')} in {delay:g} s" for delay, pods in sorted(by_delay.items())
    ]
    engine.step(
        "node-not-ready",
        LIFECYCLE,
        f"{names(nodes)} tainted node.kubernetes.io/unreachable:NoExecute; the taint-eviction "
        f"controller schedules deletions: {', '.join(told) or 'none'}"
        + (f"; {plural(len(kept), 'pod')} {verb} the taint for ever" if kept else ""),
        [p for pods in by_delay.values() for p in pods],
    )


def admitted_tolerations(engine: Engine, pod: int) -> tuple[Toleration, ...]:
    """The pod's tolerations as the API server and its controller made them: every pod has
    the ``DefaultTolerationSeconds`` ones, a DaemonSet's pod the DaemonSet ones."""
    state = engine.state
    tolerations = state.specs[state.pod_spec[pod]].tolerations
    if state.pod_owner[pod].kind == "DaemonSet":
        tolerations = with_daemonset_tolerations(tolerations)
    return with_default_tolerations(tolerations)


def evict_now(engine: Engine, batch: list[int]) -> None:
    state = engine.state
    pods = [p for p in batch if state.pod_alive[p] and not state.pod_deleting[p]]
    if not pods:
        return
    engine.step(
        "pods-evicted",
        TAINT_EVICTION,
        f"{plural(len(pods), 'pod')} deleted (DisruptionTarget: DeletionByTaintManager; "
        f"{marking_message(state.pod_namespace[pods[0]], state.pod_name[pods[0]])}"
        + (f" and {len(pods) - 1} more)" if len(pods) > 1 else ")"),
        pods,
    )
    engine.delete(pods)


# -- node deletion --------------------------------------------------------------------------
def garbage_collect(engine: Engine, batch: list[int]) -> None:
    pods = [p for n in batch for p in bound_pods(engine, n)]
    if not pods:
        return
    engine.step(
        "pods-garbage-collected",
        "Pod garbage collector",
        f"{plural(len(pods), 'pod')} force-deleted after the {POD_GC_QUARANTINE:g} s quarantine "
        "(DisruptionTarget: DeletionByPodGC, PodGC: node no longer exists)",
        pods,
    )
    engine.delete(pods, force=True)
    engine.remove(pods)


# -- pods deleted by hand, or gone after their grace period ---------------------------------
def delete_pods(engine: Engine, pods: list[int]) -> None:
    engine.step(
        "pod-deleted",
        "User",
        f"kubectl delete pod: {plural(len(pods), 'pod')} deleted",
        pods,
    )
    engine.delete(pods)
    for p in pods:
        terminate_later(engine, p)


def terminate_later(engine: Engine, pod: int) -> None:
    """The kubelet ends a deleted pod within its grace period; then the object is gone."""
    state = engine.state
    node = state.pod_node[pod]
    if node < 0:
        engine.remove([pod])
    elif node not in engine.unreachable:
        grace = state.specs[state.pod_spec[pod]].termination_grace_seconds
        engine.at(engine.now + grace, "terminated", pod)


def terminated(engine: Engine, batch: list[int]) -> None:
    state = engine.state
    pods = [p for p in batch if state.pod_alive[p]]
    if pods:
        engine.remove(pods)
    engine.settle_queue()
    for drain in engine.drains:
        finish_drain(engine, drain)


def crash_pods(engine: Engine, pods: list[int]) -> None:
    state = engine.state
    running = [p for p in pods if state.pod_node[p] >= 0]
    for p in running:
        engine.touch(p)
        state.pod_ready[p] = False
        engine.at(CRASH_BACKOFF, "restart", p)
    down = _without_available_pods(engine, running)
    if down:
        engine.step(
            "container-restarted",  # the restart policy's back-off: its chain and sources
            "Kubelet",
            f"the crashed containers' pods are not Ready until the kubelet restarts them: "
            f"{plural(len(down), 'workload')} with no available pod for the "
            f"{CRASH_BACKOFF:g} s back-off: {names(down)}",
            running,
        )
    idle = [p for p in pods if state.pod_node[p] < 0]
    if idle:
        engine.step(
            "container-restarted",
            "Kubelet",
            f"{names([engine.pod_text(p) for p in idle])} Pending: no container to restart",
            idle,
        )


def _without_available_pods(engine: Engine, pods: list[int]) -> list[str]:
    """The owners of ``pods`` (``Kind/namespace/name``, in their order) left with no available
    pod (:meth:`~service.simulation.engine.Engine.is_available`)."""
    owners = dict.fromkeys(engine.state.pod_owner[p] for p in pods)
    return [
        f"{o.kind}/{o.namespace}/{o.name}"
        for o in owners
        if not any(engine.is_available(q) for q in engine.workloads.pods.get(o, ()))
    ]


def restart(engine: Engine, batch: list[int]) -> None:
    state = engine.state
    for p in batch:
        engine.touch(p)
        engine.restarts[p] = engine.restarts.get(p, 0) + 1
        node = state.pod_node[p]
        state.pod_ready[p] = node >= 0 and state.node_ready[node] == "True"
    where = [f"{engine.pod_text(p)} on {state.node_names[state.pod_node[p]]}" for p in batch]
    engine.step(
        "container-restarted",
        "Kubelet",
        f"kubelet restarts the containers of {names(where)} in place after the "
        f"{CRASH_BACKOFF:g} s back-off (CrashLoopBackOff doubles it to 300 s if it keeps "
        "crashing); each pod keeps its node",
        batch,
    )


# -- kubectl drain --------------------------------------------------------------------------
@dataclass(slots=True)
class Drain:
    """One ``kubectl drain`` in progress."""

    node: int
    waiting: list[int] = field(default_factory=list)  # pods not evicted yet
    evicted: list[int] = field(default_factory=list)
    told: dict[int, str] = field(default_factory=dict)  # the 429 last reported per pod
    last_changes: int = -1
    done: bool = False


def start_drain(engine: Engine, node: int) -> None:
    state = engine.state
    state.set_unschedulable(node, True)
    state.add_taint(node, UNSCHEDULABLE)
    engine.changes += 1
    pods = sorted(
        bound_pods(engine, node), key=lambda p: (state.pod_namespace[p], state.pod_name[p])
    )
    daemons = [p for p in pods if state.pod_owner[p].kind == "DaemonSet"]
    mirrors = [p for p in pods if is_mirror(state, p)]  # kubectl skips them, silently
    bare = [p for p in pods if state.pod_owner[p].kind == "Pod" and p not in mirrors]
    warning = kubectl.warnings(
        [engine.pod_text(p) for p in daemons], [engine.pod_text(p) for p in bare]
    )
    engine.step(
        "node-cordoned",
        "kubectl drain",
        kubectl.cordoned(state.node_names[node]) + (f"; {warning}" if warning else ""),
        daemons,
    )
    drain = Drain(node, [p for p in pods if p not in daemons and p not in mirrors])
    engine.drains.append(drain)
    if drain.waiting:
        engine.at(0.0, "drain", drain)
    else:
        finish_drain(engine, drain)


def budgets_of(
    engine: Engine, pod: int, leaving: set[int] | frozenset[int] = frozenset()
) -> list[tuple[DisruptionBudget, BudgetStatus]]:
    """The budgets whose selector matches ``pod`` (an empty selector matches nothing for
    the eviction API), each with the status the disruption controller computes now
    (``leaving``: pods evicted a moment ago, no longer healthy)."""
    state = engine.state
    namespace = state.pod_namespace[pod]
    labels = state.specs[state.pod_spec[pod]].labels
    found = []
    for b, budget in enumerate(state.snapshot.disruption_budgets):
        selector = budget.selector
        if budget.namespace != namespace or selector is None:
            continue
        if not selector.match_labels and not selector.match_expressions:
            continue
        if not selector_matches(selector, labels):
            continue
        matched = [
            MatchedPod(state.pod_owner[p], healthy=healthy(engine, p) and p not in leaving)
            for p in budget_pods(engine, b)
            if state.pod_alive[p]
        ]
        found.append((budget, budget_status(budget, matched, engine.workloads.scales())))
    return found


def budget_pods(engine: Engine, budget: int) -> list[int]:
    """The pods (alive or not) budget ``budget``'s selector matches, kept up to date as pods
    are created (each pod is looked at once)."""
    state = engine.state
    seen, pods = engine.budget_pods.get(budget, (0, []))
    if seen < len(state.pod_name):
        b = state.snapshot.disruption_budgets[budget]
        assert b.selector is not None
        for p in range(seen, len(state.pod_name)):
            if state.pod_namespace[p] == b.namespace and selector_matches(
                b.selector, state.specs[state.pod_spec[p]].labels
            ):
                pods.append(p)
        engine.budget_pods[budget] = (len(state.pod_name), pods)
    return pods


def healthy(engine: Engine, pod: int) -> bool:
    """``countHealthyPods``: Ready (on a Ready node) and not being deleted."""
    state = engine.state
    return state.pod_ready[pod] and not state.pod_deleting[pod] and state.pod_node[pod] >= 0


def drain_step(engine: Engine, batch: list[Drain]) -> None:
    state = engine.state
    for drain in batch:
        waiting = [p for p in drain.waiting if state.pod_alive[p]]
        stalled = drain.last_changes == engine.changes and engine.pending_kinds() <= {"drain"}
        if drain.last_changes >= 0 and stalled:
            engine.step(
                "pods-drained",
                "kubectl drain",
                "drain blocked for good: nothing left to happen can free the disruption "
                f"budgets of {names([engine.pod_text(p) for p in waiting])}; kubectl drain "
                f"retries every {kubectl.EVICTION_RETRY_SECONDS:g} s until its --timeout "
                "(none by default)",
                waiting,
            )
            drain.waiting = waiting
            continue
        evicted: list[int] = []
        blocked: list[int] = []
        refusals: dict[str, list[int]] = {}
        refused: dict[int, tuple[str, str]] = {}
        for p in waiting:
            gone = state.pod_deleting[p] or state.pod_node[p] < 0
            answer = evict(gone, state.pod_ready[p], budgets_of(engine, p, set(evicted)))
            if answer.allowed:
                evicted.append(p)
            else:
                blocked.append(p)
                refused[p] = (answer.message, answer.cause)
        for p in blocked:
            if drain.told.get(p) != refused[p][0] + refused[p][1]:
                drain.told[p] = refused[p][0] + refused[p][1]
                refusals.setdefault(refused[p][0] + "\n" + refused[p][1], []).append(p)
        drain.evicted += evicted
        drain.waiting = blocked
        if evicted:
            lines = [kubectl.evicting(state.pod_namespace[p], state.pod_name[p]) for p in evicted]
            engine.step(
                "pods-drained",
                "kubectl drain",
                f"{plural(len(evicted), 'pod')} evicted through the eviction API: {names(lines, 3)}",
                evicted,
            )
            engine.delete(evicted)
            for p in evicted:
                terminate_later(engine, p)
        for key, pods in refusals.items():
            message, cause = key.split("\n")
            first = pods[0]
            line = kubectl.retrying(state.pod_namespace[first], state.pod_name[first], message)
            more = f" (and {plural(len(pods) - 1, 'more pod')})" if len(pods) > 1 else ""
            why = f"; the API's cause: {cause}" if cause else ""
            engine.step("pods-drained", "kubectl drain", f"{line}{more}{why}", pods)
        if blocked:
            drain.last_changes = engine.changes
            engine.at(engine.now + kubectl.EVICTION_RETRY_SECONDS, "drain", drain)
        else:
            finish_drain(engine, drain)


def finish_drain(engine: Engine, drain: Drain) -> None:
    """``node/<node> drained`` once every evicted pod is gone (kubectl waits for that)."""
    state = engine.state
    if drain.done or drain.waiting or any(state.pod_alive[p] for p in drain.evicted):
        return
    drain.done = True
    engine.step("pods-drained", "kubectl drain", kubectl.drained(state.node_names[drain.node]))


HANDLERS: dict[str, Handler] = {
    "not_ready": not_ready,
    "taint": taint,
    "evict": evict_now,
    "gc": garbage_collect,
    "terminated": terminated,
    "drain": drain_step,
    "restart": restart,
}

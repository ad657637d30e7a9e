"""Simulate a failure on an imported cluster, as Kubernetes' controllers would play it out.

:func:`simulate_cluster` is the entry point the failure analysis calls for real clusters
(the simple ``scenario`` input keeps :func:`service.queries.simulation.simulate`). It

1. **settles** the snapshot (:func:`settle`): creates the pods of workloads that have none
   (desired-state manifests, named as :mod:`~service.simulation.workloads` says; a
   StatefulSet with ``OrderedReady`` gets ordinal ``i + 1`` only once ``i`` runs), schedules
   every Pending pod, and lets the cluster autoscaler add nodes for what is left;
2. applies the event at ``t = 0`` (:mod:`~service.simulation.events`,
   :mod:`~service.simulation.controllers`) and runs the controllers until nothing is left
   to do (:class:`~service.simulation.engine.Engine`);
3. reports the timeline (each step with the pods it acts on, at the time it happens) and
   the outcome per workload, pod and node (:mod:`~service.simulation.report`).

``INSUFFICIENT_RESOURCES`` has nothing to fail: the settling *is* the event, recorded at
``t = 0``, with the autoscaler acting on its clock (its first loop at 10 s).

Deterministic: ties go by node name, equal times by the order the module docs give.
"""

from __future__ import annotations

from service.collector import collector_paused
from service.kube.model import AutoscalerConfig, ClusterSnapshot, WorkloadRef
from service.simulation.cluster_autoscaler import Autoscaler, scan
from service.simulation.controllers import start
from service.simulation.engine import Engine, names, plural
from service.simulation.events import (
    POD_EVENTS,
    ClusterEvent,
    as_cluster_event,
    resolve_target,
)
from service.simulation.fast_scheduler import FastScheduler
from service.simulation.outcome import cluster_outcome, pending_reason
from service.simulation.report import ClusterOutcome, ClusterReport, Settle, Step


@collector_paused()
def simulate_cluster(
    snapshot: ClusterSnapshot,
    event: ClusterEvent | str,
    target: str | None = None,
    autoscaler: AutoscalerConfig | None = None,
    *,
    fast: bool = True,
) -> ClusterReport:
    """Play ``event`` out on ``snapshot``.

    Parameters
    ----------
    snapshot : the cluster (``archgraph import-cluster``'s model).
    event : a :class:`~service.simulation.events.ClusterEvent` or its name.
    target : what fails (see :mod:`~service.simulation.events`).
    autoscaler : the cluster autoscaler's node groups and limits; None: no autoscaler
        (the snapshot's own ``autoscaler`` is not used unless passed here).
    fast : schedule with the fast scheduler (the default) or the reference one (tests
        compare the two).

    Returns
    -------
    ClusterReport : the settled start, the steps in time order, the outcome.

    Raises
    ------
    InvalidArgument : an unknown event, or a target that is missing, superfluous or names
        nothing in the snapshot.
    ValueError : an autoscaler group whose template is not a node of the snapshot.
    """
    event = as_cluster_event(event)
    engine = engine_for(snapshot, autoscaler, fast)
    if event not in POD_EVENTS:  # pods may be created by the settling; nodes are not
        resolve_target(engine.state, event, target)  # refuse a bad target before any work
    settles = event is ClusterEvent.INSUFFICIENT_RESOURCES
    settled = settle(engine, record=settles)
    before = None if settles else engine.available_per_workload()
    hit = resolve_target(engine.state, event, target)
    start(engine, event, hit)
    engine.settle_queue()
    engine.run()
    outcome = cluster_outcome(engine)
    engine.steps.append(summary(engine, outcome, before))
    return ClusterReport(
        event=event.value,
        target=target,
        version=f"{engine.state.version[0]}.{engine.state.version[1]}",
        settle=settled,
        steps=tuple(engine.steps),
        outcome=outcome,
    )


def engine_for(
    snapshot: ClusterSnapshot, autoscaler: AutoscalerConfig | None, fast: bool = True
) -> Engine:
    """An engine with the controllers wired in; ``fast``: decide with the fast scheduler
    (:mod:`~service.simulation.fast_scheduler`, held equal to the reference), else with
    the reference :func:`~service.simulation.scheduler.schedule_one`."""
    engine = Engine.of(snapshot, autoscaler)
    if fast:
        scheduler = FastScheduler(engine.state)
        engine.decide = scheduler.decide
        engine.place_run = scheduler.place_run
    engine.handlers["scan"] = scan
    if autoscaler is not None:
        engine.autoscaler = Autoscaler(engine)
    return engine


def settle(engine: Engine, record: bool = False) -> Settle:
    """Make the snapshot whole before the event (see the module docstring)."""
    engine.recording = record
    state, workloads = engine.state, engine.workloads
    created: list[int] = []
    ordered: list[tuple[WorkloadRef, int]] = []  # OrderedReady StatefulSets: (ref, replicas)
    for ref, workload in list(workloads.missing()):
        wanted = workload.replicas or 0
        if ref.kind == "DaemonSet":
            created += [workloads.new_daemon_pod(ref, n) for n in workloads.daemon_nodes(ref)]
        elif ref.kind == "StatefulSet":
            spec = workloads.template_spec(ref)
            first = wanted if workload.pod_management_policy == "Parallel" else min(wanted, 1)
            created += [
                workloads.new_pod(ref, spec, workloads.ordinal_name(ref, i)) for i in range(first)
            ]
            if first < wanted:
                ordered.append((ref, wanted))
        else:
            created += workloads.new_pods(ref, workloads.template_spec(ref), wanted)
    engine.enqueue_all(created)
    before = set(state.pending_pods())
    engine.schedule(state.pending_pods())
    while ordered:
        ordered = _next_ordinals(engine, ordered, created)
    if engine.autoscaler is not None and not record:
        while engine.autoscaler.loop(settling=True):
            pass
        engine.drop_queued()
    pending = state.pending_pods()
    added = tuple(state.node_names[n] for n in engine.added)
    engine.recording = True
    return Settle(
        created=len(created),
        bound=sum(1 for p in before | set(created) if state.pod_node[p] >= 0),
        pending=tuple((engine.pod_text(p), pending_reason(engine, p) or "") for p in pending),
        nodes_added=added,
    )


def _next_ordinals(
    engine: Engine, ordered: list[tuple[WorkloadRef, int]], created: list[int]
) -> list[tuple[WorkloadRef, int]]:
    """Create the next ordinal of each OrderedReady StatefulSet whose last one runs."""
    state, workloads = engine.state, engine.workloads
    going, fresh = [], []
    for ref, wanted in ordered:
        pods = [p for p in workloads.pods[ref] if state.pod_alive[p]]
        if len(pods) >= wanted or state.pod_node[pods[-1]] < 0:
            continue
        p = workloads.new_pod(ref, state.pod_spec[pods[-1]], workloads.ordinal_name(ref, len(pods)))
        engine.enqueue(p)
        fresh.append(p)
        going.append((ref, wanted))
    created += fresh
    if fresh:
        engine.schedule(fresh)
    return going


def summary(engine: Engine, outcome: ClusterOutcome, before: dict[WorkloadRef, int] | None) -> Step:
    """The last step: whether the event left workloads short of available pods, and which.

    ``before``: the available pods per workload before the event; a workload counts as
    short when it ends with fewer than both its desired and its ``before`` count (a snapshot
    that holds only some of a workload's pods is not the event's doing). None: compare with
    the desired counts only.
    """
    at = max([engine.now, *(s.at_seconds for s in engine.steps)])
    had: dict[tuple[str, str, str], int] | None = None
    if before is not None:
        had = {(r.kind, r.namespace, r.name): n for r, n in before.items()}

    def wanted(kind: str, namespace: str, name: str, desired: int) -> int:
        return desired if had is None else min(desired, had.get((kind, namespace, name), 0))

    short = [
        w for w in outcome.workloads if w.available < wanted(w.kind, w.namespace, w.name, w.desired)
    ]
    counts = [f"{w.kind}/{w.namespace}/{w.name} {w.available}/{w.desired}" for w in short]
    if not short:
        count = plural(len(outcome.workloads), "workload")
        text = f"every workload has its desired pods available ({count})"
        if before is not None and any(w.available < w.desired for w in outcome.workloads):
            text = f"every workload has the pods available it had before ({count})"
        return Step(at, "replicas-restored", "Workload controllers", text)
    down = [w for w in short if w.available == 0]
    if not down:
        return Step(
            at,
            "replicas-restored",
            "Workload controllers",
            f"replicas not restored ({names(counts)} available); every workload still has an "
            "available pod",
        )
    gone = [f"{w.kind}/{w.namespace}/{w.name}" for w in down]
    return Step(
        at,
        "application-unavailable",
        "Workload controllers",
        f"{plural(len(down), 'workload')} with no available pod: {names(gone)}"
        + (f"; short of replicas: {names(counts)}" if len(short) > len(down) else ""),
    )

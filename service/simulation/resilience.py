"""What losing each node and each zone would do to the cluster, and its single points of failure.

:func:`resilience` settles the snapshot once (:func:`~service.simulation.simulate.settle`)
and then plays ``NODE_DOWN`` of every node and ``ZONE_DOWN`` of every zone on that one
shared state: each loss runs the very controllers :func:`~service.simulation.simulate.
simulate_cluster` runs, only the lost nodes' pods move, and a :class:`Checkpoint` puts back
exactly what the run changed before the next loss — the pods it changed or created, the
taints and conditions of the nodes. So each :class:`Loss` is what that
event alone would give (:func:`loss_alone` runs it on a fresh state; a test holds the two
equal).

Per loss, over workloads other than DaemonSets and static pods' mirrors (whose pod on a
lost node is lost with it by design, :func:`~service.simulation.workloads.is_mirror`):

- ``unavailable``: workloads whose available pods drop to zero at some moment (all lost
  at once when the nodes turn NotReady, or later, before replacements run) — the loss is a
  **single point of failure** for them;
- ``degraded``: workloads with fewer available pods at the end than before
  (``running`` = available pods then): replacements Pending, StatefulSet pods stuck
  Terminating, bare pods lost, or a zone whose pods are never evicted;
- ``pending``: the pods left Pending, and why (the scheduler's message).

Worst first: most workloads unavailable, then degraded, then pods Pending, then scope
(zones before nodes) and name. No autoscaler: the report is about the cluster as it stands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from service.collector import collector_paused
from service.kube.model import ClusterSnapshot, WorkloadRef
from service.simulation.controllers import lifecycle_node, start
from service.simulation.engine import Engine
from service.simulation.events import ClusterEvent, Target
from service.simulation.lifecycle import count_zones
from service.simulation.outcome import pending_reason
from service.simulation.simulate import engine_for, settle
from service.simulation.state import ClusterState
from service.simulation.workloads import Workloads

PENDING_LISTED = 20


@dataclass(frozen=True, slots=True)
class WorkloadName:
    kind: str
    namespace: str
    name: str


@dataclass(frozen=True, slots=True)
class DegradedWorkload:
    kind: str
    namespace: str
    name: str
    desired: int
    running: int  # available pods at the end


@dataclass(frozen=True, slots=True)
class PendingPod:
    pod: str  # namespace/name
    reason: str


@dataclass(frozen=True, slots=True)
class Loss:
    """The outcome of losing one node (``scope`` ``NODE``) or zone (``ZONE``)."""

    scope: str
    target: str
    unavailable: tuple[WorkloadName, ...]
    degraded: tuple[DegradedWorkload, ...]
    pending_pods: int
    pending: tuple[PendingPod, ...]  # the first PENDING_LISTED


@dataclass(frozen=True, slots=True)
class SinglePointOfFailure:
    scope: str
    target: str
    workloads: tuple[WorkloadName, ...]


@dataclass(frozen=True, slots=True)
class ResilienceReport:
    losses: tuple[Loss, ...]
    single_points_of_failure: tuple[SinglePointOfFailure, ...]


@collector_paused()
def resilience(snapshot: ClusterSnapshot, *, fast: bool = True) -> ResilienceReport:
    """Lose each node and each zone of ``snapshot`` in turn (see the module docstring)."""
    base = engine_for(snapshot, None, fast)
    settle(base)
    state, workloads = base.state, base.workloads
    counts = count_zones([lifecycle_node(base, n) for n in state.present_nodes()])
    available = base.available_per_workload()
    losses = []
    for scope, target, nodes in targets(state):
        checkpoint = Checkpoint(state, workloads)
        engine = Engine(state, workloads, decide=base.decide)
        engine.place_run = base.place_run
        engine.handlers.update(base.handlers)
        engine.zone_counts = counts
        tracker = Tracker(checkpoint)
        engine.journal = tracker
        losses.append(_run(engine, tracker, scope, target, nodes, available))
        checkpoint.rollback(engine)
    return report(losses)


def loss_alone(snapshot: ClusterSnapshot, scope: str, target: str, *, fast: bool = True) -> Loss:
    """One loss on a fresh state (what :func:`resilience` must match)."""
    base = engine_for(snapshot, None, fast)
    settle(base)
    available = base.available_per_workload()
    nodes = dict((t, n) for s, t, n in targets(base.state) if s == scope)[target]
    engine = Engine(base.state, base.workloads, decide=base.decide)
    engine.place_run = base.place_run
    engine.handlers.update(base.handlers)
    tracker = Tracker(None)
    engine.journal = tracker
    return _run(engine, tracker, scope, target, nodes, available)


def targets(state: ClusterState) -> list[tuple[str, str, tuple[int, ...]]]:
    """(scope, target, nodes) for every zone, then every node."""
    present = state.present_nodes()
    zones: dict[str, list[int]] = {}
    for n in present:
        if state.node_zone[n]:
            zones.setdefault(state.node_zone[n], []).append(n)
    found = [("ZONE", zone, tuple(nodes)) for zone, nodes in sorted(zones.items())]
    found += [("NODE", state.node_names[n], (n,)) for n in present]
    return found


def _run(
    engine: Engine,
    tracker: Tracker,
    scope: str,
    target: str,
    nodes: tuple[int, ...],
    available: dict[WorkloadRef, int],
) -> Loss:
    engine.recording = False
    event = ClusterEvent.ZONE_DOWN if scope == "ZONE" else ClusterEvent.NODE_DOWN
    engine.unreachable.update(nodes)
    start(engine, event, Target(nodes=nodes))
    engine.settle_queue()
    tracker.after_batch(engine)
    engine.run()
    state, workloads = engine.state, engine.workloads
    unavailable, degraded = [], []
    for ref in sorted(tracker.lowest, key=lambda r: (r.namespace, r.kind, r.name)):
        if ref.kind == "DaemonSet" or ref in tracker.mirrors:
            continue
        before = available.get(ref, 0)
        name = WorkloadName(ref.kind, ref.namespace, ref.name)
        if before > 0 and before + tracker.lowest[ref] <= 0:
            unavailable.append(name)
        end = before + tracker.delta[ref]
        if end < before:
            desired = workloads.desired(ref)
            degraded.append(DegradedWorkload(ref.kind, ref.namespace, ref.name, desired, end))
    pending = [
        p
        for p in range(engine.first_new_pod, len(state.pod_name))
        if state.pod_alive[p] and state.pod_node[p] < 0
    ]
    listed = tuple(
        PendingPod(engine.pod_text(p), pending_reason(engine, p) or "")
        for p in pending[:PENDING_LISTED]
    )
    return Loss(scope, target, tuple(unavailable), tuple(degraded), len(pending), listed)


def report(losses: Sequence[Loss]) -> ResilienceReport:
    ordered = sorted(
        losses,
        key=lambda x: (
            -len(x.unavailable),
            -len(x.degraded),
            -x.pending_pods,
            x.scope != "ZONE",
            x.target,
        ),
    )
    spofs = tuple(
        SinglePointOfFailure(x.scope, x.target, x.unavailable) for x in ordered if x.unavailable
    )
    return ResilienceReport(tuple(ordered), spofs)


# -- sharing one state across losses --------------------------------------------------------
@dataclass(slots=True)
class Tracker:
    """Follows each workload's available pods through a run: the change so far and its
    lowest point (after every batch of actions)."""

    checkpoint: Checkpoint | None
    last: dict[int, bool] = field(default_factory=dict)
    delta: dict[WorkloadRef, int] = field(default_factory=dict)
    lowest: dict[WorkloadRef, int] = field(default_factory=dict)
    mirrors: set[WorkloadRef] = field(default_factory=set)  # static pods' mirrors seen

    def save_node(self, node: int) -> None:
        if self.checkpoint is not None:
            self.checkpoint.save_node(node)

    def after_batch(self, engine: Engine) -> None:
        state = engine.state
        changed = set()
        for p in engine.dirty:
            if p in engine.touched and engine.touched[p][0] >= 0 and p not in self.last:
                node = engine.touched[p][0]
                owner = state.pod_owner[p]
                if owner.kind == "Pod" and state.pod_name[p].endswith("-" + state.node_names[node]):
                    self.mirrors.add(owner)
            now = engine.is_available(p)
            before = self.last.get(p, engine.was_available.get(p, False))
            self.last[p] = now
            if now != before:
                ref = state.pod_owner[p]
                self.delta[ref] = self.delta.get(ref, 0) + (1 if now else -1)
                changed.add(ref)
        engine.dirty.clear()
        for ref in changed:
            self.lowest[ref] = min(self.lowest.get(ref, 0), self.delta[ref])
        for ref in changed:
            self.delta.setdefault(ref, 0)


class Checkpoint:
    """What a run on a shared :class:`ClusterState` changes, to put it back.

    Only the state's own mutations are used to undo pods (``remove_pod``, ``unbind``,
    ``bind``), so every count and index it keeps follows; pods the run created stay in its
    lists as dead entries. A pod's Terminating flag is set back while it is unbound, where
    no count depends on it. The plain per-node lists (taints, Ready, the bound pods' order)
    are restored from copies.
    """

    def __init__(self, state: ClusterState, workloads: Workloads) -> None:
        self.state = state
        self.workloads = workloads
        self.pods = len(state.pod_name)
        self.node_taints = list(state.node_taints)
        self.node_ready = list(state.node_ready)
        self.unschedulable = state.unschedulable.copy()
        self.node_present = state.node_present.copy()
        self.created = dict(workloads.created)
        self.node_pods: dict[int, list[int]] = {}

    def save_node(self, node: int) -> None:
        if node not in self.node_pods:
            self.node_pods[node] = list(self.state.node_pods[node])

    def rollback(self, engine: Engine) -> None:
        state, workloads = self.state, self.workloads
        for p in range(self.pods, len(state.pod_name)):
            state.remove_pod(p)
            pods = workloads.pods[state.pod_owner[p]]
            if pods and pods[-1] == p:
                pods.pop()
            workloads.names.discard((state.pod_namespace[p], state.pod_name[p]))
        for p, (node, alive, deleting, ready) in engine.touched.items():
            state.unbind(p)
            state.pod_deleting[p] = deleting
            state.pod_alive[p] = alive
            if alive and node >= 0:
                state.bind(p, node)
            state.pod_ready[p] = ready
            if alive:
                workloads.names.add((state.pod_namespace[p], state.pod_name[p]))
        for node, pods in self.node_pods.items():
            state.node_pods[node] = pods
        for n, taints in enumerate(self.node_taints):
            if state.node_taints[n] is not taints:
                state.node_taints[n] = taints
        state.node_ready[:] = self.node_ready
        state.unschedulable[:] = self.unschedulable
        state.node_present[:] = self.node_present
        state.topology_epoch += 1
        workloads.created = dict(self.created)

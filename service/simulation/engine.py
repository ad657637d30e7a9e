"""The discrete-event core: a clock, a queue of controller actions, and the steps they leave.

An :class:`Engine` owns one :class:`~service.simulation.state.ClusterState` and its
:class:`~service.simulation.workloads.Workloads`. Controllers put actions on the queue with
:meth:`Engine.at`; :meth:`Engine.run` takes them in time order — actions of one kind at one
time as a batch, kinds at equal times in :data:`ORDER` (node state first, then pod deletions,
then the autoscaler) — and after every batch lets the scheduler place the pods created
meanwhile (and retry the Pending ones when room may have appeared).

What every controller shares lives here:

- :meth:`Engine.schedule`: kube-scheduler's queue (``PrioritySort``: higher priority first,
  then the order pods were queued) over :func:`~service.simulation.scheduler.schedule_one`
  (or any ``decide`` that decides as it does, such as the fast scheduler's);
  a pod that preempts gets its node at once and its victims are deleted at once (their
  graceful termination is not waited for).
- :meth:`Engine.delete` (``deletionTimestamp`` set: Terminating) and :meth:`Engine.remove`
  (the object is gone) with the owners' reactions of :mod:`~service.simulation.workloads`:
  a ReplicaSet or Job replaces at deletion, a StatefulSet or DaemonSet recreates at
  removal, a bare pod is lost. A pod deleted on a node whose kubelet is unreachable is
  never removed: it stays Terminating.

Pods are Ready as soon as they are bound (no image pulls or readiness probes are modelled).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any, Protocol

from service.kube.model import AutoscalerConfig, ClusterSnapshot, WorkloadRef
from service.simulation.autoscaling import next_scan
from service.simulation.lifecycle import monitor_grace_period
from service.simulation.report import POD_LIST_LIMIT, Step
from service.simulation.scheduler import Decision, schedule_one
from service.simulation.state import ClusterState
from service.simulation.workloads import STATEFULSET_WAITING, Reaction, Workloads

Decide = Callable[[int], Decision]
"""One scheduling cycle for a pod on the engine's state (the reference or the fast scheduler)."""
PlaceRun = Callable[[Sequence[int], int], list[int]]
"""The nodes ``decide`` gives ``order[start]`` and the pods after it, each bound before the
next; fewer, or none, where it declines (the fast scheduler's compiled runs)."""
ORDER = ("not_ready", "taint", "gc", "terminated", "evict", "drain", "restart", "scan")
Handler = Callable[["Engine", list[Any]], None]
SHOWN = 5  # names a description lists before "and N more"


class AutoscalerLoop(Protocol):
    def loop(self, settling: bool = False) -> bool: ...


class Journal(Protocol):
    """Keeps what a run changes so that it can be undone (the resilience report's)."""

    def save_node(self, node: int) -> None: ...

    def after_batch(self, engine: Engine) -> None: ...


def names(items: Sequence[str], limit: int = SHOWN, total: int | None = None) -> str:
    """``a, b, c`` or ``a, b, c, d, e and 7 more``; ``total``: how many there are when
    ``items`` holds only the first ones."""
    count = len(items) if total is None else total
    if count <= limit:
        return ", ".join(items)
    return f"{', '.join(items[:limit])} and {count - limit} more"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class Engine:
    """One simulation run (see the module docstring)."""

    def __init__(
        self,
        state: ClusterState,
        workloads: Workloads,
        autoscaler: AutoscalerConfig | None = None,
        decide: Decide | None = None,
    ) -> None:
        self.state = state
        self.workloads = workloads
        self.decide: Decide = decide or partial(schedule_one, state)
        self.place_run: PlaceRun | None = None
        self.autoscaler_config = autoscaler
        self.autoscaler: AutoscalerLoop | None = None  # set by whoever wires the loop in
        self.grace = monitor_grace_period(self.state.version)
        self.now = 0.0
        self.recording = True
        self.steps: list[Step] = []
        self.reason: dict[int, str] = {}  # why a pod is Pending (the scheduler's words)
        self.notes: dict[int, str] = {}  # what the cluster autoscaler added to that
        self.restarts: dict[int, int] = {}
        self.queued: dict[int, int] = {}
        self.queued_at: dict[int, float] = {}
        self.unreachable: set[int] = set()
        self.added: list[int] = []
        self.changes = 0
        self.fresh: list[int] = []
        self.retry_pending = False
        self.handlers: dict[str, Handler] = {}
        self.drains: list[Any] = []  # kubectl drains in progress (controllers.Drain)
        self.budget_pods: dict[int, tuple[int, list[int]]] = {}  # budget → (pods seen, matched)
        self._queue: list[tuple[float, int, int, str, Any]] = []
        self._seq = len(state.pod_name)  # pods never queued again keep their index as order
        self.last_scan: float | None = None
        # pod → (node, alive, deleting, ready) before this run first changed it (kept while
        # there is a journal: see touch)
        self.touched: dict[int, tuple[int, bool, bool, bool]] = {}
        self.was_available: dict[int, bool] = {}
        self.dirty: set[int] = set()  # pods changed since the last batch (see Journal)
        self.first_new_pod = len(state.pod_name)
        self.zone_counts: Any = None  # resilience shares the zones' Ready counts
        self.journal: Journal | None = None

    @classmethod
    def of(cls, snapshot: ClusterSnapshot, autoscaler: AutoscalerConfig | None = None) -> Engine:
        """A fresh engine over a new state of ``snapshot``."""
        state = ClusterState(snapshot)
        return cls(state, Workloads(state), autoscaler)

    def touch(self, pod: int) -> None:
        """Call before changing ``pod``: remembers it as it was before this run (once), for
        the journal (nothing else reads it: without one, nothing is kept)."""
        if self.journal is None:
            return
        self.dirty.add(pod)
        if pod in self.touched or pod >= self.first_new_pod:
            return
        state = self.state
        node = state.pod_node[pod]
        self.touched[pod] = (
            node,
            state.pod_alive[pod],
            state.pod_deleting[pod],
            state.pod_ready[pod],
        )
        self.was_available[pod] = node >= 0 and self.is_available(pod)
        if node >= 0:
            self.touch_node(node)

    def touch_pending(self, pods: Sequence[int]) -> None:
        """:meth:`touch` for Pending pods (unbound: not available before), in one loop."""
        if self.journal is None:  # settling 150,000 pods kept them all for nothing: 30 ms
            return
        state, dirty, touched, was = self.state, self.dirty, self.touched, self.was_available
        first_new = self.first_new_pod
        alive, deleting, ready = state.pod_alive, state.pod_deleting, state.pod_ready
        for pod in pods:
            dirty.add(pod)
            if pod < first_new and pod not in touched:
                touched[pod] = (-1, alive[pod], deleting[pod], ready[pod])
                was[pod] = False

    def touch_node(self, node: int) -> None:
        """Call before changing what is bound to ``node``."""
        if self.journal is not None:
            self.journal.save_node(node)

    def nodes_ok(self) -> list[bool]:
        """Per node: Ready and not deleted (an available pod needs both, see
        :meth:`is_available`)."""
        state = self.state
        present = state.node_present.tolist()
        return [r == "True" and present[n] for n, r in enumerate(state.node_ready)]

    def is_available(self, pod: int) -> bool:
        """Running, Ready, on a Ready node that exists."""
        state = self.state
        node = state.pod_node[pod]
        return (
            node >= 0
            and state.pod_alive[pod]
            and not state.pod_deleting[pod]
            and state.pod_ready[pod]
            and state.node_ready[node] == "True"
            and bool(state.node_present[node])
        )

    def available_per_workload(self) -> dict[WorkloadRef, int]:
        """Per workload, its pods :meth:`is_available` now: the same rule over every pod in
        one pass, the nodes' part read once (:meth:`nodes_ok`)."""
        state = self.state
        ok = self.nodes_ok()
        alive, deleting, ready, owners = (
            state.pod_alive, state.pod_deleting, state.pod_ready, state.pod_owner
        )  # fmt: skip
        counts: dict[WorkloadRef, int] = {}
        for p, node in enumerate(state.pod_node):
            if node >= 0 and alive[p] and not deleting[p] and ready[p] and ok[node]:
                counts[owners[p]] = counts.get(owners[p], 0) + 1
        return counts

    # -- the clock --------------------------------------------------------------------------
    def at(self, t: float, kind: str, payload: Any = None) -> None:
        """Queue ``kind``'s action at time ``t`` (handled by ``handlers[kind]``)."""
        self._seq += 1
        heapq.heappush(self._queue, (t, ORDER.index(kind), self._seq, kind, payload))

    def drop_queued(self) -> None:
        """Forget every queued action (the settle step's autoscaler loops are done)."""
        self._queue.clear()
        self.last_scan = None

    def pending_kinds(self) -> set[str]:
        return {entry[3] for entry in self._queue}

    def run(self) -> None:
        """Take the queued actions in order until none is left."""
        while self._queue:
            t, _, _, kind, _ = self._queue[0]
            batch = []
            while self._queue and self._queue[0][0] == t and self._queue[0][3] == kind:
                batch.append(heapq.heappop(self._queue)[4])
            self.now = t
            self.handlers[kind](self, batch)
            self.settle_queue()
            if self.journal is not None:
                self.journal.after_batch(self)

    def settle_queue(self) -> None:
        """Schedule the pods created since, and retry the Pending ones if room may exist."""
        pods, self.fresh = self.fresh, []
        if self.retry_pending:
            self.retry_pending = False
            pods = self.state.pending_pods() + pods
        if pods:
            self.schedule(pods)

    # -- steps ------------------------------------------------------------------------------
    def pod_text(self, pod: int) -> str:
        return f"{self.state.pod_namespace[pod]}/{self.state.pod_name[pod]}"

    def step(self, effect: str, actor: str, description: str, pods: Iterable[int] = ()) -> None:
        if not self.recording:
            return
        listed = list(pods)
        self.steps.append(
            Step(
                at_seconds=self.now,
                effect=effect,
                actor=actor,
                description=description,
                pods=tuple(self.pod_text(p) for p in listed[:POD_LIST_LIMIT]),
                pod_count=len(listed),
            )
        )

    # -- the scheduler ----------------------------------------------------------------------
    def enqueue(self, pod: int) -> None:
        self._seq += 1
        self.queued[pod] = self._seq
        self.queued_at[pod] = self.now

    def enqueue_all(self, pods: Sequence[int]) -> None:
        """:meth:`enqueue` each of ``pods``, in order."""
        start = self._seq + 1
        self._seq += len(pods)
        self.queued.update(zip(pods, range(start, self._seq + 1), strict=True))
        self.queued_at.update(dict.fromkeys(pods, self.now))

    def schedule(self, pods: Iterable[int]) -> list[int]:
        """Schedule ``pods`` in kube-scheduler's queue order; returns those left Pending."""
        state = self.state
        order = sorted(
            {p for p in pods if state.pod_alive[p] and state.pod_node[p] < 0},
            key=lambda p: (-state.specs[state.pod_spec[p]].priority, self.queued.get(p, p)),
        )
        bound: list[int] = []
        pending: list[int] = []
        news: list[
            int
        ] = []  # Pending pods whose message is new (a retry that changes nothing is not told)
        at = 0
        while at < len(order):
            if self.place_run is not None:
                nodes = self.place_run(order, at)
                run = order[at : at + len(nodes)]
                self.bind(run, nodes)
                bound += run
                at += len(nodes)
                if nodes:
                    continue
            p = order[at]
            at += 1
            decision = self.decide(p)
            if decision.node is None:
                message = decision.message or ""
                if self.reason.get(p) != message:
                    news.append(p)
                self.reason[p] = message
                pending.append(p)
                continue
            if decision.victims:
                self.preempt(decision.victims, p, decision.node)
            self.bind([p], [decision.node])
            bound.append(p)
        if bound and self.recording:  # the first few named: the step lists no more
            where = [
                f"{self.pod_text(p)} to {state.node_names[state.pod_node[p]]}"
                for p in bound[:SHOWN]
            ]
            self.step(
                "pod-scheduled",
                "Scheduler",
                f"scheduler binds {plural(len(bound), 'pod')}: {names(where, total=len(bound))}",
                bound,
            )
        by_reason: dict[str, list[int]] = {}
        for p in news:
            by_reason.setdefault(self.reason[p], []).append(p)
        for message, group in by_reason.items():
            which = self.pod_text(group[0]) if len(group) == 1 else plural(len(group), "pod")
            self.step("pod-pending", "Scheduler", f"{which} Pending: {message}", group)
        if pending and self.autoscaler_config is not None:
            self.want_scan()
        return pending

    def bind(self, pods: Sequence[int], nodes: Sequence[int]) -> None:
        """Bind Pending ``pods`` to ``nodes`` as the scheduler decided, journaled; a pod is
        Ready when its node is."""
        state = self.state
        self.touch_pending(pods)
        if self.journal is not None:
            for node in nodes:
                self.touch_node(node)
        state.bind_run(pods, nodes)
        ready, reason = state.node_ready, self.reason
        for p, node in zip(pods, nodes, strict=True):
            state.pod_ready[p] = ready[node] == "True"
            reason.pop(p, None)
        self.changes += len(pods)

    def preempt(self, victims: Sequence[int], preemptor: int, node: int) -> None:
        self.step(
            "pods-evicted",
            "Scheduler",
            f"{self.pod_text(preemptor)} preempts {plural(len(victims), 'pod')} on "
            f"{self.state.node_names[node]}: {names([self.pod_text(v) for v in victims])}",
            victims,
        )
        self.delete(victims)
        self.remove(victims)

    def want_scan(self) -> None:
        """Ask for the autoscaler's next loop (every 10 s on the clock) if none is queued."""
        if "scan" in self.pending_kinds():
            return
        t = next_scan(self.now)
        if self.last_scan is None or t > self.last_scan:
            self.at(t, "scan")

    # -- deleting pods ----------------------------------------------------------------------
    def delete(self, pods: Iterable[int], force: bool = False) -> None:
        """Set the pods' ``deletionTimestamp``; their controllers react (see module docs).

        ``force``: the objects are removed right after (:meth:`remove`), so nothing is
        left Terminating."""
        state, workloads = self.state, self.workloads
        replaced: list[tuple[int, int]] = []
        stuck: list[int] = []
        lost: list[int] = []
        for p in pods:
            if not state.pod_alive[p] or state.pod_deleting[p]:
                continue
            self.touch(p)
            state.mark_deleting(p)
            state.pod_ready[p] = False
            self.changes += 1
            reaction = workloads.reaction(p)
            if reaction is Reaction.REPLACE:
                new = workloads.replacement(p)
                self.enqueue(new)
                self.fresh.append(new)
                replaced.append((new, p))
            elif reaction is Reaction.NONE:
                lost.append(p)
            elif not force and state.pod_node[p] in self.unreachable:
                stuck.append(p)
        if replaced:
            by_actor: dict[str, list[tuple[int, int]]] = {}
            for new, old in replaced:
                by_actor.setdefault(workloads.controller(old), []).append((new, old))
            for actor, pairs in by_actor.items():
                listed = [f"{self.pod_text(n)} for {self.pod_text(o)}" for n, o in pairs]
                self.step(
                    "pod-recreated",
                    actor,
                    f"{plural(len(pairs), 'replacement pod')} created at once: {names(listed)}",
                    [n for n, _ in pairs],
                )
        if stuck:
            waiting = STATEFULSET_WAITING if state.pod_owner[stuck[0]].kind == "StatefulSet" else ""
            self.step(
                "pod-stuck-terminating",
                workloads.controller(stuck[0]),
                f"{waiting + ': ' if waiting else ''}{names([self.pod_text(p) for p in stuck])} "
                f"{'stays' if len(stuck) == 1 else 'stay'} Terminating on an unreachable node "
                "and is not recreated until the node is deleted or the pod force-deleted",
                stuck,
            )
        if lost:
            self.step(
                "pod-recreated",
                "no controller",
                f"{plural(len(lost), 'bare pod')} not recreated (no controller): "
                f"{names([self.pod_text(p) for p in lost])}",
                lost,
            )

    def remove(self, pods: Iterable[int]) -> None:
        """The pod objects are gone; StatefulSets and DaemonSets recreate theirs."""
        state, workloads = self.state, self.workloads
        recreated: list[int] = []
        for p in pods:
            if not state.pod_alive[p]:
                continue
            node = state.pod_node[p]
            if node >= 0 and state.node_present[node] and node not in self.unreachable:
                self.retry_pending = True
            self.touch(p)
            state.remove_pod(p)
            workloads.forget_name(p)
            self.changes += 1
            if workloads.reaction(p) is not Reaction.RECREATE or not self.still_wanted(p, node):
                continue
            new = workloads.recreation(p)
            self.enqueue(new)
            self.fresh.append(new)
            recreated.append(new)
        if recreated:
            self.step(
                "pod-recreated",
                workloads.controller(recreated[0]),
                f"{plural(len(recreated), 'pod')} recreated once the old object was gone: "
                f"{names([self.pod_text(p) for p in recreated])}",
                recreated,
            )

    def still_wanted(self, pod: int, node: int) -> bool:
        """Whether the StatefulSet still wants this ordinal / the DaemonSet this node."""
        state = self.state
        owner = state.pod_owner[pod]
        if owner.kind == "DaemonSet":
            return node >= 0 and node in self.workloads.daemon_nodes(owner)
        workload = self.workloads.defined.get(owner)
        if workload is None or workload.replicas is None:
            return True
        suffix = state.pod_name[pod].rsplit("-", 1)[-1]
        return not suffix.isdigit() or int(suffix) < workload.replicas

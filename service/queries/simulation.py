"""A deterministic cluster simulation that follows Kubernetes' default behaviour.

:func:`simulate` places a :class:`~service.queries.scenario.Scenario`, applies one
failure event and reports what each controller did and where every pod ends up. It
knows no timings: :mod:`service.queries.failures` puts its facts on the timeline the
knowledge graph gives.

What it models, and how:

- **Pods.** Deployment ``web`` with 3 replicas has pods ``web-0``, ``web-1``, ``web-2``
  (from 0; Kubernetes adds a random suffix instead). A replacement takes the next
  free index (``web-3``), as the ReplicaSet creates a new pod rather than reviving one.
- **Scheduling** (kube-scheduler's default profile, resource plugins): pods in order
  (Deployments in input order, then by index); a node is feasible when it is Ready
  and untainted, holds fewer than :data:`DEFAULT_MAX_PODS` pods, and its allocatable
  CPU and memory minus the requests already placed cover the pod's (NodeResourcesFit).
  Among feasible nodes the highest ``LeastAllocated`` score wins: per resource
  ``(allocatable - requested) * 100 // allocatable`` counting the pod, averaged with
  integer division; a pod requesting 0 counts as :data:`DEFAULT_MILLI_CPU_REQUEST` /
  :data:`DEFAULT_MEMORY_REQUEST` for scoring only, as kube-scheduler does. Ties go to
  the smallest node name (kube-scheduler picks at random). Every node is scored
  (``percentageOfNodesToScore: 100``); other score plugins are not modelled.
- **Pending.** A pod no node fits stays Pending with kube-scheduler's FitError message:
  ``0/3 nodes are available: 1 node(s) had untolerated taint
  {node.kubernetes.io/unreachable: }, 2 Insufficient cpu.`` — per node the first
  failing filter's reasons (a tainted node gives only its taint; a Ready node any of
  ``Too many pods``, ``Insufficient cpu``, ``Insufficient memory``), counted, formatted
  ``"<count> <reason>"``, sorted as strings and joined. A node given ``ready: false``
  carries ``node.kubernetes.io/not-ready``; a node taken down, ``.../unreachable``.
- **Events.** ``POD_DELETED`` (a pod, or every pod of a Deployment): the pod is gone
  and its requests freed at once; the ReplicaSet creates a replacement, scheduled like
  any pod. ``POD_CRASHED`` (same targets): the kubelet restarts the container in place;
  the pod keeps its node (a Pending pod has no container to crash). ``NODE_DOWN`` (a
  node) / ``ALL_NODES_DOWN``: the node is tainted unreachable, its pods are evicted and
  replaced; ``INSUFFICIENT_RESOURCES``: the scenario as given is the event. After an
  event the scheduler retries pods that were already Pending first, then replacements.
- **Cluster autoscaler** (when enabled): the scenario is first settled (placed, then
  scaled up for pods that did not fit); after the event it scales up again. Each
  scale-up estimates the fewest template nodes by first-fit bin-packing of the pending
  pods in order (its ``BinpackingNodeEstimator``), never beyond ``maxNodes`` Ready
  nodes, and never for a pod that would not fit an empty template node; new nodes are
  ``autoscaled-1``, ``autoscaled-2``, … (skipping names in use). Then the scheduler
  places the pending pods; if spreading left some behind, it scales up again.
- **Availability**: every Deployment with desired replicas has a running pod.

It scales: nodes in the same state (allocatable, requests, pod count) form one group,
kept name-sorted; each distinct pod request has a heap of groups keyed by score, brought
up to date lazily from a log of changed groups; a run of identical pods fills a whole
group at once. NODE_DOWN on 5,000 nodes and 150,000 pods takes a fraction of a second.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import chain, compress, groupby
from typing import NamedTuple

from service.errors import InvalidArgument
from service.queries.quantities import MAX_CPU_MILLICORES, MAX_MEMORY_BYTES
from service.queries.scenario import Scenario

MAX_NODE_SCORE = 100
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024
DEFAULT_MAX_PODS = 110
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
AUTOSCALED_PREFIX = "autoscaled-"
NO_NODES_MESSAGE = "no nodes available to schedule pods"


class FailureEvent(StrEnum):
    """What fails; the knowledge graph's events carry the same name as ``failure_event``."""

    POD_DELETED = "POD_DELETED"
    POD_CRASHED = "POD_CRASHED"
    NODE_DOWN = "NODE_DOWN"
    ALL_NODES_DOWN = "ALL_NODES_DOWN"
    INSUFFICIENT_RESOURCES = "INSUFFICIENT_RESOURCES"


class Phase(StrEnum):
    RUNNING = "Running"
    PENDING = "Pending"


class PodPlacement(NamedTuple):
    """Where a pod ends up. (A NamedTuple: outcomes hold up to 200,000 of them.)"""

    name: str
    deployment: str
    node: str | None
    phase: Phase
    reason: str | None = None
    restarts: int = 0


@dataclass(frozen=True, slots=True)
class DeploymentOutcome:
    name: str
    desired: int
    running: int
    pending: int
    pending_reason: str | None


@dataclass(frozen=True, slots=True)
class NodeOutcome:
    """A node at the end: allocatable and requested CPU (millicores) and memory (bytes)."""

    name: str
    ready: bool
    added: bool
    cpu: int
    memory: int
    cpu_requested: int
    memory_requested: int
    pods: int
    taint: str | None


@dataclass(frozen=True, slots=True)
class ScenarioOutcome:
    available: bool
    nodes_added: int
    deployments: tuple[DeploymentOutcome, ...]
    pods: tuple[PodPlacement, ...]
    nodes: tuple[NodeOutcome, ...]


@dataclass(frozen=True, slots=True)
class ScaleUp:
    """One reaction of the cluster autoscaler to pending pods."""

    nodes: tuple[str, ...]
    bound: tuple[tuple[str, str], ...]  # (pod, node) placed once the nodes were added
    too_big: tuple[str, ...]  # pods that would not fit an empty template node
    over_limit: tuple[str, ...]  # pods left Pending because maxNodes was reached
    max_nodes: int
    node_cpu: int
    node_memory: int


@dataclass(frozen=True, slots=True)
class SimulationReport:
    """What happened, for the narrative, and the resulting outcome.

    For ``INSUFFICIENT_RESOURCES`` the initial placement *is* the event: ``pending``
    and ``scale_up`` describe it, ``settle_scale_up`` is None.
    """

    event: FailureEvent
    outcome: ScenarioOutcome
    settle_scale_up: ScaleUp | None = None
    not_ready: tuple[str, ...] = ()
    evicted: tuple[tuple[str, str], ...] = ()  # (pod, node)
    deleted: tuple[str, ...] = ()
    crashed: tuple[tuple[str, str], ...] = ()  # (pod, node), restarted in place
    not_running: tuple[str, ...] = ()  # targeted pods that were Pending
    replacements: tuple[tuple[str, str], ...] = ()  # (new pod, the pod it replaces)
    bound: tuple[tuple[str, str], ...] = ()  # (pod, node) after the event
    pending: tuple[tuple[str, str], ...] = ()  # (pod, reason) before any scale-up
    scale_up: ScaleUp | None = None


def simulate(
    scenario: Scenario, event: FailureEvent | str, target: str | None = None
) -> SimulationReport:
    """Simulate ``event`` on ``scenario``, deterministically.

    Parameters
    ----------
    scenario : the cluster before the event.
    event : a :class:`FailureEvent` (or its name).
    target : a node name for ``NODE_DOWN``; a pod (``web-1``) or Deployment name
        (``web``: all its pods; a Deployment name wins over an equal pod name) for
        ``POD_DELETED`` and ``POD_CRASHED``; None for the other events.

    Returns
    -------
    SimulationReport : what each controller did, and the outcome.

    Raises
    ------
    InvalidArgument : ``event`` unknown; ``target`` missing, superfluous, or naming
        nothing in the scenario (the message lists what it could name).

    Examples
    --------
    >>> from service.queries.scenario import scenario_from_mapping
    >>> s = scenario_from_mapping({"nodes": [{"name": "a", "cpu": "1", "memory": "1Gi"}],
    ...     "deployments": [{"name": "web", "replicas": 2, "cpu": "1", "memory": "1Mi"}]})
    >>> simulate(s, "INSUFFICIENT_RESOURCES").pending
    (('web-1', '0/1 nodes are available: 1 Insufficient cpu.'),)
    """
    event = as_failure_event(event)
    cluster = _Cluster(scenario)
    kind, victims = _resolve_target(cluster, event, target)
    if event is FailureEvent.INSUFFICIENT_RESOURCES:
        pending = cluster.reasons(cluster.schedule(cluster.live_pods()))
        scale_up = cluster.autoscale()
        return SimulationReport(event, cluster.outcome(), pending=pending, scale_up=scale_up)
    cluster.schedule(cluster.live_pods())
    settle = cluster.autoscale()
    waiting = [p for p in cluster.live_pods() if cluster.pod_node[p] is None]
    hit = list(cluster.dep_pods[victims[0]]) if kind == "deployment" else victims
    crashed: list[int] = []
    replaced: list[int] = []
    down: Sequence[int] = ()
    if event is FailureEvent.POD_CRASHED:
        crashed = [p for p in hit if cluster.pod_node[p] is not None]
        for p in crashed:
            cluster.pod_restarts[p] += 1
    elif event is FailureEvent.POD_DELETED:
        replaced = hit
        gone = set(replaced)
        waiting = [p for p in waiting if p not in gone]
    else:
        down = hit if event is FailureEvent.NODE_DOWN else range(len(cluster.node_names))
        replaced = cluster.take_down(down)
    on_nodes = cluster.placed(replaced)  # before their removal
    for p in replaced:
        cluster.remove_pod(p)
    replacements = [cluster.replace(p) for p in replaced]
    retried = waiting + replacements
    pending = cluster.reasons(cluster.schedule(retried))
    bound = cluster.placed([p for p in retried if cluster.pod_node[p] is not None])
    scale_up = cluster.autoscale()
    names = cluster.pod_name
    return SimulationReport(
        event,
        cluster.outcome(),
        settle_scale_up=settle,
        not_ready=tuple(cluster.node_names[i] for i in down),
        evicted=on_nodes if down else (),
        deleted=tuple(names[p] for p in replaced) if not down else (),
        crashed=cluster.placed(crashed),
        not_running=tuple(names[p] for p in hit if cluster.pod_node[p] is None)
        if event is FailureEvent.POD_CRASHED
        else (),
        replacements=tuple(
            (names[new], names[old]) for new, old in zip(replacements, replaced, strict=True)
        ),
        bound=bound,
        pending=pending,
        scale_up=scale_up,
    )


def as_failure_event(event: FailureEvent | str) -> FailureEvent:
    """``event`` as a :class:`FailureEvent`; raises InvalidArgument naming the valid ones."""
    try:
        return FailureEvent(event)
    except ValueError:
        valid = ", ".join(e.value for e in FailureEvent)
        shown = _shown(event) if isinstance(event, str) else repr(event)
        raise InvalidArgument(
            "event", f"{shown} is not a failure event; expected {valid}"
        ) from None


def _shown(text: str, limit: int = 80) -> str:
    """``text`` quoted for a message, cut short when long (a target may be anything)."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _listing(names: Sequence[str], limit: int = 20) -> str:
    shown = ", ".join(names[:limit])
    more = len(names) - limit
    return (shown + (f", … ({more} more)" if more > 0 else "")) or "none"


def _resolve_target(
    cluster: _Cluster, event: FailureEvent, target: str | None
) -> tuple[str, list[int]]:
    """("node" | "deployment" | "pod" | "", indices) the target names."""
    if event in (FailureEvent.ALL_NODES_DOWN, FailureEvent.INSUFFICIENT_RESOURCES):
        if target is not None:
            raise InvalidArgument("target", f"{event.value} takes no target, got {_shown(target)}")
        return "", []
    if event is FailureEvent.NODE_DOWN:
        names = cluster.node_names
        if target is None or target not in cluster.node_index:
            wanted = "is required" if target is None else f"no node named {_shown(target)}"
            raise InvalidArgument(
                "target", f"{wanted}: NODE_DOWN takes a node name; nodes: {_listing(names)}"
            )
        return "node", [cluster.node_index[target]]
    deployments = {name: i for i, name in enumerate(cluster.dep_name)}
    if target is not None and target in deployments:
        return "deployment", [deployments[target]]
    base, _, index = (target or "").rpartition("-")
    if base in deployments and index.isdigit() and str(int(index)) == index:
        d = deployments[base]
        if int(index) < len(cluster.dep_pods[d]):
            return "pod", [cluster.dep_pods[d][int(index)]]
    wanted = "is required" if target is None else f"no pod or Deployment named {_shown(target)}"
    example = f", e.g. {cluster.dep_name[0]}-0" if cluster.dep_name else ""
    raise InvalidArgument(
        "target",
        f"{wanted}: {event.value} takes a pod or Deployment name; Deployments: "
        f"{_listing(cluster.dep_name)} (pods are named <deployment>-<index>{example})",
    )


# -- the cluster's state ------------------------------------------------------------------
# A node's state is a tuple (alloc cpu, alloc memory, max pods, requested cpu, requested
# memory, requested cpu for scoring, requested memory for scoring, pod count); a pod's
# request profile is (cpu, memory, cpu for scoring, memory for scoring).
Key = tuple[int, int, int, int, int, int, int, int]
Profile = tuple[int, int, int, int]


def _profile(cpu: int, memory: int) -> Profile:
    return (cpu, memory, cpu or DEFAULT_MILLI_CPU_REQUEST, memory or DEFAULT_MEMORY_REQUEST)


def _fits(key: Key, q: Profile) -> bool:
    ac, am, mp, rc, rm, _, _, n = key
    return n < mp and (q[0] == 0 or q[0] <= ac - rc) and (q[1] == 0 or q[1] <= am - rm)


def _fit_reasons(key: Key, q: Profile) -> list[str]:
    ac, am, mp, rc, rm, _, _, n = key
    reasons = ["Too many pods"] if n >= mp else []
    if q[0] and q[0] > ac - rc:
        reasons.append("Insufficient cpu")
    if q[1] and q[1] > am - rm:
        reasons.append("Insufficient memory")
    return reasons


def _capacity(key: Key, q: Profile) -> int:
    """How many pods of profile ``q`` still fit on a node in state ``key``."""
    ac, am, mp, rc, rm, _, _, n = key
    count = mp - n
    if q[0]:
        count = min(count, (ac - rc) // q[0])
    if q[1]:
        count = min(count, (am - rm) // q[1])
    return max(count, 0)


def _least_allocated(allocatable: int, requested: int) -> int:
    if requested > allocatable:
        return 0
    return (allocatable - requested) * MAX_NODE_SCORE // allocatable


def _score(key: Key, q: Profile, extra: int = 0) -> int:
    """LeastAllocated score of placing a pod of ``q`` after ``extra`` more of them.

    Resources a node has none of are left out of the average, as kube-scheduler does.
    """
    ac, am = key[0], key[1]
    if ac and am:  # the common case, inlined: this runs once per group and request
        rc, rm = key[5] + (extra + 1) * q[2], key[6] + (extra + 1) * q[3]
        cpu = (ac - rc) * MAX_NODE_SCORE // ac if rc <= ac else 0
        memory = (am - rm) * MAX_NODE_SCORE // am if rm <= am else 0
        return (cpu + memory) // 2
    if ac:
        return _least_allocated(ac, key[5] + (extra + 1) * q[2])
    if am:
        return _least_allocated(am, key[6] + (extra + 1) * q[3])
    return 0


def _add(key: Key, q: Profile, times: int = 1) -> Key:
    ac, am, mp, rc, rm, zc, zm, n = key
    return (ac, am, mp, rc + times * q[0], rm + times * q[1], zc + times * q[2],
            zm + times * q[3], n + times)  # fmt: skip


@dataclass(slots=True)
class _Queue:
    """Groups that fit one request profile, best first: (-score, smallest name, key)."""

    heap: list[tuple[int, str, Key]] = field(default_factory=list)
    seen: int = 0  # how much of the change log it reflects


class _Cluster:
    """One simulation's mutable state: nodes grouped by state, pods in parallel lists."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.last_added = 0  # the number of the last autoscaled node
        self.node_names: list[str] = []
        self.node_index: dict[str, int] = {}
        self.node_state: list[Key] = []
        self.node_taint: list[str | None] = []
        self.node_added: list[bool] = []
        self.groups: dict[Key, list[str]] = {}  # schedulable nodes by state, names sorted
        self.log: list[Key] = []  # groups changed, for the queues to catch up
        self.queues: dict[Profile, _Queue] = {}
        self.messages: dict[Profile, tuple[int, str]] = {}
        self.ready = 0
        self.dep_name = [d.name for d in scenario.deployments]
        self.dep_profile = [_profile(d.cpu, d.memory) for d in scenario.deployments]
        self.dep_pods: list[list[int]] = []
        self.pod_name: list[str] = []
        self.pod_dep: list[int] = []
        self.pod_node: list[str | None] = []
        self.pod_reason: list[str | None] = []
        self.pod_restarts: list[int] = []
        self.pod_alive: list[bool] = []
        by_state: dict[Key, list[str]] = {}
        for node in scenario.nodes:
            key = self.add_node(node.name, node.cpu, node.memory, node.ready, added=False)
            if node.ready:
                by_state.setdefault(key, []).append(node.name)
        for key, names in by_state.items():
            self._join(key, sorted(names))
        for d, deployment in enumerate(scenario.deployments):
            start = len(self.pod_name)
            self.dep_pods.append(list(range(start, start + deployment.replicas)))
            self.pod_name += [f"{deployment.name}-{i}" for i in range(deployment.replicas)]
            self.pod_dep += [d] * deployment.replicas
        total = len(self.pod_name)
        self.pod_node = [None] * total
        self.pod_reason = [None] * total
        self.pod_restarts = [0] * total
        self.pod_alive = [True] * total

    # -- nodes --------------------------------------------------------------------------
    def add_node(self, name: str, cpu: int, memory: int, ready: bool, added: bool) -> Key:
        """Register a node; the caller makes a Ready one schedulable with :meth:`_join`."""
        self.node_index[name] = len(self.node_names)
        self.node_names.append(name)
        key: Key = (cpu, memory, DEFAULT_MAX_PODS, 0, 0, 0, 0, 0)
        self.node_state.append(key)
        self.node_taint.append(None if ready else NOT_READY_TAINT)
        self.node_added.append(added)
        return key

    def _join(self, key: Key, names: list[str]) -> None:
        """Make the (name-sorted) ``names`` schedulable nodes in state ``key``."""
        members = self.groups.get(key)
        if members is None:
            self.groups[key] = names
        else:
            unordered = members[-1] > names[0]
            members.extend(names)
            if unordered:
                members.sort()
        for name in names:
            self.node_state[self.node_index[name]] = key
        self.ready += len(names)
        self.log.append(key)

    def _leave(self, name: str) -> Key:
        key = self.node_state[self.node_index[name]]
        members = self.groups[key]
        del members[bisect_left(members, name)]
        if not members:
            del self.groups[key]
        self.ready -= 1
        self.log.append(key)
        return key

    def take_down(self, nodes: Sequence[int]) -> list[int]:
        """Taint ``nodes`` unreachable; returns the pods running there, in pod order."""
        down = set()
        for i in nodes:
            if self.node_taint[i] is None:
                self._leave(self.node_names[i])
            else:
                self.log.append(self.node_state[i])  # a new taint: FitErrors change
            self.node_taint[i] = UNREACHABLE_TAINT
            down.add(self.node_names[i])
        return [p for p in self.live_pods() if self.pod_node[p] in down]

    # -- pods ---------------------------------------------------------------------------
    def live_pods(self) -> list[int]:
        """Every pod not deleted, by Deployment then creation."""
        everyone = list(chain.from_iterable(self.dep_pods))
        return list(compress(everyone, map(self.pod_alive.__getitem__, everyone)))

    def remove_pod(self, p: int) -> None:
        self.pod_alive[p] = False
        node = self.pod_node[p]
        if node is None:
            return
        i = self.node_index[node]
        q = self.dep_profile[self.pod_dep[p]]
        if self.node_taint[i] is None:
            self._join(_add(self._leave(node), q, -1), [node])
        else:
            self.node_state[i] = _add(self.node_state[i], q, -1)

    def replace(self, p: int) -> int:
        """The ReplicaSet's new pod for ``p``: same Deployment, next index."""
        d = self.pod_dep[p]
        new = len(self.pod_name)
        self.pod_name.append(f"{self.dep_name[d]}-{len(self.dep_pods[d])}")
        self.pod_dep.append(d)
        self.pod_node.append(None)
        self.pod_reason.append(None)
        self.pod_restarts.append(0)
        self.pod_alive.append(True)
        self.dep_pods[d].append(new)
        return new

    def runs(self, pods: Sequence[int]) -> Iterator[tuple[Profile, list[int]]]:
        """Consecutive pods with the same request profile."""
        run: list[int] = []
        last: Profile | None = None
        for d, group in groupby(pods, key=self.pod_dep.__getitem__):
            q = self.dep_profile[d]
            if run and q != last:
                assert last is not None
                yield last, run
                run = []
            run += group
            last = q
        if run:
            assert last is not None
            yield last, run

    def placed(self, pods: Sequence[int]) -> tuple[tuple[str, str], ...]:
        """(pod, node) for placed ``pods``."""
        return tuple((self.pod_name[p], str(self.pod_node[p])) for p in pods)

    def reasons(self, pods: Sequence[int]) -> tuple[tuple[str, str], ...]:
        return tuple((self.pod_name[p], str(self.pod_reason[p])) for p in pods)

    # -- scheduling ---------------------------------------------------------------------
    def schedule(self, pods: Sequence[int]) -> list[int]:
        """Schedule ``pods`` in order; returns those left Pending (their reasons set)."""
        pending: list[int] = []
        for q, run in self.runs(pods):
            left = self._place_run(run, q)
            if left:
                message = self.fit_error(q)
                for p in left:
                    self.pod_reason[p] = message
                pending += left
        return pending

    def _sync(self, queue: _Queue, q: Profile) -> None:
        """Bring ``queue`` up to date with the groups changed since it last looked."""
        if len(self.log) - queue.seen > len(self.groups):
            queue.heap = self._rank(q)
        else:
            for key in set(self.log[queue.seen :]):
                members = self.groups.get(key)
                if members and _fits(key, q):
                    heapq.heappush(queue.heap, (-_score(key, q), members[0], key))
        queue.seen = len(self.log)

    def _rank(self, q: Profile) -> list[tuple[int, str, Key]]:
        """Every group that fits ``q`` as a heap; fit and score inlined (one per group)."""
        c, m, zc, zm = q
        ranked = []
        for key, members in self.groups.items():
            ac, am, mp, rc, rm, kc, km, n = key
            if n >= mp or (c and c > ac - rc) or (m and m > am - rm):
                continue
            if ac and am:
                kc, km = kc + zc, km + zm
                cpu = (ac - kc) * MAX_NODE_SCORE // ac if kc <= ac else 0
                memory = (am - km) * MAX_NODE_SCORE // am if km <= am else 0
                ranked.append((-((cpu + memory) // 2), members[0], key))
            else:
                ranked.append((-_score(key, q), members[0], key))
        heapq.heapify(ranked)
        return ranked

    def _top(self, queue: _Queue, skip: Key | None = None) -> tuple[int, str, Key] | None:
        """The best valid entry (stale ones dropped), or None."""
        heap = queue.heap
        while heap:
            entry = heap[0]
            members = self.groups.get(entry[2])
            if entry[2] != skip and members and members[0] == entry[1]:
                return entry
            heapq.heappop(heap)
        return None

    def _place_run(self, pods: list[int], q: Profile) -> list[int]:
        """Place identical pods; returns those that fit nowhere."""
        queue = self.queues.setdefault(q, _Queue())
        i, total = 0, len(pods)
        while i < total:
            self._sync(queue, q)
            top = self._top(queue)
            if top is None:
                break
            heapq.heappop(queue.heap)
            score, key = -top[0], top[2]
            members = self.groups[key]
            rival = self._top(queue, skip=key)
            # Members named before an equally good rival are served first, in name order;
            # each takes pods until its score would drop (then the next member wins).
            if rival is not None and -rival[0] == score:
                available = bisect_left(members, rival[1])
            else:
                available = len(members)
            per = self._take(key, q, score, total - i)
            full = min(available, (total - i) // per)
            rest = total - i - full * per if full < available else 0
            served = members[:full]
            partial = members[full] if rest else None
            for name in served:
                for p in pods[i : i + per]:
                    self.pod_node[p] = name
                i += per
            if partial is not None:
                for p in pods[i : i + rest]:
                    self.pod_node[p] = partial
                i += rest
            taken = full + (1 if partial is not None else 0)
            del members[:taken]
            if not members:
                del self.groups[key]
            self.ready -= taken
            self.log.append(key)
            self._join(_add(key, q, per), served)
            if partial is not None:
                self._join(_add(key, q, rest), [partial])
        return pods[i:]

    @staticmethod
    def _take(key: Key, q: Profile, score: int, cap: int) -> int:
        """How many pods of ``q`` in a row a node in state ``key`` takes at ``score``."""
        high = min(cap, _capacity(key, q)) - 1
        low = 0
        while low < high:  # the last extra count that still fits at the same score
            middle = (low + high + 1) // 2
            if _score(key, q, middle) >= score:
                low = middle
            else:
                high = middle - 1
        return low + 1

    def fit_error(self, q: Profile) -> str:
        """kube-scheduler's FitError message for a pod of ``q`` that fits no node."""
        cached = self.messages.get(q)
        if cached is not None and cached[0] == len(self.log):
            return cached[1]
        if not self.node_names:
            message = NO_NODES_MESSAGE
        else:
            histogram: Counter[str] = Counter()
            for taint in self.node_taint:
                if taint is not None:
                    histogram[f"node(s) had untolerated taint {{{taint}: }}"] += 1
            for key, members in self.groups.items():
                for reason in _fit_reasons(key, q):
                    histogram[reason] += len(members)
            reasons = sorted(f"{count} {reason}" for reason, count in histogram.items())
            message = f"0/{len(self.node_names)} nodes are available: {', '.join(reasons)}."
        self.messages[q] = (len(self.log), message)
        return message

    # -- the cluster autoscaler ---------------------------------------------------------
    def autoscale(self) -> ScaleUp | None:
        """Scale up for the pending pods (None when there is no enabled autoscaler)."""
        spec = self.scenario.autoscaler
        pending = [p for p in self.live_pods() if self.pod_node[p] is None]
        if spec is None or not spec.enabled or not pending:
            return None
        template: Key = (spec.node_cpu, spec.node_memory, DEFAULT_MAX_PODS, 0, 0, 0, 0, 0)
        added: list[str] = []
        bound: list[int] = []
        too_big: list[int] = []
        over_limit: list[int] = []
        while pending:
            bins, too_big, over_limit = self._estimate(pending, template, spec.max_nodes)
            if not bins:
                break
            for _ in bins:
                name = self._autoscaled_name()
                key = self.add_node(name, spec.node_cpu, spec.node_memory, ready=True, added=True)
                self._join(key, [name])
                added.append(name)
            still = self.schedule(pending)
            bound += [p for p in pending if self.pod_node[p] is not None]
            if len(still) == len(pending):
                break
            pending = still
        pending = [p for p in self.live_pods() if self.pod_node[p] is None]
        big, limited = set(too_big), set(over_limit)
        for p in pending:
            if p in big:
                reasons = ", ".join(
                    f"1 {r}" for r in _fit_reasons(template, self.dep_profile[self.pod_dep[p]])
                )
                note = f"pod didn't trigger scale-up (it wouldn't fit if a new node is added): {reasons}"
            elif p in limited or self.ready >= spec.max_nodes:
                note = f"pod didn't trigger scale-up: max total nodes in cluster reached: {spec.max_nodes}"
            else:
                continue
            self.pod_reason[p] = f"{self.pod_reason[p]} Cluster autoscaler: {note}."
        bound_now = [p for p in bound if self.pod_node[p] is not None]
        return ScaleUp(
            nodes=tuple(added),
            bound=tuple((self.pod_name[p], str(self.pod_node[p])) for p in bound_now),
            too_big=tuple(self.pod_name[p] for p in pending if p in big),
            over_limit=tuple(self.pod_name[p] for p in pending if p in limited),
            max_nodes=spec.max_nodes,
            node_cpu=spec.node_cpu,
            node_memory=spec.node_memory,
        )

    def _estimate(
        self, pending: list[int], template: Key, max_nodes: int
    ) -> tuple[list[Key], list[int], list[int]]:
        """First-fit of the pending pods, in order, onto new template nodes."""
        room = max_nodes - self.ready
        bins: list[Key] = []
        too_big: list[int] = []
        over_limit: list[int] = []
        profiles, runs = zip(*self.runs(pending), strict=True)
        # the smallest requests of the runs still to come: bins that cannot take them are closed
        floor_cpu, floor_memory = [0] * len(runs), [0] * len(runs)
        lowest_cpu = lowest_memory = MAX_CPU_MILLICORES + MAX_MEMORY_BYTES
        for r in range(len(runs) - 1, -1, -1):
            floor_cpu[r], floor_memory[r] = lowest_cpu, lowest_memory
            lowest_cpu = min(lowest_cpu, profiles[r][0])
            lowest_memory = min(lowest_memory, profiles[r][1])
        first_open = 0
        full_for: dict[Profile, int] = {}  # bins before this index have no room for the profile
        for r, (run, q) in enumerate(zip(runs, profiles, strict=True)):
            if not _fits(template, q):
                too_big += run
                continue
            remaining = len(run)
            b = max(first_open, full_for.get(q, 0))
            while remaining and b < len(bins):
                fit = min(remaining, _capacity(bins[b], q))
                if fit:
                    bins[b] = _add(bins[b], q, fit)
                    remaining -= fit
                if remaining:
                    b += 1
            full_for[q] = b
            while remaining and len(bins) < room:
                fit = min(remaining, _capacity(template, q))
                bins.append(_add(template, q, fit))
                remaining -= fit
            if remaining:
                over_limit += run[len(run) - remaining :]
            while first_open < len(bins) and r + 1 < len(runs):
                ac, am, mp, rc, rm, _, _, n = bins[first_open]
                if n < mp and ac - rc >= floor_cpu[r] and am - rm >= floor_memory[r]:
                    break
                first_open += 1
        return bins, too_big, over_limit

    def _autoscaled_name(self) -> str:
        self.last_added += 1
        while f"{AUTOSCALED_PREFIX}{self.last_added}" in self.node_index:
            self.last_added += 1
        return f"{AUTOSCALED_PREFIX}{self.last_added}"

    # -- the result -----------------------------------------------------------------------
    def outcome(self) -> ScenarioOutcome:
        pods: list[PodPlacement] = []
        deployments: list[DeploymentOutcome] = []
        make = tuple.__new__  # the NamedTuple's own __new__ costs a Python call per pod
        names, nodes_of, reasons, restarts = (
            self.pod_name,
            self.pod_node,
            self.pod_reason,
            self.pod_restarts,
        )
        for d, name in enumerate(self.dep_name):
            running = pending = 0
            reason: str | None = None
            row: tuple[object, ...]
            for p in compress(self.dep_pods[d], map(self.pod_alive.__getitem__, self.dep_pods[d])):
                node = nodes_of[p]
                if node is None:
                    pending += 1
                    reason = reason or reasons[p]
                    row = (names[p], name, None, Phase.PENDING, reasons[p], restarts[p])
                else:
                    running += 1
                    row = (names[p], name, node, Phase.RUNNING, None, restarts[p])
                pods.append(make(PodPlacement, row))
            desired = self.scenario.deployments[d].replicas
            deployments.append(DeploymentOutcome(name, desired, running, pending, reason))
        nodes = tuple(
            NodeOutcome(
                name=name,
                ready=self.node_taint[i] is None,
                added=self.node_added[i],
                cpu=state[0],
                memory=state[1],
                cpu_requested=state[3],
                memory_requested=state[4],
                pods=state[7],
                taint=self.node_taint[i],
            )
            for i, (name, state) in enumerate(zip(self.node_names, self.node_state, strict=True))
        )
        return ScenarioOutcome(
            available=all(d.running > 0 for d in deployments if d.desired > 0),
            nodes_added=sum(self.node_added),
            deployments=tuple(deployments),
            pods=tuple(pods),
            nodes=nodes,
        )

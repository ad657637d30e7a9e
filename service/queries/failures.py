"""Failure consequences: the causal chain the graph describes, made concrete by a simulation.

The chain is read from the graph: it starts at the ``event`` entity whose
``failure_event`` attribute names the event and follows ``causes`` relations. Each
relation is one step; its ``actor`` attribute names the entity that acts, its
``after_seconds`` the delay from the step before (so ``at_seconds`` is the earliest
time the step can happen, counted from the event), its ``condition`` when it applies.
Steps are ordered by time, then causally (topologically), then as the data lists them.

Given a scenario, :func:`~service.queries.simulation.simulate` runs the event and each
step of the same chain is told for that cluster ("node-b marked NotReady …"); a step
whose condition does not hold there (no autoscaler, nothing Pending) is left out. The
timings still come from the graph; the simulation only knows what happens.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from service.domain import Entity, EntityKind, Relation, RelationType, Source
from service.errors import InvalidArgument
from service.knowledge import KnowledgeGraph
from service.queries.quantities import format_cpu, format_memory
from service.queries.scenario import Scenario
from service.queries.simulation import (
    FailureEvent,
    ScenarioOutcome,
    SimulationReport,
    as_failure_event,
    simulate,
)

LISTED = 5  # names shown in a step before "and N more"


@dataclass(frozen=True, slots=True)
class ChainLink:
    """One ``causes`` relation of a chain and when it happens, in seconds from the event."""

    relation: Relation
    at_seconds: float | None


@dataclass(frozen=True, slots=True)
class ConsequenceStep:
    """One step of what happens: who acts, when, what, and where that is written."""

    order: int
    at_seconds: float | None
    actor: str
    actor_id: str
    description: str
    sources: tuple[Source, ...]
    cause: str
    effect: str
    condition: str | None = None

    @property
    def external(self) -> bool:
        """True when only knowledge beyond the notes supports the step."""
        return bool(self.sources) and all(s.external for s in self.sources)


@dataclass(frozen=True, slots=True)
class FailureAnalysis:
    event: FailureEvent
    steps: tuple[ConsequenceStep, ...]
    outcome: ScenarioOutcome | None = None


def failure_consequences(
    kg: KnowledgeGraph,
    event: FailureEvent | str,
    target: str | None = None,
    scenario: Scenario | None = None,
) -> FailureAnalysis:
    """What happens when ``event`` occurs: the causal chain, and the outcome for a scenario.

    Parameters
    ----------
    kg : the knowledge graph.
    event : a :class:`~service.queries.simulation.FailureEvent` (or its name).
    target : what fails, in the scenario (see :func:`~service.queries.simulation.simulate`);
        without a scenario the chain is generic and ``target`` is not used.
    scenario : a cluster to simulate the event on.

    Returns
    -------
    FailureAnalysis : ordered steps (numbered from 1) and, with a scenario, the outcome.

    Raises
    ------
    InvalidArgument : an unknown event, one no event entity of the graph stands for, or
        a ``target`` the scenario has no use for.

    Examples
    --------
    >>> [s.actor for s in failure_consequences(load_graph(), "POD_CRASHED").steps]
    ['Kubelet']
    """
    event = as_failure_event(event)
    links = causal_chain(kg, event)
    if scenario is None:
        steps = [(link, _generic(kg, link)) for link in links]
        return FailureAnalysis(event, _numbered(kg, steps))
    report = simulate(scenario, event, target)
    story = _Story(kg, report, scenario)
    told = [(link, text) for link in links for text in story.tell(link)]
    return FailureAnalysis(event, _numbered(kg, told), report.outcome)


def causal_chain(kg: KnowledgeGraph, event: FailureEvent | str) -> list[ChainLink]:
    """The ``causes`` relations reachable from ``event``'s entity, in the order they happen.

    Raises
    ------
    InvalidArgument : no event entity carries ``failure_event: <event>``.
    """
    event = as_failure_event(event)
    start = _event_entity(kg, event).id
    discovered = {start: 0}
    relations: list[Relation] = []
    queue = deque([start])
    while queue:
        for relation in kg.outgoing(queue.popleft(), RelationType.CAUSES):
            relations.append(relation)
            if relation.target not in discovered:
                discovered[relation.target] = len(discovered)
                queue.append(relation.target)
    times = _earliest_times(start, relations)
    position = _topological_positions(discovered, relations)
    links = [
        ChainLink(relation, _at(times.get(relation.source), _delay(relation)))
        for relation in relations
    ]
    return sorted(
        links,
        key=lambda link: (
            link.at_seconds is None,
            link.at_seconds or 0.0,
            position[link.relation.source],
            _origin_order(link.relation),
        ),
    )


# -- the chain --------------------------------------------------------------------------------
def _event_entity(kg: KnowledgeGraph, event: FailureEvent) -> Entity:
    for entity in kg.entities(EntityKind.EVENT):
        if entity.attributes.get("failure_event") == event.value:
            return entity
    raise InvalidArgument(
        "event", f"no event entity of the graph has failure_event {event.value!r}"
    )


def _delay(relation: Relation) -> float | None:
    value = relation.attributes.get("after_seconds")
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return float(value)


def _seconds_attribute(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return float(value)


def _at(start: float | None, delay: float | None) -> float | None:
    return None if start is None or delay is None else start + delay


def _earliest_times(start: str, relations: Sequence[Relation]) -> dict[str, float]:
    """Dijkstra over the delays (all non-negative); unknown delays reach nothing."""
    out: dict[str, list[Relation]] = {}
    for relation in relations:
        out.setdefault(relation.source, []).append(relation)
    times: dict[str, float] = {}
    heap = [(0.0, start)]
    while heap:
        at, node = heapq.heappop(heap)
        if node in times:
            continue
        times[node] = at
        for relation in out.get(node, ()):
            delay = _delay(relation)
            if delay is not None and relation.target not in times:
                heapq.heappush(heap, (at + delay, relation.target))
    return times


def _topological_positions(
    discovered: dict[str, int], relations: Sequence[Relation]
) -> dict[str, int]:
    """Kahn's order, ties by discovery; nodes on a cycle follow in discovery order."""
    indegree = dict.fromkeys(discovered, 0)
    out: dict[str, list[str]] = {}
    for relation in relations:
        indegree[relation.target] += 1
        out.setdefault(relation.source, []).append(relation.target)
    ready = [(discovered[n], n) for n, degree in indegree.items() if degree == 0]
    heapq.heapify(ready)
    position: dict[str, int] = {}
    while ready:
        _, node = heapq.heappop(ready)
        position[node] = len(position)
        for target in out.get(node, ()):
            indegree[target] -= 1
            if indegree[target] == 0:
                heapq.heappush(ready, (discovered[target], target))
    for node in sorted(discovered, key=discovered.__getitem__):
        position.setdefault(node, len(position))
    return position


def _origin_order(relation: Relation) -> tuple[str, int]:
    file, _, line = relation.origin.rpartition(":")
    return (file, int(line)) if line.isdigit() else (relation.origin, 0)


def _generic(kg: KnowledgeGraph, link: ChainLink) -> str:
    effect = kg.entity(link.relation.target)
    text = f"{effect.name}: {effect.summary}"
    condition = link.relation.attributes.get("condition")
    return f"{text} Condition: {condition}." if condition else text


def _numbered(
    kg: KnowledgeGraph, steps: Sequence[tuple[ChainLink, str]]
) -> tuple[ConsequenceStep, ...]:
    numbered = []
    for order, (link, text) in enumerate(steps, start=1):
        relation = link.relation
        actor_id = str(relation.attributes.get("actor", ""))
        actor = kg.get(actor_id)
        condition = relation.attributes.get("condition")
        numbered.append(
            ConsequenceStep(
                order=order,
                at_seconds=link.at_seconds,
                actor=actor.name if actor is not None else actor_id,
                actor_id=actor_id,
                description=text,
                sources=relation.sources,
                cause=relation.source,
                effect=relation.target,
                condition=None if condition is None else str(condition),
            )
        )
    return tuple(numbered)


# -- the chain told for a scenario ---------------------------------------------------------------
def _names(names: Sequence[str]) -> str:
    if len(names) <= LISTED:
        return ", ".join(names)
    return f"{', '.join(names[:LISTED])} and {len(names) - LISTED} more"


def _pods(count: int) -> str:
    return f"{count} pod{'s' if count != 1 else ''}"


def _seconds(value: float) -> str:
    return f"{value:g} s"


class _Story:
    """Tells each step of the chain for one simulated scenario (steps of the graph's
    vocabulary; a step the simulation does not model keeps its generic description)."""

    def __init__(self, kg: KnowledgeGraph, report: SimulationReport, scenario: Scenario) -> None:
        self.kg = kg
        self.report = report
        self.scenario = scenario
        self.tellers: dict[str, Callable[[ChainLink], list[str]]] = {
            "node-not-ready": self.not_ready,
            "pods-evicted": self.evicted,
            "pod-recreated": self.recreated,
            "pod-scheduled": self.scheduled,
            "pod-pending": self.pending,
            "node-added": self.node_added,
            "replicas-restored": self.replicas,
            "application-unavailable": self.unavailable,
            "container-restarted": self.restarted,
        }

    def tell(self, link: ChainLink) -> list[str]:
        teller = self.tellers.get(link.relation.target)
        return teller(link) if teller else [_generic(self.kg, link)]

    def not_ready(self, link: ChainLink) -> list[str]:
        nodes = self.report.not_ready
        if not nodes:
            return []
        delay = _delay(link.relation)
        after = f" after the {_seconds(delay)} grace period" if delay else ""
        which = nodes[0] if len(nodes) == 1 else f"{len(nodes)} nodes ({_names(nodes)})"
        return [
            f"{which} marked NotReady{after} and tainted node.kubernetes.io/unreachable "
            "(NoSchedule, NoExecute)"
        ]

    def evicted(self, link: ChainLink) -> list[str]:
        nodes = self.report.not_ready
        if not nodes:
            return []
        delay = _delay(link.relation)
        why = f" once their {_seconds(delay)} toleration of the taint ran out" if delay else ""
        by_node: dict[str, list[str]] = {}
        for pod, node in self.report.evicted:
            by_node.setdefault(node, []).append(pod)
        if len(nodes) == 1:
            pods = by_node.get(nodes[0], [])
            if not pods:
                return [f"no pod ran on {nodes[0]}: nothing to evict"]
            return [f"{_pods(len(pods))} evicted from {nodes[0]}{why}: {_names(pods)}"]
        pods = [pod for pod, _ in self.report.evicted]
        return [f"{_pods(len(pods))} evicted from {len(by_node)} nodes{why}: {_names(pods)}"]

    def recreated(self, link: ChainLink) -> list[str]:
        pairs = self.report.replacements
        if not pairs:
            return []
        deleted = " deleted" if self.report.deleted else ""
        listed = _names([f"{new} for{deleted} {old}" for new, old in pairs])
        noun = "replacement pod" if len(pairs) == 1 else "replacement pods"
        return [f"{len(pairs)} {noun} created at once: {listed}"]

    def scheduled(self, link: ChainLink) -> list[str]:
        if link.relation.source == "node-added":
            bound = self.report.scale_up.bound if self.report.scale_up else ()
        else:
            bound = self.report.bound
        if not bound:
            return []
        return [f"scheduler binds {_pods(len(bound))}: {_names([f'{p} to {n}' for p, n in bound])}"]

    def pending(self, link: ChainLink) -> list[str]:
        pending = self.report.pending
        if not pending:
            if self.report.event is FailureEvent.INSUFFICIENT_RESOURCES:
                return ["no pod is Pending: every pod of the scenario fits its nodes"]
            return []
        by_reason: dict[str, list[str]] = {}
        for pod, reason in pending:
            by_reason.setdefault(reason, []).append(pod)
        told = []
        for reason, pods in list(by_reason.items())[:LISTED]:
            which = f"pod {pods[0]}" if len(pods) == 1 else f"{len(pods)} pods ({_names(pods)})"
            told.append(f"{which} Pending: {reason}")
        rest = sum(len(pods) for pods in list(by_reason.values())[LISTED:])
        if rest:
            told.append(f"{_pods(rest)} more Pending, for other reasons")
        return told

    def node_added(self, link: ChainLink) -> list[str]:
        scale_up = self.report.scale_up
        if scale_up is None:
            return []
        template = f"{format_cpu(scale_up.node_cpu)} CPU, {format_memory(scale_up.node_memory)}"
        told = []
        if scale_up.nodes:
            count = len(scale_up.nodes)
            told.append(
                f"cluster autoscaler adds {count} node{'s' if count != 1 else ''} "
                f"({template} each): {_names(scale_up.nodes)}"
            )
        if scale_up.too_big:
            told.append(
                f"cluster autoscaler adds no node for {_names(scale_up.too_big)}: "
                f"it wouldn't fit if a new node is added ({template})"
            )
        if scale_up.over_limit:
            told.append(
                f"cluster autoscaler stops at maxNodes {scale_up.max_nodes} Ready nodes: "
                f"{_names(scale_up.over_limit)} stay Pending"
            )
        return told

    def replicas(self, link: ChainLink) -> list[str]:
        outcome = self.report.outcome
        short = [d for d in outcome.deployments if d.running < d.desired]
        counts = [f"{d.name} {d.running}/{d.desired}" for d in (short or outcome.deployments)]
        if not short:
            return [f"every Deployment runs its desired replicas: {_names(counts)}"]
        if outcome.available:
            state = "the application stays available: every Deployment has a running pod"
        else:
            down = [d.name for d in outcome.deployments if d.desired and not d.running]
            state = f"the application is unavailable: no pod of {_names(down)} runs"
        return [f"replicas not restored ({_names(counts)} running); {state}"]

    def unavailable(self, link: ChainLink) -> list[str]:
        nodes = self.report.not_ready
        names = [d.name for d in self.scenario.deployments if d.replicas]
        if not nodes or not names:
            return []
        return [
            f"all {len(nodes)} nodes are down: no pod of {_names(names)} can run, so the "
            "application is unavailable"
        ]

    def restarted(self, link: ChainLink) -> list[str]:
        crashed, told = self.report.crashed, []
        if crashed:
            pods = _names([f"{pod} on {node}" for pod, node in crashed])
            noun = "container" if len(crashed) == 1 else "containers"
            told.append(
                f"kubelet restarts the {noun} of {pods} in place{self._backoff(link)}; "
                f"{'the pod keeps its node' if len(crashed) == 1 else 'each pod keeps its node'}"
                f"{self._gap(link)}"
            )
        if self.report.not_running:
            told.append(f"{_names(self.report.not_running)} Pending: no container to restart")
        return told

    def _backoff(self, link: ChainLink) -> str:
        """The CrashLoopBackOff waits, from the effect's ``backoff_*_seconds`` attributes."""
        attributes = self.kg.entity(link.relation.target).attributes
        first = _seconds_attribute(attributes.get("backoff_initial_seconds")) or _delay(
            link.relation
        )
        cap = _seconds_attribute(attributes.get("backoff_max_seconds"))
        if not first:
            return ""
        if cap is None or cap <= first:
            return f" after a {_seconds(first)} back-off"
        waits, wait = [], first * 2
        while wait < cap:
            waits.append(_seconds(wait))
            wait *= 2
        later = f"{', '.join(waits)}, then {_seconds(cap)}" if waits else _seconds(cap)
        return (
            f" after a {_seconds(first)} back-off (CrashLoopBackOff: if it keeps crashing, "
            f"the kubelet waits {later} between restarts)"
        )

    def _gap(self, link: ChainLink) -> str:
        """Deployments left with no running container until the restart."""
        crashed = {pod for pod, _ in self.report.crashed}
        hit: dict[str, int] = {}
        for pod in self.report.outcome.pods:
            if pod.name in crashed:
                hit[pod.deployment] = hit.get(pod.deployment, 0) + 1
        dark = [d.name for d in self.report.outcome.deployments if hit.get(d.name) == d.running]
        delay = _delay(link.relation)
        if not dark or not delay:
            return ""
        return (
            f"; until then {_names(dark)} has no running container, so the application is "
            f"unavailable for {_seconds(delay)}"
        )

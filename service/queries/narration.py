"""The steps of a causal chain told in words: generically, or for one simulated scenario.

Without a scenario a step is its effect's name and summary, and its condition. Given a
scenario, :func:`~service.queries.simulation.simulate` runs the event and each step of
the same chain is told for that cluster ("node-b marked NotReady …"); a step whose
condition does not hold there (no autoscaler, nothing Pending) is left out. A step the
simulation does not model keeps its generic description.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from service.knowledge import KnowledgeGraph
from service.kube.quantities import format_cpu, format_memory
from service.queries.causal_chain import ChainLink, delay_seconds
from service.queries.scenario import Scenario
from service.queries.simulation import FailureEvent, SimulationReport

LISTED = 5  # names shown in a step before "and N more"


def generic_description(kg: KnowledgeGraph, link: ChainLink) -> str:
    """The step as the graph states it: the effect's name and summary, and its condition."""
    effect = kg.entity(link.relation.target)
    text = f"{effect.name}: {effect.summary}"
    condition = link.relation.attributes.get("condition")
    return f"{text} Condition: {condition}." if condition else text


# -- the chain told for a scenario ---------------------------------------------------------------
def _names(names: Sequence[str]) -> str:
    if len(names) <= LISTED:
        return ", ".join(names)
    return f"{', '.join(names[:LISTED])} and {len(names) - LISTED} more"


def _pods(count: int) -> str:
    return f"{count} pod{'s' if count != 1 else ''}"


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _seconds_attribute(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return float(value)


class ScenarioStory:
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
            # A Deployment-only scenario has no StatefulSet pod to be stuck Terminating.
            "pod-stuck-terminating": lambda link: [],
        }

    def tell(self, link: ChainLink) -> list[str]:
        teller = self.tellers.get(link.relation.target)
        return teller(link) if teller else [generic_description(self.kg, link)]

    def not_ready(self, link: ChainLink) -> list[str]:
        nodes = self.report.not_ready
        if not nodes:
            return []
        delay = delay_seconds(link.relation)
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
        delay = delay_seconds(link.relation)
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
        first = _seconds_attribute(attributes.get("backoff_initial_seconds")) or delay_seconds(
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
        delay = delay_seconds(link.relation)
        if not dark or not delay:
            return ""
        return (
            f"; until then {_names(dark)} has no running container, so the application is "
            f"unavailable for {_seconds(delay)}"
        )

"""Failure consequences: the causal chain the graph describes, made concrete by a simulation.

:func:`failure_consequences` reads the chain of an event from the graph
(:mod:`~service.queries.causal_chain`) and numbers its steps. Then, for

- a **simple scenario** (nodes of CPU and memory, Deployments of identical pods), it runs
  :func:`~service.queries.simulation.simulate` and tells each step of the chain for that
  cluster (:mod:`~service.queries.narration`); the timings come from the graph;
- a **real cluster** (a :class:`~service.kube.model.ClusterSnapshot`: imported, named, or
  a scenario using zones, taints, constraints, StatefulSets…), it runs
  :func:`~service.simulation.simulate.simulate_cluster`, whose steps carry their own times
  and the pods they act on; each step cites the graph's relation leading to the same
  effect in the event's chain (else the effect's own sources).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.domain import Source
from service.knowledge import KnowledgeGraph
from service.kube.model import AutoscalerConfig, ClusterSnapshot
from service.queries.causal_chain import ChainLink, causal_chain, event_entity
from service.queries.cluster_outcome import ScenarioOutcome
from service.queries.narration import ScenarioStory, generic_description
from service.queries.scenario import Scenario
from service.queries.simulation import FailureEvent, as_failure_event, simulate
from service.simulation.report import ClusterReport, Step
from service.simulation.simulate import simulate_cluster


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
    pods: tuple[str, ...] = ()  # the pods it acts on (``namespace/name``), the first few
    pod_count: int = 0  # how many pods it acts on in all

    @property
    def external(self) -> bool:
        """True when only knowledge beyond the notes supports the step."""
        return bool(self.sources) and all(s.external for s in self.sources)


@dataclass(frozen=True, slots=True)
class FailureAnalysis:
    event: FailureEvent
    steps: tuple[ConsequenceStep, ...]
    outcome: ScenarioOutcome | None = None
    cluster: ClusterReport | None = None  # the full simulation of a real cluster


def failure_consequences(
    kg: KnowledgeGraph,
    event: FailureEvent | str,
    target: str | None = None,
    scenario: Scenario | None = None,
    cluster: ClusterSnapshot | None = None,
    autoscaler: AutoscalerConfig | None = None,
) -> FailureAnalysis:
    """What happens when ``event`` occurs: the causal chain, and the outcome for a scenario.

    Parameters
    ----------
    kg : the knowledge graph.
    event : a :class:`~service.queries.simulation.FailureEvent` (or its name).
    target : what fails, in the scenario (see :func:`~service.queries.simulation.simulate`);
        without a scenario the chain is generic and ``target`` is not used.
    scenario : a simple cluster to simulate the event on.
    cluster : a real cluster to simulate the event on (instead of ``scenario``).
    autoscaler : the cluster autoscaler for ``cluster`` (node groups, limits).

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
    if cluster is not None:
        full = simulate_cluster(cluster, event, target, autoscaler)
        return FailureAnalysis(event, _cited(kg, event, links, full.steps), cluster=full)
    if scenario is None:
        steps = [(link, generic_description(kg, link)) for link in links]
        return FailureAnalysis(event, _numbered(kg, steps))
    report = simulate(scenario, event, target)
    story = ScenarioStory(kg, report, scenario)
    told = [(link, text) for link in links for text in story.tell(link)]
    return FailureAnalysis(event, _numbered(kg, told), report.outcome)


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


def _cited(
    kg: KnowledgeGraph, event: FailureEvent, links: Sequence[ChainLink], steps: Sequence[Step]
) -> tuple[ConsequenceStep, ...]:
    """A full simulation's steps, each cited by the chain's relation to the same effect."""
    start = event_entity(kg, event)
    leading: dict[str, ChainLink] = {}
    for link in links:
        leading.setdefault(link.relation.target, link)
    cited = []
    for order, step in enumerate(steps, start=1):
        found = leading.get(step.effect)
        effect = kg.get(step.effect) or start
        relation = None if found is None else found.relation
        condition = None if relation is None else relation.attributes.get("condition")
        cited.append(
            ConsequenceStep(
                order=order,
                at_seconds=step.at_seconds,
                actor=step.actor,
                actor_id="" if relation is None else str(relation.attributes.get("actor", "")),
                description=step.description,
                sources=effect.sources if relation is None else relation.sources,
                cause=start.id if relation is None else relation.source,
                effect=effect.id,
                condition=None if condition is None else str(condition),
                pods=step.pods,
                pod_count=step.pod_count,
            )
        )
    return tuple(cited)

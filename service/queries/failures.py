"""Failure consequences: the causal chain the graph describes, made concrete by a simulation.

:func:`failure_consequences` reads the chain of an event from the graph
(:mod:`~service.queries.causal_chain`) and numbers its steps, told in general terms
(the effect's name and summary, and its condition; the timings come from the graph).
Given a cluster (a :class:`~service.kube.model.ClusterSnapshot`: written by hand, imported or
a kubectl snapshot) it runs :func:`~service.simulation.simulate.simulate_cluster` instead,
whose steps carry their own times and the pods they act on; each step cites the graph's
relation leading to the same effect in the event's chain (else the effect's own sources).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.domain import Source
from service.knowledge import KnowledgeGraph
from service.kube.model import AutoscalerConfig, ClusterSnapshot
from service.queries.causal_chain import ChainLink, causal_chain, event_entity
from service.simulation.events import ClusterEvent, as_cluster_event
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
    event: ClusterEvent
    steps: tuple[ConsequenceStep, ...]
    cluster: ClusterReport | None = None  # the simulation, given a cluster


def failure_consequences(
    kg: KnowledgeGraph,
    event: ClusterEvent | str,
    target: str | None = None,
    cluster: ClusterSnapshot | None = None,
    autoscaler: AutoscalerConfig | None = None,
) -> FailureAnalysis:
    """What happens when ``event`` occurs: the causal chain, and what it does to a cluster.

    Parameters
    ----------
    kg : the knowledge graph.
    event : a :class:`~service.simulation.events.ClusterEvent` (or its name).
    target : what fails in ``cluster`` (see :func:`~service.simulation.events.resolve_target`);
        without a cluster the chain is generic and ``target`` is not used.
    cluster : the cluster to simulate the event on.
    autoscaler : the cluster autoscaler for ``cluster`` (node groups, limits).

    Returns
    -------
    FailureAnalysis : ordered steps (numbered from 1) and, with a cluster, the simulation.

    Raises
    ------
    InvalidArgument : an unknown event, one no event entity of the graph stands for, or
        a ``target`` the cluster has no use for, or names nothing in it.

    Examples
    --------
    >>> [s.actor for s in failure_consequences(load_graph(), "POD_CRASHED").steps]
    ['Kubelet']
    """
    event = as_cluster_event(event)
    links = causal_chain(kg, event)
    if cluster is not None:
        full = simulate_cluster(cluster, event, target, autoscaler)
        return FailureAnalysis(event, _cited(kg, event, links, full.steps), cluster=full)
    steps = [(link, _generic_description(kg, link)) for link in links]
    return FailureAnalysis(event, _numbered(kg, steps))


def _generic_description(kg: KnowledgeGraph, link: ChainLink) -> str:
    """The step as the graph states it: the effect's name and summary, and its condition."""
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


def _cited(
    kg: KnowledgeGraph, event: ClusterEvent, links: Sequence[ChainLink], steps: Sequence[Step]
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

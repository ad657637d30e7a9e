"""Failure consequences: the causal chain the graph describes, made concrete by a simulation.

:func:`failure_consequences` reads the chain of an event from the graph
(:mod:`~service.queries.causal_chain`), numbers its steps and, given a scenario, runs
:func:`~service.queries.simulation.simulate` and tells each step for that cluster
(:mod:`~service.queries.narration`). The timings still come from the graph; the
simulation only knows what happens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.domain import Source
from service.knowledge import KnowledgeGraph
from service.queries.causal_chain import ChainLink, causal_chain
from service.queries.cluster_outcome import ScenarioOutcome
from service.queries.narration import ScenarioStory, generic_description
from service.queries.scenario import Scenario
from service.queries.simulation import FailureEvent, as_failure_event, simulate


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

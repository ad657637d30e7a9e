"""The answers a wiki can embed: their arguments, the query behind each, their formats.

``GET /embed/{answer}.{format}?{arguments}`` looks the answer up in :data:`ANSWERS`,
reads the arguments with :meth:`Answer.parse` (see :mod:`service.render.arguments`)
and renders with :meth:`Answer.render`. An answer is asked of the graph and of the cluster
scenarios served next to it (``serve --scenarios``; none by default). Everything here is
pure: the HTTP layer adds the URL, caching headers and threads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from service.domain import EntityKind, RelationType
from service.errors import EntityNotFound, InvalidArgument
from service.knowledge import KnowledgeGraph
from service.queries.blast import blast_radius
from service.queries.comparison import Comparison, comparable_entities, compare
from service.queries.recommendation import recommend, requirements
from service.queries.stacks import stack_path
from service.render import blast_radius as blast_render
from service.render import comparison as comparison_render
from service.render import entity as entity_render
from service.render import failure as failure_render
from service.render import recommendation as recommendation_render
from service.render import stack_path as stack_render
from service.render.arguments import (
    NOTHING_SERVED,
    Arguments,
    Param,
    Served,
    explain,
    parse_arguments,
)
from service.render.formats import Embed, Format
from service.simulation.events import ClusterEvent

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Answer(Generic[R]):
    """An embeddable answer: how to ask the graph, and how to render the result."""

    name: str
    summary: str
    params: tuple[Param, ...]
    ask: Callable[[KnowledgeGraph, Arguments, Served], R]
    renderers: Mapping[Format, Callable[[R, Embed], str]]
    heavy: Callable[[Arguments], bool] = lambda arguments: False

    @property
    def formats(self) -> list[Format]:
        return list(self.renderers)

    def usage(self) -> str:
        """``/embed/comparison.{md,html}?left=…&right=…[&dimensions=…,…]``."""
        formats = ",".join(f.value for f in self.renderers)
        parts = []
        for p in self.params:
            part = f"{p.name}=…" + (",…" if p.repeatable else "")
            parts.append(f"&{part}" if p.required else f"[&{part}]")
        return f"/embed/{self.name}.{{{formats}}}?{''.join(parts).removeprefix('&')}"

    def parse(
        self,
        items: Iterable[tuple[str, str]],
        kg: KnowledgeGraph,
        served: Served = NOTHING_SERVED,
    ) -> Arguments:
        """The query string's ``items`` as normalised arguments; raises InvalidArgument."""
        return parse_arguments(self.name, self.params, items, kg, served)

    def explain(
        self,
        kg: KnowledgeGraph,
        error: InvalidArgument | EntityNotFound,
        served: Served = NOTHING_SERVED,
    ) -> str:
        """A query's error message, with valid values where it gave none."""
        return explain(self.params, kg, error, served)

    def render(
        self,
        kg: KnowledgeGraph,
        arguments: Arguments,
        format: Format,
        embed: Embed,
        served: Served = NOTHING_SERVED,
    ) -> str:
        """Ask the graph (and ``served``) and render the result; raises ArchgraphErrors."""
        return self.renderers[format](self.ask(kg, arguments, served), embed)


# -- valid values, for error messages ------------------------------------------------------
def _all_ids(kg: KnowledgeGraph, served: Served) -> list[str]:
    return sorted(e.id for e in kg.entities())


def _comparable_ids(kg: KnowledgeGraph, served: Served) -> list[str]:
    return comparable_entities(kg)


def _stack_ids(kg: KnowledgeGraph, served: Served) -> list[str]:
    ends = {(r.source, r.target) for r in kg.relations() if r.type is RelationType.RUNS_ON}
    return sorted({end for pair in ends for end in pair})


def _dimension_ids(kg: KnowledgeGraph, served: Served) -> list[str]:
    return [e.id for e in kg.entities(EntityKind.DIMENSION)]


def _requirement_ids(kg: KnowledgeGraph, served: Served) -> list[str]:
    return [e.id for e in requirements(kg)]


def _scenario_names(kg: KnowledgeGraph, served: Served) -> list[str]:
    return sorted({*kg.scenarios, *served})


def _events(kg: KnowledgeGraph, served: Served) -> list[str]:
    return [e.value for e in ClusterEvent]


def _event_name(value: str) -> str:
    return value.strip().upper().replace("-", "_")


# -- the answers -----------------------------------------------------------------------------
def _comparison(kg: KnowledgeGraph, a: Arguments, served: Served) -> Comparison:
    return compare(kg, a.one("left"), a.one("right"), a.values("dimensions"))


def _stack_path(kg: KnowledgeGraph, a: Arguments, served: Served) -> stack_render.StackPathAnswer:
    source, target = a.one("from"), a.one("to")
    path = stack_path(kg, source, target)
    return stack_render.StackPathAnswer(kg.entity(source), kg.entity(target), path)


def _failure(kg: KnowledgeGraph, a: Arguments, served: Served) -> failure_render.FailureAnswer:
    return failure_render.failure_answer(
        kg, a.one("event"), a.get("target"), a.get("scenario"), served
    )


_ENTITY = "an entity id"
ANSWERS: dict[str, Answer[Any]] = {
    answer.name: answer
    for answer in (
        Answer(
            "comparison",
            "two platforms compared dimension by dimension",
            (
                Param("left", "an entity with comparison values", valid=_comparable_ids),
                Param("right", "an entity with comparison values", valid=_comparable_ids),
                Param(
                    "dimensions",
                    "dimension ids",
                    required=False,
                    repeatable=True,
                    valid=_dimension_ids,
                ),
            ),
            _comparison,
            {
                Format.MARKDOWN: comparison_render.to_markdown,
                Format.HTML: comparison_render.to_html,
            },
        ),
        Answer(
            "recommendation",
            "VM, containers or both for a set of requirements",
            (
                Param(
                    "requirements",
                    "requirement or situation ids",
                    repeatable=True,
                    valid=_requirement_ids,
                ),
            ),
            lambda kg, a, served: recommend(kg, a.values("requirements") or ()),
            {
                Format.MARKDOWN: recommendation_render.to_markdown,
                Format.HTML: recommendation_render.to_html,
                Format.MERMAID: recommendation_render.to_mermaid,
            },
        ),
        Answer(
            "stack-path",
            "the layers from one entity down (or up) to another",
            (
                Param("from", "an entity on a stack", valid=_stack_ids),
                Param("to", "an entity on a stack", valid=_stack_ids),
            ),
            _stack_path,
            {
                Format.MARKDOWN: stack_render.to_markdown,
                Format.HTML: stack_render.to_html,
                Format.MERMAID: stack_render.to_mermaid,
                Format.SVG: stack_render.to_svg,
            },
        ),
        Answer(
            "blast-radius",
            "what fails when an entity fails",
            (Param("id", _ENTITY, valid=_all_ids),),
            lambda kg, a, served: blast_radius(kg, a.one("id")),
            {
                Format.MARKDOWN: blast_render.to_markdown,
                Format.HTML: blast_render.to_html,
                Format.MERMAID: blast_render.to_mermaid,
                Format.SVG: blast_render.to_svg,
            },
        ),
        Answer(
            "entity",
            "one entity, its sources and relations",
            (Param("id", _ENTITY, valid=_all_ids),),
            lambda kg, a, served: entity_render.entity_answer(kg, a.one("id")),
            {
                Format.MARKDOWN: entity_render.to_markdown,
                Format.HTML: entity_render.to_html,
                Format.MERMAID: entity_render.to_mermaid,
            },
        ),
        Answer(
            "failure",
            "what happens when something fails, optionally simulated on a named scenario",
            (
                Param("event", "a failure event", valid=_events, normalise=_event_name),
                Param(
                    "target",
                    "a node, zone, pod or workload of the scenario",
                    required=False,
                ),
                Param("scenario", "a scenario's name", required=False, valid=_scenario_names),
            ),
            _failure,
            {
                Format.MARKDOWN: failure_render.to_markdown,
                Format.HTML: failure_render.to_html,
                Format.MERMAID: failure_render.to_mermaid,
                Format.SVG: failure_render.to_svg,
            },
            heavy=lambda a: a.get("scenario") is not None,
        ),
    )
}

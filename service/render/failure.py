"""Failure consequences: the timeline of what happens and, for a scenario, the outcome.

``scenario=NAME`` names a pack's scenario (``graph_data/scenarios/``) or an imported one
served next to the graph (``serve --scenarios``; an imported one wins a shared name). The
simulation renders as :mod:`service.render.cluster_failure` says: the pods each step acts on,
and a table of the workloads after. Without a scenario the graph's causal chain is told in
general terms.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.domain import Entity, EntityKind
from service.errors import InvalidArgument
from service.knowledge import KnowledgeGraph
from service.queries.cluster_request import ClusterRequest
from service.queries.failures import ConsequenceStep, FailureAnalysis, failure_consequences
from service.render import cluster_failure, html, markdown, mermaid, svg
from service.render.arguments import NOTHING_SERVED, Served
from service.render.citations import Citations
from service.render.formats import Embed
from service.simulation.events import ClusterEvent, as_cluster_event

STEP_HEADER = ["#", "At", "Actor", "What happens", "Sources"]
CLUSTER_STEP_HEADER = ["#", "At", "Actor", "What happens", "Pods", "Sources"]


@dataclass(frozen=True, slots=True)
class FailureAnswer:
    """The analysis with what was asked: the event's entity, the target, the scenario's name
    and the description its file gives."""

    analysis: FailureAnalysis
    event: Entity | None
    target: str | None
    scenario: str | None
    scenario_description: str = ""


def failure_answer(
    kg: KnowledgeGraph,
    event: str,
    target: str | None,
    scenario: str | None,
    served: Served = NOTHING_SERVED,
) -> FailureAnswer:
    """Analyse ``event`` (on ``target`` in the named ``scenario``, if given).

    ``served``: the imported scenarios, by name, next to the packs' own.

    Raises
    ------
    InvalidArgument : an unknown event or scenario, a target without a scenario, or a
        target the scenario has no use for (the message names the field).
    """
    failure_event = as_cluster_event(event)
    if target is not None and scenario is None:
        raise InvalidArgument(
            "target", "is only used with a scenario; add scenario=<name> or drop the target"
        )
    analysis, description = _analyse(kg, failure_event, target, scenario, served)
    entity = next(
        (
            e
            for e in kg.entities(EntityKind.EVENT)
            if e.attributes.get("failure_event") == failure_event.value
        ),
        None,
    )
    return FailureAnswer(analysis, entity, target, scenario, description)


def _analyse(
    kg: KnowledgeGraph,
    event: ClusterEvent,
    target: str | None,
    scenario: str | None,
    served: Served,
) -> tuple[FailureAnalysis, str]:
    """The analysis, and the scenario's description (see the module docstring)."""
    if scenario is None:
        return failure_consequences(kg, event, target), ""
    request = ClusterRequest(None, scenario, None, None, name_field="scenario")
    cluster, autoscaler = request.resolve(kg, served)
    analysis = failure_consequences(kg, event, target, cluster, autoscaler)
    return analysis, "" if cluster is None else cluster.description


def title(answer: FailureAnswer) -> str:
    name = answer.event.name if answer.event is not None else answer.analysis.event.value
    where = f" on {answer.target}" if answer.target else ""
    scenario = f" (scenario {answer.scenario})" if answer.scenario else ""
    return f"Failure: {name}{where}{scenario}"


def when(seconds: float | None) -> str:
    """``0 s``, ``50 s``, ``5 min 50 s``; ``—`` when the graph gives no timing."""
    if seconds is None:
        return "—"
    minutes, rest = divmod(seconds, 60)
    if not minutes:
        return f"{rest:g} s"
    return f"{minutes:g} min" + (f" {rest:g} s" if rest else "")


def _description(step: ConsequenceStep) -> str:
    return step.description + (" (beyond the notes)" if step.external else "")


def _step_rows(answer: FailureAnswer, citations: Citations) -> list[list[str]]:
    if answer.analysis.cluster is not None:
        return [
            [
                str(s.order),
                when(s.at_seconds),
                s.actor,
                _description(s),
                cluster_failure.pods_text(s.pods, s.pod_count),
                citations.marks(s.sources),
            ]
            for s in answer.analysis.steps
        ]
    return [
        [str(s.order), when(s.at_seconds), s.actor, _description(s), citations.marks(s.sources)]
        for s in answer.analysis.steps
    ]


def _step_header(answer: FailureAnswer) -> list[str]:
    return CLUSTER_STEP_HEADER if answer.analysis.cluster is not None else STEP_HEADER


def _step_text(step: ConsequenceStep) -> str:
    """The step's description, with the pods it acts on (a simulated step)."""
    if not (step.pods or step.pod_count):
        return _description(step)
    return f"{_description(step)}. Pods: {cluster_failure.pods_text(step.pods, step.pod_count)}."


@dataclass(frozen=True, slots=True)
class _OutcomeView:
    """An outcome as every format shows it: a sentence, a table (and a line after it), a
    short version for diagrams (``detail``) and timelines (``note``)."""

    summary: str
    rows: list[list[str]]  # under cluster_failure.WORKLOAD_HEADER
    after: str
    detail: str
    note: str
    available: bool


def _outcome(answer: FailureAnswer) -> _OutcomeView | None:
    cluster = answer.analysis.cluster
    if cluster is None:
        return None
    result = cluster.outcome
    summary = cluster_failure.outcome_summary(result)
    short = cluster_failure.short_counts(result)
    rows = cluster_failure.workload_rows(result)
    return _OutcomeView(
        summary=summary,
        rows=rows,
        after=cluster_failure.others_line(result),
        detail=short,
        note=f"{summary} Left short: {short}." if rows else summary,
        available=result.available,
    )


def _scenario(answer: FailureAnswer) -> str:
    described = f": {answer.scenario_description}" if answer.scenario_description else ""
    return f"Scenario {answer.scenario}{described}"


def _intro(answer: FailureAnswer, citations: Citations) -> tuple[str, str]:
    """The event's summary and its citation marks."""
    if answer.event is None:
        return "", ""
    return answer.event.summary, citations.marks(answer.event.sources)


def to_markdown(answer: FailureAnswer, embed: Embed) -> str:
    citations = Citations()
    summary, marks = _intro(answer, citations)
    body = [f"{markdown.inline(summary)} {marks}".strip()] if summary else []
    if answer.scenario is not None:
        body.append(markdown.inline(_scenario(answer)))
    body.append(markdown.table(_step_header(answer), _step_rows(answer, citations)))
    outcome = _outcome(answer)
    if outcome is not None:
        body.append(markdown.inline(outcome.summary))
        if outcome.rows:
            body.append(markdown.table(cluster_failure.WORKLOAD_HEADER, outcome.rows))
        if outcome.after:
            body.append(markdown.inline(outcome.after))
    return markdown.page(title(answer), body, citations.markdown(), embed.permalink, embed.version)


def to_html(answer: FailureAnswer, embed: Embed) -> str:
    citations = Citations()
    summary, marks = _intro(answer, citations)
    body = [html.paragraph(summary, marks)] if summary else []
    if answer.scenario is not None:
        body.append(html.paragraph(_scenario(answer)))
    body.append(html.table(_step_header(answer), _step_rows(answer, citations)))
    outcome = _outcome(answer)
    if outcome is not None:
        body.append(html.paragraph(outcome.summary))
        if outcome.rows:
            body.append(html.table(cluster_failure.WORKLOAD_HEADER, outcome.rows))
        if outcome.after:
            body.append(html.paragraph(outcome.after))
    return html.fragment("failure", title(answer), body, citations, embed)


def to_mermaid(answer: FailureAnswer, embed: Embed) -> str:
    """The steps top to bottom in the order they happen, the event first."""
    citations = Citations()
    summary, marks = _intro(answer, citations)
    lines = [mermaid.node("event", f"{title(answer)} {marks}".strip(), summary)]
    previous = "event"
    for step in answer.analysis.steps:
        node = f"step-{step.order}"
        head = (
            f"{step.order}. {when(step.at_seconds)} · {step.actor} {citations.marks(step.sources)}"
        )
        lines.append(mermaid.node(node, head, _step_text(step)))
        lines.append(mermaid.edge(previous, node))
        previous = node
    outcome = _outcome(answer)
    if outcome is not None:
        lines.append(mermaid.node("outcome", outcome.summary, outcome.detail))
        lines.append(mermaid.edge(previous, "outcome"))
        style = (
            "fill:#d9f2dd,stroke:#2f7d3a" if outcome.available else "fill:#f8d7da,stroke:#b02a37"
        )
        lines += mermaid.style_class("outcome", style, ["outcome"])
    lines += mermaid.style_class("event", "fill:#f8d7da,stroke:#b02a37", ["event"])
    return mermaid.document(title(answer), "TB", lines, citations, embed)


def to_svg(answer: FailureAnswer, embed: Embed) -> str:
    """A timeline: when each step happens, who acts and what it does."""
    citations = Citations()
    summary, marks = _intro(answer, citations)
    moments = [svg.Moment("0 s", "Event", f"{summary} {marks}".strip())] if summary else []
    moments += [
        svg.Moment(when(s.at_seconds), s.actor, f"{_step_text(s)} {citations.marks(s.sources)}")
        for s in answer.analysis.steps
    ]
    notes = [embed.stamp]
    outcome = _outcome(answer)
    if outcome is not None:
        notes.append(outcome.note)
    notes += [f"[{c.number}] {c.text()}" for c in citations.entries]
    return svg.timeline(title(answer), moments, notes, embed.permalink)

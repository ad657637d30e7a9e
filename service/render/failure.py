"""Failure consequences: the timeline of what happens and, for a scenario, the outcome."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from service.domain import Entity, EntityKind
from service.errors import InvalidArgument
from service.knowledge import KnowledgeGraph
from service.queries.cluster_outcome import ScenarioOutcome
from service.queries.failures import ConsequenceStep, FailureAnalysis, failure_consequences
from service.queries.scenario import named_scenario
from service.queries.simulation import as_failure_event
from service.render import html, markdown, mermaid, svg
from service.render.citations import Citations
from service.render.formats import Embed

STEP_HEADER = ["#", "At", "Actor", "What happens", "Sources"]
OUTCOME_HEADER = ["Deployment", "Desired", "Running", "Pending", "Pending reason"]


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
    kg: KnowledgeGraph, event: str, target: str | None, scenario: str | None
) -> FailureAnswer:
    """Analyse ``event`` (on ``target`` in the named ``scenario``, if given).

    Raises
    ------
    InvalidArgument : an unknown event or scenario, a target without a scenario, or a
        target the scenario has no use for (the message names the field).
    """
    failure_event = as_failure_event(event)
    if target is not None and scenario is None:
        raise InvalidArgument(
            "target", "is only used with a scenario; add scenario=<name> or drop the target"
        )
    cluster = None if scenario is None else named_scenario(kg, scenario)
    analysis = failure_consequences(kg, failure_event, target, cluster)
    entity = next(
        (
            e
            for e in kg.entities(EntityKind.EVENT)
            if e.attributes.get("failure_event") == failure_event.value
        ),
        None,
    )
    data = kg.scenarios.get(scenario) if scenario is not None else None
    description = data.get("description") if isinstance(data, Mapping) else None
    return FailureAnswer(analysis, entity, target, scenario, str(description or ""))


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
    return [
        [str(s.order), when(s.at_seconds), s.actor, _description(s), citations.marks(s.sources)]
        for s in answer.analysis.steps
    ]


def outcome_summary(outcome: ScenarioOutcome) -> str:
    state = "stays available" if outcome.available else "is unavailable"
    added = outcome.nodes_added
    return (
        f"Outcome: the application {state}; the autoscaler added {added} "
        f"node{'s' if added != 1 else ''}."
    )


def _outcome_rows(outcome: ScenarioOutcome) -> list[list[str]]:
    return [
        [d.name, str(d.desired), str(d.running), str(d.pending), d.pending_reason or "—"]
        for d in outcome.deployments
    ]


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
    body.append(markdown.table(STEP_HEADER, _step_rows(answer, citations)))
    outcome = answer.analysis.outcome
    if outcome is not None:
        body += [
            markdown.inline(outcome_summary(outcome)),
            markdown.table(OUTCOME_HEADER, _outcome_rows(outcome)),
        ]
    return markdown.page(title(answer), body, citations.markdown(), embed.permalink, embed.version)


def to_html(answer: FailureAnswer, embed: Embed) -> str:
    citations = Citations()
    summary, marks = _intro(answer, citations)
    body = [html.paragraph(summary, marks)] if summary else []
    if answer.scenario is not None:
        body.append(html.paragraph(_scenario(answer)))
    body.append(html.table(STEP_HEADER, _step_rows(answer, citations)))
    outcome = answer.analysis.outcome
    if outcome is not None:
        body += [
            html.paragraph(outcome_summary(outcome)),
            html.table(OUTCOME_HEADER, _outcome_rows(outcome)),
        ]
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
        lines.append(mermaid.node(node, head, _description(step)))
        lines.append(mermaid.edge(previous, node))
        previous = node
    outcome = answer.analysis.outcome
    if outcome is not None:
        lines.append(mermaid.node("outcome", outcome_summary(outcome), _counts(outcome)))
        lines.append(mermaid.edge(previous, "outcome"))
        style = (
            "fill:#d9f2dd,stroke:#2f7d3a" if outcome.available else "fill:#f8d7da,stroke:#b02a37"
        )
        lines += mermaid.style_class("outcome", style, ["outcome"])
    lines += mermaid.style_class("event", "fill:#f8d7da,stroke:#b02a37", ["event"])
    return mermaid.document(title(answer), "TB", lines, citations, embed)


def _counts(outcome: ScenarioOutcome) -> str:
    return ", ".join(f"{d.name} {d.running}/{d.desired} running" for d in outcome.deployments)


def to_svg(answer: FailureAnswer, embed: Embed) -> str:
    """A timeline: when each step happens, who acts and what it does."""
    citations = Citations()
    summary, marks = _intro(answer, citations)
    moments = [svg.Moment("0 s", "Event", f"{summary} {marks}".strip())] if summary else []
    moments += [
        svg.Moment(when(s.at_seconds), s.actor, f"{_description(s)} {citations.marks(s.sources)}")
        for s in answer.analysis.steps
    ]
    notes = [embed.stamp]
    outcome = answer.analysis.outcome
    if outcome is not None:
        notes.append(f"{outcome_summary(outcome)} {_counts(outcome)}.")
    notes += [f"[{c.number}] {c.text()}" for c in citations.entries]
    return svg.timeline(title(answer), moments, notes, embed.permalink)

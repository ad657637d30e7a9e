"""A stack path: the layers from one entity to another, each hop and what it crosses."""

from __future__ import annotations

from dataclasses import dataclass

from service.domain import Entity
from service.queries.stacks import StackHop, StackLayer, StackPath
from service.render import html, markdown, mermaid, svg
from service.render.citations import Citations
from service.render.formats import Embed


@dataclass(frozen=True, slots=True)
class StackPathAnswer:
    """The two ends asked about and the path between them (None: no stack path joins them)."""

    source: Entity
    target: Entity
    path: StackPath | None


def title(answer: StackPathAnswer) -> str:
    return f"Stack path: {answer.source.name} → {answer.target.name}"


def _none(answer: StackPathAnswer) -> str:
    return f"No stack path joins {answer.source.name} and {answer.target.name}."


def _name(entity: Entity | None) -> str:
    return entity.name if entity is not None else "—"


def _hop_text(hop: StackHop) -> str:
    text = f"{hop.source.name} {hop.label.replace('_', ' ')} {hop.target.name}"
    if hop.isolation_boundary is not None:
        text += f", across {hop.isolation_boundary.name}"
    return text


def _summary(path: StackPath) -> str:
    strongest = _name(path.strongest_isolation)
    kernels = f"{path.kernel_count} kernel{'s' if path.kernel_count != 1 else ''}"
    return f"{len(path.layers)} layers, {kernels}; strongest isolation: {strongest}."


def _tables(
    path: StackPath, citations: Citations
) -> tuple[list[str], list[list[str]], list[str], list[str]]:
    """Layer table (header, rows), hop lines, and the summary line with its marks."""
    header = ["#", "Layer", "Kind", "Kernel", "Isolation", "Sources"]
    rows = [
        [
            str(i),
            layer.entity.name,
            layer.entity.kind.value,
            _name(layer.kernel),
            _name(layer.isolation),
            citations.marks(layer.entity.sources),
        ]
        for i, layer in enumerate(path.layers, start=1)
    ]
    hops = [f"{_hop_text(hop)} {citations.marks(hop.sources)}" for hop in path.hops]
    strongest = path.strongest_isolation
    summary = [_summary(path), citations.marks(strongest.sources) if strongest else ""]
    return header, rows, hops, summary


def to_markdown(answer: StackPathAnswer, embed: Embed) -> str:
    citations = Citations()
    if answer.path is None:
        body = [markdown.inline(_none(answer))]
    else:
        header, rows, hops, (summary, marks) = _tables(answer.path, citations)
        body = [markdown.table(header, rows)]
        if hops:
            body += [
                "Hops:",
                "\n".join(f"{i}. {markdown.inline(h)}" for i, h in enumerate(hops, 1)),
            ]
        body.append(f"{markdown.inline(summary)} {marks}".rstrip())
    return markdown.page(title(answer), body, citations.markdown(), embed.permalink, embed.version)


def to_html(answer: StackPathAnswer, embed: Embed) -> str:
    citations = Citations()
    if answer.path is None:
        body = [html.paragraph(_none(answer))]
    else:
        header, rows, hops, (summary, marks) = _tables(answer.path, citations)
        body = [html.table(header, rows)]
        if hops:
            body += [html.paragraph("Hops:"), html.items(hops, ordered=True)]
        body.append(html.paragraph(summary, marks))
    return html.fragment("stack-path", title(answer), body, citations, embed)


def to_mermaid(answer: StackPathAnswer, embed: Embed) -> str:
    """Layers top to bottom, each hop an arrow labelled with its relation and citations."""
    citations = Citations()
    if answer.path is None:
        lines = [
            mermaid.node(answer.source.id, answer.source.name),
            mermaid.node(answer.target.id, answer.target.name),
            mermaid.comment(_none(answer)),
        ]
        return mermaid.document(title(answer), "TB", lines, citations, embed)
    lines = []
    for layer in answer.path.layers:
        name = f"{layer.entity.name} {citations.marks(layer.entity.sources)}"
        lines.append(mermaid.node(layer.entity.id, name, _detail(layer)))
    for hop in answer.path.hops:
        text = f"{hop.label.replace('_', ' ')} {citations.marks(hop.sources)}"
        lines.append(mermaid.edge(hop.source.id, hop.target.id, text))
    return mermaid.document(title(answer), "TB", lines, citations, embed)


def _detail(layer: StackLayer) -> str:
    parts = []
    if layer.kernel is not None:
        parts.append(f"kernel: {layer.kernel.name}")
    if layer.isolation is not None:
        parts.append(f"isolation: {layer.isolation.name}")
    return " · ".join(parts) or layer.entity.kind.value


def to_svg(answer: StackPathAnswer, embed: Embed) -> str:
    """The layers as a chain of boxes; each arrow says the relation and the boundary crossed."""
    citations = Citations()
    if answer.path is None:
        return svg.message(title(answer), _none(answer), [embed.stamp], embed.permalink)
    boxes = []
    for layer in answer.path.layers:
        citations.cite(layer.entity.sources)
        boxes.append(svg.Box(layer.entity.name, _detail(layer)))
    labels = [f"{_hop_text(hop)} {citations.marks(hop.sources)}" for hop in answer.path.hops]
    summary = _summary(answer.path)
    notes = [embed.stamp, summary, *(f"[{c.number}] {c.text()}" for c in citations.entries)]
    return svg.chain(title(answer), boxes, labels, notes, embed.permalink)

"""The graph written out for other tools: node-link JSON, GraphML (Gephi, yEd), Mermaid."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from enum import StrEnum

import networkx as nx

from service.domain import Entity, EntityKind, Source
from service.errors import InvalidArgument
from service.knowledge import KnowledgeGraph


class ExportFormat(StrEnum):
    JSON = "json"
    GRAPHML = "graphml"
    MERMAID = "mermaid"


MEDIA_TYPES = {
    ExportFormat.JSON: "application/json",
    ExportFormat.GRAPHML: "application/graphml+xml",
    ExportFormat.MERMAID: "text/vnd.mermaid",
}


def _sources(sources: Iterable[Source]) -> list[dict[str, object]]:
    return [
        {
            "document": s.document,
            "section": s.section,
            "line": s.line,
            "quote": s.quote,
            "external": s.external,
        }
        for s in sources
    ]


def plain_graph(kg: KnowledgeGraph, kinds: Iterable[EntityKind] = ()) -> nx.MultiDiGraph:
    """A copy of the graph with plain, serialisable attributes (optionally only some kinds).

    Nodes carry ``kind``, ``name``, ``summary``, ``aliases``, ``sources``; edges carry
    ``type`` and ``sources``, keyed by type. The graph attribute ``version`` is the
    knowledge version.
    """
    wanted = set(kinds)
    keep: Callable[[Entity], bool] = (lambda e: e.kind in wanted) if wanted else (lambda e: True)
    graph = nx.MultiDiGraph(version=kg.version)
    for entity in kg.entities():
        if keep(entity):
            graph.add_node(
                entity.id,
                kind=entity.kind.value,
                name=entity.name,
                summary=entity.summary,
                aliases=list(entity.aliases),
                sources=_sources(entity.sources),
            )
    for relation in kg.relations():
        if relation.source in graph and relation.target in graph:
            graph.add_edge(
                relation.source,
                relation.target,
                key=relation.type.value,
                type=relation.type.value,
                sources=_sources(relation.sources),
            )
    return graph


def to_node_link_json(graph: nx.MultiDiGraph) -> str:
    """Node-link JSON exactly as ``networkx.node_link_data`` lays it out."""
    return json.dumps(nx.node_link_data(graph, edges="links"), ensure_ascii=False, indent=1) + "\n"


def to_graphml(graph: nx.MultiDiGraph) -> str:
    """GraphML with scalar attributes only (lists and sources as JSON text), ``label`` for viewers."""
    flat = nx.MultiDiGraph(version=graph.graph.get("version", ""))
    for node, data in graph.nodes(data=True):
        flat.add_node(
            node,
            label=data["name"],
            kind=data["kind"],
            summary=data["summary"],
            aliases="; ".join(data["aliases"]),
            sources=json.dumps(data["sources"], ensure_ascii=False),
        )
    for source, target, key, data in graph.edges(keys=True, data=True):
        flat.add_edge(
            source,
            target,
            key=key,
            label=data["type"],
            type=data["type"],
            sources=json.dumps(data["sources"], ensure_ascii=False),
        )
    return "\n".join(nx.generate_graphml(flat)) + "\n"


def mermaid_id(entity_id: str) -> str:
    """A Mermaid-safe node id (letters, digits, underscores)."""
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", entity_id)


def mermaid_label(text: str) -> str:
    """Text safe inside a quoted Mermaid label."""
    return text.replace('"', "#quot;")


def to_mermaid(graph: nx.MultiDiGraph) -> str:
    """A Mermaid flowchart: one node per entity (name, kind), one labelled arrow per relation."""
    lines = [f"%% archgraph {graph.graph.get('version', '')}", "flowchart LR"]
    for node, data in graph.nodes(data=True):
        lines.append(
            f'  {mermaid_id(node)}["{mermaid_label(data["name"])}<br/><i>{data["kind"]}</i>"]'
        )
    for source, target, data in graph.edges(data=True):
        lines.append(f"  {mermaid_id(source)} -->|{data['type']}| {mermaid_id(target)}")
    return "\n".join(lines) + "\n"


WRITERS: dict[ExportFormat, Callable[[nx.MultiDiGraph], str]] = {
    ExportFormat.JSON: to_node_link_json,
    ExportFormat.GRAPHML: to_graphml,
    ExportFormat.MERMAID: to_mermaid,
}


def parse_kinds(names: Iterable[str], field: str = "kind") -> list[EntityKind]:
    """Entity kinds by value (``dimension-value``) or enum name (``DIMENSION_VALUE``)."""
    kinds = []
    for name in names:
        normalised = name.strip().lower().replace("_", "-")
        try:
            kinds.append(EntityKind(normalised))
        except ValueError:
            valid = ", ".join(k.value for k in EntityKind)
            raise InvalidArgument(field, f"unknown kind {name!r}; valid: {valid}") from None
    return kinds


def export_graph(kg: KnowledgeGraph, format: str, kinds: Iterable[str] = ()) -> str:
    """The graph (or the entities of some kinds and the relations between them) as text.

    Raises
    ------
    InvalidArgument : for an unknown format or kind, naming the valid ones.
    """
    try:
        fmt = ExportFormat(format)
    except ValueError:
        valid = ", ".join(f.value for f in ExportFormat)
        raise InvalidArgument("format", f"unknown format {format!r}; valid: {valid}") from None
    return WRITERS[fmt](plain_graph(kg, parse_kinds(kinds)))

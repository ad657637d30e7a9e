from __future__ import annotations

import io
import json

import networkx as nx
import pytest

from service.errors import InvalidArgument
from service.knowledge import KnowledgeGraph
from service.queries.export import export_graph


def test_node_link_json_round_trips_through_networkx(kg: KnowledgeGraph) -> None:
    data = json.loads(export_graph(kg, "json"))
    graph = nx.node_link_graph(data, edges="links")
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (len(kg), kg.number_of_relations())
    assert graph.graph["version"] == kg.version
    assert graph.nodes["container"]["sources"][0] == {
        "document": "vms-vs-containers.md",
        "section": "Comparison Table",
        "line": 5,
        "quote": "Containers",
        "external": False,
    }
    assert graph.has_edge("container", "kubernetes", key="runs_on")


def test_graphml_reads_back_with_labels_and_kinds(kg: KnowledgeGraph) -> None:
    graph = nx.read_graphml(io.BytesIO(export_graph(kg, "graphml", ["layer", "platform"]).encode()))
    assert sorted(graph.nodes) == [
        "cloud-infrastructure",
        "container",
        "kubernetes",
        "virtual-machine",
    ]
    assert graph.nodes["kubernetes"]["label"] == "Kubernetes"
    assert graph.nodes["kubernetes"]["kind"] == "layer"
    assert sorted((u, v, d["type"]) for u, v, d in graph.edges(data=True)) == [
        ("container", "kubernetes", "runs_on"),
        ("kubernetes", "virtual-machine", "runs_on"),
        ("virtual-machine", "cloud-infrastructure", "runs_on"),
    ]


def test_mermaid_draws_the_stack(kg: KnowledgeGraph) -> None:
    assert export_graph(kg, "mermaid", ["LAYER", "platform"]).splitlines()[1:] == [
        "flowchart LR",
        '  n_cloud_infrastructure["Cloud Infrastructure<br/><i>layer</i>"]',
        '  n_container["Container<br/><i>platform</i>"]',
        '  n_kubernetes["Kubernetes<br/><i>layer</i>"]',
        '  n_virtual_machine["Virtual Machine<br/><i>platform</i>"]',
        "  n_container -->|runs_on| n_kubernetes",
        "  n_kubernetes -->|runs_on| n_virtual_machine",
        "  n_virtual_machine -->|runs_on| n_cloud_infrastructure",
    ]


@pytest.mark.parametrize(
    ("format", "kinds", "message"),
    [
        # a format we do not write
        ("dot", [], "format: unknown format 'dot'; valid: json, graphml, mermaid"),
        # a kind outside the vocabulary
        ("json", ["gizmo"], "kind: unknown kind 'gizmo'; valid: platform, "),
    ],
)
def test_bad_export_arguments_name_what_is_valid(
    kg: KnowledgeGraph, format: str, kinds: list[str], message: str
) -> None:
    with pytest.raises(InvalidArgument, match=message.replace("(", r"\(")):
        export_graph(kg, format, kinds)

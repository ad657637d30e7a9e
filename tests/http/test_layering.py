"""``service/http/`` imports one way: the access record and the sinks below, the app on top."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

HTTP = Path(__file__).parents[2] / "service" / "http"


def http_imports() -> nx.DiGraph:
    """Module -> the ``service.http`` modules it imports (``TYPE_CHECKING`` ones included)."""
    graph = nx.DiGraph()
    for path in HTTP.glob("*.py"):
        graph.add_node(path.stem)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("service.http."):
                graph.add_edge(path.stem, node.module.rsplit(".", 1)[1])
    return graph


def test_http_has_no_import_circle() -> None:
    assert list(nx.simple_cycles(http_imports())) == []


def test_the_access_record_and_the_sinks_sit_below_the_cache_and_the_state() -> None:
    graph = http_imports()
    below = {
        module: sorted(graph.successors(module))
        for module in ("access", "logs", "metrics", "response_cache", "state")
    }
    assert below == {
        "access": [],
        "logs": [],
        "metrics": ["access"],
        "response_cache": ["access", "conditional"],
        "state": ["response_cache"],
    }

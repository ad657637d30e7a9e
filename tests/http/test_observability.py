"""Access logs (one structured line per request) and ``/metrics``."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

import service.api.lookup as lookup_module
from service.http.logs import JsonFormatter
from service.knowledge import KnowledgeGraph

NAMED = 'query OneEntity { entity(id: "container") { name } }'


def access_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "archgraph.access"]


async def test_each_request_logs_one_access_line_with_its_operation(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="archgraph.access")
    await client.post("/graphql", json={"query": NAMED})
    [line] = access_lines(caplog)
    fields = {k: getattr(line, k) for k in ("method", "path", "status", "operation", "error_id")}
    assert fields == {
        "method": "POST",
        "path": "/graphql",
        "status": 200,
        "operation": "OneEntity",
        "error_id": None,
    }
    assert line.duration_ms > 0
    assert line.getMessage() == "POST /graphql 200"


async def test_a_refusal_is_logged_with_the_limit(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="archgraph.access")
    aliases = " ".join(f"a{i}: __typename" for i in range(16))
    await client.post("/graphql", json={"query": f"query Many {{ {aliases} }}"})
    [line] = access_lines(caplog)
    assert (line.operation, line.refused) == ("Many", "maxAliases")


async def test_an_unexpected_error_has_the_same_id_in_response_and_log(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(lookup_module, "find_entities", explode)
    caplog.set_level(logging.INFO)
    response = await client.post("/graphql", json={"query": "{ entities { totalCount } }"})
    error_id = response.json()["errors"][0]["extensions"]["errorId"]
    [logged] = [r for r in caplog.records if r.name == "archgraph.errors"]
    assert logged.levelno == logging.ERROR
    assert logged.error_id == error_id
    assert f"unexpected error {error_id} at entities" in logged.getMessage()
    assert logged.exc_info is not None and logged.exc_info[0] is RuntimeError
    [line] = access_lines(caplog)
    assert line.error_id == error_id
    assert "secret internals" not in response.text


def test_log_lines_are_json_with_the_extra_fields() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "archgraph.access", logging.INFO, __file__, 1, "GET %s", ("/x",), sys.exc_info()
        )
    record.status = 200
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "GET /x"
    assert (entry["level"], entry["logger"], entry["status"]) == ("info", "archgraph.access", 200)
    assert entry["traceback"].strip().endswith("ValueError: boom")
    assert entry["time"].endswith("+00:00")


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus exposition, by name and sorted labels."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def test_metrics_count_requests_operations_errors_and_refusals(
    client: httpx.AsyncClient, kg: KnowledgeGraph
) -> None:
    await client.post("/graphql", json={"query": NAMED})
    await client.post("/graphql", json={"query": NAMED})
    await client.post("/graphql", json={"query": "{ nope }"})
    await client.post("/graphql", json={"query": "{" + "__typename " * 3000 + "}"})
    await client.post("/graphql", json=[{"query": NAMED}])
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = samples(response.text)

    def value(name: str, **labels: str) -> Any:
        return found.get((name, tuple(sorted(labels.items()))))

    route = {"method": "POST", "route": "/graphql"}
    assert value("archgraph_http_requests_total", status="200", **route) == 4
    assert value("archgraph_http_requests_total", status="400", **route) == 1
    assert value("archgraph_http_request_duration_seconds_count", **route) == 5
    assert value("archgraph_graphql_operations_total", type="query", outcome="ok") == 2
    assert value("archgraph_graphql_operations_total", type="query", outcome="error") == 1
    assert value("archgraph_graphql_errors_total", kind="validation") == 1
    assert value("archgraph_graphql_errors_total", kind="limit") == 1
    assert value("archgraph_refusals_total", limit="maxTokens") == 1
    assert value("archgraph_refusals_total", limit="batching") == 1
    assert value("archgraph_graph_entities") == 79
    assert value("archgraph_graph_relations") == kg.number_of_relations()
    assert value("archgraph_graph_info", version=kg.version) == 1


async def test_unknown_paths_share_one_route_label(client: httpx.AsyncClient) -> None:
    for path in ("/nope", "/wp-admin", "/a/b/c"):
        await client.get(path)
    found = samples((await client.get("/metrics")).text)
    labels = {
        dict(labels)["route"] for (name, labels) in found if name == "archgraph_http_requests_total"
    }
    assert labels == {"unmatched"}

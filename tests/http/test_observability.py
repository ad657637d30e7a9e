"""Access logs (one structured line per request) and ``/metrics``, one by one and in batches."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import os
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

import service.api.lookup as lookup_module
from service.http import access_log, observability
from service.http.access import AccessRecord
from service.http.app import create_app
from service.http.logs import BatchedStderrHandler, JsonFormatter
from service.http.metrics import Metrics, observe_all
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


# -- the access queue: batches, and the fast path of each sink against its specification ---------


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[None]:
    """Run ``app``'s ASGI lifespan around the block, as a server does around serving."""
    inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.create_task(app(scope, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    assert (await outbox.get())["type"] == "lifespan.startup.complete"
    try:
        yield
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        assert (await outbox.get())["type"] == "lifespan.shutdown.complete"
        await task


async def test_a_serving_app_logs_in_batches_and_flushes_at_shutdown(
    kg: KnowledgeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="archgraph.access")
    app = create_app(kg=kg)
    transport = httpx.ASGITransport(app=app)
    async with serving(app), httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        for _ in range(3):
            await c.post("/graphql", json={"query": NAMED})
        assert access_lines(caplog) == []  # waiting for the next batch
        found = samples((await c.get("/metrics")).text)  # a scrape counts what waits
        assert found[REQUESTS_200] == 3
        assert len(access_lines(caplog)) == 3  # ... and logs it
        await c.get("/healthz")
    assert [line.path for line in access_lines(caplog)] == ["/graphql"] * 3 + [
        "/metrics",
        "/healthz",
    ]


async def test_a_serving_app_flushes_every_interval(
    kg: KnowledgeGraph, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(observability, "FLUSH_SECONDS", 0.01)
    caplog.set_level(logging.INFO, logger="archgraph.access")
    app = create_app(kg=kg)
    transport = httpx.ASGITransport(app=app)
    async with serving(app), httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        await c.get("/healthz")
        assert access_lines(caplog) == []
        await asyncio.sleep(0.05)
        assert [line.path for line in access_lines(caplog)] == ["/healthz"]


REQUESTS_200 = (
    "archgraph_http_requests_total",
    (("method", "POST"), ("route", "/graphql"), ("status", "200")),
)


def finished(**fields: Any) -> AccessRecord:
    base: dict[str, Any] = {
        "method": "POST",
        "path": "/graphql",
        "client": "127.0.0.1",
        "status": 200,
        "seconds": 0.00123,
        "finished": 1_700_000_000.25,
        "route": "/graphql",
    }
    return AccessRecord(**{**base, **fields})


RECORDS = [
    finished(),  # a plain answer
    finished(operation="OneEntity", operation_type="query", cached=True),
    finished(status=400, error_kinds=["limit"], refused="maxDepth", operation_type="query"),
    finished(status=500, error_id="e-1f2e", error_kinds=["unexpected"], operation_type="query"),
    finished(method="GET", path="/embed/stack-path.svg", route="/embed/{name}.{format}"),
    finished(method="GET", path="/nope/ünïcode", route="unmatched", status=404, client=""),
    finished(finished=1_700_000_000.9999996),  # rounds up to the next second
    finished(finished=1_700_000_001.0, seconds=2.5),  # a new second; a slow one
]


@contextlib.contextmanager
def serve_logging() -> Iterator[io.StringIO]:
    """``archgraph serve``'s log config, its stderr handler writing to a string instead.

    Entered in the test itself: pytest adds its capturing handler to every logger that
    does not propagate when a test starts, and that is not the configuration under test.
    """
    stream = io.StringIO()
    handler = BatchedStderrHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("archgraph")
    saved = logger.handlers, logger.propagate, logger.level
    logger.handlers, logger.propagate, logger.level = [handler], False, logging.INFO
    try:
        yield stream
    finally:
        logger.handlers, logger.propagate, logger.level = saved


def test_access_lines_written_directly_are_the_lines_of_their_log_records() -> None:
    with serve_logging() as stderr:
        assert access_log.direct_handler() is not None  # the fast path is the one taken
        access_log.write(RECORDS)
    expected = [JsonFormatter().format(r) for r in access_log.log_records(RECORDS)]
    assert stderr.getvalue().splitlines() == expected
    first = json.loads(expected[1])
    assert first == {
        "time": "2023-11-14T22:13:20.250+00:00",
        "level": "info",
        "logger": "archgraph.access",
        "message": "POST /graphql 200",
        "method": "POST",
        "path": "/graphql",
        "status": 200,
        "duration_ms": 1.23,
        "operation": "OneEntity",
        "error_id": None,
        "refused": None,
        "cached": True,
        "client": "127.0.0.1",
    }
    assert json.loads(expected[6])["time"] == "2023-11-14T22:13:21.000+00:00"


def test_a_filter_on_the_access_logger_takes_the_logging_path() -> None:
    only_errors = logging.Filter()
    only_errors.filter = lambda record: record.status >= 500  # type: ignore[method-assign]
    logging.getLogger("archgraph.access").addFilter(only_errors)
    try:
        with serve_logging() as stderr:
            assert access_log.direct_handler() is None
            access_log.write(RECORDS)
    finally:
        logging.getLogger("archgraph.access").removeFilter(only_errors)
    assert [json.loads(line)["status"] for line in stderr.getvalue().splitlines()] == [500]


def exposition(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        key: value
        for key, value in samples(metrics.render().decode()).items()
        if key[0].startswith("archgraph_") and not key[0].endswith("_created")  # a time
    }


def test_counting_a_batch_equals_observing_each_request(kg: KnowledgeGraph) -> None:
    one_by_one, batched = Metrics(lambda: kg), Metrics(lambda: kg)
    for record in RECORDS:
        one_by_one.observe(record)
    batched.count(RECORDS)
    assert exposition(batched) == exposition(one_by_one)
    found = exposition(batched)
    assert found[("archgraph_worker_requests_total", (("worker", str(os.getpid())),))] == 8
    assert found[("archgraph_refusals_total", (("limit", "maxDepth"),))] == 1


@pytest.mark.parametrize(
    "seconds",
    [
        [],  # nothing to add
        [0.001, 0.001, 0.0025],  # on bucket bounds: `le` includes the bound
        [0.0, 0.0003, 0.75, 9.5, 11.0, 1e6],  # below the first bound, above the last
    ],
)
def test_observing_a_batch_of_durations_equals_observing_each(seconds: list[float]) -> None:
    each, batch = CollectorRegistry(), CollectorRegistry()
    buckets = (0.001, 0.0025, 0.5, 1.0, 10.0)
    one = Histogram("h", "h", buckets=buckets, registry=each)
    for s in seconds:
        one.observe(s)
    observe_all(Histogram("h", "h", buckets=buckets, registry=batch), seconds)

    def histogram(registry: CollectorRegistry) -> dict[Any, float]:
        found = samples(generate_latest(registry).decode())
        return {key: value for key, value in found.items() if key[0] != "h_created"}

    assert histogram(batch) == histogram(each)

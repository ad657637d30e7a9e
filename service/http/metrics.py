"""``/metrics`` in Prometheus' text format: requests, latency, GraphQL outcomes, the graph.

Each app has its own registry (tests build many apps in one process). With several
workers, each worker counts its own requests; Prometheus scrapes them through the
Kubernetes Service's endpoints, one per pod, as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.registry import Collector

from service.http.access import AccessRecord
from service.knowledge import KnowledgeGraph

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class GraphCollector(Collector):
    """The graph being served: its size and version, read at scrape time."""

    def __init__(self, graph: Callable[[], KnowledgeGraph | None]) -> None:
        self.graph = graph

    def collect(self) -> Iterator[Metric]:
        kg = self.graph()
        if kg is None:
            return
        yield GaugeMetricFamily("archgraph_graph_entities", "Entities in the graph", value=len(kg))
        yield GaugeMetricFamily(
            "archgraph_graph_relations",
            "Relations in the graph",
            value=kg.number_of_relations(),
        )
        yield InfoMetricFamily(
            "archgraph_graph", "The graph being served", value={"version": kg.version}
        )


class Metrics:
    """Every metric the service exports, in one registry."""

    def __init__(self, graph: Callable[[], KnowledgeGraph | None]) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "archgraph_http_requests", "HTTP requests", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "archgraph_http_request_duration_seconds",
            "Time from request to the end of the response",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        # Requests come and go on the event loop's thread: a plain int, read at scrape time,
        # spares each request two locked updates.
        self.in_flight = 0
        Gauge(
            "archgraph_http_requests_in_flight", "HTTP requests being answered", registry=r
        ).set_function(lambda: self.in_flight)
        self.operations = Counter(
            "archgraph_graphql_operations",
            "GraphQL operations answered, by type and outcome (ok, error, refused)",
            ["type", "outcome"],
            registry=r,
        )
        self.errors = Counter(
            "archgraph_graphql_errors",
            "GraphQL errors by kind: request (HTTP-level), parse, validation, limit, variables, "
            "user, time_budget, unexpected",
            ["kind"],
            registry=r,
        )
        self.refusals = Counter(
            "archgraph_refusals",
            "Requests refused by a limit, by limit (maxDepth, bodySize, timeBudget...)",
            ["limit"],
            registry=r,
        )
        r.register(GraphCollector(graph))
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        # The labelled children, looked up once per label set: ``labels()`` takes a lock
        # and builds its key on every call, which would cost every request a few µs.
        self._requests: dict[tuple[str, str, int], Counter] = {}
        self._latency: dict[tuple[str, str], Histogram] = {}
        self._operations: dict[tuple[str, str], Counter] = {}

    def observe(
        self, method: str, route: str, status: int, seconds: float, record: AccessRecord
    ) -> None:
        """Count one finished HTTP request and what its GraphQL operation did."""
        key = (method, route, status)
        requests = self._requests.get(key)
        if requests is None:
            requests = self._requests[key] = self.requests.labels(method, route, str(status))
        requests.inc()
        latency = self._latency.get(key[:2])
        if latency is None:
            latency = self._latency[key[:2]] = self.latency.labels(method, route)
        latency.observe(seconds)
        if record.error_kinds:
            for kind in record.error_kinds:
                self.errors.labels(kind).inc()
        if record.refused:
            self.refusals.labels(record.refused).inc()
        if record.operation_type:
            outcome = "refused" if record.refused else "error" if record.error_kinds else "ok"
            operation = (record.operation_type, outcome)
            operations = self._operations.get(operation)
            if operations is None:
                operations = self._operations[operation] = self.operations.labels(*operation)
            operations.inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


def metrics_router(metrics: Metrics) -> APIRouter:
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    async def export_metrics() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return router

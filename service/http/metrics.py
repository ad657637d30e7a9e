"""``/metrics`` in Prometheus' text format: requests, latency, GraphQL outcomes, the graph.

Each app has its own registry (tests build many apps in one process). With several
workers, each worker counts its own requests; Prometheus scrapes them through the
Kubernetes Service's endpoints, one per pod, as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

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

from service.knowledge import KnowledgeGraph

if TYPE_CHECKING:
    from service.http.observability import AccessRecord

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
        self.in_flight = Gauge(
            "archgraph_http_requests_in_flight", "HTTP requests being answered", registry=r
        )
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

    def observe(
        self, method: str, route: str, status: int, seconds: float, record: AccessRecord
    ) -> None:
        """Count one finished HTTP request and what its GraphQL operation did."""
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)
        for kind in record.error_kinds:
            self.errors.labels(kind).inc()
        if record.refused:
            self.refusals.labels(record.refused).inc()
        if record.operation_type:
            outcome = "refused" if record.refused else "error" if record.error_kinds else "ok"
            self.operations.labels(record.operation_type, outcome).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


def metrics_router(metrics: Metrics) -> APIRouter:
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    async def export_metrics() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return router

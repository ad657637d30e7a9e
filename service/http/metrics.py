"""``/metrics`` in Prometheus' text format: requests, latency, GraphQL outcomes, the graph.

One process (one worker): each app has its own registry (tests build many apps in one
process), exported as it is, with the process's own CPU and memory.

Several workers: ``archgraph serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` before any worker
starts (:mod:`service.http.supervisor`), so prometheus-client keeps every value in a
per-process file there, and a scrape of any worker merges the files of all of them
(``MultiProcessCollector``): the whole server in one view, with
``archgraph_worker_requests_total{worker=<pid>}`` saying how the requests were shared.
Process metrics are left out then (prometheus-client cannot merge them), and the
in-flight gauge is the sum over live workers, as of each worker's last batch.

Requests are counted in batches (:meth:`Metrics.count`, from the access queue in
:mod:`service.http.observability`): a value in a file costs a lock and a write per
increment, so a batch adds each label set's count once. :meth:`Metrics.observe`, one
request at a time, is the specification the batch is tested against.
"""

from __future__ import annotations

import os
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence

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
    values,
)
from prometheus_client.core import GaugeMetricFamily, InfoMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
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


def multiprocess_dir() -> str | None:
    """The directory of prometheus-client's multiprocess mode, when it is on; else None.

    Raises RuntimeError when ``PROMETHEUS_MULTIPROC_DIR`` was set too late: after
    prometheus-client was imported, its values already live in memory, and a merged
    scrape would miss this process.
    """
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    in_files = getattr(values.ValueClass, "_multiprocess", False)
    if path and not in_files:
        raise RuntimeError(
            "PROMETHEUS_MULTIPROC_DIR is set, but prometheus_client was imported before it was"
        )
    return path if in_files else None


class Metrics:
    """Every metric the service exports, in one registry (or, with workers, their files)."""

    def __init__(self, graph: Callable[[], KnowledgeGraph | None]) -> None:
        self.multiprocess_dir = multiprocess_dir()
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
        # Requests come and go on the event loop's thread: a plain int, read at scrape time
        # (one process) or written with each batch (workers), spares each request two
        # locked updates.
        self.in_flight = 0
        self._in_flight = Gauge(
            "archgraph_http_requests_in_flight",
            "HTTP requests being answered",
            registry=r,
            multiprocess_mode="livesum",
        )
        if self.multiprocess_dir is None:
            self._in_flight.set_function(lambda: self.in_flight)
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
        self.worker_requests = Counter(
            "archgraph_worker_requests",
            "HTTP requests answered by each worker process, by its pid",
            ["worker"],
            registry=r,
        )
        self.graph_collector = GraphCollector(graph)
        if self.multiprocess_dir is None:
            r.register(self.graph_collector)
            ProcessCollector(registry=r)
            PlatformCollector(registry=r)
            self.exported = r
        else:
            self.exported = CollectorRegistry()
            MultiProcessCollector(self.exported, self.multiprocess_dir)  # type: ignore[no-untyped-call]
            self.exported.register(self.graph_collector)
        # The labelled children, looked up once per label set: ``labels()`` takes a lock
        # and builds its key on every call.
        self._requests: dict[tuple[str, str, int], Counter] = {}
        self._latency: dict[tuple[str, str], Histogram] = {}
        self._operations: dict[tuple[str, str], Counter] = {}

    def observe(self, record: AccessRecord) -> None:
        """Count one finished request and what its GraphQL operation did (the specification)."""
        self._requests_of(record.method, record.route or "", record.status).inc()
        self._latency_of(record.method, record.route or "").observe(record.seconds)
        for kind in record.error_kinds:
            self.errors.labels(kind).inc()
        if record.refused:
            self.refusals.labels(record.refused).inc()
        if record.operation_type:
            self._operations_of(record.operation_type, _outcome(record)).inc()
        self.worker_requests.labels(str(os.getpid())).inc()
        if self.multiprocess_dir is not None:
            self._in_flight.set(self.in_flight)

    def count(self, records: Sequence[AccessRecord]) -> None:
        """Count a batch of finished requests: as :meth:`observe` of each, in fewer updates."""
        requests: defaultdict[tuple[str, str, int], int] = defaultdict(int)
        latencies: defaultdict[tuple[str, str], list[float]] = defaultdict(list)
        operations: defaultdict[tuple[str, str], int] = defaultdict(int)
        errors: defaultdict[str, int] = defaultdict(int)
        refusals: defaultdict[str, int] = defaultdict(int)
        for record in records:
            route = record.route or ""
            requests[record.method, route, record.status] += 1
            latencies[record.method, route].append(record.seconds)
            if record.error_kinds:
                for kind in record.error_kinds:
                    errors[kind] += 1
            if record.refused:
                refusals[record.refused] += 1
            if record.operation_type:
                operations[record.operation_type, _outcome(record)] += 1
        for (method, route, status), n in requests.items():
            self._requests_of(method, route, status).inc(n)
        for (method, route), seconds in latencies.items():
            observe_all(self._latency_of(method, route), seconds)
        for (type_, outcome), n in operations.items():
            self._operations_of(type_, outcome).inc(n)
        for kind, n in errors.items():
            self.errors.labels(kind).inc(n)
        for limit, n in refusals.items():
            self.refusals.labels(limit).inc(n)
        if records:
            self.worker_requests.labels(str(os.getpid())).inc(len(records))
        if self.multiprocess_dir is not None:
            self._in_flight.set(self.in_flight)

    def _requests_of(self, method: str, route: str, status: int) -> Counter:
        key = (method, route, status)
        child = self._requests.get(key)
        if child is None:
            child = self._requests[key] = self.requests.labels(method, route, str(status))
        return child

    def _latency_of(self, method: str, route: str) -> Histogram:
        key = (method, route)
        child = self._latency.get(key)
        if child is None:
            child = self._latency[key] = self.latency.labels(method, route)
        return child

    def _operations_of(self, type_: str, outcome: str) -> Counter:
        key = (type_, outcome)
        child = self._operations.get(key)
        if child is None:
            child = self._operations[key] = self.operations.labels(type_, outcome)
        return child

    def render(self) -> bytes:
        return generate_latest(self.exported)


def _outcome(record: AccessRecord) -> str:
    return "refused" if record.refused else "error" if record.error_kinds else "ok"


def observe_all(histogram: Histogram, seconds: Sequence[float]) -> None:
    """``histogram.observe(s)`` for each of ``seconds``, with one update per bucket hit.

    prometheus-client has no call for a batch: this adds to the child's sum and buckets
    (its ``_sum`` and ``_buckets``, as its ``observe`` does); a test holds it equal to
    ``observe``. Should those attributes go, it falls back to ``observe``.
    """
    buckets = getattr(histogram, "_buckets", None)
    total = getattr(histogram, "_sum", None)
    bounds = getattr(histogram, "_upper_bounds", None)
    if buckets is None or total is None or bounds is None:
        for s in seconds:
            histogram.observe(s)
        return
    hits: defaultdict[int, int] = defaultdict(int)
    for s in seconds:
        hits[bisect_left(bounds, s)] += 1
    total.inc(sum(seconds))
    for bucket, n in hits.items():
        buckets[bucket].inc(n)


def metrics_router(metrics: Metrics, before_scrape: Callable[[], object]) -> APIRouter:
    """``GET /metrics``; ``before_scrape`` counts what is waiting to be counted."""
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    async def export_metrics() -> Response:
        before_scrape()
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return router

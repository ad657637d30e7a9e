"""Access logs (one JSON line per request) and request metrics: one ASGI middleware, one queue.

The middleware puts an :class:`~service.http.access.AccessRecord` in the ASGI scope; the
layers inside fill in what only they know; once the response is sent, the middleware adds
status and timing and queues the record. The queue hands its batch to the sinks — the
access log (:mod:`service.http.access_log`) and the metrics (:mod:`service.http.metrics`)
— every :data:`FLUSH_SECONDS`, when :data:`MAX_BATCH` records wait, before each scrape of
``/metrics``, and at shutdown: that work stays off the response path and is done once per
batch, not once per request.

Batching starts when the app's lifespan has started (the server runs it before serving)
and ends, with a last batch, when the lifespan shuts down, after the last in-flight request
(uvicorn's graceful shutdown). Without a lifespan — an app driven in-process, as tests do —
each record is written at once.
"""

from __future__ import annotations

import asyncio
import time

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.http import access_log
from service.http.access import ACCESS_KEY, AccessRecord, route_label
from service.http.metrics import Metrics, metrics_router
from service.http.outer import ArchgraphApp
from service.http.state import AppState

FLUSH_SECONDS = 0.2  # how stale a line or a count may get (a scrape flushes its own worker)
MAX_BATCH = 1024  # records written at once at most: a short pause (~1.5 ms) of the loop


class AccessQueue:
    """Finished requests waiting for the access log and the metrics."""

    def __init__(
        self, metrics: Metrics, interval: float | None = None, max_batch: int = MAX_BATCH
    ) -> None:
        self.metrics = metrics
        self.interval = FLUSH_SECONDS if interval is None else interval
        self.max_batch = max_batch
        self.pending: list[AccessRecord] = []
        self.batched = False
        self._timer: asyncio.TimerHandle | None = None

    def add(self, record: AccessRecord) -> None:
        self.pending.append(record)
        if not self.batched or len(self.pending) >= self.max_batch:
            self.flush()

    def flush(self) -> None:
        """Count and log every waiting record, in the order they finished."""
        batch, self.pending = self.pending, []
        try:
            self.metrics.count(batch)
        finally:
            access_log.write(batch)

    def start(self) -> None:
        """Batch from now on, flushing on the running event loop every ``interval``."""
        self.batched = True
        self._schedule()

    def stop(self) -> None:
        """Flush what waits and write each record at once from now on."""
        self.batched = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.flush()

    def _schedule(self) -> None:
        self._timer = asyncio.get_running_loop().call_later(self.interval, self._tick)

    def _tick(self) -> None:
        try:
            self.flush()
        finally:
            if self.batched:
                self._schedule()


class ObservabilityMiddleware:
    """Times each HTTP request and queues its record for the access log and the metrics."""

    def __init__(self, app: ASGIApp, queue: AccessQueue) -> None:
        self.app = app
        self.queue = queue
        self.metrics = queue.metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self.app(scope, receive, self._watch_lifespan(send))
            else:
                await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        client = scope.get("client")
        record = scope[ACCESS_KEY] = AccessRecord(
            scope["method"], scope["path"], client[0] if client else ""
        )

        async def send_and_watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                record.status = message["status"]
            await send(message)

        self.metrics.in_flight += 1
        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            self.metrics.in_flight -= 1
            record.seconds = time.perf_counter() - start
            record.finished = time.time()
            if record.route is None:
                record.route = route_label(scope)
            self.queue.add(record)

    def _watch_lifespan(self, send: Send) -> Send:
        async def send_and_watch(message: Message) -> None:
            if message["type"] == "lifespan.startup.complete":
                self.queue.start()
            elif message["type"] in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
                self.queue.stop()
            await send(message)

        return send_and_watch


def install_observability(app: FastAPI, state: AppState) -> Metrics:
    """Add the access-log/metrics middleware (outermost) and the ``/metrics`` route to ``app``."""
    metrics = Metrics(lambda: state.kg)
    queue = AccessQueue(metrics)
    if isinstance(app, ArchgraphApp):
        app.add_outer_middleware(ObservabilityMiddleware, queue=queue)
    else:
        app.add_middleware(ObservabilityMiddleware, queue=queue)
    app.include_router(metrics_router(metrics, before_scrape=queue.flush))
    return metrics

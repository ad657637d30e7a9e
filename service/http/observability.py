"""Access logs (one JSON line per request) and request metrics, as one ASGI middleware.

The middleware puts an :class:`~service.http.access.AccessRecord` in the ASGI scope; the
layers inside fill in what only they know, and the middleware logs and counts it all once
the response is sent (lines formatted by :mod:`service.http.logs`, counted by
:mod:`service.http.metrics`).
"""

from __future__ import annotations

import logging
import time

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.http.access import ACCESS_KEY, AccessRecord, route_label
from service.http.logs import access_log
from service.http.metrics import Metrics, metrics_router
from service.http.outer import ArchgraphApp
from service.http.state import AppState


class ObservabilityMiddleware:
    """Times each HTTP request, counts it in ``metrics`` and logs one access line."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        record = scope[ACCESS_KEY] = AccessRecord()
        status = 500  # unless a response starts

        async def send_and_watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.metrics.in_flight += 1
        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            self.metrics.in_flight -= 1
            seconds = time.perf_counter() - start
            method, route = scope["method"], record.route or route_label(scope)
            self.metrics.observe(method, route, status, seconds, record)
            if access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    "%s %s %d",
                    method,
                    scope["path"],
                    status,
                    extra={
                        "method": method,
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round(seconds * 1000, 3),
                        "operation": record.operation,
                        "error_id": record.error_id,
                        "refused": record.refused,
                        "cached": record.cached,
                        "client": (scope.get("client") or ("", 0))[0],
                    },
                )


def install_observability(app: FastAPI, state: AppState) -> Metrics:
    """Add the access-log/metrics middleware (outermost) and the ``/metrics`` route to ``app``."""
    metrics = Metrics(lambda: state.kg)
    if isinstance(app, ArchgraphApp):
        app.add_outer_middleware(ObservabilityMiddleware, metrics=metrics)
    else:
        app.add_middleware(ObservabilityMiddleware, metrics=metrics)
    app.include_router(metrics_router(metrics))
    return metrics

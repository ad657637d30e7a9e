"""Access logs (one JSON line per request) and request metrics, as one ASGI middleware.

The middleware puts an :class:`AccessRecord` in the ASGI scope; the GraphQL endpoint
fills in what only it knows (operation name and type, error kinds, the limit that
refused, the error id of a masked error), and the middleware logs and counts it all
once the response is sent. Logs are JSON lines on stderr; ``log_config`` gives uvicorn
the same format for its own loggers and replaces its access log.
"""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.http.metrics import Metrics, metrics_router
from service.http.state import AppState

ACCESS_KEY = "archgraph.access"
access_log = logging.getLogger("archgraph.access")

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged too.
_STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's message with terminal colours
}


@dataclass(slots=True)
class AccessRecord:
    """What one request did, beyond method, path and status."""

    operation: str | None = None  # GraphQL operation name
    operation_type: str | None = None  # query, mutation
    error_kinds: list[str] = field(default_factory=list)  # parse, validation, limit, ...
    refused: str | None = None  # the limit that refused the request (maxDepth, bodySize...)
    error_id: str | None = None  # of a masked unexpected error


def access_record(scope: Scope) -> AccessRecord:
    """The request's record (a fresh one when no middleware put one there)."""
    record = scope.get(ACCESS_KEY)
    if not isinstance(record, AccessRecord):
        record = scope[ACCESS_KEY] = AccessRecord()
    return record


def route_label(scope: Scope) -> str:
    """The matched route's path template: bounded, unlike raw paths."""
    if "endpoint" not in scope:
        return "unmatched"
    if not scope.get("path_params"):
        return str(scope["path"])
    effective = scope.get("fastapi", {}).get("effective_route_context")
    template = getattr(effective, "path", None) or getattr(scope.get("route"), "path", None)
    return str(template or "templated")


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

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            self.metrics.in_flight.dec()
            seconds = time.perf_counter() - start
            method, route = scope["method"], route_label(scope)
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
                        "client": (scope.get("client") or ("", 0))[0],
                    },
                )


def install_observability(app: FastAPI, state: AppState) -> Metrics:
    """Add the access-log/metrics middleware and the ``/metrics`` route to ``app``."""
    metrics = Metrics(lambda: state.kg)
    app.add_middleware(ObservabilityMiddleware, metrics=metrics)
    app.include_router(metrics_router(metrics))
    return metrics


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and any ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_") and key not in entry:
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        return orjson.dumps(entry, default=str).decode()


def log_config(level: str) -> dict[str, Any]:
    """``logging.config.dictConfig`` for ``archgraph serve``: JSON lines, our access log only."""
    level = level.upper()
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"stderr": handler},
        "loggers": {
            "archgraph": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["stderr"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            # our middleware logs each request once, with more than uvicorn knows
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
            "strawberry": {"handlers": ["stderr"], "level": level, "propagate": False},
        },
    }

"""The FastAPI application class, with our pure-ASGI layers outside FastAPI's own stack.

FastAPI wraps every request in its own layers (error pages, body limit, telemetry,
exception handlers) before routing it. The access log and the response cache sit
outside them: every request is still logged and counted, with the status it was sent,
while a repeated ``/graphql`` request is answered before FastAPI's layers run at all.
An exception from inside still gets FastAPI's 500 page first, then passes out through
these layers, as it did through any middleware.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp


class ArchgraphApp(FastAPI):
    """FastAPI, plus :meth:`add_outer_middleware`."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.outer_middleware: list[tuple[type[Any], dict[str, Any]]] = []

    def add_outer_middleware(self, middleware: type[Any], **options: Any) -> None:
        """Like ``add_middleware``, but outside FastAPI's own layers (the last added is outermost)."""
        if self.middleware_stack is not None:
            raise RuntimeError("cannot add middleware after the application has started")
        self.outer_middleware.append((middleware, options))

    def build_middleware_stack(self) -> ASGIApp:
        app = super().build_middleware_stack()
        for middleware, options in self.outer_middleware:
            app = middleware(app, **options)
        return app

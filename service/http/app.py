"""The FastAPI application factory: it only assembles settings, graph and routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service.api.limits import Limits
from service.api.schema import build_schema
from service.http.embed import router as embed_router
from service.http.export import router as export_router
from service.http.graphiql import graphiql_router
from service.http.graphql import graphql_router
from service.http.observability import install_observability
from service.http.routes import router as plain_router
from service.http.state import AppState
from service.knowledge import KnowledgeGraph
from service.loader import load_graph
from service.settings import Settings

log = logging.getLogger("archgraph")


def create_app(settings: Settings | None = None, kg: KnowledgeGraph | None = None) -> FastAPI:
    """Build the app. The graph is loaded at start-up (lifespan) unless one is given.

    A pack that fails validation stops the start-up with every ``file:line`` problem.
    """
    settings = settings or Settings()
    schema = build_schema(Limits.from_settings(settings))
    state = AppState(settings=settings, schema=schema, kg=kg)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if state.kg is None:
            state.kg = load_graph(settings.data)
        log.info(
            "graph %s loaded: %d entities, %d relations",
            state.kg.version,
            len(state.kg),
            state.kg.number_of_relations(),
        )
        yield

    app = FastAPI(
        title="archgraph", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.archgraph = state
    app.include_router(plain_router)
    app.include_router(export_router)
    app.include_router(embed_router)  # /embed/{answer}.{format}
    app.include_router(graphiql_router)
    app.include_router(graphql_router(state), prefix="/graphql")
    install_observability(app, state)  # access log, /metrics
    return app

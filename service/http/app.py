"""The FastAPI application factory: it only assembles settings, graph and routes."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service.api.limits import Limits
from service.api.schema import build_schema
from service.collector import settle_heap
from service.http.embed import router as embed_router
from service.http.export import router as export_router
from service.http.graphiql import graphiql_router
from service.http.graphql import graphql_router
from service.http.live import ReloadCollector, live_reload
from service.http.observability import install_observability
from service.http.outer import ArchgraphApp
from service.http.response_cache import ResponseCache, ResponseCacheMiddleware
from service.http.routes import router as plain_router
from service.http.state import AppState
from service.knowledge import KnowledgeGraph
from service.packs.loader import load_graph
from service.packs.reload import LiveGraph
from service.settings import Settings
from service.snapshots.scenario_file import load_scenarios

log = logging.getLogger("archgraph")


def _compile() -> None:
    """Compile the scheduler's kernel (or load it from numba's cache) before a simulation asks."""
    from service.simulation.run_kernel import warm_up  # here: numba loads in this thread

    try:
        warm_up()
    except Exception:  # the simulation compiles it when first used, and reports there
        log.exception("the scheduler's compiled runs could not be prepared")


def create_app(
    settings: Settings | None = None, kg: KnowledgeGraph | None = None, catch_up: bool = False
) -> FastAPI:
    """Build the app. The graph is loaded at start-up (lifespan) unless one is given; with
    ``catch_up`` the packs are reloaded once in the background after the start (validated:
    a bad edit is reported and the given graph kept).

    A pack that fails validation stops the start-up with every ``file:line`` problem.
    """
    settings = settings or Settings()
    schema = build_schema(Limits.from_settings(settings))
    responses = ResponseCache(settings.response_cache_entries, settings.response_cache_bytes)
    state = AppState(
        settings=settings,
        schema=schema,
        kg=kg,
        responses=responses,
        live=LiveGraph(settings.keep_versions),
        catch_up=catch_up,
    )
    if kg is not None:
        state.live.start(kg)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if state.kg is None:
            state.kg = load_graph(settings.data)
        if settings.scenarios and not state.scenarios:
            state.serve_scenarios(load_scenarios(settings.scenarios))
        settle_heap()
        threading.Thread(target=_compile, name="archgraph-compile", daemon=True).start()
        log.info(
            "graph %s loaded: %d entities, %d relations",
            state.kg.version,
            len(state.kg),
            state.kg.number_of_relations(),
        )
        async with live_reload(state):  # SIGHUP, --watch: swap state.kg for a valid reload
            yield

    app = ArchgraphApp(
        title="archgraph",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # /metrics is ours (Prometheus); FastAPI's OpenTelemetry would look for a provider
        # on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.archgraph = state
    app.include_router(plain_router)
    app.include_router(export_router)
    app.include_router(embed_router)  # /embed/{answer}.{format}
    app.include_router(graphiql_router)
    app.include_router(graphql_router(state), prefix="/graphql")
    # inside the access log; the graph read per request, as it is the state's
    app.add_outer_middleware(ResponseCacheMiddleware, cache=responses, graph=lambda: state.kg)
    metrics = install_observability(app, state)  # access log, /metrics
    # this process's reloads (with workers, each reloads by itself: the scraped one's)
    metrics.exported.register(ReloadCollector(state.live))
    return app

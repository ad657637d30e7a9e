"""Plain HTTP routes: health, readiness and the schema."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from service.api.schema import schema_sdl
from service.http.live import reload_report
from service.http.state import AppState

router = APIRouter()


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.archgraph
    return state


@router.get("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", include_in_schema=False)
async def readyz(request: Request) -> JSONResponse:
    """The graph is loaded and queries can be answered; the versions kept and the last reload
    (a refused one lists its ``file:line`` problems, and the last good graph is still served)."""
    state = _state(request)
    kg = state.kg
    if kg is None:
        return JSONResponse({"status": "loading"}, status_code=503)
    return JSONResponse(
        {
            "status": "ready",
            "version": kg.version,
            "entities": len(kg),
            "relations": kg.number_of_relations(),
            **reload_report(state.live, state.settings.watch),
        }
    )


@router.get("/schema.graphql", include_in_schema=False)
async def schema_file(request: Request) -> PlainTextResponse:
    return PlainTextResponse(schema_sdl(_state(request).schema), media_type="application/graphql")

"""``/export/graph.{format}``: the whole graph (or some kinds of it) for other tools."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from service.errors import InvalidArgument
from service.http.conditional import etag_matches
from service.http.state import AppState
from service.queries.export import MEDIA_TYPES, ExportFormat, export_graph

router = APIRouter()


@router.get("/export/graph.{format}", include_in_schema=False)
async def export(
    request: Request, format: str, kind: Annotated[list[str] | None, Query()] = None
) -> Response:
    state: AppState = request.app.state.archgraph
    assert state.kg is not None
    try:
        text = export_graph(state.kg, format, kind or ())
    except InvalidArgument as exc:
        status = 404 if exc.field == "format" else 400
        raise HTTPException(status_code=status, detail=str(exc)) from None
    etag = f'"{state.kg.version}-{format}-{",".join(sorted(kind or []))}"'
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag})
    return Response(
        text,
        media_type=MEDIA_TYPES[ExportFormat(format)],
        headers={"ETag": etag, "Cache-Control": "public, max-age=300"},
    )

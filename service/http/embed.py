"""``/embed/{answer}.{format}``: answers rendered for wikis, cacheable, pinned to a graph version.

The arguments are the query parameters (see :mod:`service.render.answers`), and
``version=<v>`` answers from that kept graph version (410 once it is no longer kept, see
:mod:`service.http.live`); the permalink always carries the version it was answered from,
so it keeps giving the same answer while that version is kept. A 200 carries ``ETag`` (the graph version and a hash of the canonical URL: format and
normalised arguments, and of the imported scenario it names, so a re-imported cluster
served under the same name is a new answer) and ``Cache-Control: public, max-age=<embed_max_age>``; a
matching ``If-None-Match`` gets a bodiless 304 without running the query, since the
graph is read-only. Pages on the ``embed_cors_origins`` may fetch embeds from scripts.

Errors are plain text naming the argument and what is valid, with the answer's usage:
an unknown answer, format or id is 404 (the URL names nothing); a missing, empty,
duplicate, unknown or malformed argument is 400; heavy work (a scenario simulation)
that runs out of its time budget, or is refused while the server catches up, is 503.
"""

from __future__ import annotations

import hashlib
from functools import partial

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from service.api.offload import HeavyWorkRefused, TimeBudgetExceeded, run_heavy, time_budget
from service.errors import EntityNotFound, InvalidArgument
from service.http.conditional import etag_matches
from service.http.live import gone_headers, pinned_query, request_graph, without_version
from service.http.state import AppState
from service.packs.versions import VersionNotKept
from service.render.answers import ANSWERS, Answer
from service.render.formats import MEDIA_TYPES, Embed, Format
from service.settings import Settings

router = APIRouter()
PATH = "/embed/{name}.{format}"
RETRY_AFTER_SECONDS = 5


@router.api_route(PATH, methods=["GET", "HEAD"], include_in_schema=False)
async def embed(request: Request, name: str, format: str) -> Response:
    state: AppState = request.app.state.archgraph
    settings = state.settings
    cors = cors_headers(request, settings)
    try:
        kg = request_graph(state, request.query_params)
    except InvalidArgument as exc:
        return _error(400, str(exc), cors)
    except VersionNotKept as exc:
        return _error(410, str(exc), {**cors, **gone_headers(request.url, exc)})
    answer = ANSWERS.get(name)
    if answer is None:
        return _error(404, f"answer: unknown answer {name!r}; answers: {', '.join(ANSWERS)}", cors)
    fmt = _format(answer, format)
    if fmt is None:
        formats = ", ".join(f.value for f in answer.formats)
        message = f"format: {name} has no {format!r} format; formats: {formats}"
        return _error(404, message, cors, answer)
    try:
        arguments = answer.parse(
            without_version(request.query_params.multi_items()), kg, state.scenarios
        )
    except InvalidArgument as exc:
        return _error(400, str(exc), cors, answer)

    query = arguments.query_string()
    base = (settings.embed_base_url or str(request.base_url)).rstrip("/")
    permalink = f"{base}/embed/{name}.{fmt.value}?{pinned_query(query, kg.version)}"
    # an imported scenario is not part of the graph version: its own digest is
    identity = permalink + state.scenario_digests.get(str(arguments.get("scenario")), "")
    etag = f'"{kg.version}-{hashlib.sha256(identity.encode()).hexdigest()[:16]}"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={settings.embed_max_age}", **cors}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)

    job = partial(answer.render, kg, arguments, fmt, Embed(permalink, kg.version), state.scenarios)
    try:
        if answer.heavy(arguments):
            with time_budget(settings.time_budget_seconds):
                text = await run_heavy(job)
        else:
            text = await anyio.to_thread.run_sync(job)
    except EntityNotFound as exc:
        return _error(404, answer.explain(kg, exc, state.scenarios), cors, answer)
    except InvalidArgument as exc:
        return _error(400, answer.explain(kg, exc, state.scenarios), cors, answer)
    except (TimeBudgetExceeded, HeavyWorkRefused) as exc:
        retry = {"Retry-After": str(RETRY_AFTER_SECONDS), **cors}
        return _error(503, str(exc), retry)
    return Response(text, media_type=MEDIA_TYPES[fmt], headers=headers)


@router.options(PATH, include_in_schema=False)
async def preflight(request: Request, name: str, format: str) -> Response:
    """CORS preflight, for scripts that revalidate with ``If-None-Match`` themselves."""
    state: AppState = request.app.state.archgraph
    headers = cors_headers(request, state.settings)
    if "Access-Control-Allow-Origin" in headers:
        headers |= {
            "Access-Control-Allow-Methods": "GET, HEAD",
            "Access-Control-Allow-Headers": "If-None-Match",
            "Access-Control-Max-Age": "600",
        }
    return Response(status_code=204, headers=headers)


def cors_headers(request: Request, settings: Settings) -> dict[str, str]:
    """``Access-Control-Allow-Origin`` for an allowed ``Origin`` (any, with ``*``).

    With a list of origins the answer depends on the request's ``Origin``, so it
    says ``Vary: Origin`` for caches, allowed or not.
    """
    allowed = settings.embed_cors_origins
    if not allowed:
        return {}
    exposed = {"Access-Control-Expose-Headers": "ETag"}
    if "*" in allowed:
        return {"Access-Control-Allow-Origin": "*", **exposed}
    origin = request.headers.get("origin")
    if origin is not None and origin.rstrip("/") in allowed:
        return {"Access-Control-Allow-Origin": origin, "Vary": "Origin", **exposed}
    return {"Vary": "Origin"}


def _format(answer: Answer[object], format: str) -> Format | None:
    try:
        fmt = Format(format)
    except ValueError:
        return None
    return fmt if fmt in answer.renderers else None


def _error(
    status: int, message: str, headers: dict[str, str], answer: Answer[object] | None = None
) -> Response:
    usage = f"\nusage: {answer.usage()}" if answer is not None else ""
    return PlainTextResponse(
        f"{message}{usage}\n", status_code=status, headers={"Cache-Control": "no-cache", **headers}
    )

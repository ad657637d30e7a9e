"""What one HTTP request did, for the access log and the metrics: the bottom of ``http/``.

The access middleware (:mod:`service.http.observability`) puts an :class:`AccessRecord`
in the ASGI scope; the layers inside it fill in what only they know (the GraphQL endpoint:
operation name and type, error kinds, the limit that refused, the id of a masked error;
the response cache: that the answer was replayed); the middleware adds status and timing
once the response is sent and hands the record to the sinks, the access log
(:mod:`service.http.access_log`) and the metrics (:mod:`service.http.metrics`). This
module imports nothing from the rest of ``http/``, so every layer can write to the record
and the sinks can read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.types import Scope

ACCESS_KEY = "archgraph.access"


@dataclass(slots=True)
class AccessRecord:
    """What one request did: what was asked, how it was answered, and how long it took."""

    method: str = ""
    path: str = ""
    client: str = ""  # the peer's address
    status: int = 500  # unless a response starts
    seconds: float = 0.0  # from the request to the end of the response
    finished: float = 0.0  # when the response ended, seconds since the epoch
    operation: str | None = None  # GraphQL operation name
    operation_type: str | None = None  # query, mutation
    error_kinds: list[str] = field(default_factory=list)  # parse, validation, limit, ...
    refused: str | None = None  # the limit that refused the request (maxDepth, bodySize...)
    error_id: str | None = None  # of a masked unexpected error
    cacheable: bool = False  # the answer may be served again (service.http.response_cache)
    cached: bool = False  # the answer was served from memory
    route: str | None = None  # the route's label (set by the cache, or after routing)


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

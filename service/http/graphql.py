"""``/graphql`` per the GraphQL-over-HTTP specification, in front of the strawberry schema.

- POST takes ``application/json`` (any other Content-Type, or none: 415); a body over
  ``max_body_bytes`` is refused with 413, malformed JSON with 400, a batch (a JSON
  array) with 400. GET takes ``query``, ``operationName``, ``variables`` and
  ``extensions`` from the URL and runs queries only (anything else: 405, ``Allow: POST``).
- The answer is ``application/graphql-response+json`` when the client prefers it, and
  then a request error (unparsable, invalid or over a limit, bad variables) is a 400
  without ``data``; otherwise ``application/json``, with request errors as 200; a client
  that accepts neither gets 406.
- A browser's GET (Accept ``text/html``, no ``query``) gets GraphiQL.
- Documents are parsed, limit-checked and validated once per text
  (:mod:`service.api.prepared`) and executed straight on graphql-core; resolvers get a
  typed :class:`HttpContext` with ``.kg``; heavy resolvers run under the request's time
  budget (:mod:`service.api.offload`).
- ``version=<v>`` in the URL (GET and POST) answers from that kept graph version; one no
  longer kept is 410 (:mod:`service.http.live`).
- Answers are memoised (:mod:`service.http.response_cache`): the endpoint marks the
  deterministic ones cacheable and keeps them under their normalised key; a GET's 200
  answer carries an ``ETag``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response
from graphql import GraphQLError, OperationType
from starlette.requests import ClientDisconnect
from strawberry.fastapi import BaseContext
from strawberry.types import ExecutionResult

from service.api.limits import refused_limit
from service.api.masking import error_id_of
from service.api.offload import HeavyWorkRefused, TimeBudgetExceeded, time_budget
from service.api.prepared import ArchgraphSchema
from service.errors import ArchgraphError, InvalidArgument
from service.http.access import AccessRecord, access_record
from service.http.graphiql import graphiql_response
from service.http.graphql_request import (
    GRAPHQL_RESPONSE,
    JSON,
    GraphQLParams,
    Refusal,
    negotiate,
    params_from_body,
    params_from_url,
)
from service.http.live import gone_headers, request_graph
from service.http.response_cache import GRAPH_KEY, RAW_KEY, ResponseCache, etag_of
from service.http.state import AppState
from service.knowledge import KnowledgeGraph
from service.kube.model import ClusterSnapshot
from service.packs.versions import GraphVersions, VersionNotKept

ALLOWED_OPERATIONS = {
    "GET": (OperationType.QUERY,),
    "POST": (OperationType.QUERY, OperationType.MUTATION),
}
# Error kinds an answer may hold and still be served again: the same question about the
# same graph meets them again (an unknown id, say); masked, time-budget errors are not so.
DETERMINISTIC_ERRORS = frozenset({"user", "variables"})
_PHASE_KIND = {"parse": "parse", "limits": "limit", "validation": "validation"}


class HttpContext(BaseContext):
    """The resolver context for one HTTP request (satisfies ``service.api.context.Context``)."""

    def __init__(
        self,
        kg: KnowledgeGraph,
        scenarios: Mapping[str, ClusterSnapshot],
        versions: GraphVersions,
    ) -> None:
        super().__init__()
        self.kg = kg  # the graph the request started with, whatever a reload swaps in
        self.scenarios = scenarios
        self.versions = versions


def _response(
    body: dict[str, Any], status: int, media: str, headers: Mapping[str, str] | None = None
) -> Response:
    return _bytes_response(orjson.dumps(body), status, media, headers)


def _bytes_response(
    body: bytes, status: int, media: str, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        body, status_code=status, media_type=media, headers={"Vary": "Accept", **(headers or {})}
    )


def _record_errors(record: AccessRecord, errors: list[GraphQLError]) -> None:
    kinds: list[str] = []
    for error in errors:
        original = error.original_error
        if (error_id := error_id_of(error)) is not None:
            kinds.append("unexpected")
            record.error_id = record.error_id or error_id
        elif isinstance(original, TimeBudgetExceeded | HeavyWorkRefused):
            kinds.append("time_budget")
            record.refused = record.refused or "timeBudget"
        elif isinstance(original, ArchgraphError) or error.path is not None:
            kinds.append("user")
        else:
            kinds.append("variables")
    record.error_kinds.extend(dict.fromkeys(kinds))


class GraphQLEndpoint:
    """The ``/graphql`` endpoint for one app: its schema, graph and settings."""

    def __init__(self, state: AppState) -> None:
        assert isinstance(state.schema, ArchgraphSchema), "build the schema with build_schema()"
        self.state = state
        self.schema: ArchgraphSchema = state.schema

    async def __call__(self, request: Request) -> Response:
        record = access_record(request.scope)
        accept = request.headers.get("accept")
        if (
            request.method == "GET"
            and "query" not in request.query_params
            and "text/html" in (accept or "").lower()
            and self.state.settings.graphiql
        ):
            return graphiql_response()
        media = negotiate(accept)
        try:
            if media is None:
                raise Refusal(
                    406,
                    f"cannot answer in any type of Accept: {accept!r}; "
                    f"accept {GRAPHQL_RESPONSE} or {JSON}",
                    "NOT_ACCEPTABLE",
                )
            if request.method == "GET":
                params = params_from_url(request)
            else:
                params = await params_from_body(request, self.state.settings.max_body_bytes)
            return await self.execute(request, params, media, record)
        except Refusal as refusal:
            record.error_kinds.append("request")
            record.refused = refusal.limit
            error = {"message": refusal.message, "extensions": {"code": refusal.code}}
            return _response({"errors": [error]}, refusal.status, media or JSON, refusal.headers)
        except ClientDisconnect:
            record.error_kinds.append("request")
            return Response(status_code=499)  # nginx's "client closed request"; nobody reads it

    async def execute(
        self, request: Request, params: GraphQLParams, media: str, record: AccessRecord
    ) -> Response:
        prepared = self.schema.documents.prepare(params.query)
        operation = prepared.operation(params.operation_name)
        if operation is not None:
            record.operation_type = operation.operation.value
            record.operation = params.operation_name or (
                operation.name.value if operation.name else None
            )
        else:
            record.operation = params.operation_name
        if operation is not None and operation.operation not in ALLOWED_OPERATIONS[request.method]:
            raise Refusal(
                405,
                f"a {operation.operation.value} cannot be sent with GET; send it with POST",
                "METHOD_NOT_ALLOWED",
                headers={"Allow": "POST"},
            )
        request_error_status = 400 if media == GRAPHQL_RESPONSE else 200
        if prepared.errors:
            assert prepared.failed is not None
            record.error_kinds.append(_PHASE_KIND[prepared.failed])
            record.refused = refused_limit(prepared.errors[0])
            errors = [e.formatted for e in prepared.errors]
            return _response({"errors": errors}, request_error_status, media)
        if operation is None:
            message = (
                f"unknown operation named {params.operation_name!r}"
                if params.operation_name
                else "the document holds several operations: name one in operationName"
            )
            record.error_kinds.append("validation")
            return _response({"errors": [{"message": message}]}, request_error_status, media)

        try:  # the version pinned, else the graph the response cache keyed the request by
            kg = request_graph(self.state, request.query_params, request.scope.get(GRAPH_KEY))
        except InvalidArgument as exc:
            raise Refusal(400, str(exc)) from None
        except VersionNotKept as exc:
            raise Refusal(410, str(exc), "GONE", headers=gone_headers(request.url, exc)) from None
        assert prepared.document is not None
        cache = self.state.responses
        normalised = None
        if cache is not None and RAW_KEY in request.scope:  # a request small enough to key
            normalised = ResponseCache.normalised_key(
                kg.version,
                media,
                params.query,
                params.operation_name,
                params.variables,
                params.extensions,
            )
            answer = cache.get(normalised)
            if answer is not None:
                answer.replay(record)
                record.cacheable = True
                return self.body_response(answer.body, 200, media, request.method, kg.version)
        context = HttpContext(kg, self.state.scenarios, self.state.live.versions)
        context.request = request
        with time_budget(self.state.settings.time_budget_seconds):
            result = await self.schema.execute_prepared(
                prepared.document,
                variable_values=params.variables,
                context_value=context,
                operation_name=params.operation_name,
                operation_extensions=params.extensions,
            )
        response = self.result_response(result, media, record, request.method, kg.version)
        if cache is not None and response.status_code == 200:
            record.cacheable = DETERMINISTIC_ERRORS.issuperset(record.error_kinds)
            if normalised is not None and not record.error_kinds:
                cache.put(normalised, ResponseCache.answer(bytes(response.body), record))
        return response

    @classmethod
    def result_response(
        cls,
        result: ExecutionResult,
        media: str,
        record: AccessRecord,
        method: str = "POST",
        version: str = "",
    ) -> Response:
        errors = result.errors or []
        _record_errors(record, errors)
        body: dict[str, Any] = {}
        request_error = result.data is None and bool(errors) and all(e.path is None for e in errors)
        if request_error:  # e.g. variables that do not coerce: no execution, no data
            status = 500 if record.error_id else 400 if media == GRAPHQL_RESPONSE else 200
        else:
            status = 200
            body["data"] = result.data
        if errors:
            body["errors"] = [e.formatted for e in errors]
        if result.extensions:
            body["extensions"] = result.extensions
        return cls.body_response(orjson.dumps(body), status, media, method, version)

    @staticmethod
    def body_response(body: bytes, status: int, media: str, method: str, version: str) -> Response:
        """The answer; a GET's 200 carries an ETag (graph version and a hash of ``body``)."""
        if method == "GET" and status == 200:
            return _bytes_response(body, status, media, {"ETag": etag_of(version, body)})
        return _bytes_response(body, status, media)


def graphql_router(state: AppState) -> APIRouter:
    """``/graphql`` (mounted with that prefix): GET and POST, anything else 405."""
    router = APIRouter()
    router.add_api_route(
        "", GraphQLEndpoint(state), methods=["GET", "POST"], include_in_schema=False
    )
    return router

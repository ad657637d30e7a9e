"""Reading a GraphQL-over-HTTP request: its parameters (URL or JSON body) and the media type
to answer in. Every mistake is a :class:`Refusal` carrying the HTTP status and a message
that names the parameter, header or limit that was wrong."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from fastapi import Request

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"


@dataclass(frozen=True, slots=True)
class GraphQLParams:
    """The parameters of one GraphQL-over-HTTP request."""

    query: str
    operation_name: str | None = None
    variables: dict[str, Any] | None = None
    extensions: dict[str, Any] | None = None


class Refusal(Exception):
    """A request refused before execution, with its HTTP status and a message for the user."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str = "BAD_REQUEST",
        limit: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.limit = status, message, code, limit
        self.headers = dict(headers or {})


def negotiate(accept: str | None) -> str | None:
    """The media type to answer in: the client's most preferred one we speak, else None."""
    if not accept:
        return JSON
    best, best_q = None, 0.0
    for part in accept.split(","):
        media, _, parameters = part.partition(";")
        media = media.strip().lower()
        if media == GRAPHQL_RESPONSE:
            candidate = GRAPHQL_RESPONSE
        elif media in (JSON, "application/*", "*/*"):
            candidate = JSON
        else:
            continue
        q = 1.0
        for parameter in parameters.split(";"):
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > best_q:
            best, best_q = candidate, q
    return best


def _json_object(value: object, name: str) -> dict[str, Any] | None:
    if value is None or isinstance(value, dict):
        return value
    raise Refusal(400, f'"{name}" must be a JSON object (or null)')


def params_from(raw: Mapping[str, Any]) -> GraphQLParams:
    """Check the request parameters' types; every mistake is a 400 that names the parameter."""
    query = raw.get("query")
    if query is None:
        raise Refusal(400, 'the request has no "query": send the GraphQL document in "query"')
    if not isinstance(query, str):
        raise Refusal(400, '"query" must be a string holding the GraphQL document')
    operation_name = raw.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise Refusal(400, '"operationName" must be a string (or null)')
    return GraphQLParams(
        query,
        operation_name,
        _json_object(raw.get("variables"), "variables"),
        _json_object(raw.get("extensions"), "extensions"),
    )


def params_from_url(request: Request) -> GraphQLParams:
    raw: dict[str, Any] = dict(request.query_params)
    for name in ("variables", "extensions"):
        if name in raw:
            try:
                raw[name] = orjson.loads(raw[name])
            except orjson.JSONDecodeError as exc:
                raise Refusal(400, f'"{name}" is not valid JSON: {exc}') from None
    return params_from(raw)


async def params_from_body(request: Request, max_bytes: int) -> GraphQLParams:
    content_type = request.headers.get("content-type")
    if content_type is None:
        raise Refusal(
            415, "a POST needs the header Content-Type: application/json", "UNSUPPORTED_MEDIA_TYPE"
        )
    media, _, parameters = content_type.partition(";")
    if media.strip().lower() != JSON or _charset(parameters) not in ("utf-8", "utf8"):
        raise Refusal(
            415,
            f"unsupported Content-Type {content_type!r}: send application/json (UTF-8)",
            "UNSUPPORTED_MEDIA_TYPE",
        )
    body = await _read_body(request, max_bytes)
    if not body.strip():
        raise Refusal(400, 'the request body is empty: send a JSON object with a "query"')
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Refusal(400, f"the request body is not valid JSON: {exc}") from None
    if isinstance(payload, list):
        raise Refusal(
            400,
            "batched requests (a JSON array) are not supported: send one operation per request",
            limit="batching",
        )
    if not isinstance(payload, dict):
        raise Refusal(400, 'the request body must be a JSON object with a "query"')
    return params_from(payload)


def _charset(parameters: str) -> str:
    """The ``charset`` of a Content-Type's parameters; JSON's default is UTF-8."""
    for parameter in parameters.split(";"):
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return "utf-8"


async def _read_body(request: Request, max_bytes: int) -> bytes:
    too_large = Refusal(
        413,
        f"the request body is larger than the limit of {max_bytes} bytes",
        "PAYLOAD_TOO_LARGE",
        limit="maxBodyBytes",
    )
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > max_bytes:
        raise too_large
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)

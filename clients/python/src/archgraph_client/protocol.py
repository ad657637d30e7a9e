"""GraphQL over HTTP without the I/O: the request body, and the answer turned into data or errors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

import httpx

from archgraph_client.errors import (
    ArchgraphConnectionError,
    ArchgraphHTTPError,
    ArchgraphQueryError,
    ArchgraphResponseError,
    ErrorDetail,
)
from archgraph_client.operations import Operation

T = TypeVar("T")

# With plain JSON the server answers 200 even for invalid documents (GraphQL-over-HTTP),
# so a 4xx/5xx is always a problem of the HTTP exchange, not of the query.
HEADERS = {"accept": "application/json", "content-type": "application/json"}


def request_body(
    query: str, variables: Mapping[str, Any] | None, operation_name: str | None
) -> dict[str, Any]:
    body: dict[str, Any] = {"query": query}
    if variables:
        body["variables"] = dict(variables)
    if operation_name is not None:
        body["operationName"] = operation_name
    return body


def connection_error(url: str, exc: httpx.TransportError) -> ArchgraphConnectionError:
    """Wrap httpx's transport error; its text is often empty (timeouts), its type never."""
    detail = str(exc).strip()
    reason = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return ArchgraphConnectionError(url, reason)


def response_data(url: str, response: httpx.Response) -> dict[str, Any]:
    """The ``data`` of a GraphQL response, or the matching client error.

    Raises:
        ArchgraphHTTPError: the status is not 2xx.
        ArchgraphResponseError: the body is not a GraphQL response.
        ArchgraphQueryError: the response carries ``errors``.
    """
    if not response.is_success:
        raise ArchgraphHTTPError(url, response.status_code, response.reason_phrase, response.text)
    try:
        payload = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        content_type = response.headers.get("content-type", "no content-type")
        raise ArchgraphResponseError(
            url, f"the body is not JSON ({content_type}): {response.text[:200]!r}"
        ) from None
    if not isinstance(payload, dict) or not ({"data", "errors"} & payload.keys()):
        raise ArchgraphResponseError(url, "the body is JSON but not a GraphQL response")
    data = payload.get("data")
    if payload.get("errors"):
        raise ArchgraphQueryError([ErrorDetail.from_json(e) for e in payload["errors"]], data)
    if not isinstance(data, dict):
        raise ArchgraphResponseError(url, "the response has neither data nor errors")
    return data


def decode(url: str, operation: Operation[T], data: Mapping[str, Any]) -> T:
    """Decode the root field of ``operation``; a shape mismatch means the schema drifted."""
    try:
        return operation.decode(data[operation.field])
    except (KeyError, TypeError, ValueError) as exc:
        raise ArchgraphResponseError(
            url, f"{operation.field}: the data does not match the client's types ({exc!r})"
        ) from exc

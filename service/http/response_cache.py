"""Repeated GraphQL requests answered from memory, before any GraphQL machinery runs.

The graph is read-only, so an answer is a pure function of the graph version, the app
(its schema and limits) and the request: its document, variables, operation name,
extensions and the media type it is answered in. :class:`ResponseCacheMiddleware` keys
a ``/graphql`` request by its raw form (the graph version, the method, the
``Content-Type`` and ``Accept`` headers, the query string, and the body of a POST) and
answers a request it has seen with the stored bytes, without parsing JSON, routing or
executing. The endpoint keeps a second key, the normalised one (document
without insignificant characters, variables with sorted keys), so the same question
asked in other words is not executed twice either (:meth:`ResponseCache.normalised_key`).

What is stored is what the endpoint marked :attr:`AccessRecord.cacheable`: a 200 answer
whose errors, if any, are deterministic (a user error such as an unknown id). Refusals
(parse, validation, limits), masked unexpected errors and time-budget errors are never
stored: each request meets them afresh. A hit still goes through the access log and
the metrics, with the operation name, type and error kinds of the answer it replays.

GraphQL GET answers carry an ``ETag`` (graph version and a hash of the body); a GET whose
``If-None-Match`` holds it gets ``304 Not Modified``, cached or not.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
from graphql.utilities import strip_ignored_characters
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.http.access import AccessRecord, access_record
from service.http.conditional import etag_matches
from service.knowledge import KnowledgeGraph

Key = tuple[object, ...]
# The scope key under which the middleware leaves a request's raw key: the endpoint keys
# by meaning only the requests the middleware could key (small ones).
RAW_KEY = "archgraph.response_key"
# ... and the graph it keyed it by, the one the endpoint answers from (unless the request
# pins another ``version``): a reload between the two cannot file one graph's answer under
# another's version.
GRAPH_KEY = "archgraph.graph"
ROUTE = "/graphql"

DEFAULT_MAX_ENTRIES = 2048
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
# Larger requests and answers pass by the cache: their keys and bodies would pin memory
# that the scale of their computation (a cluster simulation) makes worthless to save.
MAX_KEYED_REQUEST = 16 * 1024
MAX_CACHED_ANSWER = 1024 * 1024


@dataclass(frozen=True, slots=True)
class CachedAnswer:
    """A complete ``/graphql`` answer and what its request did, for the access log."""

    status: int
    headers: tuple[tuple[bytes, bytes], ...]  # as ASGI sends them, Content-Length included
    body: bytes
    etag: bytes | None
    operation: str | None
    operation_type: str | None
    error_kinds: tuple[str, ...]
    # the headers a 304 for this answer repeats, worked out once rather than per request
    not_modified: tuple[tuple[bytes, bytes], ...] = ()

    def replay(self, record: AccessRecord) -> None:
        """Fill ``record`` as the request that computed this answer filled its own."""
        record.operation = self.operation
        record.operation_type = self.operation_type
        record.error_kinds.extend(self.error_kinds)
        record.cached = True
        record.route = ROUTE


class ResponseCache:
    """An LRU of :class:`CachedAnswer` by key, bounded in entries and in bytes."""

    def __init__(
        self, max_entries: int = DEFAULT_MAX_ENTRIES, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self._answers: OrderedDict[Key, CachedAnswer] = OrderedDict()

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, key: Key) -> CachedAnswer | None:
        answer = self._answers.get(key)
        if answer is None:
            self.misses += 1
            return None
        self._answers.move_to_end(key)
        self.hits += 1
        return answer

    def put(self, key: Key, answer: CachedAnswer) -> None:
        size = _size(key, answer)
        if self.max_entries <= 0 or size > min(self.max_bytes, MAX_CACHED_ANSWER):
            return
        old = self._answers.pop(key, None)
        if old is not None:
            self.bytes -= _size(key, old)
        self._answers[key] = answer
        self.bytes += size
        while len(self._answers) > self.max_entries or self.bytes > self.max_bytes:
            evicted_key, evicted = self._answers.popitem(last=False)
            self.bytes -= _size(evicted_key, evicted)

    def clear(self) -> None:
        self._answers.clear()
        self.bytes = 0

    @staticmethod
    def answer(body: bytes, record: AccessRecord) -> CachedAnswer:
        """A 200 answer's body and what its request did (no headers: the endpoint adds them)."""
        return answer_from(200, (), body, record)

    @staticmethod
    def normalised_key(
        version: str,
        media: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, Any] | None,
        extensions: dict[str, Any] | None,
    ) -> Key:
        """The key of a request's meaning: the same question in other words has the same key.

        Only error-free answers are stored under it: an error's ``locations`` point into
        the very text that was sent.
        """
        return (
            "normalised",
            version,
            media,
            normalise_document(query),
            operation_name,
            orjson.dumps(variables, option=orjson.OPT_SORT_KEYS) if variables else b"",
            orjson.dumps(extensions, option=orjson.OPT_SORT_KEYS) if extensions else b"",
        )


@lru_cache(maxsize=1024)
def normalise_document(query: str) -> str:
    """``query`` without insignificant whitespace, commas and comments (once per text)."""
    try:
        return strip_ignored_characters(query)
    except Exception:
        return query


def _size(key: Key, answer: CachedAnswer) -> int:
    return len(answer.body) + sum(len(part) for part in key if isinstance(part, bytes | str))


def etag_of(version: str, body: bytes) -> str:
    """A strong ETag for a GraphQL answer: the graph version and a hash of the bytes."""
    return f'"{version}-{hashlib.blake2b(body, digest_size=8).hexdigest()}"'


def answer_from(
    status: int,
    headers: list[tuple[bytes, bytes]] | tuple[tuple[bytes, bytes], ...],
    body: bytes,
    record: AccessRecord,
) -> CachedAnswer:
    etag = next((value for name, value in headers if name == b"etag"), None)
    return CachedAnswer(
        status=status,
        headers=tuple(headers),
        body=body,
        etag=etag,
        operation=record.operation,
        operation_type=record.operation_type,
        error_kinds=tuple(record.error_kinds),
        not_modified=_not_modified_headers(tuple(headers)),
    )


def _not_modified_headers(
    answer_headers: tuple[tuple[bytes, bytes], ...],
) -> tuple[tuple[bytes, bytes], ...]:
    kept = (b"etag", b"vary", b"cache-control")
    return tuple((name, value) for name, value in answer_headers if name in kept)


class ResponseCacheMiddleware:
    """Answers repeated ``/graphql`` requests from :class:`ResponseCache`; see the module."""

    def __init__(
        self,
        app: ASGIApp,
        cache: ResponseCache | None,
        graph: Callable[[], KnowledgeGraph | None],
        path: str = ROUTE,
    ) -> None:
        self.app = app
        self.cache = cache
        self.graph = graph  # the graph being served (the app state's, read per request)
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cache = self.cache
        kg = self.graph()
        if scope["type"] != "http" or scope["path"] != self.path or cache is None or kg is None:
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        content_type = accept = if_none_match = b""
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value
            elif name == b"content-type":
                content_type = value
            elif name == b"if-none-match":
                if_none_match = value
        if method == "GET":
            request: bytes = scope["query_string"]
            if not request or len(request) > MAX_KEYED_REQUEST:
                await self._pass(scope, receive, send, None, if_none_match)
                return
        elif method == "POST":
            messages, complete = await _read_body(receive)
            receive = _replay(messages, receive)
            if not complete:  # too large to key, or the client went away
                await self._pass(scope, receive, send, None, if_none_match)
                return
            request = b"".join(m.get("body", b"") for m in messages)
        else:
            await self.app(scope, receive, send)
            return
        # a POST's query string may pin a graph version (service.http.live): part of the key
        query = scope["query_string"] if method == "POST" else b""
        key: Key = (kg.version, method, content_type, accept, query, request)
        scope[RAW_KEY] = key
        scope[GRAPH_KEY] = kg
        answer = cache.get(key)
        if answer is None:
            await self._pass(scope, receive, send, key, if_none_match)
            return
        answer.replay(access_record(scope))
        etag = answer.etag
        if (
            if_none_match
            and etag is not None
            and (if_none_match == etag or etag_matches(if_none_match, etag))
        ):
            await send(
                {"type": "http.response.start", "status": 304, "headers": list(answer.not_modified)}
            )
            await send({"type": "http.response.body", "body": b""})
            return
        await send(
            {
                "type": "http.response.start",
                "status": answer.status,
                "headers": list(answer.headers),
            }
        )
        await send({"type": "http.response.body", "body": answer.body})

    async def _pass(
        self, scope: Scope, receive: Receive, send: Send, key: Key | None, if_none_match: bytes
    ) -> None:
        """Let the endpoint answer; store its answer under ``key``; turn a match into 304."""
        start: Message | None = None
        held: Message | None = None  # a GET's 200 start, until its body says whether it is 304
        conditional = scope["method"] == "GET" and bool(if_none_match)

        async def capture(message: Message) -> None:
            nonlocal start, held
            if message["type"] == "http.response.start":
                start = message
                if conditional and message["status"] == 200:
                    held = message
                else:
                    await send(message)
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            headers = start.get("headers", [])
            complete = not message.get("more_body", False)
            if key is not None and start["status"] == 200 and complete:
                record = access_record(scope)
                if record.cacheable and self.cache is not None:
                    answer = answer_from(200, headers, message.get("body", b""), record)
                    self.cache.put(key, answer)
            if held is not None:
                etag = next((value for name, value in headers if name == b"etag"), None)
                if complete and etag is not None and etag_matches(if_none_match, etag):
                    not_modified = list(_not_modified_headers(tuple(headers)))
                    message = {"type": "http.response.body", "body": b""}
                    held = {"type": "http.response.start", "status": 304, "headers": not_modified}
                await send(held)
                held = None
            await send(message)

        await self.app(scope, receive, capture)


async def _read_body(receive: Receive) -> tuple[list[Message], bool]:
    """The request's messages up to its whole body, or up to :data:`MAX_KEYED_REQUEST` bytes.

    Returns the messages read and whether they hold the whole body.
    """
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, False
        size += len(message.get("body", b""))
        if size > MAX_KEYED_REQUEST:
            return messages, False
        if not message.get("more_body", False):
            return messages, True


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that gives ``messages`` again, then whatever else comes."""
    pending = list(messages)

    async def receive_again() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return receive_again

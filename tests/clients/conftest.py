"""Fixtures for the clients: the app in-process, a real uvicorn on a free port, the root fields."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import anyio.from_thread
import httpx
import pytest
from archgraph_client import ArchgraphClient, AsyncArchgraphClient
from fastapi import FastAPI
from live_server import LiveServer, free_port

from service.http.app import create_app
from service.knowledge import KnowledgeGraph


class SyncASGITransport(httpx.BaseTransport):
    """httpx's ``ASGITransport`` is async-only; this drives it from sync code through a portal."""

    def __init__(self, app: Any) -> None:
        self._asgi = httpx.ASGITransport(app=app)
        self._portal_context: Any = anyio.from_thread.start_blocking_portal()
        self._portal = self._portal_context.__enter__()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def send() -> tuple[int, httpx.Headers, bytes]:
            response = await self._asgi.handle_async_request(request)
            return response.status_code, response.headers, await response.aread()

        status, headers, body = self._portal.call(send)
        return httpx.Response(status, headers=headers, content=body, request=request)

    def close(self) -> None:
        # httpx.Client.close() closes its transport; the fixture closes it again, harmlessly.
        if self._portal_context is not None:
            self._portal_context.__exit__(None, None, None)
            self._portal_context = None


@pytest.fixture
def sync_asgi_transport() -> Iterator[Callable[[Any], httpx.BaseTransport]]:
    """Make ``SyncASGITransport``s for an app; they are closed after the test."""
    made: list[SyncASGITransport] = []

    def make(app: Any) -> httpx.BaseTransport:
        made.append(SyncASGITransport(app))
        return made[-1]

    yield make
    for transport in made:
        transport.close()


@pytest.fixture
def unused_url() -> str:
    """A URL on which nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(scope="session")
def app(kg: KnowledgeGraph) -> FastAPI:
    return create_app(kg=kg)


@pytest.fixture(scope="session")
def live_server(server: LiveServer) -> str:
    """The session's real server; yields its base URL."""
    return server.url


@pytest.fixture(
    params=[
        "in-process",  # the app through httpx's ASGI transport, driven from sync code
        pytest.param("socket", marks=pytest.mark.e2e),  # a real uvicorn on a free port
    ]
)
def archgraph(
    request: pytest.FixtureRequest,
    app: FastAPI,
    sync_asgi_transport: Callable[[Any], httpx.BaseTransport],
) -> Iterator[ArchgraphClient]:
    """The sync client, once per way of reaching the service."""
    if request.param == "socket":
        with ArchgraphClient(request.getfixturevalue("live_server")) as client:
            yield client
        return
    transport = sync_asgi_transport(app)
    with ArchgraphClient("http://archgraph.test", transport=transport) as client:
        yield client


@pytest.fixture
def async_archgraph(app: FastAPI) -> AsyncArchgraphClient:
    """The async client talking to the app in-process (use it with ``async with``)."""
    return AsyncArchgraphClient("http://archgraph.test", transport=httpx.ASGITransport(app=app))


@pytest.fixture(scope="session")
def root_fields(app: FastAPI) -> frozenset[str]:
    """The root fields the live schema offers, found by introspection."""
    transport = SyncASGITransport(app)
    try:
        with httpx.Client(transport=transport, base_url="http://archgraph.test") as http:
            response = http.post(
                "/graphql", json={"query": "{ __schema { queryType { fields { name } } } }"}
            )
    finally:
        transport.close()
    return frozenset(f["name"] for f in response.json()["data"]["__schema"]["queryType"]["fields"])


@pytest.fixture
def require_field(root_fields: frozenset[str]) -> Callable[[str], None]:
    """``require_field("failureConsequences")`` skips the test until the server has it."""

    def require(name: str) -> None:
        if name not in root_fields:
            pytest.skip(f"the live schema has no Query.{name} yet")

    return require

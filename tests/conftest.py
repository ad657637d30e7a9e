"""Shared fixtures: the built-in graph, the schema, an in-process HTTP client, tiny packs."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import strawberry
from live_server import LiveServer, live_server

from service.api.context import PlainContext
from service.api.schema import build_schema
from service.http.app import create_app
from service.knowledge import KnowledgeGraph
from service.packs.loader import load_graph

TINY_NOTES = """\
# Tiny notes

## Hosting

Apps run on servers.
Servers run on racks.
"""


@pytest.fixture(scope="session")
def kg() -> KnowledgeGraph:
    """The built-in knowledge graph, loaded once."""
    return load_graph()


@pytest.fixture(scope="session")
def schema() -> strawberry.Schema:
    return build_schema()


@pytest.fixture
def gql(schema: strawberry.Schema, kg: KnowledgeGraph) -> Callable[..., dict[str, Any]]:
    """Run a document in-process; returns ``{"data": ..., "errors": [...]}``."""

    def run(document: str, **variables: Any) -> dict[str, Any]:
        result = asyncio.run(
            schema.execute(
                document, variable_values=variables or None, context_value=PlainContext(kg)
            )
        )
        payload: dict[str, Any] = {"data": result.data}
        if result.errors:
            payload["errors"] = [e.formatted for e in result.errors]
        return payload

    return run


@pytest.fixture
async def client(kg: KnowledgeGraph) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to the app in-process (ASGI transport)."""
    app = create_app(kg=kg)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://archgraph.test") as c:
        yield c


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One real ``archgraph serve`` (uvicorn on a free port) shared by the session."""
    with live_server(tmp_path_factory.mktemp("server")) as running:
        yield running


@pytest.fixture
def make_pack(tmp_path: Path) -> Callable[..., Path]:
    """Write a knowledge pack: ``make_pack(files={"a.yaml": "..."}, notes=TINY_NOTES)``."""

    def write(files: dict[str, str], notes: str = TINY_NOTES, name: str = "pack") -> Path:
        root = tmp_path / name
        (root / "sources").mkdir(parents=True)
        (root / "sources" / "tiny.md").write_text(notes)
        for relative, text in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text))
        return root

    return write

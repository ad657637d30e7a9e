"""The HTTP surface in-process, through httpx's ASGI transport."""

from __future__ import annotations

import httpx

from service.api.schema import schema_sdl
from service.knowledge import KnowledgeGraph

QUERY = '{ entity(id: "container") { name } }'


async def test_graphql_answers_a_post(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": QUERY})
    assert response.status_code == 200
    assert response.json() == {"data": {"entity": {"name": "Container"}}}


async def test_graphql_answers_a_get(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": QUERY})
    assert response.status_code == 200
    assert response.json() == {"data": {"entity": {"name": "Container"}}}


async def test_a_browser_gets_graphiql(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_healthz_says_the_process_is_up(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


async def test_readyz_reports_the_loaded_graph(
    client: httpx.AsyncClient, kg: KnowledgeGraph
) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "version": kg.version,
        "entities": 79,
        "relations": kg.number_of_relations(),
        "versions": [kg.version],  # kept, newest first
        "watching": False,
    }


async def test_schema_graphql_is_served(client: httpx.AsyncClient) -> None:
    response = await client.get("/schema.graphql")
    assert response.status_code == 200
    assert response.text == schema_sdl()


async def test_an_unexpected_failure_is_masked(
    client: httpx.AsyncClient, monkeypatch: object
) -> None:
    import service.api.lookup as schema_module

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(schema_module, "find_entities", explode)  # type: ignore[attr-defined]
    response = await client.post("/graphql", json={"query": "{ entities { totalCount } }"})
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    error_id = error["extensions"]["errorId"]
    assert error["message"] == f"Unexpected error (error id {error_id})."
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "passwd" not in response.text

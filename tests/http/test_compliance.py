"""GraphQL over HTTP: the graphql-http audit against a live server, and our own edge cases."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from live_server import live_server

from service.http.graphql_request import GRAPHQL_RESPONSE, JSON, negotiate

AUDIT_DIR = Path(__file__).resolve().parents[1] / "audit"
QUERY = '{ entity(id: "container") { name } }'


@pytest.fixture(scope="module")
def node() -> str:
    """The node binary, once ``npm ci`` has installed the pinned audit suite."""
    node = shutil.which("node")
    if node is None:
        reason = "node is not installed"
    elif not (AUDIT_DIR / "node_modules" / "graphql-http").is_dir():
        reason = "the audit suite is not installed (cd tests/audit && npm ci)"
    else:
        return node
    if os.environ.get("CI"):
        pytest.fail(f"the GraphQL-over-HTTP audit cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.mark.e2e
def test_the_graphql_over_http_audit_passes_every_check(node: str, tmp_path: Path) -> None:
    with live_server(tmp_path, env={"ARCHGRAPH_LOG_LEVEL": "warning"}) as server:
        run = subprocess.run(
            [node, "audit.mjs", server.graphql],
            cwd=AUDIT_DIR,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    print(report["summary"])
    assert [r for r in report["results"] if r["status"] != "ok"] == []
    assert report["summary"] == "61 audits: 61 ok, 0 notices, 0 warnings, 0 errors"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, JSON),  # no Accept: JSON, for legacy clients
        ("*/*", JSON),
        ("application/json", JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        # the client's order decides between equals, its q-values above all
        (f"{GRAPHQL_RESPONSE}, application/json", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE}", JSON),
        (f"application/json;q=0.9, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        ("text/html,application/xhtml+xml,*/*;q=0.8", JSON),  # a browser following a link
        ("text/xml", None),  # nothing we speak: 406
        ("application/json;q=0", None),  # explicitly refused
    ],
)
def test_negotiate_picks_the_clients_preferred_type(accept: str | None, expected: str) -> None:
    assert negotiate(accept) == expected


async def test_a_get_runs_a_query(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": QUERY})
    assert (response.status_code, response.headers["content-type"]) == (200, JSON)
    assert response.json() == {"data": {"entity": {"name": "Container"}}}


async def test_a_mutation_over_get_is_405_naming_post(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "mutation { __typename }"})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["message"] == (
        "a mutation cannot be sent with GET; send it with POST"
    )


async def test_other_methods_are_405(client: httpx.AsyncClient) -> None:
    response = await client.put("/graphql", json={"query": QUERY})
    assert response.status_code == 405
    assert sorted(response.headers["allow"].split(", ")) == ["GET", "POST"]


@pytest.mark.parametrize(
    ("headers", "content"),
    [
        ({}, b'{"query": "{ __typename }"}'),  # no Content-Type at all
        ({"content-type": "text/plain"}, b'{"query": "{ __typename }"}'),
        ({"content-type": "application/x-www-form-urlencoded"}, b"query=%7B__typename%7D"),
        ({"content-type": "application/graphql"}, b"{ __typename }"),
        ({"content-type": "application/json; charset=latin-1"}, b'{"query": "{ __typename }"}'),
    ],
)
async def test_unsupported_content_types_are_415(
    client: httpx.AsyncClient, headers: dict[str, str], content: bytes
) -> None:
    response = await client.post("/graphql", headers=headers, content=content)
    assert response.status_code == 415
    assert "application/json" in response.json()["errors"][0]["message"]


async def test_malformed_json_is_400_with_a_clear_message(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql", headers={"content-type": "application/json"}, content=b'{"query": "{'
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["message"].startswith("the request body is not valid JSON: ")
    assert error["extensions"] == {"code": "BAD_REQUEST"}


async def test_a_client_accepting_nothing_we_speak_gets_406(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": QUERY}, headers={"accept": "text/xml"})
    assert response.status_code == 406
    assert response.json()["errors"][0]["extensions"] == {"code": "NOT_ACCEPTABLE"}


@pytest.mark.parametrize(
    ("accept", "status"),
    [(JSON, 200), (GRAPHQL_RESPONSE, 400)],
)
@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": "{"}, "Syntax Error: Expected Name, found <EOF>."),  # does not parse
        ({"query": "{ nope }"}, "Cannot query field 'nope' on type 'Query'."),  # invalid
        (  # variables that do not coerce
            {"query": "query ($id: ID!) { entity(id: $id) { name } }", "variables": {"id": None}},
            "Variable '$id' has invalid value: Expected value of non-null type 'ID!' not to be None.",
        ),
        ({"query": "query A { __typename } query B { __typename }"}, "several operations"),
        ({"query": "query A { __typename }", "operationName": "B"}, "unknown operation named 'B'"),
    ],
)
async def test_request_errors_have_no_data_and_a_status_by_media_type(
    client: httpx.AsyncClient, accept: str, status: int, body: dict[str, object], message: str
) -> None:
    response = await client.post("/graphql", json=body, headers={"accept": accept})
    assert (response.status_code, response.headers["content-type"]) == (status, accept)
    payload = response.json()
    assert "data" not in payload
    assert message in payload["errors"][0]["message"]


async def test_a_field_error_keeps_data_and_status_200(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        json={"query": "{ entities(first: 9999) { totalCount } }"},
        headers={"accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 200
    payload = response.json()
    assert payload["data"] is None
    assert payload["errors"][0]["message"] == "first: must be between 0 and 500, got 9999"
    assert payload["errors"][0]["path"] == ["entities"]


async def test_a_batch_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json=[{"query": QUERY}, {"query": QUERY}])
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == (
        "batched requests (a JSON array) are not supported: send one operation per request"
    )


async def test_a_browser_without_a_query_gets_graphiql(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", headers={"accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


async def test_a_browser_with_a_query_gets_json(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/graphql", params={"query": QUERY}, headers={"accept": "text/html,*/*;q=0.8"}
    )
    assert response.json() == {"data": {"entity": {"name": "Container"}}}


async def test_responses_vary_by_accept(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": QUERY})
    assert response.headers["vary"] == "Accept"

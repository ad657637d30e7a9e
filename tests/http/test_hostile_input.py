"""Hostile and broken requests: each answered quickly, with a clear error, and never a 500.

The time bound (2 s, in-process) is a guard against pathological blow-ups, not a benchmark.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from service.settings import Settings

ENTITY = "query ($id: ID!) { entity(id: $id) { name } }"
SEARCH = "query ($s: String) { entities(search: $s, first: 3) { totalCount nodes { id } } }"


def deep(levels: int) -> str:
    return "{" + "entity(id: 1) { " * levels + "name" + " }" * levels + "}"


# (request for httpx, expected status, a part of the first error's message)
CASES: dict[str, tuple[dict[str, Any], int, str]] = {
    "deep nesting, over the depth limit": (
        {"json": {"query": deep(12)}},
        200,
        "query depth 13 exceeds the maximum depth of 10",
    ),
    "deep nesting, past what the parser takes": (
        {"json": {"query": deep(400)}},
        200,
        "Document is nested too deeply",
    ),
    "alias flood": (
        {"json": {"query": "{" + " ".join(f"a{i}: __typename" for i in range(5000)) + "}"}},
        200,
        "tokens, the maximum",  # the token limit stops it before the alias count
    ),
    "alias flood under the token limit": (
        {"json": {"query": "{" + " ".join(f"a{i}: __typename" for i in range(100)) + "}"}},
        200,
        "query uses 100 aliases, more than the maximum of 15",
    ),
    "token flood": (
        {"json": {"query": "{" + "__typename " * 20_000 + "}"}},
        200,
        "query has more than 2000 tokens, the maximum",
    ),
    "fragment bomb": (
        {
            "json": {
                "query": '{ entity(id: "container") { ...F30 } }\n'
                + "fragment F0 on Entity { name }\n"
                + "\n".join(
                    f"fragment F{i} on Entity {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 31)
                )
            }
        },
        200,
        "exceeds the maximum cost of 50000",
    ),
    "huge body": (
        {"json": {"query": "{ __typename }", "pad": "x" * (2 * 1024 * 1024)}},
        413,
        "larger than the limit of 1048576 bytes",
    ),
    "malformed JSON": (
        {"content": b'{"query": "{ __typename }"', "headers": {"content-type": "application/json"}},
        400,
        "the request body is not valid JSON",
    ),
    "body that is not UTF-8": (
        {"content": b'{"query": "\xff\xfe"}', "headers": {"content-type": "application/json"}},
        400,
        "the request body is not valid JSON",
    ),
    "JSON nested 100,000 deep": (
        {
            "content": b'{"query": "{ __typename }", "variables": {"x": '
            + b"[" * 100_000
            + b"]" * 100_000
            + b"}}",
            "headers": {"content-type": "application/json"},
        },
        400,
        "the request body is not valid JSON: depth limit exceeded",
    ),
    "JSON that is not an object": (
        {"json": "{ __typename }"},
        400,
        'the request body must be a JSON object with a "query"',
    ),
    "query that is not a string": (
        {"json": {"query": {"nested": "object"}}},
        400,
        '"query" must be a string',
    ),
    "variables that are not an object": (
        {"json": {"query": ENTITY, "variables": ["container"]}},
        400,
        '"variables" must be a JSON object',
    ),
    "wrong variable type": (
        {"json": {"query": ENTITY, "variables": {"id": {"an": "object"}}}},
        200,
        "Variable '$id' has invalid value",
    ),
    "wrong literal type": (
        {"json": {"query": '{ entities(first: "ten") { totalCount } }'}},
        200,
        'Int cannot represent non-integer value: "ten"',
    ),
    "unknown enum value": (
        {"json": {"query": "{ entities(kind: NOPE) { totalCount } }"}},
        200,
        "Value 'NOPE' does not exist in 'EntityKind' enum.",
    ),
    "unknown id where one is required": (
        {"json": {"query": '{ blastRadius(id: "no-such-thing") { origin { id } } }'}},
        200,
        "id: no entity with id 'no-such-thing'",
    ),
    "first out of range": (
        {"json": {"query": "{ entities(first: -1) { totalCount } }"}},
        200,
        "first: must be between 0 and 500, got -1",
    ),
    "integer overflow": (
        {"json": {"query": "{ entities(first: 99999999999999999999) { totalCount } }"}},
        200,
        "Int cannot represent non 32-bit signed integer value",
    ),
    "maxHops out of range": (
        {
            "json": {
                "query": '{ stackPaths(from: "container", to: "virtual-machine", maxHops: 1000) '
                "{ kernelCount } }"
            }
        },
        200,
        "maxHops",
    ),
    "garbage cursor": (
        {"json": {"query": '{ entities(after: "\\u0000\\u0007") { totalCount } }'}},
        200,
        "is not a cursor of this connection",
    ),
    "mutation over GET": (
        {"method": "GET", "params": {"query": "mutation { x }"}},
        405,
        "a mutation cannot be sent with GET",
    ),
    "variables in the URL that are not JSON": (
        {"method": "GET", "params": {"query": ENTITY, "variables": "{id: container"}},
        400,
        '"variables" is not valid JSON',
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
async def test_hostile_input_gets_a_quick_clear_error(client: httpx.AsyncClient, case: str) -> None:
    request, status, message = CASES[case]
    request = dict(request)
    method = request.pop("method", "POST")
    start = time.perf_counter()
    response = await client.request(method, "/graphql", **request)
    elapsed = time.perf_counter() - start
    assert response.status_code == status, response.text[:500]
    assert message in response.json()["errors"][0]["message"]
    assert "Unexpected error" not in response.text
    assert elapsed < 2, f"{case} took {elapsed:.2f} s"


@pytest.mark.parametrize(
    "search",
    [
        "\x00\x01\x07\x1b[31m",  # control characters and an ANSI escape
        "\ud7ff\ue000\U0010ffff",  # the edges of Unicode
        "x" * 100_000,  # a very long string
        "' OR 1=1 --",  # nothing here is SQL, but still
        "(((((((((((a+)+)+)+)+)+)+)+)+)+)+)+$",  # a regex bomb, if anything compiled it
    ],
)
async def test_strange_strings_in_arguments_are_just_strings(
    client: httpx.AsyncClient, search: str
) -> None:
    start = time.perf_counter()
    response = await client.post("/graphql", json={"query": SEARCH, "variables": {"s": search}})
    assert time.perf_counter() - start < 2
    assert response.status_code == 200
    assert response.json() == {"data": {"entities": {"totalCount": 0, "nodes": []}}}


@pytest.mark.parametrize(
    "entity_id", ["no-such-thing", "\x00", "container\n", "x" * 100_000, "../../etc/passwd"]
)
async def test_unknown_ids_are_null(client: httpx.AsyncClient, entity_id: str) -> None:
    response = await client.post("/graphql", json={"query": ENTITY, "variables": {"id": entity_id}})
    assert response.json() == {"data": {"entity": None}}


async def test_a_long_string_in_an_unknown_id_is_not_echoed_in_full(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/graphql",
        json={
            "query": "query ($id: ID!) { blastRadius(id: $id) { origin { id } } }",
            "variables": {"id": "x" * 100_000},
        },
    )
    assert response.status_code == 200
    assert len(response.content) < 250_000  # the error names the id, at worst once


FAILURE = (
    "query ($scenario: ClusterScenarioInput) { failureConsequences("
    'event: NODE_DOWN, target: "node-0", scenario: $scenario) { outcome { available } } }'
)


def scenario(
    nodes: int = 3, deployments: int = 1, replicas: int = 2, cpu: str = "2"
) -> dict[str, Any]:
    return {
        "nodes": [{"name": f"node-{i}", "cpu": cpu, "memory": "4Gi"} for i in range(nodes)],
        "deployments": [
            {"name": f"web-{i}", "replicas": replicas, "cpu": "500m", "memory": "1Gi"}
            for i in range(deployments)
        ],
    }


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (scenario(cpu="-1"), "scenario.nodes[0].cpu: '-1' is negative"),
        (scenario(cpu="1.5.2"), "scenario.nodes[0].cpu: '1.5.2' is not a Kubernetes quantity"),
        (scenario(cpu="10Qi"), "scenario.nodes[0].cpu: '10Qi' is not a Kubernetes quantity"),
        (scenario(cpu=""), "scenario.nodes[0].cpu: '' is not a Kubernetes quantity"),
        (scenario(nodes=10_001), "scenario.nodes: 10001 nodes is more than the limit of 10000"),
    ],
)
async def test_a_bad_scenario_over_http_names_the_field(
    client: httpx.AsyncClient, variables: dict[str, Any], message: str
) -> None:
    start = time.perf_counter()
    response = await client.post(
        "/graphql", json={"query": FAILURE, "variables": {"scenario": variables}}
    )
    assert time.perf_counter() - start < 2
    assert response.status_code == 200
    assert response.json()["errors"][0]["message"].startswith(message)


def test_the_largest_scenario_the_performance_issue_targets_fits_the_body_limit() -> None:
    # 5,000 nodes and 1,500 Deployments x 100 replicas, sent as variables
    body = json.dumps(
        {"query": FAILURE, "variables": {"scenario": scenario(5_000, 1_500, 100)}}
    ).encode()
    assert len(body) < Settings().max_body_bytes


async def test_a_thousand_copies_of_one_field_are_refused_clearly(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/graphql", json={"query": "{" + " __typename" * 999 + "}"})
    [error] = response.json()["errors"]
    assert error["message"].startswith("query is too complex to validate")
    assert error["extensions"] == {"code": "LIMIT_EXCEEDED", "limit": "validation"}

"""Query limits: measured right, refused before execution with the limit named, configurable,
and checked once per distinct document (no per-request validation rules, strawberry #4635)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import strawberry
import strawberry.schema.schema as strawberry_schema_module
from graphql import OperationDefinitionNode, get_introspection_query, parse

import service.api.prepared as prepared_module
from service.api.limits import Limits, Measure, check_limits, measure_operation
from service.api.prepared import ArchgraphSchema
from service.http.app import create_app
from service.knowledge import KnowledgeGraph
from service.queries import stacks
from service.settings import Settings


def nested(levels: int) -> str:
    """An entity query ``levels`` fields deep, through relations and their targets."""
    wrappers = ["relations" if i % 2 == 0 else "target" for i in range(levels - 2)]
    inner = "label" if wrappers and wrappers[-1] == "relations" else "name"
    for wrapper in reversed(wrappers):
        inner = f"{wrapper} {{ {inner} }}"
    return f'{{ entity(id: "container") {{ {inner} }} }}'


def measure(schema: strawberry.Schema, document: str) -> Measure:
    ast = parse(document)
    [operation] = [d for d in ast.definitions if isinstance(d, OperationDefinitionNode)]
    return measure_operation(schema._schema, ast, operation, Limits())


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        # every field is one level and costs 1
        ("{ __typename }", Measure(depth=1, cost=1)),
        # a list multiplies what is under it by the assumed list size (10)
        ('{ entity(id: "x") { relations { label } } }', Measure(depth=3, cost=1 + (1 + 10 * 1))),
        # `first` multiplies instead, and the connection's edges are not multiplied again
        (
            "{ entities(first: 100) { totalCount edges { node { id } } } }",
            Measure(depth=4, cost=1 + 100 * (1 + (1 + (1 + 1)))),
        ),
        # a variable `first` counts as the argument's default (50)
        ("query ($n: Int!) { entities(first: $n) { totalCount } }", Measure(depth=2, cost=51)),
        # aliases and directives are counted through fragments, each use once
        (
            "{ a: __typename ...F ...F } fragment F on Query { b: __typename @skip(if: false) }",
            Measure(depth=1, aliases=3, directives=2, cost=3),
        ),
        # introspection's ofType chains add no depth, and its lists are not multiplied
        (
            "{ __schema { types { fields { type { ofType { ofType { name } } } } } } }",
            Measure(depth=5, cost=7),
        ),
    ],
)
def test_measures(schema: strawberry.Schema, document: str, expected: Measure) -> None:
    assert measure(schema, document) == expected


def test_the_full_introspection_query_is_within_every_limit(schema: strawberry.Schema) -> None:
    document = parse(get_introspection_query(descriptions=True, input_value_deprecation=True))
    assert check_limits(schema._schema, document, Limits()) == []


def test_the_example_operations_are_within_every_limit(schema: strawberry.Schema) -> None:
    from service.http.graphiql import load_examples

    for example in load_examples():
        assert check_limits(schema._schema, parse(example.document), Limits()) == [], example.name


def test_a_fragment_bomb_is_measured_quickly_and_refused(schema: strawberry.Schema) -> None:
    # each fragment spreads the previous one twice: 2**40 fields once expanded
    fragments = ["fragment F0 on Entity { name }"] + [
        f"fragment F{i} on Entity {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 41)
    ]
    document = '{ entity(id: "container") { ...F40 } }\n' + "\n".join(fragments)
    start = time.perf_counter()
    [error] = check_limits(schema._schema, parse(document), Limits())
    assert time.perf_counter() - start < 1
    assert error.extensions == {"code": "LIMIT_EXCEEDED", "limit": "maxCost", "maximum": 50_000}


@pytest.fixture
async def lax_client(kg: KnowledgeGraph) -> AsyncIterator[httpx.AsyncClient]:
    """Only the depth limit matters here (cost would refuse deep queries first)."""
    app = create_app(Settings(max_cost=10**12, max_depth=10), kg=kg)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://archgraph.test") as c:
        yield c


async def test_depth_10_is_answered(lax_client: httpx.AsyncClient) -> None:
    response = await lax_client.post("/graphql", json={"query": nested(10)})
    assert "errors" not in response.json()
    assert response.json()["data"]["entity"]["relations"]


async def test_depth_11_is_refused_naming_the_limit(lax_client: httpx.AsyncClient) -> None:
    response = await lax_client.post(
        "/graphql",
        json={"query": nested(11)},
        headers={"accept": "application/graphql-response+json"},
    )
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "query depth 11 exceeds the maximum depth of 10",
                "extensions": {"code": "LIMIT_EXCEEDED", "limit": "maxDepth", "maximum": 10},
            }
        ]
    }


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            "{ " + " ".join(f"a{i}: __typename" for i in range(16)) + " }",
            "query uses 16 aliases, more than the maximum of 15",
        ),
        (
            "{ " + " ".join("__typename @include(if: true)" for _ in range(51)) + " }",
            "query uses 51 directives, more than the maximum of 50",
        ),
        (
            "{ " + "__typename " * 2001 + "}",
            "query has more than 2000 tokens, the maximum",
        ),
        (
            "{ entities(first: 500) { edges { node { "
            "relations { target { relations { target { name } } } } } } } }",
            "query cost 111501 exceeds the maximum cost of 50000",
        ),
    ],
)
async def test_refusals_name_the_limit_and_its_value(
    client: httpx.AsyncClient, document: str, message: str
) -> None:
    response = await client.post("/graphql", json={"query": document})
    assert response.status_code == 200  # application/json: request errors are 200
    [error] = response.json()["errors"]
    assert error["message"].startswith(message)
    assert error["extensions"]["code"] == "LIMIT_EXCEEDED"


async def test_limits_come_from_settings(kg: KnowledgeGraph) -> None:
    app = create_app(Settings(max_aliases=1), kg=kg)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://archgraph.test"
    ) as client:
        response = await client.post("/graphql", json={"query": "{ a: __typename b: __typename }"})
    assert response.json()["errors"][0]["message"] == (
        "query uses 2 aliases, more than the maximum of 1"
    )


async def test_a_repeated_document_is_validated_once(
    kg: KnowledgeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours, strawberrys = [], []

    def counting(into: list[int], real: Callable[..., Any]) -> Callable[..., Any]:
        def validate(*args: Any) -> Any:
            into.append(1)
            return real(*args)

        return validate

    monkeypatch.setattr(prepared_module, "validate", counting(ours, prepared_module.validate))
    monkeypatch.setattr(
        strawberry_schema_module,
        "validate_document",
        counting(strawberrys, strawberry_schema_module.validate_document),
    )
    # every request reaches the endpoint: no answer is served from the response cache
    app = create_app(Settings(response_cache_entries=0), kg=kg)
    document = '{ entity(id: "container") { name } }'
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://archgraph.test"
    ) as client:
        for _ in range(5):
            response = await client.post("/graphql", json={"query": document})
            assert response.json() == {"data": {"entity": {"name": "Container"}}}
    assert (len(ours), len(strawberrys)) == (1, 0)
    schema = app.state.archgraph.schema
    assert isinstance(schema, ArchgraphSchema)
    assert schema.documents.preparations == 1


def test_in_process_execution_is_limited_and_cached_too(gql: Callable[..., Any]) -> None:
    payload = gql("{ " + " ".join(f"a{i}: __typename" for i in range(16)) + " }")
    assert payload["errors"][0]["extensions"]["limit"] == "maxAliases"


@pytest.mark.parametrize(
    ("size", "chunked"),
    [
        (1024 * 1024 + 1, False),  # Content-Length says it all: refused before reading
        (1024 * 1024 + 1, True),  # chunked: refused once the limit is passed
    ],
)
async def test_a_body_over_1_mib_is_413(
    client: httpx.AsyncClient, size: int, chunked: bool
) -> None:
    body = b'{"query": "{ __typename }", "pad": "' + b"x" * size + b'"}'

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]

    response = await client.post(
        "/graphql",
        content=chunks() if chunked else body,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["message"] == (
        "the request body is larger than the limit of 1048576 bytes"
    )


async def test_a_heavy_resolver_out_of_time_gets_a_clear_error_and_the_server_stays_responsive(
    kg: KnowledgeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def slow_stack_path(*args: Any) -> None:
        release.wait(5)  # a deliberately slow computation, in its worker thread

    monkeypatch.setattr(stacks, "stack_path", slow_stack_path)
    app = create_app(Settings(time_budget_seconds=0.3), kg=kg)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://archgraph.test"
        ) as client:
            slow = asyncio.create_task(
                client.post(
                    "/graphql",
                    json={"query": '{ stackPath(from: "container", to: "vm") { kernelCount } }'},
                )
            )
            await asyncio.sleep(0.05)
            quick = await client.get("/graphql", params={"query": "{ __typename }"})
            assert not slow.done()  # answered while the slow one still runs
            assert quick.json() == {"data": {"__typename": "Query"}}
            response = await slow
    finally:
        release.set()
    [error] = response.json()["errors"]
    assert error["message"] == "query exceeded its time budget of 0.3 s"
    assert error["path"] == ["stackPath"]

"""Memoised ``/graphql`` answers: exact, keyed by graph version, never for refusals; ETag/304."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

import service.api.lookup as lookup_module
from service.http.access import AccessRecord
from service.http.app import create_app
from service.http.conditional import etag_matches
from service.http.response_cache import CachedAnswer, ResponseCache
from service.http.state import AppState
from service.knowledge import KnowledgeGraph
from service.packs.loader import load_graph
from service.settings import Settings

STACK = """
query Stack($from: ID!, $to: ID!) {
  stackPath(from: $from, to: $to) { layers { entity { id } } kernelCount }
}"""
STACK_VARIABLES = {"from": "container", "to": "cloud-infrastructure"}
COUNT = "query Count { entities { totalCount } }"
EXTRA_PACK = {
    "extra.yaml": """\
    document: tiny.md
    entities:
      - id: bare-metal
        kind: layer
        name: Bare metal
        sources: [{line: 6, quote: "racks"}]
    """
}


def client_of(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def state_of(app: FastAPI) -> AppState:
    state = app.state.archgraph
    assert isinstance(state, AppState)
    return state


def cache_of(app: FastAPI) -> ResponseCache:
    cache = state_of(app).responses
    assert cache is not None
    return cache


@pytest.fixture
def app(kg: KnowledgeGraph) -> FastAPI:
    return create_app(kg=kg)


@pytest.fixture
async def http(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(app) as c:
        yield c


async def fresh_answer(kg: KnowledgeGraph, method: str, **request: Any) -> httpx.Response:
    """The answer of an app that keeps nothing."""
    async with client_of(create_app(Settings(response_cache_entries=0), kg=kg)) as c:
        return await c.request(method, "/graphql", **request)


async def test_a_repeated_post_is_answered_from_memory_with_the_same_bytes(
    app: FastAPI, http: httpx.AsyncClient, kg: KnowledgeGraph
) -> None:
    request = {"json": {"query": STACK, "variables": STACK_VARIABLES}}
    first = await http.post("/graphql", **request)
    again = await http.post("/graphql", **request)
    fresh = await fresh_answer(kg, "POST", **request)
    assert first.json()["data"]["stackPath"]["kernelCount"] == 2
    assert again.content == first.content == fresh.content
    assert again.headers == first.headers
    assert (cache_of(app).hits, len(cache_of(app))) == (1, 2)  # by raw and normalised key


async def test_the_same_question_in_other_words_is_not_executed_again(
    app: FastAPI, http: httpx.AsyncClient
) -> None:
    variables = dict(reversed(STACK_VARIABLES.items()))
    first = await http.post("/graphql", json={"query": STACK, "variables": STACK_VARIABLES})
    reworded = " ".join(STACK.split()).replace("{ id }", "{ id, }") + "  # same"
    other = await http.post("/graphql", json={"query": reworded, "variables": variables})
    assert other.content == first.content
    assert cache_of(app).hits == 1  # the normalised key matched


async def test_media_types_are_kept_apart(http: httpx.AsyncClient) -> None:
    spec = "application/graphql-response+json"
    plain = await http.post("/graphql", json={"query": COUNT})
    typed = await http.post("/graphql", json={"query": COUNT}, headers={"Accept": spec})
    again = await http.post("/graphql", json={"query": COUNT})
    assert plain.headers["content-type"] == again.headers["content-type"] == "application/json"
    assert typed.headers["content-type"] == spec


async def test_a_new_graph_version_never_gets_an_old_answer(
    app: FastAPI, http: httpx.AsyncClient, kg: KnowledgeGraph, make_pack: Callable[..., Path]
) -> None:
    bigger = load_graph([make_pack(EXTRA_PACK)])
    assert bigger.version != kg.version
    before = await http.post("/graphql", json={"query": COUNT})
    state_of(app).kg = bigger  # a reload: same app, same cache, another graph
    after = await http.post("/graphql", json={"query": COUNT})
    assert before.json() == {"data": {"entities": {"totalCount": 79}}}
    assert after.json() == {"data": {"entities": {"totalCount": 80}}}
    assert after.content == (await fresh_answer(bigger, "POST", json={"query": COUNT})).content


async def test_two_apps_on_two_graphs_answer_each_from_its_own(
    kg: KnowledgeGraph, make_pack: Callable[..., Path]
) -> None:
    bigger = load_graph([make_pack(EXTRA_PACK)])
    async with client_of(create_app(kg=kg)) as a, client_of(create_app(kg=bigger)) as b:
        answers = [await c.post("/graphql", json={"query": COUNT}) for c in (a, b, a, b)]
    counts = [r.json()["data"]["entities"]["totalCount"] for r in answers]
    assert counts == [79, 80, 79, 80]


async def test_refusals_are_never_stored_and_follow_each_apps_limits(kg: KnowledgeGraph) -> None:
    aliases = "query Many { " + " ".join(f"a{i}: __typename" for i in range(16)) + " }"
    strict, lenient = create_app(kg=kg), create_app(Settings(max_aliases=20), kg=kg)
    async with client_of(strict) as s, client_of(lenient) as n:
        refused = [await s.post("/graphql", json={"query": aliases}) for _ in range(2)]
        answered = await n.post("/graphql", json={"query": aliases})
    for response in refused:
        assert response.json()["errors"][0]["extensions"]["limit"] == "maxAliases"
    assert len(cache_of(strict)) == 0
    assert answered.json()["data"]["a15"] == "Query"


async def test_masked_errors_are_never_stored(
    app: FastAPI, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*args: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(lookup_module, "find_entities", explode)
    answers = [await http.post("/graphql", json={"query": COUNT}) for _ in range(2)]
    ids = {r.json()["errors"][0]["extensions"]["errorId"] for r in answers}
    assert len(ids) == 2  # each request failed afresh, with its own error id
    assert len(cache_of(app)) == 0


async def test_a_deterministic_user_error_is_stored_and_served_exactly(
    app: FastAPI, http: httpx.AsyncClient, kg: KnowledgeGraph
) -> None:
    request = {"json": {"query": '{ blastRadius(id: "no-such-thing") { affected { distance } } }'}}
    first = await http.post("/graphql", **request)
    again = await http.post("/graphql", **request)
    assert "no-such-thing" in first.json()["errors"][0]["message"]
    assert again.content == first.content == (await fresh_answer(kg, "POST", **request)).content
    assert cache_of(app).hits == 1


async def test_a_get_carries_an_etag_and_if_none_match_gets_304(
    http: httpx.AsyncClient, kg: KnowledgeGraph
) -> None:
    params = {"query": COUNT}
    first = await http.get("/graphql", params=params)
    etag = first.headers["etag"]
    assert etag.startswith(f'"{kg.version}-') and etag.endswith('"')
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        not_modified = await http.get("/graphql", params=params, headers={"If-None-Match": header})
        assert (not_modified.status_code, not_modified.content) == (304, b"")
        assert not_modified.headers["etag"] == etag
    changed = await http.get("/graphql", params=params, headers={"If-None-Match": '"other"'})
    assert (changed.status_code, changed.content) == (200, first.content)
    post = await http.post("/graphql", json=params)
    assert "etag" not in post.headers


async def test_a_first_seen_get_with_a_matching_etag_gets_304_too(kg: KnowledgeGraph) -> None:
    fresh = await fresh_answer(kg, "GET", params={"query": COUNT})
    etag = fresh.headers["etag"]  # the same graph in another process gives the same ETag
    async with client_of(create_app(kg=kg)) as c:
        response = await c.get("/graphql", params={"query": COUNT}, headers={"If-None-Match": etag})
    assert response.status_code == 304


async def test_cached_answers_are_logged_and_counted_like_fresh_ones(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="archgraph.access")
    for _ in range(2):
        await http.post("/graphql", json={"query": COUNT})
    lines = [r for r in caplog.records if r.name == "archgraph.access"]
    assert [(r.operation, r.status, r.cached) for r in lines] == [
        ("Count", 200, False),
        ("Count", 200, True),
    ]
    metrics = (await http.get("/metrics")).text
    assert (
        'archgraph_http_requests_total{method="POST",route="/graphql",status="200"} 2.0' in metrics
    )
    assert 'archgraph_graphql_operations_total{outcome="ok",type="query"} 2.0' in metrics


def answer(body: bytes) -> CachedAnswer:
    return CachedAnswer(200, (), body, None, None, None, ())


def test_the_cache_evicts_the_least_recently_used_beyond_its_entries() -> None:
    cache = ResponseCache(max_entries=2)
    cache.put(("a",), answer(b"1"))
    cache.put(("b",), answer(b"2"))
    assert cache.get(("a",)) is not None  # now b is the least recently used
    cache.put(("c",), answer(b"3"))
    assert (cache.get(("b",)), len(cache)) == (None, 2)


def test_the_cache_stays_within_its_bytes_and_skips_what_cannot_fit() -> None:
    cache = ResponseCache(max_entries=100, max_bytes=10)
    cache.put(("a",), answer(b"12345678"))
    cache.put(("b",), answer(b"123456"))  # a must go
    cache.put(("c",), answer(b"x" * 11))  # larger than the whole cache: not kept
    assert [cache.get((k,)) is not None for k in "abc"] == [False, True, False]
    assert cache.bytes <= 10


def test_a_cached_answer_replays_what_its_request_did() -> None:
    stored = CachedAnswer(200, (), b"{}", None, "Count", "query", ("user",))
    record = AccessRecord()
    stored.replay(record)
    assert (record.operation, record.operation_type, record.error_kinds, record.cached) == (
        "Count",
        "query",
        ["user"],
        True,
    )


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (b'"v-1"', True),  # the very tag
        (b'W/"v-1"', True),  # weak comparison
        (b'"x", "v-1"', True),  # one of a list
        (b"*", True),  # any
        (b'"v-2"', False),  # another answer
    ],
)
def test_if_none_match_values(header: bytes, matches: bool) -> None:
    assert etag_matches(header, b'"v-1"') is matches

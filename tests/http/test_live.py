"""Reloads while serving, in-process: ``version=`` pins, 410 for an expired one, ``changes``,
and a refused reload reported on ``/readyz`` and ``/metrics``. (Against a real server with
``--watch`` and SIGHUP: tests/test_live_reload.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from service.http.app import create_app
from service.http.live import reload_now
from service.http.state import AppState
from service.packs.loader import load_graph
from service.settings import Settings

NOTES = """\
# Tiny notes

## Hosting

Apps run on servers.
Servers run on racks.
"""
PACK = """\
document: tiny.md
entities:
  - {id: app, kind: platform, name: App, sources: [{line: 5, quote: "Apps run"}]}
  - {id: server, kind: layer, name: Server, sources: [{line: 5, quote: "servers"}]}
relations:
  - {source: app, type: runs_on, target: server, sources: [{line: 5, quote: "Apps run on servers."}]}
"""
NAME = 'query Name { entity(id: "app") { name } }'


class Served:
    """An app serving a temp pack, and the edits and reloads a test makes to it."""

    def __init__(self, pack: Path, app: FastAPI) -> None:
        self.pack, self.app = pack, app
        state = app.state.archgraph
        assert isinstance(state, AppState)
        self.state = state
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://archgraph.test"
        )

    @property
    def version(self) -> str:
        assert self.state.kg is not None
        return self.state.kg.version

    async def edit(self, old: str, new: str, file: str = "pack.yaml") -> str:
        """Replace ``old`` by ``new`` in ``file``, reload; the outcome's status."""
        path = self.pack / file
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new))
        return (await reload_now(self.state)).status

    async def name(self, url: str = "/graphql", **kwargs: Any) -> Any:
        response = await self.http.get(url, params={"query": NAME, **kwargs})
        assert response.status_code == 200, response.text
        return response.json()["data"]["entity"]["name"]


@pytest.fixture
async def served(make_pack: Callable[..., Path]) -> AsyncIterator[Served]:
    pack = make_pack({"pack.yaml": PACK}, notes=NOTES)
    kg = load_graph([pack], include_builtin=False)
    served = Served(pack, create_app(Settings(keep_versions=2), kg=kg))
    async with served.http:
        yield served


async def test_a_pinned_version_answers_from_that_graph_after_a_reload(served: Served) -> None:
    first = served.version
    assert await served.edit("name: App,", "name: Application,") == "loaded"
    assert await served.name() == "Application"
    assert await served.name(version=first) == "App"
    assert await served.name(version=served.version) == "Application"


async def test_a_post_pins_its_version_in_the_url_too(served: Served) -> None:
    first = served.version
    await served.edit("name: App,", "name: Application,")
    body = {"query": NAME}
    # the same body, pinned then not: the response cache keeps the two apart
    pinned = await served.http.post("/graphql", params={"version": first}, json=body)
    current = await served.http.post("/graphql", json=body)
    pinned_again = await served.http.post("/graphql", params={"version": first}, json=body)
    assert [r.json()["data"]["entity"]["name"] for r in (pinned, current, pinned_again)] == [
        "App",
        "Application",
        "App",
    ]


async def test_a_version_no_longer_kept_is_410_naming_the_current_one(served: Served) -> None:
    first = served.version
    await served.edit("name: App,", "name: Application,")
    second = served.version
    await served.edit("name: Application,", "name: Apps,")  # keep_versions=2: first goes
    current = served.version
    response = await served.http.get("/graphql", params={"query": NAME, "version": first})
    assert response.status_code == 410
    assert response.json() == {
        "errors": [
            {
                "message": f"graph version {first!r} is not kept (replaced too long ago, or "
                f"never served); the current version is {current!r} (kept, newest first: "
                f"{current}, {second})",
                "extensions": {"code": "GONE"},
            }
        ]
    }
    latest = httpx.URL(response.headers["link"].split(">")[0].lstrip("<"))
    assert response.headers["link"].endswith('>; rel="latest-version"')
    assert latest.params["version"] == current
    assert latest.params["query"] == NAME
    post = await served.http.post("/graphql", params={"version": first}, json={"query": NAME})
    assert post.status_code == 410


@pytest.mark.parametrize(
    ("params", "message"),
    [
        # empty: a mistake, not "the current one"
        ({"version": ""}, "version: is empty: name a graph version, or leave it out"),
        # twice: which one?
        ({"version": ["a", "b"]}, "version: give one graph version, not 2"),
    ],
)
async def test_a_malformed_version_is_400(
    served: Served, params: dict[str, Any], message: str
) -> None:
    response = await served.http.get("/graphql", params={"query": NAME, **params})
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == message
    embed = await served.http.get("/embed/entity.md", params={"id": "app", **params})
    assert (embed.status_code, embed.text) == (400, f"{message}\n")


async def test_an_embed_answers_from_its_version_and_its_permalink_carries_it(
    served: Served,
) -> None:
    first = served.version
    await served.edit("name: App,", "name: Application,")
    old = await served.http.get("/embed/entity.md", params={"id": "app", "version": first})
    new = await served.http.get("/embed/entity.md", params={"id": "app"})
    assert old.text.startswith("**App (platform)**")
    assert new.text.startswith("**Application (platform)**")
    assert old.text.rstrip().endswith(
        f"[Permalink](http://archgraph.test/embed/entity.md?id=app&version={first}) · "
        f"graph version `{first}`"
    )
    assert f"embed/entity.md?id=app&version={served.version})" in new.text
    assert old.headers["etag"].startswith(f'"{first}-')


async def test_an_expired_embed_is_410_linking_the_current_answer(served: Served) -> None:
    first = served.version
    await served.edit("name: App,", "name: Application,")
    await served.edit("name: Application,", "name: Apps,")
    response = await served.http.get("/embed/entity.md", params={"id": "app", "version": first})
    assert response.status_code == 410
    assert f"graph version {first!r} is not kept" in response.text
    assert response.headers["link"] == (
        f"<http://archgraph.test/embed/entity.md?id=app&version={served.version}>; "
        'rel="latest-version"'
    )


async def test_changes_between_two_kept_versions_over_http(served: Served) -> None:
    first = served.version
    await served.edit(
        "Apps run on servers.\n", "Intro.\n\nApps run on servers.\n", "sources/tiny.md"
    )
    # the note changed under the pack: the quotes are no longer on their lines
    assert served.state.live.last is not None
    assert served.state.live.last.status == "refused"
    await served.edit("line: 5", "line: 7")
    query = """
      query Changes($from: String!) {
        changes(from: $from) {
          from to entitiesAdded { id } entitiesRemoved { id }
          entitiesChanged { id fields citations { moved { before { line } after { line quote } } } }
          relationsChanged { source type target fields }
        }
      }"""
    response = await served.http.post(
        "/graphql", json={"query": query, "variables": {"from": first}}
    )
    moved = {"moved": [{"before": {"line": 5}, "after": {"line": 7, "quote": "Apps run"}}]}
    assert response.json() == {
        "data": {
            "changes": {
                "from": first,
                "to": served.version,
                "entitiesAdded": [],
                "entitiesRemoved": [],
                "entitiesChanged": [
                    {"id": "app", "fields": ["sources"], "citations": moved},
                    {
                        "id": "server",
                        "fields": ["sources"],
                        "citations": {
                            "moved": [
                                {"before": {"line": 5}, "after": {"line": 7, "quote": "servers"}}
                            ]
                        },
                    },
                ],
                "relationsChanged": [
                    {"source": "app", "type": "RUNS_ON", "target": "server", "fields": ["sources"]}
                ],
            }
        }
    }


async def test_changes_from_a_version_not_kept_is_an_error_naming_the_current_one(
    served: Served,
) -> None:
    response = await served.http.post(
        "/graphql", json={"query": '{ changes(from: "0123456789abcdef") { to } }'}
    )
    [error] = response.json()["errors"]
    assert error["message"] == (
        "from: graph version '0123456789abcdef' is not kept (replaced too long ago, or never "
        f"served); the current version is {served.version!r} (kept, newest first: "
        f"{served.version})"
    )


async def test_a_refused_reload_keeps_serving_and_is_reported_on_readyz_and_metrics(
    served: Served,
) -> None:
    good = served.version
    assert await served.edit('quote: "servers"', 'quote: "serverz"') == "refused"
    assert await served.name() == "App"
    ready = await served.http.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    problem = body["reload"]["problems"]
    assert (body["status"], body["version"], body["versions"]) == ("ready", good, [good])
    assert body["reload"]["status"] == "refused"
    assert len(problem) == 1
    assert problem[0].endswith("pack.yaml:4: quote 'serverz' is not found verbatim in tiny.md"), (
        problem
    )
    metrics = (await served.http.get("/metrics")).text
    assert 'archgraph_graph_reloads_total{outcome="refused"} 1.0' in metrics
    assert 'archgraph_graph_reloads_total{outcome="loaded"} 0.0' in metrics
    assert "archgraph_graph_reload_problems 1.0" in metrics
    assert "archgraph_graph_versions_kept 1.0" in metrics
    # fixed: loaded, and the problems are gone from both
    assert await served.edit('quote: "serverz"', 'quote: "servers"') == "unchanged"
    assert (await served.http.get("/readyz")).json()["reload"]["problems"] == []
    assert "archgraph_graph_reload_problems 0.0" in (await served.http.get("/metrics")).text


async def test_a_reload_landing_mid_request_leaves_that_request_on_its_graph(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    import service.http.graphql as endpoint

    first = served.state.kg
    read_body = endpoint.params_from_body

    async def reload_while_reading(request: Any, max_bytes: int) -> Any:
        if served.state.kg is first:  # the first request: a reload lands now
            await served.edit("name: App,", "name: Application,")
        return await read_body(request, max_bytes)

    monkeypatch.setattr(endpoint, "params_from_body", reload_while_reading)
    during = await served.http.post("/graphql", json={"query": NAME})
    after = await served.http.post("/graphql", json={"query": NAME})
    assert during.json() == {"data": {"entity": {"name": "App"}}}
    assert after.json() == {"data": {"entity": {"name": "Application"}}}

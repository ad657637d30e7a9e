"""GraphiQL from the package: pinned assets, their checksums and caching, and the page."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import re
import sys
from types import ModuleType

import httpx
import pytest

from service.http.app import create_app
from service.http.graphiql import (
    CACHE_FOREVER,
    STATIC_DIR,
    ExampleOperation,
    load_examples,
    render_page,
    vendored_assets,
)
from service.knowledge import KnowledgeGraph
from service.settings import Settings

# what Chromium sends when it navigates to a page
HTML = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture(scope="module")
def manifest() -> dict[str, object]:
    loaded: dict[str, object] = json.loads((STATIC_DIR / "VERSIONS.json").read_text())
    return loaded


@pytest.fixture(scope="module")
def vendor_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vendor", STATIC_DIR / "vendor.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["vendor"] = module  # dataclasses look their module up while it executes
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["vendor"]
    return module


def test_every_vendored_file_matches_its_recorded_checksum_and_size() -> None:
    assets = vendored_assets()
    assert len(assets) == 9
    for path, asset in assets.items():
        data = (STATIC_DIR / path).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (asset.size, asset.sha256), path


def test_the_static_folder_holds_nothing_unrecorded() -> None:
    on_disk = {
        p.relative_to(STATIC_DIR).as_posix()
        for p in STATIC_DIR.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert on_disk == set(vendored_assets()) | {"VERSIONS.json", "vendor.py"}


def test_the_manifest_records_exactly_the_pins_of_the_vendor_script(
    manifest: dict[str, object], vendor_script: ModuleType
) -> None:
    packages = manifest["packages"]
    assert isinstance(packages, list)
    recorded = [
        (p["name"], p["version"], sorted(f["from"] for f in p["files"].values())) for p in packages
    ]
    pinned = [(pin.name, pin.version, sorted(pin.files)) for pin in vendor_script.PINS]
    assert recorded == pinned
    # every URL carries the version, so a bump changes it and the year-long cache stays right
    for package in packages:
        assert all(f"-{package['version']}/" in path for path in package["files"])


def test_the_pins_are_the_last_umd_line_of_graphiql_and_what_it_pairs_with(
    vendor_script: ModuleType,
) -> None:
    majors = {pin.name: pin.version.split(".")[0] for pin in vendor_script.PINS}
    assert majors == {
        "graphiql": "3",  # 4+ ships no UMD bundle
        "@graphiql/plugin-explorer": "3",
        "react": "18",
        "react-dom": "18",
    }


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("graphiql-3.9.0/graphiql.min.js", "text/javascript; charset=utf-8"),
        ("graphiql-3.9.0/graphiql.min.css", "text/css; charset=utf-8"),
        ("react-18.3.1/react.production.min.js", "text/javascript; charset=utf-8"),
        ("plugin-explorer-3.2.6/index.umd.js", "text/javascript; charset=utf-8"),
        # licences are served too, as plain text
        ("react-dom-18.3.1/LICENSE", "text/plain; charset=utf-8"),
    ],
)
async def test_an_asset_is_served_with_a_year_long_immutable_cache(
    client: httpx.AsyncClient, path: str, media_type: str
) -> None:
    response = await client.get(f"/static/graphiql/{path}")
    assert response.status_code == 200
    assert (
        response.headers["cache-control"]
        == CACHE_FOREVER
        == ("public, max-age=31536000, immutable")
    )
    assert response.headers["content-type"] == media_type
    assert hashlib.sha256(response.content).hexdigest() == vendored_assets()[path].sha256


@pytest.mark.parametrize(
    "path",
    [
        "vendor.py",  # the script lives beside the assets but is not one
        "VERSIONS.json",
        "graphiql-3.8.0/graphiql.min.js",  # a version that is not vendored
        "../graphiql.py",
        "..%2Fgraphiql.py",
        "react-18.3.1/",
    ],
)
async def test_only_recorded_assets_are_served(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(f"/static/graphiql/{path}")
    assert response.status_code == 404


async def test_a_browser_at_graphql_gets_the_local_graphiql_page(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/graphql", headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    page = response.text
    urls = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert urls == [
        "data:,",
        "/static/graphiql/graphiql-3.9.0/graphiql.min.css",
        "/static/graphiql/plugin-explorer-3.2.6/style.css",
        "/static/graphiql/react-18.3.1/react.production.min.js",
        "/static/graphiql/react-dom-18.3.1/react-dom.production.min.js",
        "/static/graphiql/graphiql-3.9.0/graphiql.min.js",
        "/static/graphiql/plugin-explorer-3.2.6/index.umd.js",
    ]
    assert "unpkg" not in page and "cdn" not in page.lower()
    for url in urls[1:]:
        assert (await client.get(url)).status_code == 200, url


async def test_the_page_allows_only_its_own_origin_and_its_start_script(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/graphql", headers=HTML)
    csp = dict(
        directive.split(" ", 1)
        for directive in response.headers["content-security-policy"].split("; ")
    )
    assert csp["default-src"] == csp["connect-src"] == "'self'"
    inline = re.findall(r"<script>(.*?)</script>", response.text, re.DOTALL)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert csp["script-src"] == f"'self' 'sha256-{digest}'"


async def test_the_page_opens_one_tab_per_example_with_its_variables(
    client: httpx.AsyncClient,
) -> None:
    page = (await client.get("/graphql", headers=HTML)).text
    block = re.search(r'<script type="application/json" id="graphiql-config">(.*?)</script>', page)
    assert block is not None
    config = json.loads(block.group(1))
    assert config["endpoint"] == "/graphql"
    assert [(t["query"], json.loads(t["variables"])) for t in config["tabs"]] == [
        (e.document, e.variables) for e in load_examples()
    ]


def test_an_example_cannot_close_the_config_script_early() -> None:
    hostile = ExampleOperation("x", "# </script><script>alert(1)</script>\n{ x }", {"a": "</b>"})
    page = render_page([hostile])
    assert "</script><script>alert" not in page
    block = re.search(r'id="graphiql-config">(.*?)</script>', page)
    assert block is not None
    assert json.loads(block.group(1))["tabs"][0]["query"] == hostile.document


async def test_a_query_over_get_is_still_answered_not_the_page(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/graphql", params={"query": '{ entity(id: "pod") { name } }'}, headers=HTML
    )
    assert response.json() == {"data": {"entity": {"name": "Pod"}}}


async def test_graphiql_can_be_turned_off(kg: KnowledgeGraph) -> None:
    app = create_app(Settings(graphiql=False), kg=kg)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://archgraph.test") as c:
        response = await c.get("/graphql", headers=HTML)
    assert response.status_code >= 400
    assert not response.headers["content-type"].startswith("text/html")
    assert "GraphiQL" not in response.text

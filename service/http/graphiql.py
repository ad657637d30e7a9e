"""GraphiQL served from the package itself (no CDN), opening on the example operations.

The assets are the pinned npm builds under ``static/graphiql/`` (see its ``vendor.py``);
their URLs carry the package version, so they are cached for a year as immutable. The
page opens one tab per example operation of ``clients/queries/`` (shipped in the wheel as
``service/example_queries/``), each with its variables, so a newcomer can press Run.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, HTMLResponse

GRAPHQL_PATH = "/graphql"
STATIC_URL = "/static/graphiql"
STATIC_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
CACHE_FOREVER = "public, max-age=31536000, immutable"

# The tabs GraphiQL opens with, in this order: one per file pair `<name>.graphql` +
# `<name>.variables.json` in the example folder.
EXAMPLES = (
    "entities-search",
    "entity",
    "comparison",
    "recommendation",
    "stack-path",
    "blast-radius",
    "failure-scenario",
    "zone-down",
    "scheduling",
    "resilience",
)

_MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}

graphiql_router = APIRouter(prefix=STATIC_URL, include_in_schema=False)


@dataclass(frozen=True)
class Asset:
    """One vendored file, as ``VERSIONS.json`` records it."""

    path: str  # relative to ``static/graphiql/``, starting with ``<package>-<version>/``
    package: str
    version: str
    sha256: str
    size: int

    @property
    def url(self) -> str:
        return f"{STATIC_URL}/{self.path}"


@cache
def vendored_assets() -> dict[str, Asset]:
    """Every vendored file by its relative path; only these are served."""
    manifest = json.loads((STATIC_DIR / "VERSIONS.json").read_text())
    return {
        path: Asset(path, package["name"], package["version"], file["sha256"], file["bytes"])
        for package in manifest["packages"]
        for path, file in package["files"].items()
    }


@graphiql_router.get("/{path:path}")
async def vendored_asset(path: str) -> FileResponse:
    """A vendored file, cached for a year: its URL changes whenever its version does."""
    asset = vendored_assets().get(path)
    if asset is None:
        raise HTTPException(404, f"no vendored GraphiQL asset {path!r}")
    return FileResponse(
        STATIC_DIR / asset.path,
        media_type=_MEDIA_TYPES.get(Path(path).suffix, "text/plain; charset=utf-8"),
        headers={"Cache-Control": CACHE_FOREVER},
    )


@dataclass(frozen=True)
class ExampleOperation:
    """One example operation of ``clients/queries/``: its document and its variables."""

    name: str
    document: str
    variables: dict[str, Any]


def example_queries_dir() -> Path:
    """The example operations: inside the installed package, else the checkout's folder."""
    package_dir = Path(__file__).resolve().parents[1]
    for candidate in (package_dir / "example_queries", package_dir.parent / "clients" / "queries"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"example queries not found next to {package_dir}")


def load_examples(directory: Path | None = None) -> tuple[ExampleOperation, ...]:
    """Read every example of ``EXAMPLES`` from ``directory`` (default: the built-in ones)."""
    directory = directory or example_queries_dir()
    return tuple(
        ExampleOperation(
            name=name,
            document=(directory / f"{name}.graphql").read_text(),
            variables=json.loads((directory / f"{name}.variables.json").read_text()),
        )
        for name in EXAMPLES
    )


def _asset(package: str, filename: str) -> Asset:
    """The vendored file ``filename`` of the npm package ``package``, at its pinned version."""
    [asset] = [
        a
        for a in vendored_assets().values()
        if (a.package, a.path.split("/")[-1]) == (package, filename)
    ]
    return asset


# Static text, so the Content-Security-Policy can allow exactly this script by its hash;
# what varies (endpoint, tabs) is read from the JSON block, which is data, not code.
# GraphiQL 3.9 opens `defaultTabs` with the first tab's variables editor empty, so on a
# first visit (no saved tabs) the first tab is also given as `query` + `variables`; on
# later visits the saved tabs are left as the user left them.
_START_SCRIPT = """
(function () {
  var config = JSON.parse(document.getElementById("graphiql-config").textContent);
  var explorer = GraphiQLPluginExplorer.explorerPlugin();
  var props = {
    fetcher: GraphiQL.createFetcher({ url: config.endpoint }),
    plugins: [explorer],
    visiblePlugin: explorer,
    defaultTabs: config.tabs,
    defaultEditorToolsVisibility: true,
  };
  var saved = null;
  try { saved = window.localStorage.getItem("graphiql:tabState"); } catch (e) {}
  if (saved === null) {
    props.query = config.tabs[0].query;
    props.variables = config.tabs[0].variables;
  }
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, props)
  );
})();
"""

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>archgraph · GraphiQL</title>
<link rel="icon" href="data:,">
{stylesheets}
<style>body {{ margin: 0; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script type="application/json" id="graphiql-config">{config}</script>
{scripts}
<script>{start}</script>
</body>
</html>
"""


@cache
def _csp() -> str:
    start_hash = base64.b64encode(hashlib.sha256(_START_SCRIPT.encode()).digest()).decode()
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'sha256-{start_hash}'",
            "style-src 'self' 'unsafe-inline'",  # GraphiQL sets inline styles
            "img-src 'self' data:",
            "font-src 'self' data:",  # GraphiQL's fonts are inlined in its CSS
            "connect-src 'self'",
            "frame-ancestors 'self'",
        )
    )


def render_page(examples: Sequence[ExampleOperation], endpoint: str = GRAPHQL_PATH) -> str:
    """The GraphiQL page: local assets only, one tab per example, queries sent to ``endpoint``."""
    stylesheets = [
        _asset("graphiql", "graphiql.min.css"),
        _asset("@graphiql/plugin-explorer", "style.css"),
    ]
    scripts = [
        _asset("react", "react.production.min.js"),
        _asset("react-dom", "react-dom.production.min.js"),
        _asset("graphiql", "graphiql.min.js"),
        _asset("@graphiql/plugin-explorer", "index.umd.js"),
    ]
    tabs = [
        {"query": example.document, "variables": json.dumps(example.variables, indent=2)}
        for example in examples
    ]
    config = json.dumps({"endpoint": endpoint, "tabs": tabs})
    return _PAGE.format(
        stylesheets="\n".join(f'<link rel="stylesheet" href="{a.url}">' for a in stylesheets),
        scripts="\n".join(f'<script src="{a.url}"></script>' for a in scripts),
        # `<` escaped so no example text can close the <script> block early
        config=config.replace("<", "\\u003c"),
        start=_START_SCRIPT,
    )


@cache
def graphiql_html() -> str:
    """The page with the built-in examples, rendered once per process."""
    return render_page(load_examples())


def graphiql_response() -> HTMLResponse:
    """The page for a browser at ``/graphql``; revalidated, so a version bump shows at once."""
    return HTMLResponse(
        graphiql_html(),
        headers={"Cache-Control": "no-cache", "Content-Security-Policy": _csp()},
    )

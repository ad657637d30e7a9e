"""GraphiQL in a real headless Chromium, with every off-machine request blocked.

Needs Debian's ``chromium`` (``/usr/bin/chromium``) and the ``playwright`` package; without
them the test skips locally, saying why, and fails in CI (``CI`` set), where ``.ci/run``
installs the browser.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from live_server import live_server

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

CHROMIUM = Path("/usr/bin/chromium")
# As root on a closed network: no sandbox, and none of Chromium's own background traffic.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
]
SCREENSHOT = Path("/tmp/archgraph-graphiql.png")
TAB_TITLES = [
    "EntitiesSearch",
    "Entity",
    "Comparison",
    "Recommendation",
    "StackPath",
    "BlastRadius",
    "FailureScenario",
    "ZoneDown",
    "Scheduling",
    "Resilience",
]


def _missing_browser() -> str | None:
    """Why the browser test cannot run here, or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def browser_ready() -> None:
    reason = _missing_browser()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"browser test cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server(browser_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real ``archgraph serve`` on a free loopback port."""
    with live_server(tmp_path_factory.mktemp("graphiql")) as running:
        yield running.url


class PageWatch:
    """What a page did that it should not: off-machine requests, console errors."""

    def __init__(self) -> None:
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.local: list[str] = []


@pytest.fixture
def page(server: str) -> Iterator[tuple[Any, PageWatch]]:
    from playwright.sync_api import sync_playwright

    watch = PageWatch()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900})

        def only_this_machine(route: Any) -> None:
            url = route.request.url
            if urlsplit(url).hostname == "127.0.0.1" or url.startswith("data:"):
                watch.local.append(url)
                route.continue_()
            else:
                watch.blocked.append(url)
                route.abort()

        context.route("**/*", only_this_machine)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and watch.errors.append(m.text))
        page.on("pageerror", lambda e: watch.errors.append(str(e)))
        try:
            yield page, watch
        finally:
            context.close()
            browser.close()


def _editor_text(page: Any, selector: str) -> str:
    text: str = page.evaluate(
        "(s) => document.querySelector(s + ' .CodeMirror').CodeMirror.getValue()", selector
    )
    return text


def _wait_for_response(page: Any) -> dict[str, Any]:
    page.wait_for_function(
        "() => document.querySelector('.graphiql-response .CodeMirror')"
        ".CodeMirror.getValue().trim().startsWith('{')"
    )
    result: dict[str, Any] = json.loads(_editor_text(page, ".graphiql-response"))
    return result


def test_graphiql_renders_offline_and_runs_the_example_queries(
    server: str, page: tuple[Any, PageWatch]
) -> None:
    browser_page, watch = page
    browser_page.goto(f"{server}/graphql")
    browser_page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=20_000)

    # the default document: the first example, its variables, and one tab per example
    assert _editor_text(browser_page, ".graphiql-query-editor").startswith(
        "# Find entities by name"
    )
    assert "query EntitiesSearch(" in _editor_text(browser_page, ".graphiql-query-editor")
    assert json.loads(
        _editor_text(browser_page, ".graphiql-editor-tool .graphiql-editor:not(.hidden)")
    ) == {
        "search": "virtual",
        "first": 5,
    }
    tabs = browser_page.locator(".graphiql-tab-button").all_inner_texts()
    assert [t.strip() for t in tabs] == TAB_TITLES
    # the explorer plugin is open beside the editor
    browser_page.wait_for_selector(".graphiql-explorer-root", timeout=20_000)
    assert "Query" in browser_page.inner_text(".graphiql-plugin")

    # Run with the button: the same answer the server gives to a plain POST
    browser_page.click(".graphiql-execute-button")
    answer = _wait_for_response(browser_page)
    expected = httpx.post(
        f"{server}/graphql",
        json={
            "query": _editor_text(browser_page, ".graphiql-query-editor"),
            "variables": {"search": "virtual", "first": 5},
        },
        timeout=10,
    ).json()
    assert answer == expected
    assert "errors" not in answer
    assert "Virtual Machine" in [n["name"] for n in answer["data"]["entities"]["nodes"]]
    browser_page.screenshot(path=str(SCREENSHOT))

    # Ctrl-Enter in the editor of the second tab runs that tab's operation
    browser_page.locator(".graphiql-tab-button", has_text="Entity").first.click()
    # GraphiQL parses the new document after a debounce and records its operation name on
    # the editor; a Run before that would send the previous tab's name
    browser_page.wait_for_function(
        "() => document.querySelector('.graphiql-query-editor .CodeMirror')"
        ".CodeMirror.operationName === 'Entity'"
    )
    browser_page.click(".graphiql-query-editor .CodeMirror-lines")
    browser_page.keyboard.press("Control+Enter")
    browser_page.wait_for_function(
        "() => document.querySelector('.graphiql-response .CodeMirror')"
        ".CodeMirror.getValue().includes('\"Container\"')"
    )
    answer = json.loads(_editor_text(browser_page, ".graphiql-response"))
    assert answer["data"]["entity"]["name"] == "Container"

    assert watch.blocked == [], "the page asked for something off this machine"
    assert watch.errors == []
    assert any("/static/graphiql/graphiql-" in url for url in watch.local)

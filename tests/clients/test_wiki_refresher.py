"""The wiki refresher (``clients/wiki/archgraph_wiki.py``) against a real server, on temp docs."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

SCRIPT = Path(__file__).resolve().parents[2] / "clients" / "wiki" / "archgraph_wiki.py"

PLATFORMS = """\
# Platforms

How the two platforms compare:

<!-- archgraph:comparison left=virtual-machine right=container -->
<!-- /archgraph -->

And how a container reaches the cloud:

<!-- archgraph:stack-path from=container to=cloud-infrastructure -->
(stale text from last year)
<!-- /archgraph -->
"""

CHOOSING = """\
# Choosing

<!-- archgraph:recommendation requirements=strong-security-isolation requirements=fast-startup -->
<!-- /archgraph -->

To embed an answer, write:

```markdown
<!-- archgraph:entity id=pod -->
<!-- /archgraph -->
```
"""

PLAIN = "# Notes\n\nNothing generated here.\n"


@pytest.fixture(scope="module")
def wiki() -> ModuleType:
    """The refresher script, imported from its file."""
    spec = importlib.util.spec_from_file_location("archgraph_wiki", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it runs
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A folder of Markdown: two files with markers (one in a subfolder), one without."""
    root = tmp_path / "docs"
    (root / "guide").mkdir(parents=True)
    (root / "platforms.md").write_text(PLATFORMS)
    (root / "guide" / "choosing.md").write_text(CHOOSING)
    (root / "plain.md").write_text(PLAIN)
    return root


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and modification time, to tell that nothing was written."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def embed(url: str, path: str, **params: Any) -> str:
    response = httpx.get(f"{url}{path}", params=params, timeout=10)
    assert response.status_code == 200, response.text
    return response.text


def block(text: str, marker: str) -> str:
    """The generated contents after ``marker``, up to the closing marker."""
    return text.split(marker, 1)[1].split("<!-- /archgraph -->", 1)[0]


# -- against a real server ----------------------------------------------------------------------
@pytest.mark.e2e
def test_a_refresh_fills_every_block_and_a_second_one_changes_nothing(
    wiki: ModuleType, docs: Path, live_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert wiki.main([str(docs), "--url", live_server]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        f"updated: {docs / 'guide' / 'choosing.md'}",
        f"updated: {docs / 'platforms.md'}",
    ]

    platforms = (docs / "platforms.md").read_text()
    comparison = embed(
        live_server, "/embed/comparison.md", left="virtual-machine", right="container"
    )
    stack = embed(
        live_server, "/embed/stack-path.md", **{"from": "container", "to": "cloud-infrastructure"}
    )
    assert block(platforms, "right=container -->") == "\n" + comparison
    assert block(platforms, "to=cloud-infrastructure -->") == "\n" + stack
    assert "stale text from last year" not in platforms
    assert platforms.startswith("# Platforms\n\nHow the two platforms compare:\n\n")
    assert "| Startup Time | Slow (minutes) – full OS boot | Fast (seconds or less) |" in platforms
    version = httpx.get(f"{live_server}/readyz", timeout=5).json()["version"]
    assert platforms.count(f"graph version `{version}`") == 2

    choosing = (docs / "guide" / "choosing.md").read_text()
    recommendation = block(choosing, "requirements=fast-startup -->")
    assert "Choice: **VMs and containers combined (COMBINED)**." in recommendation
    assert "| Strong security isolation (multi-tenant) | Virtual Machine |" in recommendation
    assert "| Fast startup | Container |" in recommendation
    assert "requirements=strong-security-isolation&requirements=fast-startup" in recommendation
    assert choosing.endswith(
        "```markdown\n<!-- archgraph:entity id=pod -->\n<!-- /archgraph -->\n```\n"
    )  # an example in a code fence is left alone
    assert (docs / "plain.md").read_text() == PLAIN

    refreshed = snapshot(docs)
    assert wiki.main([str(docs), "--url", live_server]) == 0
    assert capsys.readouterr().out == "up to date\n"
    assert snapshot(docs) == refreshed
    assert wiki.main([str(docs), "--url", live_server, "--check"]) == 0
    assert capsys.readouterr().out == "up to date\n"
    assert snapshot(docs) == refreshed


@pytest.mark.e2e
def test_check_finds_a_block_edited_by_hand_and_changes_nothing(
    wiki: ModuleType, docs: Path, live_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert wiki.main([str(docs), "--url", live_server]) == 0
    platforms = docs / "platforms.md"
    edited = platforms.read_text().replace("| Startup Time |", "| Boot Time |", 1)
    platforms.write_text(edited)
    capsys.readouterr()

    assert wiki.main([str(docs), "--url", live_server, "--check"]) == 1
    assert capsys.readouterr().out == f"stale: {platforms}\n"
    assert platforms.read_text() == edited

    assert wiki.main([str(docs), "--url", live_server]) == 0
    assert "| Startup Time |" in platforms.read_text()
    assert wiki.main([str(docs), "--url", live_server, "--check"]) == 0


@pytest.mark.e2e
def test_a_marker_with_an_unknown_id_is_reported_at_its_line_and_its_file_left_alone(
    wiki: ModuleType, docs: Path, live_server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = docs / "broken.md"
    text = (
        "# Broken\n\n<!-- archgraph:entity id=pod -->\n<!-- /archgraph -->\n\n"
        "<!-- archgraph:blast-radius id=mainframe -->\nold\n<!-- /archgraph -->\n"
    )
    broken.write_text(text)

    assert wiki.main([str(docs), "--url", live_server]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(
        f"{broken}:6: archgraph:blast-radius: 404 id: no entity with id 'mainframe'"
    )
    assert broken.read_text() == text
    assert f"updated: {docs / 'platforms.md'}" in captured.out  # the others are refreshed


# -- in-process (the transport comes from outside) ------------------------------------------------
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        # an opening marker never closed
        ("# A\n\n<!-- archgraph:entity id=pod -->\nno end\n", ":3: archgraph:entity: no closing"),
        # arguments that are not key=value
        (
            "<!-- archgraph:entity pod -->\n<!-- /archgraph -->\n",
            ":1: archgraph:entity: argument 'pod' is not key=value",
        ),
        # an answer the server does not have
        (
            "<!-- archgraph:verdict id=pod -->\n<!-- /archgraph -->\n",
            ":1: archgraph:verdict: 404 answer: unknown answer 'verdict'",
        ),
        # a missing argument
        (
            "<!-- archgraph:stack-path from=pod -->\n<!-- /archgraph -->\n",
            ":1: archgraph:stack-path: 400 to: is required",
        ),
    ],
)
def test_a_broken_marker_exits_2_naming_file_and_line(
    wiki: ModuleType,
    tmp_path: Path,
    app: FastAPI,
    sync_asgi_transport: Callable[[Any], httpx.BaseTransport],
    capsys: pytest.CaptureFixture[str],
    text: str,
    problem: str,
) -> None:
    page = tmp_path / "page.md"
    page.write_text(text)
    transport = sync_asgi_transport(app)

    assert wiki.main([str(page), "--url", "http://archgraph.test"], transport=transport) == 2
    assert capsys.readouterr().err.startswith(f"{page}{problem}")
    assert page.read_text() == text


def test_a_crlf_file_stays_crlf_and_a_missing_path_is_an_error(
    wiki: ModuleType,
    tmp_path: Path,
    app: FastAPI,
    sync_asgi_transport: Callable[[Any], httpx.BaseTransport],
    capsys: pytest.CaptureFixture[str],
) -> None:
    page = tmp_path / "windows.md"
    page.write_bytes(b"# W\r\n\r\n<!-- archgraph:entity id=pod -->\r\n<!-- /archgraph -->\r\n")

    def run(*argv: str) -> int:
        # main() closes its client, and with it the transport: one per run.
        transport = sync_asgi_transport(app)
        return int(wiki.main([*argv, "--url", "http://archgraph.test"], transport=transport))

    assert run(str(page)) == 0
    written = page.read_bytes()
    assert b"**Pod (kubernetes-object)**\r\n" in written
    assert b"\n" not in written.replace(b"\r\n", b"")
    assert run(str(page), "--check") == 0
    capsys.readouterr()

    assert run(str(tmp_path / "nowhere")) == 2
    assert capsys.readouterr().err == f"{tmp_path / 'nowhere'}: no such file or folder\n"

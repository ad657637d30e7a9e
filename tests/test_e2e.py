"""End to end: the real ``archgraph serve`` (uvicorn) on a free port, queried over a socket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e
PACKS = Path(__file__).parent / "fixtures" / "packs"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(*extra: str) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    env = {**os.environ, "ARCHGRAPH_LOG_LEVEL": "warning"}
    process = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--port", str(port), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    return process, f"http://127.0.0.1:{port}"


def wait_ready(process: subprocess.Popen[str], url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"server exited early: {process.stdout.read() if process.stdout else ''}"
            )
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("server did not become ready in 30 s")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    process, url = start()
    try:
        wait_ready(process, url)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_the_real_server_answers_every_entity_with_citations(server: str) -> None:
    query = "{ entities(first: 100) { totalCount edges { node { id kind name sources { line quote } } } } }"
    response = httpx.post(f"{server}/graphql", json={"query": query}, timeout=10)
    assert response.status_code == 200
    connection = response.json()["data"]["entities"]
    assert connection["totalCount"] == 70
    assert all(edge["node"]["sources"] for edge in connection["edges"])


def test_the_real_server_is_healthy(server: str) -> None:
    assert httpx.get(f"{server}/healthz", timeout=5).json() == {"status": "ok"}


def test_a_bad_pack_stops_the_start_with_its_problems() -> None:
    process, _ = start("--data", str(PACKS / "missing-entity"))
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 1
    assert "pack.yaml:8: relation runs_on refers to unknown entity 'server'" in output

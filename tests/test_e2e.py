"""End to end: the real ``archgraph serve`` (uvicorn) on a free port, queried over a socket."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from live_server import LiveServer

pytestmark = pytest.mark.e2e
PACKS = Path(__file__).parent / "packs" / "fixtures" / "packs"


def test_the_real_server_answers_every_entity_with_citations(server: LiveServer) -> None:
    query = "{ entities(first: 100) { totalCount edges { node { id kind name sources { line quote } } } } }"
    response = httpx.post(server.graphql, json={"query": query}, timeout=10)
    assert response.status_code == 200
    connection = response.json()["data"]["entities"]
    assert connection["totalCount"] == 79
    assert all(edge["node"]["sources"] for edge in connection["edges"])


def test_the_real_server_is_healthy(server: LiveServer) -> None:
    assert httpx.get(f"{server.url}/healthz", timeout=5).json() == {"status": "ok"}


def test_a_bad_pack_stops_the_start_with_its_problems() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "service.cli",
            "serve",
            "--port",
            "0",
            "--data",
            str(PACKS / "missing-entity"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "pack.yaml:8: relation runs_on refers to unknown entity 'server'" in result.stderr

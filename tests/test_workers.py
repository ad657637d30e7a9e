"""``archgraph serve --workers 2``: gunicorn's arbiter over two uvicorn workers, for real.

One ``/metrics`` for the whole server, the access log and graceful shutdown as with one
worker, and prometheus-client's directory made and cleaned by the server.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_server import SLOW_QUERY, SLOW_STACK_PATH, LiveServer, live_server
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.e2e

NAMED = {"query": 'query OneEntity { entity(id: "container") { name } }'}


def json_lines(log: str) -> list[dict[str, Any]]:
    """Every line of the server's log, each a JSON object (json.loads fails otherwise)."""
    return [json.loads(line) for line in log.splitlines()]


def scrape(server: LiveServer) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """``/metrics``: each sample's value, by name and then by sorted labels."""
    found: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    text = httpx.get(f"{server.url}/metrics").text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def test_metrics_on_any_worker_count_the_whole_server(tmp_path: Path) -> None:
    env = {"TMPDIR": str(tmp_path)}  # where the server makes its metrics directory
    with live_server(tmp_path, "--workers", "2", env=env) as server:
        [made] = tmp_path.glob("archgraph-metrics-*")
        for _ in range(40):  # each on a new connection: the kernel picks a worker's socket
            response = httpx.post(server.graphql, json=NAMED, headers={"Connection": "close"})
            assert response.json() == {"data": {"entity": {"name": "Container"}}}
        time.sleep(0.5)  # the other worker counts its requests in batches of 0.2 s
        found = scrape(server)
        server.terminate()
        assert server.process.wait(timeout=30) == 0
    graphql = (("method", "POST"), ("route", "/graphql"), ("status", "200"))
    assert found["archgraph_http_requests_total"][graphql] == 40
    assert found["archgraph_graphql_operations_total"][(("outcome", "ok"), ("type", "query"))] == 40
    per_worker = found["archgraph_worker_requests_total"]
    assert len(per_worker) == 2 and min(per_worker.values()) > 0, per_worker
    assert sum(per_worker.values()) == sum(found["archgraph_http_requests_total"].values())
    assert found["archgraph_graph_entities"][()] == 79
    assert not made.exists()  # removed when the server stopped
    access = [line for line in json_lines(server.log()) if line["logger"] == "archgraph.access"]
    assert sum(1 for line in access if line.get("operation") == "OneEntity") == 40


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_given_metrics_directory_is_emptied_at_start_and_kept(
    tmp_path: Path, workers: str
) -> None:
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_1.db").write_bytes(b"left by an earlier run")
    env = {"PROMETHEUS_MULTIPROC_DIR": str(directory)}
    with live_server(tmp_path, "--workers", workers, env=env) as server:
        httpx.post(server.graphql, json=NAMED)
        time.sleep(0.5)
        requests = scrape(server)["archgraph_http_requests_total"]
        assert not (directory / "counter_1.db").exists()
    assert requests[(("method", "POST"), ("route", "/graphql"), ("status", "200"))] == 1
    kept = {path.name.split("_")[0] for path in directory.glob("*.db")}  # this run's files
    assert {"counter", "histogram"} <= kept


def test_an_in_flight_query_finishes_on_sigterm_with_two_workers(tmp_path: Path) -> None:
    outcome: list[object] = []

    def post() -> None:
        try:
            outcome.append(httpx.post(server.graphql, json=SLOW_QUERY, timeout=30))
        except httpx.HTTPError as exc:
            outcome.append(exc)

    started = tmp_path / "slow-query-started"
    env = {"SLOW_QUERY_STARTED": str(started)}
    with live_server(tmp_path, "--workers", "2", preamble=SLOW_STACK_PATH, env=env) as server:
        deadline = time.monotonic() + 20  # both workers up: each then logs its shutdown
        while server.log().count("Application startup complete.") < 2:
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.05)
        thread = threading.Thread(target=post)
        thread.start()
        deadline = time.monotonic() + 20
        while not started.exists() and time.monotonic() < deadline:  # running in a worker
            time.sleep(0.02)
        assert started.exists(), server.log()
        server.terminate()
        thread.join(timeout=10)
        code = server.process.wait(timeout=30)
        log = server.log()
    [response] = outcome
    assert isinstance(response, httpx.Response)
    assert response.json() == {"data": {"stackPath": {"kernelCount": 2}}}
    assert code == 0  # the arbiter exits 0 once its workers have stopped
    lines = json_lines(log)  # gunicorn's lines too: every one is JSON
    messages = [line["message"] for line in lines]
    assert messages.count("Application shutdown complete.") == 2
    [slow] = [
        line
        for line in lines
        if line["logger"] == "archgraph.access" and line["path"] == "/graphql"
    ]
    assert (slow["status"], slow["duration_ms"] > 900) == (200, True)
    assert "Traceback" not in log


def test_a_worker_that_dies_is_replaced_and_its_counts_stay(tmp_path: Path) -> None:
    directory = tmp_path / "metrics"
    env = {"PROMETHEUS_MULTIPROC_DIR": str(directory)}
    with live_server(tmp_path, "--workers", "2", env=env) as server:
        for _ in range(20):
            httpx.post(server.graphql, json=NAMED, headers={"Connection": "close"})
        time.sleep(0.5)
        before = scrape(server)["archgraph_worker_requests_total"]
        dead = int(dict(next(iter(before)))["worker"])
        assert (directory / f"gauge_livesum_{dead}.db").exists()  # its in-flight gauge
        os.kill(dead, signal.SIGKILL)  # as the OOM killer would
        deadline = time.monotonic() + 20
        while "Booting worker with pid" not in server.log().split(f"pid:{dead}")[-1]:
            assert time.monotonic() < deadline, server.log()
            time.sleep(0.1)
        _wait_until_answering(server)
        after = scrape(server)
    assert not (directory / f"gauge_livesum_{dead}.db").exists()  # marked dead by the arbiter
    graphql = (("method", "POST"), ("route", "/graphql"), ("status", "200"))
    assert after["archgraph_http_requests_total"][graphql] == 20  # the dead worker's too
    assert (
        after["archgraph_worker_requests_total"][(("worker", str(dead)),)]
        == before[(("worker", str(dead)),)]
    )


def _wait_until_answering(server: LiveServer) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{server.url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(server.log())

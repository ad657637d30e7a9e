"""A live uvicorn under a burst of concurrent clients, and clients that hang up mid-request.

The burst's figures (requests/s, p50, p99) are printed (``pytest -s``); only correctness
is asserted: every request answered, each with exactly the expected data.
"""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from live_server import SLOW_QUERY, SLOW_STACK_PATH, live_server

pytestmark = pytest.mark.e2e

CLIENTS, REQUESTS = 64, 50

# A mix: a lookup, a search, and a path search run off the event loop (run_heavy).
OPERATIONS = [
    (
        {"query": '{ entity(id: "container") { name kind } }'},
        {"data": {"entity": {"name": "Container", "kind": "PLATFORM"}}},
    ),
    (
        {"query": "query ($s: String) { entities(search: $s, first: 1) { nodes { id } } }",
         "variables": {"s": "virtual machine"}},
        {"data": {"entities": {"nodes": [{"id": "virtual-machine"}]}}},
    ),
    (
        {"query": '{ stackPath(from: "container", to: "cloud-infrastructure") '
                   "{ layers { entity { id } } kernelCount } }"},
        {"data": {"stackPath": {"kernelCount": 2, "layers": [
            {"entity": {"id": "container"}},
            {"entity": {"id": "kubernetes"}},
            {"entity": {"id": "virtual-machine"}},
            {"entity": {"id": "cloud-infrastructure"}},
        ]}}},
    ),
]  # fmt: skip


@dataclass
class Burst:
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self, server_ms: list[float]) -> str:
        return (
            f"burst: {CLIENTS} clients x {REQUESTS} requests = {len(self.latencies)} in "
            f"{self.seconds:.2f} s: {len(self.latencies) / self.seconds:.0f} req/s; "
            f"client-side {percentiles([s * 1000 for s in self.latencies])}; "
            f"server-side {percentiles(server_ms)}; {len(self.failures)} failed"
        )


def percentiles(ms: list[float]) -> str:
    ordered = sorted(ms)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
    return f"p50 {statistics.median(ordered):.1f} ms, p99 {p99:.1f} ms, max {ordered[-1]:.1f} ms"


async def run_burst(url: str) -> Burst:
    """Each client has its own connection and sends its requests one after another."""
    burst = Burst()

    async def one_client(n: int) -> None:
        async with httpx.AsyncClient(timeout=30) as http:
            for i in range(REQUESTS):
                body, expected = OPERATIONS[(n + i) % len(OPERATIONS)]
                start = time.perf_counter()
                try:
                    response = await http.post(url, json=body)
                    answer = response.json()
                except (httpx.HTTPError, json.JSONDecodeError) as exc:
                    burst.failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                burst.latencies.append(time.perf_counter() - start)
                if response.status_code != 200 or answer != expected:
                    burst.failures.append(f"{response.status_code}: {response.text[:200]}")

    start = time.perf_counter()
    await asyncio.gather(*(one_client(n) for n in range(CLIENTS)))
    burst.seconds = time.perf_counter() - start
    return burst


def test_a_burst_of_64_clients_times_50_requests_all_succeed(tmp_path: Path) -> None:
    with live_server(tmp_path) as server:
        burst = asyncio.run(run_burst(server.graphql))
    log = server.log()  # once stopped: each access line is written after its response
    access = [json.loads(line) for line in log.splitlines() if '"archgraph.access"' in line]
    graphql = [entry for entry in access if entry["path"] == "/graphql"]
    print(f"\n{burst.summary([entry['duration_ms'] for entry in graphql])}")
    assert burst.failures == []
    assert len(burst.latencies) == CLIENTS * REQUESTS
    assert len(graphql) == CLIENTS * REQUESTS
    assert {entry["status"] for entry in graphql} == {200}


def hang_up_mid_body(url: str) -> None:
    """Promise a large body, send a little of it, and close the connection."""
    host, port = url.removeprefix("http://").split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(
            b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 100000\r\n\r\n{"query": "{ __typ'
        )
        time.sleep(0.05)


async def cancel_slow_queries(url: str, count: int) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        tasks = [asyncio.create_task(http.post(url, json=SLOW_QUERY)) for _ in range(count)]
        await asyncio.sleep(0.3)  # the queries are running in the server now
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def test_clients_hanging_up_mid_request_are_not_logged_as_errors(tmp_path: Path) -> None:
    with live_server(tmp_path, preamble=SLOW_STACK_PATH) as server:
        asyncio.run(cancel_slow_queries(server.graphql, 10))
        for _ in range(5):
            hang_up_mid_body(server.graphql)
        time.sleep(1.5)  # let the abandoned slow queries finish and try to answer
        after = httpx.post(server.graphql, json={"query": "{ __typename }"}, timeout=5)
    log = server.log()  # once stopped: each access line is written after its response
    assert after.json() == {"data": {"__typename": "Query"}}
    assert "Traceback" not in log
    assert "Exception in ASGI application" not in log
    entries = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert [e for e in entries if e["level"] in ("error", "critical")] == []
    statuses = [e["status"] for e in entries if e.get("path") == "/graphql"]
    assert statuses.count(499) == 5  # the bodies that never came
    assert statuses.count(200) == 11  # the cancelled queries still finished, and the last one

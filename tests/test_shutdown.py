"""Graceful shutdown: on SIGTERM, in-flight requests finish, within the grace period."""

from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from live_server import SLOW_QUERY, SLOW_STACK_PATH, LiveServer, live_server

pytestmark = pytest.mark.e2e


def post_in_background(server: LiveServer) -> tuple[threading.Thread, list[object]]:
    """POST the slow query from a thread; the list receives its response or exception."""
    outcome: list[object] = []

    def post() -> None:
        try:
            outcome.append(httpx.post(server.graphql, json=SLOW_QUERY, timeout=30))
        except httpx.HTTPError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=post)
    thread.start()
    return thread, outcome


def test_an_in_flight_query_finishes_on_sigterm(tmp_path: Path) -> None:
    with live_server(tmp_path, preamble=SLOW_STACK_PATH) as server:
        thread, outcome = post_in_background(server)
        time.sleep(0.4)  # the query is running (it takes 1 s)
        server.terminate()
        thread.join(timeout=10)
        code = server.process.wait(timeout=10)
        log = server.log()
    [response] = outcome
    assert isinstance(response, httpx.Response)
    assert response.status_code == 200
    assert response.json() == {"data": {"stackPath": {"kernelCount": 2}}}
    # uvicorn shuts down cleanly, then re-raises the signal so the exit status reports it
    assert code == -signal.SIGTERM
    messages = [json.loads(line)["message"] for line in log.splitlines() if line.startswith("{")]
    assert "Shutting down" in messages
    assert "Application shutdown complete." in messages
    assert "Traceback" not in log


def test_the_grace_period_bounds_how_long_shutdown_waits(tmp_path: Path) -> None:
    slower = SLOW_STACK_PATH.replace("time.sleep(1.0)", "time.sleep(5.0)")
    with live_server(
        tmp_path, preamble=slower, env={"ARCHGRAPH_GRACEFUL_SHUTDOWN_SECONDS": "1"}
    ) as server:
        thread, outcome = post_in_background(server)
        time.sleep(0.4)
        start = time.monotonic()
        server.terminate()
        server.process.wait(timeout=10)
        stopped_after = time.monotonic() - start
        thread.join(timeout=10)
    assert stopped_after < 4  # 1 s of grace, not the 5 s the query wanted
    [cut_off] = outcome  # at the end of the grace period: uvicorn answers 500, or hangs up
    assert isinstance(cut_off, httpx.HTTPError) or (
        isinstance(cut_off, httpx.Response) and cut_off.status_code == 500
    )

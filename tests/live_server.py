"""A real ``archgraph serve`` (uvicorn) on a free loopback port, its log kept in a file.

For tests that need a socket: the GraphQL-over-HTTP audit, the burst, disconnects,
graceful shutdown. The log goes to a file, not a pipe, so a chatty server never blocks.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

# Run in the server process (``preamble``): stackPath's search then takes a second, in its
# worker thread, so a request can be in flight for a while without blocking the event loop.
SLOW_STACK_PATH = """
import os, time
from pathlib import Path
from service.queries import stacks
_stack_path = stacks.stack_path
def _slow_stack_path(*args):
    if os.environ.get("SLOW_QUERY_STARTED"):  # a file to touch: the query is running now
        Path(os.environ["SLOW_QUERY_STARTED"]).touch()
    time.sleep(1.0)
    return _stack_path(*args)
stacks.stack_path = _slow_stack_path
"""
SLOW_QUERY = {"query": '{ stackPath(from: "container", to: "virtual-machine") { kernelCount } }'}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    @property
    def graphql(self) -> str:
        return f"{self.url}/graphql"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def terminate(self) -> None:
        """SIGTERM, as Kubernetes sends it."""
        self.process.send_signal(signal.SIGTERM)


@contextmanager
def live_server(
    workdir: Path,
    *serve_args: str,
    env: Mapping[str, str] | None = None,
    preamble: str = "",
) -> Iterator[LiveServer]:
    """Start ``archgraph serve`` and wait until ``/readyz`` says ready.

    ``preamble`` is Python run in the server process before the CLI (to patch in a slow
    endpoint, say); the server is stopped on exit if the test has not stopped it.
    """
    port = free_port()
    log_path = workdir / f"server-{port}.log"
    code = f"{preamble}\nimport sys\nfrom service.cli import main\nsys.exit(main(sys.argv[1:]))"
    command = [sys.executable, "-c", code, "serve", "--port", str(port), *serve_args]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ARCHGRAPH_LOG_LEVEL": "info", **(env or {})},
        )
    server = LiveServer(process, f"http://127.0.0.1:{port}", log_path)
    try:
        _wait_ready(server)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(server: LiveServer) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"server exited early:\n{server.log()}")
        try:
            if httpx.get(f"{server.url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"server did not become ready in 30 s:\n{server.log()}")

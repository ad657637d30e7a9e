"""Target 1: a repeated GraphQL request over HTTP, against a bare server of canned bytes.

Three servers run side by side, one uvicorn worker each:

- archgraph itself (``archgraph serve``), its access log on and written to a file as in
  production;
- **the baseline**: a bare Starlette app returning the very bytes archgraph answers, run
  by ``uvicorn.run(app)`` with uvicorn's defaults (uvloop/httptools, its own logging
  config) and no access log: the least any Python ASGI server does for this request;
- the previous baseline, for reference: the same app on ``archgraph serve``'s uvicorn
  settings (our JSON log config with its batching handler).

``wrk`` (one thread, 16 connections) loads each in turn, alternating, for several rounds:

- ``POST``: the contract's ``stackPath`` example (``clients/queries/stack-path.graphql``
  with its variables) as a JSON body;
- ``GET`` + ``If-None-Match``: the same query in the URL with the ETag of its answer,
  answered ``304 Not Modified``.

Prints requests/s min/median/max for all three, the ratios against both baselines (target
≥ 0.85 against the bare one), the servers' peak memory, and checks on the way that the
cached answer equals the first one and that the access log and the metrics counted every
request. Needs ``wrk`` (Debian's package; installed here when running as root, else
skipped with a message).

Usage: ``python bench/bench_http_repeated.py [--rounds 5] [--seconds 3] [--connections 16]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: bench/ is a package of the repository
    sys.path.insert(0, str(ROOT))

from bench.common import Report  # noqa: E402

QUERIES = ROOT / "clients" / "queries"

# The baseline: Starlette answering fixed bytes on uvicorn's defaults, no access log.
# BARE_APP is it; LOGGED_APP (the previous baseline) adds `archgraph serve`'s log config.
CANNED_APP = """
import os, sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route

body = open(os.environ["CANNED_BODY"], "rb").read()
etag = os.environ["CANNED_ETAG"]
media = os.environ["CANNED_MEDIA"]

async def graphql(request):
    await request.body()
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"Vary": "Accept", "ETag": etag})
    return Response(body, media_type=media, headers={"Vary": "Accept", "ETag": etag})

app = Starlette(routes=[Route("/graphql", graphql, methods=["GET", "POST"])])
"""
BARE_APP = (
    CANNED_APP
    + """
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=False)
"""
)
LOGGED_APP = (
    CANNED_APP
    + """
from service.http.logs import log_config
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), workers=1, log_level="info",
            log_config=log_config("info"), access_log=False, timeout_graceful_shutdown=30)
"""
)
TARGET = 0.85
BASELINES = {
    "bare": "bare Starlette returning the same bytes, uvicorn defaults, no access log",
    "logged": "the same app on archgraph serve's log config (the previous baseline)",
}


# -- small helpers, shared by the other HTTP benchmarks ------------------------------------------
def summary(values: Sequence[float], unit: str = "", digits: int = 0) -> str:
    """``min/median/max`` of ``values``."""
    return "/".join(f"{v:,.{digits}f}" for v in spread(values)) + (f" {unit}" if unit else "")


def spread(values: Sequence[float]) -> tuple[float, float, float]:
    return min(values), statistics.median(values), max(values)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def need_wrk() -> str | None:
    """The path of ``wrk``, installing Debian's package when we may; None when there is none."""
    if shutil.which("wrk") or os.geteuid() != 0 or not shutil.which("apt-get"):
        return shutil.which("wrk")
    install = ["apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(install, capture_output=True, check=False, timeout=300).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, check=False, timeout=300)
        subprocess.run(install, capture_output=True, check=False, timeout=300)
    return shutil.which("wrk")


def skip_without_wrk() -> str:
    wrk = need_wrk()
    if wrk is None:
        print("SKIPPED: wrk is not installed (apt-get install wrk) and could not be installed here")
        raise SystemExit(0)
    return wrk


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path

    def peak_rss_mib(self) -> float:
        """Peak resident memory of the server and its worker processes, in MiB (VmHWM)."""
        return sum(_hwm_kib(pid) for pid in _tree(self.process.pid)) / 1024

    def cpu_seconds(self) -> float:
        """CPU time (user and system) the server and its live workers have used so far."""
        return sum(_cpu_seconds(pid) for pid in _tree(self.process.pid))


def _tree(pid: int) -> list[int]:
    pids, i = [pid], 0
    while i < len(pids):
        try:
            children = Path(f"/proc/{pids[i]}/task/{pids[i]}/children").read_text().split()
        except OSError:
            children = []
        pids.extend(int(c) for c in children)
        i += 1
    return pids


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def _hwm_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@contextmanager
def server(
    command: list[str], port: int, log_dir: Path, env: dict[str, str] | None = None
) -> Iterator[Server]:
    """Run ``command`` (a server on ``port``), wait until it answers, stop it on exit."""
    log_path = log_dir / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ARCHGRAPH_LOG_LEVEL": "info", **(env or {})},
            cwd=ROOT,
        )
    running = Server(process, f"http://127.0.0.1:{port}", log_path)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"server exited early:\n{log_path.read_text()}")
            try:
                httpx.get(f"{running.url}/graphql?query=%7B__typename%7D", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"server did not start:\n{log_path.read_text()}") from None
                time.sleep(0.1)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def archgraph_server(log_dir: Path, *args: str) -> AbstractContextManager[Server]:
    port = free_port()
    code = "import sys\nfrom service.cli import main\nsys.exit(main(sys.argv[1:]))"
    command = [sys.executable, "-c", code, "serve", "--port", str(port), *args]
    return server(command, port, log_dir)


def wrk_lua(method: str, body: str | None, headers: dict[str, str]) -> str:
    """A wrk script sending one fixed request (and counting the statuses it got)."""
    lines = [f"wrk.method = {json.dumps(method)}"]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    if body is not None:
        lines.append(f"wrk.body = {json.dumps(body)}")
    lines.append(
        "statuses = {}\n"
        "function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end\n"
        "function done(summary, latency, requests) io.write('errors ', summary.errors.status"
        " + summary.errors.connect + summary.errors.read + summary.errors.write"
        " + summary.errors.timeout, '\\n') end"
    )
    return "\n".join(lines) + "\n"


@dataclass
class Load:
    """What one wrk run measured."""

    requests_per_second: float
    requests: int
    errors: int
    output: str = field(repr=False, default="")


def run_wrk(
    wrk: str, url: str, script: Path, seconds: float, connections: int = 32, threads: int = 1
) -> Load:
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        url,
    ]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    rps = float(output.split("Requests/sec:")[1].split()[0])
    requests = int(output.split(" requests in ")[0].split()[-1])
    errors = int(output.split("errors ")[-1].split()[0]) if "errors " in output else 0
    if "Non-2xx or 3xx responses" in output:
        errors += int(output.split("Non-2xx or 3xx responses:")[1].split()[0])
    return Load(rps, requests, errors, output)


# -- the benchmark ---------------------------------------------------------------------------------
def stack_path_request() -> tuple[str, dict[str, object]]:
    document = (QUERIES / "stack-path.graphql").read_text()
    variables = json.loads((QUERIES / "stack-path.variables.json").read_text())
    return document, variables


def access_lines(log: Path) -> int:
    return sum(1 for line in log.read_text().splitlines() if '"archgraph.access"' in line)


def counted_requests(metrics: str) -> int:
    """The sum of ``archgraph_http_requests_total`` over every label set."""
    return round(
        sum(
            float(line.rsplit(" ", 1)[1])
            for line in metrics.splitlines()
            if line.startswith("archgraph_http_requests_total{")
        )
    )


def canned(log_dir: Path, app: str, env: dict[str, str]) -> AbstractContextManager[Server]:
    port = free_port()
    return server([sys.executable, "-c", app, str(port)], port, log_dir, env)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=3, help="of each wrk run")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args(argv)
    wrk = skip_without_wrk()

    document, variables = stack_path_request()
    body = json.dumps({"query": document, "variables": variables, "operationName": "StackPath"})
    get_query = urlencode(
        {"query": document, "variables": json.dumps(variables), "operationName": "StackPath"}
    )
    headers = {"Content-Type": "application/json"}
    results: dict[str, dict[str, list[float]]] = {}
    cpu_us: dict[str, dict[str, list[float]]] = {}  # server CPU time per request
    sent = failures = 0
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        work = Path(tmp)
        with ExitStack() as stack:
            archgraph = stack.enter_context(archgraph_server(work))
            post_url, get_url = f"{archgraph.url}/graphql", f"{archgraph.url}/graphql?{get_query}"
            first = httpx.post(post_url, content=body, headers=headers)
            again = httpx.post(post_url, content=body, headers=headers)
            assert first.status_code == 200 and "errors" not in first.json(), first.text
            assert again.content == first.content, "a cached answer differs from the first"
            got = httpx.get(get_url)
            etag = got.headers["etag"]
            assert got.content == first.content
            assert httpx.get(get_url, headers={"If-None-Match": etag}).status_code == 304
            sent += 4
            (work / "body.json").write_bytes(first.content)
            env = {
                "CANNED_BODY": str(work / "body.json"),
                "CANNED_ETAG": etag,
                "CANNED_MEDIA": first.headers["content-type"],
            }
            servers = {
                "archgraph": archgraph,
                "bare": stack.enter_context(canned(work, BARE_APP, env)),
                "logged": stack.enter_context(canned(work, LOGGED_APP, env)),
            }
            for name in BASELINES:
                answer = httpx.post(f"{servers[name].url}/graphql", content=body)
                assert answer.content == first.content, f"the {name} baseline answers otherwise"
            scripts = {
                "POST": wrk_lua("POST", body, headers),
                "GET If-None-Match (304)": wrk_lua("GET", None, {"If-None-Match": etag}),
            }
            paths = {"POST": "/graphql", "GET If-None-Match (304)": f"/graphql?{get_query}"}
            for request, lua in scripts.items():
                script = work / f"{len(results)}.lua"
                script.write_text(lua)
                figures = results[request] = {name: [] for name in servers}
                cpu_us[request] = {name: [] for name in servers}
                for running in servers.values():  # warm-up
                    load = run_wrk(wrk, running.url + paths[request], script, 1, args.connections)
                    sent += load.requests if running is archgraph else 0
                for _ in range(args.rounds):
                    for name, running in servers.items():
                        url = running.url + paths[request]
                        cpu = running.cpu_seconds()
                        load = run_wrk(wrk, url, script, args.seconds, args.connections)
                        cpu = running.cpu_seconds() - cpu
                        failures += load.errors
                        sent += load.requests if name == "archgraph" else 0
                        figures[name].append(load.requests_per_second)
                        cpu_us[request][name].append(cpu / load.requests * 1e6)
            peaks = {name: running.peak_rss_mib() for name, running in servers.items()}
            metrics = httpx.get(f"{archgraph.url}/metrics").text
        logged = access_lines(archgraph.log_path)  # the server has stopped: every line is out

    report = Report(
        f"target 1: repeated stackPath over HTTP (wrk -t1 -c{args.connections}, {args.rounds} "
        f"rounds x {args.seconds} s, alternating; one uvicorn worker each)"
    )
    for request, figures in results.items():
        report.section(request)
        report.line(f"archgraph        req/s min/median/max {summary(figures['archgraph'])}")
        for name, what in BASELINES.items():
            report.line(f"{name:<16} req/s min/median/max {summary(figures[name])}  ({what})")
        for name in BASELINES:
            ratios = [a / b for a, b in zip(figures["archgraph"], figures[name], strict=True)]
            report.line(f"ratio vs {name:<7} min/median/max {summary(ratios, digits=2)}")
        # CPU per request is steadier than req/s on a shared machine (the ratio, inverted)
        report.line(
            "server CPU µs per request (median): "
            + ", ".join(f"{name} {statistics.median(v):.1f}" for name, v in cpu_us[request].items())
        )
        if request == "POST":
            report.verdict(
                "repeated POST req/s vs bare Starlette",
                statistics.median(figures["archgraph"]) / statistics.median(figures["bare"]),
                TARGET,
                at_most=False,
                baseline=f"{statistics.median(figures['bare']):,.0f} req/s",
            )
    report.section("memory and bookkeeping")
    report.line("peak memory: " + ", ".join(f"{name} {mib:.0f} MiB" for name, mib in peaks.items()))
    # wrk counts the answers it read; a run's last requests are answered after it stops
    # reading, so the server may count up to one more per connection and run.
    counted = counted_requests(metrics)  # all but the scrape itself, counted once it ends
    report.line(
        f"requests answered (wrk's count): {sent:,}; access log lines: {logged:,}; "
        f"metrics archgraph_http_requests_total: {counted:,}; "
        f"non-2xx/3xx or socket errors: {failures}"
    )
    slack = args.connections * (2 * args.rounds + 2) + 1
    report.verdicts.append(("every request in the access log", sent <= logged <= sent + slack))
    report.verdicts.append(("every request in the metrics", counted == logged - 1))
    if failures:
        report.verdicts.append(("no failed requests", False))
    report.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Target 1: a repeated GraphQL request over HTTP, against a server of canned bytes.

Two servers run side by side on the same uvicorn settings (``archgraph serve``'s: one
worker, uvloop/httptools, the JSON log config, no uvicorn access log): archgraph itself,
with its access log on and written to a file as in production, and a minimal Starlette
endpoint returning the very bytes archgraph answers. ``wrk`` (one thread, 32
connections) loads each in turn, alternating, for several rounds:

- ``POST``: the contract's ``stackPath`` example (``clients/queries/stack-path.graphql``
  with its variables) as a JSON body;
- ``GET`` + ``If-None-Match``: the same query in the URL with the ETag of its answer,
  answered ``304 Not Modified``.

Prints requests/s min/median/max for both, the ratio (target ≥ 0.8), the servers' peak
memory, and checks on the way that the cached answer equals the first one and that the
access log counted every request. Needs ``wrk`` (Debian's package; installed here when
running as root, else skipped with a message).

Usage: ``python bench/bench_http_repeated.py [--rounds 5] [--seconds 3]``
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
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: bench/ is a package of the repository
    sys.path.insert(0, str(ROOT))

from bench.common import Report  # noqa: E402

QUERIES = ROOT / "clients" / "queries"
TARGET = 0.8

# The baseline: Starlette answering fixed bytes. Run by `canned_server`, on the settings of
# `archgraph serve` (service/cli.py) except the app.
CANNED_APP = """
import os, sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
from service.http.observability import log_config

body = open(os.environ["CANNED_BODY"], "rb").read()
etag = os.environ["CANNED_ETAG"]
media = os.environ["CANNED_MEDIA"]

async def graphql(request):
    await request.body()
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"Vary": "Accept", "ETag": etag})
    return Response(body, media_type=media, headers={"Vary": "Accept", "ETag": etag})

app = Starlette(routes=[Route("/graphql", graphql, methods=["GET", "POST"])])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), workers=1, log_level="info",
            log_config=log_config("info"), access_log=False, timeout_graceful_shutdown=30)
"""


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=3, help="of each wrk run")
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args(argv)
    wrk = skip_without_wrk()

    document, variables = stack_path_request()
    body = json.dumps({"query": document, "variables": variables, "operationName": "StackPath"})
    get_query = urlencode(
        {"query": document, "variables": json.dumps(variables), "operationName": "StackPath"}
    )
    with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
        work = Path(tmp)
        with archgraph_server(work) as archgraph:
            post_url, get_url = f"{archgraph.url}/graphql", f"{archgraph.url}/graphql?{get_query}"
            headers = {"Content-Type": "application/json"}
            first = httpx.post(post_url, content=body, headers=headers)
            again = httpx.post(post_url, content=body, headers=headers)
            assert first.status_code == 200 and "errors" not in first.json(), first.text
            assert again.content == first.content, "a cached answer differs from the first"
            got = httpx.get(get_url)
            etag = got.headers["etag"]
            assert got.content == first.content
            assert httpx.get(get_url, headers={"If-None-Match": etag}).status_code == 304
            (work / "body.json").write_bytes(first.content)

            canned_port = free_port()
            canned_env = {
                "CANNED_BODY": str(work / "body.json"),
                "CANNED_ETAG": etag,
                "CANNED_MEDIA": first.headers["content-type"],
            }
            canned_command = [sys.executable, "-c", CANNED_APP, str(canned_port)]
            with server(canned_command, canned_port, work, canned_env) as canned:
                assert httpx.post(f"{canned.url}/graphql", content=body).content == first.content
                scripts = {
                    "POST": wrk_lua("POST", body, headers),
                    "GET If-None-Match (304)": wrk_lua("GET", None, {"If-None-Match": etag}),
                }
                paths = {"POST": "/graphql", "GET If-None-Match (304)": f"/graphql?{get_query}"}
                results: dict[str, dict[str, list[float]]] = {}
                failures = 0
                for name, lua in scripts.items():
                    script = work / f"{len(results)}.lua"
                    script.write_text(lua)
                    results[name] = {"archgraph": [], "canned": [], "ratio": []}
                    for target in (archgraph, canned):  # warm-up
                        run_wrk(wrk, target.url + paths[name], script, 1, args.connections)
                    for _ in range(args.rounds):
                        ours = run_wrk(wrk, archgraph.url + paths[name], script, args.seconds)
                        theirs = run_wrk(wrk, canned.url + paths[name], script, args.seconds)
                        failures += ours.errors + theirs.errors
                        results[name]["archgraph"].append(ours.requests_per_second)
                        results[name]["canned"].append(theirs.requests_per_second)
                        results[name]["ratio"].append(
                            ours.requests_per_second / theirs.requests_per_second
                        )
                canned_mib = canned.peak_rss_mib()
            archgraph_mib = archgraph.peak_rss_mib()
            metrics = httpx.get(f"{archgraph.url}/metrics").text
        counted = access_lines(archgraph.log_path)

    report = Report(
        f"target 1: repeated stackPath over HTTP (wrk -t1 -c{args.connections}, {args.rounds} "
        f"rounds x {args.seconds} s, alternating; one uvicorn worker each)"
    )
    for name, figures in results.items():
        report.section(name)
        report.line(f"archgraph  req/s min/median/max {summary(figures['archgraph'])}")
        report.line(
            f"baseline   req/s min/median/max {summary(figures['canned'])}  "
            "(Starlette returning the same bytes, same uvicorn settings)"
        )
        report.line(f"ratio      min/median/max {summary(figures['ratio'], digits=2)}")
        report.verdict(
            f"repeated {name} req/s vs canned bytes",
            statistics.median(figures["ratio"]),
            TARGET,
            at_most=False,
            baseline=f"{statistics.median(figures['canned']):,.0f} req/s",
        )
    report.section("memory and bookkeeping")
    report.line(f"peak memory: archgraph {archgraph_mib:.0f} MiB, baseline {canned_mib:.0f} MiB")
    report.line(
        f"access log lines: {counted:,} (every request counted, cached or not); "
        f"non-2xx/3xx or socket errors: {failures}"
    )
    for line in metrics.splitlines():
        if line.startswith("archgraph_http_requests_total"):
            report.line(line)
    if failures:
        report.verdicts.append(("no failed requests", False))
    report.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())

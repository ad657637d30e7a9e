"""Target 5: ``WORKERS=2`` roughly doubles throughput on 2 cores (≥ 1.6×), and keep-alive
connections are balanced over the workers (each serves 35–65 % of the requests).

Two ``archgraph serve`` run side by side, one with one worker (uvicorn) and one with two
(``ARCHGRAPH_WORKERS=2``: gunicorn's arbiter over uvicorn workers, each on its own
``SO_REUSEPORT`` socket), loaded in turn by ``wrk -t1 -c32`` for several rounds. wrk opens
its 32 connections at once and keeps them for the whole run, as a client pool or a proxy
does; nothing reconnects.

- **executed** (the targets): the contract's ``stackPath`` example with the response
  cache off (``ARCHGRAPH_RESPONSE_CACHE_ENTRIES=0``), so every request is parsed from
  JSON, executed and serialised: the work that more processes can share. wrk itself
  takes little of the CPU at these rates.
- **memoised** (for reference): the same request answered from the response cache. At
  ~20,000 requests/s wrk needs a core of its own, so on 2 cores the two workers share
  one core with it: this line shows that limit, it is not a target.

Each worker's share of a run's requests comes from the server's own ``/metrics``
(``archgraph_worker_requests_total{worker=<pid>}``, one view over both workers), read
before and after the run. Prints requests/s min/median/max for each, the ratio, every
run's split, and the servers' peak memory (all processes). Needs ``wrk`` (installed here
when running as root, else skipped).

Usage: ``python bench/bench_workers.py [--rounds 3] [--seconds 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: bench/ is a package of the repository
    sys.path.insert(0, str(ROOT))

from bench.bench_http_repeated import (  # noqa: E402
    Server,
    free_port,
    run_wrk,
    server,
    skip_without_wrk,
    stack_path_request,
    summary,
    wrk_lua,
)
from bench.common import Report  # noqa: E402

TARGET = 1.6
SHARE = (0.35, 0.65)  # of a run's requests, for each of the two workers
SERVE = "import sys\nfrom service.cli import main\nsys.exit(main(sys.argv[1:]))"


def start(stack: ExitStack, work: Path, workers: int, cache: bool) -> Server:
    port = free_port()
    env = {"ARCHGRAPH_WORKERS": str(workers)}
    if not cache:
        env["ARCHGRAPH_RESPONSE_CACHE_ENTRIES"] = "0"
    command = [sys.executable, "-c", SERVE, "serve", "--port", str(port)]
    return stack.enter_context(server(command, port, work, env))


def worker_requests(running: Server) -> dict[str, float]:
    """Requests each worker has answered so far, by pid, from ``/metrics``."""
    counts: dict[str, float] = {}
    for line in httpx.get(f"{running.url}/metrics").text.splitlines():
        if line.startswith("archgraph_worker_requests_total{"):
            counts[line.split('worker="')[1].split('"')[0]] = float(line.rsplit(" ", 1)[1])
    return counts


def shares(before: dict[str, float], after: dict[str, float], workers: int = 2) -> list[float]:
    """Each worker's share of the requests between two readings, largest first (a worker
    that has served nothing yet has no series: its share is 0)."""
    served = [after[pid] - before.get(pid, 0.0) for pid in after]
    served += [0.0] * (workers - len(served))
    return sorted((n / sum(served) for n in served), reverse=True)


def connections(port: int) -> list[int]:
    """Established connections each server process holds on ``port``, most first (``ss``)."""
    if shutil.which("ss") is None:
        return []
    command = ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"]
    listing = subprocess.run(command, capture_output=True, text=True, check=False).stdout
    held = Counter(re.findall(r"pid=(\d+)", listing))
    return sorted(held.values(), reverse=True)


def during(seconds: float, probe: Callable[[], list[int]]) -> list[list[int]]:
    """Run ``probe`` in a thread ``seconds`` from now; its result lands in the list."""
    found: list[list[int]] = []
    timer = threading.Timer(seconds, lambda: found.append(probe()))
    timer.start()
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=3, help="of each wrk run")
    args = parser.parse_args(argv)
    wrk = skip_without_wrk()
    document, variables = stack_path_request()
    body = json.dumps({"query": document, "variables": variables, "operationName": "StackPath"})
    results: dict[str, dict[int, list[float]]] = {}
    splits: dict[str, list[list[float]]] = {}
    conns: dict[str, list[list[int]]] = {}  # each run's connections per worker process
    peaks: dict[str, dict[int, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        work = Path(tmp)
        script = work / "post.lua"
        script.write_text(wrk_lua("POST", body, {"Content-Type": "application/json"}))
        for name, cache in (("executed", False), ("memoised", True)):
            with ExitStack() as stack:
                servers = {n: start(stack, work, n, cache) for n in (1, 2)}
                for running in servers.values():  # warm-up: every worker imports, caches
                    run_wrk(wrk, f"{running.url}/graphql", script, 2)
                for _ in range(args.rounds):
                    for n, running in servers.items():
                        before = worker_requests(running)
                        port = int(running.url.rsplit(":", 1)[1])
                        held = during(args.seconds / 2, lambda port=port: connections(port))
                        load = run_wrk(wrk, f"{running.url}/graphql", script, args.seconds)
                        if load.errors:
                            raise SystemExit(f"{load.errors} failed requests:\n{load.output}")
                        results.setdefault(name, {}).setdefault(n, []).append(
                            load.requests_per_second
                        )
                        if n == 2:
                            time.sleep(0.5)  # each worker counts its requests every 0.2 s
                            splits.setdefault(name, []).append(
                                shares(before, worker_requests(running))
                            )
                            conns.setdefault(name, []).append(held[0] if held else [])
                peaks[name] = {n: s.peak_rss_mib() for n, s in servers.items()}

    report = Report(
        f"target 5: WORKERS=2 vs 1 on {os.cpu_count()} cores (wrk -t1 -c32 keep-alive, "
        f"{args.rounds} rounds x {args.seconds} s, alternating)"
    )
    for name, figures in results.items():
        one, two = figures[1], figures[2]
        ratio = statistics.median(two) / statistics.median(one)
        report.section(
            f"{name} stackPath" + (" (the targets)" if name == "executed" else " (for reference)")
        )
        report.line(f"1 worker   req/s min/median/max {summary(one)}  (baseline)")
        report.line(f"2 workers  req/s min/median/max {summary(two)}")
        report.line(f"2 / 1 = {ratio:.2f}x")
        report.line(
            "2 workers, each run's split of the requests: "
            + ", ".join("/".join(f"{share:.0%}" for share in split) for split in splits[name])
        )
        report.line(
            "... and of wrk's 32 connections (ss, mid-run): "
            + ", ".join("/".join(map(str, held)) or "?" for held in conns[name])
        )
        report.line(
            f"peak memory, all processes: 1 worker {peaks[name][1]:.0f} MiB, "
            f"2 workers {peaks[name][2]:.0f} MiB"
        )
        if name == "executed":
            report.verdict(
                "WORKERS=2 throughput vs WORKERS=1",
                ratio,
                TARGET,
                at_most=False,
                baseline=f"{statistics.median(one):,.0f} req/s with 1 worker",
            )
            busiest = max(split[0] for split in splits[name])
            report.verdict(
                "busiest worker's share of a run's requests (32 keep-alive connections)",
                busiest,
                SHARE[1],
                at_most=True,
                baseline="an even split, 0.5",
            )
            report.verdicts.append(
                (
                    "each worker serves at least 35 %",
                    min(split[-1] for split in splits[name]) >= SHARE[0],
                )
            )
    report.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Target 5: ``WORKERS=2`` roughly doubles throughput on 2 cores (≥ 1.6×).

Two ``archgraph serve`` run side by side, one with one worker and one with two
(``ARCHGRAPH_WORKERS``), loaded in turn by ``wrk -t1 -c32`` for several rounds, each
connection closed and reopened every 20 requests (see ``RECONNECT_EVERY``):

- **executed** (the target): the contract's ``stackPath`` example with the response
  cache off (``ARCHGRAPH_RESPONSE_CACHE_ENTRIES=0``), so every request is parsed from
  JSON, executed and serialised: the work that more processes can share. wrk itself
  takes little of the CPU at these rates.
- **memoised** (for reference): the same request answered from the response cache. At
  ~20,000 requests/s wrk needs a core of its own, so on 2 cores the two workers share
  one core with it: this line shows that limit, it is not the target.

Prints requests/s min/median/max for each, the ratio, and the servers' peak memory
(all processes). Needs ``wrk`` (installed here when running as root, else skipped).

Usage: ``python bench/bench_workers.py [--rounds 3] [--seconds 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

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
# The workers share one listening socket and each accepts every pending connection it
# can: wrk's 32 connections, opened at once, often all land on one worker and stay there
# (measured: splits of 32/0, 28/4, 16/16 from run to run). A client that closes its
# connection every RECONNECT_EVERY requests, as clients and proxies do, spreads them
# over the workers as they are free; both configurations are loaded the same way.
RECONNECT_EVERY = 20
RECONNECT = f"""
counter = 0
request = function()
  counter = counter + 1
  if counter % {RECONNECT_EVERY} == 0 then
    local headers = {{}}
    for k, v in pairs(wrk.headers) do headers[k] = v end
    headers["Connection"] = "close"
    return wrk.format(nil, nil, headers)
  end
  return wrk.format()
end
"""
SERVE = "import sys\nfrom service.cli import main\nsys.exit(main(sys.argv[1:]))"


def start(stack: ExitStack, work: Path, workers: int, cache: bool) -> Server:
    port = free_port()
    env = {"ARCHGRAPH_WORKERS": str(workers)}
    if not cache:
        env["ARCHGRAPH_RESPONSE_CACHE_ENTRIES"] = "0"
    command = [sys.executable, "-c", SERVE, "serve", "--port", str(port)]
    return stack.enter_context(server(command, port, work, env))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=3, help="of each wrk run")
    args = parser.parse_args(argv)
    wrk = skip_without_wrk()
    document, variables = stack_path_request()
    body = json.dumps({"query": document, "variables": variables, "operationName": "StackPath"})
    results: dict[str, dict[int, list[float]]] = {}
    peaks: dict[str, dict[int, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
        work = Path(tmp)
        script = work / "post.lua"
        script.write_text(wrk_lua("POST", body, {"Content-Type": "application/json"}) + RECONNECT)
        for name, cache in (("executed", False), ("memoised", True)):
            with ExitStack() as stack:
                servers = {n: start(stack, work, n, cache) for n in (1, 2)}
                for running in servers.values():  # warm-up: every worker imports, caches
                    run_wrk(wrk, f"{running.url}/graphql", script, 2)
                for _ in range(args.rounds):
                    for n, running in servers.items():
                        load = run_wrk(wrk, f"{running.url}/graphql", script, args.seconds)
                        if load.errors:
                            raise SystemExit(f"{load.errors} failed requests:\n{load.output}")
                        results.setdefault(name, {}).setdefault(n, []).append(
                            load.requests_per_second
                        )
                peaks[name] = {n: s.peak_rss_mib() for n, s in servers.items()}

    report = Report(
        f"target 5: WORKERS=2 vs 1 on {os.cpu_count()} cores (wrk -t1 -c32, reconnecting "
        f"every {RECONNECT_EVERY} requests, "
        f"{args.rounds} rounds x {args.seconds} s, alternating)"
    )
    for name, figures in results.items():
        one, two = figures[1], figures[2]
        ratio = statistics.median(two) / statistics.median(one)
        report.section(
            f"{name} stackPath" + (" (the target)" if name == "executed" else " (for reference)")
        )
        report.line(f"1 worker   req/s min/median/max {summary(one)}  (baseline)")
        report.line(f"2 workers  req/s min/median/max {summary(two)}")
        report.line(f"2 / 1 = {ratio:.2f}x")
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
    report.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())

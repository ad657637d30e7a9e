"""Target 3: ``NODE_DOWN`` on a Kubernetes-scale cluster, end to end over HTTP.

The cluster: 5,000 nodes (32 CPU, 128Gi each) running 1,500 Deployments × 100 replicas
(150,000 pods of 500m / 1Gi); one node goes down. The baseline is one tenth of it (500
nodes, 150 Deployments × 100 replicas) in the same run: near-linear means the full
cluster takes at most 12 times as long. The scenario travels as GraphQL variables in a
POST body to a live ``archgraph serve`` (one worker); the time is the client's, from
sending the body to holding the whole answer.

Two selections:

- ``summary`` (the target): ``available``, ``nodesAdded`` and every Deployment's
  ``desired running pending pendingReason``, plus the causal chain's steps;
- ``pods``: the same and every pod's placement (``name deployment node phase``): 150,000
  objects in the answer, reported for scale, not part of the target.

Prints min/median/max seconds over rounds for each size, the ratio, the answer sizes and
the server's peak memory (VmHWM).

Usage: ``python bench/bench_simulation.py [--rounds 5]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: bench/ is a package of the repository
    sys.path.insert(0, str(ROOT))

from bench.bench_http_repeated import archgraph_server, summary  # noqa: E402
from bench.common import Report  # noqa: E402

SECONDS_TARGET = 2.0
LINEAR_TARGET = 12.0

STEPS = "steps { order atSeconds actor description }"
SUMMARY = f"""
query NodeDown($scenario: ClusterScenarioInput, $target: String) {{
  failureConsequences(event: NODE_DOWN, target: $target, scenario: $scenario) {{
    event {STEPS}
    outcome {{ available nodesAdded deployments {{ name desired running pending pendingReason }} }}
  }}
}}"""
PODS = SUMMARY.replace("pendingReason }", "pendingReason } pods { name deployment node phase }")


def cluster(nodes: int, deployments: int, replicas: int = 100) -> dict[str, object]:
    """A scenario of ``nodes`` nodes and ``deployments`` × ``replicas`` pods that fit them."""
    return {
        "nodes": [{"name": f"node-{i:05d}", "cpu": "32", "memory": "128Gi"} for i in range(nodes)],
        "deployments": [
            {"name": f"app-{i:04d}", "replicas": replicas, "cpu": "500m", "memory": "1Gi"}
            for i in range(deployments)
        ],
        "autoscaler": {"enabled": True, "maxNodes": nodes + 10, "nodeCpu": "32", "nodeMemory": "128Gi"},
    }  # fmt: skip


def body(document: str, scenario: dict[str, object]) -> bytes:
    variables = {"scenario": scenario, "target": "node-00007"}
    return json.dumps({"query": document, "variables": variables}).encode()


def timed_post(http: httpx.Client, url: str, content: bytes) -> tuple[float, int]:
    start = time.perf_counter()
    response = http.post(url, content=content, headers={"Content-Type": "application/json"})
    seconds = time.perf_counter() - start
    answer = response.json()
    if response.status_code != 200 or "errors" in answer:
        raise SystemExit(f"the simulation failed: {response.status_code} {response.text[:500]}")
    deployments = answer["data"]["failureConsequences"]["outcome"]["deployments"]
    assert all(d["running"] == d["desired"] for d in deployments), "every pod is rescheduled"
    return seconds, len(response.content)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    sizes = {"full": cluster(5000, 1500), "tenth": cluster(500, 150)}
    results: dict[tuple[str, str], list[float]] = {}
    sizes_out: dict[tuple[str, str], int] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-sim-") as tmp,
        archgraph_server(Path(tmp)) as server,
        httpx.Client(timeout=120) as http,
    ):
        url = f"{server.url}/graphql"
        for selection, document in (("summary", SUMMARY), ("pods", PODS)):
            bodies = {name: body(document, scenario) for name, scenario in sizes.items()}
            for name in sizes:
                timed_post(http, url, bodies[name])  # warm-up
            for _ in range(args.rounds):
                for name in sizes:  # alternating, so drift hits both alike
                    seconds, size = timed_post(http, url, bodies[name])
                    results.setdefault((selection, name), []).append(seconds)
                    sizes_out[(selection, name)] = size
        request_kib = {name: len(body(SUMMARY, s)) / 1024 for name, s in sizes.items()}
        peak = server.peak_rss_mib()

    report = Report(
        "target 3: NODE_DOWN over HTTP, the scenario in the POST body's variables "
        f"({args.rounds} rounds, alternating sizes; one uvicorn worker)"
    )
    report.line(
        f"full: 5,000 nodes, 1,500 Deployments x 100 = 150,000 pods (request "
        f"{request_kib['full']:,.0f} KiB); tenth: 500 nodes, 15,000 pods (request "
        f"{request_kib['tenth']:,.0f} KiB)"
    )
    for selection in ("summary", "pods"):
        full, tenth = results[(selection, "full")], results[(selection, "tenth")]
        ratio = statistics.median(full) / statistics.median(tenth)
        report.section(
            f"selecting {selection}"
            + (" (the target)" if selection == "summary" else " (for scale)")
        )
        report.line(
            f"full   s min/median/max {summary(full, digits=3)}   "
            f"answer {sizes_out[(selection, 'full')] / 1024:,.0f} KiB"
        )
        report.line(
            f"tenth  s min/median/max {summary(tenth, digits=3)}   "
            f"answer {sizes_out[(selection, 'tenth')] / 1024:,.0f} KiB  (baseline)"
        )
        report.line(f"full / tenth = {ratio:.1f}x")
        if selection == "summary":
            report.verdict(
                "NODE_DOWN 150,000 pods, seconds over HTTP",
                statistics.median(full),
                SECONDS_TARGET,
                at_most=True,
                baseline="2 s (absolute)",
            )
            report.verdict(
                "NODE_DOWN full / one tenth (near linear)",
                ratio,
                LINEAR_TARGET,
                at_most=True,
                baseline=f"tenth {statistics.median(tenth):.3f} s",
            )
    report.section("memory")
    report.line(f"server peak memory (VmHWM): {peak:,.0f} MiB")
    report.finish()
    return 0


if __name__ == "__main__":
    sys.exit(main())

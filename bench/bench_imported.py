"""Target 3 of issue 10: NODE_DOWN and ZONE_DOWN on an imported 5,000-node dump.

The dump is :mod:`bench.gen_cluster`'s ``kubectl get … -A -o json`` of 5,000 nodes in 3
zones and 150,000 pods, bound as the dump has them (the same file ``bench_import`` reads),
imported once by ``import_paths``; not timed here. Measured, in-process, best of the rounds:
:func:`~service.simulation.simulate.simulate_cluster` with ``NODE_DOWN`` of the first node and
with ``ZONE_DOWN`` of the first node's zone — a third of the cluster: its ~50,000 pods are
evicted, replaced and placed again, one eviction step after the other. The baseline, in the
same run: the same on the dump a tenth the size.

Goals: NODE_DOWN ≤ 2 s, ZONE_DOWN ≤ 10 s at 5,000 nodes.

    python -m bench.bench_imported [--rounds 2] [--nodes 5000] [--pods 150000]
"""

from __future__ import annotations

import argparse
import time

from bench.common import Report, fmt_seconds
from bench.gen_cluster import Params, cached_cluster
from service.kube.model import ClusterSnapshot
from service.kube.wellknown import ZONE

GOALS = {"NODE_DOWN": 2.0, "ZONE_DOWN": 10.0}


def imported(nodes: int, pods: int) -> ClusterSnapshot:
    from service.snapshots.importer import import_paths

    return import_paths([cached_cluster(Params(nodes=nodes, pods=pods))], f"bench-{nodes}")


def failure(snapshot: ClusterSnapshot, event: str) -> tuple[float, int, int]:
    """Seconds, steps and pods left Pending of ``event`` on the first node (or its zone)."""
    from service.simulation.simulate import simulate_cluster

    first = snapshot.nodes[0]
    target = first.labels[ZONE] if event == "ZONE_DOWN" else first.name
    start = time.perf_counter()
    report = simulate_cluster(snapshot, event, target)
    seconds = time.perf_counter() - start
    return seconds, len(report.steps), sum(w.pending for w in report.outcome.workloads)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=150_000)
    args = parser.parse_args()
    from service.collector import settle_heap
    from service.simulation.run_kernel import warm_up

    warm_up()  # numba's cache loaded (or the kernel compiled) before the clock starts
    settle_heap()  # the collector and allocator tuned as the server's are
    report = Report("NODE_DOWN and ZONE_DOWN on an imported dump (issue 10, target 3)")
    results: dict[tuple[str, int], float] = {}
    for nodes, pods in ((args.nodes // 10, args.pods // 10), (args.nodes, args.pods)):
        report.section(f"{nodes} nodes, {pods} pods")
        start = time.perf_counter()
        snapshot = imported(nodes, pods)
        report.line(f"imported in {fmt_seconds(time.perf_counter() - start)} (not measured)")
        for event in GOALS:
            runs = [failure(snapshot, event) for _ in range(args.rounds)]
            seconds, steps, pending = min(runs)
            results[(event, nodes)] = seconds
            report.line(f"{event}: {fmt_seconds(seconds)} (rounds: "
                        f"{', '.join(fmt_seconds(r[0]) for r in runs)}); {steps} steps, "
                        f"{pending} pods Pending after")  # fmt: skip
    for event, goal in GOALS.items():
        report.verdict(f"imported {event} {args.nodes} nodes seconds", results[(event, args.nodes)],
                       goal, at_most=True,
                       baseline=f"{args.nodes // 10} nodes "
                                f"{fmt_seconds(results[(event, args.nodes // 10)])}")  # fmt: skip
    report.finish()


if __name__ == "__main__":
    main()

"""Issue 10, target 4: ``resilience`` over every node and zone of a heterogeneous cluster.

The cluster (:func:`heterogeneous`): nodes of 7 sizes with random allocatable offsets in 3
zones and 7 node pools, Deployments of 1–40 replicas of random CPU and memory requests,
every pod bound first-fit (as a ``kubectl get -o json`` dump holds them), about two thirds
of the CPU requested. ``resilience`` loses each zone and each node in turn on one shared
state (:mod:`service.simulation.resilience`).

Targets: 500 nodes in ≤ 3 s, 5,000 nodes in ≤ 60 s (``--full``; the 500-node run alone by
default). The baseline, measured in the same run on the same snapshot, is one
``NODE_DOWN`` through :func:`~service.simulation.simulate.simulate_cluster` (settling the
snapshot included): the ratio ``resilience / (losses × one NODE_DOWN)`` is what sharing the
state saves. The goals are absolute seconds, printed as ratios to them.

Usage: ``python bench/bench_resilience.py [--full] [--profile]``
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: bench/ is a package of the repository
    sys.path.insert(0, str(ROOT))

from bench.common import Report, fmt_seconds  # noqa: E402
from service.kube.model import (  # noqa: E402
    ClusterSnapshot,
    LabelSelector,
    Node,
    Pod,
    PodSpec,
    Workload,
    WorkloadRef,
)
from service.simulation.resilience import resilience  # noqa: E402
from service.simulation.simulate import simulate_cluster  # noqa: E402

GI = 1 << 30
MI = 1 << 20
SIZES = [(2000, 4), (4000, 8), (8000, 16), (8000, 32), (16000, 32), (16000, 64), (32000, 128)]
TARGETS = {500: 3.0, 5000: 60.0}


def heterogeneous(nodes: int, seed: int = 1) -> ClusterSnapshot:
    """``nodes`` nodes and about 20 pods per node, bound first-fit (see the module docstring)."""
    rnd = random.Random(seed)
    node_list = []
    for i in range(nodes):
        cpu, memory = SIZES[i % len(SIZES)]
        cpu -= rnd.randrange(0, 400)
        memory = memory * GI - rnd.randrange(0, GI)
        name = f"node-{i:05d}"
        labels = {
            "kubernetes.io/hostname": name,
            "topology.kubernetes.io/zone": f"zone-{i % 3}",
            "cloud.google.com/gke-nodepool": f"pool-{i % len(SIZES)}",
        }
        allocatable = {"cpu": cpu, "memory": memory, "pods": 110}
        node_list.append(
            Node(name=name, labels=labels, allocatable=allocatable, capacity=allocatable)
        )
    free = [[n.allocatable["cpu"], n.allocatable["memory"], 110] for n in node_list]
    specs, workloads, pods = [], [], []
    cursor = 0
    for d in range(nodes):
        cpu = rnd.choice([100, 250, 500, 1000])
        memory = rnd.choice([128, 256, 512, 1024]) * MI
        replicas = rnd.randint(1, 40)
        app = f"app-{d:05d}"
        specs.append(
            PodSpec(
                labels={"app": app},
                requests={"cpu": cpu, "memory": memory},
                nonzero_cpu=cpu,
                nonzero_memory=memory,
            )
        )
        workloads.append(
            Workload(
                kind="Deployment",
                namespace="default",
                name=app,
                template=d,
                replicas=replicas,
                selector=LabelSelector(match_labels={"app": app}),
            )
        )
        owner = WorkloadRef(kind="Deployment", namespace="default", name=app)
        for r in range(replicas):
            where = None
            for k in range(nodes):
                j = (cursor + k) % nodes
                room = free[j]
                if room[0] >= cpu and room[1] >= memory and room[2] >= 1:
                    room[0] -= cpu
                    room[1] -= memory
                    room[2] -= 1
                    cursor, where = j + 1, node_list[j].name
                    break
            pods.append(
                Pod(
                    namespace="default",
                    name=f"{app}-{r}",
                    spec=d,
                    node=where,
                    phase="Running" if where else "Pending",
                    owner=owner,
                )
            )
    return ClusterSnapshot(
        name=f"heterogeneous-{nodes}",
        version="1.33",
        nodes=tuple(node_list),
        specs=tuple(specs),
        pods=tuple(pods),
        workloads=tuple(workloads),
    )


def measure(report: Report, nodes: int, profile: bool) -> None:
    snapshot = heterogeneous(nodes)
    pending = sum(p.node is None for p in snapshot.pods)
    report.section(f"{nodes} nodes, {len(snapshot.pods)} pods ({pending} Pending)")
    start = time.perf_counter()
    simulate_cluster(snapshot, "NODE_DOWN", "node-00007")
    one = time.perf_counter() - start
    report.line(f"baseline: one NODE_DOWN (settle included) {fmt_seconds(one)}")
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    result = resilience(snapshot)
    if profiler is not None:
        profiler.disable()
    seconds = time.perf_counter() - start
    losses = len(result.losses)
    report.line(
        f"resilience: {losses} losses in {fmt_seconds(seconds)}; "
        f"{len(result.single_points_of_failure)} single points of failure; "
        f"vs {losses} separate NODE_DOWNs: {seconds / (losses * one):.3f}×"
    )
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(18)
        report.line(out.getvalue())
    goal = TARGETS[nodes]
    report.verdict(
        f"resilience-{nodes}-nodes",
        seconds / goal,
        1.0,
        at_most=True,
        baseline=f"the {goal:g} s goal (one NODE_DOWN: {fmt_seconds(one)})",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="also the 5,000-node cluster")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of each run")
    args = parser.parse_args(argv)
    from service.collector import settle_heap

    settle_heap()  # the collector and allocator tuned as the server's are
    report = Report("resilience over every node and zone (issue 10, target 4)")
    for nodes in (500, 5000) if args.full else (500,):
        measure(report, nodes, args.profile)
    report.finish()


if __name__ == "__main__":
    main()

"""Target 1 of issue 10: kube-scheduler's placement of a heterogeneous cluster, and NODE_DOWN.

The cluster (the shapes of :mod:`bench.gen_cluster`: 7 instance types with random system
reserves, 3 zones, Deployments of 1–59 replicas — about 30 — with random requests): 5,000
nodes and 150,000 Pending pods, built in-process as a ``ClusterSnapshot`` (the import has
its own bench). Measured, in-process, best of the rounds:

- ``placement``: every Pending pod through
  :class:`~service.simulation.fast_scheduler.FastScheduler` in queue order (what
  ``scheduling(snapshot)`` does);
- ``NODE_DOWN``: :func:`~service.simulation.simulate.simulate_cluster` — the placement, then
  one node stops reporting: NotReady, taints, evictions after 300 s, replacements scheduled.

The process's garbage collector and allocator are tuned as the server's are
(``service.collector.settle_heap``): at 5,000 nodes, without that, each NODE_DOWN faulted in
again most of what the one before freed.

Goals: NODE_DOWN ≤ 2 s and ≤ 12× the 500-node / 15,000-pod baseline measured in the same
run; with constraints (a third of the Deployments spread over zones with ``DoNotSchedule``,
a tenth with required hostname anti-affinity, the ``c5.9xlarge`` pool tainted with the
Deployments that tolerate it) ≤ 5 s. ``--reference N`` also times the reference scheduler
on the first N pods, for the speed-up.

- ``written by hand``: the same NODE_DOWN as the issue measured it, through
  ``failure_consequences`` on the ``scenario`` input written by hand (nodes of CPU and
  memory, Deployments of identical pods: no zones or instance types), validated into a
  snapshot as the resolver does.

``--http`` also measures the NODE_DOWN without constraints over HTTP, timed by the client from
sending to holding the answer, on a live ``archgraph serve --scenarios DIR`` (one worker, its
response cache off): both snapshots written as scenario files and asked by ``scenarioName``,
and the hand-written input in the POST body (``scenario``); a POST of
``failureConsequences(event: NODE_DOWN, …)`` selecting the steps and the workloads' summary.

    python -m bench.bench_scheduler [--rounds 3] [--nodes 5000] [--pods 150000] [--reference 300]
                                    [--http]
"""

from __future__ import annotations

import argparse
import functools
import random
import time
from collections.abc import Callable

from bench.common import Report, fmt_seconds
from bench.gen_cluster import Params, _deployments, _nodes
from bench.kube_shapes import TAINT
from service.knowledge import KnowledgeGraph
from service.kube.model import (
    ClusterSnapshot,
    LabelSelector,
    Node,
    Pod,
    PodAffinity,
    PodAffinityTerm,
    PodSpec,
    Taint,
    Toleration,
    TopologySpreadConstraint,
    Workload,
    WorkloadRef,
)
from service.kube.wellknown import HOSTNAME, INSTANCE_TYPE, ZONE

GOAL_SECONDS = 2.0
GOAL_CONSTRAINED_SECONDS = 5.0
GOAL_RATIO = 12.0
CREATED = "2025-03-01T08:00:00Z"


def snapshot(nodes: int, pods: int, constraints: bool = False, seed: int = 1) -> ClusterSnapshot:
    """The bench cluster with every pod Pending (see the module docstring)."""
    p = Params(nodes=nodes, pods=pods, constraints=constraints, seed=seed)
    rng = random.Random(seed)
    node_shapes = _nodes(p, rng)
    deployments = _deployments(p, max(1, round(pods / 30)), rng)
    total = sum(d.replicas for d in deployments)
    seen = placed = 0
    for d in deployments:  # scaled to sum to exactly ``pods``, as gen_cluster does
        seen += d.replicas
        target = round(pods * seen / total)
        d.replicas, placed = target - placed, target
    built_nodes = tuple(
        Node(
            name=n.name,
            labels={HOSTNAME: n.name, ZONE: n.zone, INSTANCE_TYPE: n.itype},
            taints=tuple(
                Taint(key=t["key"], value=t["value"], effect=t["effect"]) for t in n.taints
            ),  # type: ignore[arg-type]
            allocatable={"cpu": n.cpu, "memory": n.memory, "pods": 110},
        )
        for n in node_shapes
    )
    specs, workloads, built_pods = [], [], []
    for k, d in enumerate(deployments):
        labels = {"app": d.name}
        selector = LabelSelector(match_labels=labels)
        cpu, memory = d.cpu + (10 if d.sidecar else 0), d.memory + (32 << 20 if d.sidecar else 0)
        fields: dict[str, object] = {}
        if d.spread:
            fields["topology_spread"] = (
                TopologySpreadConstraint(max_skew=1, topology_key=ZONE, selector=selector),
            )
        if d.anti_affinity:
            fields["pod_anti_affinity"] = PodAffinity(
                required=(PodAffinityTerm(selector=selector, topology_key=HOSTNAME),)
            )
        if d.tolerates:
            fields["tolerations"] = (
                Toleration(key=TAINT["key"], value=TAINT["value"], effect="NoSchedule"),
            )
        specs.append(PodSpec(labels=labels, requests={"cpu": cpu, "memory": memory}, nonzero_cpu=cpu,
                             nonzero_memory=memory, **fields))  # type: ignore[arg-type]  # fmt: skip
        owner = WorkloadRef(kind="Deployment", namespace=d.namespace, name=d.name)
        workloads.append(Workload(kind="Deployment", namespace=d.namespace, name=d.name, template=k,
                                  replicas=d.replicas, selector=selector))  # fmt: skip
        built_pods += [
            Pod(namespace=d.namespace, name=f"{d.name}-{d.hash}-{r:05d}", spec=k, owner=owner,
                phase="Pending", created=CREATED)
            for r in range(d.replicas)
        ]  # fmt: skip
    return ClusterSnapshot(name=f"bench-{nodes}", version="1.34", nodes=built_nodes, pods=tuple(built_pods),
                           specs=tuple(specs), workloads=tuple(workloads))  # fmt: skip


def scenario_input(snap: ClusterSnapshot) -> dict[str, object]:
    """The same cluster written by hand: the ``scenario`` input of ``failureConsequences``
    (nodes of CPU and memory, Deployments of identical pods), as the issue measured it."""
    return {
        "nodes": [
            {"name": n.name, "cpu": f"{n.allocatable['cpu']}m", "memory": str(n.allocatable["memory"])}
            for n in snap.nodes
        ],
        "deployments": [
            {"name": w.name, "replicas": w.replicas, "cpu": f"{snap.specs[w.template].requests['cpu']}m",
             "memory": str(snap.specs[w.template].requests["memory"])}
            for w in snap.workloads
        ],
    }  # fmt: skip


@functools.cache
def _graph() -> KnowledgeGraph:
    from service.packs.loader import load_graph

    return load_graph()


def by_hand(data: dict[str, object], target: str) -> int:
    """``failure_consequences`` of NODE_DOWN on a hand-written scenario, as the resolver runs
    it (validated into a snapshot, then simulated); pods left Pending."""
    from service.queries.cluster_request import ClusterRequest
    from service.queries.failures import failure_consequences

    kg = _graph()
    cluster, autoscaler = ClusterRequest(data, None, None, None).resolve(kg, {})
    analysis = failure_consequences(kg, "NODE_DOWN", target, cluster, autoscaler)
    assert analysis.cluster is not None
    return sum(w.pending for w in analysis.cluster.outcome.workloads)


def place_all(snap: ClusterSnapshot) -> tuple[int, int]:
    """Every Pending pod through the fast scheduler; (bound, left Pending)."""
    from service.simulation.fast_scheduler import FastScheduler
    from service.simulation.scheduler import Decision
    from service.simulation.scheduling import place_in_order, queue_order
    from service.simulation.state import ClusterState

    state = ClusterState(snap)
    bound = pending = 0
    # as scheduling(snapshot) does, without describing each pod
    for placed in place_in_order(state, queue_order(state), FastScheduler(state)):
        if isinstance(placed, Decision):
            bound += placed.node is not None
            pending += placed.node is None
        else:
            bound += len(placed[0])
    return bound, pending


def reference_rate(snap: ClusterSnapshot, count: int) -> float:
    """Seconds per pod of the reference scheduler over the first ``count`` pods."""
    from service.simulation.scheduler import schedule_one
    from service.simulation.scheduling import apply, queue_order
    from service.simulation.state import ClusterState

    state = ClusterState(snap)
    order = queue_order(state)[:count]
    start = time.perf_counter()
    for pod in order:
        apply(state, schedule_one(state, pod))
    return (time.perf_counter() - start) / max(1, len(order))


def node_down(snap: ClusterSnapshot) -> int:
    """NODE_DOWN of the first node, end to end; pods left Pending."""
    from service.simulation.simulate import simulate_cluster

    report = simulate_cluster(snap, "NODE_DOWN", snap.nodes[0].name)
    return sum(w.pending for w in report.outcome.workloads)


HTTP_QUERY = """query ($name: String, $scenario: ClusterScenarioInput, $target: String!) {
  failureConsequences(event: NODE_DOWN, target: $target, scenarioName: $name, scenario: $scenario) {
    steps { order actor description }
    outcome { available nodesAdded workloads { kind name desired running pending pendingReason } }
  }
}"""


def over_http(snapshots: list[ClusterSnapshot], rounds: int) -> dict[tuple[str, str], float]:
    """Best client-side seconds of NODE_DOWN per snapshot and way in (``name``: served as a
    scenario file and asked by ``scenarioName``; ``inline``: the ``scenario`` input written
    by hand, in the POST body), by a live server."""
    import os
    import tempfile
    from pathlib import Path

    import httpx

    from bench.bench_http_repeated import archgraph_server
    from service.snapshots.scenario_file import write_scenario

    best_seconds: dict[tuple[str, str], float] = {}
    os.environ["ARCHGRAPH_RESPONSE_CACHE_ENTRIES"] = "0"  # each round simulates again
    with tempfile.TemporaryDirectory(prefix="bench-sched-") as tmp:
        scenarios = Path(tmp) / "scenarios"
        scenarios.mkdir()
        for snap in snapshots:
            write_scenario(snap, scenarios / f"{snap.name}.json")
        inputs = {snap.name: scenario_input(snap) for snap in snapshots}
        with (
            archgraph_server(Path(tmp), "--scenarios", str(scenarios)) as server,
            httpx.Client(timeout=120) as http,
        ):
            for _ in range(rounds + 1):  # the first round warms up
                for snap in snapshots:
                    for way in ("name", "inline"):
                        variables: dict[str, object] = {"target": snap.nodes[0].name}
                        if way == "name":
                            variables["name"] = snap.name
                        else:
                            variables["scenario"] = inputs[snap.name]
                        body = {"query": HTTP_QUERY, "variables": variables}
                        start = time.perf_counter()
                        answer = http.post(f"{server.url}/graphql", json=body)
                        seconds = time.perf_counter() - start
                        if answer.status_code != 200 or "errors" in answer.json():
                            raise SystemExit(f"NODE_DOWN over HTTP failed: {answer.text[:500]}")
                        key = (snap.name, way)
                        best_seconds[key] = min(best_seconds.get(key, seconds), seconds)
    return best_seconds


def best(rounds: int, fn: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=150_000)
    parser.add_argument(
        "--reference", type=int, default=0, help="also time the reference on N pods"
    )
    parser.add_argument("--http", action="store_true", help="also NODE_DOWN over HTTP")
    args = parser.parse_args()
    from service.collector import settle_heap
    from service.simulation.run_kernel import warm_up

    warm_up()  # numba's cache loaded (or the kernel compiled) before the clock starts
    settle_heap()  # the collector and allocator tuned as the server's are
    report = Report(
        "kube-scheduler placement and NODE_DOWN on heterogeneous clusters (issue 10, target 1)"
    )
    sizes = [(args.nodes // 10, args.pods // 10), (args.nodes, args.pods)]
    results: dict[tuple[bool, int], float] = {}
    for constraints in (False, True):
        report.section("with constraints" if constraints else "without constraints")
        for nodes, pods in sizes:
            snap = snapshot(nodes, pods, constraints)
            placed, (bound, pending) = best(args.rounds, lambda snap=snap: place_all(snap))  # type: ignore[misc]
            down, left = best(args.rounds, lambda snap=snap: node_down(snap))
            results[(constraints, nodes)] = down
            report.line(f"{nodes:>5} nodes {pods:>7} pods: placement {fmt_seconds(placed)} "
                        f"({placed / pods * 1e6:.1f} µs/pod, {bound} bound, {pending} Pending); "
                        f"NODE_DOWN end to end {fmt_seconds(down)} ({left} Pending after)")  # fmt: skip
            if args.reference and nodes == sizes[-1][0]:
                rate = reference_rate(snap, args.reference)
                report.line(f"      reference scheduler: {rate * 1e3:.1f} ms/pod over {args.reference} pods "
                            f"({rate / (placed / pods):.0f}× the fast one)")  # fmt: skip
        small, large = results[(constraints, sizes[0][0])], results[(constraints, sizes[-1][0])]
        goal = GOAL_CONSTRAINED_SECONDS if constraints else GOAL_SECONDS
        label = "constrained" if constraints else "heterogeneous"
        report.verdict(f"{label} NODE_DOWN {args.nodes}/{args.pods} seconds", large, goal,
                       at_most=True, baseline="none (seconds)")  # fmt: skip
        if not constraints:
            report.verdict(f"{label} NODE_DOWN vs a tenth", large / small, GOAL_RATIO, at_most=True,
                           baseline=f"{sizes[0][0]} nodes {fmt_seconds(small)}")  # fmt: skip
    report.section("without constraints, written by hand (the scenario input, in-process)")
    hand: dict[int, float] = {}
    for nodes, pods in sizes:
        snap = snapshot(nodes, pods)
        data = scenario_input(snap)
        hand[nodes], left = best(args.rounds, lambda: by_hand(data, snap.nodes[0].name))  # noqa: B023
        report.line(f"{nodes:>5} nodes {pods:>7} pods: failure_consequences NODE_DOWN "
                    f"{fmt_seconds(hand[nodes])} ({left} Pending after)")  # fmt: skip
    small, large = hand[sizes[0][0]], hand[sizes[-1][0]]
    report.verdict(f"hand-written NODE_DOWN {args.nodes}/{args.pods} seconds", large,
                   GOAL_SECONDS, at_most=True, baseline=f"{sizes[0][0]} nodes {fmt_seconds(small)}")  # fmt: skip
    if args.http:
        report.section("without constraints, over HTTP (a live server)")
        snapshots = [snapshot(nodes, pods) for nodes, pods in sizes]
        served = over_http(snapshots, args.rounds)
        for snap in snapshots:
            report.line(f"{snap.name}: NODE_DOWN over HTTP by scenarioName "
                        f"{fmt_seconds(served[snap.name, 'name'])}, written by hand (inline) "
                        f"{fmt_seconds(served[snap.name, 'inline'])}")  # fmt: skip
        first, last = snapshots[0].name, snapshots[-1].name
        for way, label in (("name", "by scenarioName"), ("inline", "written by hand")):
            report.verdict(f"heterogeneous NODE_DOWN {args.nodes}/{args.pods} over HTTP, {label}, seconds",
                           served[last, way], GOAL_SECONDS, at_most=True,
                           baseline=f"{sizes[0][0]} nodes {fmt_seconds(served[first, way])}")  # fmt: skip
    report.finish()


if __name__ == "__main__":
    main()

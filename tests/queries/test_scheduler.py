"""The scheduler: LeastAllocated placement, FitError messages, and one pod at a time at random."""

from __future__ import annotations

from cluster_scenarios import (
    GI,
    THREE_APPS,
    THREE_FULL,
    cluster,
    deployments,
    deployments_strategy,
    nodes_strategy,
    placements,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from service.queries.cluster_outcome import Phase
from service.queries.node_resources import DEFAULT_MAX_PODS
from service.queries.scenario import DeploymentSpec, NodeSpec, Scenario
from service.queries.simulation import simulate


# -- initial placement ---------------------------------------------------------------------------
def test_pods_spread_to_the_least_allocated_node_ties_by_name() -> None:
    report = simulate(cluster(THREE_FULL, THREE_APPS), "INSUFFICIENT_RESOURCES")
    assert placements(report) == {
        "web-0": "node-a", "web-1": "node-b", "web-2": "node-c",
        "web-3": "node-a", "web-4": "node-b", "web-5": "node-c",
        "api-0": "node-a", "api-1": "node-b", "api-2": "node-c",
        "worker-0": "node-a", "worker-1": "node-b", "worker-2": "node-c",
    }  # fmt: skip
    assert report.pending == ()
    assert [
        (n.name, n.cpu_requested, n.memory_requested, n.pods) for n in report.outcome.nodes
    ] == [
        ("node-a", 4000, 9 * GI, 4),
        ("node-b", 4000, 9 * GI, 4),
        ("node-c", 4000, 9 * GI, 4),
    ]


def test_a_bigger_node_takes_pods_until_its_score_drops_to_the_others() -> None:
    report = simulate(
        cluster([("small", "2", "8Gi"), ("big", "8", "32Gi")], [("web", 4, "1", "1Gi")]),
        "INSUFFICIENT_RESOURCES",
    )
    # big scores (7/8*100 + 31/32*100)//2 = 91 for the first pod, small only 68
    assert placements(report) == {"web-0": "big", "web-1": "big", "web-2": "big", "web-3": "big"}


def test_several_deployments_share_nodes_and_each_is_counted() -> None:
    report = simulate(
        cluster(
            [("a", "2", "4Gi"), ("b", "2", "4Gi")],
            [("web", 2, "500m", "1Gi"), ("api", 3, "500m", "512Mi")],
        ),
        "INSUFFICIENT_RESOURCES",
    )
    assert placements(report) == {
        "web-0": "a", "web-1": "b", "api-0": "a", "api-1": "b", "api-2": "a",
    }  # fmt: skip
    assert [(n.name, n.cpu_requested, n.pods) for n in report.outcome.nodes] == [
        ("a", 1500, 3),
        ("b", 1000, 2),
    ]


def test_pods_requesting_nothing_still_spread_by_the_default_requests() -> None:
    # kube-scheduler scores a request of 0 as 100m CPU and 200Mi memory
    report = simulate(
        cluster([("a", "1", "1Gi"), ("b", "1", "1Gi")], [("idle", 4, "0", "0")]),
        "INSUFFICIENT_RESOURCES",
    )
    assert placements(report) == {"idle-0": "a", "idle-1": "b", "idle-2": "a", "idle-3": "b"}
    assert [n.cpu_requested for n in report.outcome.nodes] == [0, 0]


# -- pending and its message ---------------------------------------------------------------------
def test_cpu_bound_pods_stay_pending_with_the_schedulers_message() -> None:
    report = simulate(
        cluster([("a", "2", "64Gi"), ("b", "2", "64Gi")], [("web", 5, "1", "1Gi")]),
        "INSUFFICIENT_RESOURCES",
    )
    message = "0/2 nodes are available: 2 Insufficient cpu."
    assert report.pending == (("web-4", message),)
    assert deployments(report) == [("web", 5, 4, 1, message)]
    assert report.outcome.pods[-1] == ("web-4", "web", None, Phase.PENDING, message, 0)
    assert report.outcome.available is True


def test_memory_bound_pods_stay_pending_with_the_schedulers_message() -> None:
    report = simulate(
        cluster([("a", "64", "4Gi"), ("b", "64", "4Gi")], [("cache", 3, "100m", "3Gi")]),
        "INSUFFICIENT_RESOURCES",
    )
    assert report.pending == (("cache-2", "0/2 nodes are available: 2 Insufficient memory."),)


def test_a_node_short_of_both_counts_twice_and_reasons_sort_as_strings() -> None:
    report = simulate(
        cluster(
            [("a", "1", "1Gi"), ("b", "4", "1Gi"), ("c", "1", "8Gi"), ("d", "8", "8Gi", False)],
            [("big", 1, "2", "2Gi")],
        ),
        "INSUFFICIENT_RESOURCES",
    )
    assert report.pending == (
        (
            "big-0",
            "0/4 nodes are available: 1 node(s) had untolerated taint "
            "{node.kubernetes.io/not-ready: }, 2 Insufficient cpu, 2 Insufficient memory.",
        ),
    )


def test_a_node_holds_at_most_110_pods() -> None:
    report = simulate(
        cluster([("a", "64", "64Gi")], [("tiny", 111, "10m", "10Mi")]), "INSUFFICIENT_RESOURCES"
    )
    assert report.pending == (("tiny-110", "0/1 nodes are available: 1 Too many pods."),)
    assert report.outcome.nodes[0].pods == DEFAULT_MAX_PODS


def test_a_pod_too_big_for_any_node_is_pending_everywhere() -> None:
    report = simulate(cluster(THREE_FULL, [("huge", 1, "16", "1Gi")]), "INSUFFICIENT_RESOURCES")
    assert report.pending == (("huge-0", "0/3 nodes are available: 3 Insufficient cpu."),)
    assert report.outcome.available is False


def test_without_nodes_the_scheduler_says_so() -> None:
    report = simulate(cluster([], [("web", 1, "1", "1Gi")]), "INSUFFICIENT_RESOURCES")
    assert report.pending == (("web-0", "no nodes available to schedule pods"),)


# -- one pod at a time ---------------------------------------------------------------------------
def naive_schedule(
    nodes: list[NodeSpec], pods: list[tuple[str, int, int]]
) -> dict[str, str | None]:
    """One pod at a time over every node: the definition the fast scheduler must match."""
    state = {n.name: [n.cpu, n.memory, 0, 0, 0, 0, 0] for n in nodes}
    placed: dict[str, str | None] = {}
    for name, cpu, memory in pods:
        scored_cpu, scored_memory = cpu or 100, memory or 200 * 2**20
        best: tuple[int, str] | None = None
        for node in sorted(state):
            ac, am, rc, rm, zc, zm, count = state[node]
            if count >= 110 or (cpu and cpu > ac - rc) or (memory and memory > am - rm):
                continue
            scores = [
                (a - r) * 100 // a if r <= a else 0
                for a, r in ((ac, zc + scored_cpu), (am, zm + scored_memory))
                if a
            ]
            score = sum(scores) // len(scores) if scores else 0
            if best is None or score > best[0]:
                best = (score, node)
        placed[name] = best[1] if best else None
        if best:
            s = state[best[1]]
            s[2:] = [s[2] + cpu, s[3] + memory, s[4] + scored_cpu, s[5] + scored_memory, s[6] + 1]
    return placed


@settings(max_examples=300, deadline=None)
@given(nodes_strategy, deployments_strategy)
def test_the_fast_scheduler_places_pods_exactly_as_one_at_a_time(
    nodes: list[NodeSpec], deployments: list[DeploymentSpec]
) -> None:
    report = simulate(Scenario(tuple(nodes), tuple(deployments)), "INSUFFICIENT_RESOURCES")
    pods = [(f"{d.name}-{i}", d.cpu, d.memory) for d in deployments for i in range(d.replicas)]
    assert placements(report) == naive_schedule([n for n in nodes if n.ready], pods)


@settings(max_examples=200, deadline=None)
@given(nodes_strategy.filter(bool), deployments_strategy, st.data())
def test_node_down_reschedules_exactly_as_one_at_a_time(
    nodes: list[NodeSpec], deployments: list[DeploymentSpec], data: st.DataObject
) -> None:
    down = data.draw(st.sampled_from([n.name for n in nodes]))
    report = simulate(Scenario(tuple(nodes), tuple(deployments)), "NODE_DOWN", down)
    pods = [(f"{d.name}-{i}", d.cpu, d.memory) for d in deployments for i in range(d.replicas)]
    request = {name: (cpu, memory) for name, cpu, memory in pods}
    before = naive_schedule([n for n in nodes if n.ready], pods)
    survivors = [n for n in nodes if n.ready and n.name != down]
    kept = [(name, *request[name]) for name in before if before[name] not in (None, down)]
    waiting = [name for name in before if before[name] is None]
    new = dict(report.replacements)
    replacements = [(pod, *request[new[pod]]) for pod in new]
    expected = naive_schedule(survivors, kept + [(p, *request[p]) for p in waiting] + replacements)
    assert placements(report) == expected

"""The cluster simulation: Kubernetes' defaults, exact messages, and invariants at random."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.errors import InvalidArgument
from service.queries.scenario import DeploymentSpec, NodeSpec, Scenario, scenario_from_mapping
from service.queries.simulation import (
    DEFAULT_MAX_PODS,
    FailureEvent,
    Phase,
    SimulationReport,
    simulate,
)

GI = 2**30
UNREACHABLE = "1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }"
FULL_NODE_DOWN = f"0/3 nodes are available: {UNREACHABLE}, 2 Insufficient cpu."


def cluster(
    nodes: list[tuple[str, str, str]] | list[tuple[str, str, str, bool]],
    deployments: list[tuple[str, int, str, str]],
    autoscaler: tuple[int, str, str] | None = None,
    enabled: bool = True,
) -> Scenario:
    """A scenario from (name, cpu, memory[, ready]) nodes and (name, replicas, cpu, memory)."""
    data: dict[str, Any] = {
        "nodes": [
            {"name": n[0], "cpu": n[1], "memory": n[2], "ready": n[3] if len(n) > 3 else True}
            for n in nodes
        ],
        "deployments": [
            {"name": name, "replicas": replicas, "cpu": cpu, "memory": memory}
            for name, replicas, cpu, memory in deployments
        ],
    }
    if autoscaler is not None:
        max_nodes, cpu, memory = autoscaler
        data["autoscaler"] = {
            "enabled": enabled,
            "maxNodes": max_nodes,
            "nodeCpu": cpu,
            "nodeMemory": memory,
        }
    return scenario_from_mapping(data)


THREE_FULL = [("node-a", "4", "16Gi"), ("node-b", "4", "16Gi"), ("node-c", "4", "16Gi")]
THREE_APPS = [("web", 6, "1", "2Gi"), ("api", 3, "1", "4Gi"), ("worker", 3, "1", "1Gi")]


def placements(report: SimulationReport) -> dict[str, str | None]:
    return {pod.name: pod.node for pod in report.outcome.pods}


def deployments(report: SimulationReport) -> list[tuple[str, int, int, int, str | None]]:
    return [
        (d.name, d.desired, d.running, d.pending, d.pending_reason)
        for d in report.outcome.deployments
    ]


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


# -- NODE_DOWN -------------------------------------------------------------------------------------
def test_node_down_on_a_full_cluster_leaves_the_evicted_pods_pending() -> None:
    report = simulate(cluster(THREE_FULL, THREE_APPS), FailureEvent.NODE_DOWN, "node-b")
    assert report.not_ready == ("node-b",)
    assert report.evicted == (
        ("web-1", "node-b"), ("web-4", "node-b"), ("api-1", "node-b"), ("worker-1", "node-b"),
    )  # fmt: skip
    assert report.replacements == (
        ("web-6", "web-1"), ("web-7", "web-4"), ("api-3", "api-1"), ("worker-3", "worker-1"),
    )  # fmt: skip
    assert report.bound == ()
    assert report.pending == tuple(
        (pod, FULL_NODE_DOWN) for pod in ("web-6", "web-7", "api-3", "worker-3")
    )
    assert report.scale_up is None
    assert deployments(report) == [
        ("web", 6, 4, 2, FULL_NODE_DOWN),
        ("api", 3, 2, 1, FULL_NODE_DOWN),
        ("worker", 3, 2, 1, FULL_NODE_DOWN),
    ]
    assert report.outcome.available is True
    down = report.outcome.nodes[1]
    assert (down.name, down.ready, down.taint, down.pods) == (
        "node-b", False, "node.kubernetes.io/unreachable", 0,
    )  # fmt: skip


def test_node_down_with_the_autoscaler_adds_one_node_for_the_replacements() -> None:
    report = simulate(
        cluster(THREE_FULL, THREE_APPS, autoscaler=(6, "4", "16Gi")), "NODE_DOWN", "node-b"
    )
    assert report.pending == tuple(
        (pod, FULL_NODE_DOWN) for pod in ("web-6", "web-7", "api-3", "worker-3")
    )
    assert report.scale_up is not None
    assert report.scale_up.nodes == ("autoscaled-1",)
    assert report.scale_up.bound == tuple(
        (pod, "autoscaled-1") for pod in ("web-6", "web-7", "api-3", "worker-3")
    )
    assert deployments(report) == [
        ("web", 6, 6, 0, None), ("api", 3, 3, 0, None), ("worker", 3, 3, 0, None),
    ]  # fmt: skip
    assert (report.outcome.available, report.outcome.nodes_added) == (True, 1)
    assert [(n.name, n.added, n.pods) for n in report.outcome.nodes][-1] == (
        "autoscaled-1",
        True,
        4,
    )


def test_node_down_replacements_go_where_there_is_room() -> None:
    report = simulate(
        cluster(
            [("a", "4", "8Gi"), ("b", "4", "8Gi"), ("c", "4", "8Gi")], [("web", 3, "1", "1Gi")]
        ),
        "NODE_DOWN",
        "a",
    )
    assert report.bound == (("web-3", "b"),)
    assert report.pending == ()


def test_the_autoscaler_counts_only_ready_nodes_toward_max_nodes() -> None:
    # 3 nodes, one goes down: 2 Ready, so maxNodes 3 still allows one more
    report = simulate(
        cluster(THREE_FULL, THREE_APPS, autoscaler=(3, "4", "16Gi")), "NODE_DOWN", "node-c"
    )
    assert report.scale_up is not None and report.scale_up.nodes == ("autoscaled-1",)
    assert report.outcome.nodes_added == 1


def test_the_autoscaler_stops_at_max_nodes_and_says_so() -> None:
    report = simulate(
        cluster(THREE_FULL, THREE_APPS, autoscaler=(2, "4", "16Gi")), "NODE_DOWN", "node-a"
    )
    reason = (
        f"0/3 nodes are available: {UNREACHABLE}, 2 Insufficient cpu. Cluster autoscaler: "
        "pod didn't trigger scale-up: max total nodes in cluster reached: 2."
    )
    assert report.scale_up is not None
    assert report.scale_up.nodes == ()
    assert report.scale_up.over_limit == ("web-6", "web-7", "api-3", "worker-3")
    assert deployments(report)[0] == ("web", 6, 4, 2, reason)


def test_a_disabled_autoscaler_adds_nothing() -> None:
    report = simulate(
        cluster(THREE_FULL, THREE_APPS, autoscaler=(6, "4", "16Gi"), enabled=False),
        "NODE_DOWN",
        "node-b",
    )
    assert report.scale_up is None
    assert report.outcome.nodes_added == 0


def test_the_autoscaler_never_adds_a_node_a_pod_would_not_fit() -> None:
    report = simulate(
        cluster(
            [("a", "4", "8Gi")],
            [("web", 1, "1", "1Gi"), ("huge", 1, "8", "1Gi")],
            autoscaler=(5, "4", "16Gi"),
        ),
        "INSUFFICIENT_RESOURCES",
    )
    assert report.scale_up is not None
    assert (report.scale_up.nodes, report.scale_up.too_big) == ((), ("huge-0",))
    assert deployments(report)[1] == (
        "huge", 1, 0, 1,
        "0/1 nodes are available: 1 Insufficient cpu. Cluster autoscaler: pod didn't trigger "
        "scale-up (it wouldn't fit if a new node is added): 1 Insufficient cpu.",
    )  # fmt: skip


def test_the_autoscaler_adds_the_fewest_nodes_first_fit() -> None:
    report = simulate(
        cluster(
            [],
            [("web", 5, "1500m", "1Gi"), ("api", 2, "500m", "1Gi")],
            autoscaler=(10, "4", "16Gi"),
        ),
        "INSUFFICIENT_RESOURCES",
    )
    # first fit: [1.5, 1.5, .5, .5] [1.5, 1.5] [1.5] → 3 nodes
    assert report.scale_up is not None
    assert report.scale_up.nodes == ("autoscaled-1", "autoscaled-2", "autoscaled-3")
    assert deployments(report) == [("web", 5, 5, 0, None), ("api", 2, 2, 0, None)]


def test_autoscaled_names_skip_names_in_use() -> None:
    report = simulate(
        cluster(
            [("autoscaled-1", "1", "1Gi")], [("web", 2, "1", "1Gi")], autoscaler=(5, "1", "1Gi")
        ),
        "INSUFFICIENT_RESOURCES",
    )
    assert report.scale_up is not None and report.scale_up.nodes == ("autoscaled-2",)


def test_node_down_names_the_nodes_it_could_take_down() -> None:
    scenario = cluster(THREE_FULL, THREE_APPS)
    with pytest.raises(
        InvalidArgument,
        match=r"^target: no node named 'node-z': NODE_DOWN takes a node name; "
        r"nodes: node-a, node-b, node-c$",
    ):
        simulate(scenario, "NODE_DOWN", "node-z")
    with pytest.raises(InvalidArgument, match=r"^target: is required: NODE_DOWN takes a node name"):
        simulate(scenario, "NODE_DOWN")


# -- ALL_NODES_DOWN ---------------------------------------------------------------------------------
def test_all_nodes_down_leaves_nothing_running() -> None:
    report = simulate(cluster(THREE_FULL, THREE_APPS), "ALL_NODES_DOWN")
    message = "0/3 nodes are available: 3 node(s) had untolerated taint {node.kubernetes.io/unreachable: }."
    assert report.not_ready == ("node-a", "node-b", "node-c")
    assert len(report.evicted) == len(report.replacements) == len(report.pending) == 12
    assert {reason for _, reason in report.pending} == {message}
    assert deployments(report) == [
        ("web", 6, 0, 6, message), ("api", 3, 0, 3, message), ("worker", 3, 0, 3, message),
    ]  # fmt: skip
    assert report.outcome.available is False


def test_all_nodes_down_with_the_autoscaler_rebuilds_the_cluster() -> None:
    report = simulate(
        cluster(THREE_FULL, THREE_APPS, autoscaler=(3, "4", "16Gi")), "ALL_NODES_DOWN"
    )
    assert report.scale_up is not None
    assert report.scale_up.nodes == ("autoscaled-1", "autoscaled-2", "autoscaled-3")
    assert report.outcome.available is True


def test_events_without_a_target_refuse_one() -> None:
    with pytest.raises(InvalidArgument, match=r"^target: ALL_NODES_DOWN takes no target, got 'x'$"):
        simulate(cluster(THREE_FULL, THREE_APPS), "ALL_NODES_DOWN", "x")


def test_an_unknown_event_lists_the_valid_ones() -> None:
    with pytest.raises(
        InvalidArgument, match=r"^event: 'METEOR' is not a failure event; expected POD_DELETED, "
    ):
        simulate(cluster(THREE_FULL, THREE_APPS), "METEOR")


# -- POD_DELETED and POD_CRASHED --------------------------------------------------------------------
def test_a_deleted_pod_is_replaced_at_once_by_a_new_pod() -> None:
    report = simulate(cluster(THREE_FULL, THREE_APPS), "POD_DELETED", "web-4")
    assert (report.deleted, report.replacements, report.bound) == (
        ("web-4",), (("web-6", "web-4"),), (("web-6", "node-b"),),
    )  # fmt: skip
    assert "web-4" not in placements(report)
    assert deployments(report)[0] == ("web", 6, 6, 0, None)


def test_deleting_a_deployment_deletes_and_replaces_all_its_pods() -> None:
    report = simulate(cluster(THREE_FULL, THREE_APPS), "POD_DELETED", "api")
    assert report.deleted == ("api-0", "api-1", "api-2")
    assert report.bound == (("api-3", "node-a"), ("api-4", "node-b"), ("api-5", "node-c"))


def test_a_freed_slot_goes_to_a_pod_that_was_already_pending() -> None:
    report = simulate(
        cluster([("a", "2", "8Gi")], [("web", 3, "1", "1Gi")]), "POD_DELETED", "web-0"
    )
    # web-2 has waited longest: it takes the room web-0 leaves; the replacement waits
    assert report.bound == (("web-2", "a"),)
    assert report.pending == (("web-3", "0/1 nodes are available: 1 Insufficient cpu."),)


def test_a_crashed_pod_restarts_in_place_and_keeps_its_node() -> None:
    scenario = cluster(THREE_FULL, THREE_APPS)
    before = placements(simulate(scenario, "INSUFFICIENT_RESOURCES"))
    report = simulate(scenario, "POD_CRASHED", "api-1")
    assert report.crashed == (("api-1", "node-b"),)
    assert report.replacements == ()
    assert placements(report) == before
    assert [p.restarts for p in report.outcome.pods if p.name == "api-1"] == [1]


def test_crashing_a_deployment_restarts_every_running_pod_but_not_pending_ones() -> None:
    report = simulate(cluster([("a", "2", "8Gi")], [("web", 3, "1", "1Gi")]), "POD_CRASHED", "web")
    assert report.crashed == (("web-0", "a"), ("web-1", "a"))
    assert report.not_running == ("web-2",)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        # a pod index beyond the replicas
        ("web-6", "no pod or Deployment named 'web-6'"),
        # leading zeros are not a pod name
        ("web-01", "no pod or Deployment named 'web-01'"),
        # nothing at all
        (None, "is required"),
    ],
)
def test_pod_targets_must_name_a_pod_or_deployment(target: str | None, message: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        simulate(cluster(THREE_FULL, THREE_APPS), "POD_DELETED", target)
    assert str(raised.value) == (
        f"target: {message}: POD_DELETED takes a pod or Deployment name; Deployments: web, "
        "api, worker (pods are named <deployment>-<index>, e.g. web-0)"
    )


# -- properties -------------------------------------------------------------------------------------
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


nodes_strategy = st.lists(
    st.builds(
        NodeSpec,
        name=st.from_regex(r"n[a-e][0-9]", fullmatch=True),
        cpu=st.sampled_from([0, 500, 1000, 2000, 3500, 4000]),
        memory=st.sampled_from([0, GI // 2, GI, 3 * GI, 4 * GI]),
        ready=st.sampled_from([True, True, True, False]),
    ),
    max_size=6,
    unique_by=lambda n: n.name,
)
deployments_strategy = st.lists(
    st.builds(
        DeploymentSpec,
        name=st.sampled_from(["web", "api", "db", "cache", "batch"]),
        replicas=st.integers(0, 25),
        cpu=st.sampled_from([0, 100, 250, 333, 500, 1000, 1500]),
        memory=st.sampled_from([0, 100 * 2**20, GI // 4, GI // 2, GI]),
    ),
    min_size=1,
    max_size=4,
    unique_by=lambda d: d.name,
)
autoscaler_strategy = st.none() | st.builds(
    lambda max_nodes, cpu, memory: (
        scenario_from_mapping(
            {
                "nodes": [],
                "deployments": [],
                "autoscaler": {"maxNodes": max_nodes, "nodeCpu": cpu, "nodeMemory": memory},
            }
        ).autoscaler
    ),
    st.integers(0, 8),
    st.sampled_from(["1", "2", "4"]),
    st.sampled_from(["1Gi", "2Gi", "8Gi"]),
)
events = st.sampled_from(list(FailureEvent))


@st.composite
def scenarios_with_events(draw: st.DrawFn) -> tuple[Scenario, FailureEvent, str | None]:
    scenario = Scenario(
        tuple(draw(nodes_strategy)), tuple(draw(deployments_strategy)), draw(autoscaler_strategy)
    )
    event = draw(events)
    target: str | None = None
    if event is FailureEvent.NODE_DOWN:
        if not scenario.nodes:
            event = FailureEvent.ALL_NODES_DOWN
        else:
            target = draw(st.sampled_from([n.name for n in scenario.nodes]))
    elif event in (FailureEvent.POD_DELETED, FailureEvent.POD_CRASHED):
        deployment = draw(st.sampled_from(scenario.deployments))
        indices = [str(i) for i in range(deployment.replicas)]
        suffix = draw(st.sampled_from(["", *indices]))
        target = f"{deployment.name}-{suffix}" if suffix else deployment.name
    return scenario, event, target


@settings(max_examples=300, deadline=None)
@given(scenarios_with_events())
def test_no_node_is_overcommitted_and_every_pod_is_counted(
    case: tuple[Scenario, FailureEvent, str | None],
) -> None:
    scenario, event, target = case
    report = simulate(scenario, event, target)
    outcome = report.outcome
    requests = {d.name: (d.cpu, d.memory) for d in scenario.deployments}
    by_node: dict[str, list[str]] = {}
    for pod in outcome.pods:
        assert (pod.node is None) == (pod.phase is Phase.PENDING)
        if pod.node is not None:
            by_node.setdefault(pod.node, []).append(pod.deployment)
    for node in outcome.nodes:
        placed = by_node.get(node.name, [])
        cpu = sum(requests[d][0] for d in placed)
        memory = sum(requests[d][1] for d in placed)
        assert (cpu, memory, len(placed)) == (node.cpu_requested, node.memory_requested, node.pods)
        assert cpu <= node.cpu and memory <= node.memory and len(placed) <= DEFAULT_MAX_PODS
        assert node.ready or not placed
    for deployment in outcome.deployments:
        assert deployment.running + deployment.pending == deployment.desired
        assert (deployment.pending_reason is None) == (deployment.pending == 0)
    assert outcome.available == all(d.running for d in outcome.deployments if d.desired)
    assert outcome.nodes_added == sum(n.added for n in outcome.nodes)
    autoscaler = scenario.autoscaler
    if outcome.nodes_added:
        assert autoscaler is not None and autoscaler.enabled
        assert sum(n.ready for n in outcome.nodes) <= max(autoscaler.max_nodes, len(scenario.nodes))


@settings(max_examples=100, deadline=None)
@given(scenarios_with_events())
def test_the_same_input_gives_the_same_output(
    case: tuple[Scenario, FailureEvent, str | None],
) -> None:
    assert simulate(*case) == simulate(*case)


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


def test_a_huge_target_is_cut_short_in_the_message() -> None:
    with pytest.raises(InvalidArgument) as raised:
        simulate(cluster(THREE_FULL, THREE_APPS), "NODE_DOWN", "x" * 100_000)
    assert str(raised.value).startswith(f"target: no node named '{'x' * 80}…': NODE_DOWN")
    assert len(str(raised.value)) < 250


# -- scenario inputs --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "message"),
    [
        # the lists are required
        ({"nodes": []}, "scenario.deployments: is required"),
        # an unknown field, named with its path
        (
            {"nodes": [{"name": "a", "cpu": "1", "memory": "1Gi", "gpu": "1"}], "deployments": []},
            "scenario.nodes[0].gpu: unknown field; expected name, cpu, memory, ready",
        ),
        # YAML may write a plain number, but not a boolean
        (
            {"nodes": [{"name": "a", "cpu": True, "memory": "1Gi"}], "deployments": []},
            "scenario.nodes[0].cpu: True is not a Kubernetes quantity (a string)",
        ),
        # replicas must be a whole number
        (
            {"nodes": [], "deployments": [{"name": "w", "replicas": 1.5, "cpu": "1", "memory": "1"}]},
            "scenario.deployments[0].replicas: 1.5 is not a whole number",
        ),
        # ready must be a boolean
        (
            {"nodes": [{"name": "a", "cpu": 1, "memory": "1Gi", "ready": "yes"}], "deployments": []},
            "scenario.nodes[0].ready: 'yes' is not true or false",
        ),
        # too many Deployments
        (
            {"nodes": [], "deployments": [{}] * 5001},
            "scenario.deployments: 5001 Deployments is more than the limit of 5000",
        ),
    ],
)  # fmt: skip
def test_scenario_data_is_validated_with_field_paths(data: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        scenario_from_mapping(data)
    assert str(raised.value) == message


def test_the_bounds_admit_5000_nodes_and_150000_pods() -> None:
    scenario = scenario_from_mapping(
        {
            "nodes": [{"name": f"n{i}", "cpu": "32", "memory": "128Gi"} for i in range(5000)],
            "deployments": [
                {"name": f"d{i}", "replicas": 100, "cpu": "500m", "memory": "1Gi"}
                for i in range(1500)
            ],
            "autoscaler": {"maxNodes": 10_000, "nodeCpu": "32", "nodeMemory": "128Gi"},
        }
    )
    assert (len(scenario.nodes), scenario.pod_count) == (5000, 150_000)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
field_names = st.sampled_from(
    ["nodes", "deployments", "autoscaler", "name", "cpu", "memory", "ready", "replicas",
     "maxNodes", "nodeCpu", "nodeMemory", "enabled"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        field_names,
        json_values | st.lists(st.dictionaries(field_names, json_values, max_size=5), max_size=3),
        max_size=4,
    )
)
def test_any_scenario_data_is_accepted_or_refused_clearly(data: dict[str, Any]) -> None:
    try:
        scenario = scenario_from_mapping(data)
    except InvalidArgument as error:
        assert str(error).startswith("scenario")
    else:
        assert isinstance(scenario, Scenario)

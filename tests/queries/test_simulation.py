"""The cluster simulation: the events, their targets, and invariants at random."""

from __future__ import annotations

import pytest
from cluster_scenarios import (
    FULL_NODE_DOWN,
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

from service.errors import InvalidArgument
from service.queries.cluster_outcome import Phase
from service.queries.node_resources import DEFAULT_MAX_PODS
from service.queries.scenario import Scenario, scenario_from_mapping
from service.queries.simulation import CLUSTER_ONLY_EVENTS, FailureEvent, simulate


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
events = st.sampled_from([e for e in FailureEvent if e not in CLUSTER_ONLY_EVENTS])


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


def test_a_huge_target_is_cut_short_in_the_message() -> None:
    with pytest.raises(InvalidArgument) as raised:
        simulate(cluster(THREE_FULL, THREE_APPS), "NODE_DOWN", "x" * 100_000)
    assert str(raised.value).startswith(f"target: no node named '{'x' * 80}…': NODE_DOWN")
    assert len(str(raised.value)) < 250

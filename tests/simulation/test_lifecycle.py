"""The node lifecycle controller's zone states and NoExecute taint times.

Zone cases are ported from ``pkg/controller/nodelifecycle/node_lifecycle_controller_test.go``
(``TestMonitorNodeHealth`` at v1.32, ``TestMonitorNodeHealthEvictPodsWithDisruption``); the
upstream tests replace the rate functions with a test QPS, so here the real defaults decide
the times.
"""

from __future__ import annotations

import pytest

from service.simulation.lifecycle import (
    LifecycleNode,
    ZoneState,
    monitor_grace_period,
    taint_rate,
    taint_schedule,
    zone_key,
    zone_state,
)

Z1 = zone_key({"topology.kubernetes.io/region": "region1", "topology.kubernetes.io/zone": "zone1"})
Z2 = zone_key({"topology.kubernetes.io/region": "region1", "topology.kubernetes.io/zone": "zone2"})


def node(name: str, zone: str = Z1, *, fails: bool = False, ready: bool = True) -> LifecycleNode:
    return LifecycleNode(name, zone, ready=ready, fails=fails)


@pytest.mark.parametrize(
    ("version", "grace"),
    [((1, 31), 40.0), ((1, 32), 50.0), ((1, 34), 50.0)],  # V1: 40 s → 50 s in 1.32
)
def test_grace_period_follows_the_version(version: tuple[int, int], grace: float) -> None:
    assert monitor_grace_period(version) == grace


def test_zone_key_prefers_the_beta_labels_and_is_empty_without_any() -> None:
    assert zone_key({}) == ""
    assert zone_key({"topology.kubernetes.io/zone": "a"}) == ":\x00:a"
    assert (
        zone_key(
            {
                "failure-domain.beta.kubernetes.io/zone": "beta",
                "topology.kubernetes.io/zone": "ga",
                "topology.kubernetes.io/region": "r",
            }
        )
        == "r:\x00:beta"
    )


@pytest.mark.parametrize(
    ("ready", "not_ready", "state"),
    [
        # TestMonitorNodeHealth "Partial Disruption: one Node failed leading to the number of
        # healthy Nodes to exceed the configured threshold": 3 of 5 down
        (2, 3, ZoneState.PARTIAL_DISRUPTION),
        # "Full Disruption: the zone has less than 2 Nodes down, the last healthy Node has failed"
        (0, 1, ZoneState.FULL_DISRUPTION),
        # two down of three: not more than 2, so Normal
        (1, 2, ZoneState.NORMAL),
        # 3 of 6 down is 50 % < 55 %
        (3, 3, ZoneState.NORMAL),
        # an empty zone is Normal
        (0, 0, ZoneState.NORMAL),
    ],
)
def test_compute_zone_state(ready: int, not_ready: int, state: ZoneState) -> None:
    assert zone_state(ready, not_ready) is state


@pytest.mark.parametrize(
    ("state", "size", "rate"),
    [
        (ZoneState.NORMAL, 3, 0.1),
        (ZoneState.FULL_DISRUPTION, 3, 0.1),  # HealthyQPSFunc
        (ZoneState.PARTIAL_DISRUPTION, 50, 0.0),  # ReducedQPSFunc: small zone stops
        (ZoneState.PARTIAL_DISRUPTION, 51, 0.01),  # large zone: secondary rate
    ],
)
def test_taint_rate(state: ZoneState, size: int, rate: float) -> None:
    assert taint_rate(state, size) == rate


def test_one_node_down_is_tainted_at_the_next_pass_after_the_grace_period() -> None:
    schedule = taint_schedule([node("a", fails=True), node("b"), node("c")], 50.0)
    assert schedule.not_ready_at == 50.0
    assert schedule.taint_at == {"a": 55.0}
    assert schedule.zones == {Z1: ZoneState.NORMAL}
    assert schedule.master_disruption is False


def test_only_zone_down_enters_master_disruption_mode_and_taints_nothing() -> None:
    # TestMonitorNodeHealthEvictPodsWithDisruption "Network Disruption: Only zone is down -
    # eviction shouldn't take place."
    schedule = taint_schedule([node("node0", fails=True), node("node1", fails=True)], 50.0)
    assert schedule.zones == {Z1: ZoneState.FULL_DISRUPTION}
    assert schedule.master_disruption is True
    assert schedule.taint_at == {"node0": None, "node1": None}


def test_both_zones_down_taints_nothing() -> None:
    # "Network Disruption: Both zones down - eviction shouldn't take place."
    schedule = taint_schedule([node("node0", Z1, fails=True), node("node1", Z2, fails=True)], 50.0)
    assert schedule.master_disruption is True
    assert schedule.taint_at == {"node0": None, "node1": None}


def test_one_zone_down_is_tainted_at_the_healthy_rate() -> None:
    # "Network Disruption: One zone is down - eviction should take place."
    schedule = taint_schedule([node("node0", Z1, fails=True), node("node1", Z2)], 40.0)
    assert schedule.zones == {Z1: ZoneState.FULL_DISRUPTION, Z2: ZoneState.NORMAL}
    assert schedule.taint_at == {"node0": 45.0}


def test_a_whole_zone_is_tainted_one_node_per_ten_seconds_in_name_order() -> None:
    zone_a = [node(f"a{i}", Z1, fails=True) for i in (3, 1, 2)]
    schedule = taint_schedule([*zone_a, node("b1", Z2), node("b2", Z2)], 50.0)
    assert schedule.taint_at == {"a1": 55.0, "a2": 65.0, "a3": 75.0}


def test_partial_disruption_of_a_small_zone_stops_tainting() -> None:
    # "Zone is partially disrupted": 3 of 5 down; with the real ReducedQPSFunc a zone of
    # at most 50 nodes is not tainted at all (upstream's test swaps in a test QPS).
    nodes = [node(f"node{i}", fails=i < 3) for i in range(5)]
    schedule = taint_schedule([*nodes, node("other", Z2)], 50.0)
    assert schedule.zones[Z1] is ZoneState.PARTIAL_DISRUPTION
    assert schedule.taint_at == {"node0": None, "node1": None, "node2": None}


def test_partial_disruption_of_a_large_zone_taints_one_node_per_hundred_seconds() -> None:
    nodes = [node(f"n{i:02}", fails=i < 30) for i in range(51)]
    schedule = taint_schedule(nodes, 50.0)
    assert schedule.zones == {Z1: ZoneState.PARTIAL_DISRUPTION}
    assert [schedule.taint_at[f"n{i:02}"] for i in range(3)] == [55.0, 155.0, 255.0]


def test_nodes_already_not_ready_count_towards_the_zone_state() -> None:
    nodes = [node("a", ready=False), node("b", ready=False), node("c", fails=True), node("d")]
    schedule = taint_schedule([*nodes, node("z", Z2)], 50.0)
    assert schedule.zones[Z1] is ZoneState.PARTIAL_DISRUPTION  # 3 of 4
    assert schedule.taint_at == {"c": None}


def test_excluded_nodes_do_not_count() -> None:
    # "Full Disruption: the only available Node has the node.kubernetes.io/exclude-disruption
    # label": the excluded Ready node does not keep the zone out of full disruption
    master = LifecycleNode("node-master", Z1, ready=True, fails=False, excluded=True)
    schedule = taint_schedule([node("node0", fails=True), master], 50.0)
    assert schedule.zones == {Z1: ZoneState.FULL_DISRUPTION}
    assert schedule.master_disruption is True

"""The cluster autoscaler's node groups, health gate, least-waste score and messages."""

from __future__ import annotations

import pytest

from service.kube.model import AutoscalerConfig, Node, NodeGroup, Taint
from service.simulation.autoscaling import (
    cluster_healthy,
    node_groups,
    not_triggered,
    template_node,
    waste_score,
)


@pytest.mark.parametrize(
    ("registered", "unready", "healthy"),
    [
        (10, 3, True),  # not more than --ok-total-unready-count
        (10, 4, True),  # 4 > 3 but 40 % ≤ 45 %
        (10, 5, False),  # 5 > 3 and 50 % > 45 %
        (4, 4, False),  # every node unready
        (3, 3, True),  # a small cluster never exceeds the count
        (100, 45, True),  # exactly 45 % is not more
        (100, 46, False),
    ],
)
def test_cluster_health_gate(registered: int, unready: int, healthy: bool) -> None:
    assert cluster_healthy(registered, unready) is healthy


def node(name: str, pool: str | None = None, *, ready: str = "True", **labels: str) -> Node:
    if pool is not None:
        labels["cloud.google.com/gke-nodepool"] = pool
    return Node(name=name, labels=labels, ready=ready)  # type: ignore[arg-type]


def test_groups_come_from_the_node_group_labels_with_a_ready_template() -> None:
    nodes = [
        node("b-1", "b"),
        node("a-2", "a"),
        node("a-1", "a", ready="Unknown"),
        Node(name="x", labels={"node.kubernetes.io/instance-type": "m5.large"}),
        Node(name="bare"),
    ]
    groups = node_groups(nodes, AutoscalerConfig())
    assert [(g.name, g.template.name, g.max_size, g.members) for g in groups] == [
        ("a", "a-2", None, ("a-1", "a-2")),
        ("b", "b-1", None, ("b-1",)),
        ("default", "bare", None, ("bare",)),
        ("m5.large", "x", None, ("x",)),
    ]


def test_configured_groups_name_their_template_and_size() -> None:
    nodes = [node("a-1", "a"), node("a-2", "a")]
    config = AutoscalerConfig(groups=(NodeGroup(name="a", template="a-2", max_size=5),))
    [group] = node_groups(nodes, config)
    assert (group.name, group.template.name, group.max_size, group.members) == (
        "a",
        "a-2",
        5,
        ("a-1", "a-2"),
    )
    bad = AutoscalerConfig(groups=(NodeGroup(name="a", template="zz", max_size=5),))
    with pytest.raises(ValueError, match=r"^autoscaler.groups\[0\].template: no node named 'zz'$"):
        node_groups(nodes, bad)


def test_template_drops_condition_taints_and_renames_the_host() -> None:
    source = Node(
        name="a-1",
        labels={"kubernetes.io/hostname": "a-1", "pool": "a"},
        taints=(
            Taint(key="node.kubernetes.io/unreachable", effect="NoExecute"),
            Taint(key="dedicated", value="gpu", effect="NoSchedule"),
            Taint(key="ToBeDeletedByClusterAutoscaler", effect="NoSchedule"),
        ),
        allocatable={"cpu": 4000},
        unschedulable=True,
        ready="Unknown",
    )
    new = template_node(source, "a-autoscaled-1")
    assert new.labels == {"kubernetes.io/hostname": "a-autoscaled-1", "pool": "a"}
    assert new.taints == (Taint(key="dedicated", value="gpu", effect="NoSchedule"),)
    assert (new.unschedulable, new.ready, new.allocatable) == (False, "True", {"cpu": 4000})


def test_least_waste_score() -> None:
    # expander/waste: two 4-CPU 16 GiB nodes holding 6 CPU and 24 GiB waste 0.25 + 0.25
    assert waste_score(4000, 16 << 30, 2, 6000, 24 << 30) == 0.5
    assert waste_score(0, 16 << 30, 1, 0, 16 << 30) == 1.0


def test_not_triggered_message_counts_reasons_over_groups() -> None:
    assert (
        not_triggered({"Insufficient cpu": 1}) == "pod didn't trigger scale-up: 1 Insufficient cpu"
    )
    assert (
        not_triggered({"max node group size reached": 1, "Insufficient memory": 2})
        == "pod didn't trigger scale-up: 1 max node group size reached, 2 Insufficient memory"
    )

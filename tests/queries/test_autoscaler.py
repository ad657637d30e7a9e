"""The cluster autoscaler: first-fit scale-up, maxNodes, templates too small, node names."""

from __future__ import annotations

from cluster_scenarios import (
    FULL_NODE_DOWN,
    THREE_APPS,
    THREE_FULL,
    UNREACHABLE,
    cluster,
    deployments,
)

from service.queries.simulation import simulate


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


def test_all_nodes_down_with_the_autoscaler_rebuilds_the_cluster() -> None:
    report = simulate(
        cluster(THREE_FULL, THREE_APPS, autoscaler=(3, "4", "16Gi")), "ALL_NODES_DOWN"
    )
    assert report.scale_up is not None
    assert report.scale_up.nodes == ("autoscaled-1", "autoscaled-2", "autoscaled-3")
    assert report.outcome.available is True

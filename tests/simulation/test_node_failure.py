"""NODE_DOWN, ZONE_DOWN, ALL_NODES_DOWN and NODE_DELETED on hand-built clusters: exact times.

The timings follow the node lifecycle and taint-eviction controllers
(``node_lifecycle_controller.go``, ``taint_eviction.go``): NotReady after the grace period
(50 s from 1.32, 40 s before), the NoExecute taint at the next 5 s pass, one node per 10 s
per zone, evictions at the taint time + the toleration (300 s by default).
"""

from __future__ import annotations

import pytest
from cluster_snapshots import Cluster, node, spec, steps, workloads

from service.errors import InvalidArgument
from service.kube.model import AutoscalerConfig, Toleration, WorkloadRef
from service.simulation.simulate import engine_for, settle, simulate_cluster

UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY_AT_50 = (
    "n1 NotReady after the 50 s node-monitor-grace-period (Ready=Unknown: Kubelet stopped "
    "posting node status.), tainted node.kubernetes.io/unreachable:NoSchedule; "
)


def mixed(version: str = "1.33") -> Cluster:
    """A Deployment, a StatefulSet, a DaemonSet and a bare pod, with pods on n1."""
    cluster = Cluster(nodes=[node("n1", "a"), node("n2", "b"), node("n3", "c")], version=version)
    cluster.workload("Deployment", "web", spec("web"), ["n1", "n1", "n2"])
    cluster.workload("StatefulSet", "db", spec("db"), ["n1", "n2"])
    cluster.workload("DaemonSet", "agent", spec("agent", 100, 1 << 20), ["n1", "n2", "n3"])
    cluster.workload("Pod", "solo", spec("solo"), ["n1"])
    return cluster


def test_node_down_evicts_replaces_and_leaves_the_statefulset_pod_terminating() -> None:
    report = simulate_cluster(mixed().snapshot(), "NODE_DOWN", "n1")
    assert steps(report) == [
        (50.0, "node-not-ready", NOT_READY_AT_50 + "5 pods marked not Ready"),
        (
            55.0,
            "node-not-ready",
            "n1 tainted node.kubernetes.io/unreachable:NoExecute; the taint-eviction controller "
            "schedules deletions: 4 pods in 300 s; 1 pod tolerates the taint for ever",
        ),
        (
            355.0,
            "pods-evicted",
            "4 pods deleted (DisruptionTarget: DeletionByTaintManager; Marking for deletion "
            "Pod default/web-a and 3 more)",
        ),
        (
            355.0,
            "pod-recreated",
            "2 replacement pods created at once: default/web-0 for default/web-a, "
            "default/web-1 for default/web-b",
        ),
        (
            355.0,
            "pod-stuck-terminating",
            "StatefulSet is waiting for Pod to Terminate: default/db-0 stays Terminating on an "
            "unreachable node and is not recreated until the node is deleted or the pod "
            "force-deleted",
        ),
        (355.0, "pod-recreated", "1 bare pod not recreated (no controller): default/solo"),
        (
            355.0,
            "pod-scheduled",
            "scheduler binds 2 pods: default/web-0 to n3, default/web-1 to n3",
        ),
        (
            355.0,
            "application-unavailable",
            "1 workload with no available pod: Pod/default/solo; short of replicas: "
            "StatefulSet/default/db 1/2, DaemonSet/default/agent 2/3, Pod/default/solo 0/1",
        ),
    ]
    assert report.steps[2].pods == (
        "default/web-a",
        "default/web-b",
        "default/db-0",
        "default/solo",
    )
    assert workloads(report) == [
        ("Deployment", "web", 3, 3, 0, 2, 3),
        ("StatefulSet", "db", 2, 1, 0, 1, 1),
        ("DaemonSet", "agent", 3, 3, 0, 0, 2),
        ("Pod", "solo", 1, 0, 0, 1, 0),
    ]
    down = report.outcome.nodes[0]
    assert (down.name, down.ready, down.taints, down.pods) == (
        "n1",
        False,
        (f"{UNREACHABLE}:NoSchedule", f"{UNREACHABLE}:NoExecute"),
        5,  # Terminating pods still count on their node
    )


def test_before_1_32_the_grace_period_is_40_seconds() -> None:
    report = simulate_cluster(mixed("1.31").snapshot(), "NODE_DOWN", "n1")
    assert [s.at_seconds for s in report.steps][:3] == [40.0, 45.0, 345.0]
    assert report.version == "1.31"


def test_pods_with_different_toleration_times_are_evicted_appropriately() -> None:
    # TestUpdateNodeWithMultiplePods, with the unreachable taint of a lost node
    def tolerating(seconds: int | None) -> tuple[Toleration, ...]:
        return (
            Toleration(key=UNREACHABLE, operator="Exists", effect="NoExecute", seconds=seconds),
        )

    cluster = Cluster(nodes=[node("n1", "a"), node("n2", "a")])
    cluster.workload("Pod", "pod1", spec("pod1"), ["n1"])  # the default 300 s
    cluster.workload("Pod", "pod2", spec("pod2", tolerations=tolerating(1)), ["n1"])
    cluster.workload("Pod", "pod3", spec("pod3", tolerations=tolerating(None)), ["n1"])
    cluster.workload("Pod", "pod4", spec("pod4", tolerations=tolerating(0)), ["n1"])
    report = simulate_cluster(cluster.snapshot(), "NODE_DOWN", "n1")
    evicted = [(s.at_seconds, s.pods) for s in report.steps if s.effect == "pods-evicted"]
    assert evicted == [
        (55.0, ("default/pod4",)),
        (56.0, ("default/pod2",)),
        (355.0, ("default/pod1",)),
    ]
    assert report.steps[1].description == (
        "n1 tainted node.kubernetes.io/unreachable:NoExecute; the taint-eviction controller "
        "schedules deletions: 1 pod in 0 s, 1 pod in 1 s, 1 pod in 300 s; 1 pod tolerates the "
        "taint for ever"
    )


def zones() -> Cluster:
    nodes = [node(n, n[0]) for n in ("a1", "a2", "a3", "b1", "b2", "c1")]
    cluster = Cluster(nodes=nodes)
    cluster.workload("Deployment", "web", spec("web"), ["a1", "a2", "a3", "b1"])
    return cluster


def test_zone_down_taints_one_node_every_ten_seconds() -> None:
    report = simulate_cluster(zones().snapshot(), "ZONE_DOWN", "a")
    taints = [(s.at_seconds, s.description.split(" ")[0]) for s in report.steps[1:4]]
    assert taints == [(55.0, "a1"), (65.0, "a2"), (75.0, "a3")]
    placed = [(s.at_seconds, s.description) for s in report.steps if s.effect == "pod-scheduled"]
    assert placed == [
        (355.0, "scheduler binds 1 pod: default/web-0 to c1"),
        (365.0, "scheduler binds 1 pod: default/web-1 to b2"),
        (375.0, "scheduler binds 1 pod: default/web-2 to c1"),
    ]
    assert workloads(report) == [("Deployment", "web", 4, 4, 0, 3, 4)]


def test_zone_down_names_the_zones_it_could_take_down() -> None:
    with pytest.raises(
        InvalidArgument,
        match=r"^target: no node in zone 'x': ZONE_DOWN takes a topology.kubernetes.io/zone "
        r"value; zones: a, b, c$",
    ):
        simulate_cluster(zones().snapshot(), "ZONE_DOWN", "x")


def test_a_small_zone_in_partial_disruption_is_not_tainted() -> None:
    # 2 of 4 nodes of zone a NotReady already; losing a third makes 75 % ≥ 55 % of a zone
    # of at most 50 nodes: ReducedQPSFunc stops tainting, nothing is evicted
    nodes = [node("a1", "a", ready="Unknown"), node("a2", "a", ready="Unknown")]
    nodes += [node("n1", "a"), node("a4", "a"), node("b1", "b")]
    cluster = Cluster(nodes=nodes)
    cluster.workload("Deployment", "web", spec("web"), ["n1", "b1"])
    report = simulate_cluster(cluster.snapshot(), "NODE_DOWN", "n1")
    assert steps(report)[1:] == [
        (
            50.0,
            "node-not-ready",
            "zone a in PartialDisruption (more than 2 and at least 55 % of its nodes NotReady, "
            "at most 50 nodes): 1 node not tainted NoExecute, their pods stay: n1",
        ),
        (
            50.0,
            "replicas-restored",
            "replicas not restored (Deployment/default/web 1/2 available); every workload "
            "still has an available pod",
        ),
    ]


def test_all_nodes_down_enters_master_disruption_mode_and_nothing_scales_up() -> None:
    cluster = Cluster(nodes=[node("n1", "a", pool="pool")])
    cluster.workload("Deployment", "web", spec("web"), ["n1", "n1"])
    report = simulate_cluster(
        cluster.snapshot(), "ALL_NODES_DOWN", autoscaler=AutoscalerConfig(max_nodes_total=3)
    )
    assert steps(report) == [
        (50.0, "node-not-ready", NOT_READY_AT_50 + "2 pods marked not Ready"),
        (
            50.0,
            "node-not-ready",
            "Controller detected that all Nodes are not-Ready. Entering master disruption mode: "
            "every zone is fully disrupted, so no node is tainted NoExecute and no pod is "
            "evicted; the pods stay on their nodes, not Ready",
        ),
        (
            50.0,
            "application-unavailable",
            "1 workload with no available pod: Deployment/default/web",
        ),
    ]
    assert report.outcome.nodes_added == 0
    assert workloads(report) == [("Deployment", "web", 2, 2, 0, 0, 0)]


def test_deleting_the_only_node_lets_the_autoscaler_replace_it() -> None:
    # the notes' "new nodes can be created automatically": once the Node object is gone the
    # pod GC frees the pods and the autoscaler has Pending pods to act on
    cluster = Cluster(nodes=[node("n1", "a", pool="pool")])
    cluster.workload("Deployment", "web", spec("web"), ["n1", "n1"])
    report = simulate_cluster(
        cluster.snapshot(), "NODE_DELETED", "n1", autoscaler=AutoscalerConfig(max_nodes_total=3)
    )
    assert [(s.at_seconds, s.effect) for s in report.steps] == [
        (0.0, "node-deleted"),
        (40.0, "pods-garbage-collected"),
        (40.0, "pod-recreated"),
        (40.0, "pod-pending"),
        (50.0, "node-added"),
        (50.0, "pod-scheduled"),
        (50.0, "replicas-restored"),
    ]
    assert report.steps[3].description == "2 pods Pending: no nodes available to schedule pods"
    assert report.steps[4].description == (
        "cluster autoscaler adds 1 node to node group pool (least-waste; 4 CPU, 8Gi allocatable "
        "each, like n1) for 2 Pending pods: pool-autoscaled-1"
    )
    assert workloads(report) == [("Deployment", "web", 2, 2, 0, 0, 2)]


def test_node_deleted_recreates_the_statefulset_pod_once_the_pod_gc_removes_it() -> None:
    cluster = Cluster(nodes=[node("n1", "a"), node("n2", "b"), node("n3", "c")])
    cluster.workload("StatefulSet", "db", spec("db"), ["n1", "n2"])
    cluster.workload("DaemonSet", "agent", spec("agent", 100, 1 << 20), ["n1", "n2", "n3"])
    report = simulate_cluster(cluster.snapshot(), "NODE_DELETED", "n1")
    assert steps(report) == [
        (
            0.0,
            "node-deleted",
            "node n1 and its VM are gone: the scheduler no longer counts it; 2 pods bound to it "
            "wait for the pod garbage collector",
        ),
        (
            40.0,
            "pods-garbage-collected",
            "2 pods force-deleted after the 40 s quarantine (DisruptionTarget: DeletionByPodGC, "
            "PodGC: node no longer exists)",
        ),
        (40.0, "pod-recreated", "1 pod recreated once the old object was gone: default/db-0"),
        (40.0, "pod-scheduled", "scheduler binds 1 pod: default/db-0 to n3"),
        (40.0, "replicas-restored", "every workload has its desired pods available (2 workloads)"),
    ]
    assert workloads(report) == [
        ("StatefulSet", "db", 2, 2, 0, 0, 2),
        ("DaemonSet", "agent", 2, 2, 0, 0, 2),
    ]
    assert report.outcome.nodes[0].deleted is True


@pytest.mark.parametrize(
    ("event", "target", "message"),
    [
        (
            "NODE_DOWN",
            "zz",
            r"^target: no node named 'zz': NODE_DOWN takes a node name; nodes: n1, n2, n3$",
        ),
        (
            "NODE_DRAIN",
            None,
            r"^target: is required: NODE_DRAIN takes a node name; nodes: n1, n2, n3$",
        ),
        ("ALL_NODES_DOWN", "n1", r"^target: ALL_NODES_DOWN takes no target, got 'n1'$"),
        (
            "POD_DELETED",
            "nope",
            r"^target: no pod or workload named 'nope': POD_DELETED takes a pod",
        ),
        ("BOOM", None, r"^event: 'BOOM' is not a failure event; expected POD_DELETED, "),
    ],
)
def test_bad_targets_name_what_they_could_be(event: str, target: str | None, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        simulate_cluster(mixed().snapshot(), event, target)


def test_a_plain_workload_name_targets_its_pods_unless_several_workloads_have_it() -> None:
    crashed = simulate_cluster(mixed().snapshot(), "POD_CRASHED", "web")
    assert crashed.steps[0].pods == ("default/web-a", "default/web-b", "default/web-c")
    assert simulate_cluster(mixed().snapshot(), "POD_CRASHED", "deployment/web").steps == (
        crashed.steps
    )
    twice = mixed().workload("Deployment", "web", spec("web"), ["n3"], namespace="shop")
    with pytest.raises(
        InvalidArgument,
        match=r"^target: 'web' names several workloads \(deployment/default/web, "
        r"deployment/shop/web\): give one of them$",
    ):
        simulate_cluster(twice.snapshot(), "POD_CRASHED", "web")


def test_available_pods_per_workload_follow_the_one_pod_rule() -> None:
    """``available_per_workload`` counts what ``is_available`` says of each pod: a Terminating
    pod, a pod not Ready, pods on a NotReady node and on a deleted node are not available."""
    engine = engine_for(mixed().snapshot(), None)
    settle(engine)
    state = engine.state
    pod = {state.pod_name[p]: p for p in range(len(state.pod_name))}
    state.mark_deleting(pod["web-a"])  # on n1
    state.pod_ready[pod["db-1"]] = False  # on n2
    state.set_ready(state.node_index["n3"], "Unknown")
    state.remove_node(state.node_index["n2"])
    expected: dict[WorkloadRef, int] = {}
    for p in range(len(state.pod_name)):
        if engine.is_available(p):
            expected[state.pod_owner[p]] = expected.get(state.pod_owner[p], 0) + 1
    assert engine.available_per_workload() == expected
    assert {(r.kind, r.name): n for r, n in expected.items()} == {
        ("Deployment", "web"): 1,  # web-b on n1; web-a Terminating, web-c on the deleted n2
        ("StatefulSet", "db"): 1,  # db-0 on n1
        ("DaemonSet", "agent"): 1,  # the one on n1
        ("Pod", "solo"): 1,
    }

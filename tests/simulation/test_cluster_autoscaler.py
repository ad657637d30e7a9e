"""The cluster autoscaler on a running simulation: when it scales, and when it refuses to."""

from __future__ import annotations

from cluster_snapshots import Cluster, node, spec, steps, workloads

from service.kube.model import AutoscalerConfig, NodeGroup
from service.simulation.simulate import simulate_cluster

CPU_3 = 3000


def test_pods_evicted_from_a_lost_node_get_a_new_node_at_the_next_loop() -> None:
    cluster = Cluster(nodes=[node("n1", "a", pool="p"), node("n2", "b", pool="p")])
    cluster.workload("Deployment", "web", spec("web", CPU_3), ["n1", "n2"])
    cluster.workload("DaemonSet", "agent", spec("agent", 100, 1 << 20), ["n1", "n2"])
    report = simulate_cluster(
        cluster.snapshot(), "NODE_DOWN", "n1", autoscaler=AutoscalerConfig(max_nodes_total=5)
    )
    assert steps(report)[4:] == [
        (
            355.0,
            "pod-pending",
            "default/web-0 Pending: 0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had "
            "untolerated taint {node.kubernetes.io/unreachable: }. preemption: 0/2 nodes are "
            "available: 1 No preemption victims found for incoming pod, 1 Preemption is not "
            "helpful for scheduling.",
        ),
        # the autoscaler loops every 10 s: the first loop after the pod is Pending
        (
            360.0,
            "node-added",
            "cluster autoscaler adds 1 node to node group p (least-waste; 4 CPU, 8Gi allocatable "
            "each, like n1) for 1 Pending pod: p-autoscaled-1",
        ),
        (
            360.0,
            "pod-recreated",
            "1 DaemonSet pod created for the new nodes: default/agent-p-autoscaled-1",
        ),
        (
            360.0,
            "pod-scheduled",
            "scheduler binds 2 pods: default/web-0 to p-autoscaled-1, "
            "default/agent-p-autoscaled-1 to p-autoscaled-1",
        ),
        # agent's pod on n1 is lost with n1 (desired 3 counts it); it had 2 available before
        (
            360.0,
            "replicas-restored",
            "every workload has the pods available it had before (2 workloads)",
        ),
    ]
    added = report.outcome.nodes[-1]
    assert (added.name, added.added, added.zone, added.pods) == ("p-autoscaled-1", True, "a", 2)


def test_an_unhealthy_cluster_does_not_scale_up() -> None:
    # 4 of 8 nodes unready: more than 3 and 50 % > 45 % → ClusterUnhealthy
    nodes = [node(f"a{i}", "a", pool="p") for i in range(4)]
    nodes += [node(f"b{i}", "b", pool="p") for i in range(4)]
    cluster = Cluster(nodes=nodes)
    cluster.workload("Deployment", "web", spec("web", CPU_3), [n.name for n in nodes])
    report = simulate_cluster(cluster.snapshot(), "ZONE_DOWN", "a", autoscaler=AutoscalerConfig())
    refusals = [(s.at_seconds, s.description) for s in report.steps if s.effect == "node-added"]
    assert refusals == [
        (
            at,
            "no node added: Cluster is unhealthy (4 of 8 nodes unready: more than 3 and more "
            f"than 45 %), event ClusterUnhealthy; {count} Pending",
        )
        for at, count in (
            (360.0, "1 pod stays"),
            (370.0, "2 pods stay"),
            (380.0, "3 pods stay"),
            (390.0, "4 pods stay"),
        )
    ]
    assert report.outcome.nodes_added == 0
    web = report.outcome.workloads[0]
    assert (web.desired, web.pending, web.available) == (8, 4, 4)
    assert web.pending_reason == (
        "0/8 nodes are available: 4 Insufficient cpu, 4 node(s) had untolerated taint "
        "{node.kubernetes.io/unreachable: }. preemption: 0/8 nodes are available: 4 No "
        "preemption victims found for incoming pod, 4 Preemption is not helpful for scheduling. "
        "Cluster autoscaler: ClusterUnhealthy: Cluster is unhealthy."
    )


def test_a_smaller_zone_loss_keeps_the_cluster_healthy_enough_to_scale() -> None:
    # 3 of 8 unready: not more than 3 → healthy
    nodes = [node(f"a{i}", "a", pool="p") for i in range(3)]
    nodes += [node(f"b{i}", "b", pool="p") for i in range(5)]
    cluster = Cluster(nodes=nodes)
    cluster.workload("Deployment", "web", spec("web", CPU_3), [n.name for n in nodes])
    report = simulate_cluster(cluster.snapshot(), "ZONE_DOWN", "a", autoscaler=AutoscalerConfig())
    assert report.outcome.nodes_added == 3
    assert workloads(report) == [("Deployment", "web", 8, 8, 0, 3, 8)]


def test_settling_a_manifest_scales_up_on_the_clock_and_reports_what_no_node_fits() -> None:
    cluster = Cluster(nodes=[node("n1", "a", pool="p")])
    cluster.workload("Deployment", "web", spec("web", CPU_3), ["n1", None, None])
    cluster.workload("Deployment", "big", spec("big", 9000), [None])
    autoscaler = AutoscalerConfig(groups=(NodeGroup(name="p", template="n1", max_size=2),))
    report = simulate_cluster(cluster.snapshot(), "INSUFFICIENT_RESOURCES", autoscaler=autoscaler)
    assert [(s.at_seconds, s.effect, s.pod_count) for s in report.steps] == [
        (0.0, "pod-pending", 3),
        (10.0, "node-added", 1),  # big-a: NotTriggerScaleUp, 1 Insufficient cpu
        (10.0, "node-added", 1),
        (10.0, "pod-scheduled", 1),
        (10.0, "pod-pending", 2),  # a new message: 0/2 nodes now
        (20.0, "node-added", 2),  # web-c, big-a: NotTriggerScaleUp, max node group size
        (20.0, "application-unavailable", 0),
    ]
    assert report.steps[1].description == (
        "default/big-a: pod didn't trigger scale-up: 1 Insufficient cpu (event "
        "NotTriggerScaleUp); 1 pod stays Pending"
    )
    reasons = {p.name: p.reason for p in report.outcome.pods if p.reason}
    fit = (
        "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: "
        "2 No preemption victims found for incoming pod."
    )
    assert reasons == {
        "web-c": f"{fit} Cluster autoscaler: pod didn't trigger scale-up: 1 max node group size reached.",
        "big-a": f"{fit} Cluster autoscaler: pod didn't trigger scale-up: 1 max node group size reached.",
    }


def test_a_pod_bigger_than_any_template_does_not_trigger_a_scale_up() -> None:
    cluster = Cluster(nodes=[node("n1", "a", pool="p")])
    cluster.workload("Deployment", "big", spec("big", 9000), [None])
    report = simulate_cluster(
        cluster.snapshot(), "INSUFFICIENT_RESOURCES", autoscaler=AutoscalerConfig()
    )
    [pod] = report.outcome.pods
    assert pod.reason == (
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No "
        "preemption victims found for incoming pod. Cluster autoscaler: pod didn't trigger "
        "scale-up: 1 Insufficient cpu."
    )
    assert report.outcome.nodes_added == 0


def test_max_nodes_total_stops_the_autoscaler() -> None:
    cluster = Cluster(nodes=[node("n1", "a", pool="p")])
    cluster.workload("Deployment", "web", spec("web", CPU_3), ["n1", None])
    report = simulate_cluster(
        cluster.snapshot(), "INSUFFICIENT_RESOURCES", autoscaler=AutoscalerConfig(max_nodes_total=1)
    )
    assert steps(report)[1] == (
        10.0,
        "node-added",
        "no node added: Max total nodes in cluster reached (1 Ready nodes); 1 pod stays Pending",
    )
    assert report.outcome.pods[1].reason is not None
    assert report.outcome.pods[1].reason.endswith(
        "Cluster autoscaler: Max total nodes in cluster reached: 1."
    )

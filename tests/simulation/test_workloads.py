"""Pods created for desired-state manifests, their names, and POD_DELETED / POD_CRASHED."""

from __future__ import annotations

import pytest
from cluster_snapshots import Cluster, node, spec, steps, workloads

from service.errors import InvalidArgument
from service.kube.model import Taint
from service.simulation.report import PodOutcome, PodPhase
from service.simulation.simulate import simulate_cluster

GPU_ONLY = Taint(key="dedicated", value="gpu", effect="NoSchedule")


def manifest() -> Cluster:
    """A Helm chart's output on three nodes (one tainted): no pod exists yet."""
    cluster = Cluster(nodes=[node("n1", "a"), node("n2", "b"), node("n3", "c", taints=(GPU_ONLY,))])
    cluster.workload("Deployment", "web", spec("web"), [], replicas=2)
    cluster.workload("DaemonSet", "agent", spec("agent", 100, 1 << 20), [])
    cluster.workload("StatefulSet", "db", spec("db", 3000), [], replicas=3)
    return cluster


def test_manifest_workloads_get_pods_named_deterministically() -> None:
    report = simulate_cluster(manifest().snapshot(), "INSUFFICIENT_RESOURCES")
    placed = [(p.name, p.node, p.phase.value) for p in report.outcome.pods]
    assert placed == [
        ("web-0", "n1", "Running"),
        ("web-1", "n2", "Running"),
        # one per node it may run on: not the tainted n3
        ("agent-n1", "n1", "Running"),
        ("agent-n2", "n2", "Running"),
        # OrderedReady: db-1 is created only once db-0 runs, so it does not exist
        ("db-0", None, "Pending"),
    ]
    assert workloads(report) == [
        ("Deployment", "web", 2, 2, 0, 0, 2),
        ("DaemonSet", "agent", 2, 2, 0, 0, 2),
        ("StatefulSet", "db", 3, 0, 1, 0, 0),
    ]
    assert report.settle.created == 5
    assert report.steps[1].description == (
        "default/db-0 Pending: 0/3 nodes are available: 1 node(s) had untolerated taint "
        "{dedicated: gpu}, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 "
        "Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
    )


def test_parallel_statefulsets_create_every_ordinal_at_once() -> None:
    cluster = Cluster(nodes=[node("n1", "a"), node("n2", "b")])
    cluster.workload(
        "StatefulSet", "db", spec("db", 3000), [], replicas=3, pod_management_policy="Parallel"
    )
    report = simulate_cluster(cluster.snapshot(), "INSUFFICIENT_RESOURCES")
    assert [(p.name, p.node) for p in report.outcome.pods] == [
        ("db-0", "n1"),
        ("db-1", "n2"),
        ("db-2", None),
    ]


def test_deleting_a_deployment_pod_replaces_it_at_once() -> None:
    cluster = Cluster(nodes=[node("n1", "a"), node("n2", "b")])
    cluster.workload("Deployment", "web", spec("web"), ["n1", "n2"])
    report = simulate_cluster(cluster.snapshot(), "POD_DELETED", "web-a")
    assert steps(report) == [
        (0.0, "pod-deleted", "kubectl delete pod: 1 pod deleted"),
        (
            0.0,
            "pod-recreated",
            "1 replacement pod created at once: default/web-0 for default/web-a",
        ),
        # web-a still counts on n1 while it terminates: a tie, broken by name
        (0.0, "pod-scheduled", "scheduler binds 1 pod: default/web-0 to n1"),
        (30.0, "replicas-restored", "every workload has its desired pods available (1 workload)"),
    ]
    # web-a terminates on n1 for 30 s, then is gone
    assert [p.name for p in report.outcome.pods] == ["web-b", "web-0"]


def test_deleting_a_statefulset_recreates_each_ordinal_after_its_grace_period() -> None:
    cluster = Cluster(nodes=[node("n1", "a"), node("n2", "b")])
    cluster.workload("StatefulSet", "db", spec("db"), ["n1", "n2"])
    report = simulate_cluster(cluster.snapshot(), "POD_DELETED", "statefulset/default/db")
    assert steps(report) == [
        (0.0, "pod-deleted", "kubectl delete pod: 2 pods deleted"),
        (
            30.0,
            "pod-recreated",
            "2 pods recreated once the old object was gone: default/db-0, default/db-1",
        ),
        (30.0, "pod-scheduled", "scheduler binds 2 pods: default/db-0 to n1, default/db-1 to n2"),
        (30.0, "replicas-restored", "every workload has its desired pods available (1 workload)"),
    ]


def test_a_crashed_pod_is_restarted_in_place() -> None:
    cluster = Cluster(nodes=[node("n1", "a")])
    cluster.workload("Deployment", "web", spec("web"), ["n1"])
    cluster.workload("Deployment", "big", spec("big", 9000), [None])
    report = simulate_cluster(cluster.snapshot(), "POD_CRASHED", "deployment/web")
    assert steps(report)[-2] == (
        10.0,
        "container-restarted",
        "kubelet restarts the containers of default/web-a on n1 in place after the 10 s back-off "
        "(CrashLoopBackOff doubles it to 300 s if it keeps crashing); each pod keeps its node",
    )
    assert [(p.name, p.restarts) for p in report.outcome.pods] == [("web-a", 1), ("big-a", 0)]
    pending = simulate_cluster(cluster.snapshot(), "POD_CRASHED", "big-a")
    assert steps(pending)[0] == (
        0.0,
        "container-restarted",
        "default/big-a Pending: no container to restart",
    )


def test_a_pod_name_in_two_namespaces_needs_its_namespace() -> None:
    cluster = Cluster(nodes=[node("n1", "a")])
    cluster.workload("Pod", "x", spec("x", 100), ["n1"], namespace="one")
    cluster.workload("Pod", "x", spec("x", 100), ["n1"], namespace="two")
    with pytest.raises(
        InvalidArgument,
        match=r"^target: pod name 'x' is in several namespaces \(one, two\): give namespace/name$",
    ):
        simulate_cluster(cluster.snapshot(), "POD_DELETED", "x")
    report = simulate_cluster(cluster.snapshot(), "POD_DELETED", "two/x")
    assert report.steps[0].pods == ("two/x",)


def test_a_job_replaces_a_pod_evicted_from_a_lost_node() -> None:
    cluster = Cluster(nodes=[node("n1", "a"), node("n2", "b")])
    cluster.workload("Job", "batch", spec("batch"), ["n1", "n2"])
    report = simulate_cluster(cluster.snapshot(), "NODE_DOWN", "n1")
    assert [(s.at_seconds, s.actor, s.description) for s in report.steps[3:5]] == [
        (
            355.0,
            "Job controller",
            "1 replacement pod created at once: default/batch-0 for default/batch-a",
        ),
        (355.0, "Scheduler", "scheduler binds 1 pod: default/batch-0 to n2"),
    ]
    assert workloads(report) == [("Job", "batch", 2, 2, 0, 1, 2)]


def test_a_workload_whose_every_pod_crashed_is_unavailable_for_the_back_off() -> None:
    cluster = Cluster(nodes=[node("n1", "a")])
    cluster.workload("Deployment", "web", spec("web"), ["n1", "n1"])
    cluster.workload("Deployment", "api", spec("api"), ["n1"])
    one = simulate_cluster(cluster.snapshot(), "POD_CRASHED", "web-a")
    assert steps(one)[0][0] == 10.0  # web-b still serves: no step at the crash
    both = simulate_cluster(cluster.snapshot(), "POD_CRASHED", "web")
    assert steps(both)[0] == (
        0.0,
        "container-restarted",
        "the crashed containers' pods are not Ready until the kubelet restarts them: 1 workload "
        "with no available pod for the 10 s back-off: Deployment/default/web",
    )
    assert both.steps[0].pods == ("default/web-a", "default/web-b")


def test_outcome_pods_are_rows_read_by_index_slice_and_iteration_alike() -> None:
    """The outcome keeps its pods as columns (PodRows): every way of reading them gives the
    same rows, each under its own workload (also past one without pods), with its own
    restarts and reason (a pod's row is not its place in the snapshot: bare pods come last)."""
    cluster = Cluster(nodes=[node("n1", "a"), node("n2", "b")])
    cluster.workload("Pod", "solo", spec("solo", 9000), [None])
    cluster.workload("Deployment", "web", spec("web"), ["n1", "n2"])
    cluster.workload("Deployment", "idle", spec("idle"), [], replicas=0)
    cluster.workload("StatefulSet", "db", spec("db"), ["n2"])
    pods = simulate_cluster(cluster.snapshot(), "POD_CRASHED", "web-b").outcome.pods
    pending = (
        "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 "
        "No preemption victims found for incoming pod."
    )
    running = PodPhase.RUNNING
    rows = (
        PodOutcome("default", "web-a", "Deployment/web", "n1", "a", running),
        PodOutcome("default", "web-b", "Deployment/web", "n2", "b", running, restarts=1),
        PodOutcome("default", "db-0", "StatefulSet/db", "n2", "b", running),
        PodOutcome("default", "solo", "Pod/solo", None, None, PodPhase.PENDING, pending),
    )
    assert tuple(pods) == rows
    assert [pods[i] for i in range(len(pods))] == list(rows)
    assert (pods[-1], pods[-4]) == (rows[3], rows[0])
    assert pods[1:3] == rows[1:3] and pods[::-1] == rows[::-1] and pods[5:] == ()
    assert pods == rows and pods == list(rows) and hash(pods) == hash(rows)
    assert pods != rows[:3] and pods != (*rows[:3], rows[3]._replace(reason=None))
    with pytest.raises(IndexError):
        pods[4]

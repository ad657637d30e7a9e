"""NODE_DRAIN: kubectl drain through the eviction API, PodDisruptionBudgets and 5 s retries."""

from __future__ import annotations

from cluster_snapshots import Cluster, node, spec, steps, workloads

from service.simulation.drain import cordoned, drained, evicted, evicting, retrying, warnings
from service.simulation.simulate import simulate_cluster

REFUSED = "Cannot evict pod as it would violate the pod's disruption budget."


def test_kubectl_lines() -> None:
    # as kubectl prints them (pkg/cmd/drain, pkg/drain; seen in the wild)
    assert cordoned("node01") == "node/node01 cordoned"
    assert evicting("kube-system", "coredns-1") == "evicting pod kube-system/coredns-1"
    assert evicted("web-1") == "pod/web-1 evicted"
    assert drained("node01") == "node/node01 drained"
    assert retrying("default", "web-1", REFUSED) == (
        'error when evicting pods/"web-1" -n "default" (will retry after 5s): ' + REFUSED
    )
    assert warnings(["kube-system/canal-r92xx"], ["default/high", "default/pod2"]) == (
        "Warning: deleting Pods that declare no controller: default/high, default/pod2; "
        "ignoring DaemonSet-managed Pods: kube-system/canal-r92xx"
    )
    assert warnings([], []) is None


def test_drain_waits_for_the_budget_and_retries_every_five_seconds() -> None:
    cluster = Cluster(nodes=[node("n1", "a"), node("n2", "b"), node("n3", "c")])
    cluster.workload("Deployment", "web", spec("web"), ["n1", "n1", "n2"])
    cluster.budget("web", "web", max_unavailable=1)
    cluster.workload("DaemonSet", "agent", spec("agent", 100, 1 << 20), ["n1", "n2", "n3"])
    report = simulate_cluster(cluster.snapshot(), "NODE_DRAIN", "n1")
    assert steps(report) == [
        (
            0.0,
            "node-cordoned",
            "node/n1 cordoned; Warning: ignoring DaemonSet-managed Pods: default/agent-n1",
        ),
        (
            0.0,
            "pods-drained",
            "1 pod evicted through the eviction API: evicting pod default/web-a",
        ),
        (
            0.0,
            "pod-recreated",
            "1 replacement pod created at once: default/web-0 for default/web-a",
        ),
        (
            0.0,
            "pods-drained",
            'error when evicting pods/"web-b" -n "default" (will retry after 5s): '
            f"{REFUSED}; the API's cause: The disruption budget web needs 2 healthy pods and "
            "has 2 currently",
        ),
        (0.0, "pod-scheduled", "scheduler binds 1 pod: default/web-0 to n3"),
        # the replacement is Ready: the budget allows one more at the next retry
        (5.0, "pods-drained", "1 pod evicted through the eviction API: evicting pod default/web-b"),
        (
            5.0,
            "pod-recreated",
            "1 replacement pod created at once: default/web-1 for default/web-b",
        ),
        (5.0, "pod-scheduled", "scheduler binds 1 pod: default/web-1 to n2"),
        # each evicted pod is gone after its 30 s grace period; kubectl waits for that
        (35.0, "pods-drained", "node/n1 drained"),
        (35.0, "replicas-restored", "every workload has its desired pods available (2 workloads)"),
    ]
    assert workloads(report) == [
        ("Deployment", "web", 3, 3, 0, 0, 3),
        ("DaemonSet", "agent", 3, 3, 0, 0, 3),
    ]
    cordoned_node = report.outcome.nodes[0]
    assert (cordoned_node.unschedulable, cordoned_node.pods) == (True, 1)


def test_a_budget_nothing_can_satisfy_blocks_the_drain_for_good() -> None:
    cluster = Cluster(nodes=[node("n1", "a"), node("n2", "b", cpu=1000)])
    cluster.workload("Deployment", "web", spec("web"), ["n1", "n1"])
    cluster.budget("web", "web", min_available=2)
    report = simulate_cluster(cluster.snapshot(), "NODE_DRAIN", "n1")
    assert steps(report) == [
        (0.0, "node-cordoned", "node/n1 cordoned"),
        (
            0.0,
            "pods-drained",
            'error when evicting pods/"web-a" -n "default" (will retry after 5s): '
            f"{REFUSED} (and 1 more pod); the API's cause: The disruption budget web needs 2 "
            "healthy pods and has 2 currently",
        ),
        (
            5.0,
            "pods-drained",
            "drain blocked for good: nothing left to happen can free the disruption budgets of "
            "default/web-a, default/web-b; kubectl drain retries every 5 s until its --timeout "
            "(none by default)",
        ),
        (5.0, "replicas-restored", "every workload has its desired pods available (1 workload)"),
    ]
    assert report.steps[1].pods == ("default/web-a", "default/web-b")


def test_a_replacement_with_nowhere_to_go_blocks_the_next_eviction() -> None:
    cluster = Cluster(nodes=[node("n1", "a"), node("n2", "b", cpu=1500)])
    cluster.workload("Deployment", "web", spec("web"), ["n1", "n1", "n2"])
    cluster.budget("web", "web", max_unavailable=1)
    report = simulate_cluster(cluster.snapshot(), "NODE_DRAIN", "n1")
    assert [(s.at_seconds, s.effect) for s in report.steps] == [
        (0.0, "node-cordoned"),
        (0.0, "pods-drained"),
        (0.0, "pod-recreated"),
        (0.0, "pods-drained"),
        (0.0, "pod-pending"),
        # retried every 5 s while web-a terminates (its removal could change things); once
        # it is gone at 30 s nothing else can happen: the next retry gives up
        (35.0, "pods-drained"),
        (35.0, "replicas-restored"),
    ]
    assert report.steps[4].description == (
        "default/web-0 Pending: 0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were "
        "unschedulable. preemption: 0/2 nodes are available: 1 No preemption victims found for "
        "incoming pod, 1 Preemption is not helpful for scheduling."
    )
    assert report.steps[5].description.startswith(
        "drain blocked for good: nothing left to happen can free the disruption budgets of "
        "default/web-b;"
    )
    assert workloads(report) == [("Deployment", "web", 3, 2, 1, 0, 2)]


def test_bare_pods_are_evicted_with_a_warning_and_lost() -> None:
    cluster = Cluster(nodes=[node("n1", "a"), node("n2", "b")])
    cluster.workload("Pod", "solo", spec("solo"), ["n1"])
    report = simulate_cluster(cluster.snapshot(), "NODE_DRAIN", "n1")
    assert steps(report) == [
        (
            0.0,
            "node-cordoned",
            "node/n1 cordoned; Warning: deleting Pods that declare no controller: default/solo",
        ),
        (0.0, "pods-drained", "1 pod evicted through the eviction API: evicting pod default/solo"),
        (0.0, "pod-recreated", "1 bare pod not recreated (no controller): default/solo"),
        (30.0, "pods-drained", "node/n1 drained"),
        (30.0, "application-unavailable", "1 workload with no available pod: Pod/default/solo"),
    ]


def test_a_drained_statefulset_pod_comes_back_under_its_name_once_gone() -> None:
    cluster = Cluster(nodes=[node("n1", "a"), node("n2", "b")])
    cluster.workload("StatefulSet", "db", spec("db"), ["n1"])
    report = simulate_cluster(cluster.snapshot(), "NODE_DRAIN", "n1")
    assert steps(report)[2:] == [
        (30.0, "pod-recreated", "1 pod recreated once the old object was gone: default/db-0"),
        (30.0, "pod-scheduled", "scheduler binds 1 pod: default/db-0 to n2"),
        (30.0, "pods-drained", "node/n1 drained"),
        (30.0, "replicas-restored", "every workload has its desired pods available (1 workload)"),
    ]

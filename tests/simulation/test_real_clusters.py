"""The simulation on real dumps of ``../shared/k8s-snapshots`` (see its README).

- the OpenShift 4.4 bundle (6 nodes in us-east1-b/c/d, kubelets v1.17 → the 1.31 rules: 40 s
  grace): ``prometheus-k8s`` is a StatefulSet with one pod on each of two workers and a
  preferred hostname anti-affinity, a 600 s grace period; the operators tolerate an
  unreachable node for 120 s; its pod list is a sample of the cluster;
- the k3s single-node baseline bundle;
- the sonobuoy AWS bundle (1 master with static pods, 2 workers).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from service.kube.model import ClusterSnapshot
from service.simulation.resilience import WorkloadName, resilience
from service.simulation.simulate import simulate_cluster
from service.snapshots.importer import import_paths

SNAPSHOTS = (Path(__file__).parents[2] / ".." / "shared" / "k8s-snapshots").resolve()
OCP = "openshift__insights-operator__ocp4.4-gcp-6node-2021-03-bundle"
K3S = "replicatedhq__troubleshoot__k3s-1node-baseline-bundle"
SONOBUOY = "vmware-tanzu__sonobuoy__aws-3node-k8s1.8-results-0.10-bundle"
WORKER_C = "ci-ln-d53y532-f76d1-2btqq-worker-c-nmnbz"
PROMETHEUS_0 = "openshift-monitoring/prometheus-k8s-0"


def imported(name: str) -> ClusterSnapshot:
    assert SNAPSHOTS.is_dir(), f"the real snapshots are missing: {SNAPSHOTS}"
    return import_paths([SNAPSHOTS / name], name)


@pytest.fixture(scope="module")
def ocp() -> ClusterSnapshot:
    return imported(OCP)


def steps(report: object) -> list[tuple[float, str, str]]:
    return [(s.at_seconds, s.effect, s.description) for s in report.steps]  # type: ignore[attr-defined]


def test_losing_a_worker_leaves_its_prometheus_pod_terminating(ocp: ClusterSnapshot) -> None:
    report = simulate_cluster(ocp, "NODE_DOWN", WORKER_C)
    assert steps(report) == [
        (
            40.0,
            "node-not-ready",
            f"{WORKER_C} NotReady after the 40 s node-monitor-grace-period (Ready=Unknown: Kubelet "
            "stopped posting node status.), tainted node.kubernetes.io/unreachable:NoSchedule; "
            "1 pod marked not Ready",
        ),
        (
            45.0,
            "node-not-ready",
            f"{WORKER_C} tainted node.kubernetes.io/unreachable:NoExecute; the taint-eviction "
            "controller schedules deletions: 1 pod in 300 s",
        ),
        (
            345.0,
            "pods-evicted",
            "1 pod deleted (DisruptionTarget: DeletionByTaintManager; Marking for deletion Pod "
            f"{PROMETHEUS_0})",
        ),
        (
            345.0,
            "pod-stuck-terminating",
            f"StatefulSet is waiting for Pod to Terminate: {PROMETHEUS_0} stays Terminating on an "
            "unreachable node and is not recreated until the node is deleted or the pod "
            "force-deleted",
        ),
        (
            345.0,
            "replicas-restored",
            "replicas not restored (StatefulSet/openshift-monitoring/prometheus-k8s 1/2 "
            "available); every workload still has an available pod",
        ),
    ]
    prometheus = next(w for w in report.outcome.workloads if w.name == "prometheus-k8s")
    assert (prometheus.desired, prometheus.running, prometheus.terminating) == (2, 1, 1)


def test_draining_a_worker_brings_prometheus_back_after_its_grace_period(
    ocp: ClusterSnapshot,
) -> None:
    report = simulate_cluster(ocp, "NODE_DRAIN", WORKER_C)
    assert steps(report) == [
        (0.0, "node-cordoned", f"node/{WORKER_C} cordoned"),
        (
            0.0,
            "pods-drained",
            f"1 pod evicted through the eviction API: evicting pod {PROMETHEUS_0}",
        ),
        # terminationGracePeriodSeconds: 600; the same name, away from prometheus-k8s-1
        # (worker-d) by the preferred anti-affinity
        (600.0, "pod-recreated", f"1 pod recreated once the old object was gone: {PROMETHEUS_0}"),
        (
            600.0,
            "pod-scheduled",
            f"scheduler binds 1 pod: {PROMETHEUS_0} to ci-ln-d53y532-f76d1-2btqq-worker-b-7x8mw",
        ),
        (600.0, "pods-drained", f"node/{WORKER_C} drained"),
        (
            600.0,
            "replicas-restored",
            "every workload has the pods available it had before (18 workloads)",
        ),
    ]


def test_losing_a_zone_taints_its_master_then_its_worker(ocp: ClusterSnapshot) -> None:
    report = simulate_cluster(ocp, "ZONE_DOWN", "us-east1-c")
    timeline = [(s.at_seconds, s.effect, s.pod_count) for s in report.steps]
    assert timeline == [
        (40.0, "node-not-ready", 9),
        (45.0, "node-not-ready", 7),  # master-1: 7 operators tolerate 120 s, sdn for ever
        (55.0, "node-not-ready", 1),  # worker-c, 10 s later: one node per 10 s per zone
        (165.0, "pods-evicted", 7),
        (165.0, "pod-recreated", 7),
        (165.0, "pod-scheduled", 7),
        (355.0, "pods-evicted", 1),
        (355.0, "pod-stuck-terminating", 1),
        (355.0, "application-unavailable", 0),
    ]
    assert report.steps[1].description.endswith(
        "schedules deletions: 7 pods in 120 s; 1 pod tolerates the taint for ever"
    )


def test_resilience_of_the_openshift_sample(ocp: ClusterSnapshot) -> None:
    report = resilience(ocp)
    worst = report.losses[0]
    assert (worst.scope, worst.target) == ("ZONE", "us-east1-c")
    assert [w.name for w in worst.unavailable] == [
        "kube-apiserver-operator",
        "kube-controller-manager-operator",
        "kube-storage-version-migrator-operator",
        "machine-config-controller",
        "service-ca-operator",
        "openshift-service-catalog-apiserver-operator",
        "openshift-service-catalog-controller-manager-operator",
    ]
    assert [(d.name, d.desired, d.running) for d in worst.degraded] == [("prometheus-k8s", 2, 1)]
    assert [(x.scope, x.target) for x in report.losses[-3:]] == [
        ("NODE", WORKER_C),
        ("NODE", "ci-ln-d53y532-f76d1-2btqq-worker-d-bpnbd"),
        ("NODE", "ci-ln-d53y532-f76d1-2btqq-worker-b-7x8mw"),
    ]
    assert report.losses[-1].degraded == ()
    spof = {(s.scope, s.target): s.workloads for s in report.single_points_of_failure}
    assert spof[("NODE", "ci-ln-d53y532-f76d1-2btqq-master-0")] == (
        WorkloadName("Deployment", "openshift-insights", "insights-operator"),
        WorkloadName("Deployment", "openshift-service-ca", "service-ca"),
    )


def test_a_single_node_cluster_enters_master_disruption_mode() -> None:
    report = simulate_cluster(imported(K3S), "NODE_DOWN", "primary-node")
    assert [(s.at_seconds, s.effect) for s in report.steps] == [
        (40.0, "node-not-ready"),
        (40.0, "node-not-ready"),
        (40.0, "application-unavailable"),
    ]
    assert report.steps[1].description.startswith(
        "Controller detected that all Nodes are not-Ready. Entering master disruption mode"
    )
    assert all(w.terminating == 0 and w.available == 0 for w in report.outcome.workloads)


def test_draining_a_master_skips_daemonsets_and_static_pods() -> None:
    master = "ip-10-0-9-206.us-west-2.compute.internal"
    report = simulate_cluster(imported(SONOBUOY), "NODE_DRAIN", master)
    assert steps(report)[:2] == [
        (
            0.0,
            "node-cordoned",
            f"node/{master} cordoned; Warning: ignoring DaemonSet-managed Pods: "
            "heptio-sonobuoy/systemd-logs-mv5rw, kube-system/calico-etcd-xzvc8, "
            "kube-system/calico-node-jkwvw, kube-system/kube-proxy-kr44f",
        ),
        (
            0.0,
            "pods-drained",
            "2 pods evicted through the eviction API: evicting pod "
            "kube-system/calico-kube-controllers-6ff88bf6d4-t2h9k, evicting pod "
            "kube-system/kubernetes-dashboard-796487df76-d6ds7",
        ),
    ]
    static = [p for p in report.outcome.pods if p.name.endswith(master)]
    assert [(p.name, p.node, p.phase.value) for p in static] == [
        (f"etcd-{master}", master, "Running"),
        (f"kube-apiserver-{master}", master, "Running"),
        (f"kube-controller-manager-{master}", master, "Running"),
        (f"kube-scheduler-{master}", master, "Running"),
    ]

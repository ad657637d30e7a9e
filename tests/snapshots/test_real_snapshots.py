"""Every real dump of ``../shared/k8s-snapshots`` imports with the counts it really holds.

The expected figures were read off the files themselves (see that folder's README for what
each one is), not off the importer's output.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from service.kube.model import ClusterSnapshot, Taint
from service.snapshots.importer import import_paths

KI, MI, GI = 1 << 10, 1 << 20, 1 << 30
SONOBUOY = "vmware-tanzu__sonobuoy__aws-3node-k8s1.8-results-0.10-bundle"
INSIGHTS = "openshift__insights-operator__ocp4.4-gcp-6node-2021-03-bundle"
OC_NODES = "openshift__oc__ocp-6node-upgrade-in-progress-taints-unschedulable.yaml"
MIXED_NODES = "replicatedhq__troubleshoot__nodes-7-mixed-clusters-incl-gpu-node.json"
GPU_POD = "replicatedhq__troubleshoot__pod-pending-nvidia-gpu-request.json"
AFFINITY_POD = "replicatedhq__troubleshoot__pods-pending-node-affinity.json"
K3S = "replicatedhq__troubleshoot__k3s-1node-baseline-bundle"
MASTER = Taint(key="node-role.kubernetes.io/master", effect="NoSchedule")


def counts(s: ClusterSnapshot) -> dict[str, Any]:
    alive = [p for p in s.pods if p.phase not in ("Succeeded", "Failed")]
    return {
        "version": s.version,
        "nodes": len(s.nodes),
        "ready": sum(n.ready == "True" for n in s.nodes),
        "cordoned": sum(n.unschedulable for n in s.nodes),
        "zones": dict(Counter(n.labels.get("topology.kubernetes.io/zone") for n in s.nodes)),
        "bound": sum(p.node is not None for p in alive),
        "pending": sum(p.node is None for p in alive),
        "finished": len(s.pods) - len(alive),
        "workloads": dict(Counter(w.kind for w in s.workloads)),
        "budgets": len(s.disruption_budgets),
        "skipped": s.skipped,
    }


def dropped(s: ClusterSnapshot) -> list[str]:
    return [d.object for d in s.dropped]


def test_sonobuoy_bundle_of_bare_arrays_takes_kinds_from_file_names(snapshots: Path) -> None:
    s = import_paths([snapshots / SONOBUOY], "sonobuoy")
    assert counts(s) == {
        "version": "1.31",  # kubelets v1.8.4, clamped to the oldest modelled version
        "nodes": 3,
        "ready": 3,
        "cordoned": 0,
        "zones": {None: 3},  # only the beta zone label (us-west-2a)
        "bound": 18,
        "pending": 0,
        "finished": 1,  # the Succeeded sonobuoy-e2e-job pod
        "workloads": {"Pod": 5, "DaemonSet": 4, "Deployment": 4},
        "budgets": 0,
        "skipped": {"(no kind)": 1},  # serverversion.json
    }
    master = next(n for n in s.nodes if n.name == "ip-10-0-9-206.us-west-2.compute.internal")
    assert master.taints == (MASTER,)  # "timeAdded": null is accepted
    assert master.allocatable == {"cpu": 1000, "memory": 3750580 * KI, "pods": 110}
    by_name = {p.name: p for p in s.pods}
    dns = by_name["kube-dns-545bc4bfd4-t4lzx"]
    # three containers: 100m/70Mi (limit 170Mi), 150m/20Mi, 10m/20Mi
    assert s.specs[dns.spec].requests == {"cpu": 260, "memory": 110 * MI}
    assert (dns.owner.kind, dns.owner.name) == ("Deployment", "kube-dns")
    calico = s.specs[by_name["calico-node-5sgh9"].spec]
    # 250m and a container without requests: scoring counts it as 100m / 200Mi
    assert (calico.requests, calico.nonzero_cpu, calico.nonzero_memory) == (
        {"cpu": 250},
        350,
        400 * MI,
    )
    assert by_name["etcd-ip-10-0-9-206.us-west-2.compute.internal"].owner.kind == "Pod"
    replicas = {w.name: w.replicas for w in s.workloads if w.kind == "Deployment"}
    assert replicas == {
        "calico-kube-controllers": 1,
        "calico-policy-controller": 0,
        "kube-dns": 1,
        "kubernetes-dashboard": 1,
    }
    assert dropped(s) == ["Kubernetes version"]


def test_insights_sample_rebuilds_the_controllers_its_pods_name(snapshots: Path) -> None:
    s = import_paths([snapshots / INSIGHTS], "insights")
    assert counts(s) == {
        "version": "1.31",
        "nodes": 6,
        "ready": 6,
        "cordoned": 0,
        "zones": {"us-east1-b": 2, "us-east1-c": 2, "us-east1-d": 2},
        "bound": 19,
        "pending": 0,
        "finished": 0,
        # 14 ReplicaSet-owned pods → their Deployments (by pod-template-hash), 2 static pods
        # (owned by their Node) are bare, prometheus-k8s-0/1 → one StatefulSet, sdn-controller
        "workloads": {"Deployment": 14, "Pod": 2, "StatefulSet": 1, "DaemonSet": 1},
        "budgets": 1,
        "skipped": {},
    }
    masters = [n for n in s.nodes if "master" in n.name]
    assert [n.taints for n in masters] == [(MASTER,)] * 3
    assert sum(p.node in {m.name for m in masters} for p in s.pods) == 17
    prometheus = next(w for w in s.workloads if w.kind == "StatefulSet")
    assert (prometheus.name, prometheus.replicas) == ("prometheus-k8s", 2)
    assert prometheus.selector is not None
    assert prometheus.selector.match_labels == {"app": "prometheus", "prometheus": "k8s"}
    assert [p.ordinal for p in s.pods if p.owner.kind == "StatefulSet"] == [0, 1]
    # 70m + 6 × 1m; 1Gi + 100Mi + 3 × 20Mi
    assert s.specs[prometheus.template].requests == {"cpu": 76, "memory": GI + 160 * MI}
    assert s.specs[prometheus.template].pod_anti_affinity is not None
    (budget,) = s.disruption_budgets
    assert (budget.name, budget.max_unavailable, budget.min_available) == (
        "etcd-quorum-guard",
        1,
        None,
    )
    # the truncated pod name still leads to its Deployment through the ReplicaSet's name
    catalog = next(p for p in s.pods if p.name.endswith("644d6g48s"))
    assert catalog.owner.name == "openshift-service-catalog-controller-manager-operator"
    assert s.specs[s.pods[0].spec].priority == 2_000_000_000  # spec.priority, as admitted
    assert len(s.dropped) == 17  # the version, 16 rebuilt controllers (14 + 1 + 1)


def test_oc_node_list_yaml_keeps_taints_in_order_and_the_cordon(snapshots: Path) -> None:
    s = import_paths([snapshots / OC_NODES], "oc")
    assert counts(s) == {
        "version": "1.31",
        "nodes": 6,
        "ready": 6,
        "cordoned": 1,
        "zones": {"us-east-1d": 4, "us-east-1b": 2},
        "bound": 0,
        "pending": 0,
        "finished": 0,
        "workloads": {},
        "budgets": 0,
        "skipped": {},
    }
    cordoned = next(n for n in s.nodes if n.unschedulable)
    assert cordoned.name == "ip-10-0-20-204.ec2.internal"
    assert cordoned.taints == (Taint(key="node.kubernetes.io/unschedulable", effect="NoSchedule"),)
    updating = [n.name for n in s.nodes if n.taints and n.taints[0].key == "UpdateInProgress"]
    assert updating == ["ip-10-0-113-181.ec2.internal", "ip-10-0-71-144.ec2.internal"]
    assert s.nodes[0].allocatable["memory"] == 14863536 * KI
    assert s.dropped == ()  # kubelets v1.31.2: nothing to clamp


def test_mixed_node_list_reads_every_quantity_notation(snapshots: Path) -> None:
    s = import_paths([snapshots / MIXED_NODES], "mixed")
    nodes = {n.name: n for n in s.nodes}
    assert len(nodes) == 7  # only 2 of the 7 items say kind: Node; the NodeList does
    assert nodes["biggernode-3i745"].allocatable["memory"] == 29222 * MI
    assert nodes["repldev-marc"].allocatable["memory"] == 30770604 * KI
    # ephemeral-storage in plain bytes next to a Ki one
    assert nodes["biggernode-3i745"].allocatable["ephemeral-storage"] == 95087093603
    assert nodes["repldev-marc"].allocatable["ephemeral-storage"] == 1015018628 * KI
    gpu = nodes["ip-172-31-21-92"]
    assert gpu.allocatable["nvidia.com/gpu"] == 1
    assert gpu.allocatable["cpu"] == 1000
    # v1.16.2 once, v1.19.3 five times, v1.29.11 once: 1.19, clamped
    assert s.version == "1.31"
    assert s.autoscaler is not None
    groups = {g.name: (g.template, g.max_size) for g in s.autoscaler.groups}
    assert groups == {  # by instance type: none of the node-pool labels autoscalers use
        "g-8vcpu-32gb": ("biggernode-3i745", 1),
        "s-1vcpu-2gb": ("smallnode-3i74t", 1),
        "s-2vcpu-4gb": ("pool-yd23sqk7u-3i7i7", 3),
    }


def test_pending_gpu_pod_requests_its_extended_resource(snapshots: Path) -> None:
    s = import_paths([snapshots / GPU_POD], "gpu")
    (pod,) = s.pods
    assert (pod.node, pod.phase, pod.ready) == (None, "Pending", False)
    assert s.specs[pod.spec].requests == {"cpu": 3000, "memory": 5 * GI, "nvidia.com/gpu": 5}
    assert counts(s)["workloads"] == {"Deployment": 1}
    (workload,) = s.workloads
    assert (workload.name, workload.replicas) == ("pending-pod-resources", 1)


def test_pending_affinity_pod_keeps_its_required_terms_and_init_containers(snapshots: Path) -> None:
    s = import_paths([snapshots / AFFINITY_POD], "affinity")
    (pod,) = s.pods
    spec = s.specs[pod.spec]
    affinity = spec.node_affinity
    assert affinity is not None and affinity.required is not None
    (term,) = affinity.required
    assert [(r.key, r.operator, r.values) for r in term.match_expressions] == [
        ("kubernetes.io/os", "In", ("linux",)),
        ("kubernetes.io/arch", "NotIn", ("arm64",)),
    ]
    # container 100m/100Mi; the largest init containers also 100m/100Mi
    assert spec.requests == {"cpu": 100, "memory": 100 * MI}


def test_k3s_support_bundle_reads_per_namespace_lists(snapshots: Path) -> None:
    s = import_paths([snapshots / K3S], "k3s")
    assert counts(s) == {
        "version": "1.31",
        "nodes": 1,
        "ready": 1,
        "cordoned": 0,
        "zones": {None: 1},
        "bound": 5,
        "pending": 0,
        "finished": 2,  # the two helm-install Job pods (their Jobs are not in the bundle)
        "workloads": {"Deployment": 4, "DaemonSet": 1},
        "budgets": 0,  # every PDB list has "items": null
        "skipped": {"Namespace": 4},
    }
    coredns = next(w for w in s.workloads if w.name == "coredns")
    spread = s.specs[coredns.template].topology_spread
    assert [(c.topology_key, c.max_skew, c.when_unsatisfiable) for c in spread] == [
        ("kubernetes.io/hostname", 1, "DoNotSchedule")
    ]
    svclb = next(p for p in s.pods if p.owner.kind == "DaemonSet")
    assert [h.port for h in s.specs[svclb.spec].host_ports] == [80, 443]
    assert s.priority_classes == {
        "system-cluster-critical": 2_000_000_000,
        "system-node-critical": 2_000_001_000,
    }
    assert s.dropped == ()

"""Objects → snapshot: owners, desired-state manifests, what is dropped and why, version,
node groups, budgets."""

from __future__ import annotations

from typing import Any

import pytest
from kubectl_objects import as_list, node, pdb, pod, pod_spec, text, workload

from service.kube.model import ClusterSnapshot, LabelSelector, NodeGroup
from service.snapshots.importer import snapshot_from_text


def imported(*objects: dict[str, Any], **kwargs: Any) -> ClusterSnapshot:
    return snapshot_from_text(text(as_list(*objects)), **kwargs)


def owners(s: ClusterSnapshot) -> dict[str, tuple[str, str]]:
    return {p.name: (p.owner.kind, p.owner.name) for p in s.pods}


def reasons(s: ClusterSnapshot) -> list[tuple[str, str]]:
    return [(d.object, d.reason) for d in s.dropped]


RS_LABELS = {"app": "web", "pod-template-hash": "7c9f"}


def test_a_pod_belongs_to_the_deployment_above_its_replicaset() -> None:
    s = imported(
        node("n1"),
        workload("Deployment", "web", replicas=2),
        workload(
            "ReplicaSet", "web-7c9f", replicas=2, labels=RS_LABELS, owner=("Deployment", "web")
        ),
        pod("web-7c9f-a", node="n1", labels=RS_LABELS, owner=("ReplicaSet", "web-7c9f")),
    )
    assert owners(s) == {"web-7c9f-a": ("Deployment", "web")}
    assert [(w.kind, w.name, w.replicas) for w in s.workloads] == [("Deployment", "web", 2)]
    assert s.dropped == ()


def test_a_missing_replicaset_is_found_by_the_pod_template_hash() -> None:
    s = imported(
        node("n1"),
        workload("Deployment", "web", replicas=3),
        pod("web-7c9f-a", node="n1", labels=RS_LABELS, owner=("ReplicaSet", "web-7c9f")),
    )
    assert owners(s) == {"web-7c9f-a": ("Deployment", "web")}
    assert [(w.kind, w.replicas) for w in s.workloads] == [("Deployment", 3)]


def test_a_missing_deployment_is_rebuilt_from_its_replicasets() -> None:
    s = imported(
        node("n1"),
        workload(
            "ReplicaSet", "web-7c9f", replicas=3, labels=RS_LABELS, owner=("Deployment", "web")
        ),
        workload(
            "ReplicaSet",
            "web-old",
            replicas=1,
            labels={"app": "web", "pod-template-hash": "old"},
            owner=("Deployment", "web"),
        ),
    )
    (web,) = s.workloads
    assert (web.kind, web.name, web.replicas) == ("Deployment", "web", 4)
    assert web.selector == LabelSelector(match_labels={"app": "web"})
    assert s.specs[web.template].labels == RS_LABELS  # the larger ReplicaSet's template
    assert reasons(s) == [
        (
            "Deployment/default/web",
            "not in the snapshot: rebuilt from its 2 ReplicaSet(s) (replicas 4)",
        )
    ]


def test_controllers_missing_from_the_snapshot_are_rebuilt_from_their_pods() -> None:
    pin = {
        "requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [
                {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}
            ]
        }
    }
    sts_labels = {
        "app": "db",
        "statefulset.kubernetes.io/pod-name": "db-2",
        "controller-revision-hash": "db-5",
    }
    s = imported(
        node("n1"),
        pod(
            "db-0",
            node="n1",
            labels={**sts_labels, "statefulset.kubernetes.io/pod-name": "db-0"},
            owner=("StatefulSet", "db"),
        ),
        pod("db-2", node="n1", labels=sts_labels, owner=("StatefulSet", "db")),
        pod(
            "agent-x",
            node="n1",
            labels={"app": "agent", "pod-template-generation": "3"},
            owner=("DaemonSet", "agent"),
            spec=pod_spec(affinity={"nodeAffinity": pin}),
        ),
    )
    workloads = {w.kind: w for w in s.workloads}
    db, agent = workloads["StatefulSet"], workloads["DaemonSet"]
    assert db.replicas == 3  # ordinals 0 and 2 seen: it wants 0, 1, 2
    assert s.specs[db.template].labels == {"app": "db"}
    assert [p.ordinal for p in s.pods] == [0, 2, None]
    assert agent.replicas is None
    assert s.specs[agent.template].node_affinity is None  # the per-node pin is the controller's
    assert s.specs[s.pods[2].spec].node_affinity is not None  # the pod keeps it
    assert reasons(s) == [
        ("StatefulSet/default/db", "not in the snapshot: rebuilt from its 2 pod(s) (replicas 3)"),
        (
            "DaemonSet/default/agent",
            "not in the snapshot: rebuilt from its 1 pod(s) (one pod per eligible node)",
        ),
    ]


def test_bare_pods_static_pods_and_pods_of_unknown_controllers() -> None:
    s = imported(
        node("n1"),
        pod("lonely", node="n1"),
        pod("kube-apiserver-n1", node="n1", owner=("Node", "n1")),  # a mirror pod
        pod("rollout-abc", node="n1", owner=("Rollout", "canary")),
        pod("rollout-def", node="n1", owner=("Rollout", "canary")),
        pod("done", node="n1", phase="Succeeded"),
    )
    assert owners(s) == {
        "lonely": ("Pod", "lonely"),
        "kube-apiserver-n1": ("Pod", "kube-apiserver-n1"),
        "rollout-abc": ("Pod", "rollout-abc"),
        "rollout-def": ("Pod", "rollout-def"),
        "done": ("Pod", "done"),
    }
    # finished pods are no workload: nothing wants them back
    assert sorted(w.name for w in s.workloads) == [
        "kube-apiserver-n1",
        "lonely",
        "rollout-abc",
        "rollout-def",
    ]
    assert reasons(s) == [
        (
            "Rollout/default/canary",
            "controller of a kind not modelled: its pods are simulated as bare pods (nothing replaces them)",
        )
    ]


def test_a_job_of_a_cronjob_is_its_own_top_controller() -> None:
    job = workload("Job", "nightly-1", owner=("CronJob", "nightly"), parallelism=2, completions=5)
    job["status"] = {"succeeded": 4}
    s = imported(node("n1"), job)
    assert [(w.kind, w.name, w.replicas) for w in s.workloads] == [("Job", "nightly-1", 1)]
    assert reasons(s) == [
        (
            "CronJob/default/nightly",
            "controller of a kind not modelled: Job/default/nightly-1 and what it controls are simulated without it",
        )
    ]


@pytest.mark.parametrize(
    ("spec", "status", "replicas"),
    [
        ({}, None, 1),  # parallelism and completions default to 1
        ({"parallelism": 3, "completions": 10}, {"succeeded": 8}, 2),  # completions left cap it
        ({"parallelism": 3}, {"succeeded": 0}, 3),  # a work queue: parallelism until one succeeds
        ({"parallelism": 3}, {"succeeded": 1}, 0),
        ({"parallelism": 3, "suspend": True}, None, 0),
        ({"completions": 4}, {"conditions": [{"type": "Complete", "status": "True"}]}, 0),
    ],
)
def test_job_replicas(spec: dict[str, Any], status: dict[str, Any] | None, replicas: int) -> None:
    job = workload("Job", "j", **spec)
    if status is not None:
        job["status"] = status
    assert imported(job).workloads[0].replicas == replicas


def test_desired_state_manifests_stay_workloads_with_templates_and_defaults() -> None:
    s = imported(
        node("n1"),
        workload("Deployment", "api"),  # replicas defaults to 1
        workload(
            "StatefulSet",
            "db",
            replicas=3,
            podManagementPolicy="Parallel",
            updateStrategy={"type": "OnDelete"},
        ),
        workload("DaemonSet", "logs"),
        workload("Deployment", "batch", replicas=2, strategy={"type": "Recreate"}),
    )
    got = [
        (w.kind, w.name, w.replicas, w.pod_management_policy, w.max_unavailable, w.max_surge)
        for w in s.workloads
    ]
    assert got == [
        ("Deployment", "api", 1, "OrderedReady", "25%", "25%"),
        ("Deployment", "batch", 2, "OrderedReady", None, None),
        ("StatefulSet", "db", 3, "Parallel", None, None),
        ("DaemonSet", "logs", None, "OrderedReady", 1, 0),
    ]
    assert s.pods == ()
    assert s.specs[s.workloads[0].template].requests == {"cpu": 100, "memory": 128 << 20}


def test_pods_on_nodes_not_in_the_snapshot_are_dropped_and_not_replaced() -> None:
    s = imported(
        node("n1"),
        workload("ReplicaSet", "web", replicas=3),
        *[
            pod(f"web-{i}", node=n, owner=("ReplicaSet", "web"))
            for i, n in enumerate(["n1", "gone", "gone"])
        ],
        pod("old", node="gone", phase="Failed"),  # finished: kept, nothing to say
    )
    assert [(p.name, p.node) for p in s.pods] == [("web-0", "n1"), ("old", "gone")]
    assert [(w.name, w.replicas) for w in s.workloads] == [("web", 1)]
    assert reasons(s) == [
        ("Pod/default/web-1", "bound to node gone, which is not in the snapshot"),
        ("Pod/default/web-2", "bound to node gone, which is not in the snapshot"),
        (
            "ReplicaSet/default/web",
            "2 of its pods run on nodes not in the snapshot: simulated with replicas 1 instead of 3",
        ),
    ]


def test_a_node_without_allocatable_is_dropped_with_its_pods() -> None:
    bare = node("empty")
    del bare["status"]
    s = imported(node("n1"), bare, pod("p", node="empty"))
    assert [n.name for n in s.nodes] == ["n1"]
    assert reasons(s) == [
        ("Node/empty", "no status.allocatable: the scheduler cannot place pods on it"),
        ("Pod/default/p", "bound to node empty, which was dropped"),
    ]


def test_nodes_without_a_ready_condition_are_unknown_and_capacity_defaults_to_allocatable() -> None:
    n = node("n1")
    del n["status"]["conditions"], n["status"]["capacity"]
    (imported_node,) = imported(n).nodes
    assert imported_node.ready == "Unknown"
    assert imported_node.capacity == imported_node.allocatable


@pytest.mark.parametrize(
    ("kubelets", "given", "version", "note"),
    [
        (["v1.32.1", "v1.33.0", "v1.33.2"], None, "1.33", None),  # the most common minor
        (["v1.32.1", "v1.33.0"], None, "1.33", None),  # a tie: the newer
        (
            ["v1.29.4-eks-1"],
            None,
            "1.31",
            "the kubelets run 1.29; the simulation follows 1.31, the nearest version it models",
        ),
        (
            ["v1.36.0"],
            None,
            "1.34",
            "the kubelets run 1.36; the simulation follows 1.34, the nearest version it models",
        ),
        (["v1.29.4"], "1.32", "1.32", None),  # given: no note
        ([], None, "1.34", None),
    ],
)
def test_kubernetes_version_from_the_kubelets(
    kubelets: list[str], given: str | None, version: str, note: str | None
) -> None:
    s = imported(*[node(f"n{i}", kubelet=k) for i, k in enumerate(kubelets)], version=given)
    assert s.version == version
    assert reasons(s) == ([("Kubernetes version", note)] if note else [])


def test_node_groups_from_the_autoscaler_labels() -> None:
    pool = "cloud.google.com/gke-nodepool"
    s = imported(
        node("b-2", labels={pool: "blue"}),
        node("b-1", labels={pool: "blue"}, ready="False"),
        node("g-1", labels={pool: "green"}, unschedulable=True),
        node("loose"),  # no group label, no instance type: in no group
        node("m5", labels={"node.kubernetes.io/instance-type": "m5.large"}),
    )
    assert s.autoscaler is not None
    assert s.autoscaler.groups == (
        NodeGroup(name="blue", template="b-2", max_size=2),  # the first ready one by name
        NodeGroup(name="green", template="g-1", max_size=1),
        NodeGroup(name="m5.large", template="m5", max_size=1),
    )


def test_disruption_budgets() -> None:
    s = imported(
        pdb("a", minAvailable="50%", selector={"matchLabels": {"app": "a"}}),
        pdb("b", maxUnavailable=0, selector={}, unhealthyPodEvictionPolicy="AlwaysAllow"),
        {**pdb("c", minAvailable=1, selector={}), "apiVersion": "policy/v1beta1"},
    )
    got = [
        (b.name, b.selector, b.min_available, b.max_unavailable, b.unhealthy_pod_eviction_policy)
        for b in s.disruption_budgets
    ]
    assert got == [
        ("a", LabelSelector(match_labels={"app": "a"}), "50%", None, "IfHealthyBudget"),
        ("b", LabelSelector(), None, 0, "AlwaysAllow"),  # policy/v1: {} selects every pod
        ("c", None, 1, None, "IfHealthyBudget"),  # policy/v1beta1: {} selects none
    ]


def test_objects_without_a_namespace_take_the_one_given() -> None:
    deployment = workload("Deployment", "web")
    del deployment["metadata"]["namespace"]
    s = imported(deployment, namespace="shop")
    assert [(w.namespace, w.name) for w in s.workloads] == [("shop", "web")]


def test_terminating_pods_keep_their_deletion_mark() -> None:
    s = imported(node("n1"), pod("p", node="n1", deleting=True))
    assert [(p.deleting, p.phase) for p in s.pods] == [(True, "Running")]

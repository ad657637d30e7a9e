"""scheduling(snapshot): placements, exact FitError messages and preemption, version by version.

Messages "seen in the wild" are quoted from public events; the others follow the upstream
tests named per case.
"""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest
from kube_cluster import GI, P, cluster, node, spec

from service.kube.model import (
    ClusterSnapshot,
    DisruptionBudget,
    LabelSelector,
    Node,
    NodeAffinity,
    NodeSelectorTerm,
    PodAffinity,
    PodAffinityTerm,
    Requirement,
    Taint,
    Workload,
    WorkloadRef,
)
from service.simulation.scheduling import PodScheduling, scheduling
from service.snapshots.importer import import_paths

UNREACHABLE = Taint(key="node.kubernetes.io/unreachable", effect="NoSchedule")


def only(results: list[PodScheduling]) -> PodScheduling:
    assert len(results) == 1
    return results[0]


def worked_example(version: str, cpu: int = 1500) -> list[PodScheduling]:
    """semantics §1 worked example: node-1 unreachable, nodes 2–3 short of CPU."""
    return scheduling(
        cluster(
            [
                node("node-1", 2000, taints=[UNREACHABLE]),
                node("node-2", 2000),
                node("node-3", 2000),
            ],
            [
                P("b2", spec(1000), node="node-2"),
                P("b3", spec(1000), node="node-3"),
                P("p", spec(cpu)),
            ],
            version=version,
        )
    )


@pytest.mark.parametrize(
    ("version", "cpu", "message"),
    [
        (
            "1.33",
            1500,
            "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, "
            "2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for "
            "scheduling, 2 No preemption victims found for incoming pod.",
        ),
        (
            "1.34",
            1500,
            "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, "
            "2 Insufficient cpu. no new claims to deallocate, preemption: 0/3 nodes are available: "
            "1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
        ),
        # V3: more than any node's allocatable — unresolvable, so preemption is not helpful anywhere
        (
            "1.34",
            3000,
            "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, "
            "2 Insufficient cpu. no new claims to deallocate, preemption: 0/3 nodes are available: "
            "3 Preemption is not helpful for scheduling.",
        ),
        (
            "1.31",
            3000,
            "0/3 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, "
            "2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for "
            "scheduling, 2 No preemption victims found for incoming pod.",
        ),
    ],
)
def test_the_worked_example_of_the_semantics_notes(version: str, cpu: int, message: str) -> None:
    result = only(worked_example(version, cpu))
    assert (result.node, result.message) == (None, message)
    assert result.reasons == (
        ("node-1", ("node(s) had untolerated taint {node.kubernetes.io/unreachable: }",)),
        ("node-2", ("Insufficient cpu",)),
        ("node-3", ("Insufficient cpu",)),
    )


def test_no_nodes_at_all() -> None:
    # pkg/scheduler/scheduler.go ErrNoNodesAvailable: no 0/0 form, no preemption part
    result = only(scheduling(cluster([], [P("p", spec(100))])))
    assert (result.node, result.message, result.reasons) == (
        None,
        "no nodes available to schedule pods",
        (),
    )


SNAPSHOTS = Path(__file__).resolve().parents[3] / "shared" / "k8s-snapshots"


def imported_with(file: str, nodes: list[Node], version: str) -> tuple[ClusterSnapshot, str]:
    """The dump imported as it is, plus ``nodes`` (the dumps hold pods only), and the
    scheduler's condition message the dump carries."""
    path = SNAPSHOTS / file
    snapshot = import_paths([path], "test", version=version)
    condition = next(
        c["message"]
        for c in json.loads(path.read_bytes())["items"][0]["status"]["conditions"]
        if c["type"] == "PodScheduled"
    )
    return msgspec.structs.replace(snapshot, nodes=tuple(nodes)), condition


def test_gpu_request_of_the_troubleshoot_snapshot() -> None:
    # replicatedhq__troubleshoot__pod-pending-nvidia-gpu-request.json: cpu 3, memory 5Gi,
    # nvidia.com/gpu 5. The node is not in the dump: one node with 1 GPU reproduces the
    # message the dump carries (1.31–1.33).
    gpu_node = node("ip-172-31-21-92", 8000, 32 * GI, extended={"nvidia.com/gpu": 1})
    snapshot, condition = imported_with(
        "replicatedhq__troubleshoot__pod-pending-nvidia-gpu-request.json", [gpu_node], "1.31"
    )
    assert (
        only(scheduling(snapshot)).message
        == condition
        == (
            "0/1 nodes are available: 1 Insufficient nvidia.com/gpu. preemption: 0/1 nodes are "
            "available: 1 No preemption victims found for incoming pod."
        )
    )
    # the same pod on 1.34: five GPUs exceed the node's one — not helpful (V3), DRA prefix (V4)
    snapshot, _ = imported_with(
        "replicatedhq__troubleshoot__pod-pending-nvidia-gpu-request.json", [gpu_node], "1.34"
    )
    assert only(scheduling(snapshot)).message == (
        "0/1 nodes are available: 1 Insufficient nvidia.com/gpu. no new claims to deallocate, "
        "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
    )


def test_node_affinity_of_the_troubleshoot_snapshot() -> None:
    # replicatedhq__troubleshoot__pods-pending-node-affinity.json: required linux, not arm64
    arm = node("arm", labels={"kubernetes.io/os": "linux", "kubernetes.io/arch": "arm64"})
    snapshot, condition = imported_with(
        "replicatedhq__troubleshoot__pods-pending-node-affinity.json", [arm], "1.31"
    )
    assert (
        only(scheduling(snapshot)).message
        == condition
        == (
            "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: "
            "0/1 nodes are available: 1 Preemption is not helpful for scheduling."
        )
    )


def test_an_eks_gpu_and_efa_event_seen_in_the_wild() -> None:
    # a public EKS walkthrough (LeaderWorkerSet): one node of another group, two short of GPUs/EFA
    want = {"nvidia.com/gpu": 8, "vpc.amazonaws.com/efa": 4}
    gpu = {"nvidia.com/gpu": 8, "vpc.amazonaws.com/efa": 4}
    nodes = [
        node("a", labels={"group": "system"}),
        node("b", labels={"group": "gpu"}, extended=gpu),
        node("c", labels={"group": "gpu"}, extended=gpu),
    ]
    pods = [P("lws-0", spec(100, requests=want), node="b"), P("lws-0-1", spec(100, requests=want), node="c"),
            P("lws-1", spec(100, requests=want, node_selector={"group": "gpu"}))]  # fmt: skip
    result = only(scheduling(cluster(nodes, pods, version="1.31")))
    assert result.message == (
        "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient "
        "nvidia.com/gpu, 2 Insufficient vpc.amazonaws.com/efa. preemption: 0/3 nodes are available: "
        "1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
    )


def test_preemption_policy_never() -> None:
    # default_preemption.go PodEligibleToPreemptOthers
    snapshot = cluster(
        [node("n1", 1000)],
        [
            P("low", spec(1000), node="n1"),
            P("p", spec(1000, priority=100, preemption_policy="Never")),
        ],
        version="1.33",
    )
    assert only(scheduling(snapshot)).message == (
        "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never."
    )


def daemon_pod(target: str, cpu: int = 500) -> P:
    pin = NodeAffinity(
        required=(
            NodeSelectorTerm(
                match_fields=(Requirement(key="metadata.name", operator="In", values=(target,)),)
            ),
        )
    )
    owner = WorkloadRef(kind="DaemonSet", namespace="default", name="ds")
    return P(f"ds-{target}", spec(cpu, node_affinity=pin), owner=owner)


@pytest.mark.parametrize(
    ("version", "message"),
    [
        # V2: 1.31 counts only the pinned node, 1.32+ counts the others as absent
        (
            "1.31",
            "0/3 nodes are available: 1 Insufficient cpu. preemption: 0/3 nodes are available: "
            "1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
        ),
        (
            "1.32",
            "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) "
            "[NodeAffinity]. preemption: 0/3 nodes are available: 1 No preemption victims found for "
            "incoming pod, 2 Preemption is not helpful for scheduling.",
        ),
    ],
)
def test_a_daemonset_pod_pinned_to_a_full_node(version: str, message: str) -> None:
    nodes = [node("n1", 1000), node("n2", 1000), node("n3", 1000)]
    pods = [P("big", spec(1000), node="n1"), daemon_pod("n1")]
    result = only(scheduling(cluster(nodes, pods, version=version)))
    assert result.message == message
    absent = () if version == "1.31" else (("n2", ("node(s) didn't satisfy plugin(s) [NodeAffinity]",)),
                                           ("n3", ("node(s) didn't satisfy plugin(s) [NodeAffinity]",)))  # fmt: skip
    assert result.reasons == (("n1", ("Insufficient cpu",)), *absent)


def test_a_daemonset_pod_whose_node_is_gone() -> None:
    # 1.32+: the pin names no node of the snapshot, so every node is absent
    result = only(
        scheduling(cluster([node("n1"), node("n2")], [daemon_pod("gone")], version="1.33"))
    )
    assert result.message == (
        "0/2 nodes are available: 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: "
        "0/2 nodes are available: 2 Preemption is not helpful for scheduling."
    )


@pytest.mark.parametrize(
    ("version", "suffix"),
    [
        (
            "1.33",
            "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
        ),
        # 1.34: DynamicResources' PostFilter finds no state of its own (its PreFilter never ran)
        ("1.34", "not found"),
    ],
)
def test_node_name_pins_that_conflict(version: str, suffix: str) -> None:
    # nodeaffinity/node_affinity_test.go TestNodeAffinity "Pod with two terms: both matchFields ... conflict"
    terms = tuple(
        NodeSelectorTerm(
            match_fields=(
                Requirement(key="metadata.name", operator="In", values=("n1",)),
                Requirement(key="metadata.name", operator="In", values=("n2",)),
            )
        )
        for _ in range(1)
    )
    pod = P("p", spec(node_affinity=NodeAffinity(required=terms)))
    result = only(scheduling(cluster([node("n1"), node("n2")], [pod], version=version)))
    assert result.message == f"0/2 nodes are available: pod affinity terms conflict. {suffix}"


def test_preemption_picks_victims_and_binds() -> None:
    # default_preemption_test.go TestDryRunPreemption "a pod that fits on both nodes when lower
    # priority pods are preempted": the node whose victims have the lower highest priority wins
    nodes = [node("n1", 1000), node("n2", 1000)]
    pods = [
        P("mid", spec(600, priority=50), node="n1"),
        P("low", spec(600, priority=10), node="n2"),
        P("p", spec(800, priority=100)),
    ]
    result = only(scheduling(cluster(nodes, pods, version="1.33")))
    assert (result.node, result.victims) == ("n2", (("default", "low"),))
    # the first attempt's event has no PostFilter part: preemption succeeded
    assert result.message == "0/2 nodes are available: 2 Insufficient cpu."


def test_preemption_reprieves_pods_it_does_not_need() -> None:
    # default_preemption.go SelectVictimsOnNode: the most important lower pods are put back first
    nodes = [node("n1", 1000)]
    pods = [
        P("a", spec(400, priority=5), node="n1", created="2024-01-01T00:00:00Z"),
        P("b", spec(400, priority=5), node="n1", created="2024-01-02T00:00:00Z"),
        P("p", spec(500, priority=100)),
    ]
    result = only(scheduling(cluster(nodes, pods)))
    assert (result.node, result.victims) == ("n1", (("default", "b"),))


def test_preemption_prefers_the_node_without_pdb_violations() -> None:
    # preemption.go pickOneNodeForPreemption: fewest PDB violations first
    web = WorkloadRef(kind="Deployment", namespace="default", name="web")
    labels = {"app": "web"}
    budget = DisruptionBudget(namespace="default", name="web", selector=LabelSelector(match_labels=labels),
                              min_available=2)  # fmt: skip
    workload = Workload(kind="Deployment", namespace="default", name="web", template=0, replicas=2,
                        selector=LabelSelector(match_labels=labels))  # fmt: skip
    nodes = [node("n1", 1000), node("n2", 1000)]
    pods = [
        P("web-1", spec(800, labels=labels), node="n1", owner=web),
        P("web-2", spec(800, labels=labels), node="n2", owner=web),
        P("p", spec(800, priority=100)),
    ]
    result = only(scheduling(cluster(nodes, pods, workloads=[workload], budgets=[budget])))
    assert (result.node, result.victims) == ("n1", (("default", "web-1"),))  # both violate: by name
    other = P("batch", spec(800, priority=1), node="n2")
    pods = [pods[0], other, pods[2]]
    result = only(scheduling(cluster(nodes, pods, workloads=[workload], budgets=[budget])))
    assert (result.node, result.victims) == ("n2", (("default", "batch"),))


def test_preemption_reports_what_still_fails_after_removing_every_victim() -> None:
    # SelectVictimsOnNode: "If the new pod does not fit after removing all the lower priority pods"
    nodes = [node("n1", 1000), node("n2", 1000)]
    pods = [
        P("low", spec(300, priority=1), node="n1"),
        P("high", spec(600, priority=500), node="n1"),
        P("high2", spec(900, priority=500), node="n2"),
        P("p", spec(800, priority=100)),
    ]
    result = only(scheduling(cluster(nodes, pods, version="1.33")))
    assert result.message == (
        "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: "
        "1 Insufficient cpu, 1 No preemption victims found for incoming pod."
    )


def test_the_queue_takes_higher_priority_first() -> None:
    # queuesort/priority_sort.go Less: priority, then timestamp
    pods = [
        P("early-low", spec(600), created="2024-01-01T00:00:00Z"),
        P("late-high", spec(600, priority=10), created="2024-01-03T00:00:00Z"),
        P("mid-low", spec(600), created="2024-01-02T00:00:00Z"),
    ]
    results = scheduling(cluster([node("n1", 1000)], pods, version="1.33"))
    assert [(r.name, r.node) for r in results] == [
        ("late-high", "n1"),
        ("early-low", None),
        ("mid-low", None),
    ]
    assert results[1].message == (
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
        "1 No preemption victims found for incoming pod."
    )


def test_anti_affinity_event_seen_in_the_wild() -> None:
    # a public lab's ReplicaSet with required hostname anti-affinity on 2 workers + a tainted
    # control plane (1.31–1.33 names the taint)
    labels = {"app": "spread-req"}
    anti = PodAffinity(
        required=(
            PodAffinityTerm(
                selector=LabelSelector(match_labels=labels), topology_key="kubernetes.io/hostname"
            ),
        )
    )
    control = Taint(key="node-role.kubernetes.io/control-plane", effect="NoSchedule")
    nodes = [node("lab-control-plane", taints=[control]), node("lab-worker"), node("lab-worker2")]
    rs = spec(labels=labels, pod_anti_affinity=anti)
    pods = [P("spread-req-1", rs), P("spread-req-2", rs), P("spread-req-3", rs)]
    results = scheduling(cluster(nodes, pods, version="1.33"))
    assert [r.node for r in results] == ["lab-worker", "lab-worker2", None]
    assert results[2].message == (
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        "2 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: "
        "1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod."
    )


def test_the_fast_and_the_reference_scheduler_agree_on_these_cases() -> None:
    # every case above runs the fast scheduler; the reference gives the same on a mixed one
    nodes = [
        node("a", 2000, zone="z1", taints=[UNREACHABLE]),
        node("b", 1000, zone="z2"),
        node("c", 3000, zone="z3"),
    ]
    pods = [
        P("x", spec(500, priority=5), node="c"),
        P("p1", spec(900)),
        P("p2", spec(900)),
        P("p3", spec(2500, priority=10)),
    ]
    snapshot = cluster(nodes, pods, version="1.33")
    assert scheduling(snapshot) == scheduling(snapshot, fast=False)

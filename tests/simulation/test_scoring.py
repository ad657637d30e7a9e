"""The default score plugins, with cases of kube-scheduler's scoring unit tests."""

from __future__ import annotations

import pytest
from kube_cluster import P, cluster, node

from service.kube.model import (
    Node,
    NodeAffinity,
    NodeSelectorTerm,
    PodSpec,
    PreferredSchedulingTerm,
    Requirement,
    Taint,
    Toleration,
)
from service.simulation.node_info import incoming
from service.simulation.scoring import (
    balanced_allocation,
    balanced_skipped,
    default_normalize,
    intolerable_prefer_no_schedule,
    least_allocated,
    preferred_node_affinity,
)
from service.simulation.state import ClusterState


def pod(cpu: int, memory: int, nonzero: tuple[int, int] | None = None) -> PodSpec:
    """A pod of one container requesting ``cpu``/``memory`` (``nonzero``: what scoring counts)."""
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
    cpu_nz, mem_nz = nonzero if nonzero is not None else (cpu, memory)
    return PodSpec(requests=requests, nonzero_cpu=cpu_nz, nonzero_memory=mem_nz)


def plugin_scores(
    score, nodes: list[Node], existing: list[tuple[str, PodSpec]], wanted: PodSpec
) -> list[int]:  # type: ignore[no-untyped-def]
    pods = [P(f"e{i}", s, node=n) for i, (n, s) in enumerate(existing)]
    state = ClusterState(cluster(nodes, [*pods, P("p", wanted)]))
    p = incoming(state, state.pod_name.index("p"))
    return [score(state, p, i) for i in range(len(nodes))]


def sized(cpu: int, memory: int, name: str) -> Node:
    return node(name, cpu, memory)


@pytest.mark.parametrize(
    ("nodes", "existing", "wanted", "expected"),
    [
        # noderesources/least_allocated_test.go TestLeastAllocatedScoringStrategy
        # "nothing scheduled, nothing requested" (a pod without containers requests nothing)
        ([sized(4000, 10000, "node1"), sized(4000, 10000, "node2")], [], pod(0, 0, (0, 0)), [100, 100]),
        # "nothing scheduled, resources requested, differently sized nodes"
        ([sized(4000, 10000, "node1"), sized(6000, 10000, "node2")], [], pod(3000, 5000), [37, 50]),
        # "no resources requested, pods scheduled with resources"
        ([sized(10000, 20000, "node1"), sized(10000, 20000, "node2")],
         [("node1", pod(3000, 0)), ("node1", pod(3000, 0)), ("node2", pod(3000, 0)), ("node2", pod(3000, 5000))],
         pod(0, 0, (0, 0)), [70, 57]),
        # "resources requested, pods scheduled with resources"
        ([sized(10000, 20000, "node1"), sized(10000, 20000, "node2")],
         [("node1", pod(3000, 0)), ("node2", pod(3000, 5000))], pod(3000, 5000), [57, 45]),
        # "resources requested, pods scheduled with resources, differently sized nodes"
        ([sized(10000, 20000, "node1"), sized(10000, 50000, "node2")],
         [("node1", pod(3000, 0)), ("node2", pod(3000, 5000))], pod(3000, 5000), [57, 60]),
        # "requested resources exceed node capacity"
        ([sized(4000, 10000, "node1"), sized(4000, 10000, "node2")],
         [("node1", pod(3000, 0)), ("node2", pod(3000, 5000))], pod(3000, 0), [50, 25]),
        # "zero node resources, pods scheduled with resources"
        ([sized(0, 0, "node1"), sized(0, 0, "node2")],
         [("node1", pod(3000, 0)), ("node2", pod(3000, 5000))], pod(0, 0, (0, 0)), [0, 0]),
    ],
)  # fmt: skip
def test_least_allocated(
    nodes: list[Node], existing: list[tuple[str, PodSpec]], wanted: PodSpec, expected: list[int]
) -> None:
    assert plugin_scores(least_allocated, nodes, existing, wanted) == expected


@pytest.mark.parametrize(
    ("nodes", "existing", "wanted", "expected"),
    [
        # noderesources/balanced_allocation_test.go TestNodeResourcesBalancedAllocation
        # "nothing scheduled, resources requested, differently sized nodes"
        ([sized(4000, 10000, "node1"), sized(6000, 10000, "node2")], [], pod(3000, 5000), [87, 100]),
        # "resources requested, pods scheduled with resources"
        ([sized(10000, 20000, "node1"), sized(10000, 20000, "node2")],
         [("node1", pod(3000, 0)), ("node2", pod(3000, 5000))], pod(3000, 5000), [82, 95]),
        # balanced_allocation.go balancedResourceScorer: a fraction over 1 counts as 1
        ([sized(4000, 10000, "node1")], [("node1", pod(3000, 0))], pod(3000, 0), [50]),
    ],
)  # fmt: skip
def test_balanced_allocation(
    nodes: list[Node], existing: list[tuple[str, PodSpec]], wanted: PodSpec, expected: list[int]
) -> None:
    assert plugin_scores(balanced_allocation, nodes, existing, wanted) == expected


@pytest.mark.parametrize(("version", "skipped"), [("1.32", False), ("1.33", True), ("1.34", True)])
def test_balanced_allocation_skips_best_effort_pods_from_1_33(version: str, skipped: bool) -> None:
    # balanced_allocation.go PreScore isBestEffortPod (issue #129138), V5
    state = ClusterState(
        cluster([node("n1")], [P("p", pod(0, 0, (100, 200 << 20)))], version=version)
    )
    assert balanced_skipped(state, incoming(state, 0)) is skipped


def prefer(key: str, value: str, effect: str = "PreferNoSchedule") -> Taint:
    return Taint(key=key, value=value, effect=effect)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("tolerations", "taints", "expected"),
    [
        # tainttoleration/taint_toleration_test.go TestTaintTolerationScore
        # "node with taints tolerated by the pod, gets a higher score than those node with intolerable taints"
        ((Toleration(key="foo", operator="Equal", value="bar", effect="PreferNoSchedule"),),
         [[prefer("foo", "bar")], [prefer("foo", "blah")]], [100, 0]),
        # "the nodes that all of their taints are tolerated by the pod, get the same score, no matter how many tolerable taints a node has"
        ((Toleration(key="cpu-type", operator="Equal", value="arm64", effect="PreferNoSchedule"),
          Toleration(key="disk-type", operator="Equal", value="ssd", effect="PreferNoSchedule")),
         [[], [prefer("cpu-type", "arm64")], [prefer("cpu-type", "arm64"), prefer("disk-type", "ssd")]], [100, 100, 100]),
        # "the more intolerable taints a node has, the lower score it gets."
        ((Toleration(key="foo", operator="Equal", value="bar", effect="PreferNoSchedule"),),
         [[], [prefer("cpu-type", "arm64")], [prefer("cpu-type", "arm64"), prefer("disk-type", "ssd")]], [100, 50, 0]),
        # "only taints and tolerations that have effect PreferNoSchedule are checked by taints-tolerations priority function"
        ((Toleration(key="cpu-type", operator="Equal", value="arm64", effect="NoSchedule"),
          Toleration(key="disk-type", operator="Equal", value="ssd", effect="NoSchedule")),
         [[], [prefer("cpu-type", "arm64", "NoSchedule")], [prefer("cpu-type", "arm64"), prefer("disk-type", "ssd")]], [100, 100, 0]),
        # "Default behaviour No taints and tolerations, lands on node with no taints"
        ((), [[], [prefer("cpu-type", "arm64")]], [100, 0]),
    ],
)  # fmt: skip
def test_taint_toleration_score(
    tolerations: tuple[Toleration, ...], taints: list[list[Taint]], expected: list[int]
) -> None:
    spec = PodSpec(tolerations=tolerations)
    raw = {i: intolerable_prefer_no_schedule(spec, tuple(t)) for i, t in enumerate(taints)}
    assert list(default_normalize(raw, reverse=True).values()) == expected


def term(**labels: str) -> NodeSelectorTerm:
    return NodeSelectorTerm(
        match_expressions=tuple(
            Requirement(key=k, operator="In", values=(v,)) for k, v in labels.items()
        )
    )


def test_node_affinity_score() -> None:
    # nodeaffinity/node_affinity_test.go TestNodeAffinityPriority "all nodes matches the preferred
    # scheduling requirements of pod but with different priorities"
    affinity = NodeAffinity(
        preferred=(
            PreferredSchedulingTerm(weight=2, preference=term(foo="bar")),
            PreferredSchedulingTerm(weight=4, preference=term(key="value")),
            PreferredSchedulingTerm(weight=5, preference=term(foo="bar", key="value", az="az1")),
        )
    )
    spec = PodSpec(node_affinity=affinity)
    labels = {
        "node1": {"foo": "bar"},
        "node5": {"foo": "bar", "key": "value", "az": "az1"},
        "node2": {"key": "value"},
    }
    raw = {i: preferred_node_affinity(spec, n, ls) for i, (n, ls) in enumerate(labels.items())}
    assert list(default_normalize(raw, reverse=False).values()) == [18, 100, 36]
    # "all nodes are same priority as NodeAffinity is nil"
    assert preferred_node_affinity(PodSpec(), "node1", {"foo": "bar"}) == 0

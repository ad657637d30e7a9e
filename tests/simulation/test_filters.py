"""The node-local filters, with cases ported from kube-scheduler's plugin unit tests.

Each case names the upstream test (``pkg/scheduler/framework/plugins/...``). Expected
strings are those of 1.31–1.34 (the taint reason names the taint; later releases changed
it to ``node(s) had untolerated taint(s)``).
"""

from __future__ import annotations

import pytest
from kube_cluster import GI, P, cluster, node, spec

from service.kube.model import (
    ClusterSnapshot,
    HostPort,
    Node,
    NodeAffinity,
    NodeSelectorTerm,
    Requirement,
    Taint,
    Toleration,
)
from service.simulation.cycle import start_cycle
from service.simulation.fit_error import Code, Status
from service.simulation.state import ClusterState

UNRESOLVABLE, UNSCHEDULABLE = Code.UNRESOLVABLE, Code.UNSCHEDULABLE


def verdict(snapshot: ClusterSnapshot, pod: str = "p", on: str = "n1") -> Status | None:
    """The first failing filter for ``pod`` on node ``on`` (None: it passes)."""
    state = ClusterState(snapshot)
    cycle = start_cycle(state, state.pod_name.index(pod))
    assert cycle.rejection is None
    return cycle.filter(next(n for n in cycle.nodes if n.name == on))


def ports(*specs: str) -> tuple[HostPort, ...]:
    """``"UDP/127.0.0.1/8080"`` → HostPort, as upstream's ``newPod(host, hostPortInfos...)``."""
    out = []
    for s in specs:
        protocol, ip, port = s.split("/")
        out.append(HostPort(port=int(port), protocol=protocol, host_ip=ip))  # type: ignore[arg-type]
    return tuple(out)


NODE_PORTS = "node(s) didn't have free ports for the requested pod ports"


@pytest.mark.parametrize(
    ("want", "used", "expected"),
    [
        # nodeports/node_ports_test.go TestNodePorts "other port"
        (("UDP/127.0.0.1/8080",), ("UDP/127.0.0.1/9090",), None),
        # TestNodePorts "same udp port"
        (("UDP/127.0.0.1/8080",), ("UDP/127.0.0.1/8080",), NODE_PORTS),
        # TestNodePorts "same tcp port"
        (("TCP/127.0.0.1/8080",), ("TCP/127.0.0.1/8080",), NODE_PORTS),
        # TestNodePorts "different host ip"
        (("TCP/127.0.0.1/8080",), ("TCP/127.0.0.2/8080",), None),
        # TestNodePorts "different protocol"
        (("UDP/127.0.0.1/8080",), ("TCP/127.0.0.1/8080",), None),
        # TestNodePorts "second udp port conflict"
        (("UDP/127.0.0.1/8000", "UDP/127.0.0.1/8080"), ("UDP/127.0.0.1/8080",), NODE_PORTS),
        # TestNodePorts "first tcp port conflict"
        (
            ("TCP/127.0.0.1/8001", "UDP/127.0.0.1/8080"),
            ("TCP/127.0.0.1/8001", "UDP/127.0.0.1/8081"),
            NODE_PORTS,
        ),
        # TestNodePorts "first tcp port conflict due to 0.0.0.0 hostIP"
        (("TCP/0.0.0.0/8001",), ("TCP/127.0.0.1/8001",), NODE_PORTS),
        # TestNodePorts "TCP hostPort conflict due to 0.0.0.0 hostIP"
        (("TCP/10.0.10.10/8001", "TCP/0.0.0.0/8001"), ("TCP/127.0.0.1/8001",), NODE_PORTS),
        # TestNodePorts "second tcp port conflict to 0.0.0.0 hostIP"
        (("TCP/127.0.0.1/8001",), ("TCP/0.0.0.0/8001",), NODE_PORTS),
        # TestNodePorts "second different protocol"
        (("UDP/127.0.0.1/8001",), ("TCP/0.0.0.0/8001",), None),
        # TestNodePorts "UDP hostPort conflict due to 0.0.0.0 hostIP"
        (("UDP/127.0.0.1/8001",), ("TCP/0.0.0.0/8001", "UDP/0.0.0.0/8001"), NODE_PORTS),
        # TestFits "multiple ports, some conflicting"
        (
            ("TCP/127.0.0.1/80", "TCP/127.0.1.1/80", "TCP/127.0.1.1/90", "TCP/127.0.1.1/100"),
            ("TCP/127.0.0.1/9090", "TCP/127.0.1.1/90", "TCP/127.0.1.1/8080"),
            NODE_PORTS,
        ),
    ],
)
def test_node_ports(want: tuple[str, ...], used: tuple[str, ...], expected: str | None) -> None:
    snapshot = cluster(
        [node("n1")],
        [P("m1", spec(host_ports=ports(*used)), node="n1"), P("p", spec(host_ports=ports(*want)))],
    )
    status = verdict(snapshot)
    assert status == (None if expected is None else Status(UNSCHEDULABLE, (expected,)))


def tainted(*taints: Taint) -> Node:
    return node("n1", taints=taints)


@pytest.mark.parametrize(
    ("tolerations", "taints", "expected"),
    [
        # tainttoleration/taint_toleration_test.go TestTaintTolerationFilter
        # "A pod having no tolerations can't be scheduled onto a node with nonempty taints"
        ((), (Taint(key="dedicated", value="user1", effect="NoSchedule"),), "{dedicated: user1}"),
        # "A pod which can be scheduled on a dedicated node assigned to user1 with effect NoSchedule"
        (
            (Toleration(key="dedicated", value="user1", effect="NoSchedule"),),
            (Taint(key="dedicated", value="user1", effect="NoSchedule"),),
            None,
        ),
        # "A pod which can't be scheduled on a dedicated node assigned to user2 with effect NoSchedule"
        (
            (Toleration(key="dedicated", operator="Equal", value="user2", effect="NoSchedule"),),
            (Taint(key="dedicated", value="user1", effect="NoSchedule"),),
            "{dedicated: user1}",
        ),
        # "A pod can be scheduled onto the node, with a toleration uses operator Exists ..."
        (
            (Toleration(key="foo", operator="Exists", effect="NoSchedule"),),
            (Taint(key="foo", value="bar", effect="NoSchedule"),),
            None,
        ),
        # "A pod has multiple tolerations, node has multiple taints, all the taints are tolerated"
        (
            (
                Toleration(key="dedicated", operator="Equal", value="user2", effect="NoSchedule"),
                Toleration(key="foo", operator="Exists", effect="NoSchedule"),
            ),
            (
                Taint(key="dedicated", value="user2", effect="NoSchedule"),
                Taint(key="foo", value="bar", effect="NoSchedule"),
            ),
            None,
        ),
        # "... keys and values match the taint on the node, but (non-empty) effect doesn't match"
        (
            (Toleration(key="foo", operator="Equal", value="bar", effect="PreferNoSchedule"),),
            (Taint(key="foo", value="bar", effect="NoSchedule"),),
            "{foo: bar}",
        ),
        # "... the effect of toleration is empty, and the effect of taint is NoSchedule"
        (
            (Toleration(key="foo", operator="Equal", value="bar"),),
            (Taint(key="foo", value="bar", effect="NoSchedule"),),
            None,
        ),
        # "... but the effect of taint on node is PreferNoSchedule. Pod can be scheduled"
        (
            (Toleration(key="dedicated", operator="Equal", value="user2", effect="NoSchedule"),),
            (Taint(key="dedicated", value="user1", effect="PreferNoSchedule"),),
            None,
        ),
        # "The pod has no toleration, but the effect of taint on node is PreferNoSchedule"
        ((), (Taint(key="dedicated", value="user1", effect="PreferNoSchedule"),), None),
        # semantics §2: the reported taint is the first untolerated one in spec order
        (
            (Toleration(key="b", operator="Exists"),),
            (
                Taint(key="a", effect="PreferNoSchedule"),
                Taint(key="b", effect="NoSchedule"),
                Taint(key="node.kubernetes.io/unreachable", effect="NoExecute"),
                Taint(key="c", effect="NoSchedule"),
            ),
            "{node.kubernetes.io/unreachable: }",
        ),
    ],
)
def test_taint_toleration(
    tolerations: tuple[Toleration, ...], taints: tuple[Taint, ...], expected: str | None
) -> None:
    status = verdict(cluster([tainted(*taints)], [P("p", spec(tolerations=tolerations))]))
    if expected is None:
        assert status is None
    else:
        assert status == Status(UNRESOLVABLE, (f"node(s) had untolerated taint {expected}",))


@pytest.mark.parametrize(
    ("unschedulable", "tolerations", "expected"),
    [
        # nodeunschedulable/node_unschedulable_test.go TestNodeUnschedulable
        # "Does not schedule pod to unschedulable node (node.Spec.Unschedulable==true)"
        (True, (), Status(UNRESOLVABLE, ("node(s) were unschedulable",))),
        # "Schedule pod to normal node"
        (False, (), None),
        # "Schedule pod with toleration to unschedulable node (node.Spec.Unschedulable==true)"
        (True, (Toleration(key="node.kubernetes.io/unschedulable", effect="NoSchedule"),), None),
    ],
)
def test_node_unschedulable(
    unschedulable: bool, tolerations: tuple[Toleration, ...], expected: Status | None
) -> None:
    snapshot = cluster(
        [node("n1", unschedulable=unschedulable)], [P("p", spec(tolerations=tolerations))]
    )
    assert verdict(snapshot) == expected


def test_a_cordoned_node_reports_unschedulable_before_its_taint() -> None:
    # semantics §2: NodeUnschedulable runs before TaintToleration
    cordoned = node(
        "n1",
        unschedulable=True,
        taints=[Taint(key="node.kubernetes.io/unschedulable", effect="NoSchedule")],
    )
    assert verdict(cluster([cordoned], [P("p", spec())])) == Status(
        UNRESOLVABLE, ("node(s) were unschedulable",)
    )


def required(*terms: NodeSelectorTerm) -> NodeAffinity:
    return NodeAffinity(required=terms)


def expr(key: str, operator: str, *values: str) -> Requirement:
    return Requirement(key=key, operator=operator, values=values)  # type: ignore[arg-type]


AFFINITY = Status(UNRESOLVABLE, ("node(s) didn't match Pod's node affinity/selector",))


@pytest.mark.parametrize(
    ("selector", "affinity", "labels", "expected"),
    [
        # nodeaffinity/node_affinity_test.go TestNodeAffinity "missing labels"
        ({"foo": "bar"}, None, {}, AFFINITY),
        # "same labels"
        ({"foo": "bar"}, None, {"foo": "bar"}, None),
        # "node labels are superset"
        ({"foo": "bar"}, None, {"foo": "bar", "baz": "blah"}, None),
        # "node labels are subset"
        ({"foo": "bar", "baz": "blah"}, None, {"foo": "bar"}, AFFINITY),
        # "Pod with matchExpressions using In operator that matches the existing node"
        ({}, required(NodeSelectorTerm(match_expressions=(expr("foo", "In", "bar", "value2"),))), {"foo": "bar"}, None),
        # "Pod with matchExpressions using Gt operator that matches the existing node"
        ({}, required(NodeSelectorTerm(match_expressions=(expr("kernel-version", "Gt", "0204"),))), {"kernel-version": "0206"}, None),
        # "Pod with matchExpressions using NotIn operator that matches the existing node"
        ({}, required(NodeSelectorTerm(match_expressions=(expr("mem-type", "NotIn", "DDR", "DDR2"),))), {"mem-type": "DDR3"}, None),
        # "Pod with matchExpressions using Exists operator that matches the existing node"
        ({}, required(NodeSelectorTerm(match_expressions=(expr("GPU", "Exists"),))), {"GPU": "NVIDIA-GRID-K1"}, None),
        # "Pod with affinity that don't match node's labels won't schedule onto the node"
        ({}, required(NodeSelectorTerm(match_expressions=(expr("foo", "In", "value1", "value2"),))), {"foo": "bar"}, AFFINITY),
        # "Pod with empty MatchExpressions is not a valid value will match no objects and won't schedule onto the node"
        ({}, required(NodeSelectorTerm()), {"foo": "bar"}, AFFINITY),
        # "Pod with multiple matchExpressions ANDed that doesn't match the existing node"
        ({}, required(NodeSelectorTerm(match_expressions=(expr("GPU", "Exists"), expr("GPU", "NotIn", "AMD", "INTER")))), {"GPU": "AMD"}, AFFINITY),
        # "Pod with multiple NodeSelectorTerms ORed in affinity, matches the node's labels and will schedule onto the node"
        (
            {},
            required(
                NodeSelectorTerm(match_expressions=(expr("foo", "In", "bar", "value2"),)),
                NodeSelectorTerm(match_expressions=(expr("diffkey", "In", "wrong", "value2"),)),
            ),
            {"foo": "bar"},
            None,
        ),
        # "Pod with an Affinity and a PodSpec.NodeSelector(the old thing that we are deprecating) both are satisfied"
        ({"foo": "bar"}, required(NodeSelectorTerm(match_expressions=(expr("foo", "Exists"),))), {"foo": "bar"}, None),
        # "Pod with an Affinity matches node's labels but the PodSpec.NodeSelector(the old thing that we are deprecating) is not satisfied"
        ({"foo": "bar"}, required(NodeSelectorTerm(match_expressions=(expr("foo", "Exists"),))), {"foo": "barrrrrr"}, AFFINITY),
        # "Pod with matchFields using In operator that matches the existing node"
        ({}, required(NodeSelectorTerm(match_fields=(expr("metadata.name", "In", "n1"),))), {}, None),
        # "Pod with two terms: both matchFields and matchExpressions do not match"
        (
            {},
            required(
                NodeSelectorTerm(match_fields=(expr("metadata.name", "In", "n1"),), match_expressions=(expr("foo", "In", "bar"),)),
            ),
            {"foo": "baz"},
            AFFINITY,
        ),
    ],
)  # fmt: skip
def test_node_affinity(
    selector: dict[str, str],
    affinity: NodeAffinity | None,
    labels: dict[str, str],
    expected: Status | None,
) -> None:
    snapshot = cluster(
        [node("n1", labels=labels)], [P("p", spec(node_selector=selector, node_affinity=affinity))]
    )
    assert verdict(snapshot) == expected


FIT_NODE = node("n1", cpu=10, memory=20, pods=32, extended={"example.com/aaa": 5})


@pytest.mark.parametrize(
    ("version", "used", "want", "expected"),
    [
        # noderesources/fit_test.go TestEnoughRequests "no resources requested always fits"
        ("1.34", {"cpu": 10, "memory": 20}, {}, None),
        # "too many resources fails" (both reasons, cpu first)
        ("1.34", {"cpu": 10, "memory": 20}, {"cpu": 1, "memory": 1},
         Status(UNSCHEDULABLE, ("Insufficient cpu", "Insufficient memory"))),
        # "too many resources fails due to init container cpu" (request = max(1, init 3) = 3)
        ("1.34", {"cpu": 8, "memory": 19}, {"cpu": 3, "memory": 1}, Status(UNSCHEDULABLE, ("Insufficient cpu",))),
        # "one resource cpu fits"
        ("1.34", {"cpu": 5, "memory": 19}, {"cpu": 1, "memory": 2}, Status(UNSCHEDULABLE, ("Insufficient memory",))),
        # "equal edge case"
        ("1.34", {"cpu": 5, "memory": 19}, {"cpu": 5, "memory": 1}, None),
        # "extended resource capacity enforced": 10 > allocatable 5 — unresolvable from 1.34 (V3)
        ("1.34", {}, {"cpu": 1, "memory": 1, "example.com/aaa": 10},
         Status(UNRESOLVABLE, ("Insufficient example.com/aaa",))),
        ("1.33", {}, {"cpu": 1, "memory": 1, "example.com/aaa": 10},
         Status(UNSCHEDULABLE, ("Insufficient example.com/aaa",))),
        # "extended resource allocatable enforced"
        ("1.34", {"example.com/aaa": 5}, {"cpu": 1, "memory": 1, "example.com/aaa": 1},
         Status(UNSCHEDULABLE, ("Insufficient example.com/aaa",))),
        # "extended resource allocatable enforced for unknown resource"
        ("1.33", {}, {"cpu": 1, "memory": 1, "example.com/bbb": 1},
         Status(UNSCHEDULABLE, ("Insufficient example.com/bbb",))),
        # "kubernetes.io resource capacity enforced"
        ("1.34", {}, {"cpu": 1, "memory": 1, "kubernetes.io/something": 10},
         Status(UNRESOLVABLE, ("Insufficient kubernetes.io/something",))),
    ],
)  # fmt: skip
def test_resources_fit(
    version: str, used: dict[str, int], want: dict[str, int], expected: Status | None
) -> None:
    snapshot = cluster(
        [FIT_NODE],
        [P("used", spec(requests=used), node="n1"), P("p", spec(requests=want))],
        version=version,
    )
    assert verdict(snapshot) == expected


def test_too_many_pods_comes_first_and_counts_zero_request_pods() -> None:
    # fit_test.go TestNotEnoughRequests "even without specified resources, predicate fails when there's no space for additional pod"
    full = node("n1", cpu=10, memory=20, pods=1)
    snapshot = cluster([full], [P("used", spec(), node="n1"), P("p", spec(cpu=20))])
    assert verdict(snapshot) == Status(UNRESOLVABLE, ("Too many pods", "Insufficient cpu"))
    snapshot = cluster([full], [P("used", spec(), node="n1"), P("p", spec())])
    assert verdict(snapshot) == Status(UNSCHEDULABLE, ("Too many pods",))


def test_the_first_failing_filter_hides_the_others() -> None:
    # semantics §1: a tainted node that also lacks CPU is counted only under its taint
    snapshot = cluster(
        [node("n1", cpu=1000, taints=[Taint(key="k", value="v", effect="NoExecute")])],
        [P("p", spec(cpu=2000, node_selector={"x": "y"}))],
    )
    assert verdict(snapshot) == Status(UNRESOLVABLE, ("node(s) had untolerated taint {k: v}",))
    # more memory than the node has at all: unresolvable from 1.34 only (V3)
    for version, code in (("1.33", UNSCHEDULABLE), ("1.34", UNRESOLVABLE)):
        snapshot = cluster([node("n1", memory=GI)], [P("p", spec(memory=2 * GI))], version=version)
        assert verdict(snapshot) == Status(code, ("Insufficient memory",))

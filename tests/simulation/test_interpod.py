"""InterPodAffinity's filter, with cases of ``plugins/interpodaffinity/filtering_test.go
TestRequiredAffinitySingleNode`` (one node ``node1`` labelled region r1, zone z11), and its score."""

from __future__ import annotations

import pytest
from kube_cluster import P, cluster, node, spec

from service.kube.model import (
    LabelSelector,
    PodAffinity,
    PodAffinityTerm,
    PodSpec,
    Requirement,
    WeightedPodAffinityTerm,
)
from service.simulation.cycle import start_cycle
from service.simulation.fit_error import Code, Status
from service.simulation.interpod import affinity_prescore, affinity_score, normalize
from service.simulation.node_info import incoming, node_info
from service.simulation.state import ClusterState

SECURITYSCAN = {"service": "securityscan"}
S1 = {"security": "S1"}
NODE1 = node("node1", labels={"region": "r1", "zone": "z11"})


def term(key: str, operator: str, topology: str, *values: str) -> PodAffinityTerm:
    req = Requirement(key=key, operator=operator, values=values)  # type: ignore[arg-type]
    return PodAffinityTerm(selector=LabelSelector(match_expressions=(req,)), topology_key=topology)


def affinity(*terms: PodAffinityTerm) -> PodAffinity:
    return PodAffinity(required=terms)


def verdict(to_place: P, pods: list[P]) -> Status | None:
    state = ClusterState(cluster([NODE1], [*pods, to_place]))
    cycle = start_cycle(state, state.pod_name.index(to_place.name))
    return None if cycle.affinity is None else cycle.affinity.filter(cycle.nodes[0])


POD1 = P("pod1", spec(labels=SECURITYSCAN), node="node1", namespace="ns1")
AFFINITY = Status(Code.UNRESOLVABLE, ("node(s) didn't match pod affinity rules",))
ANTI = Status(Code.UNSCHEDULABLE, ("node(s) didn't match pod anti-affinity rules",))
EXISTING = Status(Code.UNSCHEDULABLE, ("node(s) didn't satisfy existing pods anti-affinity rules",))


def placing(namespace: str, labels: dict[str, str], **fields: object) -> P:
    return P("podToPlace", spec(labels=labels, **fields), namespace=namespace)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("to_place", "pods", "expected"),
    [
        # "A pod that has no required pod affinity scheduling rules can schedule onto a node with no existing pods"
        (placing("default", {}), [], None),
        # "satisfies the pod with requiredDuringSchedulingIgnoredDuringExecution in PodAffinity using In operator that matches the existing pod"
        (placing("ns1", S1, pod_affinity=affinity(term("service", "In", "region", "securityscan", "value2"))), [POD1], None),
        # "... using not in operator in labelSelector that matches the existing pod"
        (placing("ns1", S1, pod_affinity=affinity(term("service", "NotIn", "region", "securityscan3", "value3"))), [POD1], None),
        # "Does not satisfy the PodAffinity with labelSelector because of diff Namespace"
        (placing("default", S1, pod_affinity=PodAffinity(required=(PodAffinityTerm(
            selector=LabelSelector(match_expressions=(Requirement(key="service", operator="In", values=("securityscan", "value2")),)),
            topology_key="", namespaces=("DiffNameSpace",)),))),
         [P("pod1", spec(labels=SECURITYSCAN), node="node1", namespace="ns")], AFFINITY),
        # "Doesn't satisfy the PodAffinity because of unmatching labelSelector with the existing pod"
        (placing("default", SECURITYSCAN, pod_affinity=affinity(term("service", "In", "", "antivirusscan", "value2"))), [POD1], AFFINITY),
        # "satisfies the PodAffinity and PodAntiAffinity with the existing pod"
        (placing("ns1", S1, pod_affinity=affinity(term("service", "In", "region", "securityscan", "value2")),
                 pod_anti_affinity=affinity(term("service", "In", "node", "antivirusscan", "value2"))), [POD1], None),
        # "satisfies the PodAffinity but doesn't satisfy the PodAntiAffinity with the existing pod"
        (placing("ns1", S1, pod_affinity=affinity(term("service", "In", "region", "securityscan", "value2")),
                 pod_anti_affinity=affinity(term("service", "In", "zone", "securityscan", "value2"))), [POD1], ANTI),
        # "satisfies the PodAffinity and PodAntiAffinity but doesn't satisfy PodAntiAffinity symmetry with the existing pod"
        (placing("default", SECURITYSCAN, pod_affinity=affinity(term("service", "In", "region", "securityscan", "value2")),
                 pod_anti_affinity=affinity(term("service", "In", "node", "antivirusscan", "value2"))),
         [P("pod1", spec(labels=SECURITYSCAN, pod_anti_affinity=affinity(term("service", "In", "zone", "securityscan", "value2"))), node="node1")],
         EXISTING),
        # "pod matches its own Label in PodAffinity and that matches the existing pod Labels"
        # (the existing pod sits on a node of no snapshot here: only the first-pod rule is left)
        (placing("default", SECURITYSCAN, pod_affinity=affinity(term("service", "NotIn", "region", "securityscan", "value2"))), [], AFFINITY),
        # "verify that PodAntiAffinity from existing pod is respected when pod has no AntiAffinity constraints. doesn't satisfy ..."
        (placing("default", SECURITYSCAN),
         [P("pod1", spec(labels=SECURITYSCAN, pod_anti_affinity=affinity(term("service", "In", "zone", "securityscan", "value2"))), node="node1")],
         EXISTING),
        # "... satisfy PodAntiAffinity symmetry with the existing pod"
        (placing("default", SECURITYSCAN),
         [P("pod1", spec(labels=SECURITYSCAN, pod_anti_affinity=affinity(term("service", "NotIn", "zone", "securityscan", "value2"))), node="node1")],
         None),
        # "satisfies the PodAntiAffinity with existing pod but doesn't satisfy PodAntiAffinity symmetry with incoming pod"
        (placing("default", SECURITYSCAN, pod_anti_affinity=affinity(term("service", "Exists", "region"), term("security", "Exists", "region"))),
         [P("pod1", spec(labels=S1, pod_anti_affinity=affinity(term("security", "Exists", "zone"))), node="node1")],
         ANTI),
        # "PodAntiAffinity symmetry check a2: incoming pod and existing pod partially match each other on AffinityTerms"
        (placing("default", S1, pod_anti_affinity=affinity(term("security", "Exists", "zone"))),
         [P("pod1", spec(labels=SECURITYSCAN, pod_anti_affinity=affinity(term("service", "Exists", "zone"), term("security", "Exists", "zone"))), node="node1")],
         EXISTING),
    ],
)  # fmt: skip
def test_required_affinity_single_node(to_place: P, pods: list[P], expected: Status | None) -> None:
    assert verdict(to_place, pods) == expected


def test_the_first_pod_of_a_group_may_go_anywhere_with_the_key() -> None:
    # filtering.go satisfyPodAffinity: no pod matches anywhere and the pod matches its own terms
    own = placing(
        "default",
        SECURITYSCAN,
        pod_affinity=affinity(term("service", "In", "region", "securityscan")),
    )
    assert verdict(own, []) is None
    no_key = placing(
        "default",
        SECURITYSCAN,
        pod_affinity=affinity(term("service", "In", "rack", "securityscan")),
    )
    assert verdict(no_key, []) == AFFINITY


def preferred(weight: int, t: PodAffinityTerm) -> WeightedPodAffinityTerm:
    return WeightedPodAffinityTerm(weight=weight, term=t)


def scores(pod: PodSpec, pods: list[P], nodes: list[str]) -> dict[str, int]:
    snapshot = cluster(
        [
            node(n, labels={"region": r})
            for n, r in zip(nodes, ("China", "India", "China"), strict=False)
        ],
        [*pods, P("p", pod)],
    )
    state = ClusterState(snapshot)
    infos = [node_info(state, i) for i in range(len(nodes))]
    topology = affinity_prescore(state, incoming(state, state.pod_name.index("p")), infos)
    if topology is None:
        return dict.fromkeys(nodes, 0)
    raw = {n.index: affinity_score(topology, n) for n in infos}
    return {state.node_names[i]: s for i, s in normalize(raw).items()}


def test_preferred_affinity_scores() -> None:
    # scoring_test.go TestPreferredAffinity "Affinity: pod that matches topology key & pods in nodes
    # will get high score comparing to others which doesn't match either pods in nodes or in topology key"
    pod = spec(
        labels=S1,
        pod_affinity=PodAffinity(preferred=(preferred(5, term("security", "In", "region", "S1")),)),
    )
    existing = [P("e1", spec(labels=S1), node="node1")]
    assert scores(pod, existing, ["node1", "node2", "node3"]) == {
        "node1": 100,
        "node2": 0,
        "node3": 100,
    }
    # anti-affinity the other way round: the matching region scores lowest
    anti = spec(
        labels=S1,
        pod_anti_affinity=PodAffinity(
            preferred=(preferred(5, term("security", "In", "region", "S1")),)
        ),
    )
    assert scores(anti, existing, ["node1", "node2", "node3"]) == {
        "node1": 0,
        "node2": 100,
        "node3": 0,
    }
    # existing pods' required affinity counts with hardPodAffinityWeight 1
    hard = [
        P(
            "e1",
            spec(labels=S1, pod_affinity=affinity(term("security", "In", "region", "S1"))),
            node="node2",
        )
    ]
    assert scores(spec(labels=S1), hard, ["node1", "node2", "node3"]) == {
        "node1": 0,
        "node2": 100,
        "node3": 0,
    }

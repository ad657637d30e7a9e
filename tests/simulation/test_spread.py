"""PodTopologySpread, with cases from ``plugins/podtopologyspread/filtering_test.go`` and
``scoring_test.go`` (upstream's ``fooSelector`` is ``Exists("foo")``)."""

from __future__ import annotations

import pytest
from kube_cluster import P, cluster, node, spec

from service.kube.model import (
    ClusterSnapshot,
    LabelSelector,
    Node,
    NodeAffinity,
    NodeSelectorTerm,
    Requirement,
    TopologySpreadConstraint,
    Workload,
    WorkloadRef,
)
from service.simulation.cycle import start_cycle
from service.simulation.fit_error import Code
from service.simulation.node_info import incoming, node_info
from service.simulation.spread import normalize, spread_prescore
from service.simulation.state import ClusterState

FOO = LabelSelector(match_expressions=(Requirement(key="foo", operator="Exists"),))
BAR = LabelSelector(match_expressions=(Requirement(key="bar", operator="Exists"),))
OK = None
U, UU = Code.UNSCHEDULABLE, Code.UNRESOLVABLE


def hard(
    skew: int, key: str, selector: LabelSelector | None = FOO, **kw: object
) -> TopologySpreadConstraint:
    return TopologySpreadConstraint(max_skew=skew, topology_key=key, selector=selector, **kw)  # type: ignore[arg-type]


def soft(skew: int, key: str, selector: LabelSelector | None = FOO) -> TopologySpreadConstraint:
    return TopologySpreadConstraint(
        max_skew=skew, topology_key=key, selector=selector, when_unsatisfiable="ScheduleAnyway"
    )


def zoned(name: str, zone: str | None = None, **labels: str) -> Node:
    extra = {"node": name, **labels}
    if zone is not None:
        extra["zone"] = zone
    return node(name, labels=extra)


A_OR_Y = NodeAffinity(
    required=(
        NodeSelectorTerm(
            match_expressions=(Requirement(key="node", operator="In", values=("node-a", "node-y")),)
        ),
    )
)
FOUR = [
    zoned("node-a", "zone1"),
    zoned("node-b", "zone1"),
    zoned("node-x", "zone2"),
    zoned("node-y", "zone2"),
]


def existing(*placements: str, labels: dict[str, str] | None = None) -> list[P]:
    """``"node-a:2"`` → two pods labelled ``foo`` on node-a."""
    pods = []
    for placement in placements:
        where, count = placement.split(":")
        pods += [
            P(f"p-{where}-{i}", spec(labels=labels or {"foo": ""}), node=where)
            for i in range(int(count))
        ]
    return pods


def codes(snapshot: ClusterSnapshot) -> dict[str, Code | None]:
    state = ClusterState(snapshot)
    cycle = start_cycle(state, state.pod_name.index("p"))
    assert cycle.spread is not None
    result = {}
    for n in cycle.nodes:
        status = cycle.spread.filter(cycle.pod, n)
        result[n.name] = None if status is None else status.code
    return result


@pytest.mark.parametrize(
    ("pod", "nodes", "pods", "expected"),
    [
        # filtering_test.go TestSingleConstraint "no existing pods"
        (spec(labels={"foo": ""}, topology_spread=(hard(1, "zone"),)), FOUR, [],
         {"node-a": OK, "node-b": OK, "node-x": OK, "node-y": OK}),
        # "no existing pods, incoming pod doesn't match itself"
        (spec(labels={"foo": ""}, topology_spread=(hard(1, "zone", BAR),)), FOUR, [],
         {"node-a": OK, "node-b": OK, "node-x": OK, "node-y": OK}),
        # "pods spread across zones as 3/3, all nodes fit"
        (spec(labels={"foo": ""}, topology_spread=(hard(1, "zone"),)), FOUR,
         existing("node-a:2", "node-b:1", "node-y:3"),
         {"node-a": OK, "node-b": OK, "node-x": OK, "node-y": OK}),
        # "pods spread across zones as 1/2 due to absence of label 'zone' on node-b"
        (spec(labels={"foo": ""}, topology_spread=(hard(1, "zone"),)),
         [zoned("node-a", "zone1"), zoned("node-b", zon="zone1"), zoned("node-x", "zone2"), zoned("node-y", "zone2")],
         existing("node-a:1", "node-b:1", "node-x:1", "node-y:1"),
         {"node-a": OK, "node-b": UU, "node-x": U, "node-y": U}),
        # "pod cannot be scheduled as all nodes don't have label 'rack'"
        (spec(labels={"foo": ""}, topology_spread=(hard(1, "rack"),)), FOUR[::2], [],
         {"node-a": UU, "node-x": UU}),
        # "pods spread across nodes as 2/1/0/3, only node-x fits"
        (spec(labels={"foo": ""}, topology_spread=(hard(1, "node"),)), FOUR,
         existing("node-a:2", "node-b:1", "node-y:3"),
         {"node-a": U, "node-b": U, "node-x": OK, "node-y": U}),
        # "pods spread across nodes as 2/1/0/3, maxSkew is 2, node-b and node-x fit"
        (spec(labels={"foo": ""}, topology_spread=(hard(2, "node"),)), FOUR,
         existing("node-a:2", "node-b:1", "node-y:3"),
         {"node-a": U, "node-b": OK, "node-x": OK, "node-y": U}),
        # "pods spread across nodes as 2/1/0/3, but pod doesn't match itself"
        (spec(labels={"bar": ""}, topology_spread=(hard(1, "node"),)), FOUR,
         existing("node-a:2", "node-b:1", "node-y:3"),
         {"node-a": U, "node-b": OK, "node-x": OK, "node-y": U}),
        # "incoming pod has nodeAffinity, pods spread as 2/~1~/~0~/3, hence node-a fits"
        (spec(labels={"foo": ""}, topology_spread=(hard(1, "node"),), node_affinity=A_OR_Y), FOUR, existing("node-a:2", "node-b:1", "node-y:3"),
         {"node-a": OK, "node-b": OK, "node-x": OK, "node-y": U}),
        # "terminating Pods should be excluded"
        (spec(labels={"foo": ""}, topology_spread=(hard(1, "node"),)), [zoned("node-a"), zoned("node-b")],
         [P("p-a", spec(labels={"foo": ""}), node="node-a", deleting=True), P("p-b", spec(labels={"foo": ""}), node="node-b")],
         {"node-a": OK, "node-b": U}),
        # TestMultipleConstraints "two Constraints on zone and node, spreads = [3/3, 2/1/0/3]"
        (spec(labels={"foo": ""}, topology_spread=(hard(1, "zone"), hard(1, "node"))), FOUR,
         existing("node-a:2", "node-b:1", "node-y:3"),
         {"node-a": U, "node-b": U, "node-x": OK, "node-y": U}),
        # TestMinDomains-style: 2 domains < minDomains 3 → the global minimum is taken as 0
        (spec(labels={"foo": ""}, topology_spread=(hard(1, "zone", min_domains=3),)), FOUR,
         existing("node-a:1", "node-x:1"),
         {"node-a": U, "node-b": U, "node-x": U, "node-y": U}),
    ],
)  # fmt: skip
def test_filter(
    pod: object, nodes: list[Node], pods: list[P], expected: dict[str, Code | None]
) -> None:
    assert codes(cluster(nodes, [*pods, P("p", pod)])) == expected  # type: ignore[arg-type]


def hosts(*names: str, zones: dict[str, str] | None = None) -> list[Node]:
    return [node(n, zone=(zones or {}).get(n)) for n in names]


def scores(snapshot: ClusterSnapshot, feasible: list[str]) -> dict[str, int]:
    """PodTopologySpread's normalised score for ``p`` over the ``feasible`` nodes."""
    state = ClusterState(snapshot)
    pod = incoming(state, state.pod_name.index("p"))
    every = [node_info(state, i) for i in state.present_nodes()]
    chosen = [n for n in every if n.name in feasible]
    prescore = spread_prescore(state, pod, chosen, every)
    assert prescore is not None
    raw = {n.index: prescore.score(state, pod, n) for n in chosen}
    return {state.node_names[i]: s for i, s in normalize(prescore, raw).items()}


ABCD = ["node-a", "node-b", "node-c", "node-d"]


@pytest.mark.parametrize(
    ("pod", "nodes", "pods", "feasible", "expected"),
    [
        # scoring_test.go TestPodTopologySpreadScore "one constraint on node, no existing pods"
        (spec(labels={"foo": ""}, topology_spread=(soft(1, "kubernetes.io/hostname"),)),
         hosts("node-a", "node-b"), [], ["node-a", "node-b"], {"node-a": 100, "node-b": 100}),
        # "one constraint on node, only one node is candidate"
        (spec(labels={"foo": ""}, topology_spread=(soft(1, "kubernetes.io/hostname"),)),
         hosts("node-a", "node-b"), existing("node-a:2", "node-b:1"), ["node-a"], {"node-a": 100}),
        # "one constraint on node, all 4 nodes are candidates" (2/1/0/3)
        (spec(labels={"foo": ""}, topology_spread=(soft(1, "kubernetes.io/hostname"),)),
         hosts(*ABCD), existing("node-a:2", "node-b:1", "node-d:3"), ABCD,
         {"node-a": 20, "node-b": 60, "node-c": 100, "node-d": 0}),
        # "one constraint on node, null selector"
        (spec(labels={"foo": ""}, topology_spread=(soft(1, "kubernetes.io/hostname", None),)),
         hosts(*ABCD), existing("node-a:2", "node-b:1", "node-d:3"), ABCD,
         {"node-a": 100, "node-b": 100, "node-c": 100, "node-d": 100}),
        # "one constraint on node, all 4 nodes are candidates, maxSkew=2"
        (spec(labels={"foo": ""}, topology_spread=(soft(2, "kubernetes.io/hostname"),)),
         hosts(*ABCD), existing("node-a:2", "node-b:1", "node-d:3"), ABCD,
         {"node-a": 33, "node-b": 66, "node-c": 100, "node-d": 16}),
        # "one constraint on node, all 4 nodes are candidates, maxSkew=3" (4/3/2/1)
        (spec(labels={"foo": ""}, topology_spread=(soft(3, "kubernetes.io/hostname"),)),
         hosts(*ABCD), existing("node-a:4", "node-b:3", "node-c:2", "node-d:1"), ABCD,
         {"node-a": 44, "node-b": 66, "node-c": 77, "node-d": 100}),
        # "one constraint on node, 3 out of 4 nodes are candidates" (4/2/1/~3~)
        (spec(labels={"foo": ""}, topology_spread=(soft(1, "kubernetes.io/hostname"),)),
         hosts("node-a", "node-b", "node-x", "node-y"), existing("node-a:4", "node-b:2", "node-x:1", "node-y:3"),
         ["node-a", "node-b", "node-x"], {"node-a": 33, "node-b": 83, "node-x": 100}),
        # "one constraint on zone, 3 out of 4 nodes are candidates"
        (spec(labels={"foo": ""}, topology_spread=(soft(1, "topology.kubernetes.io/zone"),)),
         hosts("node-a", "node-b", "node-x", "node-y",
               zones={"node-a": "zone1", "node-b": "zone1", "node-x": "zone2", "node-y": "zone2"}),
         existing("node-a:4", "node-b:2", "node-x:1", "node-y:3"),
         ["node-a", "node-b", "node-x"], {"node-a": 75, "node-b": 75, "node-x": 100}),
    ],
)  # fmt: skip
def test_score(
    pod: object, nodes: list[Node], pods: list[P], feasible: list[str], expected: dict[str, int]
) -> None:
    assert scores(cluster(nodes, [*pods, P("p", pod)]), feasible) == expected  # type: ignore[arg-type]


def test_system_default_constraints_come_from_the_owning_workload() -> None:
    # TestPodTopologySpreadScore "system defaulting, nodes don't have zone, pods match service":
    # here a Deployment's selector stands for the Service (Services are not imported)
    web = WorkloadRef(kind="Deployment", namespace="default", name="web")
    workload = Workload(kind="Deployment", namespace="default", name="web", template=0, replicas=11,
                        selector=LabelSelector(match_labels={"foo": ""}))  # fmt: skip
    pods = [
        *(P(f"p-{n}-{i}", spec(labels={"foo": ""}), node=n, owner=web) for n, k in zip(ABCD, (4, 3, 2, 1), strict=True) for i in range(k)),
        P("p", spec(labels={"foo": ""}), owner=web),
    ]  # fmt: skip
    snapshot = cluster(hosts(*ABCD), pods, workloads=[workload])
    assert scores(snapshot, ABCD) == {"node-a": 44, "node-b": 66, "node-c": 77, "node-d": 100}
    # a bare pod has no owner to take a selector from: no default constraints (Skip)
    bare = cluster(hosts(*ABCD), [P("p", spec(labels={"foo": ""}))])
    state = ClusterState(bare)
    pod = incoming(state, 0)
    every = [node_info(state, i) for i in range(4)]
    assert spread_prescore(state, pod, every, every) is None

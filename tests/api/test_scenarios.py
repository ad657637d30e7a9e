"""``scenarios``: the named cluster scenarios a server offers, and what each holds."""

from __future__ import annotations

from typing import Any

from service.api.context import PlainContext
from service.api.schema import build_schema
from service.knowledge import KnowledgeGraph
from service.kube.model import ClusterSnapshot, Node, Pod, PodSpec, Workload, WorkloadRef

QUERY = """{ scenarios { name origin kubernetesVersion nodeCount readyNodeCount
  cordonedNodeCount zones podCount workloadCount workloadsByKind { kind count }
  disruptionBudgetCount } }"""


async def scenarios(kg: KnowledgeGraph, served: dict[str, ClusterSnapshot]) -> Any:
    result = await build_schema().execute(QUERY, context_value=PlainContext(kg, served))
    assert result.errors is None
    assert result.data is not None
    return result.data["scenarios"]


async def test_the_built_in_scenarios_are_listed_with_what_they_hold(kg: KnowledgeGraph) -> None:
    listed = await scenarios(kg, {})
    assert [(s["name"], s["origin"], s["nodeCount"], s["podCount"]) for s in listed] == [
        ("memory-bound-autoscaling", "built-in", 2, 5),
        ("three-nodes-full", "built-in", 3, 12),
        ("three-nodes-full-autoscaling", "built-in", 3, 12),
        # DaemonSet pods are counted once they exist: 6 web + 3 api + 1 cache + 3 db
        ("three-zones", "built-in", 6, 13),
    ]
    assert listed[1]["workloadsByKind"] == [{"kind": "Deployment", "count": 3}]
    assert listed[3]["zones"] == ["zone-a", "zone-b", "zone-c"]
    assert listed[3]["workloadsByKind"] == [
        {"kind": "DaemonSet", "count": 1},
        {"kind": "Deployment", "count": 3},
        {"kind": "StatefulSet", "count": 1},
    ]
    assert listed[3]["disruptionBudgetCount"] == 1


async def test_an_imported_scenario_counts_its_pods_and_wins_over_a_packs_name(
    kg: KnowledgeGraph,
) -> None:
    owner = WorkloadRef(kind="Deployment", namespace="shop", name="web")
    imported = ClusterSnapshot(
        name="three-nodes-full",
        version="1.31",
        nodes=(
            Node(name="a", labels={"topology.kubernetes.io/zone": "z1"}),
            Node(name="b", labels={"topology.kubernetes.io/zone": "z2"}, unschedulable=True,
                 ready="Unknown"),
        ),
        specs=(PodSpec(),),
        pods=(
            Pod(namespace="shop", name="web-1", spec=0, node="a", owner=owner),
            Pod(namespace="shop", name="web-2", spec=0, node="gone", owner=owner),  # dropped
            Pod(namespace="shop", name="job-1", spec=0, node="a", owner=owner, phase="Succeeded"),
        ),
        workloads=(Workload(kind="Deployment", namespace="shop", name="web", template=0, replicas=3),),
    )  # fmt: skip
    listed = await scenarios(kg, {"three-nodes-full": imported})
    assert listed[1] == {
        "name": "three-nodes-full",
        "origin": "imported",
        "kubernetesVersion": "1.31",
        "nodeCount": 2,
        "readyNodeCount": 1,
        "cordonedNodeCount": 1,
        "zones": ["z1", "z2"],
        "podCount": 3,  # web-1, and two more the ReplicaSet will create
        "workloadCount": 1,
        "workloadsByKind": [{"kind": "Deployment", "count": 1}],
        "disruptionBudgetCount": 0,
    }

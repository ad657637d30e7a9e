"""failureConsequences on real clusters: scenarioName, snapshot, the structured input's
constraints and the events only real clusters have — exact data through the schema."""

from __future__ import annotations

import json
from typing import Any

import pytest

from service.api.context import PlainContext
from service.api.schema import build_schema
from service.knowledge import KnowledgeGraph
from service.kube.model import ClusterSnapshot
from service.queries.scenarios import pack_scenario

QUERY = """
query($e: FailureEvent!, $t: String, $s: ClusterScenarioInput, $n: String, $snap: String,
      $a: AutoscalerInput) {
  failureConsequences(event: $e, target: $t, scenario: $s, scenarioName: $n, snapshot: $snap,
                      autoscaler: $a) {
    steps { order atSeconds actor description podCount pods effect { id } }
    outcome { available workloads { kind namespace name desired running pending terminating
      available } pods { namespace name workload node zone phase } }
  }
}"""

TWO_ZONES_WITH_PDB = {
    "nodes": [
        {"name": "a", "cpu": "4", "memory": "8Gi", "zone": "z1"},
        {"name": "b", "cpu": "4", "memory": "8Gi", "zone": "z2"},
    ],
    "deployments": [
        {"name": "web", "replicas": 2, "cpu": "1", "memory": "1Gi",
         "antiAffinity": "kubernetes.io/hostname"},
    ],
    "disruptionBudgets": [{"name": "web-pdb", "workload": "web", "minAvailable": "2"}],
}  # fmt: skip


async def run(
    kg: KnowledgeGraph, served: dict[str, ClusterSnapshot] | None = None, **variables: Any
) -> Any:
    result = await build_schema().execute(
        QUERY, variable_values=variables, context_value=PlainContext(kg, served or {})
    )
    if result.errors:
        return [e.message for e in result.errors]
    assert result.data is not None
    return result.data["failureConsequences"]


def steps(answer: Any) -> list[tuple[Any, ...]]:
    return [
        (s["order"], s["atSeconds"], s["actor"], s["effect"]["id"], s["podCount"], s["pods"])
        for s in answer["steps"]
    ]


async def test_a_drain_blocked_by_a_pdb_retries_and_never_completes(kg: KnowledgeGraph) -> None:
    answer = await run(kg, e="NODE_DRAIN", t="a", s=TWO_ZONES_WITH_PDB)
    assert steps(answer) == [
        (1, 0.0, "kubectl drain", "node-cordoned", 0, []),
        (2, 0.0, "kubectl drain", "pods-drained", 1, ["default/web-0"]),
        (3, 5.0, "kubectl drain", "pods-drained", 1, ["default/web-0"]),
        (4, 5.0, "Workload controllers", "replicas-restored", 0, []),
    ]
    assert answer["steps"][1]["description"] == (
        'error when evicting pods/"web-0" -n "default" (will retry after 5s): Cannot evict pod '
        "as it would violate the pod's disruption budget.; the API's cause: The disruption "
        "budget web-pdb needs 2 healthy pods and has 2 currently"
    )
    assert answer["outcome"]["workloads"] == [
        {"kind": "Deployment", "namespace": "default", "name": "web", "desired": 2,
         "running": 2, "pending": 0, "terminating": 0, "available": 2},
    ]  # fmt: skip


async def test_a_zone_down_leaves_a_statefulset_pod_terminating(kg: KnowledgeGraph) -> None:
    scenario = {
        "nodes": [
            {"name": "a1", "cpu": "4", "memory": "8Gi", "zone": "z1"},
            {"name": "b1", "cpu": "4", "memory": "8Gi", "zone": "z2"},
        ],
        "deployments": [],
        "statefulSets": [
            {"name": "db", "replicas": 2, "cpu": "1", "memory": "1Gi",
             "antiAffinity": "kubernetes.io/hostname"},
        ],
    }  # fmt: skip
    answer = await run(kg, e="ZONE_DOWN", t="z1", s=scenario)
    assert [s[:5] for s in steps(answer)] == [
        (1, 50.0, "Node lifecycle controller", "node-not-ready", 1),
        (2, 55.0, "Node lifecycle controller", "node-not-ready", 1),
        (3, 355.0, "Taint-eviction controller", "pods-evicted", 1),
        (4, 355.0, "StatefulSet controller", "pod-stuck-terminating", 1),
        (5, 355.0, "Workload controllers", "replicas-restored", 0),
    ]
    assert answer["outcome"]["pods"] == [
        {"namespace": "default", "name": "db-0", "workload": "StatefulSet/db", "node": "a1",
         "zone": "z1", "phase": "Terminating"},
        {"namespace": "default", "name": "db-1", "workload": "StatefulSet/db", "node": "b1",
         "zone": "z2", "phase": "Running"},
    ]  # fmt: skip


async def test_a_snapshot_sent_as_text_is_simulated(kg: KnowledgeGraph) -> None:
    node = {
        "kind": "Node",
        "metadata": {"name": "n1", "labels": {"kubernetes.io/hostname": "n1"}},
        "status": {"allocatable": {"cpu": "2", "memory": "4Gi", "pods": "110"},
                   "conditions": [{"type": "Ready", "status": "True"}]},
    }  # fmt: skip
    pod = {
        "kind": "Pod",
        "metadata": {"name": "big", "namespace": "shop"},
        "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "3"}}}]},
        "status": {"phase": "Pending"},
    }
    text = json.dumps({"kind": "List", "items": [node, pod]})
    answer = await run(kg, e="INSUFFICIENT_RESOURCES", snap=text)
    assert answer["outcome"]["pods"] == [
        {"namespace": "shop", "name": "big", "workload": "Pod/big", "node": None, "zone": None,
         "phase": "Pending"},
    ]  # fmt: skip


async def test_a_scenario_by_name_inline_or_imported_is_one_cluster_with_one_answer(
    kg: KnowledgeGraph,
) -> None:
    imported = pack_scenario(kg, "three-nodes-full")
    assert imported is not None
    inline = {k: v for k, v in kg.scenarios["three-nodes-full"].items() if k != "description"}
    by_name = await run(kg, e="NODE_DOWN", t="node-b", n="three-nodes-full")
    assert await run(kg, {"mine": imported}, e="NODE_DOWN", t="node-b", n="mine") == by_name
    assert await run(kg, e="NODE_DOWN", t="node-b", s=inline) == by_name
    # Kubernetes: the evicted pods stay Terminating on the unreachable node
    assert [
        (w["name"], w["running"], w["pending"], w["terminating"])
        for w in by_name["outcome"]["workloads"]
    ] == [("web", 4, 2, 2), ("api", 2, 1, 1), ("worker", 2, 1, 1)]


async def test_the_autoscaler_argument_overrides_a_scenarios_own(kg: KnowledgeGraph) -> None:
    own = await run(kg, e="NODE_DOWN", t="node-b", n="three-nodes-full-autoscaling")
    none = await run(
        kg, e="NODE_DOWN", t="node-b", n="three-nodes-full-autoscaling", a={"enabled": False}
    )
    capped = await run(kg, e="NODE_DOWN", t="node-b", n="three-nodes-full", a={"maxNodes": 4})
    assert [a["outcome"]["available"] for a in (own, none, capped)] == [True, True, True]
    assert [[p["node"] for p in a["outcome"]["pods"] if p["name"] == "web-6"] for a in
            (own, none, capped)] == [["default-autoscaled-1"], [None], ["default-autoscaled-1"]]  # fmt: skip


async def test_a_scenarios_own_autoscaler_of_another_size_grows_the_group_from_its_template(
    kg: KnowledgeGraph,
) -> None:
    small = [{"key": "node.kubernetes.io/instance-type", "value": "small"}]
    scenario = {
        "nodes": [{"name": "a", "cpu": "2", "memory": "4Gi", "labels": small},
                  {"name": "b", "cpu": "4", "memory": "8Gi", "labels": small}],
        "deployments": [{"name": "web", "replicas": 8, "cpu": "1", "memory": "1Gi"}],
        "autoscaler": {"maxNodes": 4, "nodeCpu": "2", "nodeMemory": "4Gi"},
    }  # fmt: skip
    answer = await run(kg, e="INSUFFICIENT_RESOURCES", s=scenario)
    assert [s["description"] for s in answer["steps"]][2:4] == [
        "cluster autoscaler adds 1 node to node group small (least-waste; 2 CPU, 4Gi "
        "allocatable each, from the group's template) for 2 Pending pods: small-autoscaled-1",
        "scheduler binds 2 pods: default/web-6 to small-autoscaled-1, default/web-7 to "
        "small-autoscaled-1",
    ]
    assert answer["outcome"]["available"] is True


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        # a scenario's own autoscaler makes one template: for one node group
        ({"e": "NODE_DOWN", "t": "a",
          "s": {"nodes": [{"name": "a", "cpu": "4", "memory": "8Gi", "nodeGroup": "small"},
                          {"name": "b", "cpu": "8", "memory": "8Gi", "nodeGroup": "large"}],
                "deployments": [],
                "autoscaler": {"maxNodes": 4, "nodeCpu": "4", "nodeMemory": "16Gi"}}},
         "scenario.autoscaler: the nodes form 2 node groups (large, small) and nodeCpu, "
         "nodeMemory make one template: give the autoscaler argument instead (maxNodes, groups "
         "[{name, maxSize}]), whose groups grow by copies of their nodes"),
        # one cluster at a time
        ({"e": "NODE_DOWN", "t": "a", "n": "three-nodes-full", "snap": "{}"},
         "snapshot: give at most one of scenario, scenarioName and snapshot, not scenarioName and snapshot"),
        ({"e": "NODE_DOWN", "t": "a", "n": "nowhere"},
         "scenarioName: no scenario named 'nowhere'; scenarios: memory-bound-autoscaling, "
         "three-nodes-full, three-nodes-full-autoscaling, three-zones"),
        # a truncated kubectl dump
        ({"e": "NODE_DOWN", "t": "a", "snap": '{"kind": "NodeList", "items": ['},
         "snapshot: line 1, column 32: not valid JSON: the text ends early (truncated)"),
        # a zone the cluster does not have
        ({"e": "ZONE_DOWN", "t": "z9", "s": TWO_ZONES_WITH_PDB},
         "target: no node in zone 'z9': ZONE_DOWN takes a topology.kubernetes.io/zone value; zones: z1, z2"),
        # node groups come from the nodes' labels
        ({"e": "NODE_DOWN", "t": "node-a1", "n": "three-zones",
          "a": {"groups": [{"name": "gpu", "maxSize": 3}]}},
         "autoscaler.groups[0].name: no node group named 'gpu'; groups: default"),
        # the argument's groups grow by copies of their own nodes
        ({"e": "NODE_DOWN", "t": "node-a1", "n": "three-zones",
          "a": {"maxNodes": 4, "nodeCpu": "4", "nodeMemory": "8Gi"}},
         "autoscaler.nodeCpu: the autoscaler argument grows each node group by copies of its own "
         "nodes: give maxNodes or groups [{name, maxSize}] (a node template belongs in the "
         "scenario's own autoscaler)"),
    ],
)  # fmt: skip
async def test_bad_requests_name_what_is_wrong(
    kg: KnowledgeGraph, variables: dict[str, Any], message: str
) -> None:
    assert await run(kg, **variables) == [message]


async def test_all_nodes_down_evicts_nothing_so_only_a_deleted_node_gets_a_new_one(
    kg: KnowledgeGraph,
) -> None:
    # the notes: "new nodes can be created automatically to accommodate pending pods" — but
    # with every node down the node lifecycle controller enters master disruption mode
    down = await run(kg, e="ALL_NODES_DOWN", n="three-nodes-full-autoscaling")
    deleted = await run(kg, e="NODE_DELETED", t="node-b", n="three-nodes-full-autoscaling")
    assert [s[3] for s in steps(down)] == [
        "node-not-ready",
        "node-not-ready",
        "application-unavailable",
    ]
    assert down["steps"][1]["description"].startswith(
        "Controller detected that all Nodes are not-Ready. Entering master disruption mode"
    )
    assert [s[3] for s in steps(deleted)] == [
        "node-deleted",
        "pods-garbage-collected",
        "pod-recreated",
        "pod-pending",
        "node-added",
        "pod-scheduled",
        "replicas-restored",
    ]
    assert (down["outcome"]["available"], deleted["outcome"]["available"]) == (False, True)

"""failureConsequences through the in-process schema: exact data, and every kind of bad input."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

Gql = Callable[..., dict[str, Any]]

QUERY = """
query($event: FailureEvent!, $target: String, $scenario: ClusterScenarioInput) {
  failureConsequences(event: $event, target: $target, scenario: $scenario) {
    event
    steps { order atSeconds actor description external sources { document line } }
    outcome {
      available nodesAdded
      deployments { name desired running pending pendingReason }
      pods { name deployment node phase }
    }
  }
}
"""
FULL_NODES = [{"name": f"node-{x}", "cpu": "4", "memory": "16Gi"} for x in "abc"]
FULL_DEPLOYMENTS = [
    {"name": "web", "replicas": 6, "cpu": "1", "memory": "2Gi"},
    {"name": "api", "replicas": 3, "cpu": "1", "memory": "4Gi"},
    {"name": "worker", "replicas": 3, "cpu": "1", "memory": "1Gi"},
]
AUTOSCALER = {"maxNodes": 6, "nodeCpu": "4", "nodeMemory": "16Gi"}
PENDING = (
    "0/3 nodes are available: 1 node(s) had untolerated taint "
    "{node.kubernetes.io/unreachable: }, 2 Insufficient cpu. no new claims to deallocate, "
    "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
    "2 No preemption victims found for incoming pod."
)
NOTES_47 = {"document": "vms-vs-containers.md", "line": 47}
NOTES_49 = {"document": "vms-vs-containers.md", "line": 49}
GRACE = {"document": "https://github.com/kubernetes/kubernetes/issues/127352", "line": None}
TOLERATION = {
    "document": "https://pkg.go.dev/k8s.io/kubernetes/plugin/pkg/admission/defaulttolerationseconds",
    "line": None,
}


def full(autoscaler: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"nodes": FULL_NODES, "deployments": FULL_DEPLOYMENTS, "autoscaler": autoscaler}


def step(
    order: int, at: float, actor: str, text: str, sources: list[dict[str, Any]]
) -> dict[str, Any]:
    external = all(s["line"] is None for s in sources)
    return {"order": order, "atSeconds": at, "actor": actor, "description": text,
            "external": external, "sources": sources}  # fmt: skip


FIRST_STEPS = [
    step(1, 50.0, "Node lifecycle controller", "node-b NotReady after the 50 s node-monitor-grace-period (Ready=Unknown: Kubelet stopped posting node status.), tainted node.kubernetes.io/unreachable:NoSchedule; 4 pods marked not Ready", [GRACE]),
    step(2, 55.0, "Node lifecycle controller", "node-b tainted node.kubernetes.io/unreachable:NoExecute; the taint-eviction controller schedules deletions: 4 pods in 300 s", [GRACE]),
    step(3, 355.0, "Taint-eviction controller", "4 pods deleted (DisruptionTarget: DeletionByTaintManager; Marking for deletion Pod default/web-1 and 3 more)", [TOLERATION]),
    step(4, 355.0, "ReplicaSet controller", "4 replacement pods created at once: default/web-6 for default/web-1, default/web-7 for default/web-4, default/api-3 for default/api-1, default/worker-3 for default/worker-1", [NOTES_47]),
    step(5, 355.0, "Scheduler", f"4 pods Pending: {PENDING}", [NOTES_49]),
]  # fmt: skip


def pods(placed: dict[str, str | None]) -> list[dict[str, Any]]:
    """Running where placed, Pending where None; ``-`` before the node: Terminating there."""
    return [
        {"name": name, "deployment": name.rsplit("-", 1)[0], "node": (node or "").lstrip("-") or None,
         "phase": "Pending" if not node else "Terminating" if node.startswith("-") else "Running"}
        for name, node in placed.items()
    ]  # fmt: skip


# where NODE_DOWN of node-b leaves the pods that were there: Terminating on node-b
BEFORE = {
    "web-0": "node-a", "web-1": "-node-b", "web-2": "node-c", "web-3": "node-a", "web-4": "-node-b",
    "web-5": "node-c",
}  # fmt: skip


def test_node_down_on_a_full_three_node_cluster_without_autoscaling(gql: Gql) -> None:
    result = gql(QUERY, event="NODE_DOWN", target="node-b", scenario=full())
    assert result == {
        "data": {
            "failureConsequences": {
                "event": "NODE_DOWN",
                "steps": [
                    *FIRST_STEPS,
                    step(
                        6,
                        355.0,
                        "Workload controllers",
                        "replicas not restored (Deployment/default/web 4/6, Deployment/default/api 2/3, Deployment/default/worker 2/3 available); every workload still has an available pod",
                        [NOTES_47],
                    ),
                ],
                "outcome": {
                    "available": True,
                    "nodesAdded": 0,
                    "deployments": [
                        {"name": "web", "desired": 6, "running": 4, "pending": 2, "pendingReason": PENDING},
                        {"name": "api", "desired": 3, "running": 2, "pending": 1, "pendingReason": PENDING},
                        {"name": "worker", "desired": 3, "running": 2, "pending": 1, "pendingReason": PENDING},
                    ],
                    "pods": pods(
                        {
                            **BEFORE, "web-6": None, "web-7": None,
                            "api-0": "node-a", "api-1": "-node-b", "api-2": "node-c", "api-3": None,
                            "worker-0": "node-a", "worker-1": "-node-b", "worker-2": "node-c", "worker-3": None,
                        }
                    ),
                },
            }
        }
    }  # fmt: skip


def test_node_down_on_a_full_three_node_cluster_with_autoscaling(gql: Gql) -> None:
    result = gql(QUERY, event="NODE_DOWN", target="node-b", scenario=full(AUTOSCALER))
    assert result == {
        "data": {
            "failureConsequences": {
                "event": "NODE_DOWN",
                "steps": [
                    *FIRST_STEPS,
                    step(
                        6,
                        360.0,
                        "Cluster autoscaler",
                        "cluster autoscaler adds 1 node to node group default (least-waste; 4 CPU, 16Gi allocatable each, like node-a) for 4 Pending pods: default-autoscaled-1",
                        [NOTES_49],
                    ),
                    step(
                        7,
                        360.0,
                        "Scheduler",
                        "scheduler binds 4 pods: default/web-6 to default-autoscaled-1, default/web-7 to default-autoscaled-1, default/api-3 to default-autoscaled-1, default/worker-3 to default-autoscaled-1",
                        [NOTES_49],
                    ),
                    step(
                        8,
                        360.0,
                        "Workload controllers",
                        "every workload has its desired pods available (3 workloads)",
                        [NOTES_47],
                    ),
                ],
                "outcome": {
                    "available": True,
                    "nodesAdded": 1,
                    "deployments": [
                        {"name": "web", "desired": 6, "running": 6, "pending": 0, "pendingReason": None},
                        {"name": "api", "desired": 3, "running": 3, "pending": 0, "pendingReason": None},
                        {"name": "worker", "desired": 3, "running": 3, "pending": 0, "pendingReason": None},
                    ],
                    "pods": pods(
                        {
                            **BEFORE, "web-6": "default-autoscaled-1", "web-7": "default-autoscaled-1",
                            "api-0": "node-a", "api-1": "-node-b", "api-2": "node-c",
                            "api-3": "default-autoscaled-1",
                            "worker-0": "node-a", "worker-1": "-node-b", "worker-2": "node-c",
                            "worker-3": "default-autoscaled-1",
                        }
                    ),
                },
            }
        }
    }  # fmt: skip


def test_without_a_scenario_the_chain_comes_with_no_outcome(gql: Gql) -> None:
    result = gql(
        "{ failureConsequences(event: POD_CRASHED) { event steps { order atSeconds actor effect { id } } outcome { available } } }"
    )
    assert result == {
        "data": {
            "failureConsequences": {
                "event": "POD_CRASHED",
                "steps": [
                    {
                        "order": 1,
                        "atSeconds": 10.0,
                        "actor": "Kubelet",
                        "effect": {"id": "container-restarted"},
                    }
                ],
                "outcome": None,
            }
        }
    }


def test_nodes_report_what_they_offer_and_what_is_requested(gql: Gql) -> None:
    result = gql(
        'query($s: ClusterScenarioInput) { failureConsequences(event: NODE_DOWN, target: "node-b", scenario: $s) '
        "{ outcome { nodes { name ready added taint pods cpu memory cpuRequested memoryRequested "
        "cpuMillicores cpuRequestedMillicores memoryBytes memoryRequestedBytes } } } }",
        s=full(AUTOSCALER),
    )
    nodes = result["data"]["failureConsequences"]["outcome"]["nodes"]
    assert [(n["name"], n["ready"], n["added"], n["taint"], n["pods"], n["cpuRequested"], n["memoryRequested"]) for n in nodes] == [
        ("node-a", True, False, None, 4, "4", "9Gi"),
        # the evicted pods stay Terminating on the unreachable node: their requests count
        ("node-b", False, False, "node.kubernetes.io/unreachable", 4, "4", "9Gi"),
        ("node-c", True, False, None, 4, "4", "9Gi"),
        ("default-autoscaled-1", True, True, None, 4, "4", "9Gi"),
    ]  # fmt: skip
    assert nodes[0]["cpu"] == "4" and nodes[0]["memory"] == "16Gi"
    assert (nodes[0]["cpuMillicores"], nodes[0]["memoryBytes"]) == (4000, 16.0 * 2**30)


def node(**overrides: Any) -> dict[str, Any]:
    return {"name": "node-a", "cpu": "4", "memory": "16Gi", **overrides}


def deployment(**overrides: Any) -> dict[str, Any]:
    return {"name": "web", "replicas": 2, "cpu": "1", "memory": "1Gi", **overrides}


def scenario(
    nodes: list[dict[str, Any]] | None = None,
    deployments: list[dict[str, Any]] | None = None,
    autoscaler: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "nodes": [node()] if nodes is None else nodes,
        "deployments": [deployment()] if deployments is None else deployments,
        "autoscaler": autoscaler,
    }


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        # a negative quantity
        (
            {"event": "INSUFFICIENT_RESOURCES", "scenario": scenario([node(), node(name="node-b", cpu="-1")])},
            "scenario.nodes[1].cpu: '-1' is negative; a CPU quantity must be at least 0",
        ),
        # two decimal points
        (
            {"event": "INSUFFICIENT_RESOURCES", "scenario": scenario(deployments=[deployment(memory="1.5.2")])},
            "scenario.deployments[0].memory: '1.5.2' is not a Kubernetes quantity: unknown suffix '.2'; expected n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or an exponent such as e3, e.g. 512Mi, 4Gi, 1G, 128974848",
        ),
        # an unknown suffix
        (
            {"event": "INSUFFICIENT_RESOURCES", "scenario": scenario([node(memory="10Qi")])},
            "scenario.nodes[0].memory: '10Qi' is not a Kubernetes quantity: unknown suffix 'Qi'; expected n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or an exponent such as e3, e.g. 512Mi, 4Gi, 1G, 128974848",
        ),
        # an empty quantity
        (
            {"event": "INSUFFICIENT_RESOURCES", "scenario": scenario(autoscaler={"maxNodes": 3, "nodeCpu": "", "nodeMemory": "1Gi"})},
            "scenario.autoscaler.nodeCpu: '' is not a Kubernetes quantity: expected a number with an optional suffix (n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or an exponent such as e3), e.g. 250m, 2, 1.5",
        ),
        # replicas beyond the bound
        (
            {"event": "INSUFFICIENT_RESOURCES", "scenario": scenario(deployments=[deployment(replicas=1001)])},
            "scenario.deployments[0].replicas: 1001 is outside the limits 0..1000",
        ),
        # negative replicas
        (
            {"event": "INSUFFICIENT_RESOURCES", "scenario": scenario(deployments=[deployment(replicas=-1)])},
            "scenario.deployments[0].replicas: -1 is outside the limits 0..1000",
        ),
        # too many pods in total
        (
            {"event": "INSUFFICIENT_RESOURCES", "scenario": scenario(deployments=[deployment(name=f"d{i}", replicas=1000) for i in range(201)])},
            "scenario.deployments: 201000 pods in total (the sum of replicas, and a pod per node for each DaemonSet) is more than the limit of 200000",
        ),
        # maxNodes beyond the bound
        (
            {"event": "INSUFFICIENT_RESOURCES", "scenario": scenario(autoscaler={"maxNodes": 10001, "nodeCpu": "4", "nodeMemory": "1Gi"})},
            "scenario.autoscaler.maxNodes: 10001 is outside the limits 0..10000",
        ),
        # a duplicate node
        (
            {"event": "INSUFFICIENT_RESOURCES", "scenario": scenario([node(), node()])},
            "scenario.nodes[1].name: duplicate node name 'node-a' (also scenario.nodes[0].name)",
        ),
        # a duplicate Deployment
        (
            {"event": "INSUFFICIENT_RESOURCES", "scenario": scenario(deployments=[deployment(), deployment()])},
            "scenario.deployments[1].name: duplicate workload name default/web (also scenario.deployments[0].name): their pods would share the label app=web",
        ),
        # a name Kubernetes would refuse, with a control character
        (
            {"event": "INSUFFICIENT_RESOURCES", "scenario": scenario([node(name="Node\x00A")])},
            "scenario.nodes[0].name: 'Node\\x00A' is not a valid Kubernetes name: use lowercase letters, digits, '-' and '.', start and end with a letter or digit, at most 253 characters",
        ),
        # an unknown node
        (
            {"event": "NODE_DOWN", "target": "node-z", "scenario": scenario()},
            "target: no node named 'node-z': NODE_DOWN takes a node name; nodes: node-a",
        ),
        # a missing target
        (
            {"event": "POD_DELETED", "scenario": scenario()},
            "target: is required: POD_DELETED takes a pod (name or namespace/name) or a workload (name, Kind/name or Kind/namespace/name, e.g. web or deployment/web)",
        ),
        # a name that is no pod and no workload
        (
            {"event": "POD_CRASHED", "target": "db", "scenario": scenario()},
            "target: no pod or workload named 'db': POD_CRASHED takes a pod (name or namespace/name) or a workload (name, Kind/name or Kind/namespace/name, e.g. web or deployment/web)",
        ),
        # a target where none is taken
        (
            {"event": "ALL_NODES_DOWN", "target": "node-a", "scenario": scenario()},
            "target: ALL_NODES_DOWN takes no target, got 'node-a'",
        ),
    ],
)  # fmt: skip
def test_bad_input_is_a_clear_error_naming_the_field_and_value(
    gql: Gql, variables: dict[str, Any], message: str
) -> None:
    result = gql(QUERY, **variables)
    assert result["data"] is None
    assert [e["message"] for e in result["errors"]] == [message]


def test_too_many_nodes_are_refused_before_any_is_read(gql: Gql) -> None:
    nodes = [{"name": "x", "cpu": "bad", "memory": "bad"}] * 10_001
    result = gql(QUERY, event="INSUFFICIENT_RESOURCES", scenario=scenario(nodes))
    assert [e["message"] for e in result["errors"]] == [
        "scenario.nodes: 10001 nodes is more than the limit of 10000"
    ]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        # an event the enum does not have
        (
            "{ failureConsequences(event: METEOR) { event } }",
            "Value 'METEOR' does not exist in 'FailureEvent' enum.",
        ),
        # a quantity that is not a string
        (
            '{ failureConsequences(event: NODE_DOWN, scenario: {nodes: [{name: "a", cpu: 4, memory: "1Gi"}], deployments: []}) { event } }',
            "String cannot represent a non string value: 4",
        ),
        # a required field left out
        (
            '{ failureConsequences(event: NODE_DOWN, scenario: {nodes: [{name: "a", cpu: "4"}], deployments: []}) { event } }',
            "Expected value of type 'NodeInput' to include required field 'memory', found: { name: \"a\", cpu: \"4\" }.",
        ),
    ],
)
def test_malformed_documents_are_validation_errors(gql: Gql, document: str, message: str) -> None:
    result = gql(document)
    assert result["data"] is None
    assert [e["message"] for e in result["errors"]] == [message]

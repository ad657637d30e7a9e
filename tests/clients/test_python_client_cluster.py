"""The Python client on real clusters: named scenarios, kubectl snapshots, the autoscaler
argument, scheduling and resilience — in-process and on a real uvicorn."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import kubectl_objects as k
import pytest
from archgraph_client import (
    ArchgraphClient,
    ArchgraphQueryError,
    AsyncArchgraphClient,
    AutoscalerInput,
    DegradedWorkload,
    FailureEvent,
    LossScope,
    NodeGroupInput,
    NodeReasons,
    PodPlacement,
    ScenarioSummary,
    SinglePointOfFailure,
    WorkloadName,
    WorkloadOutcome,
)

RequireField = Callable[[str], None]

GPU = "nvidia.com/gpu"
# Two nodes, one with a GPU; one pod asks for more GPUs than any node has, one fits.
GPU_SNAPSHOT = k.text(
    k.as_list(
        k.node("cpu-1", "4", "8Gi"),
        k.node("gpu-1", "8", "32Gi", extra={GPU: "1"}),
        k.pod("trainer", node=None, phase="Pending",
              spec=k.pod_spec([k.container("1", "1Gi", resources={"requests": {"cpu": "1", GPU: "2"},
                                                                  "limits": {GPU: "2"}})])),
        k.pod("notebook", node=None, phase="Pending",
              spec=k.pod_spec([k.container("1", "1Gi", resources={"requests": {"cpu": "1", GPU: "1"},
                                                                  "limits": {GPU: "1"}})])),
    )
)  # fmt: skip
THREE_ZONES_PENDING = (
    "0/6 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, "
    "4 node(s) didn't match pod topology spread constraints. no new claims to deallocate, "
    "preemption: 0/6 nodes are available: 2 Preemption is not helpful for scheduling, 4 No "
    "preemption victims found for incoming pod."
)


def test_scenarios_lists_what_each_named_cluster_holds(
    archgraph: ArchgraphClient, require_field: RequireField
) -> None:
    require_field("scenarios")

    listed = {s.name: s for s in archgraph.scenarios()}

    assert listed["three-zones"] == ScenarioSummary(
        name="three-zones",
        origin="built-in",
        description=listed["three-zones"].description,
        kubernetes_version="1.34",
        node_count=6,
        ready_node_count=6,
        cordoned_node_count=0,
        zones=("zone-a", "zone-b", "zone-c"),
        pod_count=13,
        workload_count=5,
        workloads_by_kind={"DaemonSet": 1, "Deployment": 3, "StatefulSet": 1},
        disruption_budget_count=1,
    )
    assert listed["three-zones"].description.startswith("Six 4-CPU nodes, two in each of zone-a")
    assert listed["three-nodes-full"].workloads_by_kind == {"Deployment": 3}


def test_a_zone_down_on_a_named_scenario_names_each_steps_pods_and_every_workload(
    archgraph: ArchgraphClient, require_field: RequireField
) -> None:
    require_field("scenarios")

    result = archgraph.failure_consequences(
        FailureEvent.ZONE_DOWN, "zone-a", scenario_name="three-zones"
    )

    assert [(s.at_seconds, s.actor, s.pod_count) for s in result.steps[:6]] == [
        (50.0, "Node lifecycle controller", 7),  # both nodes NotReady, their pods not Ready
        (55.0, "Node lifecycle controller", 3),  # the first tainted NoExecute at once...
        (65.0, "Node lifecycle controller", 2),  # ... the second 10 s later (per-zone rate)
        (355.0, "Taint-eviction controller", 3),  # 300 s of toleration later
        (355.0, "ReplicaSet controller", 2),
        (355.0, "StatefulSet controller", 1),  # db-2 stays Terminating
    ]
    assert result.steps[5].pods == ("default/db-2",)
    assert result.outcome is not None
    assert result.outcome.workload("StatefulSet", "db") == WorkloadOutcome(
        "StatefulSet", "default", "db", 3, 2, 0, 1, 2, None
    )
    assert result.outcome.workload("Deployment", "web") == WorkloadOutcome(
        "Deployment", "default", "web", 6, 4, 2, 2, 4, THREE_ZONES_PENDING
    )
    assert [p for p in result.outcome.pods if p.name == "db-2"] == [
        PodPlacement(
            name="db-2",
            deployment="db",
            node="node-a1",
            phase="Terminating",
            namespace="default",
            workload="StatefulSet/db",
            zone="zone-a",
        )
    ]
    lost = [n for n in result.outcome.nodes if n.zone == "zone-a"]
    assert [(n.name, n.ready, n.taints) for n in lost] == [
        (name, False, ("node.kubernetes.io/unreachable:NoSchedule",
                       "node.kubernetes.io/unreachable:NoExecute"))
        for name in ("node-a1", "node-a2")
    ]  # fmt: skip


def test_the_autoscaler_argument_grows_the_clusters_own_node_group(
    archgraph: ArchgraphClient, require_field: RequireField
) -> None:
    require_field("scenarios")

    capped = archgraph.failure_consequences(
        "ZONE_DOWN", "zone-a", scenario_name="three-zones", autoscaler=AutoscalerInput(max_nodes=4)
    )
    grown = archgraph.failure_consequences(
        "ZONE_DOWN", "zone-a", scenario_name="three-zones", autoscaler=AutoscalerInput(max_nodes=8)
    )

    assert capped.outcome is not None and grown.outcome is not None
    # the cap counts Ready nodes (cluster-autoscaler's ScaleUp is given the ready ones): the
    # four left in zone-b and zone-c reach it
    assert capped.outcome.nodes_added == 0
    assert grown.outcome.nodes_added == 1
    assert [n.name for n in grown.outcome.nodes if n.added] == ["default-autoscaled-1"]
    assert grown.outcome.workload("Deployment", "web").available == 6
    with pytest.raises(
        ArchgraphQueryError,
        match=r"^autoscaler\.groups\[0\]\.name: no node group named 'gpu'; groups: default ",
    ):
        archgraph.failure_consequences(
            "NODE_DOWN",
            "node-a1",
            scenario_name="three-zones",
            autoscaler=AutoscalerInput(groups=(NodeGroupInput("gpu", 3),)),
        )


def test_scheduling_a_snapshot_says_where_each_pending_pod_goes_or_why_not(
    archgraph: ArchgraphClient, require_field: RequireField
) -> None:
    require_field("scheduling")

    result = archgraph.scheduling(snapshot=GPU_SNAPSHOT)

    assert (result.scenario, result.kubernetes_version, result.node_count) == (
        "snapshot",
        "1.33",
        2,
    )
    trainer = result.pod("trainer")
    assert trainer.node is None
    assert trainer.message == (
        "0/2 nodes are available: 2 Insufficient nvidia.com/gpu. preemption: 0/2 nodes are "
        "available: 2 No preemption victims found for incoming pod."
    )
    assert trainer.node_reasons == (
        NodeReasons("cpu-1", ("Insufficient nvidia.com/gpu",)),
        NodeReasons("gpu-1", ("Insufficient nvidia.com/gpu",)),
    )
    notebook = result.pod("notebook")
    assert (notebook.node, notebook.message, notebook.victims) == ("gpu-1", None, ())


def test_resilience_of_a_named_scenario_finds_its_single_points_of_failure(
    archgraph: ArchgraphClient, require_field: RequireField
) -> None:
    require_field("resilience")

    result = archgraph.resilience("three-zones")

    cache = (WorkloadName("Deployment", "default", "cache"),)
    assert result.single_points_of_failure == (
        SinglePointOfFailure(LossScope.ZONE, "zone-a", cache),
        SinglePointOfFailure(LossScope.NODE, "node-a2", cache),
    )
    zone_b = result.loss("ZONE", "zone-b")
    assert zone_b.unavailable == ()
    assert zone_b.degraded == (
        DegradedWorkload("Deployment", "default", "api", 3, 2),
        DegradedWorkload("Deployment", "default", "web", 6, 4),
        DegradedWorkload("StatefulSet", "default", "db", 3, 2),
    )
    assert zone_b.pending_pods == 3
    assert [p.pod for p in zone_b.pending] == ["default/web-6", "default/api-3", "default/web-7"]


def test_a_cluster_named_twice_or_not_at_all_is_a_query_error(
    archgraph: ArchgraphClient, require_field: RequireField
) -> None:
    require_field("resilience")

    with pytest.raises(
        ArchgraphQueryError,
        match=r"^scenarioName: give exactly one of scenarioName and snapshot \(at resilience\)$",
    ):
        archgraph.resilience()
    with pytest.raises(ArchgraphQueryError, match=r"^scenarioName: no scenario named 'prod'; "):
        archgraph.scheduling("prod")


def test_the_cluster_arguments_are_sent_as_the_contracts_variables() -> None:
    sent: list[dict[str, object]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        analysis = {"event": "NODE_DRAIN", "steps": [], "outcome": None}
        return httpx.Response(200, json={"data": {"failureConsequences": analysis}})

    with ArchgraphClient("http://canned.test", transport=httpx.MockTransport(answer)) as client:
        client.failure_consequences(
            "NODE_DRAIN",
            "node-1",
            snapshot="{}",
            autoscaler=AutoscalerInput(groups=(NodeGroupInput("pool-a", 4),)),
        )
        client.failure_consequences(
            "ZONE_DOWN", "z1", scenario_name="prod", autoscaler=AutoscalerInput(max_nodes=0)
        )

    assert [s["variables"] for s in sent] == [
        {
            "event": "NODE_DRAIN",
            "target": "node-1",
            "scenario": None,
            "scenarioName": None,
            "snapshot": "{}",
            "autoscaler": {"enabled": True, "groups": [{"name": "pool-a", "maxSize": 4}]},
        },
        {
            "event": "ZONE_DOWN",
            "target": "z1",
            "scenario": None,
            "scenarioName": "prod",
            "snapshot": None,
            "autoscaler": {"enabled": True, "maxNodes": 0},
        },
    ]


async def test_the_async_client_asks_about_clusters_too(
    async_archgraph: AsyncArchgraphClient, root_fields: frozenset[str]
) -> None:
    if "resilience" not in root_fields:
        pytest.skip("the live schema has no Query.resilience yet")
    async with async_archgraph as client:
        names = [s.name for s in await client.scenarios()]
        scheduling = await client.scheduling(snapshot=GPU_SNAPSHOT)
        resilience = await client.resilience("three-zones")
        drained = await client.failure_consequences(
            FailureEvent.NODE_DRAIN, "node-b1", scenario_name="three-zones"
        )

    assert "three-zones" in names
    assert scheduling.pod("notebook").node == "gpu-1"
    assert resilience.single_points_of_failure[0].target == "zone-a"
    assert drained.steps[0].pods == ("default/log-agent-node-b1",)  # DaemonSet pods skipped
    assert drained.outcome is not None and drained.outcome.available is True

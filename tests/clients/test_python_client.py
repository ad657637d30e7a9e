"""The typed Python client's answers, in-process and from a real uvicorn on a socket."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

import httpx
import pytest
from archgraph_client import (
    ArchgraphClient,
    ArchgraphConnectionError,
    ArchgraphQueryError,
    AsyncArchgraphClient,
    AutoscalerInput,
    Choice,
    ClusterScenarioInput,
    ConsequenceStep,
    DeploymentInput,
    DeploymentOutcome,
    Direction,
    EntityKind,
    FailureAnalysis,
    FailureEvent,
    NodeInput,
    PodPlacement,
    RelationType,
    ScenarioOutcome,
    Side,
    Source,
)

RequireField = Callable[[str], None]

# --- entities ---------------------------------------------------------------------------------


def test_entity_returns_the_entity_with_its_sources_and_relations(
    archgraph: ArchgraphClient,
) -> None:
    container = archgraph.entity("container")

    assert container is not None
    assert (container.id, container.kind, container.name) == (
        "container",
        EntityKind.PLATFORM,
        "Container",
    )
    assert container.aliases == ("Containers",)
    assert container.attribute("choice") == "CONTAINER"
    assert container.sources[0] == Source(
        document="vms-vs-containers.md",
        section="Comparison Table",
        line=5,
        quote="Containers",
        external=False,
    )
    relations = {(r.type, r.direction, r.label, r.target.id) for r in container.relations}
    assert {
        (RelationType.RUNS_ON, Direction.OUTGOING, "runs_on", "kubernetes"),
        (RelationType.USES_KERNEL, Direction.OUTGOING, "uses_kernel", "host-kernel"),
        (RelationType.RESTARTS, Direction.INCOMING, "restarted_by", "kubelet"),
    } <= relations


def test_an_unknown_entity_id_is_none(archgraph: ArchgraphClient) -> None:
    assert archgraph.entity("mainframe") is None


def test_entities_filter_by_kind_and_search(archgraph: ArchgraphClient) -> None:
    platforms = archgraph.entities(kind=EntityKind.PLATFORM)
    found = archgraph.entities(search="kubelet", first=1)

    assert [e.id for e in platforms.nodes] == ["container", "virtual-machine"]
    assert platforms.page_info.has_next_page is False
    assert found.nodes[0].id == "kubelet"
    assert found.page_info.has_next_page is (found.total_count > 1)


def test_iter_entities_follows_the_cursors_through_every_page(archgraph: ArchgraphClient) -> None:
    total = archgraph.entities(first=0).total_count

    ids = [e.id for e in archgraph.iter_entities(page_size=7)]

    assert len(ids) == total == len(set(ids))
    assert "virtual-machine" in ids


def test_execute_returns_the_raw_data(archgraph: ArchgraphClient) -> None:
    data = archgraph.execute(
        "query One($id: ID!) { entity(id: $id) { name } }", {"id": "virtual-machine"}
    )
    assert data == {"entity": {"name": "Virtual Machine"}}


# --- reasoning --------------------------------------------------------------------------------


def test_comparison_says_which_side_each_dimension_favours(
    archgraph: ArchgraphClient, require_field: RequireField
) -> None:
    require_field("comparison")

    result = archgraph.comparison("virtual-machine", "container")

    assert (result.left.id, result.right.id) == ("virtual-machine", "container")
    assert [(row.dimension.id, row.favours) for row in result.rows] == [
        ("kernel-sharing", Side.NEITHER),
        ("startup-time", Side.RIGHT),
        ("resource-overhead", Side.RIGHT),
        ("security-isolation", Side.LEFT),
        ("operational-complexity", Side.RIGHT),
        ("portability", Side.RIGHT),
        ("performance", Side.RIGHT),
    ]
    startup = result.row("startup-time")
    assert (startup.left, startup.right) == (
        "Slow (minutes) – full OS boot",
        "Fast (seconds or less)",
    )
    assert all(row.sources for row in result.rows)


def test_comparison_can_be_limited_to_some_dimensions(
    archgraph: ArchgraphClient, require_field: RequireField
) -> None:
    require_field("comparison")
    result = archgraph.comparison("virtual-machine", "container", ["security-isolation"])
    assert [(row.dimension.id, row.favours) for row in result.rows] == [
        ("security-isolation", Side.LEFT)
    ]


def test_requirements_lists_what_recommendation_accepts(
    archgraph: ArchgraphClient, require_field: RequireField
) -> None:
    require_field("requirements")
    ids = {e.id for e in archgraph.requirements()}
    assert {"strong-security-isolation", "fast-startup", "kubernetes-on-cloud"} <= ids


@pytest.mark.parametrize(
    ("requirements", "choice"),
    [
        (["strong-security-isolation"], Choice.VIRTUAL_MACHINE),  # multi-tenant isolation
        (["fast-startup"], Choice.CONTAINER),  # a dimension-driven need
        (["strong-security-isolation", "fast-startup"], Choice.COMBINED),  # both at once
    ],
)
def test_recommendation_chooses_from_the_requirements(
    archgraph: ArchgraphClient,
    require_field: RequireField,
    requirements: list[str],
    choice: Choice,
) -> None:
    require_field("recommendation")

    result = archgraph.recommendation(requirements)

    assert result.choice is choice
    assert [r.requirement.id for r in result.reasons] == requirements
    assert all(r.sources for r in result.reasons)


def test_stack_path_orders_the_layers_from_cloud_to_container(
    archgraph: ArchgraphClient, require_field: RequireField
) -> None:
    require_field("stackPath")

    path = archgraph.stack_path("cloud-infrastructure", "container")

    assert path is not None
    assert path.layer_ids == ("cloud-infrastructure", "virtual-machine", "kubernetes", "container")
    assert [(h.from_.id, h.to.id, h.relation) for h in path.hops] == [
        ("cloud-infrastructure", "virtual-machine", "hosts"),
        ("virtual-machine", "kubernetes", "hosts"),
        ("kubernetes", "container", "hosts"),
    ]
    assert [layer.kernel.id if layer.kernel else None for layer in path.layers] == [
        None,
        "guest-kernel",
        None,
        "host-kernel",
    ]
    assert path.strongest_isolation is not None
    assert path.strongest_isolation.id == "hardware-level-virtualization"
    assert path.kernel_count == 2


def test_stack_path_is_none_and_stack_paths_empty_when_not_stacked(
    archgraph: ArchgraphClient, require_field: RequireField
) -> None:
    require_field("stackPaths")
    assert archgraph.stack_path("container", "fast-startup") is None
    assert archgraph.stack_paths("container", "fast-startup") == ()


def test_stack_paths_walk_either_direction(
    archgraph: ArchgraphClient, require_field: RequireField
) -> None:
    require_field("stackPaths")
    paths = archgraph.stack_paths("container", "cloud-infrastructure", max_hops=3)
    assert [p.layer_ids for p in paths] == [
        ("container", "kubernetes", "virtual-machine", "cloud-infrastructure")
    ]


def test_blast_radius_of_the_host_kernel_reaches_its_containers(
    archgraph: ArchgraphClient, require_field: RequireField
) -> None:
    require_field("blastRadius")

    result = archgraph.blast_radius("host-kernel")

    assert result.origin.id == "host-kernel"
    container = next(i for i in result.affected if i.entity.id == "container")
    assert [e.id for e in container.path] == ["host-kernel", "container"]
    assert "every Container on it fails" in container.explanation


# --- failure analysis -------------------------------------------------------------------------

FULL_CLUSTER = ClusterScenarioInput(
    nodes=tuple(NodeInput(name=f"node-{i}", cpu="2", memory="4Gi") for i in (1, 2, 3)),
    deployments=(DeploymentInput(name="web", replicas=6, cpu="1", memory="1Gi"),),
)
AUTOSCALED = replace(
    FULL_CLUSTER, autoscaler=AutoscalerInput(max_nodes=4, node_cpu="2", node_memory="4Gi")
)


def test_failure_consequences_without_a_scenario_is_the_causal_chain(
    archgraph: ArchgraphClient, require_field: RequireField
) -> None:
    require_field("failureConsequences")

    result = archgraph.failure_consequences(FailureEvent.POD_DELETED)

    assert result.event is FailureEvent.POD_DELETED
    assert result.outcome is None
    assert [s.order for s in result.steps] == list(range(1, len(result.steps) + 1))
    assert any("ReplicaSet" in s.actor for s in result.steps)
    assert all(s.sources for s in result.steps)


def test_a_node_down_on_a_full_cluster_leaves_its_pods_pending(
    archgraph: ArchgraphClient, require_field: RequireField
) -> None:
    require_field("failureConsequences")

    result = archgraph.failure_consequences(FailureEvent.NODE_DOWN, "node-1", FULL_CLUSTER)

    assert result.outcome is not None
    web = result.outcome.deployment("web")
    assert (web.desired, web.running, web.pending) == (6, 4, 2)
    assert web.pending_reason == (
        "0/3 nodes are available: 1 node(s) had untolerated taint "
        "{node.kubernetes.io/unreachable: }, 2 Insufficient cpu. no new claims to deallocate, "
        "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
        "2 No preemption victims found for incoming pod."
    )
    assert result.outcome.nodes_added == 0
    assert result.outcome.available is True
    assert {p.node for p in result.outcome.pods if p.phase == "Running"} == {"node-2", "node-3"}
    # the evicted pods stay Terminating on the unreachable node
    assert {p.node for p in result.outcome.pods if p.phase == "Terminating"} == {"node-1"}
    assert [(s.at_seconds, s.actor) for s in result.steps] == [
        (50.0, "Node lifecycle controller"),  # NotReady after the grace period
        (55.0, "Node lifecycle controller"),  # tainted NoExecute
        (355.0, "Taint-eviction controller"),  # evicted after the 300 s toleration
        (355.0, "ReplicaSet controller"),  # replacements created at once
        (355.0, "Scheduler"),  # ... and left Pending
        (355.0, "Workload controllers"),  # replicas not restored
    ]


def test_the_autoscaler_adds_a_node_for_the_evicted_pods(
    archgraph: ArchgraphClient, require_field: RequireField
) -> None:
    require_field("failureConsequences")

    result = archgraph.failure_consequences("NODE_DOWN", target="node-1", scenario=AUTOSCALED)

    assert result.outcome is not None
    web = result.outcome.deployment("web")
    assert (web.desired, web.running, web.pending, web.pending_reason) == (6, 6, 0, None)
    assert result.outcome.nodes_added == 1


def test_a_malformed_quantity_is_a_query_error_naming_field_and_value(
    archgraph: ArchgraphClient, require_field: RequireField
) -> None:
    require_field("failureConsequences")
    bad = replace(FULL_CLUSTER, nodes=(NodeInput(name="node-1", cpu="lots", memory="4Gi"),))

    with pytest.raises(
        ArchgraphQueryError,
        match=r"^scenario\.nodes\[0\]\.cpu: 'lots' is not a Kubernetes quantity: .*e\.g\. 250m",
    ) as caught:
        archgraph.failure_consequences(FailureEvent.INSUFFICIENT_RESOURCES, scenario=bad)

    assert caught.value.errors[0].path == ("failureConsequences",)


def test_a_scenario_is_sent_as_the_contracts_input_and_the_outcome_decoded() -> None:
    sent: list[dict[str, object]] = []
    outcome = {
        "available": True,
        "nodesAdded": 1,
        "deployments": [
            {"name": "web", "desired": 6, "running": 6, "pending": 0, "pendingReason": None}
        ],
        "workloads": [],
        "nodes": [],
        "pods": [
            {"name": "web-0", "deployment": "web", "node": "node-2", "phase": "Running",
             "namespace": "default", "workload": "Deployment/web", "zone": None, "reason": None,
             "restarts": 0}
        ],
    }  # fmt: skip
    step = {
        "order": 1,
        "atSeconds": 50.0,
        "actor": "node controller",
        "description": "NotReady",
        "pods": [],
        "podCount": 0,
    }

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        analysis = {"event": "NODE_DOWN", "steps": [{**step, "sources": []}], "outcome": outcome}
        return httpx.Response(200, json={"data": {"failureConsequences": analysis}})

    client = ArchgraphClient("http://canned.test", transport=httpx.MockTransport(answer))
    with client:
        result = client.failure_consequences(FailureEvent.NODE_DOWN, "node-1", AUTOSCALED)

    assert sent[0]["variables"] == {
        "event": "NODE_DOWN",
        "target": "node-1",
        "scenario": {
            "nodes": [
                {"name": f"node-{i}", "cpu": "2", "memory": "4Gi", "ready": True} for i in (1, 2, 3)
            ],
            "deployments": [{"name": "web", "replicas": 6, "cpu": "1", "memory": "1Gi"}],
            "autoscaler": {"enabled": True, "maxNodes": 4, "nodeCpu": "2", "nodeMemory": "4Gi"},
        },
        "scenarioName": None,
        "snapshot": None,
        "autoscaler": None,
    }
    assert result == FailureAnalysis(
        event=FailureEvent.NODE_DOWN,
        steps=(ConsequenceStep(1, 50.0, "node controller", "NotReady", ()),),
        outcome=ScenarioOutcome(
            available=True,
            nodes_added=1,
            deployments=(DeploymentOutcome("web", 6, 6, 0, None),),
            pods=(PodPlacement("web-0", "web", "node-2", "Running", workload="Deployment/web"),),
        ),
    )


# --- the async client -------------------------------------------------------------------------


async def test_the_async_client_answers_in_process(
    async_archgraph: AsyncArchgraphClient, root_fields: frozenset[str]
) -> None:
    async with async_archgraph as client:
        container = await client.entity("container")
        platforms = [e.id async for e in client.iter_entities(kind="PLATFORM", page_size=1)]
        if "comparison" in root_fields:
            comparison = await client.comparison("virtual-machine", "container", ["startup-time"])
            assert comparison.rows[0].favours is Side.RIGHT
            recommendation = await client.recommendation(["strong-security-isolation"])
            assert recommendation.choice is Choice.VIRTUAL_MACHINE
            assert len(await client.requirements()) >= 9
            path = await client.stack_path("virtual-machine", "container")
            assert path is not None and path.layer_ids[0] == "virtual-machine"
            assert len(await client.stack_paths("virtual-machine", "container", 2)) == 1
            assert (await client.blast_radius("host-kernel")).origin.id == "host-kernel"
        if "failureConsequences" in root_fields:
            analysis = await client.failure_consequences(
                FailureEvent.POD_CRASHED, "web", FULL_CLUSTER
            )
            assert analysis.outcome is not None
            assert analysis.outcome.deployment("web").running == 6

    assert container is not None and container.name == "Container"
    assert platforms == ["container", "virtual-machine"]


async def test_the_async_client_maps_query_errors(async_archgraph: AsyncArchgraphClient) -> None:
    async with async_archgraph as client:
        with pytest.raises(
            ArchgraphQueryError,
            match=r"^first: must be between 0 and 500, got 900 \(at entities\)$",
        ):
            await client.entities(first=900)


@pytest.mark.e2e
async def test_the_async_client_talks_to_a_real_server(live_server: str, unused_url: str) -> None:
    async with AsyncArchgraphClient(live_server) as client:
        page = await client.entities(search="scheduler", first=1)
    assert page.nodes[0].id == "scheduler"

    async with AsyncArchgraphClient(unused_url) as client:
        with pytest.raises(ArchgraphConnectionError, match="ConnectError"):
            await client.entity("container")

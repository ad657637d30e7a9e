"""Hand-written scenario inputs: validated with field paths, within bounds; the pack's files."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.errors import InvalidArgument
from service.knowledge import KnowledgeGraph
from service.kube.model import ClusterSnapshot
from service.queries.cluster_input import snapshot_from_input
from service.queries.cluster_request import ClusterRequest
from service.queries.scenarios import pack_scenario


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # the lists are required
        ({"nodes": []}, "scenario.deployments: is required"),
        # an unknown field, named with its path
        (
            {"nodes": [{"name": "a", "cpu": "1", "memory": "1Gi", "gpu": "1"}], "deployments": []},
            "scenario.nodes[0].gpu: unknown field; expected name, cpu, memory, ready, zone, "
            "labels, taints, unschedulable, maxPods, nodeGroup",
        ),
        # YAML may write a plain number, but not a boolean
        (
            {"nodes": [{"name": "a", "cpu": True, "memory": "1Gi"}], "deployments": []},
            "scenario.nodes[0].cpu: True is not a Kubernetes quantity (a string)",
        ),
        # replicas must be a whole number
        (
            {"nodes": [], "deployments": [{"name": "w", "replicas": 1.5, "cpu": "1", "memory": "1"}]},
            "scenario.deployments[0].replicas: 1.5 is not a whole number",
        ),
        # ready must be a boolean
        (
            {"nodes": [{"name": "a", "cpu": 1, "memory": "1Gi", "ready": "yes"}], "deployments": []},
            "scenario.nodes[0].ready: 'yes' is not true or false",
        ),
        # too many Deployments
        (
            {"nodes": [], "deployments": [{}] * 5001},
            "scenario.deployments: 5001 deployments is more than the limit of 5000",
        ),
        # too many pods in all
        (
            {"nodes": [], "deployments": [
                {"name": f"d{i}", "replicas": 1000, "cpu": "1", "memory": "1"} for i in range(201)
            ]},
            "scenario.deployments: 201000 pods in total (the sum of replicas, and a pod per node "
            "for each DaemonSet) is more than the limit of 200000",
        ),
        # one name per workload: the pods are selected by it
        (
            {"nodes": [], "deployments": [{"name": "w", "replicas": 1, "cpu": "1", "memory": "1"}] * 2},
            "scenario.deployments[1].name: duplicate workload name default/w (also "
            "scenario.deployments[0].name): their pods would share the label app=w",
        ),
    ],
)  # fmt: skip
def test_scenario_data_is_validated_with_field_paths(data: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgument) as raised:
        snapshot_from_input(data)
    assert str(raised.value) == message


def test_the_bounds_admit_5000_nodes_and_150000_pods(kg: KnowledgeGraph) -> None:
    request = ClusterRequest(
        {
            "nodes": [{"name": f"n{i}", "cpu": "32", "memory": "128Gi"} for i in range(5000)],
            "deployments": [
                {"name": f"d{i}", "replicas": 100, "cpu": "500m", "memory": "1Gi"}
                for i in range(1500)
            ],
            "autoscaler": {"maxNodes": 10_000, "nodeCpu": "32", "nodeMemory": "128Gi"},
        },
        None,
        None,
        None,
    )
    cluster, autoscaler = request.resolve(kg, {})
    assert cluster is not None and autoscaler is not None
    assert (len(cluster.nodes), sum(w.replicas or 0 for w in cluster.workloads)) == (5000, 150_000)
    assert autoscaler.max_nodes_total == 10_000


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
field_names = st.sampled_from(
    ["nodes", "deployments", "autoscaler", "name", "cpu", "memory", "ready", "replicas",
     "maxNodes", "nodeCpu", "nodeMemory", "enabled"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        field_names,
        json_values | st.lists(st.dictionaries(field_names, json_values, max_size=5), max_size=3),
        max_size=4,
    )
)
def test_any_scenario_data_is_accepted_or_refused_clearly(data: dict[str, Any]) -> None:
    try:
        cluster = snapshot_from_input(data)
    except InvalidArgument as error:
        assert str(error).startswith("scenario")
    else:
        assert isinstance(cluster, ClusterSnapshot)


def test_every_named_scenario_is_valid(kg: KnowledgeGraph) -> None:
    assert sorted(kg.scenarios) == [
        "memory-bound-autoscaling",
        "three-nodes-full",
        "three-nodes-full-autoscaling",
        "three-zones",
    ]
    counted = {}
    for name in sorted(kg.scenarios):
        cluster = pack_scenario(kg, name)
        assert cluster is not None
        counted[name] = (len(cluster.nodes), sum(w.replicas or 0 for w in cluster.workloads))
    assert counted == {
        "memory-bound-autoscaling": (2, 5),
        "three-nodes-full": (3, 12),
        "three-nodes-full-autoscaling": (3, 12),
        "three-zones": (6, 13),
    }
    zones = pack_scenario(kg, "three-zones")
    assert zones is not None
    assert [(w.kind, w.name, w.replicas) for w in zones.workloads] == [
        ("Deployment", "web", 6),
        ("Deployment", "api", 3),
        ("Deployment", "cache", 1),
        ("StatefulSet", "db", 3),
        ("DaemonSet", "log-agent", None),
    ]


def test_an_unknown_named_scenario_lists_the_known_ones(kg: KnowledgeGraph) -> None:
    with pytest.raises(
        InvalidArgument, match=r"^scenarioName: no scenario named 'nope'; scenarios: memory-bound"
    ):
        ClusterRequest(None, "nope", None, None).resolve(kg, {})

"""Dogfooding: archgraph's own resilience analysis of archgraph's own Deployment.

``archgraph import-cluster`` reads a three-zone node set (two nodes per zone) plus what
``kubectl kustomize deploy/kubernetes`` renders; a real ``archgraph serve --scenarios``
then answers ``resilience``: each node and each zone lost in turn. The shipped manifests
must keep archgraph available, and at full strength, through every one of those losses.
Two altered copies show the check can tell: one replica is a single point of failure, and
without ``nodeTaintsPolicy: Honor`` the lost zone's tainted nodes still count as an empty
spread domain, so the replacement pod stays Pending (degraded to 2 of 3).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import yaml
from live_server import live_server

from service.cli import main

RESILIENCE = """
query($name: String) { resilience(scenarioName: $name) {
    losses { scope target unavailable { kind namespace name }
             degraded { kind namespace name desired running } pendingPods pending { pod reason } }
    singlePointsOfFailure { scope target workloads { kind namespace name } } } }
"""
LOSSES = sorted(
    [("ZONE", f"zone-{z}") for z in "abc"]
    + [("NODE", f"node-{z}-{n}") for z in "abc" for n in (1, 2)]
)
ARCHGRAPH = {"kind": "Deployment", "namespace": "archgraph", "name": "archgraph"}
SPREAD_PENDING = (
    "0/6 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, "
    "4 node(s) didn't match pod topology spread constraints. preemption: 0/6 nodes are "
    "available: 2 Preemption is not helpful for scheduling, 4 No preemption victims found for "
    "incoming pod."
)


def _altered(
    rendered: list[dict[str, Any]], change: Callable[[dict[str, Any]], None]
) -> list[dict[str, Any]]:
    objects = copy.deepcopy(rendered)
    for document in objects:
        if document["kind"] == "Deployment":
            change(document)
    return objects


def _one_replica(deployment: dict[str, Any]) -> None:
    deployment["spec"]["replicas"] = 1


def _spread_counts_tainted_nodes(deployment: dict[str, Any]) -> None:
    zone_spread = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"][0]
    assert zone_spread.pop("nodeTaintsPolicy") == "Honor"


@pytest.fixture(scope="module")
def resilience(
    rendered: list[dict[str, Any]],
    three_zone_nodes: dict[str, Any],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, dict[str, Any]]:
    """``resilience`` of each imported scenario, by name, from one live server."""
    work = tmp_path_factory.mktemp("fleet")
    nodes = work / "nodes.json"
    nodes.write_text(json.dumps(three_zone_nodes))
    scenarios = work / "scenarios"
    scenarios.mkdir()
    variants = {
        "archgraph": rendered,
        "one-replica": _altered(rendered, _one_replica),
        "spread-counts-tainted-nodes": _altered(rendered, _spread_counts_tainted_nodes),
    }
    for name, objects in variants.items():
        manifests = work / f"{name}.yaml"
        manifests.write_text(yaml.safe_dump_all(objects))
        output = scenarios / f"{name}.json"
        argv = ["import-cluster", str(nodes), str(manifests), "--name", name, "-o", str(output)]
        assert main(argv) == 0
    answers = {}
    with live_server(work, "--scenarios", str(scenarios)) as server:
        for name in variants:
            body = {"query": RESILIENCE, "variables": {"name": name}}
            payload = httpx.post(server.graphql, json=body, timeout=60).json()
            assert "errors" not in payload, payload
            answers[name] = payload["data"]["resilience"]
    return answers


def _by_loss(answer: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(loss["scope"], loss["target"]): loss for loss in answer["losses"]}


@pytest.mark.e2e
def test_losing_any_node_or_zone_leaves_archgraph_available_at_full_strength(
    resilience: dict[str, dict[str, Any]],
) -> None:
    answer = resilience["archgraph"]
    losses = _by_loss(answer)
    assert sorted(losses) == LOSSES
    for where, loss in losses.items():
        # the lost pod's replacement schedules in a zone that is left: nothing degrades
        assert (loss["unavailable"], loss["degraded"], loss["pendingPods"]) == ([], [], 0), where
    assert answer["singlePointsOfFailure"] == []


@pytest.mark.e2e
def test_one_replica_is_a_single_point_of_failure(
    resilience: dict[str, dict[str, Any]],
) -> None:
    answer = resilience["one-replica"]
    # the scheduler puts it on the first node by name; losing that node or its zone loses it
    assert answer["singlePointsOfFailure"] == [
        {"scope": "ZONE", "target": "zone-a", "workloads": [ARCHGRAPH]},
        {"scope": "NODE", "target": "node-a-1", "workloads": [ARCHGRAPH]},
    ]
    losses = _by_loss(answer)
    assert losses[("ZONE", "zone-a")]["unavailable"] == [ARCHGRAPH]
    assert losses[("ZONE", "zone-b")]["unavailable"] == []


@pytest.mark.e2e
def test_without_honoring_taints_a_zone_loss_leaves_a_replica_pending(
    resilience: dict[str, dict[str, Any]],
) -> None:
    answer = resilience["spread-counts-tainted-nodes"]
    assert answer["singlePointsOfFailure"] == []  # still available: two replicas are left
    losses = _by_loss(answer)
    for zone in ("zone-a", "zone-b", "zone-c"):
        loss = losses[("ZONE", zone)]
        assert loss["unavailable"] == []
        assert loss["degraded"] == [{**ARCHGRAPH, "desired": 3, "running": 2}]
        assert loss["pending"] == [{"pod": "archgraph/archgraph-3", "reason": SPREAD_PENDING}]
    for node in ("node-a-1", "node-b-1", "node-c-1"):
        assert losses[("NODE", node)]["degraded"] == []  # the zone's other node takes it

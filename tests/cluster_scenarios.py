"""Small cluster scenarios for the simulation tests: a builder, three full nodes, strategies."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from service.queries.scenario import DeploymentSpec, NodeSpec, Scenario, scenario_from_mapping
from service.queries.simulation import SimulationReport

GI = 2**30
UNREACHABLE = "1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }"
FULL_NODE_DOWN = f"0/3 nodes are available: {UNREACHABLE}, 2 Insufficient cpu."


def cluster(
    nodes: list[tuple[str, str, str]] | list[tuple[str, str, str, bool]],
    deployments: list[tuple[str, int, str, str]],
    autoscaler: tuple[int, str, str] | None = None,
    enabled: bool = True,
) -> Scenario:
    """A scenario from (name, cpu, memory[, ready]) nodes and (name, replicas, cpu, memory)."""
    data: dict[str, Any] = {
        "nodes": [
            {"name": n[0], "cpu": n[1], "memory": n[2], "ready": n[3] if len(n) > 3 else True}
            for n in nodes
        ],
        "deployments": [
            {"name": name, "replicas": replicas, "cpu": cpu, "memory": memory}
            for name, replicas, cpu, memory in deployments
        ],
    }
    if autoscaler is not None:
        max_nodes, cpu, memory = autoscaler
        data["autoscaler"] = {
            "enabled": enabled,
            "maxNodes": max_nodes,
            "nodeCpu": cpu,
            "nodeMemory": memory,
        }
    return scenario_from_mapping(data)


THREE_FULL = [("node-a", "4", "16Gi"), ("node-b", "4", "16Gi"), ("node-c", "4", "16Gi")]
THREE_APPS = [("web", 6, "1", "2Gi"), ("api", 3, "1", "4Gi"), ("worker", 3, "1", "1Gi")]


def placements(report: SimulationReport) -> dict[str, str | None]:
    return {pod.name: pod.node for pod in report.outcome.pods}


def deployments(report: SimulationReport) -> list[tuple[str, int, int, int, str | None]]:
    return [
        (d.name, d.desired, d.running, d.pending, d.pending_reason)
        for d in report.outcome.deployments
    ]


nodes_strategy = st.lists(
    st.builds(
        NodeSpec,
        name=st.from_regex(r"n[a-e][0-9]", fullmatch=True),
        cpu=st.sampled_from([0, 500, 1000, 2000, 3500, 4000]),
        memory=st.sampled_from([0, GI // 2, GI, 3 * GI, 4 * GI]),
        ready=st.sampled_from([True, True, True, False]),
    ),
    max_size=6,
    unique_by=lambda n: n.name,
)
deployments_strategy = st.lists(
    st.builds(
        DeploymentSpec,
        name=st.sampled_from(["web", "api", "db", "cache", "batch"]),
        replicas=st.integers(0, 25),
        cpu=st.sampled_from([0, 100, 250, 333, 500, 1000, 1500]),
        memory=st.sampled_from([0, 100 * 2**20, GI // 4, GI // 2, GI]),
    ),
    min_size=1,
    max_size=4,
    unique_by=lambda d: d.name,
)

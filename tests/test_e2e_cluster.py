"""Your own cluster, end to end: import a real support bundle with the CLI, serve it with
``--scenarios`` on a real uvicorn, and ask over HTTP what losing a node or a zone does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from live_server import live_server

pytestmark = pytest.mark.e2e

SNAPSHOTS = (Path(__file__).parents[1] / ".." / "shared" / "k8s-snapshots").resolve()
BUNDLE = SNAPSHOTS / "openshift__insights-operator__ocp4.4-gcp-6node-2021-03-bundle"
PROMETHEUS = "openshift-monitoring/prometheus-k8s"


def post(url: str, query: str) -> Any:
    response = httpx.post(f"{url}/graphql", json={"query": query}, timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Any:
    workdir = tmp_path_factory.mktemp("cluster")
    scenarios = workdir / "scenarios"
    scenarios.mkdir()
    imported = subprocess.run(
        [sys.executable, "-m", "service.cli", "import-cluster", str(BUNDLE), "--name", "ocp",
         "-o", str(scenarios / "ocp.json")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    assert "nodes: 6 (6 ready, 0 not ready, 0 cordoned) in 3 zones" in imported.stdout
    with live_server(workdir, "--scenarios", str(scenarios)) as running:
        yield running


def test_the_imported_cluster_is_listed(served: Any) -> None:
    data = post(served.url, "{ scenarios { name origin nodeCount podCount zones } }")
    ocp = [s for s in data["scenarios"] if s["name"] == "ocp"]
    assert len(ocp) == 1  # next to the packs' own scenarios
    assert ocp[0] == {
        "name": "ocp",
        "origin": "imported",
        "nodeCount": 6,
        "podCount": 19,
        "zones": ["us-east1-b", "us-east1-c", "us-east1-d"],
    }


def test_losing_a_zone_leaves_a_prometheus_replica_terminating(served: Any) -> None:
    data = post(
        served.url,
        """{ failureConsequences(event: ZONE_DOWN, target: "us-east1-c", scenarioName: "ocp") {
             steps { atSeconds actor effect { id } }
             outcome { workloads { kind namespace name desired running terminating available } } } }""",
    )
    analysis = data["failureConsequences"]
    prometheus = [
        w for w in analysis["outcome"]["workloads"]
        if f"{w['namespace']}/{w['name']}" == PROMETHEUS
    ]  # fmt: skip
    assert prometheus == [
        {"kind": "StatefulSet", "namespace": "openshift-monitoring", "name": "prometheus-k8s",
         "desired": 2, "running": 1, "terminating": 1, "available": 1},
    ]  # fmt: skip
    stuck = [s for s in analysis["steps"] if s["effect"]["id"] == "pod-stuck-terminating"]
    assert [(s["atSeconds"], s["actor"]) for s in stuck] == [(355.0, "StatefulSet controller")]


def test_resilience_names_the_single_points_of_failure(served: Any) -> None:
    data = post(
        served.url,
        """{ resilience(scenarioName: "ocp") { losses { scope target pendingPods }
             singlePointsOfFailure { scope target workloads { kind namespace name } } } }""",
    )
    report = data["resilience"]
    assert len(report["losses"]) == 9  # six nodes, three zones
    spofs = {
        (s["scope"], s["target"]): len(s["workloads"]) for s in report["singlePointsOfFailure"]
    }
    # the masters' static kube-controller-manager pods belong to their node: not counted
    assert spofs == {
        ("ZONE", "us-east1-c"): 7,
        ("NODE", "ci-ln-d53y532-f76d1-2btqq-master-1"): 7,
        ("ZONE", "us-east1-d"): 5,
        ("NODE", "ci-ln-d53y532-f76d1-2btqq-master-2"): 5,
        ("ZONE", "us-east1-b"): 2,
        ("NODE", "ci-ln-d53y532-f76d1-2btqq-master-0"): 2,
    }

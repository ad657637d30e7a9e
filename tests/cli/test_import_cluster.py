"""``archgraph import-cluster``: the scenario file, the summary, exit codes, nothing written on errors."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from kubectl_objects import as_list, node, pod, text, workload

from service.cli import main
from service.cli.import_cluster import default_name
from service.snapshots.scenario_file import read_scenario

SNAPSHOTS = (Path(__file__).parents[2] / ".." / "shared" / "k8s-snapshots").resolve()
SONOBUOY = SNAPSHOTS / "vmware-tanzu__sonobuoy__aws-3node-k8s1.8-results-0.10-bundle"
INSIGHTS = SNAPSHOTS / "openshift__insights-operator__ocp4.4-gcp-6node-2021-03-bundle"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], list[str]]:
    code = main(["import-cluster", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


def test_a_sonobuoy_bundle_becomes_a_scenario_file_and_a_summary(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    output = tmp_path / "aws.json"
    code, out, err = run(capsys, str(SONOBUOY), "--name", "aws", "-o", str(output))
    assert (code, err) == (0, [])
    assert out == [
        f"scenario 'aws' written to {output}",
        "nodes: 3 (3 ready, 0 not ready, 0 cordoned) in 1 zone: us-west-2a 3",  # the beta label
        "pods: 19 (18 bound, 0 pending, 1 finished); 0 skipped",
        "workloads: 4 DaemonSet, 4 Deployment, 5 bare pods",
        "disruption budgets: 0",
        "node groups: m3.medium (3 nodes)",
        "Kubernetes 1.31",
        "skipped objects: 1 (no kind)",
        "dropped or not modelled (1):",
        "  Kubernetes version: the kubelets run 1.8; the simulation follows 1.31, the nearest "
        "version it models",
    ]
    snapshot = read_scenario(output)
    assert (snapshot.name, len(snapshot.nodes), len(snapshot.pods)) == ("aws", 3, 19)


def test_the_summary_lists_zones_and_cuts_long_dropped_lists(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dump = tmp_path / "dump.json"
    elsewhere = [pod(f"p{i:02}", node="gone") for i in range(25)]
    dump.write_text(text(as_list(node("n1", zone="a"), node("n2", zone="b"), *elsewhere)))
    code, out, _ = run(capsys, str(dump), "-o", str(tmp_path / "x.json"))
    assert code == 0
    assert out[1] == "nodes: 2 (2 ready, 0 not ready, 0 cordoned) in 2 zones: a 1, b 1"
    assert out[2] == "pods: 0 (0 bound, 0 pending, 0 finished); 25 skipped"
    assert out[3:8] == [
        "workloads: none",
        "disruption budgets: 0",
        "Kubernetes 1.33",  # no node-group labels: no node groups line
        "dropped or not modelled (25):",
        "  Pod/default/p00: bound to node gone, which is not in the snapshot",
    ]
    assert out[-1] == '  … and 5 more (the scenario file\'s "dropped" lists them all)'
    assert len(out) == 7 + 20 + 1


def test_live_nodes_and_a_rendered_chart_merge(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    nodes = tmp_path / "live-nodes.json"
    nodes.write_text(text(as_list(node("n1", zone="a"), node("n2", zone="b"), kind="NodeList")))
    chart = tmp_path / "my-chart-rendered"
    chart.mkdir()
    (chart / "web.yaml").write_text(text(workload("Deployment", "web", replicas=4)))
    code, out, _ = run(capsys, str(nodes), str(chart), "-o", str(tmp_path / "s.json"))
    assert code == 0
    assert out[2:4] == [
        "pods: 0 (0 bound, 0 pending, 0 finished); 0 skipped",
        "workloads: 1 Deployment",
    ]
    snapshot = read_scenario(tmp_path / "s.json")
    assert (snapshot.name, snapshot.workloads[0].replicas) == ("live-nodes", 4)


def test_a_malformed_file_exits_2_with_every_problem_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "nodes.json"
    bad.write_text(text(as_list(node("n1", cpu="12x"), pod("p", node="n1", phase="Sleeping"))))
    output = tmp_path / "out.json"
    code, out, err = run(capsys, str(bad), "-o", str(output))
    assert (code, out) == (2, [])
    assert err == [
        f"{bad}: items[0].status.allocatable.cpu: '12x' is not a Kubernetes quantity: unknown "
        "suffix 'x'; expected n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or an exponent such as e3, "
        "e.g. 250m, 2, 1.5",
        f"{bad}: items[0].status.capacity.cpu: '12x' is not a Kubernetes quantity: unknown "
        "suffix 'x'; expected n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or an exponent such as e3, "
        "e.g. 250m, 2, 1.5",
        f"{bad}: items[1].status.phase: 'Sleeping' is not one of Pending, Running, Succeeded, "
        "Failed, Unknown",
        "3 problems; nothing written",
    ]
    assert list(tmp_path.iterdir()) == [bad]


def test_an_unmodelled_kubernetes_version_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(
        capsys, str(SONOBUOY), "--kubernetes-version", "1.29", "-o", str(tmp_path / "x.json")
    )
    assert (code, err) == (
        2,
        ["--kubernetes-version: '1.29' is not modelled; use one of 1.31, 1.32, 1.33, 1.34"],
    )
    assert list(tmp_path.iterdir()) == []


def test_the_version_can_be_given(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(
        capsys, str(SONOBUOY), "--kubernetes-version", "v1.33.2", "-o", str(tmp_path / "x.json")
    )
    assert (code, out[6]) == (0, "Kubernetes 1.33")
    assert read_scenario(tmp_path / "x.json").dropped == ()


def test_standard_input_in_and_standard_output_out(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = text(as_list(node("n1"))).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code = main(["import-cluster", "-", "-o", "-"])
    out, err = capsys.readouterr()
    assert code == 0
    assert out.startswith('{"format":"archgraph.io/cluster-scenario/v1","name":"stdin"')
    assert err.splitlines()[0] == "scenario 'stdin' written to standard output"


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("./bundle/cluster-resources/", "cluster-resources"),
        ("Nodes.JSON", "nodes-json"),
        ("prod_eu.yaml", "prod-eu"),
        ("-", "stdin"),
        ("___.json", "cluster"),
    ],
)
def test_default_name(path: str, name: str) -> None:
    assert default_name(path) == name


def test_the_installed_command_exits_2_on_truncated_json(tmp_path: Path) -> None:
    cut = '{"kind": "NodeList", "items": [{"metadata": {'
    (tmp_path / "cut.json").write_text(cut)
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "import-cluster", "cut.json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"cut.json: line 1, column {len(cut) + 1}: not valid JSON: the text ends early (truncated)",
        "1 problem; nothing written",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.json"]

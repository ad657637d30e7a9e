"""The scenario file: written whole, read back identical, other formats and broken files refused."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from service.errors import SnapshotError
from service.kube.model import SCENARIO_FORMAT, ClusterSnapshot
from service.snapshots.importer import import_paths
from service.snapshots.scenario_file import (
    decode_scenario,
    encode_scenario,
    load_scenarios,
    read_scenario,
    write_scenario,
)

K3S = "replicatedhq__troubleshoot__k3s-1node-baseline-bundle"


@pytest.fixture
def k3s(snapshots: Path) -> ClusterSnapshot:
    return import_paths([snapshots / K3S], "k3s")


def problems(exc: pytest.ExceptionInfo[SnapshotError]) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_a_written_file_reads_back_as_the_same_snapshot(
    k3s: ClusterSnapshot, tmp_path: Path
) -> None:
    path = tmp_path / "k3s.json"
    write_scenario(k3s, path)
    assert read_scenario(path) == k3s
    data = json.loads(path.read_text())
    assert data["format"] == SCENARIO_FORMAT
    assert data["name"] == "k3s"
    assert path.stat().st_mode & 0o777 != 0o600  # an ordinary file, not mkstemp's
    assert [p.name for p in tmp_path.iterdir()] == ["k3s.json"]  # no temporary left


def test_another_format_is_refused_by_name(k3s: ClusterSnapshot) -> None:
    data = json.loads(encode_scenario(k3s))
    data["format"] = "archgraph.io/cluster-scenario/v2"
    with pytest.raises(SnapshotError) as caught:
        decode_scenario(json.dumps(data).encode(), "k3s.json")
    assert problems(caught) == [
        "k3s.json: format: not a scenario file this version reads (format "
        "'archgraph.io/cluster-scenario/v2'; expected 'archgraph.io/cluster-scenario/v1', as "
        "archgraph import-cluster writes)"
    ]
    with pytest.raises(SnapshotError) as caught:
        decode_scenario(b'{"kind": "NodeList"}', "nodes.json")
    assert "no 'format' field" in problems(caught)[0]


def test_indexes_that_point_nowhere_and_names_twice_are_refused(k3s: ClusterSnapshot) -> None:
    broken = msgspec.structs.replace(
        k3s,
        version="1.29",
        pods=(msgspec.structs.replace(k3s.pods[0], spec=99), k3s.pods[0]),
        nodes=k3s.nodes * 2,
    )
    with pytest.raises(SnapshotError) as caught:
        decode_scenario(encode_scenario(broken), "f.json")
    assert problems(caught) == [
        "f.json: version: '1.29' is not one of 1.31, 1.32, 1.33, 1.34",
        "f.json: pods[0].spec: no spec 99",
        "f.json: nodes[1]: primary-node is also nodes[0]",
        "f.json: pods[1]: kube-system/coredns-56f6fc8fd7-p4x9z is also pods[0]",
    ]


def test_a_field_of_the_wrong_type_is_named(k3s: ClusterSnapshot) -> None:
    data = json.loads(encode_scenario(k3s))
    data["nodes"][0]["allocatable"]["cpu"] = "4"
    with pytest.raises(SnapshotError) as caught:
        decode_scenario(json.dumps(data).encode(), "f.json")
    # msgspec names a map's value, not its key
    assert problems(caught) == [
        "f.json: nodes[0].allocatable[...]: expected an integer, got a string"
    ]


def test_load_scenarios_serves_each_file_by_its_name(k3s: ClusterSnapshot, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    write_scenario(k3s, first / "k3s.json")
    write_scenario(msgspec.structs.replace(k3s, name="other"), second / "x.json")
    (first / "notes.txt").write_text("not a scenario")
    assert load_scenarios([first, second]) == {
        "k3s": k3s,
        "other": msgspec.structs.replace(k3s, name="other"),
    }


def test_load_scenarios_lists_every_problem(k3s: ClusterSnapshot, tmp_path: Path) -> None:
    write_scenario(k3s, tmp_path / "one.json")
    write_scenario(k3s, tmp_path / "two.json")
    (tmp_path / "zzz.json").write_text("{")
    with pytest.raises(SnapshotError) as caught:
        load_scenarios([tmp_path, tmp_path / "missing"])
    assert problems(caught) == [
        f"{tmp_path / 'two.json'}: name: 'k3s' is also the name of {tmp_path / 'one.json'}",
        f"{tmp_path / 'zzz.json'}: not a scenario file: Input data was truncated",
        f"{tmp_path / 'missing'}: no such directory",
    ]

"""Bad input is refused with every problem named as ``file: path.to.field: message``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from kubectl_objects import as_list, container, node, pod, pod_spec, text, workload

from service.errors import InvalidArgument, SnapshotError
from service.snapshots.importer import import_paths, snapshot_from_text
from service.snapshots.problems import MAX_PROBLEMS


def problems_of(data: str | dict[str, Any]) -> list[str]:
    with pytest.raises(SnapshotError) as caught:
        snapshot_from_text(data if isinstance(data, str) else text(data))
    return [str(p) for p in caught.value.problems]


def owned(obj: dict[str, Any], kind: str, name: str) -> dict[str, Any]:
    obj["metadata"]["ownerReferences"] = [{"kind": kind, "name": name, "controller": True}]
    return obj


def test_truncated_json_names_where_it_ends() -> None:
    whole = text(as_list(node("n1")))
    cut = whole[: whole.index('"status"')]
    line = cut.count("\n") + 1
    column = len(cut) - cut.rfind("\n")
    assert problems_of(cut) == [
        f"snapshot: line {line}, column {column}: not valid JSON: the text ends early (truncated)"
    ]


def test_a_json_syntax_error_names_line_and_column() -> None:
    assert problems_of('{"kind": "List",\n "items": [}') == [
        "snapshot: line 2, column 12: not valid JSON: invalid character"
    ]


BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefg", "bcdefgh", strict=True)
)


def test_a_yaml_alias_bomb_is_refused_before_it_expands() -> None:
    assert problems_of(BOMB) == [
        "snapshot: document 1: refused: its aliases expand 26 YAML nodes to 54,481,013 "
        "(an alias bomb); write the repeated parts out instead"
    ]


def test_a_few_yaml_anchors_are_fine() -> None:
    manifest = """\
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: &labels {app: web}}
  template:
    metadata: {labels: *labels}
    spec: {containers: [{name: c}]}
"""
    assert [w.name for w in snapshot_from_text(manifest).workloads] == ["web"]


def test_a_recursive_yaml_alias_is_refused() -> None:
    assert problems_of("a: &a [1, *a]\n") == [
        "snapshot: document 1: an alias refers to the node that contains it (a recursive alias)"
    ]


def test_a_yaml_syntax_error_names_line_and_column() -> None:
    assert problems_of("kind: Node\nmetadata: {name: [}\n") == [
        "snapshot: line 2, column 19: not valid YAML: did not find expected node content"
    ]


def test_unknown_quantities_name_the_field_every_one_of_them() -> None:
    bad = node("n1", cpu="12x", extra={"nvidia.com/gpu": "-1"})
    bad_pod = pod("p", spec=pod_spec([container("1", "4GB")]))
    assert problems_of(as_list(node("ok"), bad, bad_pod)) == [
        "snapshot: items[1].status.allocatable.cpu: '12x' is not a Kubernetes quantity: unknown "
        "suffix 'x'; expected n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or an exponent such as e3, "
        "e.g. 250m, 2, 1.5",
        "snapshot: items[1].status.allocatable[\"nvidia.com/gpu\"]: '-1' is negative; a resource "
        "quantity must be at least 0",
        "snapshot: items[1].status.capacity.cpu: '12x' is not a Kubernetes quantity: unknown "
        "suffix 'x'; expected n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or an exponent such as e3, "
        "e.g. 250m, 2, 1.5",
        "snapshot: items[1].status.capacity[\"nvidia.com/gpu\"]: '-1' is negative; a resource "
        "quantity must be at least 0",
        "snapshot: items[2].spec.containers[0].resources.requests.memory: '4GB' is not a "
        "Kubernetes quantity: unknown suffix 'GB'; expected n u m k M G T P E, Ki Mi Gi Ti Pi "
        "Ei, or an exponent such as e3, e.g. 512Mi, 4Gi, 1G, 128974848",
    ]


def test_an_owner_loop_names_every_object_in_it() -> None:
    loop = as_list(
        owned(workload("ReplicaSet", "a"), "Deployment", "b"),
        owned(workload("Deployment", "b"), "ReplicaSet", "a"),
        owned(pod("p"), "ReplicaSet", "a"),
    )
    assert problems_of(loop) == [
        "snapshot: items[1].metadata.ownerReferences: owner loop: Deployment/default/b → "
        "ReplicaSet/default/a → Deployment/default/b"
    ]


def test_an_object_that_controls_itself_is_a_loop() -> None:
    assert problems_of(owned(workload("ReplicaSet", "a"), "ReplicaSet", "a")) == [
        "snapshot: metadata.ownerReferences: owner loop: ReplicaSet/default/a → ReplicaSet/default/a"
    ]


@pytest.mark.parametrize(
    ("obj", "problem"),
    [
        # a field of the wrong type
        (
            pod("p", spec=pod_spec([{"name": "c", "resources": []}])),
            "spec.containers[0].resources: expected an object, got an array",
        ),
        (
            {"kind": "Pod", "metadata": {"name": 7}},
            "metadata.name: expected a string, got an integer",
        ),
        ({"kind": "Pod", "metadata": {"labels": {}}}, "metadata.name is required"),
        ({"kind": "Pod", "metadata": {"name": "p"}}, "spec: a pod spec is required"),
        (pod("p", spec=pod_spec([])), "spec.containers: a pod needs at least one container"),
        # closed sets, with what would be valid
        (
            pod("p", spec=pod_spec(tolerations=[{"key": "k", "operator": "Maybe"}])),
            "spec.tolerations[0].operator: 'Maybe' is not one of Equal, Exists",
        ),
        (
            pod("p", spec=pod_spec(tolerations=[{"operator": "Equal"}])),
            "spec.tolerations[0].operator: an empty key needs operator Exists",
        ),
        (
            node("n", taints=[{"key": "k", "effect": "Sometimes"}]),
            "spec.taints[0].effect: 'Sometimes' is not one of NoSchedule, PreferNoSchedule, NoExecute",
        ),
        (
            workload(
                "Deployment",
                "d",
                selector={"matchExpressions": [{"key": "a", "operator": "Gt", "values": ["1"]}]},
            ),
            "spec.selector.matchExpressions[0].operator: 'Gt' is not one of In, NotIn, Exists, DoesNotExist",
        ),
        (
            pod(
                "p",
                spec=pod_spec(
                    affinity={
                        "nodeAffinity": {
                            "requiredDuringSchedulingIgnoredDuringExecution": {
                                "nodeSelectorTerms": [
                                    {"matchExpressions": [{"key": "a", "operator": "In"}]}
                                ]
                            }
                        }
                    }
                ),
            ),
            "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: operator In needs at least one value",
        ),
        (
            pod("p", phase="Sleeping"),
            "status.phase: 'Sleeping' is not one of Pending, Running, Succeeded, Failed, Unknown",
        ),
        (
            {
                "kind": "PodDisruptionBudget",
                "metadata": {"name": "x"},
                "spec": {"minAvailable": "5"},
            },
            "spec.minAvailable: '5' is not an integer or a percentage such as '25%'",
        ),
        (
            {
                "kind": "PodDisruptionBudget",
                "metadata": {"name": "x"},
                "spec": {"minAvailable": 1, "maxUnavailable": 1},
            },
            "spec: minAvailable and maxUnavailable cannot both be set",
        ),
        (
            {"kind": "PriorityClass", "metadata": {"name": "x"}, "value": "high"},
            "value: expected an integer, got a string",
        ),
        (
            workload("Deployment", "d", template=None),
            "spec.template.spec: a pod template is required",
        ),
    ],
)
def test_one_bad_field(obj: dict[str, Any], problem: str) -> None:
    assert problems_of(obj) == [f"snapshot: {problem}"]


def test_problems_of_every_file_are_collected_and_the_error_is_an_invalid_argument(
    tmp_path: Path,
) -> None:
    (tmp_path / "nodes.json").write_text(text([node("n1", memory="lots")]))
    (tmp_path / "pods.json").write_text('{"kind": "PodList", "items": [')
    with pytest.raises(InvalidArgument) as caught:
        import_paths([tmp_path / "nodes.json", tmp_path / "pods.json"], "x")
    assert isinstance(caught.value, SnapshotError)
    assert [(p.file, p.path) for p in caught.value.problems] == [
        (str(tmp_path / "pods.json"), "line 1, column 31"),  # reading comes first
        (str(tmp_path / "nodes.json"), "[0].status.allocatable.memory"),
        (str(tmp_path / "nodes.json"), "[0].status.capacity.memory"),
    ]


def test_a_flood_of_problems_is_cut_to_a_count() -> None:
    pods = [pod(f"p{i}", spec=pod_spec([container("1x")])) for i in range(MAX_PROBLEMS + 50)]
    found = problems_of(json.loads(text(as_list(*pods))))
    assert len(found) == MAX_PROBLEMS + 1
    assert found[-1] == "… and 50 more problems"

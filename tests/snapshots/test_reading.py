"""Reading what real tools write: list shapes, YAML streams, folders, kinds from names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kubectl_objects import as_list, node, pdb, pod, text, workload

from service.snapshots.importer import import_paths, snapshot_from_text
from service.snapshots.reading import kind_from_name, read_paths, read_text


def kinds(reading_text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.path) for f in read_text(reading_text).found]


def without_kind(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Nodes.json", "Node"),  # sonobuoy
        ("nodes.json", "Node"),  # troubleshoot
        ("pods", "Pod"),  # troubleshoot's pods/<namespace>.json folder
        ("node", "Node"),  # insights' config/node/<name>.json
        ("pod-disruption-budgets", "PodDisruptionBudget"),
        ("pdbs", "PodDisruptionBudget"),
        ("ReplicaSets.json", "ReplicaSet"),
        ("daemon_sets.yaml", "DaemonSet"),
        ("priorityclasses.json", "PriorityClass"),
        ("jobs.yml", "Job"),
        ("namespaces.json", None),  # a kind the simulation does not use
        ("kube-system.json", None),
    ],
)
def test_kind_from_name(name: str, kind: str | None) -> None:
    assert kind_from_name(name) == kind


def test_a_list_of_mixed_kinds_keeps_each_items_kind_and_path() -> None:
    data = as_list(node("n1"), pod("web"), workload("Deployment", "web"))
    assert kinds(text(data)) == [
        ("Node", "items[0]"),
        ("Pod", "items[1]"),
        ("Deployment", "items[2]"),
    ]


def test_kindless_items_of_a_typed_list_take_the_lists_kind() -> None:
    data = as_list(without_kind(node("n1")), node("n2"), kind="NodeList")
    assert kinds(text(data)) == [("Node", "items[0]"), ("Node", "items[1]")]


def test_a_bare_array_and_a_single_object() -> None:
    assert kinds(text([pod("a"), pod("b")])) == [("Pod", "[0]"), ("Pod", "[1]")]
    assert kinds(text(node("n1"))) == [("Node", "")]


def test_a_list_whose_items_are_null_is_empty() -> None:
    reading = read_text('{"kind": "PodList", "apiVersion": "v1", "items": null}')
    assert (reading.found, reading.problems, dict(reading.skipped)) == ([], [], {})


def test_kinds_not_used_and_items_without_one_are_counted_not_refused() -> None:
    service = {"kind": "Service", "metadata": {"name": "web"}}
    reading = read_text(text(as_list(service, service, without_kind(pod("x")), "text", pod("y"))))
    assert dict(reading.skipped) == {"Service": 2, "(no kind)": 1, "(not an object)": 1}
    assert [f.path for f in reading.found] == ["items[4]"]


def test_a_multi_document_yaml_stream_like_helm_template() -> None:
    stream = """\
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        resources: {requests: {cpu: 250m, memory: 1}}
---
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec: {minAvailable: 2, selector: {matchLabels: {app: web}}}
"""
    s = snapshot_from_text(stream)
    (web,) = s.workloads
    assert (web.kind, web.name, web.replicas) == ("Deployment", "web", 3)
    # YAML numbers are quantities too (memory: 1 is one byte)
    assert s.specs[web.template].requests == {"cpu": 250, "memory": 1}
    assert [(b.name, b.min_available) for b in s.disruption_budgets] == [("web", 2)]


def test_each_document_of_a_yaml_stream_is_named_by_its_number(tmp_path: Path) -> None:
    path = tmp_path / "chart.yaml"
    path.write_text(text(node("n1")) + "\n---\n" + "kind: Node\nmetadata: {name: 7}\n")
    reading = read_paths([path])
    assert [f.file for f in reading.found] == [f"{path}#1"]
    assert [str(p) for p in reading.problems] == [
        f"{path}#2: metadata.name: expected a string, got an integer"
    ]


def test_a_support_bundle_folder_infers_kinds_from_folder_and_file_names(tmp_path: Path) -> None:
    bundle = tmp_path / "cluster-resources"
    (bundle / "pods").mkdir(parents=True)
    (bundle / "deployments").mkdir()
    (bundle / "nodes.json").write_text(text([without_kind(node("n1"))]))
    (bundle / "pods" / "shop.json").write_text(
        text([without_kind(pod("web-1", "shop", node="n1"))])
    )
    (bundle / "deployments" / "shop.json").write_text(
        text({"items": [without_kind(workload("Deployment", "web", "shop", replicas=2))]})
    )
    (bundle / "pods" / "logs.txt").write_text("not read")
    (bundle / ".hidden.json").write_text("{not json")
    s = import_paths([bundle], "bundle")
    assert [n.name for n in s.nodes] == ["n1"]
    assert [(p.namespace, p.name, p.node) for p in s.pods] == [("shop", "web-1", "n1")]
    assert [(w.kind, w.name, w.replicas) for w in s.workloads] == [
        ("Deployment", "web", 2),
        ("Pod", "web-1", None),  # no owner reference: a bare pod
    ]


def test_one_object_per_file_like_the_insights_archive(tmp_path: Path) -> None:
    for name in ("a", "b"):
        folder = tmp_path / "config" / "node"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.json").write_text(text(node(name)))
    assert [n.name for n in import_paths([tmp_path / "config"], "x").nodes] == ["a", "b"]


def test_paths_merge_and_a_later_object_replaces_an_earlier_one(tmp_path: Path) -> None:
    live = tmp_path / "live.json"
    chart = tmp_path / "chart"
    chart.mkdir()
    live.write_text(text(as_list(node("n1"), workload("Deployment", "web", replicas=2))))
    (chart / "web.yaml").write_text(json.dumps(workload("Deployment", "web", replicas=5)))
    (chart / "pdb.yaml").write_text(json.dumps(pdb("web", maxUnavailable=1)))
    s = import_paths([live, chart], "merged")
    assert [(w.name, w.replicas) for w in s.workloads] == [("web", 5)]
    assert len(s.disruption_budgets) == 1
    assert [(d.object, d.reason) for d in s.dropped] == [
        (
            "Deployment/default/web",
            f"given again in {chart / 'web.yaml'}: that one replaces {live}'s",
        )
    ]


def test_standard_input_is_sniffed_as_json_or_yaml() -> None:
    json_in = text(node("n1")).encode()
    yaml_in = b"kind: Node\nmetadata: {name: n2}\nstatus: {allocatable: {cpu: 1, memory: 1Gi}}\n"
    assert [n.name for n in import_paths(["-"], "s", stdin=json_in).nodes] == ["n1"]
    assert [n.name for n in import_paths(["-"], "s", stdin=yaml_in).nodes] == ["n2"]


def test_a_missing_path_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    reading = read_paths([tmp_path / "nope.json"])
    assert [str(p) for p in reading.problems] == [
        f"{tmp_path / 'nope.json'}: no such file or directory"
    ]

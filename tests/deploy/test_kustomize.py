"""``kubectl apply -k deploy/kubernetes``: what kustomize renders, and how a pack edit rolls out."""

from __future__ import annotations

import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "deploy" / "kubernetes"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def _by_kind(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["kind"]: o for o in objects}


def _packs_config_map(objects: list[dict[str, Any]]) -> str:
    volumes = _by_kind(objects)["Deployment"]["spec"]["template"]["spec"]["volumes"]
    (packs,) = [v for v in volumes if v["name"] == "packs"]
    name: str = packs["configMap"]["name"]
    return name


def test_the_render_is_the_manifests_plus_the_packs_config_map(
    rendered: list[dict[str, Any]],
) -> None:
    assert sorted((o["kind"], o["metadata"]["name"][:15]) for o in rendered) == [
        ("ConfigMap", "archgraph-packs"),
        ("Deployment", "archgraph"),
        ("HorizontalPodAutoscaler", "archgraph"),
        ("Namespace", "archgraph"),
        ("NetworkPolicy", "archgraph"),
        ("PodDisruptionBudget", "archgraph"),
        ("Service", "archgraph"),
        ("ServiceAccount", "archgraph"),
    ]
    for document in rendered:
        if document["kind"] != "Namespace":
            assert document["metadata"]["namespace"] == "archgraph"
        kubernetes_validate.validate(document, "1.34.0", strict=True)


def test_the_deployment_runs_the_released_image_and_mounts_the_generated_packs(
    rendered: list[dict[str, Any]],
) -> None:
    objects = _by_kind(rendered)
    (container,) = objects["Deployment"]["spec"]["template"]["spec"]["containers"]
    assert container["image"] == f"registry.example.com/archgraph:{VERSION}"
    config_map = objects["ConfigMap"]
    assert _packs_config_map(rendered) == config_map["metadata"]["name"]
    assert config_map["metadata"]["name"].startswith("archgraph-packs-")  # the content hash
    assert sorted(config_map["data"]) == [
        "example.archgraph-on-kubernetes.md",
        "example.pack.yaml",
    ]
    source = KUBERNETES / "packs" / "example" / "pack.yaml"
    assert config_map["data"]["example.pack.yaml"] == source.read_text()


def test_editing_a_pack_rolls_the_pods_over_and_nothing_else(
    rendered: list[dict[str, Any]],
    kustomize: Callable[[Path], list[dict[str, Any]]],
    tmp_path: Path,
) -> None:
    copy = tmp_path / "kubernetes"
    shutil.copytree(KUBERNETES, copy)
    notes = copy / "packs" / "example" / "sources" / "archgraph-on-kubernetes.md"
    notes.write_text(notes.read_text() + "\nAn edit.\n")
    edited = kustomize(copy)
    before, after = _by_kind(rendered), _by_kind(edited)
    # a new ConfigMap, and the pod template now names it: a new ReplicaSet, a rolling update
    assert _packs_config_map(edited) != _packs_config_map(rendered)
    assert _packs_config_map(edited) == after["ConfigMap"]["metadata"]["name"]
    old_template = before["Deployment"]["spec"]["template"]
    new_template = after["Deployment"]["spec"]["template"]
    assert new_template != old_template
    for volume in new_template["spec"]["volumes"]:
        if volume["name"] == "packs":
            volume["configMap"]["name"] = _packs_config_map(rendered)
    assert new_template == old_template
    for kind in before.keys() - {"ConfigMap", "Deployment"}:
        assert after[kind] == before[kind], kind

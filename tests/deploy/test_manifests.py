"""deploy/kubernetes/: valid objects for a pinned Kubernetes, wired to each other and to the app.

Schemas: kubernetes-validate's copy of Kubernetes' OpenAPI for v1.34, strict (unknown fields
are errors), offline. The rest checks what a schema cannot: that selectors select the pods,
ports and probes name what the container and the app serve, the shutdown fits in the grace
period, and the packs volume lays a pack out where ARCHGRAPH_DATA says it is.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import kubernetes_validate
import pytest
import yaml

from service.cli import main
from service.packs.loader import load_graph
from service.settings import Settings
from service.snapshots.scenario_file import load_scenarios

ROOT = Path(__file__).resolve().parents[2]
KUBERNETES = ROOT / "deploy" / "kubernetes"
KUBERNETES_VERSION = "1.34.0"  # the newest the simulation models (DESIGN.md: 1.31-1.34)
POD_LABELS = {"app.kubernetes.io/name": "archgraph", "app.kubernetes.io/component": "server"}
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def _documents() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{path.name}:{document['kind']}", document)
        for path in sorted(KUBERNETES.glob("*.yaml"))
        if path.name != "kustomization.yaml"
        for document in yaml.safe_load_all(path.read_text())
    ]


@pytest.mark.parametrize(("where", "document"), _documents(), ids=[w for w, _ in _documents()])
def test_every_object_is_valid_for_the_pinned_kubernetes(where: str, document: Any) -> None:
    used = kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    assert used == "1.34"


def test_a_schema_violation_is_caught(manifests: dict[str, dict[str, Any]]) -> None:
    # the validator is not vacuous: a misspelt field of the real Deployment fails
    broken = yaml.safe_load(yaml.safe_dump(manifests["Deployment/archgraph"]))
    broken["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_the_kustomization_applies_every_manifest_into_one_namespace(
    kustomization: dict[str, Any], manifests: dict[str, dict[str, Any]]
) -> None:
    files = sorted(p.name for p in KUBERNETES.glob("*.yaml") if p.name != "kustomization.yaml")
    assert sorted(kustomization["resources"]) == files
    assert kustomization["namespace"] == "archgraph"
    assert sorted(manifests) == [
        "Deployment/archgraph",
        "HorizontalPodAutoscaler/archgraph",
        "Namespace/archgraph",
        "NetworkPolicy/archgraph",
        "PodDisruptionBudget/archgraph",
        "Service/archgraph",
        "ServiceAccount/archgraph",
    ]
    # each file names its namespace too, so it also applies (and is linted) on its own
    for key, document in manifests.items():
        if key != "Namespace/archgraph":
            assert document["metadata"]["namespace"] == "archgraph", key
    labels = manifests["Namespace/archgraph"]["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"


def test_replicas_roll_over_without_losing_capacity(manifests: dict[str, dict[str, Any]]) -> None:
    spec = manifests["Deployment/archgraph"]["spec"]
    assert spec["replicas"] == 3
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
    }
    assert spec["selector"]["matchLabels"] == POD_LABELS
    assert spec["template"]["metadata"]["labels"] == POD_LABELS


def test_the_pods_spread_over_zones_strictly_and_over_nodes_softly(
    pod_spec: dict[str, Any],
) -> None:
    assert pod_spec["topologySpreadConstraints"] == [
        {
            "maxSkew": 1,
            "topologyKey": "topology.kubernetes.io/zone",
            "whenUnsatisfiable": "DoNotSchedule",
            "nodeTaintsPolicy": "Honor",
            "labelSelector": {"matchLabels": POD_LABELS},
        },
        {
            "maxSkew": 1,
            "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "ScheduleAnyway",
            "labelSelector": {"matchLabels": POD_LABELS},
        },
    ]


def test_the_pod_runs_unprivileged_on_a_read_only_root(
    pod_spec: dict[str, Any], container: dict[str, Any]
) -> None:
    assert pod_spec["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 10001,  # the Dockerfile's USER
        "runAsGroup": 10001,
        "fsGroup": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert container["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "privileged": False,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert pod_spec["automountServiceAccountToken"] is False
    assert pod_spec["serviceAccountName"] == "archgraph"
    # the only writable place, for anything that needs a temporary file
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    assert mounts["tmp"]["mountPath"] == "/tmp"
    assert {v["name"]: v for v in pod_spec["volumes"]}["tmp"] == {
        "name": "tmp",
        "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"},
    }
    assert mounts["packs"]["readOnly"] is True and mounts["scenarios"]["readOnly"] is True


def test_requests_are_modest_and_limits_are_set(container: dict[str, Any]) -> None:
    assert container["resources"] == {
        "requests": {"cpu": "250m", "memory": "384Mi"},
        "limits": {"cpu": "1", "memory": "768Mi"},
    }


def test_the_shutdown_fits_in_the_termination_grace_period(
    pod_spec: dict[str, Any], container: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in container["env"]:
        monkeypatch.setenv(variable["name"], variable["value"])
    settings = Settings()  # the Deployment's settings, as the server will read them
    pause = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert pause == 5
    assert settings.graceful_shutdown_seconds == 30
    assert pod_spec["terminationGracePeriodSeconds"] > pause + settings.graceful_shutdown_seconds


def test_every_archgraph_variable_of_the_deployment_is_a_setting(
    container: dict[str, Any],
) -> None:
    names = {v["name"] for v in container["env"]}
    settings = {f"ARCHGRAPH_{field.upper()}" for field in Settings.model_fields}
    assert names - settings == set()


async def test_the_probes_ask_what_the_app_answers(
    container: dict[str, Any], client: httpx.AsyncClient
) -> None:
    (port,) = container["ports"]
    assert port == {"name": "http", "containerPort": 8000, "protocol": "TCP"}
    probes = {
        kind: (container[kind]["httpGet"]["path"], container[kind]["httpGet"]["port"])
        for kind in ("startupProbe", "readinessProbe", "livenessProbe")
    }
    assert probes == {
        "startupProbe": ("/healthz", "http"),
        "readinessProbe": ("/readyz", "http"),
        "livenessProbe": ("/healthz", "http"),
    }
    for path in {p for p, _ in probes.values()}:
        assert (await client.get(path)).status_code == 200, path
    # a big pack may take minutes to load before the port opens
    startup = container["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] == 180


async def test_prometheus_scrapes_the_metrics_port(
    manifests: dict[str, dict[str, Any]], client: httpx.AsyncClient
) -> None:
    annotations = manifests["Deployment/archgraph"]["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "8000",
        "prometheus.io/path": "/metrics",
    }
    response = await client.get(annotations["prometheus.io/path"])
    assert response.status_code == 200
    assert "archgraph_" in response.text


def test_service_budget_autoscaler_and_policy_all_select_the_pods(
    manifests: dict[str, dict[str, Any]],
) -> None:
    service = manifests["Service/archgraph"]["spec"]
    assert service["selector"] == POD_LABELS
    assert service["ports"] == [
        {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}
    ]
    budget = manifests["PodDisruptionBudget/archgraph"]["spec"]
    assert budget["selector"]["matchLabels"] == POD_LABELS
    assert budget["maxUnavailable"] == 1
    autoscaler = manifests["HorizontalPodAutoscaler/archgraph"]["spec"]
    assert autoscaler["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "archgraph",
    }
    # never below the three replicas the zone spread needs
    assert autoscaler["minReplicas"] == manifests["Deployment/archgraph"]["spec"]["replicas"]
    assert autoscaler["maxReplicas"] == 12
    policy = manifests["NetworkPolicy/archgraph"]["spec"]
    assert policy["podSelector"]["matchLabels"] == POD_LABELS
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    assert policy["ingress"] == [
        {"from": [{"namespaceSelector": {}}], "ports": [{"port": "http", "protocol": "TCP"}]}
    ]
    assert policy["egress"] == []  # archgraph calls no one


def test_the_image_is_this_version(
    container: dict[str, Any], kustomization: dict[str, Any]
) -> None:
    assert container["image"] == f"archgraph:{VERSION}"
    assert container["args"] == ["serve"]
    (image,) = kustomization["images"]
    assert image == {
        "name": "archgraph",
        "newName": "registry.example.com/archgraph",
        "newTag": VERSION,
    }


def test_every_skipped_policy_check_says_why(manifests: dict[str, dict[str, Any]]) -> None:
    skips = {
        key: value
        for document in manifests.values()
        for key, value in document["metadata"].get("annotations", {}).items()
        if key.startswith("checkov.io/skip")
    }
    assert list(skips) == ["checkov.io/skip1"]
    check, _, reason = skips["checkov.io/skip1"].partition("=")
    assert check == "CKV_K8S_43"
    assert "digest" in reason and "=" not in reason  # checkov splits ID=reason once


def test_the_packs_volume_serves_the_generated_pack_where_archgraph_data_says(
    kustomization: dict[str, Any],
    pod_spec: dict[str, Any],
    container: dict[str, Any],
    config_map_volume: Callable[[str], Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (generator,) = kustomization["configMapGenerator"]
    assert generator["name"] == "archgraph-packs"
    generated = {
        key: KUBERNETES / source
        for key, _, source in (entry.partition("=") for entry in generator["files"])
    }
    (volume,) = [v for v in pod_spec["volumes"] if v["name"] == "packs"]
    assert volume["configMap"]["name"] == generator["name"]
    # every generated key is mounted, at its path below deploy/kubernetes/packs/
    items = {item["key"]: item["path"] for item in volume["configMap"]["items"]}
    assert items == {
        key: source.relative_to(KUBERNETES / "packs").as_posix()
        for key, source in generated.items()
    }
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == "packs"]
    packs = config_map_volume("packs")
    packs.publish({items[key]: source.read_text() for key, source in generated.items()})
    env = {v["name"]: v["value"] for v in container["env"]}
    monkeypatch.setenv(
        "ARCHGRAPH_DATA", env["ARCHGRAPH_DATA"].replace(mount["mountPath"], str(packs.mount))
    )
    kg = load_graph(Settings().data)
    assert kg.entity("archgraph").name == "archgraph"
    assert kg.entity("archgraph-deployment").attributes["replicas"] == 3


def test_the_scenarios_volume_serves_imported_clusters_by_name(
    pod_spec: dict[str, Any],
    container: dict[str, Any],
    config_map_volume: Callable[[str], Any],
    node_list_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # optional: the pods start (on an empty directory) before anyone creates the ConfigMap
    (volume,) = [v for v in pod_spec["volumes"] if v["name"] == "scenarios"]
    assert volume["configMap"] == {"name": "archgraph-scenarios", "optional": True}
    (mount,) = [m for m in container["volumeMounts"] if m["name"] == "scenarios"]
    env = {v["name"]: v["value"] for v in container["env"]}
    assert env["ARCHGRAPH_SCENARIOS"] == mount["mountPath"] == "/srv/archgraph/scenarios"
    scenarios = config_map_volume("scenarios")
    monkeypatch.setenv("ARCHGRAPH_SCENARIOS", str(scenarios.mount))
    assert load_scenarios(Settings().scenarios) == {}
    # kubectl create configmap archgraph-scenarios --from-file=prod.json
    prod = tmp_path / "prod.json"
    assert main(["import-cluster", str(node_list_file), "--name", "prod", "-o", str(prod)]) == 0
    scenarios.publish({"prod.json": prod.read_text()})
    served = load_scenarios(Settings().scenarios)
    assert list(served) == ["prod"]
    assert len(served["prod"].nodes) == 6

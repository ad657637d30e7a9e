"""Fixtures for deploy/: the Dockerfile read into stages, the manifests, the linters' venv, nodes.

The Dockerfile reader follows Docker's own rules as far as deploy/Dockerfile needs them
(https://docs.docker.com/reference/dockerfile/#format): one instruction per logical line,
a trailing backslash continues it, lines starting with ``#`` are comments (also inside a
continued instruction), and each ``FROM`` starts a stage.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
KUBERNETES = DEPLOY / "kubernetes"
TOOLS_BIN = ROOT / ".venv-tools" / "bin"

ZONES = ("zone-a", "zone-b", "zone-c")


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, COPY, ...
    arguments: str  # continuation lines joined with single spaces
    line: int  # where it starts in the file

    def exec_form(self) -> list[str]:
        """The JSON array of an exec-form ``CMD``/``ENTRYPOINT``/``HEALTHCHECK CMD``."""
        text = (
            self.arguments.split("CMD", 1)[1] if self.keyword == "HEALTHCHECK" else self.arguments
        )
        form = json.loads(text.strip())
        assert isinstance(form, list), f"line {self.line}: not exec form"
        return form


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


def read_dockerfile(text: str) -> list[Stage]:
    """The stages of a Dockerfile, each with its instructions after ``FROM``."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not pending:
            start = number
        continued = stripped.endswith("\\")
        pending.append(stripped[:-1].strip() if continued else stripped)
        if not continued:
            keyword, _, arguments = " ".join(pending).partition(" ")
            instructions.append(Instruction(keyword.upper(), arguments.strip(), start))
            pending = []
    stages: list[Stage] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            words = instruction.arguments.split()
            base = next(w for w in words if not w.startswith("--"))
            name = words[-1] if len(words) >= 3 and words[-2].upper() == "AS" else None
            stages.append(Stage(base, name))
        else:
            assert stages or instruction.keyword in {"ARG"}, f"line {instruction.line}"
            if stages:
                stages[-1].instructions.append(instruction)
    return stages


@pytest.fixture(scope="session")
def stages() -> list[Stage]:
    return read_dockerfile((DEPLOY / "Dockerfile").read_text())


def manifest_files() -> list[Path]:
    """The Kubernetes objects' files: every YAML in deploy/kubernetes/ but kustomize's own."""
    return sorted(p for p in KUBERNETES.glob("*.yaml") if p.name != "kustomization.yaml")


@pytest.fixture(scope="session")
def manifests() -> dict[str, dict[str, Any]]:
    """Every object of deploy/kubernetes/, keyed ``Kind/name``."""
    found: dict[str, dict[str, Any]] = {}
    for path in manifest_files():
        for document in yaml.safe_load_all(path.read_text()):
            key = f"{document['kind']}/{document['metadata']['name']}"
            assert key not in found, f"{path.name}: {key} twice"
            found[key] = document
    return found


@pytest.fixture(scope="session")
def kustomization() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((KUBERNETES / "kustomization.yaml").read_text())
    return data


@pytest.fixture(scope="session")
def pod_spec(manifests: dict[str, dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = manifests["Deployment/archgraph"]["spec"]["template"]["spec"]
    return spec


@pytest.fixture(scope="session")
def container(pod_spec: dict[str, Any]) -> dict[str, Any]:
    (only,) = pod_spec["containers"]
    return dict(only)


@pytest.fixture(scope="session")
def tool() -> Callable[[str], Path]:
    """A linter from ``make tools`` by name; missing is a failure in CI and a skip elsewhere."""

    def find(name: str) -> Path:
        path = TOOLS_BIN / name
        if not path.exists():
            message = f"{path} is missing: run `make tools` (make test does)"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
        return path

    return find


@pytest.fixture(scope="session")
def offline_env() -> dict[str, str]:
    """The environment for the linters: no account, no update check, and no way out.

    checkov reaches out for three things, each turned off here: the platform (only with
    ``BC_API_KEY``, removed), policy metadata (``--skip-download``, ``BC_SKIP_MAPPING``) and
    its own newer version on PyPI (``CKV_SKIP_PACKAGE_UPDATE_CHECK``). Any request left over
    goes to a proxy on a closed loopback port and fails at once instead of leaving the machine.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BC_", "PRISMA_", "CKV_"))}
    closed = "http://127.0.0.1:9"
    env.update(
        BC_SKIP_MAPPING="TRUE",
        CKV_SKIP_PACKAGE_UPDATE_CHECK="true",
        HTTP_PROXY=closed,
        HTTPS_PROXY=closed,
        http_proxy=closed,
        https_proxy=closed,
        NO_PROXY="",
        no_proxy="",
        LOG_LEVEL="WARNING",
    )
    return env


@pytest.fixture(scope="session")
def kustomize(
    tool: Callable[[str], Path], offline_env: dict[str, str]
) -> Callable[[Path], list[dict[str, Any]]]:
    """``kubectl kustomize DIR`` (kustomize built into kubectl, from ``make tools``), parsed."""

    def render(directory: Path) -> list[dict[str, Any]]:
        result = subprocess.run(
            [str(tool("kubectl")), "kustomize", str(directory)],
            capture_output=True,
            text=True,
            timeout=60,
            env=offline_env,
        )
        assert result.returncode == 0, result.stderr
        return [d for d in yaml.safe_load_all(result.stdout) if d]

    return render


@pytest.fixture(scope="session")
def rendered(kustomize: Callable[[Path], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """What ``kubectl apply -k deploy/kubernetes`` sends to the cluster."""
    return kustomize(KUBERNETES)


class ConfigMapVolume:
    """A ConfigMap volume as the kubelet writes it (pkg/volume/util/atomic_writer.go).

    Each :meth:`publish` writes every file into a new hidden ``..<timestamp>`` directory,
    points ``..data`` at it by renaming a fresh link over the old one (one atomic step), links
    each top-level entry through ``..data``, then deletes the previous directory: what a pod
    sees when its ConfigMap is created, and again when it is updated in place.
    """

    def __init__(self, mount: Path) -> None:
        self.mount = mount
        self.generation = 0
        mount.mkdir(parents=True, exist_ok=True)

    def publish(self, files: dict[str, str]) -> None:
        self.generation += 1
        stamp = self.mount / f"..2026_01_01_00_00_{self.generation:02d}.000000001"
        for relative, text in files.items():
            (stamp / relative).parent.mkdir(parents=True, exist_ok=True)
            (stamp / relative).write_text(text)
        data = self.mount / "..data"
        previous = data.resolve() if data.is_symlink() else None
        (self.mount / "..data_tmp").symlink_to(stamp.name)
        os.rename(self.mount / "..data_tmp", data)
        for entry in stamp.iterdir():
            link = self.mount / entry.name
            if not link.is_symlink():
                link.symlink_to(Path("..data") / entry.name)
        if previous is not None:
            shutil.rmtree(previous)


@pytest.fixture
def config_map_volume(tmp_path: Path) -> Callable[[str], ConfigMapVolume]:
    """A kubelet-style ConfigMap volume mounted at ``tmp_path / name``."""
    return lambda name: ConfigMapVolume(tmp_path / name)


def three_zone_node_list(
    per_zone: int = 2,
    cpu: str = "4",
    memory: str = "16Gi",
    pods: str = "110",
    kubelet_version: str = "v1.33.4",
) -> dict[str, Any]:
    """A ``kubectl get nodes -o json`` of ``per_zone`` Ready nodes in each of three zones.

    Node names are ``node-<zone letter>-<n>``; each carries the well-known labels the
    scheduler and the node lifecycle controller read (``topology.kubernetes.io/zone``,
    ``kubernetes.io/hostname``), capacity and allocatable cpu, memory and pods, and its
    kubelet version (from which the simulation picks Kubernetes' version).
    """
    items = []
    for zone in ZONES:
        for n in range(1, per_zone + 1):
            name = f"node-{zone[-1]}-{n}"
            resources = {"cpu": cpu, "memory": memory, "pods": pods}
            items.append(
                {
                    "apiVersion": "v1",
                    "kind": "Node",
                    "metadata": {
                        "name": name,
                        "labels": {
                            "kubernetes.io/hostname": name,
                            "kubernetes.io/os": "linux",
                            "kubernetes.io/arch": "amd64",
                            "topology.kubernetes.io/region": "region-1",
                            "topology.kubernetes.io/zone": zone,
                            "node.kubernetes.io/instance-type": "standard-4",
                        },
                    },
                    "spec": {},
                    "status": {
                        "capacity": dict(resources),
                        "allocatable": dict(resources),
                        "conditions": [
                            {"type": "Ready", "status": "True", "reason": "KubeletReady"}
                        ],
                        "nodeInfo": {
                            "architecture": "amd64",
                            "bootID": f"boot-{name}",
                            "containerRuntimeVersion": "containerd://1.7.27",
                            "kernelVersion": "6.1.0-37-cloud-amd64",
                            "kubeProxyVersion": kubelet_version,
                            "kubeletVersion": kubelet_version,
                            "machineID": f"machine-{name}",
                            "operatingSystem": "linux",
                            "osImage": "Debian GNU/Linux 12 (bookworm)",
                            "systemUUID": f"uuid-{name}",
                        },
                    },
                }
            )
    return {"apiVersion": "v1", "kind": "NodeList", "metadata": {}, "items": items}


@pytest.fixture(scope="session")
def three_zone_nodes() -> dict[str, Any]:
    """The default node set: six 4-CPU, 16Gi nodes, two in each of three zones."""
    return three_zone_node_list()


@pytest.fixture
def node_list_file(tmp_path: Path, three_zone_nodes: dict[str, Any]) -> Iterator[Path]:
    """The three-zone node set written where ``archgraph import-cluster`` can read it."""
    path = tmp_path / "nodes.json"
    path.write_text(json.dumps(three_zone_nodes, indent=2))
    yield path

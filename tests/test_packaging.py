"""A non-editable install carries the built-in graph and serves it from anywhere."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # hatchling comes with the test extras, so no build isolation (and no download) is needed
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr
    return next(out.glob("archgraph-*.whl"))


def test_the_wheel_ships_the_graph_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "service/graph_data/sources/vms-vs-containers.md",
        "service/graph_data/platforms.yaml",
        "service/graph_data/failures.yaml",
        "service/graph_data/scenarios/three-nodes-full.yaml",
        "service/example_queries/comparison.graphql",
        "service/http/static/graphiql/VERSIONS.json",
    } <= names


def test_the_installed_package_loads_its_graph_from_another_directory(
    wheel: Path, tmp_path: Path
) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "from service.packs.loader import builtin_data_dir, load_graph; "
        "print(builtin_data_dir()); print(len(load_graph()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=elsewhere,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=True,
    )
    data_dir, count = result.stdout.split()
    assert Path(data_dir) == target / "service" / "graph_data"
    assert count == "79"

"""deploy/Dockerfile: what the image holds and how it runs, read from the file; then hadolint.

No container runtime exists here, so the image is never built in tests; these checks read the
stages instead, and hadolint (the Dockerfile linter, run from ``make tools``) lints them.
"""

from __future__ import annotations

import json
import re
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"

# What a final stage must not do: install a toolchain, or carry an installer.
COMPILERS = re.compile(r"\b(gcc|g\+\+|cc|clang|make|build-essential|musl-dev|libc6?-dev)\b")
PACKAGE_MANAGERS = re.compile(r"\b(apt-get|apt|apk|dnf|yum)\s+(install|add)\b")
PIP_INSTALL = re.compile(r"\bpip3?(\.\d+)?\s+(install|download|wheel)\b|-m\s+pip\s+install\b")


def test_three_stages_build_the_wheel_install_it_and_run_it(stages: list[Any]) -> None:
    assert [s.name for s in stages] == ["wheel", "venv", "runtime"]
    # the virtualenv's interpreter is the base image's: every stage starts from the same one
    assert {s.base for s in stages} == {"python:3.11-slim-bookworm"}
    _, venv, runtime = stages
    assert [i.arguments for i in venv.all("COPY")] == ["--from=wheel /wheels/ /wheels/"]
    assert [i.arguments for i in runtime.all("COPY")] == [
        "--from=venv /opt/archgraph/ /opt/archgraph/"
    ]


def test_the_wheel_stage_copies_everything_the_wheel_build_reads(stages: list[Any]) -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wheel_target = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]
    needed = {
        "pyproject.toml",
        pyproject["project"]["readme"],
        *wheel_target["packages"],
        *wheel_target["force-include"],
    }
    copied = {
        source.rstrip("/")
        for instruction in stages[0].all("COPY")
        for source in instruction.arguments.split()[:-1]
    }
    assert copied == needed
    # and the build context lets them through (deploy/Dockerfile.dockerignore)
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert allowed == needed


def test_the_final_stage_has_no_compiler_and_no_pip(stages: list[Any]) -> None:
    runtime = stages[-1]
    runs = [i.arguments for i in runtime.all("RUN")]
    for command in runs:
        assert not COMPILERS.search(command), command
        assert not PACKAGE_MANAGERS.search(command), command
        assert not PIP_INSTALL.search(command), command
    # the base image's pip goes, and so does ensurepip's bundled copy that could bring it back
    (setup,) = runs
    assert "python -m pip uninstall --yes --quiet pip setuptools wheel" in setup
    assert "shutil.rmtree(pathlib.Path(ensurepip.__file__).parent)" in setup
    # the virtualenv came without pip of its own
    (venv_run,) = stages[1].all("RUN")
    assert "python -m venv --without-pip /opt/archgraph" in venv_run.arguments
    assert "--only-binary=:all:" in venv_run.arguments  # nothing is compiled on the way either


def test_the_final_stage_runs_archgraph_serve_as_an_unprivileged_user(
    stages: list[Any],
) -> None:
    runtime = stages[-1]
    (user,) = runtime.all("USER")
    uid, _, gid = user.arguments.partition(":")
    # numeric, so Kubernetes' runAsNonRoot can verify it; above the host's usual range
    assert int(uid) >= 10000 and int(gid) >= 10000
    (setup,) = runtime.all("RUN")
    assert f"useradd --system --uid {uid} --gid {gid}" in setup.arguments
    assert runtime.instructions.index(user) > max(
        runtime.instructions.index(i) for i in runtime.all("RUN") + runtime.all("COPY")
    )
    (entrypoint,) = runtime.all("ENTRYPOINT")
    (cmd,) = runtime.all("CMD")
    assert entrypoint.exec_form() + cmd.exec_form() == ["archgraph", "serve"]
    (expose,) = runtime.all("EXPOSE")
    assert expose.arguments == "8000"
    (healthcheck,) = runtime.all("HEALTHCHECK")
    assert healthcheck.exec_form()[0] == "python"
    assert "/healthz" in healthcheck.exec_form()[-1]


def test_the_image_listens_on_all_interfaces_and_documents_its_mount_points(
    stages: list[Any],
) -> None:
    runtime = stages[-1]
    (env,) = runtime.all("ENV")
    assert "ARCHGRAPH_HOST=0.0.0.0" in env.arguments.split()
    assert "ARCHGRAPH_PORT=8000" in env.arguments.split()
    assert "PATH=/opt/archgraph/bin:$PATH" in env.arguments.split()
    (setup,) = runtime.all("RUN")
    assert "mkdir -p /srv/archgraph/packs /srv/archgraph/scenarios" in setup.arguments
    header = (DEPLOY / "Dockerfile").read_text().split("\nFROM", 1)[0]
    assert "/srv/archgraph/packs/NAME" in header and "ARCHGRAPH_DATA" in header
    assert "/srv/archgraph/scenarios" in header and "ARCHGRAPH_SCENARIOS" in header


def test_hadolint_finds_nothing(
    tool: Callable[[str], Path], offline_env: dict[str, str], tmp_path: Path
) -> None:
    hadolint = tool("hadolint")
    result = subprocess.run(
        [
            str(hadolint),
            "--no-color",
            "--format",
            "json",
            "--failure-threshold",
            "style",
            str(DEPLOY / "Dockerfile"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,  # no stray .hadolint.yaml relaxes the rules
        env=offline_env,
    )
    assert json.loads(result.stdout) == [], result.stdout
    assert result.returncode == 0, result.stderr

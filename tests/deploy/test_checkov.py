"""checkov's Dockerfile and Kubernetes policies pass on deploy/, offline; skips carry reasons.

checkov (from ``make tools``, its own virtualenv) is the well-kept policy checker for both:
its Dockerfile checks cover hadolint's security rules (USER, HEALTHCHECK, ADD, latest tags,
apt and pip hygiene), its Kubernetes checks the Pod Security and CIS-style rules (probes,
limits, root, capabilities, seccomp, service account tokens, NetworkPolicy per pod).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
# Each with the reason written next to it in the manifest (a checkov.io/skip annotation).
SKIPPED = {"CKV_K8S_43": "Deployment.archgraph.archgraph"}


def checkov(
    directory: Path, tool: Callable[[str], Path], env: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """checkov's JSON report on ``directory``, one entry per framework."""
    result = subprocess.run(
        [
            str(tool("checkov")),
            "--skip-download",
            "--output",
            "json",
            "--framework",
            "dockerfile",
            "kubernetes",
            "--directory",
            str(directory),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=directory,
    )
    # exit 1 only means a check failed; anything else is checkov itself failing
    assert result.returncode in (0, 1), result.stderr
    reports = json.loads(result.stdout)
    return {report["check_type"]: report for report in reports}


@pytest.fixture(scope="module")
def report(tool: Callable[[str], Path], offline_env: dict[str, str]) -> dict[str, dict[str, Any]]:
    return checkov(DEPLOY, tool, offline_env)


@pytest.mark.parametrize(
    ("framework", "resources"),
    [
        ("dockerfile", 1),  # deploy/Dockerfile
        ("kubernetes", 8),  # the seven objects and the pod template checkov derives
    ],
)
def test_no_check_fails(report: dict[str, dict[str, Any]], framework: str, resources: int) -> None:
    summary = report[framework]["summary"]
    failed = [
        f"{c['check_id']} {c['check_name']}: {c['file_path']}:{c['file_line_range']}"
        for c in report[framework]["results"]["failed_checks"]
    ]
    assert failed == []
    assert summary["parsing_errors"] == 0
    assert summary["resource_count"] == resources
    assert summary["passed"] >= 60  # the policies ran, offline


def test_every_skip_is_the_known_one_with_its_reason(report: dict[str, dict[str, Any]]) -> None:
    skipped = {
        c["check_id"]: (c["resource"], c["check_result"]["suppress_comment"])
        for r in report.values()
        for c in r["results"]["skipped_checks"]
    }
    assert {check: resource for check, (resource, _) in skipped.items()} == SKIPPED
    for _, reason in skipped.values():
        assert reason.startswith("the image is built from deploy/Dockerfile"), reason


def test_a_weakened_manifest_fails(
    tool: Callable[[str], Path], offline_env: dict[str, str], tmp_path: Path
) -> None:
    # the same checks on a copy whose container may write its root filesystem
    copy = tmp_path / "deploy"
    shutil.copytree(DEPLOY, copy)
    deployment = copy / "kubernetes" / "deployment.yaml"
    text = deployment.read_text()
    assert text.count("readOnlyRootFilesystem: true") == 1
    deployment.write_text(
        text.replace("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false")
    )
    failed = {
        c["check_id"]
        for c in checkov(copy, tool, offline_env)["kubernetes"]["results"]["failed_checks"]
    }
    assert failed == {"CKV_K8S_22"}

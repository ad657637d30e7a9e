"""End to end: a note drafted with ``archgraph draft``, served next to the built-in graph by a
real uvicorn, answers comparison, requirements, recommendation and stackPath with exact data."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from draft_notes import MICROVM_NOTE
from live_server import LiveServer, live_server

pytestmark = pytest.mark.e2e

COMPARISON = """{ comparison(left: "microvm", right: "container") {
  rows { dimension { id name } left right favours sources { line quote } } } }"""
RECOMMENDATION = """query($r: [ID!]!, $among: [ID!]) {
  recommendation(requirements: $r, among: $among) {
    choice favoured { id } favouredEntities { id } rationale
    reasons { requirement { id } favoured { id } favours sources { line quote } } } }"""
STACK_PATH = """{ stackPath(from: "bare-metal", to: "container") {
  layers { entity { id } } hops { from { id } to { id } relation sources { line quote } } } }"""


@pytest.fixture(scope="module")
def drafted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The MicroVM note drafted by the real command, then served with ``--data``."""
    workdir = tmp_path_factory.mktemp("drafted")
    (workdir / "containers-vs-microvms.md").write_text(MICROVM_NOTE)
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "draft", "containers-vs-microvms.md", "-o", "pack"],
        capture_output=True,
        text=True,
        cwd=workdir,
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (0, ""), result.stdout
    with live_server(workdir, "--data", str(workdir / "pack")) as running:
        yield running


def ask(server: LiveServer, query: str, **variables: Any) -> Any:
    response = httpx.post(server.graphql, json={"query": query, "variables": variables}, timeout=10)
    assert response.status_code == 200, response.text
    payload = response.json()
    assert "errors" not in payload, payload
    return payload["data"]


def test_comparison_returns_every_row_of_the_table_with_verbatim_cells(
    drafted: LiveServer,
) -> None:
    rows = ask(drafted, COMPARISON)["comparison"]["rows"]
    assert rows == [
        {
            "dimension": {"id": "boot-time", "name": "Boot Time"},
            "left": "~125 ms \\| cold",
            "right": "Sub-second",
            "favours": "NEITHER",
            "sources": [
                {"line": 7, "quote": "~125 ms \\| cold"},
                {"line": 7, "quote": "Sub-second"},
                {"line": 5, "quote": "Aspect"},
                {"line": 7, "quote": "Boot Time"},
            ],
        },
        {
            "dimension": {"id": "isolation", "name": "Isolation"},
            "left": "Hardware virtualization (`KVM`)",
            "right": "Kernel namespaces and cgroups",
            "favours": "NEITHER",
            "sources": [
                {"line": 8, "quote": "Hardware virtualization (`KVM`)"},
                {"line": 8, "quote": "Kernel namespaces and cgroups"},
                {"line": 5, "quote": "Aspect"},
                {"line": 8, "quote": "Isolation"},
            ],
        },
        {
            "dimension": {"id": "density", "name": "Density"},
            "left": "Thousands per host",
            "right": "Highest per host",
            "favours": "NEITHER",
            "sources": [
                {"line": 9, "quote": "Thousands per host"},
                {"line": 9, "quote": "Highest per host"},
                {"line": 5, "quote": "Aspect"},
                {"line": 9, "quote": "Density"},
            ],
        },
    ]


DRAFTED = {
    "already-run-kubernetes",
    "density-matters-most",
    "each-tenant-gets-microvm-running",
    "kernel-exploit-not-cross-tenants",
    "run-untrusted-code-many-tenants",
}


def test_requirements_list_the_notes_items_next_to_the_builtin_ones(drafted: LiveServer) -> None:
    requirements = ask(drafted, "{ requirements { id kind name } }")["requirements"]
    drafted_ones = [r for r in requirements if r["id"] in DRAFTED]
    assert drafted_ones == [
        {
            "id": "already-run-kubernetes",
            "kind": "REQUIREMENT",
            "name": "You already run Kubernetes",
        },
        {"id": "density-matters-most", "kind": "REQUIREMENT", "name": "Density matters most"},
        {
            "id": "each-tenant-gets-microvm-running",
            "kind": "SITUATION",
            "name": "Each tenant gets a MicroVM running its own containers",
        },
        {
            "id": "kernel-exploit-not-cross-tenants",
            "kind": "REQUIREMENT",
            "name": "A kernel exploit must not cross tenants",
        },
        {
            "id": "run-untrusted-code-many-tenants",
            "kind": "REQUIREMENT",
            "name": "You run untrusted code from many tenants",
        },
    ]
    assert len(requirements) == 14 + 5


def test_an_item_of_a_choose_list_recommends_its_subject(drafted: LiveServer) -> None:
    result = ask(drafted, RECOMMENDATION, r=["run-untrusted-code-many-tenants"])
    assert result["recommendation"] == {
        "choice": None,
        "favoured": {"id": "microvm"},
        "favouredEntities": [{"id": "microvm"}],
        "rationale": "Choose MicroVMs because You run untrusted code from many tenants favours "
        "MicroVMs.",
        "reasons": [
            {
                "requirement": {"id": "run-untrusted-code-many-tenants"},
                "favoured": {"id": "microvm"},
                "favours": None,
                "sources": [
                    {"line": 13, "quote": "Choose a MicroVM when:"},
                    {"line": 15, "quote": "You run untrusted code"},
                ],
            }
        ],
    }


def test_items_of_both_lists_are_served_by_the_combination_the_chain_layers(
    drafted: LiveServer,
) -> None:
    result = ask(
        drafted,
        RECOMMENDATION,
        r=["run-untrusted-code-many-tenants", "density-matters-most"],
        among=["microvm", "container"],
    )["recommendation"]
    assert (result["choice"], result["favoured"], result["favouredEntities"]) == (
        None,
        {"id": "microvm-container-architecture"},
        [{"id": "microvm"}, {"id": "container"}],
    )
    assert result["rationale"] == (
        "Choose MicroVMs and Containers combined because You run untrusted code from many "
        "tenants favours MicroVMs and Density matters most favours Container; no single "
        "platform serves them all."
    )


def test_the_choice_keeps_its_meaning_for_containers(drafted: LiveServer) -> None:
    result = ask(drafted, RECOMMENDATION, r=["density-matters-most"])["recommendation"]
    assert (result["choice"], result["favoured"]) == ("CONTAINER", {"id": "container"})


def test_stack_path_follows_the_arrow_chain(drafted: LiveServer) -> None:
    path = ask(drafted, STACK_PATH)["stackPath"]
    assert [layer["entity"]["id"] for layer in path["layers"]] == [
        "bare-metal",
        "firecracker",
        "microvm",
        "container",
    ]
    assert path["hops"] == [
        {
            "from": {"id": "bare-metal"},
            "to": {"id": "firecracker"},
            "relation": "hosts",
            "sources": [{"line": 30, "quote": "Bare Metal → Firecracker"}],
        },
        {
            "from": {"id": "firecracker"},
            "to": {"id": "microvm"},
            "relation": "hosts",
            "sources": [{"line": 30, "quote": "Firecracker → MicroVMs"}],
        },
        {
            "from": {"id": "microvm"},
            "to": {"id": "container"},
            "relation": "hosts",
            "sources": [{"line": 30, "quote": "MicroVMs → Containers"}],
        },
    ]


def test_the_builtin_answers_are_unchanged_next_to_the_draft(drafted: LiveServer) -> None:
    result = ask(drafted, RECOMMENDATION, r=["strong-security-isolation", "fast-startup"])
    assert (result["recommendation"]["choice"], result["recommendation"]["favoured"]) == (
        "COMBINED",
        {"id": "vm-container-architecture"},
    )

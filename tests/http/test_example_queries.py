"""The example operations of ``clients/queries/`` (GraphiQL's tabs): each one runs and answers."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from graphql import OperationDefinitionNode, parse

from service.http.graphiql import EXAMPLES, ExampleOperation, example_queries_dir, load_examples

ROOT = Path(__file__).resolve().parents[2]
CLIENT_QUERIES = ROOT / "clients" / "queries"
EXAMPLE_BY_NAME = {example.name: example for example in load_examples()}

Projection = Callable[[dict[str, Any]], object]

# What each example must answer, seen through a projection of its data.
ANSWERS: dict[str, tuple[Projection, object]] = {
    # the best match for "virtual" is the platform itself, and there are more pages
    "entities-search": (
        lambda d: (d["entities"]["nodes"][0]["id"], d["entities"]["pageInfo"]["hasNextPage"]),
        ("virtual-machine", True),
    ),
    # a container shares the host kernel, and says where the notes say so
    "entity": (
        lambda d: (
            d["entity"]["name"],
            "host-kernel" in {r["target"]["id"] for r in d["entity"]["relations"]},
            all(s["document"] == "vms-vs-containers.md" for s in d["entity"]["sources"]),
        ),
        ("Container", True, True),
    ),
    # all seven dimensions; containers start faster, VMs isolate more strongly
    "comparison": (
        lambda d: (
            [r["dimension"]["id"] for r in d["comparison"]["rows"]],
            {r["dimension"]["id"]: r["favours"] for r in d["comparison"]["rows"]}["startup-time"],
            {r["dimension"]["id"]: r["favours"] for r in d["comparison"]["rows"]}[
                "security-isolation"
            ],
        ),
        (
            [
                "kernel-sharing",
                "startup-time",
                "resource-overhead",
                "security-isolation",
                "operational-complexity",
                "portability",
                "performance",
            ],
            "RIGHT",
            "LEFT",
        ),
    ),
    # VM-level isolation together with fast startup is the notes' case for combining both
    "recommendation": (
        lambda d: (
            d["recommendation"]["choice"],
            [(r["requirement"]["id"], r["favours"]) for r in d["recommendation"]["reasons"]],
        ),
        (
            "COMBINED",
            [("strong-security-isolation", "VIRTUAL_MACHINE"), ("fast-startup", "CONTAINER")],
        ),
    ),
    # the notes' stack, from the bottom layer up
    "stack-path": (
        lambda d: [layer["entity"]["id"] for layer in d["stackPath"]["layers"]],
        ["cloud-infrastructure", "virtual-machine", "kubernetes", "container"],
    ),
    # a shared host kernel takes its containers down with it
    "blast-radius": (
        lambda d: (
            d["blastRadius"]["origin"]["id"],
            "container" in {a["entity"]["id"] for a in d["blastRadius"]["affected"]},
        ),
        ("host-kernel", True),
    ),
    # node-b's two pods fit nowhere else, so the autoscaler adds one node and all six run
    "failure-scenario": (
        lambda d: (
            d["failureConsequences"]["event"],
            d["failureConsequences"]["outcome"]["available"],
            d["failureConsequences"]["outcome"]["nodesAdded"],
            d["failureConsequences"]["outcome"]["deployments"],
        ),
        (
            "NODE_DOWN",
            True,
            1,
            [{"name": "web", "desired": 6, "running": 6, "pending": 0, "pendingReason": None}],
        ),
    ),
    # zone-a's nodes are tainted 10 s apart; the autoscaler's one new node takes web's
    # replacements, db-2 stays Terminating, and api's third pod has no zone to go to
    "zone-down": (
        lambda d: (
            [(s["atSeconds"], s["podCount"]) for s in d["failureConsequences"]["steps"][:3]],
            d["failureConsequences"]["outcome"]["nodesAdded"],
            [
                (w["name"], w["available"], w["pending"], w["terminating"])
                for w in d["failureConsequences"]["outcome"]["workloads"]
            ],
        ),
        (
            [(50.0, 7), (55.0, 3), (65.0, 2)],
            1,
            [("web", 6, 0, 2), ("api", 2, 1, 1), ("cache", 1, 0, 1), ("db", 2, 0, 1),
             ("log-agent", 5, 0, 0)],
        ),
    ),
    # two GPUs fit no node; one GPU fits gpu-1
    "scheduling": (
        lambda d: [(p["name"], p["node"], p["message"]) for p in d["scheduling"]["pods"]],
        [
            ("trainer", None,
             "0/2 nodes are available: 2 Insufficient nvidia.com/gpu. preemption: 0/2 nodes are "
             "available: 2 No preemption victims found for incoming pod."),
            ("notebook", "gpu-1", None),
        ],
    ),
    # cache is a single pod in zone-a, on node-a2
    "resilience": (
        lambda d: [
            (s["scope"], s["target"], [w["name"] for w in s["workloads"]])
            for s in d["resilience"]["singlePointsOfFailure"]
        ],
        [("ZONE", "zone-a", ["cache"]), ("NODE", "node-a2", ["cache"])],
    ),
}  # fmt: skip


def _operation(example: ExampleOperation) -> OperationDefinitionNode:
    [operation] = parse(example.document).definitions
    assert isinstance(operation, OperationDefinitionNode)
    return operation


def test_the_folder_holds_exactly_the_listed_examples() -> None:
    files = {p.name for p in CLIENT_QUERIES.iterdir()} - {"README.md"}
    assert files == {f"{n}.graphql" for n in EXAMPLES} | {f"{n}.variables.json" for n in EXAMPLES}
    assert set(ANSWERS) == set(EXAMPLES)


def test_the_checkout_reads_the_examples_from_clients_queries() -> None:
    # an installed wheel has them at service/example_queries (see pyproject's force-include)
    assert example_queries_dir() == CLIENT_QUERIES


def test_the_wheel_and_the_sdist_carry_the_examples() -> None:
    hatch = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["hatch"]["build"]
    assert hatch["targets"]["wheel"]["force-include"]["clients/queries"] == (
        "service/example_queries"
    )
    assert "clients/queries" in hatch["targets"]["sdist"]["include"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_an_example_is_one_named_query_given_all_its_variables(name: str) -> None:
    example = EXAMPLE_BY_NAME[name]
    operation = _operation(example)
    # the operation is named after its file, which is also its tab title in GraphiQL
    assert operation.operation.value == "query"
    assert operation.name is not None
    assert operation.name.value == "".join(part.title() for part in name.split("-"))
    declared = {v.variable.name.value for v in operation.variable_definitions}
    required = {
        v.variable.name.value
        for v in operation.variable_definitions
        if v.type.kind == "non_null_type" and v.default_value is None
    }
    assert required <= set(example.variables) <= declared


@pytest.mark.parametrize("name", EXAMPLES)
def test_an_example_runs_with_its_variables_and_answers(
    name: str, gql: Callable[..., dict[str, Any]]
) -> None:
    example = EXAMPLE_BY_NAME[name]
    result = gql(example.document, **example.variables)
    assert "errors" not in result, result.get("errors")
    project, expected = ANSWERS[name]
    assert project(result["data"]) == expected

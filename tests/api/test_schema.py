"""The GraphQL contract through the in-process schema, asserting exact data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from service.api.schema import schema_sdl

Gql = Callable[..., dict[str, Any]]
ROOT = Path(__file__).resolve().parents[2]


def test_schema_graphql_is_what_the_code_generates() -> None:
    assert (ROOT / "schema.graphql").read_text() == schema_sdl(), "run `make schema` and commit it"


def test_entity_by_slug_with_sources(gql: Gql) -> None:
    result = gql(
        '{ entity(id: "host-kernel") { id kind name aliases sources { document section line quote external } } }'
    )
    assert result == {
        "data": {
            "entity": {
                "id": "host-kernel",
                "kind": "KERNEL",
                "name": "Shared host kernel",
                "aliases": ["host OS kernel", "host kernel"],
                "sources": [
                    {
                        "document": "vms-vs-containers.md",
                        "section": "Comparison Table",
                        "line": 7,
                        "quote": "Share the host OS kernel",
                        "external": False,
                    }
                ],
            }
        }
    }


def test_an_unknown_entity_is_null_not_an_error(gql: Gql) -> None:
    assert gql('{ entity(id: "mainframe") { id } node(id: "mainframe") { id } }') == {
        "data": {"entity": None, "node": None}
    }


def test_node_is_the_relay_lookup_by_the_same_slug(gql: Gql) -> None:
    result = gql('{ node(id: "pod") { __typename id ... on Entity { name } } }')
    assert result == {"data": {"node": {"__typename": "Entity", "id": "pod", "name": "Pod"}}}


def test_relations_read_both_ways_with_inverse_labels(gql: Gql) -> None:
    result = gql(
        '{ entity(id: "kubernetes") { relations(type: RUNS_ON) { direction label target { id } sources { line quote } } } }'
    )
    assert result["data"]["entity"]["relations"] == [
        {
            "direction": "OUTGOING",
            "label": "runs_on",
            "target": {"id": "virtual-machine"},
            "sources": [
                {"line": 40, "quote": "Virtual Machines → Kubernetes"},
                {
                    "line": 33,
                    "quote": "Running Kubernetes clusters on cloud infrastructure (K8s nodes are VMs).",
                },
            ],
        },
        {
            "direction": "INCOMING",
            "label": "hosts",
            "target": {"id": "container"},
            "sources": [{"line": 40, "quote": "Kubernetes → Containers"}],
        },
    ]


def test_relations_can_be_filtered_by_direction(gql: Gql) -> None:
    result = gql(
        '{ entity(id: "container") { relations(type: USES_KERNEL, direction: INCOMING) { label } } }'
    )
    assert result["data"]["entity"]["relations"] == []


@pytest.mark.parametrize(
    ("search", "first_ids"),
    [
        # an alias matched exactly beats everything else
        ("VM", ["virtual-machine"]),
        # case does not matter
        ("kubernetes", ["kubernetes"]),
        # an exact name
        ("Pending", ["pod-pending"]),
        # a whole word of a summary beats part of a word
        ("hypervisor", ["hardware-level-virtualization", "cloud-infrastructure"]),
    ],
)
def test_search_puts_the_best_match_first(gql: Gql, search: str, first_ids: list[str]) -> None:
    result = gql(
        "query($s: String) { entities(search: $s, first: 5) { edges { node { id } } } }", s=search
    )
    ids = [e["node"]["id"] for e in result["data"]["entities"]["edges"]]
    assert ids[: len(first_ids)] == first_ids


def test_entities_filters_by_kind(gql: Gql) -> None:
    result = gql("{ entities(kind: PLATFORM) { totalCount nodes { id } } }")
    assert result == {
        "data": {
            "entities": {"totalCount": 2, "nodes": [{"id": "container"}, {"id": "virtual-machine"}]}
        }
    }


def test_entities_pages_with_cursors(gql: Gql) -> None:
    query = "query($after: String) { entities(kind: DIMENSION, first: 3, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } nodes { id } } }"
    pages, after = [], None
    while True:
        page = (
            gql(query, after=after)["data"]["entities"] if after else gql(query)["data"]["entities"]
        )
        pages.append([n["id"] for n in page["nodes"]])
        assert page["totalCount"] == 7
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == [
        ["kernel-sharing", "operational-complexity", "performance"],
        ["portability", "resource-overhead", "security-isolation"],
        ["startup-time"],
    ]


def test_every_entity_of_the_notes_in_one_page_each_cited(gql: Gql) -> None:
    result = gql(
        "{ entities(first: 100) { totalCount edges { node { id kind name sources { line quote } } } } }"
    )
    connection = result["data"]["entities"]
    assert connection["totalCount"] == len(connection["edges"]) == 79
    assert [e["node"]["id"] for e in connection["edges"] if not e["node"]["sources"]] == []


@pytest.mark.parametrize(
    ("document", "message"),
    [
        # a page larger than allowed
        ("{ entities(first: 501) { totalCount } }", "first: must be between 0 and 500, got 501"),
        # a cursor we never issued
        (
            '{ entities(after: "bogus") { totalCount } }',
            "after: 'bogus' is not a cursor of this connection",
        ),
        # an unknown kind is a validation error naming the value
        (
            "{ entities(kind: GIZMO) { totalCount } }",
            "Value 'GIZMO' does not exist in 'EntityKind' enum.",
        ),
    ],
)
def test_bad_arguments_are_clear_errors(gql: Gql, document: str, message: str) -> None:
    result = gql(document)
    assert result["data"] is None
    assert [e["message"] for e in result["errors"]] == [message]

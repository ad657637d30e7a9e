"""The reasoning root fields through the in-process schema, asserting exact data."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

Gql = Callable[..., dict[str, Any]]

REQUIREMENT_IDS = [
    "different-operating-systems",
    "fast-startup",
    "hardware-isolation-with-container-flexibility",
    "high-portability",
    "kernel-customization",
    "kubernetes-on-cloud",
    "legacy-full-os",
    "low-overhead",
    "near-native-performance",
    "regulatory-isolation",
    "secure-separation-with-fast-deployment",
    "simple-operations",
    "split-infrastructure-and-application-teams",
    "strong-security-isolation",
]
RECOMMENDATION = """
query($r: [ID!]!) {
  recommendation(requirements: $r) {
    choice rationale
    reasons { requirement { id } favours explanation sources { line quote } }
    situations { requirement { id } favours sources { line quote } }
  }
}"""
STACK_PATH = """
query($from: ID!, $to: ID!) {
  stackPath(from: $from, to: $to) {
    layers { entity { id } kernel { id } isolation { id } }
    hops { from { id } to { id } relation isolationBoundary { id } sources { line quote } }
    strongestIsolation { id }
    kernelCount
  }
}"""
BLAST = """
query($id: ID!) {
  blastRadius(id: $id) {
    origin { id }
    affected { entity { id } distance path { id } explanation sources { line } }
    truncated note
  }
}"""


def test_vm_against_container_row_by_row(gql: Gql) -> None:
    result = gql(
        '{ comparison(left: "virtual-machine", right: "container") { left { id } right { id } '
        "rows { dimension { id } left right favours rationale sources { line quote } } } }"
    )
    comparison = result["data"]["comparison"]
    assert (comparison["left"], comparison["right"]) == (
        {"id": "virtual-machine"},
        {"id": "container"},
    )
    assert [
        (r["dimension"]["id"], r["left"], r["right"], r["favours"]) for r in comparison["rows"]
    ] == [
        (
            "kernel-sharing",
            "Each VM runs its own full OS and kernel",
            "Share the host OS kernel",
            "NEITHER",
        ),
        ("startup-time", "Slow (minutes) – full OS boot", "Fast (seconds or less)", "RIGHT"),
        (
            "resource-overhead",
            "High – includes full guest OS",
            "Low – lightweight processes",
            "RIGHT",
        ),
        (
            "security-isolation",
            "Strong isolation (hardware-level virtualization)",
            "Process-level isolation (weaker than VM)",
            "LEFT",
        ),
        (
            "operational-complexity",
            "More complex to manage and patch OS per VM",
            "Simpler, especially with orchestration (Kubernetes)",
            "RIGHT",
        ),
        ("portability", "Portable but larger images", "Highly portable and lightweight", "RIGHT"),
        ("performance", "Slightly higher overhead", "Near-native performance", "RIGHT"),
    ]
    security = comparison["rows"][3]
    assert security["rationale"] == (
        "Virtual Machine (strong) beats Container (weaker): stronger isolation is favourable."
    )
    assert security["sources"] == [
        {"line": 10, "quote": "Strong isolation (hardware-level virtualization)"},
        {"line": 10, "quote": "Process-level isolation (weaker than VM)"},
        {"line": 5, "quote": "Topic"},
        {"line": 10, "quote": "Security Isolation"},
    ]


def test_comparison_on_chosen_dimensions(gql: Gql) -> None:
    result = gql(
        '{ comparison(left: "container", right: "virtual-machine", dimensions: ["performance", "startup-time"]) '
        "{ rows { dimension { id } favours leftValue { id } } } }"
    )
    assert result == {
        "data": {
            "comparison": {
                "rows": [
                    {
                        "dimension": {"id": "performance"},
                        "favours": "LEFT",
                        "leftValue": {"id": "container-performance"},
                    },
                    {
                        "dimension": {"id": "startup-time"},
                        "favours": "LEFT",
                        "leftValue": {"id": "container-startup-time"},
                    },
                ]
            }
        }
    }


def test_requirements_lists_what_recommendation_accepts(gql: Gql) -> None:
    result = gql("{ requirements { id } }")
    assert [r["id"] for r in result["data"]["requirements"]] == REQUIREMENT_IDS


def test_multi_tenant_isolation_recommends_a_vm(gql: Gql) -> None:
    assert gql(RECOMMENDATION, r=["strong-security-isolation"]) == {
        "data": {
            "recommendation": {
                "choice": "VIRTUAL_MACHINE",
                "rationale": "Choose Virtual Machine because Strong security isolation (multi-tenant) favours Virtual Machine.",
                "reasons": [
                    {
                        "requirement": {"id": "strong-security-isolation"},
                        "favours": "VIRTUAL_MACHINE",
                        "explanation": 'Strong security isolation (multi-tenant) favours Virtual Machine; it concerns Security Isolation, where Virtual Machine has "Strong isolation (hardware-level virtualization)".',
                        "sources": [
                            {"line": 19, "quote": "You would prefer a VM when:"},
                            {
                                "line": 21,
                                "quote": "You need strong security isolation (multi-tenant environments).",
                            },
                        ],
                    }
                ],
                "situations": [],
            }
        }
    }


def test_isolation_with_fast_startup_is_combined_citing_line_35(gql: Gql) -> None:
    recommendation = gql(RECOMMENDATION, r=["strong-security-isolation", "fast-startup"])["data"][
        "recommendation"
    ]
    assert recommendation["choice"] == "COMBINED"
    assert [(r["requirement"]["id"], r["favours"]) for r in recommendation["reasons"]] == [
        ("strong-security-isolation", "VIRTUAL_MACHINE"),
        ("fast-startup", "CONTAINER"),
    ]
    assert recommendation["situations"] == [
        {
            "requirement": {"id": "secure-separation-with-fast-deployment"},
            "favours": "COMBINED",
            "sources": [
                {"line": 31, "quote": "You combine VMs and containers when:"},
                {
                    "line": 35,
                    "quote": "You need secure workload separation at infrastructure level while maintaining fast application deployment.",
                },
            ],
        }
    ]
    assert recommendation["rationale"] == (
        "Choose VMs and containers combined because Strong security isolation (multi-tenant) "
        "favours Virtual Machine and Fast startup favours Container; the notes combine both for: "
        "Secure workload separation with fast application deployment."
    )


def test_fast_startup_alone_recommends_containers(gql: Gql) -> None:
    recommendation = gql(RECOMMENDATION, r=["fast-startup"])["data"]["recommendation"]
    assert (recommendation["choice"], recommendation["rationale"]) == (
        "CONTAINER",
        "Choose Container because Fast startup favours Container.",
    )
    assert recommendation["reasons"][0]["sources"] == [
        {"line": 8, "quote": "Fast (seconds or less)"}
    ]


@pytest.mark.parametrize(
    ("requirements", "message"),
    [
        # an unknown id is named, with every valid one listed
        (
            ["cheap"],
            f"requirements: no entity with id 'cheap'; valid ids: {', '.join(REQUIREMENT_IDS)}",
        ),
        # an empty list
        (
            [],
            f"requirements: name at least one requirement; valid ids: {', '.join(REQUIREMENT_IDS)}",
        ),
    ],
)
def test_bad_requirements_are_graphql_errors(
    gql: Gql, requirements: list[str], message: str
) -> None:
    result = gql(RECOMMENDATION, r=requirements)
    assert result["data"] is None
    assert [e["message"] for e in result["errors"]] == [message]


def test_stack_path_from_cloud_infrastructure_to_containers(gql: Gql) -> None:
    assert gql(STACK_PATH, **{"from": "cloud-infrastructure", "to": "container"}) == {
        "data": {
            "stackPath": {
                "layers": [
                    {"entity": {"id": "cloud-infrastructure"}, "kernel": None, "isolation": None},
                    {
                        "entity": {"id": "virtual-machine"},
                        "kernel": {"id": "guest-kernel"},
                        "isolation": {"id": "hardware-level-virtualization"},
                    },
                    {"entity": {"id": "kubernetes"}, "kernel": None, "isolation": None},
                    {
                        "entity": {"id": "container"},
                        "kernel": {"id": "host-kernel"},
                        "isolation": {"id": "process-level-isolation"},
                    },
                ],
                "hops": [
                    {
                        "from": {"id": "cloud-infrastructure"},
                        "to": {"id": "virtual-machine"},
                        "relation": "hosts",
                        "isolationBoundary": {"id": "hardware-level-virtualization"},
                        "sources": [
                            {"line": 40, "quote": "Cloud Infrastructure → Virtual Machines"}
                        ],
                    },
                    {
                        "from": {"id": "virtual-machine"},
                        "to": {"id": "kubernetes"},
                        "relation": "hosts",
                        "isolationBoundary": None,
                        "sources": [
                            {"line": 40, "quote": "Virtual Machines → Kubernetes"},
                            {
                                "line": 33,
                                "quote": "Running Kubernetes clusters on cloud infrastructure (K8s nodes are VMs).",
                            },
                        ],
                    },
                    {
                        "from": {"id": "kubernetes"},
                        "to": {"id": "container"},
                        "relation": "hosts",
                        "isolationBoundary": {"id": "process-level-isolation"},
                        "sources": [{"line": 40, "quote": "Kubernetes → Containers"}],
                    },
                ],
                "strongestIsolation": {"id": "hardware-level-virtualization"},
                "kernelCount": 2,
            }
        }
    }


def test_stack_path_from_containers_down_to_cloud_infrastructure(gql: Gql) -> None:
    path = gql(STACK_PATH, **{"from": "container", "to": "cloud-infrastructure"})["data"][
        "stackPath"
    ]
    assert [layer["entity"]["id"] for layer in path["layers"]] == [
        "container",
        "kubernetes",
        "virtual-machine",
        "cloud-infrastructure",
    ]
    assert [(h["from"]["id"], h["relation"], h["to"]["id"]) for h in path["hops"]] == [
        ("container", "runs_on", "kubernetes"),
        ("kubernetes", "runs_on", "virtual-machine"),
        ("virtual-machine", "runs_on", "cloud-infrastructure"),
    ]
    assert (path["strongestIsolation"], path["kernelCount"]) == (
        {"id": "hardware-level-virtualization"},
        2,
    )


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        # no stack relation reaches a kernel: null, not an error
        (
            '{ stackPath(from: "guest-kernel", to: "container") { kernelCount } }',
            {"stackPath": None},
        ),
        # and no paths
        (
            '{ stackPaths(from: "guest-kernel", to: "container") { kernelCount } }',
            {"stackPaths": []},
        ),
        # maxHops defaults to 8; too few hops find nothing
        (
            '{ stackPaths(from: "container", to: "cloud-infrastructure", maxHops: 2) { kernelCount } }',
            {"stackPaths": []},
        ),
        # enough hops find the one path
        (
            '{ stackPaths(from: "pod", to: "container") { layers { entity { id } } } }',
            {
                "stackPaths": [
                    {
                        "layers": [
                            {"entity": {"id": "pod"}},
                            {"entity": {"id": "kubernetes-node"}},
                            {"entity": {"id": "virtual-machine"}},
                            {"entity": {"id": "kubernetes"}},
                            {"entity": {"id": "container"}},
                        ]
                    }
                ]
            },
        ),
    ],
)
def test_stack_paths_answer_null_or_empty_when_nothing_joins(
    gql: Gql, document: str, expected: dict[str, Any]
) -> None:
    assert gql(document) == {"data": expected}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        # an unknown start names the argument `from`
        (
            '{ stackPath(from: "mainframe", to: "container") { kernelCount } }',
            "from: no entity with id 'mainframe'",
        ),
        # an unknown end names `to`
        (
            '{ stackPaths(from: "container", to: "rack") { kernelCount } }',
            "to: no entity with id 'rack'",
        ),
        # the hop bound
        (
            '{ stackPaths(from: "container", to: "pod", maxHops: 99) { kernelCount } }',
            "maxHops: must be between 1 and 16, got 99",
        ),
        # an unknown blast origin names `id`
        ('{ blastRadius(id: "mainframe") { truncated } }', "id: no entity with id 'mainframe'"),
        # an unknown dimension lists the valid ones
        (
            '{ comparison(left: "virtual-machine", right: "container", dimensions: ["cost"]) { left { id } } }',
            "dimensions: no entity with id 'cost'; valid ids: kernel-sharing, startup-time, resource-overhead, "
            "security-isolation, operational-complexity, portability, performance",
        ),
    ],
)
def test_bad_ids_are_graphql_errors_naming_the_argument(
    gql: Gql, document: str, message: str
) -> None:
    result = gql(document)
    # a nullable field (stackPath) is null beside the error; a non-null one nulls `data`
    assert not any((result["data"] or {}).values())
    assert [e["message"] for e in result["errors"]] == [message]


def test_blast_radius_of_the_host_kernel(gql: Gql) -> None:
    assert gql(BLAST, id="host-kernel") == {
        "data": {
            "blastRadius": {
                "origin": {"id": "host-kernel"},
                "affected": [
                    {
                        "entity": {"id": "container"},
                        "distance": 1,
                        "path": [{"id": "host-kernel"}, {"id": "container"}],
                        "explanation": "Container uses Shared host kernel: when Shared host kernel fails, every Container on it fails.",
                        "sources": [{"line": 7}],
                    }
                ],
                "truncated": False,
                "note": None,
            }
        }
    }


def test_blast_radius_of_a_guest_kernel(gql: Gql) -> None:
    blast = gql(BLAST, id="guest-kernel")["data"]["blastRadius"]
    assert [
        (i["entity"]["id"], i["distance"], [p["id"] for p in i["path"]]) for i in blast["affected"]
    ] == [
        ("virtual-machine", 1, ["guest-kernel", "virtual-machine"]),
        ("kubernetes", 2, ["guest-kernel", "virtual-machine", "kubernetes"]),
        ("kubernetes-node", 2, ["guest-kernel", "virtual-machine", "kubernetes-node"]),
        (
            "cluster-autoscaler",
            3,
            ["guest-kernel", "virtual-machine", "kubernetes", "cluster-autoscaler"],
        ),
        ("container", 3, ["guest-kernel", "virtual-machine", "kubernetes", "container"]),
        ("pod", 3, ["guest-kernel", "virtual-machine", "kubernetes-node", "pod"]),
        ("scheduler", 3, ["guest-kernel", "virtual-machine", "kubernetes", "scheduler"]),
    ]
    assert blast["affected"][0]["explanation"] == (
        "Virtual Machine uses Guest kernel: when Guest kernel fails, only the Virtual Machine it "
        "belongs to fails, as it is not shared."
    )


def test_blast_radius_of_a_virtual_machine(gql: Gql) -> None:
    blast = gql(BLAST, id="virtual-machine")["data"]["blastRadius"]
    assert [(i["entity"]["id"], i["distance"]) for i in blast["affected"]] == [
        ("kubernetes", 1),
        ("kubernetes-node", 1),
        ("cluster-autoscaler", 2),
        ("container", 2),
        ("pod", 2),
        ("scheduler", 2),
    ]
    pod = blast["affected"][4]
    assert pod["explanation"] == (
        "Pod runs on Node; Node runs on Virtual Machine: when Virtual Machine fails, Pod fails too."
    )
    assert pod["sources"] == [{"line": 33}, {"line": 49}, {"line": None}]


async def test_recommendation_over_http(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/graphql",
        json={
            "query": "query($r: [ID!]!) { recommendation(requirements: $r) { choice reasons { favours } } }",
            "variables": {"r": ["strong-security-isolation", "fast-startup"]},
        },
    )
    assert response.status_code == 200
    assert response.json() == {
        "data": {
            "recommendation": {
                "choice": "COMBINED",
                "reasons": [{"favours": "VIRTUAL_MACHINE"}, {"favours": "CONTAINER"}],
            }
        }
    }


AMONG = """
query($r: [ID!]!, $among: [ID!]) {
  recommendation(requirements: $r, among: $among) {
    choice favoured { id } favouredEntities { id } reasons { favoured { id } favours }
  }
}"""


def test_recommendation_names_every_favoured_entity_and_keeps_the_choice(gql: Gql) -> None:
    result = gql(AMONG, r=["strong-security-isolation", "fast-startup"])
    assert result == {
        "data": {
            "recommendation": {
                "choice": "COMBINED",
                "favoured": {"id": "vm-container-architecture"},
                "favouredEntities": [{"id": "virtual-machine"}, {"id": "container"}],
                "reasons": [
                    {"favoured": {"id": "virtual-machine"}, "favours": "VIRTUAL_MACHINE"},
                    {"favoured": {"id": "container"}, "favours": "CONTAINER"},
                ],
            }
        }
    }


def test_among_that_leaves_a_requirement_nothing_is_a_graphql_error(gql: Gql) -> None:
    result = gql(AMONG, r=["strong-security-isolation", "fast-startup"], among=["virtual-machine"])
    assert result["data"] is None
    assert [e["message"] for e in result["errors"]] == [
        "among: 'fast-startup' favours none of virtual-machine (it favours container)"
    ]


def test_choice_is_deprecated_in_favour_of_favoured(gql: Gql) -> None:
    result = gql(
        '{ recommendation: __type(name: "Recommendation") { fields(includeDeprecated: true) '
        "{ name isDeprecated deprecationReason } } "
        'reason: __type(name: "RecommendationReason") { fields(includeDeprecated: true) '
        "{ name isDeprecated } } }"
    )
    fields = {f["name"]: f for f in result["data"]["recommendation"]["fields"]}
    assert [name for name, f in fields.items() if f["isDeprecated"]] == ["choice"]
    assert fields["choice"]["deprecationReason"].startswith(
        "Meaningful for the VM/container pair only"
    )
    reason = result["data"]["reason"]["fields"]
    assert [f["name"] for f in reason if f["isDeprecated"]] == ["favours"]

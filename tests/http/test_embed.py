"""``/embed/{answer}.{format}``: content, caching headers, revalidation, errors and CORS."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import msgspec
import pytest

from service.http.app import create_app
from service.knowledge import KnowledgeGraph
from service.kube.model import ClusterSnapshot
from service.packs.loader import load_graph
from service.render import markdown
from service.settings import Settings
from service.snapshots.importer import import_paths

COMPARISON = "/embed/comparison.md?left=virtual-machine&right=container"
SNAPSHOTS = (Path(__file__).parents[2] / ".." / "shared" / "k8s-snapshots").resolve()
BUNDLE = SNAPSHOTS / "openshift__insights-operator__ocp4.4-gcp-6node-2021-03-bundle"
SCENARIO = """\
description: Two 2-CPU nodes running three web pods.
nodes:
  - {name: node-a, cpu: "2", memory: 4Gi}
  - {name: node-b, cpu: "2", memory: 4Gi}
deployments:
  - {name: web, replicas: 3, cpu: 500m, memory: 1Gi}
"""


@asynccontextmanager
async def serving(
    kg: KnowledgeGraph,
    settings: Settings | None = None,
    scenarios: dict[str, ClusterSnapshot] | None = None,
) -> AsyncIterator[httpx.AsyncClient]:
    """A client for an app built with other settings, another graph or imported scenarios
    (as ``serve --scenarios`` loads them at start-up)."""
    app = create_app(settings=settings, kg=kg)
    app.state.archgraph.serve_scenarios(scenarios or {})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://archgraph.test") as c:
        yield c


# -- content ---------------------------------------------------------------------------------------
async def test_a_comparison_embed_has_the_rows_citations_version_and_permalink(
    client: httpx.AsyncClient, kg: KnowledgeGraph
) -> None:
    response = await client.get(COMPARISON)

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    lines = response.text.splitlines()
    assert lines[0] == "**Virtual Machine vs Container**"
    assert (
        "| Security Isolation | Strong isolation (hardware-level virtualization) | "
        "Process-level isolation (weaker than VM) | Virtual Machine | Virtual Machine (strong) "
        "beats Container (weaker): stronger isolation is favourable. | [2][5] |"
    ) in lines
    assert sum(line.startswith("| ") for line in lines) == 8  # header + 7 dimensions
    assert (
        "5. vms-vs-containers.md, line 10 (Comparison Table): “Strong isolation (hardware-level "
        "virtualization)”, “Process-level isolation (weaker than VM)”, “Security Isolation”"
    ) in lines
    assert lines[-1] == (
        f"[Permalink](http://archgraph.test{COMPARISON}&version={kg.version}) · "
        f"graph version `{kg.version}`"
    )


@pytest.mark.parametrize(
    ("url", "media_type", "expected"),
    [
        # a table for wikis that take HTML
        (
            "/embed/comparison.html?left=virtual-machine&right=container",
            "text/html; charset=utf-8",
            "<td style=",
        ),
        # Mermaid source of the stack
        (
            "/embed/stack-path.mmd?from=container&to=virtual-machine",
            "text/vnd.mermaid; charset=utf-8",
            'n_container -->|"runs on [3]"| n_kubernetes',
        ),
        # the stack as a picture
        (
            "/embed/stack-path.svg?from=container&to=cloud-infrastructure",
            "image/svg+xml",
            ">Cloud Infrastructure</text>",
        ),
        # the blast radius as a tree
        ("/embed/blast-radius.svg?id=virtual-machine", "image/svg+xml", ">runs on Node [3][4]<"),
        # one entity with its relations
        ("/embed/entity.md?id=kubelet", "text/markdown; charset=utf-8", "| restarts | Container |"),
        # the failure timeline without a scenario
        ("/embed/failure.svg?event=NODE_DOWN", "image/svg+xml", ">5 min 50 s</text>"),
        # a recommendation as a flowchart
        (
            "/embed/recommendation.mmd?requirements=strong-security-isolation,fast-startup",
            "text/vnd.mermaid; charset=utf-8",
            "class n_vm_container_architecture chosen",
        ),
    ],
)
async def test_each_format_has_its_media_type_and_the_graph_version(
    client: httpx.AsyncClient, kg: KnowledgeGraph, url: str, media_type: str, expected: str
) -> None:
    response = await client.get(url)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media_type
    assert expected in response.text
    assert kg.version in response.text
    if media_type == "image/svg+xml":
        ET.fromstring(response.text)


async def test_a_failure_on_a_named_scenario_tells_what_happens_to_its_pods(
    make_pack: Callable[..., Path],
) -> None:
    pack = make_pack({"scenarios/two-nodes.yaml": SCENARIO})
    async with serving(load_graph([pack])) as client:
        response = await client.get(
            "/embed/failure.md",
            params={"event": "node-down", "target": "node-a", "scenario": "two-nodes"},
        )
        unknown = await client.get("/embed/failure.md?event=NODE_DOWN&scenario=three-nodes")

    assert response.status_code == 200, response.text
    assert "Scenario two-nodes: Two 2-CPU nodes running three web pods." in response.text
    assert (
        "| 3 | 5 min 55 s | Taint-eviction controller | 2 pods deleted (DisruptionTarget: "
        "DeletionByTaintManager; Marking for deletion Pod default/web-0 and 1 more) (beyond the "
        "notes) | default/web-0, default/web-2 | [3] |"
    ) in response.text
    assert "| Deployment | default | web | 3 | 3 | 0 | 2 | 3 | — |" in response.text
    assert "event=NODE_DOWN&target=node-a&scenario=two-nodes" in response.text  # normalised
    assert unknown.status_code == 400
    assert unknown.text.startswith("scenario: no scenario named 'three-nodes'; scenarios: ")
    assert "two-nodes" in unknown.text


@pytest.fixture(scope="module")
def ocp() -> ClusterSnapshot:
    """The real OpenShift support bundle, imported as ``archgraph import-cluster`` does."""
    return import_paths([BUNDLE], "ocp")


async def test_a_failure_on_an_imported_cluster_lists_pods_per_step_and_the_workloads_left_short(
    kg: KnowledgeGraph, ocp: ClusterSnapshot
) -> None:
    async with serving(kg, scenarios={"ocp": ocp}) as client:
        response = await client.get(
            "/embed/failure.md?event=zone-down&target=us-east1-c&scenario=ocp"
        )

    assert response.status_code == 200, response.text
    lines = response.text.splitlines()
    assert lines[0] == "**Failure: Zone down on us-east1-c (scenario ocp)**"
    assert lines[4] == f"Scenario ocp: imported from {markdown.inline(str(BUNDLE))}"
    assert lines[6] == "| # | At | Actor | What happens | Pods | Sources |"
    assert (
        "| 8 | 5 min 55 s | StatefulSet controller | StatefulSet is waiting for Pod to Terminate: "
        "openshift-monitoring/prometheus-k8s-0 stays Terminating on an unreachable node and is "
        "not recreated until the node is deleted or the pod force-deleted (beyond the notes) | "
        "openshift-monitoring/prometheus-k8s-0 | [6] |"
    ) in lines
    assert (
        "Outcome: 1 of 18 workloads has no available pod; 2 run short of desired pods; the "
        "autoscaler added 0 nodes."
    ) in lines
    assert (
        "| StatefulSet | openshift-monitoring | prometheus-k8s | 2 | 1 | 0 | 1 | 1 | — |" in lines
    )
    assert "| DaemonSet | openshift-sdn | sdn-controller | 3 | 1 | 0 | 0 | 0 | — |" in lines
    assert "9 other workloads keep their desired pods available." in lines


async def test_an_imported_cluster_answers_in_every_format(
    kg: KnowledgeGraph, ocp: ClusterSnapshot
) -> None:
    query = "?event=NODE_DRAIN&target=ci-ln-d53y532-f76d1-2btqq-master-0&scenario=ocp"
    async with serving(kg, scenarios={"ocp": ocp}) as client:
        responses = {
            f: await client.get(f"/embed/failure.{f}{query}") for f in ("html", "mmd", "svg")
        }

    assert {f: r.status_code for f, r in responses.items()} == {"html": 200, "mmd": 200, "svg": 200}
    assert "<th style=" in responses["html"].text and ">Terminating</th>" in responses["html"].text
    assert "1. 0 s · kubectl drain" in responses["mmd"].text
    ET.fromstring(responses["svg"].text)


async def test_a_reimported_cluster_under_the_same_name_is_a_new_etag(
    kg: KnowledgeGraph, ocp: ClusterSnapshot
) -> None:
    url = "/embed/failure.md?event=ZONE_DOWN&target=us-east1-b&scenario=ocp"
    cordoned = msgspec.structs.replace(
        ocp, nodes=tuple(msgspec.structs.replace(n, unschedulable=True) for n in ocp.nodes)
    )
    async with serving(kg, scenarios={"ocp": ocp}) as client:
        first = await client.get(url)
        again = await client.get(url, headers={"if-none-match": first.headers["etag"]})
    async with serving(kg, scenarios={"ocp": cordoned}) as client:
        reimported = await client.get(url, headers={"if-none-match": first.headers["etag"]})

    assert again.status_code == 304
    assert reimported.status_code == 200
    assert reimported.headers["etag"] != first.headers["etag"]
    assert reimported.headers["etag"].startswith(f'"{kg.version}-')


async def test_an_unknown_scenario_names_the_imported_ones_too(
    kg: KnowledgeGraph, ocp: ClusterSnapshot
) -> None:
    async with serving(kg, scenarios={"ocp": ocp}) as client:
        unknown = await client.get("/embed/failure.md?event=ZONE_DOWN&scenario=prod")
        empty = await client.get("/embed/failure.md?event=ZONE_DOWN&scenario=")
        zone = await client.get("/embed/failure.md?event=ZONE_DOWN&target=mars&scenario=ocp")

    assert (unknown.status_code, unknown.text.splitlines()[0]) == (
        400,
        "scenario: no scenario named 'prod'; scenarios: memory-bound-autoscaling, ocp, "
        "three-nodes-full, three-nodes-full-autoscaling, three-zones",
    )
    assert (empty.status_code, empty.text.splitlines()[0]) == (
        400,
        "scenario: is empty; give a scenario's name; valid: memory-bound-autoscaling, ocp, "
        "three-nodes-full, three-nodes-full-autoscaling, three-zones",
    )
    assert (zone.status_code, zone.text.splitlines()[0]) == (
        400,
        "target: no node in zone 'mars': ZONE_DOWN takes a topology.kubernetes.io/zone value; "
        "zones: us-east1-b, us-east1-c, us-east1-d",
    )


# -- caching -----------------------------------------------------------------------------------------
async def test_an_embed_is_cacheable_and_revalidates_with_its_etag(
    client: httpx.AsyncClient, kg: KnowledgeGraph
) -> None:
    first = await client.get(COMPARISON)
    etag = first.headers["etag"]

    assert etag.startswith(f'"{kg.version}-') and etag.endswith('"')
    assert first.headers["cache-control"] == "public, max-age=300"
    for if_none_match in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = await client.get(COMPARISON, headers={"if-none-match": if_none_match})
        assert (again.status_code, again.content) == (304, b""), if_none_match
        assert again.headers["etag"] == etag
        assert again.headers["cache-control"] == "public, max-age=300"
    stale = await client.get(COMPARISON, headers={"if-none-match": '"something-else"'})
    assert stale.status_code == 200


async def test_the_same_question_spelled_differently_has_the_same_etag(
    client: httpx.AsyncClient,
) -> None:
    canonical = await client.get(
        "/embed/comparison.md?left=virtual-machine&right=container&dimensions=startup-time&dimensions=performance"
    )
    respelled = await client.get(
        "/embed/comparison.md?dimensions=startup-time,performance,startup-time&right=container&left=virtual-machine"
    )
    other_format = await client.get(
        "/embed/comparison.html?left=virtual-machine&right=container&dimensions=startup-time,performance"
    )

    assert canonical.headers["etag"] == respelled.headers["etag"]
    assert canonical.text == respelled.text
    assert other_format.headers["etag"] != canonical.headers["etag"]


async def test_another_graph_version_gives_another_etag(
    client: httpx.AsyncClient, kg: KnowledgeGraph, make_pack: Callable[..., Path]
) -> None:
    pack = make_pack(
        {
            "extra.yaml": """\
            document: tiny.md
            entities:
              - {id: rack, kind: layer, name: Rack, sources: [{line: 6, quote: "racks"}]}
            """
        }
    )
    extended = load_graph([pack])
    builtin = await client.get(COMPARISON)
    async with serving(extended) as other:
        response = await other.get(COMPARISON)
        revalidated = await other.get(
            COMPARISON, headers={"if-none-match": builtin.headers["etag"]}
        )

    assert extended.version != kg.version
    assert response.headers["etag"].startswith(f'"{extended.version}-')
    assert response.headers["etag"] != builtin.headers["etag"]
    assert revalidated.status_code == 200
    assert f"graph version `{extended.version}`" in response.text


async def test_max_age_comes_from_the_settings(kg: KnowledgeGraph) -> None:
    async with serving(kg, Settings(embed_max_age=60)) as client:
        response = await client.get(COMPARISON)
    assert response.headers["cache-control"] == "public, max-age=60"


async def test_a_public_base_url_makes_the_permalink(kg: KnowledgeGraph) -> None:
    settings = Settings(embed_base_url="https://archgraph.example.com/kg/")
    async with serving(kg, settings) as client:
        response = await client.get("/embed/entity.md?id=pod")
    permalink = f"https://archgraph.example.com/kg/embed/entity.md?id=pod&version={kg.version}"
    assert f"[Permalink]({permalink})" in response.text


# -- errors ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        # an answer that does not exist
        (
            "/embed/verdict.md",
            404,
            "answer: unknown answer 'verdict'; answers: comparison, recommendation, stack-path, "
            "blast-radius, entity, failure",
        ),
        # a format the answer does not have
        (
            "/embed/comparison.svg?left=virtual-machine&right=container",
            404,
            "format: comparison has no 'svg' format; formats: md, html",
        ),
        # an id that names nothing
        (
            "/embed/stack-path.md?from=mainframe&to=container",
            404,
            "from: no entity with id 'mainframe'; valid: cloud-infrastructure, container, "
            "kubernetes, kubernetes-node, pod, virtual-machine",
        ),
        # an id the query knows the valid ones for
        (
            "/embed/comparison.md?left=virtual-machine&right=container&dimensions=speed",
            404,
            "dimensions: no entity with id 'speed'; valid ids: kernel-sharing, startup-time,",
        ),
        # a missing argument
        (
            "/embed/comparison.md?left=container",
            400,
            "right: is required: give an entity with comparison values; valid: container, "
            "virtual-machine",
        ),
        # an argument the answer does not take
        ("/embed/entity.md?id=pod&kind=x", 400, "kind: entity takes no such argument; it takes id"),
        # an id of the wrong kind
        (
            "/embed/comparison.md?left=container&right=kubernetes",
            400,
            "right: 'kubernetes' has no comparison values; entities that have: container, "
            "virtual-machine",
        ),
        # a malformed event
        (
            "/embed/failure.md?event=meltdown",
            400,
            "event: 'MELTDOWN' is not a failure event; expected POD_DELETED, POD_CRASHED,",
        ),
    ],
)
async def test_errors_say_which_argument_and_what_is_valid(
    client: httpx.AsyncClient, url: str, status: int, message: str
) -> None:
    response = await client.get(url)

    assert response.status_code == status
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text.startswith(message), response.text
    assert "etag" not in response.headers


async def test_an_error_shows_how_to_ask(client: httpx.AsyncClient) -> None:
    response = await client.get("/embed/recommendation.md")
    assert response.text.splitlines()[-1] == (
        "usage: /embed/recommendation.{md,html,mmd}?requirements=…,…"
    )


async def test_a_simulation_over_its_time_budget_is_503(
    kg: KnowledgeGraph, make_pack: Callable[..., Path]
) -> None:
    pack = make_pack({"scenarios/two-nodes.yaml": SCENARIO})
    settings = Settings(time_budget_seconds=1e-9)
    async with serving(load_graph([pack]), settings) as client:
        response = await client.get(
            "/embed/failure.md?event=POD_DELETED&target=web&scenario=two-nodes"
        )
    assert response.status_code == 503
    assert response.text.startswith("query exceeded its time budget")
    assert response.headers["retry-after"] == "5"


# -- CORS --------------------------------------------------------------------------------------------
async def test_cors_allows_the_configured_origins_only(kg: KnowledgeGraph) -> None:
    settings = Settings(embed_cors_origins=["https://wiki.example.com"])
    async with serving(kg, settings) as client:
        allowed = await client.get(COMPARISON, headers={"origin": "https://wiki.example.com"})
        other = await client.get(COMPARISON, headers={"origin": "https://evil.example"})
        preflight = await client.options(
            COMPARISON,
            headers={
                "origin": "https://wiki.example.com",
                "access-control-request-method": "GET",
                "access-control-request-headers": "if-none-match",
            },
        )
        revalidated = await client.get(
            COMPARISON,
            headers={
                "origin": "https://wiki.example.com",
                "if-none-match": allowed.headers["etag"],
            },
        )

    assert allowed.headers["access-control-allow-origin"] == "https://wiki.example.com"
    assert allowed.headers["access-control-expose-headers"] == "ETag"
    assert allowed.headers["vary"] == "Origin"
    assert "access-control-allow-origin" not in other.headers
    assert other.headers["vary"] == "Origin"
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-headers"] == "If-None-Match"
    assert revalidated.status_code == 304
    assert revalidated.headers["access-control-allow-origin"] == "https://wiki.example.com"


async def test_cors_is_off_by_default_and_any_origin_with_a_star(
    client: httpx.AsyncClient, kg: KnowledgeGraph
) -> None:
    default = await client.get(COMPARISON, headers={"origin": "https://wiki.example.com"})
    async with serving(kg, Settings(embed_cors_origins=["*"])) as star:
        anyone = await star.get(COMPARISON, headers={"origin": "https://wiki.example.com"})
    assert "access-control-allow-origin" not in default.headers
    assert anyone.headers["access-control-allow-origin"] == "*"


def test_cors_origins_read_from_the_environment_as_a_comma_separated_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ARCHGRAPH_EMBED_CORS_ORIGINS", "https://a.example/, https://b.example")
    assert Settings().embed_cors_origins == ["https://a.example", "https://b.example"]

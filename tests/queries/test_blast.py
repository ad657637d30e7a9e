"""blast_radius(): what fails when an entity fails, each with the chain that explains it."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain import Entity, EntityKind, Relation, RelationType, Source
from service.errors import EntityNotFound, InvalidArgument
from service.knowledge import KnowledgeGraph
from service.queries.blast import BlastRadius, blast_radius

GraphOf = Callable[..., KnowledgeGraph]


def affected(result: BlastRadius) -> list[tuple[int, str, list[str]]]:
    return [(i.distance, i.entity.id, [e.id for e in i.path]) for i in result.affected]


def test_the_shared_host_kernel_takes_down_every_container(kg: KnowledgeGraph) -> None:
    result = blast_radius(kg, "host-kernel")
    assert result.origin.id == "host-kernel"
    assert affected(result) == [(1, "container", ["host-kernel", "container"])]
    (impact,) = result.affected
    assert impact.explanation == (
        "Container uses Shared host kernel: when Shared host kernel fails, every Container on it "
        "fails."
    )
    assert [(s.line, s.quote) for s in impact.sources] == [(7, "Share the host OS kernel")]
    assert (result.truncated, result.note) == (False, None)


def test_a_guest_kernel_takes_down_only_its_vm_and_what_runs_on_it(kg: KnowledgeGraph) -> None:
    result = blast_radius(kg, "guest-kernel")
    assert affected(result) == [
        (1, "virtual-machine", ["guest-kernel", "virtual-machine"]),
        (2, "kubernetes", ["guest-kernel", "virtual-machine", "kubernetes"]),
        (2, "kubernetes-node", ["guest-kernel", "virtual-machine", "kubernetes-node"]),
        (
            3,
            "cluster-autoscaler",
            ["guest-kernel", "virtual-machine", "kubernetes", "cluster-autoscaler"],
        ),
        (3, "container", ["guest-kernel", "virtual-machine", "kubernetes", "container"]),
        (3, "pod", ["guest-kernel", "virtual-machine", "kubernetes-node", "pod"]),
        (3, "scheduler", ["guest-kernel", "virtual-machine", "kubernetes", "scheduler"]),
    ]
    assert [i.explanation for i in result.affected[:2]] == [
        "Virtual Machine uses Guest kernel: when Guest kernel fails, only the Virtual Machine it "
        "belongs to fails, as it is not shared.",
        "Kubernetes runs on Virtual Machine; Virtual Machine uses Guest kernel: when Guest kernel "
        "fails, Kubernetes fails too.",
    ]


def test_a_vm_takes_down_the_kubernetes_nodes_and_the_containers_above_them(
    kg: KnowledgeGraph,
) -> None:
    result = blast_radius(kg, "virtual-machine")
    assert [(i.distance, i.entity.id) for i in result.affected] == [
        (1, "kubernetes"),
        (1, "kubernetes-node"),
        (2, "cluster-autoscaler"),
        (2, "container"),
        (2, "pod"),
        (2, "scheduler"),
    ]
    container = result.affected[3]
    assert container.explanation == (
        "Container runs on Kubernetes; Kubernetes runs on Virtual Machine: when Virtual Machine "
        "fails, Container fails too."
    )
    assert [s.line for s in container.sources] == [40, 33, 40]


@pytest.mark.parametrize(
    "entity_id",
    [
        # nothing runs on a container
        "container",
        # isolation is not a dependency: isolated_by does not propagate failure
        "hardware-level-virtualization",
    ],
)
def test_entities_nothing_depends_on_affect_nothing(kg: KnowledgeGraph, entity_id: str) -> None:
    assert blast_radius(kg, entity_id).affected == ()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        # an unknown entity is named by the GraphQL argument `id`
        ({"entity_id": "mainframe"}, EntityNotFound, "id: no entity with id 'mainframe'"),
        # depth bound
        (
            {"entity_id": "pod", "max_depth": 0},
            InvalidArgument,
            "maxDepth: must be between 1 and 16, got 0",
        ),
        # result bound
        (
            {"entity_id": "pod", "limit": 1001},
            InvalidArgument,
            "limit: must be between 1 and 1000, got 1001",
        ),
    ],
)
def test_bad_arguments_name_the_field(
    kg: KnowledgeGraph, kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=f"^{message}$"):
        blast_radius(kg, **kwargs)  # type: ignore[arg-type]


def test_equally_short_paths_go_through_the_first_id(graph_of: GraphOf) -> None:
    kg = graph_of(
        ["top runs_on right", "top runs_on left", "left runs_on bottom", "right runs_on bottom"]
    )
    assert affected(blast_radius(kg, "bottom")) == [
        (1, "left", ["bottom", "left"]),
        (1, "right", ["bottom", "right"]),
        (2, "top", ["bottom", "left", "top"]),
    ]


def test_a_cycle_is_walked_once(graph_of: GraphOf) -> None:
    kg = graph_of(["a runs_on b", "b part_of c", "c runs_on a"])
    assert affected(blast_radius(kg, "a")) == [(1, "c", ["a", "c"]), (2, "b", ["a", "c", "b"])]


def test_the_depth_bound_is_reported(graph_of: GraphOf) -> None:
    kg = graph_of(["a runs_on b", "b runs_on c", "c runs_on d"])
    result = blast_radius(kg, "d", max_depth=2)
    assert [i.entity.id for i in result.affected] == ["c", "b"]
    assert (result.truncated, result.note) == (True, "stopped at depth 2; more fail further out")
    assert blast_radius(kg, "d", max_depth=3).truncated is False


def test_the_result_bound_keeps_the_nearest_first(graph_of: GraphOf) -> None:
    kg = graph_of([f"{x} runs_on hub" for x in ("e", "d", "c", "b", "a")] + ["z runs_on a"])
    result = blast_radius(kg, "hub", limit=3)
    assert [i.entity.id for i in result.affected] == ["a", "b", "c"]
    assert (result.truncated, result.note) == (
        True,
        "stopped after 3 affected entities; more fail further out",
    )
    assert blast_radius(kg, "hub", limit=6).truncated is False


@pytest.mark.parametrize(
    ("attributes", "consequence"),
    [
        # a shared dependency takes down every dependant
        ("{shared: true}", "every App on it fails"),
        # an unshared one only its own
        ("{shared: false}", "only the App it belongs to fails, as it is not shared"),
        # nothing said about sharing
        ("{}", "App fails with it"),
    ],
)
def test_the_explanation_says_how_far_a_shared_dependency_reaches(
    graph_of: GraphOf, attributes: str, consequence: str
) -> None:
    kg = graph_of(["app uses_kernel core"], attributes={"core": attributes})
    (impact,) = blast_radius(kg, "core").affected
    assert impact.explanation == f"App uses Core: when Core fails, {consequence}."


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 6)).filter(lambda e: e[0] != e[1]),
        min_size=1,
        max_size=14,
    )
)
def test_everything_that_depends_on_the_origin_is_affected_at_its_distance(
    edges: list[tuple[int, int]],
) -> None:
    cite = (Source(document="tiny.md", section="Hosting", line=5, quote="run"),)
    graph = nx.MultiDiGraph()
    for i in sorted({n for edge in edges for n in edge}):
        graph.add_node(f"n{i}", entity=Entity(f"n{i}", EntityKind.LAYER, f"N{i}", "", cite))
    for a, b in sorted(set(edges)):
        relation = Relation(f"n{a}", RelationType.RUNS_ON, f"n{b}", cite)
        graph.add_edge(f"n{a}", f"n{b}", key=RelationType.RUNS_ON, relation=relation)
    kg = KnowledgeGraph(nx.freeze(graph), "test", MappingProxyType({}), ())
    origin = f"n{edges[0][1]}"
    depends = nx.DiGraph([(f"n{a}", f"n{b}") for a, b in edges])
    expected = sorted(
        (nx.shortest_path_length(depends, x, origin), x) for x in nx.ancestors(depends, origin)
    )
    result = blast_radius(kg, origin)
    assert [(i.distance, i.entity.id) for i in result.affected] == expected
    for impact in result.affected:
        assert [e.id for e in impact.path][::-1] in [
            p for p in nx.all_shortest_paths(depends, impact.entity.id, origin)
        ]

"""stack_path() / stack_paths(): how layers sit on each other, walked either way."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import MappingProxyType

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.domain import Entity, EntityKind, Relation, RelationType, Source
from service.errors import EntityNotFound, InvalidArgument
from service.knowledge import KnowledgeGraph
from service.queries.stacks import StackPath, stack_path, stack_paths

GraphOf = Callable[..., KnowledgeGraph]


def ids(path: StackPath) -> list[str]:
    return [layer.entity.id for layer in path.layers]


def test_cloud_infrastructure_up_to_containers(kg: KnowledgeGraph) -> None:
    path = stack_path(kg, "cloud-infrastructure", "container")
    assert path is not None
    assert [
        (
            layer.entity.id,
            layer.kernel and layer.kernel.id,
            layer.isolation and layer.isolation.id,
        )
        for layer in path.layers
    ] == [
        ("cloud-infrastructure", None, None),
        ("virtual-machine", "guest-kernel", "hardware-level-virtualization"),
        ("kubernetes", None, None),
        ("container", "host-kernel", "process-level-isolation"),
    ]
    assert [
        (
            hop.source.id,
            hop.label,
            hop.target.id,
            hop.isolation_boundary and hop.isolation_boundary.id,
            [s.line for s in hop.sources],
        )
        for hop in path.hops
    ] == [
        ("cloud-infrastructure", "hosts", "virtual-machine", "hardware-level-virtualization", [40]),
        ("virtual-machine", "hosts", "kubernetes", None, [40, 33]),
        ("kubernetes", "hosts", "container", "process-level-isolation", [40]),
    ]
    assert path.strongest_isolation is not None
    assert (path.strongest_isolation.id, path.kernel_count) == ("hardware-level-virtualization", 2)


def test_containers_down_to_cloud_infrastructure_reads_runs_on(kg: KnowledgeGraph) -> None:
    path = stack_path(kg, "container", "cloud-infrastructure")
    assert path is not None
    assert ids(path) == ["container", "kubernetes", "virtual-machine", "cloud-infrastructure"]
    assert [(h.label, h.isolation_boundary and h.isolation_boundary.id) for h in path.hops] == [
        ("runs_on", "process-level-isolation"),
        ("runs_on", None),
        ("runs_on", "hardware-level-virtualization"),
    ]


def test_a_path_may_go_down_then_up_through_a_shared_host(kg: KnowledgeGraph) -> None:
    path = stack_path(kg, "pod", "container")
    assert path is not None
    assert [(h.source.id, h.label) for h in path.hops] == [
        ("pod", "runs_on"),
        ("kubernetes-node", "runs_on"),
        ("virtual-machine", "hosts"),
        ("kubernetes", "hosts"),
    ]


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        # the same entity: one layer, no hop
        ("container", "container", ["container"]),
        # kernels are not stack layers: no path
        ("guest-kernel", "container", None),
    ],
)
def test_trivial_and_missing_paths(
    kg: KnowledgeGraph, source: str, target: str, expected: list[str] | None
) -> None:
    path = stack_path(kg, source, target)
    assert (ids(path) if path else None) == expected
    assert [ids(p) for p in stack_paths(kg, source, target)] == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        # an unknown start is named as the GraphQL argument `from`
        (
            lambda kg: stack_path(kg, "mainframe", "container"),
            "from: no entity with id 'mainframe'",
        ),
        # an unknown end as `to`
        (lambda kg: stack_paths(kg, "container", "rack"), "to: no entity with id 'rack'"),
        # no hop at all
        (
            lambda kg: stack_paths(kg, "pod", "container", max_hops=0),
            "maxHops: must be between 1 and 16, got 0",
        ),
        # beyond the bound
        (
            lambda kg: stack_paths(kg, "pod", "container", max_hops=17),
            "maxHops: must be between 1 and 16, got 17",
        ),
        # more paths than the bound
        (
            lambda kg: stack_paths(kg, "pod", "container", limit=51),
            "limit: must be between 1 and 50, got 51",
        ),
    ],
)
def test_bad_arguments_name_the_field(
    kg: KnowledgeGraph, call: Callable[[KnowledgeGraph], object], message: str
) -> None:
    with pytest.raises((EntityNotFound, InvalidArgument), match=f"^{message}$"):
        call(kg)


def test_a_diamond_has_two_paths_in_id_order(graph_of: GraphOf) -> None:
    kg = graph_of(
        ["top runs_on left", "top runs_on right", "left runs_on bottom", "right runs_on bottom"]
    )
    assert [ids(p) for p in stack_paths(kg, "top", "bottom")] == [
        ["top", "left", "bottom"],
        ["top", "right", "bottom"],
    ]
    assert [ids(p) for p in stack_paths(kg, "bottom", "top")] == [
        ["bottom", "left", "top"],
        ["bottom", "right", "top"],
    ]
    shortest = stack_path(kg, "top", "bottom")
    assert shortest is not None
    assert ids(shortest) == ["top", "left", "bottom"]


def test_a_cycle_gives_shortest_first_and_respects_max_hops(graph_of: GraphOf) -> None:
    kg = graph_of(["a runs_on b", "b runs_on c", "c runs_on a"])
    assert [(ids(p), [h.label for h in p.hops]) for p in stack_paths(kg, "a", "c")] == [
        (["a", "c"], ["hosts"]),
        (["a", "b", "c"], ["runs_on", "runs_on"]),
    ]
    assert [ids(p) for p in stack_paths(kg, "a", "c", max_hops=1)] == [["a", "c"]]


def test_a_path_longer_than_max_hops_is_not_found(graph_of: GraphOf) -> None:
    kg = graph_of(["a runs_on b", "b runs_on c", "c runs_on d"])
    assert stack_paths(kg, "a", "d", max_hops=2) == []
    assert [ids(p) for p in stack_paths(kg, "a", "d", max_hops=3)] == [["a", "b", "c", "d"]]


def test_limit_keeps_the_first_paths(graph_of: GraphOf) -> None:
    kg = graph_of([f"top runs_on {m}" for m in "xyz"] + [f"{m} runs_on bottom" for m in "xyz"])
    assert [ids(p)[1] for p in stack_paths(kg, "top", "bottom", limit=2)] == ["x", "y"]


def test_exponentially_many_paths_stop_at_fifty(graph_of: GraphOf) -> None:
    # eight diamonds in a row: 2**8 = 256 paths of 16 hops between the ends
    relations = []
    for i in range(8):
        relations += [f"n{i} runs_on {side}{i}" for side in "ab"]
        relations += [f"{side}{i} runs_on n{i + 1}" for side in "ab"]
    kg = graph_of(relations)
    paths = stack_paths(kg, "n0", "n8", max_hops=16)
    assert len(paths) == 50
    assert ids(paths[0]) == [x for i in range(8) for x in (f"n{i}", f"a{i}")] + ["n8"]
    assert ids(paths[1])[-3:] == ["n7", "b7", "n8"]
    assert stack_paths(kg, "n0", "n8", max_hops=15) == []


def test_aggregates_count_distinct_kernels_and_take_the_strongest_isolation(
    graph_of: GraphOf,
) -> None:
    kg = graph_of(
        [
            "app runs_on vm",
            "vm runs_on host",
            "app isolated_by weak",
            "vm isolated_by strong",
            "app uses_kernel kernel",
            "vm uses_kernel kernel",
        ],
        kinds={"weak": "isolation-tier", "strong": "isolation-tier", "kernel": "kernel"},
        attributes={"weak": "{strength: 1}", "strong": "{strength: 5}"},
    )
    path = stack_path(kg, "host", "app")
    assert path is not None
    assert ids(path) == ["host", "vm", "app"]
    assert path.strongest_isolation is not None
    assert (path.strongest_isolation.id, path.kernel_count) == ("strong", 1)
    assert [h.isolation_boundary.id for h in path.hops if h.isolation_boundary] == [
        "strong",
        "weak",
    ]


def graph_from_edges(edges: Sequence[tuple[int, int]]) -> KnowledgeGraph:
    """A knowledge graph built straight in networkx: entities ``n0``…, ``a runs_on b`` edges."""
    cite = (Source(document="tiny.md", section="Hosting", line=5, quote="run"),)
    graph = nx.MultiDiGraph()
    for i in sorted({n for edge in edges for n in edge}):
        graph.add_node(f"n{i}", entity=Entity(f"n{i}", EntityKind.LAYER, f"N{i}", "", cite))
    for a, b in sorted(set(edges)):
        relation = Relation(f"n{a}", RelationType.RUNS_ON, f"n{b}", cite)
        graph.add_edge(f"n{a}", f"n{b}", key=RelationType.RUNS_ON, relation=relation)
    return KnowledgeGraph(nx.freeze(graph), "test", MappingProxyType({}), ())


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 6)).filter(lambda e: e[0] != e[1]),
        min_size=1,
        max_size=14,
    )
)
def test_paths_match_networkx_simple_paths_in_order(edges: list[tuple[int, int]]) -> None:
    kg = graph_from_edges(edges)
    undirected = nx.Graph([(f"n{a}", f"n{b}") for a, b in edges])
    source, target = f"n{edges[0][0]}", f"n{edges[-1][1]}"
    expected = sorted(
        nx.all_simple_paths(undirected, source, target, cutoff=16)
        if source != target
        else [[source]],
        key=lambda p: (len(p), p),
    )[:50]
    assert [ids(p) for p in stack_paths(kg, source, target, max_hops=16)] == expected
    shortest = stack_path(kg, source, target)
    assert (ids(shortest) if shortest else None) == (expected[0] if expected else None)

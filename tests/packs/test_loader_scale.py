"""A generated fleet pack (the big-pack benchmark's shape, 2,000 entities): loaded in both
forms and queried, with exact answers, and every fast path checked against the
straightforward computation on networkx. No timing here: see ``bench/``."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import networkx as nx
import pytest

from bench.gen_pack import PackShape, generate
from service.domain import EntityKind, Relation, RelationType
from service.knowledge import FAILURE_TYPES, STACK_TYPES, KnowledgeGraph
from service.packs.loader import load_graph
from service.queries.blast import blast_radius
from service.queries.lookup import find_entities, match_score
from service.queries.stacks import stack_path, stack_paths

SHAPE = PackShape(entities=2_000, relations=20_000)


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("fleet")
    return {
        "yaml": generate(root / "yaml", SHAPE),
        "table": generate(root / "table", PackShape(SHAPE.entities, SHAPE.relations, table=True)),
    }


@pytest.fixture(scope="module")
def fleet(packs: dict[str, Path]) -> KnowledgeGraph:
    return load_graph([packs["table"]], include_builtin=False)


@pytest.fixture(scope="module")
def from_networkx(fleet: KnowledgeGraph) -> KnowledgeGraph:
    """The same graph indexed the straightforward way: from its networkx form."""
    return KnowledgeGraph(fleet.graph, fleet.version, fleet.documents, fleet.packs)


def facts(relations: Iterator[Relation] | list[Relation]) -> list[tuple[object, ...]]:
    """What a relation says and cites (not where it was declared)."""
    return [(r.source, r.type, r.target, r.sources, dict(r.attributes)) for r in relations]


def test_the_generated_pack_has_the_size_asked_for(fleet: KnowledgeGraph) -> None:
    assert (len(fleet), fleet.number_of_relations()) == (2_000, 20_000)
    assert fleet.graph.number_of_edges() == 20_000


def test_relations_tables_load_the_same_graph_as_yaml(
    packs: dict[str, Path], fleet: KnowledgeGraph
) -> None:
    from_yaml = load_graph([packs["yaml"]], include_builtin=False)
    assert [replace(e, origin_file="", origin_line=0) for e in from_yaml.entities()] == [
        replace(e, origin_file="", origin_line=0) for e in fleet.entities()
    ]
    assert facts(from_yaml.relations()) == facts(fleet.relations())
    # a cited line is one Source however many relations cite it
    cited = {id(s) for r in fleet.relations() for s in r.sources}
    assert len(cited) < fleet.number_of_relations() // 2


def test_the_networkx_form_is_the_graph_the_loader_always_built(fleet: KnowledgeGraph) -> None:
    graph = nx.MultiDiGraph()
    for entity in sorted(fleet.entities(), key=lambda e: e.id):
        graph.add_node(entity.id, entity=entity)
    for r in sorted(fleet.relations(), key=lambda r: (r.source, r.type.value, r.target)):
        graph.add_edge(r.source, r.target, key=r.type, relation=r)
    assert list(fleet.graph.nodes(data=True)) == list(graph.nodes(data=True))
    assert list(fleet.graph.edges(keys=True, data=True)) == list(graph.edges(keys=True, data=True))
    assert nx.is_frozen(fleet.graph)
    with pytest.raises(AttributeError, match="read-only"):
        fleet.version = "edited"  # type: ignore[misc]


def test_every_index_agrees_with_networkx(
    fleet: KnowledgeGraph, from_networkx: KnowledgeGraph
) -> None:
    assert list(fleet.relations()) == list(from_networkx.relations())
    stack = nx.Graph((u, v) for u, v, key in fleet.graph.edges(keys=True) if key in STACK_TYPES)
    for entity in fleet.entities():
        node = entity.id
        assert fleet.outgoing(node) == from_networkx.outgoing(node)
        assert fleet.incoming(node) == from_networkx.incoming(node)
        for type_ in (RelationType.RUNS_ON, RelationType.CONCERNS):
            assert fleet.outgoing(node, type_) == from_networkx.outgoing(node, type_)
            assert fleet.incoming(node, type_) == from_networkx.incoming(node, type_)
        neighbours = sorted(stack[node]) if node in stack else []
        assert list(fleet.stack_neighbours(node)) == neighbours
        dependents = sorted(
            (r for r in fleet.incoming(node) if r.type in FAILURE_TYPES),
            key=lambda r: (r.source, FAILURE_TYPES.index(r.type)),
        )
        assert list(fleet.failure_dependents(node)) == dependents


def test_a_container_to_the_cloud_and_across_the_fleet(fleet: KnowledgeGraph) -> None:
    down = stack_path(fleet, "ctr-0000000", "fleet-cloud")
    assert down is not None
    assert [layer.entity.id for layer in down.layers] == [
        "ctr-0000000",
        "pod-0000000",
        "node-000000",
        "vm-000000",
        "host-00000",
        "region-000",
        "fleet-cloud",
    ]
    assert {h.label for h in down.hops} == {"runs_on"}
    assert (down.strongest_isolation and down.strongest_isolation.id, down.kernel_count) == (
        "tier-hardware",
        1,
    )
    across = stack_path(fleet, "ctr-0000000", "ctr-0000999")
    assert across is not None
    assert [layer.entity.id for layer in across.layers] == [
        "ctr-0000000",
        "pod-0000000",
        "node-000000",
        "vm-000000",
        "host-00000",
        "region-000",
        "host-00019",
        "vm-000099",
        "node-000099",
        "pod-0000499",
        "ctr-0000999",
    ]
    assert [h.label for h in across.hops] == ["runs_on"] * 5 + ["hosts"] * 5
    assert across.kernel_count == 2


def test_stack_paths_match_networkx_shortest_paths(fleet: KnowledgeGraph) -> None:
    stack = nx.Graph((u, v) for u, v, key in fleet.graph.edges(keys=True) if key in STACK_TYPES)
    rng = random.Random(3)
    layers = sorted(stack)
    for _ in range(60):
        source, target = rng.choice(layers), rng.choice(layers)
        expected = min(nx.all_shortest_paths(stack, source, target))
        found = stack_path(fleet, source, target)
        assert found is not None
        assert [layer.entity.id for layer in found.layers] == expected
        paths = stack_paths(fleet, source, target, max_hops=len(expected) - 1 or 1)
        assert [[layer.entity.id for layer in p.layers] for p in paths] == [expected]


def test_a_kernel_takes_down_its_vm_and_all_that_runs_there(fleet: KnowledgeGraph) -> None:
    result = blast_radius(fleet, "kernel-000000")
    assert [(i.distance, i.entity.id) for i in result.affected] == [
        *((1, f"ctr-{c:07d}") for c in range(10)),
        (1, "vm-000000"),
        (2, "node-000000"),
        *((3, f"pod-{p:07d}") for p in range(5)),
    ]
    pod = result.affected[-1]
    assert [e.id for e in pod.path] == ["kernel-000000", "vm-000000", "node-000000", "pod-0000004"]
    assert pod.explanation == (
        "Pod 0000004 runs on Node 000000; Node 000000 runs on VM 000000; VM 000000 uses "
        "Kernel 000000: when Kernel 000000 fails, Pod 0000004 fails too."
    )
    assert result.truncated is False


def test_blast_radii_match_networkx_ancestors(fleet: KnowledgeGraph) -> None:
    depends = nx.DiGraph(
        (u, v) for u, v, key in fleet.graph.edges(keys=True) if key in FAILURE_TYPES
    )
    rng = random.Random(5)
    prefixes = ("kernel", "vm", "host", "region", "cluster", "deploy", "svc", "pod", "node")
    by_prefix = {p: [e.id for e in fleet.entities() if e.id.startswith(p + "-")] for p in prefixes}
    for prefix in prefixes:
        for origin in rng.sample(by_prefix[prefix], min(4, len(by_prefix[prefix]))):
            reached = nx.single_source_shortest_path_length(depends.reverse(copy=False), origin)
            expected = sorted((d, x) for x, d in reached.items() if x != origin)
            result = blast_radius(fleet, origin)
            assert [(i.distance, i.entity.id) for i in result.affected] == expected[:1000]
            assert result.truncated is (len(expected) > 1000)


@pytest.mark.parametrize(
    "text",
    # an exact id, a prefix shared by half the fleet, a word of many summaries, two words
    # found only in different fields, a word nowhere
    ["ctr-0000042", "Container", "service", "pod 0000001", "mainframe"],
)
def test_search_with_its_index_ranks_as_scoring_every_entity_does(
    fleet: KnowledgeGraph, text: str
) -> None:
    scored = [(match_score(e, text), e) for e in fleet.entities()]
    expected = [
        e.id for score, e in sorted(scored, key=lambda p: (-p[0], p[1].name, p[1].id)) if score > 0
    ]
    assert [e.id for e in find_entities(fleet, search=text)] == expected
    assert expected or text == "mainframe"


def test_search_within_a_kind_keeps_to_that_kind(fleet: KnowledgeGraph) -> None:
    kind, text = EntityKind.KUBERNETES_OBJECT, "0000001"
    scored = [(match_score(e, text), e) for e in fleet.entities(kind)]
    expected = [e.id for s, e in sorted(scored, key=lambda p: (-p[0], p[1].name, p[1].id)) if s > 0]
    assert [e.id for e in find_entities(fleet, kind=kind, search=text)] == expected
    assert expected == ["pod-0000001"]  # "Container 0000001" is a platform
    assert "ctr-0000001" in [e.id for e in find_entities(fleet, search=text)]

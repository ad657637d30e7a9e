"""What the built-in pack says: all of the notes, each fact cited, nothing made up."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.domain import EntityKind, RelationType
from service.knowledge import KnowledgeGraph
from service.packs.coverage import citable_units, uncovered_units
from service.packs.loader import builtin_data_dir

NOTES = "vms-vs-containers.md"
SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_cf02377e2739505d.txt"


def test_the_cited_document_is_the_notes_unchanged() -> None:
    if not SEED.is_file():
        pytest.skip(f"the seed notes are not beside this checkout ({SEED})")
    assert (builtin_data_dir() / "sources" / NOTES).read_bytes() == SEED.read_bytes()


def test_every_quote_is_verbatim_at_its_line_read_straight_from_the_file(
    kg: KnowledgeGraph,
) -> None:
    lines = (builtin_data_dir() / "sources" / NOTES).read_text().splitlines()
    sources = [s for e in kg.entities() for s in e.sources] + [
        s for r in kg.relations() for s in r.sources
    ]
    internal = [s for s in sources if not s.external]
    assert len(internal) > 150
    assert [s for s in internal if s.quote not in lines[s.line - 1]] == []  # type: ignore[operator]


def test_every_table_cell_and_sentence_of_the_notes_is_cited(kg: KnowledgeGraph) -> None:
    units = citable_units(kg.documents[NOTES])
    assert len(units) == 43  # 24 table cells + 19 sentences
    assert uncovered_units(kg, NOTES) == []


def test_knowledge_beyond_the_notes_is_marked_and_cites_a_public_url(kg: KnowledgeGraph) -> None:
    external = [s for e in kg.entities() for s in e.sources if s.external]
    assert external
    assert all(s.document.startswith("https://") and s.line is None for s in external)


def test_every_entity_and_relation_cites_something(kg: KnowledgeGraph) -> None:
    assert [e.id for e in kg.entities() if not e.sources] == []
    assert [r for r in kg.relations() if not r.sources] == []


def test_every_comparison_dimension_has_a_value_for_both_platforms(kg: KnowledgeGraph) -> None:
    dimensions = kg.entities(EntityKind.DIMENSION)
    assert [d.name for d in dimensions] == [
        "Kernel Sharing",
        "Operational Complexity",
        "Performance",
        "Portability",
        "Resource Overhead",
        "Security Isolation",
        "Startup Time",
    ]
    for dimension in dimensions:
        rated = {r.source for r in kg.incoming(dimension.id, RelationType.VALUE_OF)}
        owners = {r.source for value in rated for r in kg.incoming(value, RelationType.HAS_VALUE)}
        assert owners == {"virtual-machine", "container"}, dimension.id
        assert dimension.attributes["prefer"] in {"lower", "higher", "neither"}
        for value in rated:
            assert isinstance(kg.entity(value).attributes["ordinal"], int)


@pytest.mark.parametrize(
    ("kind", "count"),
    [
        (EntityKind.PLATFORM, 2),
        (EntityKind.DIMENSION, 7),
        (EntityKind.DIMENSION_VALUE, 14),
        (EntityKind.ISOLATION_TIER, 2),
        (EntityKind.KERNEL, 2),
        # five "prefer a VM when" + five needs the comparison implies
        (EntityKind.REQUIREMENT, 10),
        # four "combine both when"
        (EntityKind.SITUATION, 4),
    ],
)
def test_the_notes_lists_are_complete(kg: KnowledgeGraph, kind: EntityKind, count: int) -> None:
    assert len(kg.entities(kind)) == count


def test_the_stack_runs_cloud_to_containers(kg: KnowledgeGraph) -> None:
    chain = ["container"]
    while runs_on := kg.outgoing(chain[-1], RelationType.RUNS_ON):
        chain.append(runs_on[0].target)
    assert chain == ["container", "kubernetes", "virtual-machine", "cloud-infrastructure"]


def test_every_causal_step_names_an_actor_that_exists(kg: KnowledgeGraph) -> None:
    steps = [r for r in kg.relations() if r.type is RelationType.CAUSES]
    assert len(steps) == 20
    assert [r.origin for r in steps if str(r.attributes.get("actor")) not in kg] == []


def test_the_vocabulary_is_documented() -> None:
    readme = (builtin_data_dir() / "README.md").read_text()
    missing = [k.value for k in EntityKind if f"`{k.value}`" not in readme]
    missing += [t.value for t in RelationType if f"`{t.value}`" not in readme]
    assert missing == []

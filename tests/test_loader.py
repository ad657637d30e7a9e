from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from service.domain import EntityKind, RelationType
from service.errors import GraphDataError
from service.loader import builtin_data_dir, load_graph

PACKS = Path(__file__).parent / "fixtures" / "packs"
VALID_KINDS = ", ".join(k.value for k in EntityKind)
VALID_TYPES = ", ".join(t.value for t in RelationType)


def problems_of(pack: Path) -> list[str]:
    with pytest.raises(GraphDataError) as info:
        load_graph([pack], include_builtin=False)
    return [f"{Path(p.file).name}:{p.line}: {p.message}" for p in info.value.problems]


def test_a_good_pack_loads_into_a_frozen_graph() -> None:
    kg = load_graph([PACKS / "good"], include_builtin=False)
    assert [e.id for e in kg.entities()] == ["app", "rack", "server"]
    assert [(r.source, r.type, r.target) for r in kg.relations()] == [
        ("app", RelationType.RUNS_ON, "server"),
        ("server", RelationType.RUNS_ON, "rack"),
    ]
    rack = kg.entity("rack")
    assert (rack.sources[0].section, rack.sources[0].line) == ("Hosting", 6)
    with pytest.raises(Exception, match="Frozen graph can't be modified"):
        kg.graph.add_node("intruder")


@pytest.mark.parametrize(
    ("pack", "expected"),
    [
        # YAML that does not parse: the line the parser stopped at, and where the list began
        (
            "yaml-syntax",
            [
                "pack.yaml:6: YAML syntax error: while parsing a flow sequence (started on line 5), expected ',' or ']', but got ':'"
            ],
        ),
        # a kind outside the vocabulary, with the valid ones listed
        ("unknown-kind", [f"pack.yaml:4: unknown kind 'gizmo' (valid: {VALID_KINDS})"]),
        # a relation type outside the vocabulary
        (
            "unknown-relation-type",
            [f"pack.yaml:9: unknown relation type 'lives_on' (valid: {VALID_TYPES})"],
        ),
        # the same id twice: the second place, pointing at the first
        (
            "duplicate-id",
            ["pack.yaml:7: duplicate id 'app' (first declared at {pack}/pack.yaml:3)"],
        ),
        # an edge to an entity nobody declared
        ("missing-entity", ["pack.yaml:8: relation runs_on refers to unknown entity 'server'"]),
        # a source without a quote
        ("missing-quote", ["pack.yaml:7: source is missing its quote"]),
        # a fact that cites nothing
        (
            "missing-sources",
            ["pack.yaml:3: missing sources: every fact must cite where it comes from"],
        ),
        # a quote that is not in the document word for word
        (
            "non-verbatim-quote",
            ["pack.yaml:8: quote 'Applications run on servers.' is not found verbatim in tiny.md"],
        ),
        # a quote that is in the document, but on another line
        ("wrong-line", ["pack.yaml:8: quote 'racks' is not on line 5 of tiny.md; it is on line 6"]),
        # several mistakes: every one is reported, in file order
        (
            "many-problems",
            [
                f"pack.yaml:4: unknown kind 'gizmo' (valid: {VALID_KINDS})",
                "pack.yaml:10: quote 'racks' is not on line 1 of tiny.md; it is on line 6",
                "pack.yaml:12: relation runs_on refers to unknown entity 'nowhere'",
            ],
        ),
    ],
)
def test_each_kind_of_mistake_is_reported_at_its_file_and_line(
    pack: str, expected: list[str]
) -> None:
    shown = str(PACKS / pack)
    assert problems_of(PACKS / pack) == [e.replace("{pack}", _display(shown)) for e in expected]


def _display(path: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return path


def test_a_missing_pack_directory_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    with pytest.raises(GraphDataError, match="knowledge pack directory does not exist"):
        load_graph([tmp_path / "nope"])


def test_an_extra_pack_merges_over_the_builtin_one(make_pack: Callable[..., Path]) -> None:
    pack = make_pack(
        {
            "extra.yaml": """\
            document: tiny.md
            entities:
              - id: bare-metal
                kind: layer
                name: Bare metal
                sources: [{line: 6, quote: "racks"}]
            relations:
              - {source: cloud-infrastructure, type: runs_on, target: bare-metal, sources: [{line: 6, quote: "Servers run on racks."}]}
            """
        }
    )
    kg = load_graph([pack])
    assert kg.entity("bare-metal").kind is EntityKind.LAYER
    assert [r.target for r in kg.outgoing("cloud-infrastructure", RelationType.RUNS_ON)] == [
        "bare-metal"
    ]
    assert kg.version != load_graph().version


def test_an_extra_pack_cannot_redeclare_a_builtin_id(make_pack: Callable[..., Path]) -> None:
    pack = make_pack(
        {
            "clash.yaml": """\
            document: tiny.md
            entities:
              - id: container
                kind: platform
                name: My container
                sources: [{line: 5, quote: "Apps"}]
            """
        }
    )
    with pytest.raises(
        GraphDataError,
        match=r"clash.yaml:3: duplicate id 'container' \(first declared at .*platforms.yaml:\d+\)",
    ):
        load_graph([pack])


def test_the_graph_version_is_a_content_hash(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(PACKS / "good", copy)
    first = load_graph([copy], include_builtin=False).version
    assert load_graph([copy], include_builtin=False).version == first
    (copy / "pack.yaml").write_text((copy / "pack.yaml").read_text() + "\n# edited\n")
    assert load_graph([copy], include_builtin=False).version != first


def test_the_builtin_pack_is_found_in_a_checkout() -> None:
    assert (builtin_data_dir() / "sources" / "vms-vs-containers.md").is_file()

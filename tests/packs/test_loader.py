from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from service.domain import EntityKind, Relation, RelationType
from service.errors import GraphDataError
from service.packs.loader import builtin_data_dir, load_graph

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


ENTITIES_YAML = """\
document: tiny.md
entities:
  - {id: app, kind: platform, name: App, sources: [{line: 5, quote: "Apps"}]}
  - {id: server, kind: layer, name: Server, aliases: [host], sources: [{line: 5, quote: "servers"}]}
  - {id: rack, kind: layer, name: Rack, sources: [{line: 6, quote: "racks"}]}
"""
TABLE_HEADER = "source,type,target,document,line,quote\n"


def test_a_relations_table_loads_like_the_same_relations_in_yaml(
    make_pack: Callable[..., Path],
) -> None:
    pack = make_pack(
        {
            "entities.yaml": ENTITIES_YAML,
            "hosting.relations.csv": TABLE_HEADER
            + "app,runs_on,server,tiny.md,5,Apps run on servers.\n"
            + '"server",runs_on,rack,tiny.md,6,"Servers run on racks."\n',
        }
    )
    from_table = load_graph([pack], include_builtin=False)
    from_yaml = load_graph([PACKS / "good"], include_builtin=False)
    assert [(r.source, r.type, r.target, r.sources) for r in from_table.relations()] == [
        (r.source, r.type, r.target, r.sources) for r in from_yaml.relations()
    ]
    assert [r.origin.rpartition("/")[2] for r in from_table.relations()] == [
        "hosting.relations.csv:2",
        "hosting.relations.csv:3",
    ]


def test_what_was_read_keeps_its_file_once_per_file_and_its_line(
    make_pack: Callable[..., Path],
) -> None:
    pack = make_pack(
        {
            "entities.yaml": ENTITIES_YAML,
            "a.yaml": "relations:\n  - {source: app, type: runs_on, target: rack, "
            'sources: [{document: tiny.md, line: 6, quote: "racks"}]}\n',
            "hosting.relations.csv": TABLE_HEADER
            + "app,runs_on,server,tiny.md,5,Apps run on servers.\n"
            + "server,runs_on,rack,tiny.md,6,Servers run on racks.\n",
        }
    )
    kg = load_graph([pack], include_builtin=False)
    relations = list(kg.relations())
    assert [(Path(r.origin_file).name, r.origin_line) for r in relations] == [
        ("a.yaml", 2),
        ("hosting.relations.csv", 2),
        ("hosting.relations.csv", 3),
    ]
    assert [r.origin for r in relations] == [f"{r.origin_file}:{r.origin_line}" for r in relations]
    # one path string per file, not one per relation: a million relations read from a
    # hundred files hold a hundred strings
    assert len({id(r.origin_file) for r in relations}) == 2
    assert kg.entity("server").origin == f"{kg.entity('app').origin_file}:4"


def test_a_relation_made_outside_a_pack_has_no_origin() -> None:
    relation = Relation("app", RelationType.RUNS_ON, "server", ())
    assert (relation.origin, relation.origin_file, relation.origin_line) == ("", "", 0)


# One relation in each form; an absent key is an empty cell.
RELATION_MISTAKES = [
    # a type outside the vocabulary
    {"source": "app", "type": "lives_on", "target": "server", "line": "5", "quote": "Apps"},
    # an end nobody declared
    {"source": "app", "type": "runs_on", "target": "nowhere", "line": "5", "quote": "Apps"},
    # a quote on another line
    {"source": "app", "type": "runs_on", "target": "rack", "line": "5", "quote": "racks"},
    # a quote that is not in the document
    {"source": "app", "type": "runs_on", "target": "rack", "line": "5", "quote": "Apps on racks"},
    # a line past the end of the document
    {"source": "app", "type": "runs_on", "target": "rack", "line": "60", "quote": "racks"},
    # no source
    {"type": "runs_on", "target": "rack", "line": "6", "quote": "racks"},
    # a blank target
    {"source": "app", "type": "runs_on", "target": " ", "line": "6", "quote": "racks"},
    # a line that is not a number
    {"source": "app", "type": "runs_on", "target": "rack", "line": "five", "quote": "Apps"},
    # no line
    {"source": "app", "type": "runs_on", "target": "rack", "quote": "Apps"},
    # no quote
    {"source": "app", "type": "runs_on", "target": "rack", "line": "5"},
    # a document that is not in sources/
    {
        "source": "app",
        "type": "runs_on",
        "target": "rack",
        "line": "5",
        "quote": "Apps",
        "document": "x.md",
    },
    # a section the line is not under
    {
        "source": "app",
        "type": "runs_on",
        "target": "rack",
        "line": "5",
        "quote": "Apps",
        "section": "Racks",
    },
]


@pytest.mark.parametrize("fields", RELATION_MISTAKES)
def test_a_table_row_is_reported_as_the_same_relation_in_yaml(
    make_pack: Callable[..., Path], fields: dict[str, str]
) -> None:
    cells = {"document": "tiny.md", "section": "", **fields}
    columns = ["source", "type", "target", "document", "line", "quote", "section"]
    table = ",".join(columns) + "\n" + ",".join(cells.get(c, "") for c in columns) + "\n"
    source = {k: v for k, v in cells.items() if k in ("document", "line", "quote", "section") and v}
    source_yaml = ", ".join(
        f"{k}: {v}" if k == "line" else f"{k}: {v!r}" for k, v in source.items()
    )
    ends = ", ".join(f"{k}: {v!r}" for k, v in cells.items() if k in columns[:3])
    yaml_text = f"relations:\n  - {{{ends}, sources: [{{{source_yaml}}}]}}\n"
    as_table = make_pack({"entities.yaml": ENTITIES_YAML, "r.relations.csv": table}, name="t")
    as_yaml = make_pack({"entities.yaml": ENTITIES_YAML, "r.yaml": yaml_text}, name="y")
    table_problems = problems_of(as_table)
    yaml_problems = problems_of(as_yaml)
    assert [p.replace("r.relations.csv:2:", "") for p in table_problems] == [
        p.replace("r.yaml:2:", "") for p in yaml_problems
    ]
    assert table_problems and all(p.startswith("r.relations.csv:2: ") for p in table_problems)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        # a column the format does not have, and a required one missing
        (
            "source,type,target,doc,line,quote\n",
            [
                "r.relations.csv:1: missing required field 'document'",
                "r.relations.csv:1: unknown relation field 'doc'",
            ],
        ),
        # a column twice
        (
            "source,type,target,document,line,quote,quote\n",
            ["r.relations.csv:1: column 'quote' is named twice"],
        ),
        # no header at all
        (
            "",
            [
                "r.relations.csv:1: a relations table starts with its header: "
                + TABLE_HEADER.strip()
            ],
        ),
        # rows of the wrong width, after blank lines that are skipped
        (
            TABLE_HEADER + "\n\napp,runs_on\napp,runs_on,server,tiny.md,5,Apps,more\n",
            [
                "r.relations.csv:4: a row must have 6 cells, not 2",
                "r.relations.csv:5: a row must have 6 cells, not 7",
            ],
        ),
        # a quoted cell left open
        (
            TABLE_HEADER + 'app,runs_on,server,tiny.md,5,"Apps\n',
            ["r.relations.csv:2: CSV syntax error: unexpected end of data"],
        ),
        # the same relation in YAML and in a table
        (
            TABLE_HEADER + "app,runs_on,server,tiny.md,5,Apps\n",
            ["r.relations.csv:2: duplicate relation app runs_on server"],
        ),
    ],
)
def test_mistakes_of_a_table_itself_are_reported(
    make_pack: Callable[..., Path], table: str, expected: list[str]
) -> None:
    relation = (
        "relations:\n  - {source: app, type: runs_on, target: server, "
        'sources: [{document: tiny.md, line: 5, quote: "Apps run on servers."}]}\n'
    )
    pack = make_pack({"entities.yaml": ENTITIES_YAML, "a.yaml": relation, "r.relations.csv": table})
    assert problems_of(pack) == expected


def test_a_config_map_volume_is_read_once(tmp_path: Path) -> None:
    # The kubelet's layout: files in ..<timestamp>/, ..data linking there, names linking ..data.
    good = PACKS / "good"
    pack = tmp_path / "pack"
    real = pack / "..2026_11_29_07_00_00.1"
    (real / "sources").mkdir(parents=True)
    (real / "pack.yaml").write_bytes((good / "pack.yaml").read_bytes())
    (real / "sources" / "tiny.md").write_bytes((good / "sources" / "tiny.md").read_bytes())
    (pack / "..data").symlink_to(real.name)
    (pack / "pack.yaml").symlink_to("..data/pack.yaml")
    (pack / "sources").symlink_to("..data/sources")
    assert load_graph([pack]).number_of_relations() == load_graph([good]).number_of_relations()

"""graph_changes(): what changed between two versions of a pack, citations that moved included."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from service.domain import Relation, Source
from service.knowledge import KnowledgeGraph
from service.packs.loader import load_graph
from service.queries.changes import (
    CitationChanges,
    CitationMove,
    citation_changes,
    graph_changes,
)

NOTES_V1 = """\
# Tiny notes

## Hosting

Apps run on servers.
Servers run on racks.
"""
PACK_V1 = """\
document: tiny.md
entities:
  - {id: app, kind: platform, name: App, sources: [{line: 5, quote: "Apps run"}]}
  - {id: server, kind: layer, name: Server, summary: Hosts apps., sources: [{line: 5, quote: "servers"}]}
  - {id: rack, kind: layer, name: Rack, sources: [{line: 6, quote: "racks"}]}
relations:
  - {source: app, type: runs_on, target: server, sources: [{line: 5, quote: "Apps run on servers."}]}
  - {source: server, type: runs_on, target: rack, sources: [{line: 6, quote: "Servers run on racks."}]}
"""
# Two lines inserted above the section: every citation moves down by two.
NOTES_V2 = """\
# Tiny notes

Updated weekly.

## Hosting

Apps run on servers.
Servers run on racks.
Servers sit in rooms.
"""
# app: only its citation moved; server: reworded summary, citation moved; rack removed,
# room added; app runs_on server gains an attribute; server runs_on rack becomes ... room.
PACK_V2 = """\
document: tiny.md
entities:
  - {id: app, kind: platform, name: App, sources: [{line: 7, quote: "Apps run"}]}
  - {id: server, kind: layer, name: Server, summary: Hosts apps and jobs., sources: [{line: 7, quote: "servers"}]}
  - {id: room, kind: layer, name: Room, sources: [{line: 9, quote: "rooms"}]}
relations:
  - {source: app, type: runs_on, target: server, attributes: {via: network}, sources: [{line: 7, quote: "Apps run on servers."}]}
  - {source: server, type: runs_on, target: room, sources: [{line: 9, quote: "Servers sit in rooms."}]}
"""


@pytest.fixture
def versions(make_pack: Callable[..., Path]) -> tuple[KnowledgeGraph, KnowledgeGraph]:
    v1 = make_pack({"pack.yaml": PACK_V1}, notes=NOTES_V1, name="v1")
    v2 = make_pack({"pack.yaml": PACK_V2}, notes=NOTES_V2, name="v2")
    return load_graph([v1], include_builtin=False), load_graph([v2], include_builtin=False)


def hosting(line: int, quote: str) -> Source:
    return Source("tiny.md", "Hosting", line, quote)


def test_entities_added_removed_and_changed_with_the_fields_that_differ(
    versions: tuple[KnowledgeGraph, KnowledgeGraph],
) -> None:
    before, after = versions
    changes = graph_changes(before, after)

    assert (changes.before, changes.after) == (before.version, after.version)
    assert [e.id for e in changes.entities_added] == ["room"]
    assert [e.id for e in changes.entities_removed] == ["rack"]
    assert [(c.after.id, c.fields) for c in changes.entities_changed] == [
        ("app", ("sources",)),
        ("server", ("summary", "sources")),
    ]
    server = changes.entities_changed[1]
    assert (server.before.summary, server.after.summary) == ("Hosts apps.", "Hosts apps and jobs.")


def test_a_citation_pushed_down_by_an_edit_above_it_has_moved(
    versions: tuple[KnowledgeGraph, KnowledgeGraph],
) -> None:
    app, server = graph_changes(*versions).entities_changed
    assert app.citations == CitationChanges(
        moved=(CitationMove(hosting(5, "Apps run"), hosting(7, "Apps run")),)
    )
    assert server.citations == CitationChanges(
        moved=(CitationMove(hosting(5, "servers"), hosting(7, "servers")),)
    )


def test_relations_added_removed_and_changed(
    versions: tuple[KnowledgeGraph, KnowledgeGraph],
) -> None:
    changes = graph_changes(*versions)

    def keys(relations: tuple[Relation, ...]) -> list[tuple[str, str, str]]:
        return [(r.source, r.type.value, r.target) for r in relations]

    assert keys(changes.relations_added) == [("server", "runs_on", "room")]
    assert keys(changes.relations_removed) == [("server", "runs_on", "rack")]
    [changed] = changes.relations_changed
    assert (changed.after.source, changed.after.target, changed.fields) == (
        "app",
        "server",
        ("attributes", "sources"),
    )
    assert (dict(changed.before.attributes), dict(changed.after.attributes)) == (
        {},
        {"via": "network"},
    )
    assert changed.citations == CitationChanges(
        moved=(
            CitationMove(hosting(5, "Apps run on servers."), hosting(7, "Apps run on servers.")),
        )
    )


def test_the_other_way_round_added_and_removed_trade_places(
    versions: tuple[KnowledgeGraph, KnowledgeGraph],
) -> None:
    before, after = versions
    back = graph_changes(after, before)
    assert [e.id for e in back.entities_added] == ["rack"]
    assert [e.id for e in back.entities_removed] == ["room"]
    assert back.entities_changed[0].citations.moved == (
        CitationMove(hosting(7, "Apps run"), hosting(5, "Apps run")),
    )


def test_a_graph_has_no_changes_from_itself(kg: KnowledgeGraph) -> None:
    changes = graph_changes(kg, kg)
    assert changes == type(changes)(kg.version, kg.version)


def test_moving_a_declaration_within_the_yaml_is_no_change(
    make_pack: Callable[..., Path],
) -> None:
    first, *rest = PACK_V1.splitlines(keepends=True)[2:5]
    reordered = PACK_V1.replace(first + "".join(rest), "".join(rest) + first)
    assert reordered != PACK_V1
    before = load_graph([make_pack({"pack.yaml": PACK_V1}, notes=NOTES_V1, name="a")], False)
    after = load_graph([make_pack({"pack.yaml": reordered}, notes=NOTES_V1, name="b")], False)
    assert before.version != after.version  # the pack changed, what it says did not
    changes = graph_changes(before, after)
    assert changes == type(changes)(before.version, after.version)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        # the same citations in another order: nothing moved, added or removed
        (
            (hosting(5, "a"), hosting(6, "b")),
            (hosting(6, "b"), hosting(5, "a")),
            CitationChanges(),
        ),
        # a reworded quote is a citation removed and one added, not a move
        (
            (hosting(5, "Apps run"),),
            (hosting(5, "Apps walk"),),
            CitationChanges(added=(hosting(5, "Apps walk"),), removed=(hosting(5, "Apps run"),)),
        ),
        # the same quote under another heading, same line: moved
        (
            (hosting(5, "a"),),
            (Source("tiny.md", "Racks", 5, "a"),),
            CitationChanges(
                moved=(CitationMove(hosting(5, "a"), Source("tiny.md", "Racks", 5, "a")),)
            ),
        ),
        # a quote cited twice, one of them moved: the unmoved one is paired first
        (
            (hosting(5, "a"), hosting(6, "a")),
            (hosting(6, "a"), hosting(8, "a")),
            CitationChanges(moved=(CitationMove(hosting(5, "a"), hosting(8, "a")),)),
        ),
        # the same quote of another document is another citation
        (
            (hosting(5, "a"),),
            (Source("other.md", "Hosting", 5, "a"),),
            CitationChanges(
                added=(Source("other.md", "Hosting", 5, "a"),), removed=(hosting(5, "a"),)
            ),
        ),
    ],
)
def test_citation_changes(
    before: tuple[Source, ...], after: tuple[Source, ...], expected: CitationChanges
) -> None:
    assert citation_changes(before, after) == expected

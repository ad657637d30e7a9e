"""Review markers: a drafted pack's questions for a human, warnings at file:line, not problems."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from service.cli import main
from service.errors import GraphDataError
from service.packs.loader import load_graph

MARKED = """\
document: tiny.md
entities:
  - id: app
    kind: platform
    name: App
    review: "is App the subject the table means?"
    sources: [{line: 5, quote: "Apps"}]
  - {id: server, kind: layer, name: Server, sources: [{line: 5, quote: "servers"}]}
relations:
  - source: app
    type: runs_on
    target: server
    review: "does the chain read bottom to top?"
    sources: [{line: 5, quote: "Apps run on servers."}]
"""


def test_review_markers_load_as_warnings_with_their_file_and_line(
    make_pack: Callable[..., Path],
) -> None:
    kg = load_graph([make_pack({"pack.yaml": MARKED})], include_builtin=False)
    assert [(Path(w.file).name, w.line, w.message) for w in kg.warnings] == [
        ("pack.yaml", 6, "review: is App the subject the table means?"),
        ("pack.yaml", 13, "review: does the chain read bottom to top?"),
    ]
    assert [e.id for e in kg.entities()] == ["app", "server"]


def test_validate_lists_review_markers_and_still_exits_0(
    make_pack: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    pack = make_pack({"pack.yaml": MARKED})
    assert main(["validate", "--only", str(pack)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("ok: 2 entities, 1 relations, 1 source document(s), version ")
    assert out[1:] == [
        "2 warnings:",
        f"  {pack}/pack.yaml:6: review: is App the subject the table means?",
        f"  {pack}/pack.yaml:13: review: does the chain read bottom to top?",
    ]


def test_an_empty_review_marker_is_a_problem(make_pack: Callable[..., Path]) -> None:
    pack = make_pack({"pack.yaml": MARKED.replace('"is App the subject the table means?"', '""')})
    with pytest.raises(GraphDataError) as info:
        load_graph([pack], include_builtin=False)
    assert [(Path(p.file).name, p.line, p.message) for p in info.value.problems] == [
        ("pack.yaml", 6, "review must be a non-empty string")
    ]

"""A pack's anchors record, and validate's warning when a cited document changed since."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from service.errors import GraphDataError, Problem
from service.packs.anchors import (
    ANCHORS_FILE,
    AnchorsError,
    content_hash,
    first_difference,
    read_anchors,
    write_anchors,
)
from service.packs.documents import Document
from service.packs.loader import load_graph

NOTES = "# Tiny notes\n\n## Hosting\n\nApps run on servers.\nServers run on racks.\n"
PACK = """\
document: tiny.md
entities:
  - {id: app, kind: platform, name: App, sources: [{line: 5, quote: "Apps"}]}
  - {id: rack, kind: layer, name: Rack, sources: [{line: 6, quote: "racks"}]}
relations:
  - {source: app, type: runs_on, target: rack, sources: [{line: 6, quote: "Servers run on racks."}]}
"""


@pytest.fixture
def pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tiny pack anchored to its note; the working directory is its parent."""
    root = tmp_path / "pack"
    (root / "sources").mkdir(parents=True)
    (root / "sources" / "tiny.md").write_text(NOTES)
    (root / "pack.yaml").write_text(PACK)
    write_anchors(root, [Document.from_text("tiny.md", NOTES)])
    monkeypatch.chdir(tmp_path)
    return root


def test_the_record_holds_each_document_line_by_line_with_its_hash(pack: Path) -> None:
    data = json.loads((pack / ANCHORS_FILE).read_text())
    assert data["documents"] == {
        "tiny.md": {
            # the lines joined by "\n", no final newline
            "sha256": hashlib.sha256(NOTES.rstrip("\n").encode()).hexdigest(),
            "lines": [
                "# Tiny notes",
                "",
                "## Hosting",
                "",
                "Apps run on servers.",
                "Servers run on racks.",
            ],
        }
    }
    assert read_anchors(pack) == {"tiny.md": Document.from_text("tiny.md", NOTES)}


def test_the_hash_ignores_line_endings_but_not_text() -> None:
    unix = Document.from_text("a.md", "one\ntwo\n")
    assert content_hash(unix) == content_hash(Document.from_text("a.md", "one\r\ntwo"))
    assert content_hash(unix) != content_hash(Document.from_text("a.md", "one\ntwo!\n"))
    assert content_hash(unix) == hashlib.sha256(b"one\ntwo").hexdigest()


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        # the first line that differs
        ("a\nb\nc", "a\nB\nc", 2),
        # lines added at the end: the first added one
        ("a\nb", "a\nb\nc", 3),
        # lines inserted on top
        ("a\nb", "x\na\nb", 1),
    ],
)
def test_first_difference(old: str, new: str, line: int) -> None:
    assert first_difference(Document.from_text("d", old), Document.from_text("d", new)) == line


def test_an_unchanged_pack_loads_without_warnings(pack: Path) -> None:
    assert load_graph([pack], include_builtin=False).warnings == ()


def test_validate_warns_of_a_document_changed_since_the_pack_was_anchored(pack: Path) -> None:
    # An edit below every citation: still valid, but no longer what the pack was anchored to.
    (pack / "sources" / "tiny.md").write_text(NOTES + "\nRacks sit in rooms.\n")
    kg = load_graph([pack], include_builtin=False)
    assert kg.warnings == (
        Problem(
            "pack/sources/tiny.md",
            7,
            "tiny.md changed since the pack pack was last anchored to it; "
            "run `archgraph reanchor pack` to move the citations that moved",
        ),
    )


def test_the_warning_comes_with_the_problems_when_citations_broke(pack: Path) -> None:
    (pack / "sources" / "tiny.md").write_text("# Intro\n\n" + NOTES)
    with pytest.raises(GraphDataError) as caught:
        load_graph([pack], include_builtin=False)
    assert str(caught.value).splitlines()[-2:] == [
        "1 warning:",
        "  pack/sources/tiny.md:1: tiny.md changed since the pack pack was last anchored to it; "
        "run `archgraph reanchor pack` to move the citations that moved",
    ]
    assert [str(p) for p in caught.value.problems] == [
        "pack/pack.yaml:3: quote 'Apps' is not on line 5 of tiny.md; it is on line 7",
        "pack/pack.yaml:4: quote 'racks' is not on line 6 of tiny.md; it is on line 8",
        "pack/pack.yaml:6: quote 'Servers run on racks.' is not on line 6 of tiny.md; it is on line 8",
    ]


def test_a_record_that_cannot_be_read_is_a_warning_not_an_error(pack: Path) -> None:
    (pack / ANCHORS_FILE).write_text('{"documents": [}')
    kg = load_graph([pack], include_builtin=False)
    assert kg.warnings == (Problem("pack/anchors.json", 1, "not valid JSON: Expecting value"),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # not JSON
        (
            "{",
            "pack/anchors.json:1: not valid JSON: Expecting property name enclosed in double quotes",
        ),
        # JSON of another shape
        ("[]", "pack/anchors.json:1: expected an object with 'documents'"),
        # lines that are not strings
        (
            '{"documents": {"tiny.md": {"sha256": "", "lines": [1]}}}',
            "pack/anchors.json:1: documents.tiny.md: expected 'lines', a list of strings",
        ),
    ],
)
def test_read_anchors_names_what_is_wrong(pack: Path, text: str, message: str) -> None:
    (pack / ANCHORS_FILE).write_text(text)
    with pytest.raises(AnchorsError) as caught:
        read_anchors(Path("pack"))
    assert str(caught.value) == message


def test_the_validate_command_prints_the_warning_and_exits_0(pack: Path) -> None:
    (pack / "sources" / "tiny.md").write_text(NOTES + "\nRacks sit in rooms.\n")
    result = subprocess.run(
        [sys.executable, "-m", "service.cli", "validate", "--only", "pack"],
        capture_output=True,
        text=True,
        cwd=pack.parent,
        timeout=60,
    )
    assert result.returncode == 0
    assert result.stdout.splitlines()[1:] == [
        "1 warning:",
        "  pack/sources/tiny.md:7: tiny.md changed since the pack pack was last anchored to it; "
        "run `archgraph reanchor pack` to move the citations that moved",
    ]

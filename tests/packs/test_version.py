"""The graph version: a hash of every pack file and every source document, so any edit,
rename or move of one changes it, and nothing else does."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from service.packs.loader import load_graph

PACK = """\
document: tiny.md
entities:
  - {id: app, kind: platform, name: App, sources: [{line: 5, quote: "Apps"}]}
  - {id: server, kind: layer, name: Server, sources: [{line: 5, quote: "servers"}]}
"""
TABLE = (
    "source,type,target,document,line,quote\napp,runs_on,server,tiny.md,5,Apps run on servers.\n"
)
SCENARIO = "nodes:\n  - {name: node-a, cpu: '2', memory: 4Gi}\n"


@pytest.fixture
def pack(make_pack: Callable[..., Path]) -> Path:
    return make_pack(
        {
            "pack.yaml": PACK,
            "hosting.relations.csv": TABLE,
            "scenarios/one-node.yaml": SCENARIO,
        }
    )


def version(*packs: Path) -> str:
    return load_graph(packs, include_builtin=False).version


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


EDITS: list[tuple[str, Callable[[Path], object]]] = [
    ("a YAML file", lambda p: append(p / "pack.yaml", "# reviewed\n")),
    ("a relations table", lambda p: append(p / "hosting.relations.csv", "\n")),
    ("a scenario", lambda p: append(p / "scenarios" / "one-node.yaml", "# a note\n")),
    ("a cited document", lambda p: append(p / "sources" / "tiny.md", "More.\n")),
    ("an uncited document", lambda p: (p / "sources" / "other.md").write_text("Other.\n")),
    ("a file renamed", lambda p: (p / "pack.yaml").rename(p / "app.yaml")),
    (
        "a file moved into a folder",
        lambda p: (p / "more").mkdir() or (p / "pack.yaml").rename(p / "more" / "pack.yaml"),
    ),
]


@pytest.mark.parametrize(("what", "edit"), EDITS, ids=[what for what, _ in EDITS])
def test_an_edit_changes_the_version(pack: Path, what: str, edit: Callable[[Path], object]) -> None:
    before = version(pack)
    edit(pack)
    assert version(pack) != before, what


def test_an_edit_undone_gives_the_version_back(pack: Path) -> None:
    before = version(pack)
    original = (pack / "pack.yaml").read_text()
    append(pack / "pack.yaml", "# reviewed\n")
    (pack / "pack.yaml").write_text(original)
    assert version(pack) == before


def test_files_the_loader_does_not_read_and_line_endings_leave_the_version_alone(
    pack: Path,
) -> None:
    before = version(pack)
    (pack / "README.md").write_text("About this pack.\n")
    for path in (pack / "pack.yaml", pack / "sources" / "tiny.md"):  # loaded as the same text
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert version(pack) == before


def test_the_version_does_not_depend_on_where_the_pack_is(
    pack: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = version(pack)
    elsewhere = shutil.copytree(pack, tmp_path / "elsewhere" / "copy")
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert version(Path("copy")) == version(elsewhere) == before
    assert os.getcwd() == str(tmp_path / "elsewhere")


def test_the_order_of_the_packs_is_part_of_the_version(
    pack: Path, make_pack: Callable[..., Path]
) -> None:
    other = make_pack(
        {"more.yaml": PACK.replace("id: app", "id: job").replace("id: server", "id: host")},
        name="other",
    )
    assert version(pack, other) != version(other, pack)

"""``archgraph draft``: a note in, a pack for review out; bad input is one line and exit 2."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from draft_notes import MICROVM_NOTE, PROSE_NOTE

from service.cli import draft as draft_cli
from service.cli import main

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """``archgraph ARGS`` in-process in ``tmp_path``: (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARCHGRAPH_DATA", raising=False)

    def invoke(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


@pytest.fixture
def note(tmp_path: Path) -> Path:
    path = tmp_path / "notes" / "containers-vs-microvms.md"
    path.parent.mkdir()
    path.write_text(MICROVM_NOTE)
    return path


def listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_draft_writes_the_pack_and_the_note_and_says_what_it_drafted(
    run: Run, note: Path, tmp_path: Path
) -> None:
    code, out, err = run("draft", "notes/containers-vs-microvms.md")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "drafted containers-vs-microvms-pack from notes/containers-vs-microvms.md: "
        "18 entities, 24 relations",
        "  comparison table on line 5 of containers-vs-microvms.md: microvm (new), container "
        "compared on 3 dimension(s)",
        "  arrow chain on line 30 of containers-vs-microvms.md: bare-metal (new) → firecracker "
        "(new) → microvm (new) → container",
        "  list under 'Choose a MicroVM when:' (line 13): 2 requirement(s) favouring microvm (new)",
        "  list under 'Where containers win:' (line 19): 2 requirement(s) favouring container",
        "  list under 'You combine both when:' (line 24): 1 situation(s) favouring "
        "microvm-container-architecture (new)",
        "  failure statements: 1 cited on the entities of this pack they name",
        "  refers to entities of other packs: container",
        "  1 failure statement(s) about other packs' entities: listed at the end of the pack file",
        "3 review markers: `archgraph validate containers-vs-microvms-pack` lists them with "
        "file:line",
    ]
    pack = tmp_path / "containers-vs-microvms-pack"
    assert listing(pack) == [
        "anchors.json",
        "containers-vs-microvms.yaml",
        "sources",
        "sources/containers-vs-microvms.md",
    ]
    assert (pack / "sources" / note.name).read_bytes() == note.read_bytes()
    # anchored from the start: the record holds the note's lines as drafted
    anchored = json.loads((pack / "anchors.json").read_text())["documents"]
    assert anchored[note.name]["lines"] == MICROVM_NOTE.splitlines()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_the_draft_validates_as_written_listing_its_review_markers(run: Run, note: Path) -> None:
    run("draft", str(note), "-o", "pack")
    code, out, err = run("validate", "pack")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("ok: 97 entities, ")
    assert lines[1:] == [
        "3 warnings:",
        *(
            f"  pack/containers-vs-microvms.yaml:{line}: review: which value of {name} is "
            "favourable? set prefer (lower/higher/neither) here and an ordinal on each of its values"
            for line, name in [(23, "Boot Time"), (43, "Isolation"), (63, "Density")]
        ),
    ]


def test_an_existing_dir_is_replaced_only_with_force(run: Run, note: Path, tmp_path: Path) -> None:
    (tmp_path / "pack").mkdir()
    (tmp_path / "pack" / "old.yaml").write_text("entities: []\n")
    code, out, err = run("draft", str(note), "-o", "pack")
    assert (code, out, err) == (
        2,
        "",
        "archgraph draft: pack already exists; pass --force to replace it\n",
    )
    assert listing(tmp_path / "pack") == ["old.yaml"]
    code, _, _ = run("draft", str(note), "-o", "pack", "--force")
    assert code == 0
    assert listing(tmp_path / "pack") == [
        "anchors.json",
        "containers-vs-microvms.yaml",
        "sources",
        "sources/containers-vs-microvms.md",
    ]
    # a drafted pack is a pack: --force replaces it again
    assert run("draft", str(note), "-o", "pack", "--force")[0] == 0


def test_force_never_replaces_a_dir_that_is_more_than_a_pack(
    run: Run, note: Path, tmp_path: Path
) -> None:
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "thesis.tex").write_text("precious")
    code, out, err = run("draft", str(note), "-o", "work", "--force")
    assert (code, out) == (2, "")
    assert (
        err == "archgraph draft: work holds more than a pack (thesis.tex); refusing to replace it\n"
    )
    assert listing(tmp_path / "work") == ["thesis.tex"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # a missing note
        (None, "note.md: no such file"),
        # a binary file
        (b"\x89PNG\r\n\x1a\n\x00\x00", "note.md: not a text file (a NUL byte at offset 8)"),
        # Latin-1 text
        ("Café | Ça va\n".encode("latin-1"), "note.md: not UTF-8 text (byte 0xe9 at offset 3)"),
    ],
)
def test_a_note_that_cannot_be_read_is_one_line_and_exit_2_with_nothing_written(
    run: Run, tmp_path: Path, content: bytes | None, message: str
) -> None:
    if content is not None:
        (tmp_path / "note.md").write_bytes(content)
    before = listing(tmp_path)
    assert run("draft", "note.md") == (2, "", f"archgraph draft: {message}\n")
    assert listing(tmp_path) == before


def test_a_dir_that_cannot_be_written_is_one_line_and_exit_2(
    run: Run, note: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # its parent is a file
    (tmp_path / "file").write_text("")
    assert run("draft", str(note), "-o", "file/pack") == (
        2,
        "",
        "archgraph draft: cannot write file/pack: file is not a directory\n",
    )

    # the file system refuses (as it does for a read-only directory, unless one is root)
    def refuse(*args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(draft_cli.tempfile, "mkdtemp", refuse)
    before = listing(tmp_path)
    assert run("draft", str(note), "-o", "pack") == (
        2,
        "",
        "archgraph draft: cannot write pack: Permission denied\n",
    )
    assert listing(tmp_path) == before


def test_a_note_with_nothing_to_draft_gives_an_empty_pack_and_says_so(
    run: Run, tmp_path: Path
) -> None:
    (tmp_path / "thoughts.md").write_text(PROSE_NOTE)
    code, out, err = run("draft", "thoughts.md")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "nothing to draft in thoughts.md: no comparison table, no list under a lead-in such as "
        '"Choose X when:" or "Combine both when:", and no arrow chain (A → B).',
        "wrote an empty pack to thoughts-pack (the note is in its sources/)",
    ]
    assert (
        (tmp_path / "thoughts-pack" / "thoughts.yaml")
        .read_text()
        .endswith("entities: []\n\nrelations: []\n")
    )
    assert run("validate", "thoughts-pack")[0] == 0


def test_a_note_named_like_a_loaded_document_but_different_is_refused(
    run: Run, tmp_path: Path
) -> None:
    (tmp_path / "vms-vs-containers.md").write_text(MICROVM_NOTE)
    assert run("draft", "vms-vs-containers.md") == (
        2,
        "",
        "archgraph draft: vms-vs-containers.md: a different document named "
        "'vms-vs-containers.md' is already loaded; rename the note\n",
    )
    assert not (tmp_path / "vms-vs-containers-pack").exists()

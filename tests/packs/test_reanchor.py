"""``archgraph reanchor``: citations that survive edits of the notes they cite."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from service.cli import main
from service.packs.anchor import Verdict
from service.packs.anchors import ANCHORS_FILE, read_anchors
from service.packs.loader import builtin_data_dir, load_graph
from service.packs.reanchor import reanchor_packs

NOTE = "vms-vs-containers.md"
INSERTED = "<!-- reviewed 2026-11 -->\n\nSee also: the platform team's wiki.\n\n"
OLD_CELL, NEW_CELL = "Fast (seconds or less)", "Fast (a few seconds or less)"
# How the built-in pack writes a citation; read with this pattern, independently of the
# code under test, to say what reanchor must have done.
CITATION = re.compile(r'\{line: (\d+), quote: "((?:[^"\\]|\\.)*)"\}')


@pytest.fixture
def edited_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the built-in pack whose note got four lines on top and one cell
    reworded; the working directory is its parent, so files show as ``pack/…``."""
    pack = tmp_path / "pack"
    shutil.copytree(builtin_data_dir(), pack)
    note = pack / "sources" / NOTE
    text = note.read_text(encoding="utf-8")
    assert text.count(OLD_CELL) == 1
    note.write_text(INSERTED + text.replace(OLD_CELL, NEW_CELL), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return pack


def citations_in(text: str) -> list[tuple[int, int, str]]:
    """(line of the file, cited line, quote) of each citation written as the built-in
    pack writes them."""
    return [
        (number, int(m.group(1)), m.group(2))
        for number, row in enumerate(text.splitlines(), start=1)
        for m in CITATION.finditer(row)
    ]


def test_the_builtin_pack_is_anchored_to_its_note_as_it_is() -> None:
    builtin = builtin_data_dir()
    record = read_anchors(builtin)
    assert list(record) == [NOTE]
    assert record[NOTE].lines == load_graph().documents[NOTE].lines
    assert load_graph().warnings == ()


def test_inserted_lines_move_every_citation_and_a_reworded_cell_is_only_proposed(
    edited_pack: Path,
) -> None:
    before = {p.name: p.read_text(encoding="utf-8") for p in sorted(edited_pack.glob("*.yaml"))}

    (report,) = reanchor_packs([edited_pack], include_builtin=False)

    # Which citations moved where: every one of them four lines down, except the
    # reworded cell's, which nobody may rewrite without review.
    expected_moves = sorted(
        (f"pack/{name}", line, cited, cited + 4)
        for name, text in before.items()
        for line, cited, quote in citations_in(text)
        if quote != OLD_CELL
    )
    moved = sorted(
        (o.site.file, o.site.at, o.site.line, o.anchoring.line)
        for o in report.outcomes
        if o.anchoring.verdict is Verdict.MOVED
    )
    assert moved == expected_moves
    assert len(moved) == 180
    assert ("pack/stack.yaml", 40, 44) in {(f, old, new) for f, _, old, new in moved}
    proposals = sorted(
        (
            o.site.file,
            o.site.at,
            o.anchoring.verdict,
            o.site.line,
            o.anchoring.line,
            o.anchoring.quote,
        )
        for o in report.to_review
    )
    assert proposals == sorted(
        (f"pack/{name}", line, Verdict.REWORDED, 8, 12, NEW_CELL)
        for name, text in before.items()
        for line, _, quote in citations_in(text)
        if quote == OLD_CELL
    )
    assert len(proposals) == 4
    assert report.rewritten == {
        "pack/comparison.yaml": 54,
        "pack/failures.yaml": 26,
        "pack/kubernetes.yaml": 20,
        "pack/platforms.yaml": 16,
        "pack/requirements.yaml": 52,
        "pack/stack.yaml": 12,
    }
    # In place: the files differ from before only in the moved line numbers.
    for name, text in before.items():
        expected = CITATION.sub(
            lambda m: (
                m.group(0)
                if m.group(2) == OLD_CELL
                else m.group(0).replace(f"line: {m.group(1)}", f"line: {int(m.group(1)) + 4}")
            ),
            text,
        )
        assert (edited_pack / name).read_text(encoding="utf-8") == expected, name
    assert report.recorded == [NOTE]
    assert read_anchors(edited_pack)[NOTE].lines[:4] == (
        "<!-- reviewed 2026-11 -->",
        "",
        "See also: the platform team's wiki.",
        "",
    )


def test_the_command_prints_each_proposal_with_old_and_new_text_and_exits_1(
    edited_pack: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["reanchor", "--only", "pack"]) == 1
    out = capsys.readouterr().out.splitlines()
    proposal = (
        f'reworded: {NOTE}:8 "{OLD_CELL}" -> {NOTE}:12 "{NEW_CELL}" '
        "(score 88; proposed, not written)"
    )
    assert [line for line in out if not line.startswith("pack:")][:4] == [
        f"pack/comparison.yaml:58: {proposal}",
        f"pack/comparison.yaml:198: {proposal}",
        f"pack/requirements.yaml:55: {proposal}",
        f"pack/requirements.yaml:183: {proposal}",
    ]
    assert out[4:] == [
        "pack: 184 citations: 0 kept, 180 moved, 4 reworded",
        "pack: 180 line numbers rewritten in 6 files",
        f"pack/{ANCHORS_FILE}: anchored to {NOTE} as it is now",
    ]


def test_once_the_proposals_are_accepted_the_pack_is_valid_and_reanchor_exits_0(
    edited_pack: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["reanchor", "--only", "pack"])
    for name in ("comparison.yaml", "requirements.yaml"):
        path = edited_pack / name
        path.write_text(
            path.read_text(encoding="utf-8").replace(
                f'{{line: 8, quote: "{OLD_CELL}"}}', f'{{line: 12, quote: "{NEW_CELL}"}}'
            ),
            encoding="utf-8",
        )
    capsys.readouterr()
    assert main(["reanchor", "--only", "pack"]) == 0
    assert capsys.readouterr().out.splitlines() == ["pack: 184 citations: 184 kept"]
    kg = load_graph([edited_pack], include_builtin=False)
    assert kg.warnings == ()
    assert kg.entity("container-startup-time").sources[0].line == 12


def test_a_dry_run_reports_the_same_and_writes_nothing(
    edited_pack: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {p: p.read_bytes() for p in edited_pack.rglob("*") if p.is_file()}
    assert main(["reanchor", "--only", "--dry-run", "pack"]) == 1
    assert {p: p.read_bytes() for p in edited_pack.rglob("*") if p.is_file()} == before
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "pack: 180 line numbers would be rewritten in 6 files",
        f"pack/{ANCHORS_FILE}: would be anchored to {NOTE} as it is now",
    ]


def test_verbose_lists_every_move(edited_pack: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["reanchor", "--only", "-v", "pack"])
    out = capsys.readouterr().out.splitlines()
    assert sum(" moved: " in line for line in out) == 180
    assert (
        'pack/stack.yaml:13: moved: vms-vs-containers.md:40 "Cloud Infrastructure" -> line 44 (rewritten)'
        in out
    )


@pytest.mark.parametrize(
    ("files", "message"),
    [
        # a pack file that is not YAML: its line, and nothing of the pack written
        (
            {"bad.yaml": "entities: [\n"},
            "archgraph reanchor: pack/bad.yaml:2: YAML syntax error: while parsing a flow node, expected the node content, but found '<stream end>'",
        ),
        # a record edited by hand
        (
            {ANCHORS_FILE: '{"documents": {"tiny.md": {"sha256": "0", "lines": []}}}'},
            "archgraph reanchor: pack/anchors.json:1: documents.tiny.md: the lines do not match their sha256 (edited by hand?); run `archgraph reanchor` to record them again",
        ),
    ],
)
def test_an_unreadable_pack_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str],
    message: str,
) -> None:
    pack = tmp_path / "pack"
    (pack / "sources").mkdir(parents=True)
    (pack / "sources" / "tiny.md").write_text("# Tiny\n\nApps run on servers.\n")
    (pack / "a.yaml").write_text(
        "document: tiny.md\nentities:\n  - {id: app, kind: platform, name: App, "
        'sources: [{line: 3, quote: "Apps"}]}\n'
    )
    for name, text in files.items():
        (pack / name).write_text(text)
    before = {p: p.read_bytes() for p in pack.rglob("*") if p.is_file()}
    monkeypatch.chdir(tmp_path)
    assert main(["reanchor", "--only", "pack"]) == 2
    assert capsys.readouterr().err.splitlines() == [message]
    assert {p: p.read_bytes() for p in pack.rglob("*") if p.is_file()} == before


def test_a_missing_pack_directory_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["reanchor", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err == (
        f"archgraph reanchor: {tmp_path / 'nope'}: knowledge pack directory does not exist\n"
    )


def test_tables_and_unusual_yaml_are_rewritten_or_reported_never_guessed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = "# Tiny\n\n## Hosting\n\nApps run on servers.\nServers run on racks.\n"
    pack = tmp_path / "pack"
    (pack / "sources").mkdir(parents=True)
    (pack / "sources" / "tiny.md").write_text(notes)
    (pack / "a.yaml").write_text(
        "document: tiny.md\n"
        "entities:\n"
        '  - {id: app, kind: platform, name: App, sources: [{line: 5, quote: "Apps"}]}\n'
        "  # a second 'line' key on the row: which digits are the citation's is not certain\n"
        '  - {id: rack, kind: layer, name: Rack, attributes: {line: "x"}, '
        'sources: [{line: 6, quote: "racks"}]}\n'
    )
    (pack / "b.relations.csv").write_text(
        "source,type,target,document,line,quote\napp,runs_on,rack,tiny.md,6,Servers run on racks.\n"
    )
    monkeypatch.chdir(tmp_path)
    main(["reanchor", "--only", "pack"])  # anchors the pack to the notes as they are
    (pack / "sources" / "tiny.md").write_text("# Tiny\n\nIntro.\n" + notes[len("# Tiny\n") :])
    capsys.readouterr()

    assert main(["reanchor", "--only", "pack"]) == 1

    assert capsys.readouterr().out.splitlines() == [
        'pack/a.yaml:5: moved: tiny.md:6 "racks" -> line 8 (not rewritten: its line number is not plain)',
        "pack: 3 citations: 0 kept, 3 moved",
        "pack: 2 line numbers rewritten in 2 files",
        "pack/anchors.json: anchored to tiny.md as it is now",
    ]
    assert (pack / "b.relations.csv").read_text().splitlines()[1] == (
        "app,runs_on,rack,tiny.md,8,Servers run on racks."
    )
    assert '[{line: 7, quote: "Apps"}]' in (pack / "a.yaml").read_text()


def test_a_source_document_that_is_not_utf8_is_one_line_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pack = tmp_path / "pack"
    (pack / "sources").mkdir(parents=True)
    (pack / "sources" / "notes.md").write_bytes(b"caf\xe9\n")
    monkeypatch.chdir(tmp_path)
    assert main(["reanchor", "--only", "pack"]) == 2
    assert capsys.readouterr().err == (
        "archgraph reanchor: pack/sources/notes.md: cannot read source document: 'utf-8' codec "
        "can't decode byte 0xe9 in position 3: invalid continuation byte\n"
    )
    assert not (pack / ANCHORS_FILE).exists()

"""``archgraph draft NOTE.md [-o DIR] [--force] [--data DIR]…``: a pack for review, from a note.

The note is read as UTF-8 text; the built-in graph and the ``--data`` packs are loaded to
resolve the entities it names (:mod:`service.packs.draft`). The pack — ``DIR/<note>.yaml``,
a byte-for-byte copy of the note in ``DIR/sources/`` and the record of the note as anchored
(``anchors.json``, :mod:`service.packs.anchors`) — is written to a temporary
directory beside DIR, loaded there as ``archgraph validate`` would, and only then renamed to
DIR: on any error nothing is left behind. Bad input (a missing, binary or non-UTF-8 note; a
DIR that exists without ``--force`` or cannot be written) is one line on stderr and exit 2.
``--force`` replaces DIR only when it holds nothing but a pack's files.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from service.cli.packs_option import (
    EXIT_ERRORS,
    EXIT_OK,
    EXIT_USAGE,
    add_data_args,
    extra_dirs,
    load_or_report,
)
from service.errors import GraphDataError
from service.packs.anchors import ANCHORS_FILE, write_anchors
from service.packs.documents import Document
from service.packs.draft import draft_pack
from service.packs.draft_items import Draft
from service.packs.loader import SKIPPED_DIRS, load_graph
from service.packs.markdown import parse_note
from service.packs.pack_yaml import render
from service.packs.relation_tables import TABLE_SUFFIX
from service.packs.resolve import slug


class DraftError(Exception):
    """Bad input for ``draft``: the message is the one line printed."""


def cmd_draft(args: argparse.Namespace) -> int:
    note_path = Path(args.note)
    target = Path(args.output) if args.output else Path(f"{slug(note_path.stem, 'note')}-pack")
    try:
        data, text = read_note(note_path)
        check_target(target, args.force)
    except DraftError as exc:
        print(f"archgraph draft: {exc}", file=sys.stderr)
        return EXIT_USAGE
    # A pack being re-drafted must not resolve the note's entities to its own old draft.
    dirs = [d for d in extra_dirs(args) if d.resolve() != target.resolve()]
    kg = load_or_report(dirs)
    if kg is None:
        return EXIT_ERRORS
    document = Document.from_text(note_path.name, text)
    known = kg.documents.get(document.name)
    if known is not None and known.lines != document.lines:
        print(
            f"archgraph draft: {note_path}: a different document named {document.name!r} is "
            "already loaded; rename the note",
            file=sys.stderr,
        )
        return EXIT_USAGE
    draft = draft_pack(parse_note(document.name, text), document, kg)
    pack_file = f"{slug(note_path.stem, 'note')}.yaml"
    try:
        staging = write_staging(target, pack_file, render(draft, str(note_path)), document, data)
    except OSError as exc:
        print(f"archgraph draft: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        load_graph([*dirs, staging])
    except GraphDataError as exc:  # a bug of the draft, never the author's: say so, keep nothing
        shutil.rmtree(staging, ignore_errors=True)
        print(f"archgraph draft: the drafted pack does not validate (please report):\n{exc}")
        return EXIT_ERRORS
    install(staging, target)
    print(summary(draft, note_path, target, args.data))
    return EXIT_OK


def read_note(path: Path) -> tuple[bytes, str]:
    """The note's bytes and text, or a :class:`DraftError` saying why it is not a note."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DraftError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DraftError(f"{path}: is a directory, not a Markdown note") from None
    except OSError as exc:
        raise DraftError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if b"\0" in data:
        offset = data.index(b"\0")
        raise DraftError(f"{path}: not a text file (a NUL byte at offset {offset})")
    try:
        return data, data.decode("utf-8")
    except UnicodeDecodeError as exc:
        byte = data[exc.start]
        raise DraftError(
            f"{path}: not UTF-8 text (byte 0x{byte:02x} at offset {exc.start})"
        ) from None


def check_target(target: Path, force: bool) -> None:
    """Refuse a DIR that exists (without ``--force``, or that is not only a pack)."""
    if not target.exists():
        if not target.parent.is_dir():
            raise DraftError(f"cannot write {target}: {target.parent} is not a directory")
        return
    if not target.is_dir():
        raise DraftError(f"{target} exists and is not a directory")
    if not force:
        raise DraftError(f"{target} already exists; pass --force to replace it")
    for entry in sorted(target.iterdir()):
        if entry.is_dir():
            pack_like = entry.name in SKIPPED_DIRS
        else:
            pack_like = entry.suffix in (".yaml", ".yml") or entry.name.endswith(TABLE_SUFFIX)
            pack_like = pack_like or entry.name == ANCHORS_FILE
        if not pack_like:
            raise DraftError(
                f"{target} holds more than a pack ({entry.name}); refusing to replace it"
            )


def write_staging(
    target: Path, pack_file: str, pack_text: str, document: Document, data: bytes
) -> Path:
    """The pack written to a new directory beside ``target`` (removed again on failure)."""
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        (staging / "sources").mkdir()
        (staging / "sources" / document.name).write_bytes(data)
        (staging / pack_file).write_text(pack_text, encoding="utf-8")
        write_anchors(staging, [document])  # anchored from the start: reanchor can follow edits
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    staging.chmod(0o755)  # mkdtemp makes it private; a pack is read by whoever serves it
    return staging


def install(staging: Path, target: Path) -> None:
    """Move the checked pack to ``target``, replacing what ``check_target`` allowed."""
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
        os.replace(target, old / target.name)
        os.replace(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, target)


def summary(draft: Draft, note: Path, target: Path, data: list[Path]) -> str:
    """What was drafted, block by block, and what a person should do next."""
    validate = " ".join(["archgraph validate", *(str(d) for d in data), str(target)])
    if not draft.entities and not draft.relations:
        found = "".join(f"\n  {line}" for line in draft.findings)
        return (
            f"nothing to draft in {note}: no comparison table, no list under a lead-in such as "
            f'"Choose X when:" or "Combine both when:", and no arrow chain (A → B).{found}\n'
            f"wrote an empty pack to {target} (the note is in its sources/)"
        )
    lines = [
        f"drafted {target} from {note}: {len(draft.entities)} entities, "
        f"{len(draft.relations)} relations",
        *(f"  {line}" for line in draft.findings),
    ]
    if draft.references:
        lines.append(f"  refers to entities of other packs: {', '.join(sorted(draft.references))}")
    if draft.skipped:
        lines.append(f"  {draft.skipped} relation(s) left out: the loaded graph already has them")
    if draft.outside:
        lines.append(
            f"  {len(draft.outside)} failure statement(s) about other packs' entities: "
            "listed at the end of the pack file"
        )
    n = draft.reviews
    lines.append(
        f"{n} review marker{'s' if n != 1 else ''}: `{validate}` lists them with file:line"
        if n
        else f"no review markers; check it with `{validate}`"
    )
    return "\n".join(lines)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``draft`` on the ``archgraph`` sub-command parsers."""
    draft = commands.add_parser(
        "draft", help="draft a knowledge pack for review from a Markdown note"
    )
    draft.add_argument("note", metavar="NOTE.md", help="the Markdown note (UTF-8)")
    draft.add_argument(
        "-o", "--output", metavar="DIR", help="the pack directory to write (NOTE-pack)"
    )
    draft.add_argument("--force", action="store_true", help="replace DIR if it is a pack")
    add_data_args(draft)
    draft.set_defaults(func=cmd_draft)

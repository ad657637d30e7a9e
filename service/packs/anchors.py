"""A pack's record of the documents its citations were last anchored to: ``anchors.json``.

Citations name lines, so an edit of a cited document can silently move what they point
at. Each pack keeps, next to its YAML, the content hash of every source document it
cites *and that document's lines* as they were when the pack was last anchored
(``archgraph reanchor`` writes the record; ``archgraph draft`` may too):

- the hash lets the loader tell, cheaply, which documents changed since then, so that
  ``archgraph validate`` can say so and suggest ``reanchor`` (a warning, not an error);
- the lines are what ``reanchor`` diffs the current document against (``difflib``,
  :mod:`service.packs.anchor`) to map each old line number to its new one. A hash
  alone could say *that* a document changed, never *where* its lines went.

The lines are stored rather than a copy of the file in ``sources/`` (everything there
is a citable document) and as a JSON list, one line per line, so that a review diff of
the record reads like the diff of the note. The hash is SHA-256 of the lines joined by
``\\n``: what citations depend on, blind to line-ending style and a final newline.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from service.packs.documents import Document
from service.packs.problems import Problems

ANCHORS_FILE = "anchors.json"
FORMAT = 1
ABOUT = (
    "Written by `archgraph reanchor`: each source document this pack cites, as it was "
    "when its citations were last anchored. `archgraph validate` compares the sha256 with "
    "the document now; `archgraph reanchor` diffs the lines to move the citations."
)


class AnchorsError(Exception):
    """``anchors.json`` cannot be read; located as ``file:line`` like a pack problem."""

    def __init__(self, file: Path, line: int, message: str) -> None:
        self.file, self.line, self.message = str(file), line, message
        super().__init__(f"{file}:{line}: {message}")


def content_hash(document: Document) -> str:
    """SHA-256 (hex) of the document's lines joined by ``\\n``."""
    return hashlib.sha256("\n".join(document.lines).encode("utf-8")).hexdigest()


def read_anchors(directory: Path) -> dict[str, Document]:
    """The documents as last anchored by the pack in ``directory`` ({} when it has no
    record).

    Raises
    ------
    AnchorsError : the record is not valid JSON of the expected shape, or a document's
        lines no longer match its hash (edited by hand).
    """
    path = directory / ANCHORS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise AnchorsError(path, 1, f"cannot read the anchors record: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AnchorsError(path, exc.lineno, f"not valid JSON: {exc.msg}") from exc
    entries = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        raise AnchorsError(path, 1, "expected an object with 'documents'")
    record = {}
    for name, entry in entries.items():
        lines = entry.get("lines") if isinstance(entry, dict) else None
        digest = entry.get("sha256") if isinstance(entry, dict) else None
        if not (isinstance(lines, list) and all(isinstance(x, str) for x in lines)):
            raise AnchorsError(path, 1, f"documents.{name}: expected 'lines', a list of strings")
        # Each line ends with a newline, so that a last blank line survives splitlines().
        document = Document.from_text(name, "".join(f"{line}\n" for line in lines))
        if digest != content_hash(document):
            raise AnchorsError(
                path,
                1,
                f"documents.{name}: the lines do not match their sha256 (edited by hand?); "
                "run `archgraph reanchor` to record them again",
            )
        record[name] = document
    return record


def write_anchors(directory: Path, documents: Iterable[Document]) -> Path:
    """Record ``documents`` (by name, in name order) as the pack's anchored documents,
    replacing ``anchors.json`` atomically. Returns its path."""
    path = directory / ANCHORS_FILE
    data = {
        "about": ABOUT,
        "format": FORMAT,
        "documents": {
            d.name: {"sha256": content_hash(d), "lines": list(d.lines)}
            for d in sorted(documents, key=lambda d: d.name)
        },
    }
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    replace_text(path, text)
    return path


def first_difference(old: Document, new: Document) -> int:
    """The first 1-based line where ``new`` differs from ``old`` (one past the shorter
    when one is a prefix of the other)."""
    for number, (a, b) in enumerate(zip(old.lines, new.lines, strict=False), start=1):
        if a != b:
            return number
    return min(len(old.lines), len(new.lines)) + 1


def changed_since_anchored(
    record: Mapping[str, Document], documents: Mapping[str, Document]
) -> list[tuple[Document, int]]:
    """Each current document whose content differs from its record, with the first line
    that differs. Documents the record does not know, or that are gone, are left to the
    citation checks."""
    changed = []
    for name, anchored in sorted(record.items()):
        current = documents.get(name)
        if current is not None and content_hash(current) != content_hash(anchored):
            changed.append((current, first_difference(anchored, current)))
    return changed


def warn_changed(
    directory: Path,
    shown: str,
    documents: Mapping[str, Document],
    where: Mapping[str, str],
    problems: Problems,
) -> None:
    """Warn, at its first changed line, of each document cited by the pack in
    ``directory`` (shown as ``shown``) that changed since the pack was anchored
    (``where`` gives each document's file as shown), and of a record that cannot be
    read."""
    try:
        record = read_anchors(directory)
    except AnchorsError as exc:
        problems.warn(f"{shown}/{ANCHORS_FILE}", exc.line, exc.message)
        return
    for document, line in changed_since_anchored(record, documents):
        problems.warn(
            where.get(document.name, document.name),
            line,
            f"{document.name} changed since the pack {shown} was last anchored to it; "
            f"run `archgraph reanchor {shown}` to move the citations that moved",
        )


def replace_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename, so that a reader (or
    ``serve --watch``) never sees half a file; the file's permissions are kept."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        if path.exists():
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        else:
            os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

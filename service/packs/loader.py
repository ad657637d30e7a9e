"""Knowledge packs (directories of YAML) → a validated, frozen :class:`KnowledgeGraph`.

A pack is a directory holding ``*.yaml`` files of ``entities`` and ``relations``,
optionally relations tables (``*.relations.csv``, see :mod:`service.packs.relation_tables`),
a ``sources/`` folder with the documents they cite, and optionally
``scenarios/`` with named cluster scenarios. Several packs merge into one graph;
every problem in any of them is reported at once as ``file:line: message`` and
nothing is returned unless all of them are valid.

This module finds and reads the files and builds the graph; what the items in them
mean is checked by :mod:`service.packs.pack_items`.

Loading is built for packs of a million relations: the garbage collector is paused
while the (acyclic) objects are made, each distinct citation is checked and stored
once, and the graph's indexes are built in bulk (:meth:`KnowledgeGraph.from_parts`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from operator import attrgetter
from pathlib import Path
from types import MappingProxyType
from typing import Any

from service.collector import collector_paused
from service.domain import Entity, Relation, RelationType
from service.errors import GraphDataError, Problem
from service.knowledge import KnowledgeGraph
from service.packs.anchors import warn_changed
from service.packs.documents import Document
from service.packs.pack_items import PackItems
from service.packs.problems import Problems
from service.packs.relation_tables import TABLE_SUFFIX, read_table
from service.packs.yamlmarks import MarkedDict, YamlSyntaxError, load_marked

SKIPPED_DIRS = ("sources", "scenarios")


def builtin_data_dir() -> Path:
    """The built-in pack: inside the installed package, else the checkout's ``graph_data/``."""
    package_dir = Path(__file__).resolve().parents[1]  # service/
    for candidate in (package_dir / "graph_data", package_dir.parent / "graph_data"):
        if (candidate / "sources").is_dir():
            return candidate
    raise FileNotFoundError(f"built-in graph_data not found next to {package_dir}")


def load_graph(
    directories: Sequence[Path] | None = None, include_builtin: bool = True
) -> KnowledgeGraph:
    """Load and validate packs into one graph.

    Parameters
    ----------
    directories : extra pack directories, merged after the built-in one.
    include_builtin : start from the built-in ``graph_data/`` pack.

    Raises
    ------
    GraphDataError : listing every problem found, each as ``file:line: message``.

    Examples
    --------
    >>> kg = load_graph()
    >>> kg.entity("container").name
    'Container'
    """
    dirs = ([builtin_data_dir()] if include_builtin else []) + [Path(d) for d in directories or ()]
    with collector_paused(keep=True):
        return _PackLoader(dirs).load()


def format_problems(problems: Iterable[Problem]) -> str:
    return "\n".join(str(p) for p in problems)


class _PackLoader:
    """One load: the packs' files in order, the content hash, then the graph."""

    def __init__(self, directories: Sequence[Path]) -> None:
        self.directories = directories
        self.problems = Problems()
        self.documents: dict[str, Document] = {}
        self.document_files: dict[str, str] = {}  # name -> where it was read, as shown
        self.scenarios: dict[str, Any] = {}
        self.hash = hashlib.sha256()

    def load(self) -> KnowledgeGraph:
        for directory in self.directories:
            if not directory.is_dir():
                self.problems.add(str(directory), 0, "knowledge pack directory does not exist")
                continue
            self.read_documents(directory)
        for directory in self.directories:
            if directory.is_dir():
                warn_changed(
                    directory,
                    display_path(directory),
                    self.documents,
                    self.document_files,
                    self.problems,
                )
        # Every document is known before any item cites one.
        items = PackItems(self.documents, self.problems)
        for directory in self.directories:
            if directory.is_dir():
                for path in pack_files(directory):
                    if path.name.endswith(TABLE_SUFFIX):
                        self.read_table(path, items)
                    else:
                        self.read_pack_file(path, items)
                self.read_scenarios(directory)
        _check_relation_ends(items.entities, items.relations, self.problems)
        if self.problems:
            raise GraphDataError(self.problems, warnings=self.problems.warnings)
        return self.build(items)

    def read_documents(self, directory: Path) -> None:
        sources = directory / "sources"
        if not sources.is_dir():
            return
        for path in sorted(
            p for p in sources.rglob("*") if p.is_file() and not _hidden(p.relative_to(sources))
        ):
            name = path.relative_to(sources).as_posix()
            try:  # read once: the version is the hash of exactly what was loaded
                text, data = _decoded(path.read_bytes())
                document = Document.from_text(name, text)
            except (OSError, UnicodeDecodeError) as exc:
                self.problems.add(str(path), 0, f"cannot read source document: {exc}")
                continue
            known = self.documents.get(name)
            if known is not None and known.lines != document.lines:
                self.problems.add(
                    str(path), 1, f"a different document named {name!r} is already loaded"
                )
                continue
            self.documents[name] = document
            self.document_files[name] = display_path(path)
            self.add_to_version(path, data)

    def read_text(self, path: Path) -> str | None:
        """The file's text (newlines made ``\n``, as ``Path.read_text`` does), hashed."""
        try:
            text, data = _decoded(path.read_bytes())
        except (OSError, UnicodeDecodeError) as exc:
            self.problems.add(display_path(path), 0, f"cannot read file: {exc}")
            return None
        self.add_to_version(path, data)
        return text

    def add_to_version(self, path: Path, data: bytes) -> None:
        """Hash one file read into the graph's version: its pack (by position), its path in
        the pack, its length and its bytes. Any edit, rename or move of a pack file or a
        source document changes the version; the framing keeps two different sets of files
        from hashing alike when concatenated, and the version from depending on where the
        packs are (another checkout, another working directory)."""
        index, directory = next(
            (i, d) for i, d in enumerate(self.directories) if path.is_relative_to(d)
        )
        where = f"{index}:{path.relative_to(directory).as_posix()}:{len(data)}\0"
        self.hash.update(where.encode())
        self.hash.update(data)

    def read_yaml(self, path: Path) -> Any:
        text = self.read_text(path)
        if text is None:
            return None
        try:
            return load_marked(text)
        except YamlSyntaxError as exc:
            self.problems.add(display_path(path), exc.line, str(exc))
            return None

    def read_pack_file(self, path: Path, items: PackItems) -> None:
        data = self.read_yaml(path)
        if data is not None:
            items.read_file(display_path(path), data)

    def read_table(self, path: Path, items: PackItems) -> None:
        text = self.read_text(path)
        if text is not None:
            read_table(display_path(path), text, items)

    def read_scenarios(self, directory: Path) -> None:
        folder = directory / "scenarios"
        if not folder.is_dir():
            return
        for path in sorted(folder.glob("*.y*ml")):
            data = self.read_yaml(path)
            if data is None:
                continue
            if not isinstance(data, MarkedDict):
                self.problems.add(display_path(path), 1, "a scenario file must be a mapping")
                continue
            self.scenarios[path.stem] = data

    def build(self, items: PackItems) -> KnowledgeGraph:
        items.forget_reading_aids()
        return KnowledgeGraph.from_parts(
            items.entities.values(),
            _drain(items.relations),
            version=self.hash.hexdigest()[:16],
            documents=MappingProxyType(dict(self.documents)),
            packs=tuple(str(d) for d in self.directories),
            scenarios=MappingProxyType(dict(self.scenarios)),
            warnings=self.problems.warnings,
        )


def pack_files(directory: Path) -> list[Path]:
    """YAML files and relations tables, outside ``sources/`` and ``scenarios/``, by path."""
    return sorted(
        p
        for p in chain(directory.rglob("*.y*ml"), directory.rglob(f"*{TABLE_SUFFIX}"))
        if (p.suffix in {".yaml", ".yml"} or p.name.endswith(TABLE_SUFFIX))
        and not any(part in SKIPPED_DIRS for part in p.relative_to(directory).parts[:-1])
        and not _hidden(p.relative_to(directory))
    )


def _hidden(relative: Path) -> bool:
    """Under a hidden folder (or hidden itself): a ConfigMap volume keeps the real files in
    ``..<timestamp>/`` and links them from the top, so they would be read twice."""
    return any(part.startswith(".") for part in relative.parts)


def _decoded(data: bytes) -> tuple[str, bytes]:
    """UTF-8 ``data`` as text with ``\\r\\n`` and ``\\r`` made ``\\n`` (as ``Path.read_text``
    does), and that text's bytes: what is loaded, and what goes into the version."""
    text = data.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        data = text.encode()
    return text, data


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _check_relation_ends(
    entities: dict[str, Entity], relations: dict[str, list[Relation]], problems: Problems
) -> None:
    """Report every relation to an unknown entity, and every relation declared twice.

    Each source's relations are sorted by (type, target) in place (stably, so a
    duplicate sorts after the first declaration) rather than checked against a set of
    a million keys.
    """
    for source, found in relations.items():
        if len(found) > 1:
            found.sort(key=_TYPE_AND_TARGET)
        known_source = source in entities
        previous: tuple[RelationType | None, str] = (None, "")
        for relation in found:
            current = (relation.type, relation.target)
            if known_source and relation.target in entities and current != previous:
                previous = current
                continue
            file, line = relation.origin_file, relation.origin_line
            for end in (relation.source, relation.target):
                if end not in entities:
                    problems.add(
                        file,
                        line,
                        f"relation {relation.type.value} refers to unknown entity {end!r}",
                    )
            if current == previous:
                problems.add(
                    file,
                    line,
                    f"duplicate relation {relation.source} {relation.type.value} {relation.target}",
                )
            previous = current


_TYPE_AND_TARGET = attrgetter("type", "target")


def _drain(groups: dict[str, list[Relation]]) -> Iterator[Relation]:
    """Every relation of ``groups``, each group let go of once given out (peak memory)."""
    while groups:
        yield from groups.popitem()[1]

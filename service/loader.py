"""Knowledge packs (directories of YAML) → a validated, frozen :class:`KnowledgeGraph`.

A pack is a directory holding ``*.yaml`` files of ``entities`` and ``relations``,
optionally relations tables (``*.relations.csv``, see :meth:`_PackLoader.read_table`),
a ``sources/`` folder with the documents they cite, and optionally
``scenarios/`` with named cluster scenarios. Several packs merge into one graph;
every problem in any of them is reported at once as ``file:line: message`` and
nothing is returned unless all of them are valid.

Loading is built for packs of a million relations: the garbage collector is paused
while the (acyclic) objects are made, each distinct citation is checked and stored
once, and the graph's indexes are built in bulk (:meth:`KnowledgeGraph.from_parts`).
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain
from operator import attrgetter
from pathlib import Path
from types import MappingProxyType
from typing import Any

from service.documents import Document
from service.domain import Entity, EntityKind, Relation, RelationType, Source, freeze
from service.errors import GraphDataError, Problem
from service.knowledge import KnowledgeGraph
from service.yamlmarks import MarkedDict, YamlSyntaxError, load_marked

SLUG_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
ENTITY_KEYS = frozenset({"id", "kind", "name", "summary", "aliases", "attributes", "sources"})
RELATION_KEYS = frozenset({"source", "type", "target", "attributes", "sources"})
SOURCE_KEYS = frozenset({"document", "section", "line", "quote", "url"})
LOCAL_SOURCE_KEYS = frozenset({"document", "section", "line", "quote"})
SKIPPED_DIRS = ("sources", "scenarios")
TABLE_SUFFIX = ".relations.csv"
TABLE_COLUMNS = ("source", "type", "target", "document", "line", "quote")
TABLE_OPTIONAL = ("section",)
KINDS = {k.value: k for k in EntityKind}
TYPES = {t.value: t for t in RelationType}
NO_ATTRIBUTES = freeze(None)
# A citation as written: (document, line, quote, section or None).
SourceKey = tuple[str, int, str, str | None]


def builtin_data_dir() -> Path:
    """The built-in pack: inside the installed package, else the checkout's ``graph_data/``."""
    package_dir = Path(__file__).resolve().parent
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
    with _collector_paused():
        return _PackLoader(dirs).load()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while loading.

    Loading makes millions of objects and keeps nearly all of them, none in a cycle;
    the collector would walk them again and again for nothing (it took three
    quarters of the time of parsing a large YAML file).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # Freezing then unfreezing moves every tracked object to the oldest generation
        # without examining it: otherwise the next young collections would each walk all
        # the objects just made, which live as long as the graph.
        gc.freeze()
        gc.unfreeze()
        if enabled:
            gc.enable()


class _PackLoader:
    def __init__(self, directories: Sequence[Path]) -> None:
        self.directories = directories
        self.problems: list[Problem] = []
        self.documents: dict[str, Document] = {}
        self.entities: dict[str, Entity] = {}
        self.relations: dict[str, list[Relation]] = {}  # by source, in reading order
        self.scenarios: dict[str, Any] = {}
        self.hash = hashlib.sha256()
        # Each distinct valid citation is checked once and shared by all who cite it.
        self.checked_sources: dict[SourceKey, tuple[Source]] = {}
        # One string object per id however often it is written: a relation's ends are the
        # very strings its entities' ids are (a million relations would otherwise hold
        # two million copies).
        self.names: dict[str, str] = {}
        self.numbers: dict[int, int] = {}  # likewise for line numbers above 256

    @staticmethod
    def display(path: Path) -> str:
        """``path`` relative to the working directory when it is below it."""
        try:
            return str(path.resolve().relative_to(Path.cwd()))
        except ValueError:
            return str(path)

    def problem(self, file: str, line: int, message: str) -> None:
        self.problems.append(Problem(file, line, message))

    # -- orchestration ---------------------------------------------------------
    def load(self) -> KnowledgeGraph:
        for directory in self.directories:
            if not directory.is_dir():
                self.problem(str(directory), 0, "knowledge pack directory does not exist")
                continue
            self.read_documents(directory)
        for directory in self.directories:
            if directory.is_dir():
                for path in self.pack_files(directory):
                    if path.name.endswith(TABLE_SUFFIX):
                        self.read_table(path)
                    else:
                        self.read_pack_file(path)
                self.read_scenarios(directory)
        self.check_relation_ends()
        if self.problems:
            raise GraphDataError(self.problems)
        return self.build()

    @staticmethod
    def pack_files(directory: Path) -> list[Path]:
        """YAML files and relations tables, outside ``sources/`` and ``scenarios/``, by path."""
        return sorted(
            p
            for p in chain(directory.rglob("*.y*ml"), directory.rglob(f"*{TABLE_SUFFIX}"))
            if (p.suffix in {".yaml", ".yml"} or p.name.endswith(TABLE_SUFFIX))
            and not any(part in SKIPPED_DIRS for part in p.relative_to(directory).parts[:-1])
        )

    def read_documents(self, directory: Path) -> None:
        sources = directory / "sources"
        if not sources.is_dir():
            return
        for path in sorted(p for p in sources.rglob("*") if p.is_file()):
            name = path.relative_to(sources).as_posix()
            try:
                document = Document.read(path, name)
            except (OSError, UnicodeDecodeError) as exc:
                self.problem(str(path), 0, f"cannot read source document: {exc}")
                continue
            known = self.documents.get(name)
            if known is not None and known.lines != document.lines:
                self.problem(str(path), 1, f"a different document named {name!r} is already loaded")
                continue
            self.documents[name] = document
            self.hash.update(name.encode() + b"\0" + path.read_bytes())

    def read_text(self, path: Path) -> str | None:
        """The file's text (newlines made ``\n``, as ``Path.read_text`` does), hashed."""
        try:
            data = path.read_bytes()
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.problem(self.display(path), 0, f"cannot read file: {exc}")
            return None
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            data = text.encode()
        self.hash.update(str(path.name).encode() + b"\0" + data)
        return text

    def read_yaml(self, path: Path) -> Any:
        text = self.read_text(path)
        if text is None:
            return None
        try:
            return load_marked(text)
        except YamlSyntaxError as exc:
            self.problem(self.display(path), exc.line, str(exc))
            return None

    def read_pack_file(self, path: Path) -> None:
        data = self.read_yaml(path)
        if data is None:
            return
        file = self.display(path)
        if not isinstance(data, MarkedDict):
            self.problem(
                file, 1, "a pack file must be a mapping with 'entities' and/or 'relations'"
            )
            return
        unknown = set(data) - {"document", "entities", "relations"}
        for key in sorted(unknown):
            self.problem(file, data.line_of(key), f"unknown top-level key {key!r}")
        default_document = data.get("document")
        if default_document is not None and default_document not in self.documents:
            self.problem(file, data.line_of("document"), self.unknown_document(default_document))
            default_document = None
        for key, reader in (("entities", self.read_entity), ("relations", self.read_relation)):
            items = data.get(key, [])
            if not isinstance(items, list):
                self.problem(file, data.line_of(key), f"'{key}' must be a list")
                continue
            for item in items:
                if not isinstance(item, MarkedDict):
                    self.problem(file, data.line_of(key), f"each of '{key}' must be a mapping")
                    continue
                reader(file, item, default_document)

    def read_scenarios(self, directory: Path) -> None:
        folder = directory / "scenarios"
        if not folder.is_dir():
            return
        for path in sorted(folder.glob("*.y*ml")):
            data = self.read_yaml(path)
            if data is None:
                continue
            if not isinstance(data, MarkedDict):
                self.problem(self.display(path), 1, "a scenario file must be a mapping")
                continue
            self.scenarios[path.stem] = data

    # -- items -------------------------------------------------------------------
    def unknown_document(self, name: object) -> str:
        known = ", ".join(sorted(self.documents)) or "none"
        return f"unknown document {name!r} (documents in sources/: {known})"

    def read_entity(self, file: str, item: MarkedDict, default_document: str | None) -> None:
        where = f"{file}:{item.line}"
        if not item.keys() <= ENTITY_KEYS:
            for key in sorted(set(item) - ENTITY_KEYS):
                self.problem(file, item.line_of(key), f"unknown entity field {key!r}")
        entity_id = self.required_str(file, item, "id")
        kind_name = self.required_str(file, item, "kind")
        name = self.required_str(file, item, "name")
        summary = item.get("summary", "")
        if entity_id is not None and not (set(entity_id) <= SLUG_CHARS and entity_id[:1].isalnum()):
            self.problem(file, item.line_of("id"), f"id {entity_id!r} is not a slug (a-z, 0-9, -)")
        kind = None
        if kind_name is not None:
            kind = KINDS.get(kind_name)
            if kind is None:
                valid = ", ".join(k.value for k in EntityKind)
                self.problem(
                    file, item.line_of("kind"), f"unknown kind {kind_name!r} (valid: {valid})"
                )
        if not isinstance(summary, str):
            self.problem(file, item.line_of("summary"), "summary must be a string")
            summary = ""
        aliases = item.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            self.problem(file, item.line_of("aliases"), "aliases must be a list of strings")
            aliases = []
        attributes = self.attributes(file, item) if "attributes" in item else NO_ATTRIBUTES
        sources = self.sources(file, item, default_document)
        if entity_id is None or kind is None or name is None:
            return
        if entity_id in self.entities:
            first = self.entities[entity_id].origin
            self.problem(
                file, item.line_of("id"), f"duplicate id {entity_id!r} (first declared at {first})"
            )
            return
        entity_id = self.names.setdefault(entity_id, entity_id)
        self.entities[entity_id] = Entity(
            id=entity_id,
            kind=kind,
            name=name,
            summary=summary.strip(),
            sources=sources,
            aliases=tuple(aliases),
            attributes=attributes,
            origin=where,
        )

    def read_relation(self, file: str, item: MarkedDict, default_document: str | None) -> None:
        if not item.keys() <= RELATION_KEYS:
            for key in sorted(set(item) - RELATION_KEYS):
                self.problem(file, item.line_of(key), f"unknown relation field {key!r}")
        source = self.required_str(file, item, "source")
        type_name = self.required_str(file, item, "type")
        target = self.required_str(file, item, "target")
        relation_type = None
        if type_name is not None:
            relation_type = TYPES.get(type_name)
            if relation_type is None:
                valid = ", ".join(t.value for t in RelationType)
                self.problem(
                    file,
                    item.line_of("type"),
                    f"unknown relation type {type_name!r} (valid: {valid})",
                )
        attributes = self.attributes(file, item) if "attributes" in item else NO_ATTRIBUTES
        sources = self.sources(file, item, default_document)
        if source is None or target is None or relation_type is None:
            return
        names = self.names
        source, target = names.setdefault(source, source), names.setdefault(target, target)
        relation = Relation(
            source, relation_type, target, sources, attributes, f"{file}:{item.line}"
        )
        found = self.relations.get(source)
        if found is None:
            self.relations[source] = [relation]
        else:
            found.append(relation)

    def required_str(self, file: str, item: MarkedDict, key: str) -> str | None:
        value = item.get(key)
        if value is None:
            self.problem(file, item.line, f"missing required field {key!r}")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(file, item.line_of(key), f"{key!r} must be a non-empty string")
            return None
        return value

    def attributes(self, file: str, item: MarkedDict) -> Any:
        raw = item.get("attributes", {})
        if not isinstance(raw, dict):
            self.problem(file, item.line_of("attributes"), "attributes must be a mapping")
            return NO_ATTRIBUTES
        for key, value in raw.items():
            if not isinstance(value, str | int | float | bool):
                line = raw.line_of(key) if isinstance(raw, MarkedDict) else item.line
                self.problem(file, line, f"attribute {key!r} must be a string, number or boolean")
        kept = {k: v for k, v in raw.items() if isinstance(v, str | int | float | bool)}
        return freeze(kept) if kept else NO_ATTRIBUTES

    def sources(
        self, file: str, item: MarkedDict, default_document: str | None
    ) -> tuple[Source, ...]:
        raw = item.get("sources")
        if not raw:
            self.problem(
                file,
                item.line_of("sources"),
                "missing sources: every fact must cite where it comes from",
            )
            return ()
        if not isinstance(raw, list):
            self.problem(file, item.line_of("sources"), "sources must be a list")
            return ()
        if len(raw) == 1 and isinstance(raw[0], MarkedDict):
            return self.single_source(file, raw[0], default_document)
        result = []
        for entry in raw:
            if not isinstance(entry, MarkedDict):
                self.problem(file, item.line_of("sources"), "each source must be a mapping")
                continue
            source = self.source(file, entry, default_document)
            if source is not None:
                result.append(source)
        return tuple(result)

    def single_source(
        self, file: str, entry: MarkedDict, default_document: str | None
    ) -> tuple[Source, ...]:
        """``(source,)`` for the one entry of a sources list; shared by all who cite it alike."""
        key = None
        if entry.keys() <= LOCAL_SOURCE_KEYS:
            key = _source_key(
                entry.get("document", default_document),
                entry.get("line"),
                entry.get("quote"),
                entry.get("section"),
            )
            if key is not None:
                cited = self.cite(key)
                if cited is not None:
                    return cited
        source = self.source(file, entry, default_document)
        return () if source is None else (source,)

    def cite(self, key: SourceKey) -> tuple[Source] | None:
        """The checked citation for ``key``, or None when it has a problem (which
        :meth:`source` then reports)."""
        cited = self.checked_sources.get(key)
        if cited is not None:
            return cited
        name, line, quote, section = key
        document = self.documents.get(name)
        if document is None or not quote or not 1 <= line <= len(document.lines):
            return None
        actual_section = document.sections[line - 1]
        if quote not in document.lines[line - 1] or section not in (None, actual_section):
            return None
        line = self.numbers.setdefault(line, line)
        source = Source(document=document.name, section=actual_section, line=line, quote=quote)
        cited = (source,)
        self.checked_sources[key] = cited
        return cited

    def source(self, file: str, entry: MarkedDict, default_document: str | None) -> Source | None:
        for key in sorted(set(entry) - SOURCE_KEYS):
            self.problem(file, entry.line_of(key), f"unknown source field {key!r}")
        quote = entry.get("quote")
        if not isinstance(quote, str) or not quote:
            self.problem(file, entry.line, "source is missing its quote")
            return None
        section = entry.get("section")
        if "url" in entry:
            url = entry["url"]
            if not isinstance(url, str) or not url.startswith(("https://", "http://")):
                self.problem(file, entry.line_of("url"), f"url must be an http(s) URL, not {url!r}")
                return None
            if not isinstance(section, str) or not section:
                self.problem(file, entry.line, "an external source needs the 'section' it quotes")
                return None
            return Source(document=url, section=section, line=None, quote=quote, external=True)
        document_name = entry.get("document", default_document)
        if document_name is None:
            self.problem(
                file, entry.line, "source names no document (and the file sets no default)"
            )
            return None
        document = self.documents.get(document_name) if isinstance(document_name, str) else None
        if document is None:
            self.problem(file, entry.line_of("document"), self.unknown_document(document_name))
            return None
        line = entry.get("line")
        if not isinstance(line, int) or isinstance(line, bool):
            self.problem(
                file,
                entry.line_of("line") if "line" in entry else entry.line,
                "source needs the 'line' number its quote is on",
            )
            return None
        why = document.check_quote(line, quote)
        if why is not None:
            self.problem(file, entry.line_of("quote"), why)
            return None
        actual_section = document.section(line)
        if section is not None and section != actual_section:
            self.problem(
                file,
                entry.line_of("section"),
                f"section {section!r} does not match line {line} of {document.name}, which is under {actual_section!r}",
            )
        return Source(document=document.name, section=actual_section, line=line, quote=quote)

    # -- relations tables --------------------------------------------------------
    def read_table(self, path: Path) -> None:
        """Relations as rows of a CSV table, for packs too large for YAML to load quickly.

        The first row names the columns: ``source,type,target,document,line,quote`` in
        any order, optionally ``section``. Each further row is one relation citing one
        line of a document, validated exactly like the same relation written in YAML
        (an empty cell is a missing field) and reported at its row's line. Relations
        with attributes, several sources or a URL source belong in YAML.
        """
        text = self.read_text(path)
        if text is None:
            return
        file = self.display(path)
        rows = csv.reader(io.StringIO(text, newline=""), strict=True)
        try:
            header = next(rows, None)
            if header is None:
                columns = ",".join(TABLE_COLUMNS)
                self.problem(file, 1, f"a relations table starts with its header: {columns}")
                return
            problems = len(self.problems)
            for name in header:
                if name not in TABLE_COLUMNS and name not in TABLE_OPTIONAL:
                    self.problem(file, 1, f"unknown relation field {name!r}")
            for name in TABLE_COLUMNS:
                if name not in header:
                    self.problem(file, 1, f"missing required field {name!r}")
            for name in sorted({n for n in header if header.count(n) > 1}):
                self.problem(file, 1, f"column {name!r} is named twice")
            if len(self.problems) == problems:
                self.read_rows(file, header, rows)
        except csv.Error as exc:
            self.problem(file, rows.line_num, f"CSV syntax error: {exc}")

    def read_rows(self, file: str, header: list[str], rows: Any) -> None:
        width = len(header)
        at = [header.index(name) for name in TABLE_COLUMNS]
        in_order = at == list(range(len(TABLE_COLUMNS))) and width == len(TABLE_COLUMNS)
        section_at = header.index("section") if "section" in header else None
        checked, cite, names, relations = (
            self.checked_sources,
            self.cite,
            self.names,
            self.relations,
        )
        end = rows.line_num
        for row in rows:
            line, end = end + 1, rows.line_num
            if len(row) != width:
                if row:
                    self.problem(file, line, f"a row must have {width} cells, not {len(row)}")
                continue
            if in_order:
                source, type_name, target, document, number, quote = row
            else:
                source, type_name, target, document, number, quote = (row[i] for i in at)
            section = (row[section_at] or None) if section_at is not None else None
            cited = None
            if number.isdigit() and number.isascii():
                key = (document, int(number), quote, section)
                cited = checked.get(key) or cite(key)
            relation_type = TYPES.get(type_name)
            if cited is None or relation_type is None or not source.strip() or not target.strip():
                self.read_row(file, line, dict(zip(header, row, strict=True)))
                continue
            source, target = names.setdefault(source, source), names.setdefault(target, target)
            relation = Relation(
                source, relation_type, target, cited, NO_ATTRIBUTES, f"{file}:{line}"
            )
            found = relations.get(source)
            if found is None:
                relations[source] = [relation]
            else:
                found.append(relation)

    def read_row(self, file: str, line: int, cells: dict[str, str]) -> None:
        """One row the fast path did not take: validated as the YAML relation it stands for."""
        entry = _marked({k: v for k, v in cells.items() if k in LOCAL_SOURCE_KEYS and v}, line)
        number = entry.get("line")
        if isinstance(number, str) and number.isascii() and number.isdigit():
            entry["line"] = int(number)
        item = _marked({k: v for k, v in cells.items() if k in TABLE_COLUMNS[:3] and v}, line)
        item["sources"] = [entry]
        item.key_lines["sources"] = line
        self.read_relation(file, item, None)

    # -- whole graph ---------------------------------------------------------------
    def check_relation_ends(self) -> None:
        entities = self.entities
        for source, found in self.relations.items():
            if len(found) > 1:
                found.sort(key=_TYPE_AND_TARGET)  # stable: a duplicate sorts after the first
            known_source = source in entities
            previous: tuple[RelationType | None, str] = (None, "")
            for relation in found:
                current = (relation.type, relation.target)
                if known_source and relation.target in entities and current != previous:
                    previous = current
                    continue
                file, _, line = relation.origin.rpartition(":")
                for end in (relation.source, relation.target):
                    if end not in entities:
                        self.problem(
                            file,
                            int(line),
                            f"relation {relation.type.value} refers to unknown entity {end!r}",
                        )
                if current == previous:
                    self.problem(
                        file,
                        int(line),
                        f"duplicate relation {relation.source} {relation.type.value} {relation.target}",
                    )
                previous = current

    # -- result ------------------------------------------------------------------
    def build(self) -> KnowledgeGraph:
        # What only reading needed goes before the graph's indexes are made.
        self.checked_sources.clear()
        self.names.clear()
        self.numbers.clear()
        return KnowledgeGraph.from_parts(
            self.entities.values(),
            _drain(self.relations),
            version=self.hash.hexdigest()[:16],
            documents=MappingProxyType(dict(self.documents)),
            packs=tuple(str(d) for d in self.directories),
            scenarios=MappingProxyType(dict(self.scenarios)),
        )


def _drain(groups: dict[str, list[Relation]]) -> Iterator[Relation]:
    """Every relation of ``groups``, each group let go of once given out (peak memory)."""
    while groups:
        yield from groups.popitem()[1]


def _source_key(document: object, line: object, quote: object, section: object) -> SourceKey | None:
    """The cache key of a citation, or None when a value is not of the exact type a valid
    citation has (so that ``True``/``1.0`` never pass for the line ``1``)."""
    if (
        document.__class__ is str
        and line.__class__ is int
        and quote.__class__ is str
        and (section is None or section.__class__ is str)
    ):
        return document, line, quote, section
    return None


_TYPE_AND_TARGET = attrgetter("type", "target")


def _marked(values: dict[str, Any], line: int) -> MarkedDict:
    result = MarkedDict(values)
    result.line = line
    result.key_lines = dict.fromkeys(values, line)
    return result


def format_problems(problems: Iterable[Problem]) -> str:
    return "\n".join(str(p) for p in problems)

"""Knowledge packs (directories of YAML) → a validated, frozen :class:`KnowledgeGraph`.

A pack is a directory holding ``*.yaml`` files of ``entities`` and ``relations``,
a ``sources/`` folder with the documents they cite, and optionally
``scenarios/`` with named cluster scenarios. Several packs merge into one graph;
every problem in any of them is reported at once as ``file:line: message`` and
nothing is returned unless all of them are valid.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any

import networkx as nx

from service.documents import Document
from service.domain import Entity, EntityKind, Relation, RelationType, Source, freeze
from service.errors import GraphDataError, Problem
from service.knowledge import KnowledgeGraph
from service.yamlmarks import MarkedDict, YamlSyntaxError, load_marked

SLUG_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
ENTITY_KEYS = frozenset({"id", "kind", "name", "summary", "aliases", "attributes", "sources"})
RELATION_KEYS = frozenset({"source", "type", "target", "attributes", "sources"})
SOURCE_KEYS = frozenset({"document", "section", "line", "quote", "url"})
SKIPPED_DIRS = ("sources", "scenarios")


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
    return _PackLoader(dirs).load()


class _PackLoader:
    def __init__(self, directories: Sequence[Path]) -> None:
        self.directories = directories
        self.problems: list[Problem] = []
        self.documents: dict[str, Document] = {}
        self.entities: dict[str, Entity] = {}
        self.relations: list[Relation] = []
        self.scenarios: dict[str, Any] = {}
        self.hash = hashlib.sha256()

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
                for path in self.yaml_files(directory):
                    self.read_pack_file(path)
                self.read_scenarios(directory)
        self.check_relation_ends()
        if self.problems:
            raise GraphDataError(self.problems)
        return self.build()

    @staticmethod
    def yaml_files(directory: Path) -> list[Path]:
        return sorted(
            p
            for p in directory.rglob("*.y*ml")
            if p.suffix in {".yaml", ".yml"}
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

    def read_yaml(self, path: Path) -> Any:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.problem(self.display(path), 0, f"cannot read file: {exc}")
            return None
        self.hash.update(str(path.name).encode() + b"\0" + text.encode())
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
            try:
                kind = EntityKind(kind_name)
            except ValueError:
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
        attributes = self.attributes(file, item)
        sources = self.sources(file, item, default_document)
        if entity_id is None or kind is None or name is None:
            return
        if entity_id in self.entities:
            first = self.entities[entity_id].origin
            self.problem(
                file, item.line_of("id"), f"duplicate id {entity_id!r} (first declared at {first})"
            )
            return
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
        for key in sorted(set(item) - RELATION_KEYS):
            self.problem(file, item.line_of(key), f"unknown relation field {key!r}")
        source = self.required_str(file, item, "source")
        type_name = self.required_str(file, item, "type")
        target = self.required_str(file, item, "target")
        relation_type = None
        if type_name is not None:
            try:
                relation_type = RelationType(type_name)
            except ValueError:
                valid = ", ".join(t.value for t in RelationType)
                self.problem(
                    file,
                    item.line_of("type"),
                    f"unknown relation type {type_name!r} (valid: {valid})",
                )
        attributes = self.attributes(file, item)
        sources = self.sources(file, item, default_document)
        if source is None or target is None or relation_type is None:
            return
        self.relations.append(
            Relation(
                source, relation_type, target, sources, attributes, origin=f"{file}:{item.line}"
            )
        )

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
            return freeze(None)
        for key, value in raw.items():
            if not isinstance(value, str | int | float | bool):
                line = raw.line_of(key) if isinstance(raw, MarkedDict) else item.line
                self.problem(file, line, f"attribute {key!r} must be a string, number or boolean")
        return freeze({k: v for k, v in raw.items() if isinstance(v, str | int | float | bool)})

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
        result = []
        for entry in raw:
            if not isinstance(entry, MarkedDict):
                self.problem(file, item.line_of("sources"), "each source must be a mapping")
                continue
            source = self.source(file, entry, default_document)
            if source is not None:
                result.append(source)
        return tuple(result)

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
        document = self.documents.get(document_name)
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

    def check_relation_ends(self) -> None:
        seen: set[tuple[str, RelationType, str]] = set()
        for relation in self.relations:
            file, _, line = relation.origin.rpartition(":")
            for end in (relation.source, relation.target):
                if end not in self.entities:
                    self.problem(
                        file,
                        int(line),
                        f"relation {relation.type.value} refers to unknown entity {end!r}",
                    )
            key = (relation.source, relation.type, relation.target)
            if key in seen:
                self.problem(
                    file,
                    int(line),
                    f"duplicate relation {relation.source} {relation.type.value} {relation.target}",
                )
            seen.add(key)

    # -- result ------------------------------------------------------------------
    def build(self) -> KnowledgeGraph:
        graph = nx.MultiDiGraph()
        for entity_id in sorted(self.entities):
            graph.add_node(entity_id, entity=self.entities[entity_id])
        for relation in sorted(self.relations, key=lambda r: (r.source, r.type.value, r.target)):
            graph.add_edge(relation.source, relation.target, key=relation.type, relation=relation)
        return KnowledgeGraph(
            graph=nx.freeze(graph),
            version=self.hash.hexdigest()[:16],
            documents=MappingProxyType(dict(self.documents)),
            packs=tuple(str(d) for d in self.directories),
            scenarios=MappingProxyType(dict(self.scenarios)),
        )


def format_problems(problems: Iterable[Problem]) -> str:
    return "\n".join(str(p) for p in problems)

"""The entities and relations of knowledge packs, validated one YAML mapping at a time
into domain objects.

Every mistake is added to the :class:`Problems` as ``file:line: message`` and reading
goes on, so that a pack's author sees them all at once. An item with a mistake becomes
nothing; the others become :class:`Entity` and :class:`Relation` objects, kept by
:class:`PackItems` until the loader builds the graph. Sources are checked by
:class:`~service.packs.pack_sources.Citations`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from service.domain import Entity, EntityKind, Relation, RelationType, freeze
from service.packs.documents import Document
from service.packs.pack_sources import Citations
from service.packs.problems import Problems
from service.packs.yamlmarks import MarkedDict

SLUG_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
# ``review``: a question a drafted pack leaves for a human (``archgraph draft``); it is
# reported as a warning, not a problem, so a draft validates as written.
ENTITY_KEYS = frozenset(
    {"id", "kind", "name", "summary", "aliases", "attributes", "sources", "review"}
)
RELATION_KEYS = frozenset({"source", "type", "target", "attributes", "sources", "review"})
KINDS = {k.value: k for k in EntityKind}
TYPES = {t.value: t for t in RelationType}
NO_ATTRIBUTES = freeze(None)


class PackItems:
    """The valid entities and relations of every pack read so far.

    ``entities`` are by id; ``relations`` are grouped by source, in reading order.
    ``names`` holds one string object per id however often it is written, so that a
    relation's ends are the very strings its entities' ids are (a million relations
    would otherwise hold two million copies); ``lines`` likewise holds one int object
    per line number above 256 for the items' origins. A bulk reader
    (:mod:`service.packs.relation_tables`) adds relations to ``relations`` itself, the way
    :meth:`read_relation` does.
    """

    def __init__(self, documents: Mapping[str, Document], problems: Problems) -> None:
        self.problems = problems
        self.citations = Citations(documents, problems)
        self.entities: dict[str, Entity] = {}
        self.relations: dict[str, list[Relation]] = {}
        self.names: dict[str, str] = {}
        self.lines: dict[int, int] = {}

    def forget_reading_aids(self) -> None:
        """Let go of what only reading needed (before the graph's indexes are made)."""
        self.citations.forget()
        self.names.clear()
        self.lines.clear()

    # -- a pack file -------------------------------------------------------------
    def read_file(self, file: str, data: Any) -> None:
        """A YAML pack file's top-level mapping: a default document, entities, relations."""
        if not isinstance(data, MarkedDict):
            self.problems.add(
                file, 1, "a pack file must be a mapping with 'entities' and/or 'relations'"
            )
            return
        unknown = set(data) - {"document", "entities", "relations"}
        for key in sorted(unknown):
            self.problems.add(file, data.line_of(key), f"unknown top-level key {key!r}")
        default_document = data.get("document")
        if default_document is not None and default_document not in self.citations.documents:
            self.problems.add(
                file, data.line_of("document"), self.citations.unknown_document(default_document)
            )
            default_document = None
        for key, reader in (("entities", self.read_entity), ("relations", self.read_relation)):
            items = data.get(key, [])
            if not isinstance(items, list):
                self.problems.add(file, data.line_of(key), f"'{key}' must be a list")
                continue
            for item in items:
                if not isinstance(item, MarkedDict):
                    self.problems.add(file, data.line_of(key), f"each of '{key}' must be a mapping")
                    continue
                reader(file, item, default_document)

    # -- entities and relations ----------------------------------------------------
    def read_entity(self, file: str, item: MarkedDict, default_document: str | None) -> None:
        if not item.keys() <= ENTITY_KEYS:
            for key in sorted(set(item) - ENTITY_KEYS):
                self.problems.add(file, item.line_of(key), f"unknown entity field {key!r}")
        entity_id = self.required_str(file, item, "id")
        kind_name = self.required_str(file, item, "kind")
        name = self.required_str(file, item, "name")
        summary = item.get("summary", "")
        if entity_id is not None and not (set(entity_id) <= SLUG_CHARS and entity_id[:1].isalnum()):
            self.problems.add(
                file, item.line_of("id"), f"id {entity_id!r} is not a slug (a-z, 0-9, -)"
            )
        kind = None
        if kind_name is not None:
            kind = KINDS.get(kind_name)
            if kind is None:
                valid = ", ".join(k.value for k in EntityKind)
                self.problems.add(
                    file, item.line_of("kind"), f"unknown kind {kind_name!r} (valid: {valid})"
                )
        if not isinstance(summary, str):
            self.problems.add(file, item.line_of("summary"), "summary must be a string")
            summary = ""
        aliases = item.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            self.problems.add(file, item.line_of("aliases"), "aliases must be a list of strings")
            aliases = []
        attributes = self.attributes(file, item) if "attributes" in item else NO_ATTRIBUTES
        sources = self.citations.sources(file, item, default_document)
        if "review" in item:
            self.review(file, item)
        if entity_id is None or kind is None or name is None:
            return
        if entity_id in self.entities:
            first = self.entities[entity_id].origin
            self.problems.add(
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
            origin_file=file,
            origin_line=self.lines.setdefault(item.line, item.line),
        )

    def read_relation(self, file: str, item: MarkedDict, default_document: str | None) -> None:
        if not item.keys() <= RELATION_KEYS:
            for key in sorted(set(item) - RELATION_KEYS):
                self.problems.add(file, item.line_of(key), f"unknown relation field {key!r}")
        source = self.required_str(file, item, "source")
        type_name = self.required_str(file, item, "type")
        target = self.required_str(file, item, "target")
        relation_type = None
        if type_name is not None:
            relation_type = TYPES.get(type_name)
            if relation_type is None:
                valid = ", ".join(t.value for t in RelationType)
                self.problems.add(
                    file,
                    item.line_of("type"),
                    f"unknown relation type {type_name!r} (valid: {valid})",
                )
        attributes = self.attributes(file, item) if "attributes" in item else NO_ATTRIBUTES
        sources = self.citations.sources(file, item, default_document)
        if "review" in item:
            self.review(file, item)
        if source is None or target is None or relation_type is None:
            return
        names = self.names
        source, target = names.setdefault(source, source), names.setdefault(target, target)
        line = self.lines.setdefault(item.line, item.line)
        relation = Relation(source, relation_type, target, sources, attributes, file, line)
        found = self.relations.get(source)
        if found is None:
            self.relations[source] = [relation]
        else:
            found.append(relation)

    def required_str(self, file: str, item: MarkedDict, key: str) -> str | None:
        value = item.get(key)
        if value is None:
            self.problems.add(file, item.line, f"missing required field {key!r}")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problems.add(file, item.line_of(key), f"{key!r} must be a non-empty string")
            return None
        return value

    def review(self, file: str, item: MarkedDict) -> None:
        """A review marker: a warning at its line, or a problem when it is not a question."""
        question = item["review"]
        if not isinstance(question, str) or not question.strip():
            self.problems.add(file, item.line_of("review"), "review must be a non-empty string")
            return
        self.problems.warn(file, item.line_of("review"), f"review: {question.strip()}")

    def attributes(self, file: str, item: MarkedDict) -> Any:
        raw = item.get("attributes", {})
        if not isinstance(raw, dict):
            self.problems.add(file, item.line_of("attributes"), "attributes must be a mapping")
            return NO_ATTRIBUTES
        for key, value in raw.items():
            if not isinstance(value, str | int | float | bool):
                line = raw.line_of(key) if isinstance(raw, MarkedDict) else item.line
                self.problems.add(
                    file, line, f"attribute {key!r} must be a string, number or boolean"
                )
        kept = {k: v for k, v in raw.items() if isinstance(v, str | int | float | bool)}
        return freeze(kept) if kept else NO_ATTRIBUTES

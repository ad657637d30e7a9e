"""What a draft is made of, and the one place that makes it.

A :class:`Draft` holds the entities and relations drafted from one document, each with
its sources (line, verbatim quote and the section the loader will find above that line).
:class:`DraftItems` makes them: ids that are free in the loaded graph and the draft, a
relation left out when the graph already has it, the name index kept current so that a
later block resolves to what an earlier one made, and a note of every entity of other
packs the draft refers to.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from service.domain import EntityKind, RelationType
from service.knowledge import KnowledgeGraph
from service.packs.documents import Document
from service.packs.markdown import Quote
from service.packs.resolve import EntityIndex, singular, singular_slug, slug

# Words that say little about a requirement; left out of its id.
_FILLER = frozenset(
    re.findall(
        r"\w+",
        "you your we our it its their is are be a an the to of in on at by for from with and "
        "or must need needs require requires required want would should can have has that "
        "which when where while",
    )
)
MAX_ID_WORDS = 5
PARENTHESES = re.compile(r"\s*\([^()]*\)\s*")
_PARENTHESES_INSIDE = re.compile(r"\(([^()]+)\)")


@dataclass
class DraftSource:
    line: int
    quote: str
    section: str


@dataclass
class DraftEntity:
    id: str
    kind: EntityKind
    name: str
    summary: str
    sources: list[DraftSource]
    group: str
    aliases: list[str] = field(default_factory=list)
    review: str | None = None


@dataclass
class DraftRelation:
    source: str
    type: RelationType
    target: str
    sources: list[DraftSource]
    group: str
    attributes: dict[str, int] = field(default_factory=dict)
    review: str | None = None


@dataclass
class Draft:
    """A pack drafted from one document, and what the drafting found.

    ``references`` are the entities of other packs it relates to, with the phrase and
    line that named each; ``outside`` the failure statements about entities of other
    packs, which a pack cannot add sources to; ``findings`` one line per block drafted.
    """

    document: str
    entities: list[DraftEntity] = field(default_factory=list)
    relations: list[DraftRelation] = field(default_factory=list)
    references: dict[str, tuple[str, int]] = field(default_factory=dict)
    outside: list[tuple[tuple[str, ...], DraftSource]] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    skipped: int = 0  # relations the loaded graph already has

    @property
    def reviews(self) -> int:
        items: list[DraftEntity | DraftRelation] = [*self.entities, *self.relations]
        return sum(item.review is not None for item in items)


class DraftItems:
    """The items of one draft as they are made, and the graph they must fit into."""

    def __init__(self, document: Document, kg: KnowledgeGraph) -> None:
        self.document = document
        self.kg = kg
        self.index = EntityIndex(kg.entities())
        self.result = Draft(document.name)
        self.mine: dict[str, DraftEntity] = {}
        self.relations: set[tuple[str, RelationType, str]] = set()
        self.written: dict[str, str] = {}  # how the note writes each thing it names

    def thing(self, quote: Quote, text: str, kind: EntityKind, group: str, summary: str) -> str:
        """The entity ``text`` names (a reference), else a new one of ``kind``."""
        found = self.index.find(text)
        if found:
            self.written.setdefault(found[0].id, PARENTHESES.sub(" ", text).strip() or text)
            self.note_reference(found[0].id, text, quote.line)
            if found[0].id in self.mine:
                self.add_source(found[0].id, quote)
            return found[0].id
        name = PARENTHESES.sub(" ", text).strip() or text
        variants = [singular(name), *_PARENTHESES_INSIDE.findall(text)]
        aliases = [a for a in dict.fromkeys(variants) if a != name]
        entity_id = self.entity(
            singular_slug(text, kind.value), kind, name, summary, [quote], group, aliases=aliases
        )
        self.written[entity_id] = name
        return entity_id

    def item_entity(
        self, quotes: tuple[Quote, ...], text: str, kind: EntityKind, group: str
    ) -> str:
        words = [w for w in slug(text).split("-") if w not in _FILLER][:MAX_ID_WORDS]
        name = text.rstrip(".:;")
        return self.entity("-".join(words), kind, name, text, list(quotes), group)

    def entity(
        self,
        wanted: str,
        kind: EntityKind,
        name: str,
        summary: str,
        quotes: list[Quote],
        group: str,
        review: str | None = None,
        aliases: list[str] | None = None,
    ) -> str:
        entity_id = self.free_id(wanted or kind.value)
        sources = [self.source(q) for q in quotes]
        item = DraftEntity(entity_id, kind, name, summary, sources, group, aliases or [], review)
        self.mine[entity_id] = item
        self.result.entities.append(item)
        self.index.add(entity_id, kind, name, aliases or ())
        return entity_id

    def relation(
        self,
        source: str,
        type_: RelationType,
        target: str,
        quotes: list[Quote],
        group: str,
        attributes: dict[str, int] | None = None,
    ) -> None:
        key = (source, type_, target)
        if key in self.relations:
            return
        self.relations.add(key)
        if source in self.kg and any(r.target == target for r in self.kg.outgoing(source, type_)):
            self.result.skipped += 1
            return
        sources = [self.source(q) for q in quotes]
        self.result.relations.append(
            DraftRelation(source, type_, target, sources, group, attributes or {})
        )

    def free_id(self, wanted: str) -> str:
        base = slug(wanted)
        candidate, n = base, 1
        while candidate in self.kg or candidate in self.mine:
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    def source(self, quote: Quote) -> DraftSource:
        return DraftSource(quote.line, quote.text, self.document.section(quote.line))

    def add_source(self, entity_id: str, quote: Quote) -> None:
        sources = self.mine[entity_id].sources
        if all((s.line, s.quote) != (quote.line, quote.text) for s in sources):
            sources.append(self.source(quote))

    def note_reference(self, entity_id: str, phrase: str, line: int) -> None:
        if entity_id not in self.mine:
            self.result.references.setdefault(entity_id, (phrase, line))

    def name_of(self, entity_id: str) -> str:
        """The thing as the note writes it, else its name."""
        mine = self.mine.get(entity_id)
        name = mine.name if mine is not None else self.kg.entity(entity_id).name
        return self.written.get(entity_id) or name

    def listing(self, ids: Sequence[str | None]) -> str:
        return ", ".join(f"{i} (new)" if i in self.mine else str(i) for i in ids if i is not None)

"""A note's cited blocks → the entities and relations of a knowledge pack (``archgraph draft``).

What becomes what (every item cites its document, section, line and a verbatim quote):

- a table whose header reads ``<dimension label> | A | B [| C …]`` is a comparison: A, B …
  are subjects (``platform``), each row a ``dimension``, each cell a ``dimension-value``
  the subject ``has_value`` and that is ``value_of`` the row's dimension;
- a list whose lead-in says when to choose a subject ("Choose a MicroVM when:", "Where
  containers win") gives one ``requirement`` per item that ``favours`` the subject; a
  "combine both when" list gives ``situation``s that favour the architecture combining the
  subjects (one the graph has, else a new one layered as the note's arrow chain says);
- an arrow chain ``A → B → C`` gives ``layer``s, each one ``runs_on`` the one before (A
  ``hosts`` B);
- paragraph and numbered-list sentences about failures stay as citations on the entities
  they name (:attr:`Draft.outside` when those belong to another pack).

A subject, layer or side that names an entity of the loaded graph is a reference to it
(:mod:`service.packs.resolve`), and a relation the graph already has is not declared
again. What only a human can decide — which value of a dimension is favourable, a lead-in
that names nothing known — is a ``review`` marker on the item, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from service.domain import EntityKind, RelationType
from service.knowledge import KnowledgeGraph
from service.packs.documents import Document
from service.packs.lead_ins import LeadInReading, Reading, read_lead_in
from service.packs.markdown import ArrowChain, LeadIn, ListBlock, Note, Quote, Table
from service.packs.resolve import EntityIndex, Named, singular, singular_slug, slug

_FAILURE = re.compile(
    r"\b(?:fail\w*|crash\w*|down|unavailable|outage|panic\w*|lost|lose|break\w*|broken|"
    r"cannot|can't|pending|evict\w*|escape\w*|compromis\w*|die[sd]?|dead)\b",
    re.I,
)
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


def draft_pack(note: Note, document: Document, kg: KnowledgeGraph) -> Draft:
    """Draft the pack of ``note`` (parsed from ``document``), resolving against ``kg``."""
    return _Drafter(note, document, kg).draft()


class _Drafter:
    def __init__(self, note: Note, document: Document, kg: KnowledgeGraph) -> None:
        self.note = note
        self.document = document
        self.kg = kg
        self.index = EntityIndex(kg.entities())
        self.result = Draft(document.name)
        self.mine: dict[str, DraftEntity] = {}
        self.subjects: list[str] = []  # ids of the comparison tables' subjects, in order
        # each arrow chain's layers, bottom first, with the quote of the part naming each
        self.chains: list[list[tuple[str, Quote]]] = []
        self.favoured: list[str] = []  # subjects of the "choose X when" lists
        self.relations: set[tuple[str, RelationType, str]] = set()
        self.written: dict[str, str] = {}  # how the note writes each thing it names

    def draft(self) -> Draft:
        for table in self.note.tables:
            self.table(table)
        for chain in self.note.chains:
            self.chain(chain)
        combining = []
        for block in self.note.lists:
            reading = self.reading(block)
            if reading is None:
                continue
            lead_in, how = reading
            if how.reading is Reading.COMBINES:
                combining.append((block, lead_in))
            else:
                self.requirements(block, lead_in, how)
        for block, lead_in in combining:  # after the lists that name the subjects
            self.situations(block, lead_in)
        self.statements()
        return self.result

    # -- tables ------------------------------------------------------------------------
    def table(self, table: Table) -> None:
        label, *heads = table.header
        if len(heads) < 2 or any(h.quote is None for h in heads) or not table.rows:
            why = "no label column and two subjects in its header" if table.rows else "no rows"
            self.result.findings.append(f"table, line {table.line}: not a comparison ({why})")
            return
        group = f"comparison table on line {table.line} of {self.document.name}"
        subjects = [
            self.thing(h.quote, h.text, EntityKind.PLATFORM, group, f"A subject of the {group}.")
            for h in heads
            if h.quote
        ]
        self.subjects += [s for s in subjects if s not in self.subjects]
        names = [_PARENTHESES.sub(" ", h.text).strip() or h.text for h in heads]
        rows = 0
        for row in table.rows:
            row_label, *cells = row
            if row_label.quote is None:
                continue
            rows += 1
            dimension = self.entity(
                singular_slug(row_label.text, "dimension"),
                EntityKind.DIMENSION,
                row_label.text,
                f"How {_and(names)} compare on {row_label.text} (the table of {self.document.name}).",
                [q for q in (label.quote, row_label.quote) if q is not None],
                group,
                review=f"which value of {row_label.text} is favourable? set prefer "
                "(lower/higher/neither) here and an ordinal on each of its values",
            )
            for subject, name, cell in zip(subjects, names, cells, strict=False):
                if cell.quote is None:
                    continue
                value = self.entity(
                    f"{subject}-{dimension}",
                    EntityKind.DIMENSION_VALUE,
                    f"{row_label.text} of {name}",
                    cell.quote.text,
                    [cell.quote],
                    group,
                )
                self.relation(subject, RelationType.HAS_VALUE, value, [cell.quote], group)
                self.relation(value, RelationType.VALUE_OF, dimension, [row_label.quote], group)
        self.result.findings.append(
            f"{group}: {self.listing(subjects)} compared on {rows} dimension(s)"
        )

    # -- arrow chains --------------------------------------------------------------------
    def chain(self, chain: ArrowChain) -> None:
        group = f"arrow chain on line {chain.line} of {self.document.name}"
        layers = [
            self.thing(part, name, EntityKind.LAYER, group, f"A layer of the {group}.")
            for part, name in zip(chain.parts, chain.names, strict=True)
        ]
        for lower, upper, link in zip(layers, layers[1:], chain.links, strict=False):
            if lower != upper:
                self.relation(upper, RelationType.RUNS_ON, lower, [link], group)
        self.chains.append(list(zip(layers, chain.parts, strict=True)))
        self.result.findings.append(f"{group}: {' → '.join(self.listing([x]) for x in layers)}")

    # -- lists -----------------------------------------------------------------------------
    def reading(self, block: ListBlock) -> tuple[LeadIn, LeadInReading] | None:
        """The lead-in that says what the list is (one naming a known subject first)."""
        readings = [(li, r) for li in block.lead_ins if (r := read_lead_in(li.text)) is not None]
        for lead_in, how in readings:
            if how.reading is not Reading.FAVOURS or self.subject(how.subject) is not None:
                return lead_in, how
        return readings[0] if readings and block.items else None

    def subject(self, phrase: str) -> str | None:
        found = self.index.find(phrase)
        return found[0].id if found else None

    def requirements(self, block: ListBlock, lead_in: LeadIn, how: LeadInReading) -> None:
        group = f"list under {lead_in.quote.text!r} (line {lead_in.quote.line})"
        subject = self.subject(how.subject) if how.reading is Reading.FAVOURS else None
        review = None
        if subject is None:
            why = how.why or (
                f"the lead-in {lead_in.quote.text!r} (line {lead_in.quote.line}) names "
                f"{how.subject!r}, which is no entity the draft knows"
            )
            review = f"which subject does this favour? {why}; add a favours relation to it"
        else:
            self.note_reference(subject, how.subject, lead_in.quote.line)
            self.favoured += [subject] if subject not in self.favoured else []
        for item in block.items:
            requirement = self.item_entity(item.quotes, item.text, EntityKind.REQUIREMENT, group)
            self.mine[requirement].review = review
            if subject is not None:
                self.relation(
                    requirement,
                    RelationType.FAVOURS,
                    subject,
                    [lead_in.quote, item.quotes[0]],
                    group,
                )
        target = f"favouring {self.listing([subject])}" if subject else "to review"
        self.result.findings.append(f"{group}: {len(block.items)} requirement(s) {target}")

    def situations(self, block: ListBlock, lead_in: LeadIn) -> None:
        group = f"list under {lead_in.quote.text!r} (line {lead_in.quote.line})"
        sides = [n.id for n in self.index.mentions(lead_in.text) if n.kind is EntityKind.PLATFORM]
        if len(sides) < 2:
            sides = next((s for s in (self.subjects, self.favoured) if len(s) == 2), sides)
        combination = self.combination(sides, lead_in, group) if len(sides) >= 2 else None
        for item in block.items:
            situation = self.item_entity(item.quotes, item.text, EntityKind.SITUATION, group)
            if combination is None:
                self.mine[situation].review = (
                    f"which platforms does it combine? the lead-in {lead_in.quote.text!r} "
                    "names fewer than two the draft knows; add a favours relation to the "
                    "architecture that combines them"
                )
                continue
            self.relation(
                situation, RelationType.FAVOURS, combination, [lead_in.quote, item.quotes[0]], group
            )
        target = f"favouring {self.listing([combination])}" if combination else "to review"
        self.result.findings.append(f"{group}: {len(block.items)} situation(s) {target}")

    def combination(self, sides: list[str], lead_in: LeadIn, group: str) -> str:
        """The architecture whose layers include every side: the graph's, else a new one."""
        layered = [
            {r.target for r in self.kg.outgoing(side, RelationType.LAYER_OF)}
            if side in self.kg
            else set()
            for side in sides
        ]
        known = sorted(set.intersection(*layered))
        if known:
            self.note_reference(known[0], lead_in.text, lead_in.quote.line)
            return known[0]
        names = [self.name_of(s) for s in sides]
        chain = next((c for c in self.chains if set(sides) <= {layer for layer, _ in c}), None)
        architecture = self.entity(
            "-".join([*sides, "architecture"]),
            EntityKind.ARCHITECTURE,
            f"{_and(names)} combined",
            f"{_and(names)} combined, for the situations listed under {lead_in.quote.text!r}.",
            [lead_in.quote],
            group,
            review=None
            if chain is not None
            else f"how do {_and(names)} sit together? no arrow chain of the note names them "
            "all; give each layer_of relation a position (1 = bottom)",
        )
        layers = chain or [(side, lead_in.quote) for side in sides]
        for position, (layer, cited) in enumerate(layers, start=1):
            attributes = {"position": position} if chain else {}
            self.relation(
                layer, RelationType.LAYER_OF, architecture, [cited], group, attributes=attributes
            )
        return architecture

    # -- statements ------------------------------------------------------------------------
    def statements(self) -> None:
        """Failure sentences of paragraphs and numbered lists, cited on what they name."""
        used = {q.line for e in self.mine.values() for q in e.sources}
        quotes = list(self.note.sentences)
        for block in self.note.lists:
            if block.ordered and self.reading(block) is None:
                quotes += [item.quotes[0] for item in block.items]
        cited = 0
        for quote in quotes:
            if quote.line in used or not _FAILURE.search(quote.text):
                continue
            named = [n.id for n in self.index.mentions(quote.text)]
            ours = [n for n in named if n in self.mine]
            for entity_id in ours:
                self.mine[entity_id].sources.append(self.source(quote))
            others = tuple(n for n in named if n not in self.mine)
            if others:
                self.result.outside.append((others, self.source(quote)))
            cited += bool(ours)
        if cited:
            self.result.findings.append(
                f"failure statements: {cited} cited on the entities of this pack they name"
            )

    # -- making items ------------------------------------------------------------------------
    def thing(self, quote: Quote, text: str, kind: EntityKind, group: str, summary: str) -> str:
        """The entity ``text`` names (a reference), else a new one of ``kind``."""
        found = self.index.find(text)
        if found:
            self.written.setdefault(found[0].id, _PARENTHESES.sub(" ", text).strip() or text)
            self.note_reference(found[0].id, text, quote.line)
            if found[0].id in self.mine:
                self.add_source(found[0].id, quote)
            return found[0].id
        name = _PARENTHESES.sub(" ", text).strip() or text
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


_PARENTHESES = re.compile(r"\s*\([^()]*\)\s*")
_PARENTHESES_INSIDE = re.compile(r"\(([^()]+)\)")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


__all__ = ["Draft", "DraftEntity", "DraftRelation", "DraftSource", "Named", "draft_pack"]

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

from service.domain import EntityKind, RelationType
from service.knowledge import KnowledgeGraph
from service.packs.documents import Document
from service.packs.draft_items import PARENTHESES, Draft, DraftItems
from service.packs.lead_ins import LeadInReading, Reading, read_lead_in
from service.packs.markdown import ArrowChain, LeadIn, ListBlock, Note, Quote, Table
from service.packs.resolve import singular_slug

_FAILURE = re.compile(
    r"\b(?:fail\w*|crash\w*|down|unavailable|outage|panic\w*|lost|lose|break\w*|broken|"
    r"cannot|can't|pending|evict\w*|escape\w*|compromis\w*|die[sd]?|dead)\b",
    re.I,
)


def draft_pack(note: Note, document: Document, kg: KnowledgeGraph) -> Draft:
    """Draft the pack of ``note`` (parsed from ``document``), resolving against ``kg``."""
    return _Drafter(note, document, kg).draft()


class _Drafter:
    def __init__(self, note: Note, document: Document, kg: KnowledgeGraph) -> None:
        self.note = note
        self.document = document
        self.kg = kg
        self.items = DraftItems(document, kg)
        self.subjects: list[str] = []  # ids of the comparison tables' subjects, in order
        # each arrow chain's layers, bottom first, with the quote of the part naming each
        self.chains: list[list[tuple[str, Quote]]] = []
        self.favoured: list[str] = []  # subjects of the "choose X when" lists

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
        return self.items.result

    # -- tables ------------------------------------------------------------------------
    def table(self, table: Table) -> None:
        label, *heads = table.header
        if len(heads) < 2 or any(h.quote is None for h in heads) or not table.rows:
            why = "no label column and two subjects in its header" if table.rows else "no rows"
            self.items.result.findings.append(f"table, line {table.line}: not a comparison ({why})")
            return
        group = f"comparison table on line {table.line} of {self.document.name}"
        subjects = [
            self.items.thing(
                h.quote, h.text, EntityKind.PLATFORM, group, f"A subject of the {group}."
            )
            for h in heads
            if h.quote
        ]
        self.subjects += [s for s in subjects if s not in self.subjects]
        names = [PARENTHESES.sub(" ", h.text).strip() or h.text for h in heads]
        rows = 0
        for row in table.rows:
            row_label, *cells = row
            if row_label.quote is None:
                continue
            rows += 1
            dimension = self.items.entity(
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
                value = self.items.entity(
                    f"{subject}-{dimension}",
                    EntityKind.DIMENSION_VALUE,
                    f"{row_label.text} of {name}",
                    cell.quote.text,
                    [cell.quote],
                    group,
                )
                self.items.relation(subject, RelationType.HAS_VALUE, value, [cell.quote], group)
                self.items.relation(
                    value, RelationType.VALUE_OF, dimension, [row_label.quote], group
                )
        self.items.result.findings.append(
            f"{group}: {self.items.listing(subjects)} compared on {rows} dimension(s)"
        )

    # -- arrow chains --------------------------------------------------------------------
    def chain(self, chain: ArrowChain) -> None:
        group = f"arrow chain on line {chain.line} of {self.document.name}"
        layers = [
            self.items.thing(part, name, EntityKind.LAYER, group, f"A layer of the {group}.")
            for part, name in zip(chain.parts, chain.names, strict=True)
        ]
        for lower, upper, link in zip(layers, layers[1:], chain.links, strict=False):
            if lower != upper:
                self.items.relation(upper, RelationType.RUNS_ON, lower, [link], group)
        self.chains.append(list(zip(layers, chain.parts, strict=True)))
        self.items.result.findings.append(
            f"{group}: {' → '.join(self.items.listing([x]) for x in layers)}"
        )

    # -- lists -----------------------------------------------------------------------------
    def reading(self, block: ListBlock) -> tuple[LeadIn, LeadInReading] | None:
        """The lead-in that says what the list is (one naming a known subject first)."""
        readings = [(li, r) for li in block.lead_ins if (r := read_lead_in(li.text)) is not None]
        for lead_in, how in readings:
            if how.reading is not Reading.FAVOURS or self.subject(how.subject) is not None:
                return lead_in, how
        return readings[0] if readings and block.items else None

    def subject(self, phrase: str) -> str | None:
        found = self.items.index.find(phrase)
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
            self.items.note_reference(subject, how.subject, lead_in.quote.line)
            self.favoured += [subject] if subject not in self.favoured else []
        for item in block.items:
            requirement = self.items.item_entity(
                item.quotes, item.text, EntityKind.REQUIREMENT, group
            )
            self.items.mine[requirement].review = review
            if subject is not None:
                self.items.relation(
                    requirement,
                    RelationType.FAVOURS,
                    subject,
                    [lead_in.quote, item.quotes[0]],
                    group,
                )
        target = f"favouring {self.items.listing([subject])}" if subject else "to review"
        self.items.result.findings.append(f"{group}: {len(block.items)} requirement(s) {target}")

    def situations(self, block: ListBlock, lead_in: LeadIn) -> None:
        group = f"list under {lead_in.quote.text!r} (line {lead_in.quote.line})"
        sides = [
            n.id for n in self.items.index.mentions(lead_in.text) if n.kind is EntityKind.PLATFORM
        ]
        if len(sides) < 2:
            sides = next((s for s in (self.subjects, self.favoured) if len(s) == 2), sides)
        combination = self.combination(sides, lead_in, group) if len(sides) >= 2 else None
        for item in block.items:
            situation = self.items.item_entity(item.quotes, item.text, EntityKind.SITUATION, group)
            if combination is None:
                self.items.mine[situation].review = (
                    f"which platforms does it combine? the lead-in {lead_in.quote.text!r} "
                    "names fewer than two the draft knows; add a favours relation to the "
                    "architecture that combines them"
                )
                continue
            self.items.relation(
                situation, RelationType.FAVOURS, combination, [lead_in.quote, item.quotes[0]], group
            )
        target = f"favouring {self.items.listing([combination])}" if combination else "to review"
        self.items.result.findings.append(f"{group}: {len(block.items)} situation(s) {target}")

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
            self.items.note_reference(known[0], lead_in.text, lead_in.quote.line)
            return known[0]
        names = [self.items.name_of(s) for s in sides]
        chain = next((c for c in self.chains if set(sides) <= {layer for layer, _ in c}), None)
        architecture = self.items.entity(
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
            self.items.relation(
                layer, RelationType.LAYER_OF, architecture, [cited], group, attributes=attributes
            )
        return architecture

    # -- statements ------------------------------------------------------------------------
    def statements(self) -> None:
        """Failure sentences of paragraphs and numbered lists, cited on what they name."""
        used = {q.line for e in self.items.mine.values() for q in e.sources}
        quotes = list(self.note.sentences)
        for block in self.note.lists:
            if block.ordered and self.reading(block) is None:
                quotes += [item.quotes[0] for item in block.items]
        cited = 0
        for quote in quotes:
            if quote.line in used or not _FAILURE.search(quote.text):
                continue
            named = [n.id for n in self.items.index.mentions(quote.text)]
            ours = [n for n in named if n in self.items.mine]
            for entity_id in ours:
                self.items.mine[entity_id].sources.append(self.items.source(quote))
            others = tuple(n for n in named if n not in self.items.mine)
            if others:
                self.items.result.outside.append((others, self.items.source(quote)))
            cited += bool(ours)
        if cited:
            self.items.result.findings.append(
                f"failure statements: {cited} cited on the entities of this pack they name"
            )


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

"""Finding entities: by id, and by free-text search over names, aliases and summaries."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from service.domain import Entity, EntityKind
from service.knowledge import KnowledgeGraph

# Scores of where a search text matched; higher ranks first.
EXACT_NAME, EXACT_ALIAS, NAME_PREFIX, ALIAS_PREFIX, NAME_WORD, ALIAS_WORD = 100, 90, 80, 70, 60, 55
NAME_SUBSTRING, ALIAS_SUBSTRING, SUMMARY_WORD, SUMMARY_SUBSTRING, ALL_TERMS = 50, 45, 30, 20, 10


@dataclass(frozen=True, slots=True)
class _Fields:
    """What a search looks at in one entity, case-folded once per graph."""

    name: str
    id: str
    aliases: tuple[str, ...]
    summary: str
    haystack: str  # every field joined: a text matches only if its every word is in here


def _fields(entity: Entity) -> _Fields:
    name, aliases, summary = (
        entity.name.casefold(),
        tuple(a.casefold() for a in entity.aliases),
        entity.summary.casefold(),
    )
    return _Fields(
        name, entity.id, aliases, summary, " ".join([name, entity.id, *aliases, summary])
    )


@dataclass(frozen=True, slots=True)
class _SearchIndex:
    """Every entity's search fields, in id order, and their haystacks in one text, so that
    finding the entities that contain a word is a scan at C speed, not a Python loop."""

    entities: tuple[Entity, ...]
    fields: tuple[_Fields, ...]
    text: str  # the haystacks, each followed by SEPARATOR
    starts: tuple[int, ...]  # where each haystack starts in ``text``

    def containing(self, term: str) -> Iterator[int]:
        """Positions (in ``entities``) of the entities whose haystack contains ``term``."""
        text, starts, count = self.text, self.starts, len(self.starts)
        at = text.find(term)
        while at != -1:
            i = bisect_right(starts, at) - 1
            yield i
            if i + 1 == count:
                return
            at = text.find(term, starts[i + 1])


SEPARATOR = "\0"  # never in YAML text, so never inside a haystack or a word found in one


def _search_index(kg: KnowledgeGraph) -> _SearchIndex:
    entities = tuple(kg.entities())
    fields = tuple(_fields(e) for e in entities)
    starts, at = [], 0
    for f in fields:
        starts.append(at)
        at += len(f.haystack) + 1
    text = "".join(f.haystack + SEPARATOR for f in fields)
    return _SearchIndex(entities, fields, text, tuple(starts))


def match_score(entity: Entity, text: str) -> int:
    """How well ``text`` matches ``entity`` (0: not at all), case-insensitively.

    Exact names and ids beat aliases, prefixes beat whole words, whole words beat
    substrings, names beat summaries. A text of several words that matches no
    field whole still matches when every word appears in some field.
    """
    needle = text.strip().casefold()
    if not needle:
        return 0
    return _score(needle, _fields(entity), re.compile(rf"\b{re.escape(needle)}\b"))


def _score(needle: str, fields: _Fields, word: re.Pattern[str]) -> int:
    name, aliases, summary = fields.name, fields.aliases, fields.summary
    if needle in (name, fields.id):
        return EXACT_NAME
    if needle in aliases:
        return EXACT_ALIAS
    checks = (
        (name.startswith(needle), NAME_PREFIX),
        (any(a.startswith(needle) for a in aliases), ALIAS_PREFIX),
        (bool(word.search(name)), NAME_WORD),
        (any(word.search(a) for a in aliases), ALIAS_WORD),
        (needle in name or needle in fields.id, NAME_SUBSTRING),
        (any(needle in a for a in aliases), ALIAS_SUBSTRING),
        (bool(word.search(summary)), SUMMARY_WORD),
        (needle in summary, SUMMARY_SUBSTRING),
    )
    for matched, score in checks:
        if matched:
            return score
    terms = needle.split()
    if len(terms) > 1 and all(t in fields.haystack for t in terms):
        return ALL_TERMS
    return 0


def find_entities(
    kg: KnowledgeGraph, kind: EntityKind | None = None, search: str | None = None
) -> list[Entity]:
    """Entities of ``kind`` (any when None) matching ``search`` (all when None or blank).

    With a search text, the best match comes first (ties by name, then id);
    without one, entities come in id order. The case-folded fields of every entity
    are computed once per graph (:class:`_SearchIndex`); only entities containing
    every word of the text are scored, as no check could match the others.

    Examples
    --------
    >>> [e.id for e in find_entities(load_graph(), search="VM")][:1]
    ['virtual-machine']
    """
    candidates = kg.entities(kind)
    if search is None or not search.strip():
        return list(candidates)
    needle = search.strip().casefold()
    terms = needle.split()
    word = re.compile(rf"\b{re.escape(needle)}\b")
    if SEPARATOR in needle:  # the index cannot look for it; no loaded entity has it anyway
        found = [(_fields(e), e) for e in candidates]
    else:
        index = kg.derived("lookup.search", _search_index)
        found = [(index.fields[i], index.entities[i]) for i in index.containing(terms[0])]
    scored = []
    for fields, entity in found:
        if (kind is None or entity.kind == kind) and all(t in fields.haystack for t in terms):
            score = _score(needle, fields, word)
            if score:
                scored.append((score, entity))
    scored.sort(key=lambda p: (-p[0], p[1].name, p[1].id))
    return [entity for _, entity in scored]

"""Finding entities: by id, and by free-text search over names, aliases and summaries."""

from __future__ import annotations

import re

from service.domain import Entity, EntityKind
from service.knowledge import KnowledgeGraph

# Scores of where a search text matched; higher ranks first.
EXACT_NAME, EXACT_ALIAS, NAME_PREFIX, ALIAS_PREFIX, NAME_WORD, ALIAS_WORD = 100, 90, 80, 70, 60, 55
NAME_SUBSTRING, ALIAS_SUBSTRING, SUMMARY_WORD, SUMMARY_SUBSTRING, ALL_TERMS = 50, 45, 30, 20, 10


def match_score(entity: Entity, text: str) -> int:
    """How well ``text`` matches ``entity`` (0: not at all), case-insensitively.

    Exact names and ids beat aliases, prefixes beat whole words, whole words beat
    substrings, names beat summaries. A text of several words that matches no
    field whole still matches when every word appears in some field.
    """
    needle = text.strip().casefold()
    if not needle:
        return 0
    name = entity.name.casefold()
    aliases = [a.casefold() for a in entity.aliases]
    summary = entity.summary.casefold()
    if needle in (name, entity.id):
        return EXACT_NAME
    if needle in aliases:
        return EXACT_ALIAS
    word = re.compile(rf"\b{re.escape(needle)}\b")
    checks = (
        (name.startswith(needle), NAME_PREFIX),
        (any(a.startswith(needle) for a in aliases), ALIAS_PREFIX),
        (bool(word.search(name)), NAME_WORD),
        (any(word.search(a) for a in aliases), ALIAS_WORD),
        (needle in name or needle in entity.id, NAME_SUBSTRING),
        (any(needle in a for a in aliases), ALIAS_SUBSTRING),
        (bool(word.search(summary)), SUMMARY_WORD),
        (needle in summary, SUMMARY_SUBSTRING),
    )
    for matched, score in checks:
        if matched:
            return score
    terms = needle.split()
    haystack = " ".join([name, entity.id, *aliases, summary])
    if len(terms) > 1 and all(t in haystack for t in terms):
        return ALL_TERMS
    return 0


def find_entities(
    kg: KnowledgeGraph, kind: EntityKind | None = None, search: str | None = None
) -> list[Entity]:
    """Entities of ``kind`` (any when None) matching ``search`` (all when None or blank).

    With a search text, the best match comes first (ties by name, then id);
    without one, entities come in id order.

    Examples
    --------
    >>> [e.id for e in find_entities(load_graph(), search="VM")][:1]
    ['virtual-machine']
    """
    candidates = kg.entities(kind)
    if search is None or not search.strip():
        return list(candidates)
    scored = [(match_score(e, search), e) for e in candidates]
    ranked = sorted(
        (pair for pair in scored if pair[0] > 0), key=lambda p: (-p[0], p[1].name, p[1].id)
    )
    return [entity for _, entity in ranked]

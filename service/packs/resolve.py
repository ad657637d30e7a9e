"""Entity resolution for drafting: which entity a phrase of a note names, if any.

A phrase names an entity when, ignoring case, punctuation and a plural ``s`` on its last
word, it equals the entity's name, one of its aliases or its id read as words
("Containers" = ``container``, "VMs" = alias ``VM`` of ``virtual-machine``,
"Virtual Machines (VMs)" by the name outside or the alias inside the parentheses). Names
are compared as written, never by similarity: a near miss makes a new entity for a human
to merge, not a silent link to the wrong one. The index holds the loaded graph's entities
and the draft's own as it makes them; when a phrase names several, kinds that can be
compared or stacked win (platform, architecture, layer), then the id order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from service.domain import Entity, EntityKind

# Kinds a subject of a comparison, a layer of a chain or a side of a combination can be,
# best first; requirements, dimensions and values name qualities, not things.
THING_KINDS = (
    EntityKind.PLATFORM,
    EntityKind.ARCHITECTURE,
    EntityKind.LAYER,
    EntityKind.KUBERNETES_OBJECT,
    EntityKind.KUBERNETES_COMPONENT,
    EntityKind.OPERATING_SYSTEM,
    EntityKind.KERNEL,
    EntityKind.ISOLATION_TIER,
    EntityKind.RESOURCE,
)
_RANK = {kind: rank for rank, kind in enumerate(THING_KINDS)}
_PARENTHESES = re.compile(r"\s*\(([^()]*)\)\s*")
_NOT_WORD = re.compile(r"[\W_]+")
_ARTICLE = re.compile(r"^\s*(?:a|an|the)\s+", re.I)
MAX_MENTION_WORDS = 4
# Words too common to name an entity on their own in free text.
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "the",
        "to",
        "when",
        "with",
    ]
)


@dataclass(frozen=True, slots=True)
class Named:
    """An entity the index knows: its id, kind and name."""

    id: str
    kind: EntityKind
    name: str


class EntityIndex:
    """Names, aliases and ids of entities, by their normalised forms."""

    def __init__(self, entities: Iterable[Entity] = ()) -> None:
        self._by_key: dict[str, list[Named]] = {}
        for entity in entities:
            self.add(entity.id, entity.kind, entity.name, entity.aliases)

    def add(self, entity_id: str, kind: EntityKind, name: str, aliases: Iterable[str] = ()) -> None:
        named = Named(entity_id, kind, name)
        for phrase in (name, *aliases, entity_id.replace("-", " ")):
            for key in keys(phrase):
                found = self._by_key.setdefault(key, [])
                if named not in found:
                    found.append(named)

    def find(self, phrase: str, kinds: Iterable[EntityKind] = THING_KINDS) -> list[Named]:
        """Entities of ``kinds`` that ``phrase`` names, best first."""
        allowed = set(kinds)
        found: dict[str, Named] = {}
        for key in keys(phrase):
            for named in self._by_key.get(key, ()):
                if named.kind in allowed:
                    found.setdefault(named.id, named)
        return sorted(found.values(), key=lambda n: (_RANK.get(n.kind, len(_RANK)), n.id))

    def mentions(self, text: str, kinds: Iterable[EntityKind] = THING_KINDS) -> list[Named]:
        """Entities of ``kinds`` named in free ``text``, longest names first, each once."""
        allowed = set(kinds)
        words = normalise(text).split()
        taken = [False] * len(words)
        found: dict[str, Named] = {}
        for size in range(min(MAX_MENTION_WORDS, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                if any(taken[start : start + size]):
                    continue
                phrase = " ".join(words[start : start + size])
                if size == 1 and (phrase in _STOPWORDS or len(phrase) < 2):
                    continue
                named = [n for n in self.find(phrase, allowed) if n.id not in found]
                if named:
                    found[named[0].id] = named[0]
                    taken[start : start + size] = [True] * size
        return list(found.values())


def normalise(phrase: str) -> str:
    """Lower case, compatibility forms, every run of non-word characters one space."""
    text = unicodedata.normalize("NFKC", phrase).casefold()
    return " ".join(_NOT_WORD.sub(" ", text).split())


def singular(words: str) -> str:
    """``words`` with its last word in the singular ("virtual machines", "processes" ->
    "process"); words whose ``s`` is not a plural one ("Kubernetes", "Redis") stay."""
    head, _, last = words.rpartition(" ")
    if last.lower() in _NOT_PLURAL or len(last) < 3 or last.endswith(("ss", "us", "is")):
        one = last
    elif last.endswith("ies") and len(last) > 4:
        one = last[:-3] + "y"
    elif last.endswith(("sses", "xes", "ches", "shes")):
        one = last[:-2]
    elif last.endswith("s"):
        one = last[:-1]
    else:
        one = last
    return f"{head} {one}" if head else one


# Names ending in an ``s`` that is not a plural one.
_NOT_PLURAL = frozenset(
    ["kubernetes", "postgres", "windows", "series", "species", "aws", "dns", "gcs", "https"]
)


def keys(phrase: str) -> set[str]:
    """The forms under which ``phrase`` is looked up: as is, singular, and for
    "Virtual Machines (VMs)" the name outside and the words inside the parentheses."""
    variants = {phrase, _PARENTHESES.sub(" ", phrase)}
    variants.update(inside.strip() for inside in _PARENTHESES.findall(phrase))
    variants.update(_ARTICLE.sub("", variant) for variant in list(variants))
    found = set()
    for variant in variants:
        words = normalise(variant)
        if words:
            found.update({words, singular(words)})
    return found


def slug(text: str, fallback: str = "item") -> str:
    """An id made of ``text``: ASCII letters and digits, words joined by ``-``."""
    ascii_text = unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", " ", ascii_text).split()
    return "-".join(words) or fallback


def singular_slug(text: str, fallback: str = "item") -> str:
    """:func:`slug` of ``text`` in the singular ("Containers" -> ``container``), without
    what is in parentheses ("Virtual Machines (VMs)" -> ``virtual-machine``)."""
    made = slug(_PARENTHESES.sub(" ", text), fallback)
    return singular(made.replace("-", " ")).replace(" ", "-")

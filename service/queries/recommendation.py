"""Recommending a VM, containers or both for a set of requirements.

Each requirement or situation ``favours`` the entity that serves it best; that
entity's ``choice`` attribute is the answer it stands for. Requirements that favour
different platforms at once call for combining them, justified by the notes'
"combine both when" situations whose ``concerns`` bridge what those requirements
concern.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum

from service.domain import Entity, EntityKind, Relation, RelationType, Source
from service.errors import EntityNotFound, InvalidArgument
from service.knowledge import KnowledgeGraph

RECOMMENDABLE_KINDS = (EntityKind.REQUIREMENT, EntityKind.SITUATION)


class Choice(Enum):
    """What a recommendation can be; the ``choice`` attribute of a favoured entity."""

    VIRTUAL_MACHINE = "VIRTUAL_MACHINE"
    CONTAINER = "CONTAINER"
    COMBINED = "COMBINED"


@dataclass(frozen=True, slots=True)
class RecommendationReason:
    """One requirement (or situation), what it favours, why, and the favours relation's sources."""

    requirement: Entity
    favoured: Entity
    favours: Choice
    explanation: str
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class Recommendation:
    """The choice for a set of requirements.

    ``favoured`` is the entity standing for the choice (a platform or the combined
    architecture; None only if the graph has none for COMBINED). ``situations`` are
    the reasons of the "combine both" situations that justify combining requirements
    which favour different platforms; ``sources`` gathers every reason's sources.
    """

    choice: Choice
    favoured: Entity | None
    rationale: str
    reasons: tuple[RecommendationReason, ...]
    situations: tuple[RecommendationReason, ...]
    sources: tuple[Source, ...]


def requirements(kg: KnowledgeGraph) -> list[Entity]:
    """Every requirement and situation :func:`recommend` accepts, in id order.

    Those are the requirement/situation entities with a ``favours`` relation to an
    entity whose ``choice`` attribute names a :class:`Choice`.
    """
    found = [
        entity
        for kind in RECOMMENDABLE_KINDS
        for entity in kg.entities(kind)
        if _favours(kg, entity.id)
    ]
    return sorted(found, key=lambda e: e.id)


def recommend(kg: KnowledgeGraph, requirement_ids: Sequence[str]) -> Recommendation:
    """The platform choice serving all of ``requirement_ids``.

    Parameters
    ----------
    kg : the knowledge graph.
    requirement_ids : ids from :func:`requirements`; duplicates are ignored.

    Returns
    -------
    Recommendation : one reason per requirement. The choice is the one every reason
        favours; requirements favouring different platforms, or any situation that
        favours the combination, give ``Choice.COMBINED``.

    Raises
    ------
    InvalidArgument : no requirement given, or an id names an entity that is not one
        of :func:`requirements` (the message lists the valid ids).
    EntityNotFound : an id names no entity (the message lists the valid ids).

    Examples
    --------
    >>> recommend(kg, ["strong-security-isolation", "fast-startup"]).choice
    <Choice.COMBINED: 'COMBINED'>
    """
    valid = [e.id for e in requirements(kg)]
    if not requirement_ids:
        raise InvalidArgument(
            "requirements", f"name at least one requirement; valid ids: {', '.join(valid)}"
        )
    known = set(valid)
    for requirement_id in requirement_ids:
        if requirement_id not in kg:
            raise EntityNotFound(requirement_id, "requirements", valid)
        if requirement_id not in known:
            raise InvalidArgument(
                "requirements",
                f"{requirement_id!r} is not a requirement or situation that favours a choice; "
                f"valid ids: {', '.join(valid)}",
            )

    reasons = tuple(
        reason
        for requirement_id in dict.fromkeys(requirement_ids)
        for reason in _reasons(kg, kg.entity(requirement_id))
    )
    platforms = {r.favours for r in reasons} - {Choice.COMBINED}
    mixed = len(platforms) > 1
    situations = _bridging_situations(kg, reasons) if mixed else ()
    if mixed or any(r.favours is Choice.COMBINED for r in reasons):
        choice = Choice.COMBINED
    else:
        (choice,) = platforms
    favoured = _entity_for(kg, choice, (*reasons, *situations))
    return Recommendation(
        choice=choice,
        favoured=favoured,
        rationale=_rationale(choice, favoured, reasons, situations if mixed else None),
        reasons=reasons,
        situations=situations,
        sources=tuple(dict.fromkeys(s for r in (*reasons, *situations) for s in r.sources)),
    )


def _favours(kg: KnowledgeGraph, entity_id: str) -> list[tuple[Relation, Entity, Choice]]:
    """The ``favours`` relations of an entity that lead to a choice."""
    found = []
    for relation in kg.outgoing(entity_id, RelationType.FAVOURS):
        target = kg.entity(relation.target)
        choice = target.attributes.get("choice")
        if choice in Choice.__members__:
            found.append((relation, target, Choice[str(choice)]))
    return found


def _concerns(kg: KnowledgeGraph, entity_id: str) -> list[Entity]:
    return [kg.entity(r.target) for r in kg.outgoing(entity_id, RelationType.CONCERNS)]


def _reasons(kg: KnowledgeGraph, requirement: Entity) -> list[RecommendationReason]:
    return [
        RecommendationReason(
            requirement=requirement,
            favoured=target,
            favours=choice,
            explanation=_explanation(kg, requirement, target),
            sources=relation.sources,
        )
        for relation, target, choice in _favours(kg, requirement.id)
    ]


def _explanation(kg: KnowledgeGraph, requirement: Entity, favoured: Entity) -> str:
    """``<requirement> favours <target>; it concerns <what>, where <target> has "<value>".``"""
    values = {
        rated.target: kg.entity(has.target)
        for has in kg.outgoing(favoured.id, RelationType.HAS_VALUE)
        for rated in kg.outgoing(has.target, RelationType.VALUE_OF)
    }
    details = [
        f'{c.name}, where {favoured.name} has "{values[c.id].summary}"'
        if c.id in values
        else c.name
        for c in _concerns(kg, requirement.id)
    ]
    concerns = f"; it concerns {_and(details)}" if details else ""
    return f"{requirement.name} favours {favoured.name}{concerns}."


def _bridging_situations(
    kg: KnowledgeGraph, reasons: Sequence[RecommendationReason]
) -> tuple[RecommendationReason, ...]:
    """Reasons of the situations favouring COMBINED whose concerns meet every platform's side.

    A situation bridges requirements favouring different platforms when, for each
    of those platforms, it concerns something one of the requirements favouring that
    platform concerns (e.g. isolation *and* fast deployment).
    """
    concerned: dict[Choice, set[str]] = {}
    for reason in reasons:
        ids = {c.id for c in _concerns(kg, reason.requirement.id)}
        concerned.setdefault(reason.favours, set()).update(ids)
    given = {r.requirement.id for r in reasons}
    bridging = []
    for situation in kg.entities(EntityKind.SITUATION):
        if situation.id in given:
            continue
        own = {c.id for c in _concerns(kg, situation.id)}
        if all(own & ids for choice, ids in concerned.items() if choice is not Choice.COMBINED):
            bridging += [r for r in _reasons(kg, situation) if r.favours is Choice.COMBINED]
    return tuple(bridging)


def _entity_for(
    kg: KnowledgeGraph, choice: Choice, reasons: Iterable[RecommendationReason]
) -> Entity | None:
    """The entity standing for ``choice``: the first favoured one, else any carrying it."""
    for reason in reasons:
        if reason.favours is choice:
            return reason.favoured
    for kind in (EntityKind.ARCHITECTURE, EntityKind.PLATFORM):
        for entity in kg.entities(kind):
            if entity.attributes.get("choice") == choice.value:
                return entity
    return None


def _rationale(
    choice: Choice,
    favoured: Entity | None,
    reasons: Sequence[RecommendationReason],
    situations: Sequence[RecommendationReason] | None,
) -> str:
    """``Choose <answer> because <who> favour(s) <what>[; the notes combine both for: …].``

    ``situations`` is None unless the requirements favour different platforms.
    """
    by_target: dict[str, list[RecommendationReason]] = {}
    for reason in reasons:
        by_target.setdefault(reason.favoured.id, []).append(reason)
    clauses = [
        f"{_and([r.requirement.name for r in group])} "
        f"{'favours' if len(group) == 1 else 'favour'} {group[0].favoured.name}"
        for group in by_target.values()
    ]
    answer = favoured.name if favoured is not None else choice.name.replace("_", " ").lower()
    sentence = f"Choose {answer} because {_and(clauses)}"
    if situations is not None:
        if situations:
            names = _and([s.requirement.name for s in situations])
            sentence += f"; the notes combine both for: {names}"
        elif all(r.favours is not Choice.COMBINED for r in reasons):
            sentence += "; no single platform serves them all"
    return sentence + "."


def _and(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]

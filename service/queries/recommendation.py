"""Recommending what serves a set of requirements: one entity, or the one combining several.

Each requirement or situation ``favours`` the entities that serve it best. When every
requirement given favours the same entity, that entity is the answer. When they favour
different ones ("sides"), the answer is the entity that combines them: one the
requirements favour themselves, else the one the notes' "combine both when" situations
favour — those whose ``concerns`` bridge what the requirements on each side concern —
else any whose layers (``layer_of``) include every side. ``among`` restricts which
favoured entities count, for graphs that hold more than one pair of alternatives.

``choice`` is the answer in the terms of the built-in notes (VIRTUAL_MACHINE, CONTAINER
or COMBINED), read from the ``choice`` attribute of the favoured entities; it is None as
soon as one of them carries none (a platform drafted from another note, say).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from service.domain import Entity, EntityKind, RelationType, Source
from service.errors import EntityNotFound, InvalidArgument
from service.knowledge import KnowledgeGraph

RECOMMENDABLE_KINDS = (EntityKind.REQUIREMENT, EntityKind.SITUATION)


class Choice(Enum):
    """What a recommendation is in the built-in notes' terms; a favoured entity's ``choice``."""

    VIRTUAL_MACHINE = "VIRTUAL_MACHINE"
    CONTAINER = "CONTAINER"
    COMBINED = "COMBINED"


@dataclass(frozen=True, slots=True)
class RecommendationReason:
    """One requirement (or situation), what it favours, why, and the favours relation's sources.

    ``favours`` is the favoured entity's :class:`Choice`, None when it carries none.
    """

    requirement: Entity
    favoured: Entity
    favours: Choice | None
    explanation: str
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class Recommendation:
    """The answer for a set of requirements.

    ``favoured`` is the entity that serves them all (one they favour, or the one combining
    the sides they split into; None when the graph has none that combines them);
    ``favoured_entities`` every entity the reasons favour, first favoured first.
    ``situations`` are the reasons of the "combine both" situations that justify combining
    sides; ``sources`` gathers every reason's sources. ``choice`` is None unless every
    favoured entity carries a ``choice`` attribute.
    """

    choice: Choice | None
    favoured: Entity | None
    favoured_entities: tuple[Entity, ...]
    rationale: str
    reasons: tuple[RecommendationReason, ...]
    situations: tuple[RecommendationReason, ...]
    sources: tuple[Source, ...]


def requirements(kg: KnowledgeGraph) -> list[Entity]:
    """Every requirement and situation :func:`recommend` accepts, in id order: those with a
    ``favours`` relation."""
    found = [
        entity
        for kind in RECOMMENDABLE_KINDS
        for entity in kg.entities(kind)
        if kg.outgoing(entity.id, RelationType.FAVOURS)
    ]
    return sorted(found, key=lambda e: e.id)


def favourable(kg: KnowledgeGraph) -> list[str]:
    """Ids of the entities some requirement or situation favours (what ``among`` may name)."""
    return sorted(
        {r.target for e in requirements(kg) for r in kg.outgoing(e.id, RelationType.FAVOURS)}
    )


def recommend(
    kg: KnowledgeGraph, requirement_ids: Sequence[str], among: Sequence[str] | None = None
) -> Recommendation:
    """What serves all of ``requirement_ids``.

    Parameters
    ----------
    kg : the knowledge graph.
    requirement_ids : ids from :func:`requirements`; duplicates are ignored.
    among : when given, only ``favours`` relations to these entities count (ids from
        :func:`favourable`); the answer may still be the entity that combines them.

    Returns
    -------
    Recommendation : one reason per favours relation that counts. ``favoured`` is the
        entity every reason favours; when they split, the one combining the sides.

    Raises
    ------
    InvalidArgument : no requirement given; an id names an entity that is not one of
        :func:`requirements`; ``among`` is empty, names an entity nothing favours, or
        leaves a requirement favouring none of it (each message lists what is valid).
    EntityNotFound : an id names no entity (the message lists the valid ids).

    Examples
    --------
    >>> recommend(kg, ["strong-security-isolation", "fast-startup"]).favoured.id
    'vm-container-architecture'
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
    allowed = _among(kg, among)
    reasons: list[RecommendationReason] = []
    for requirement_id in dict.fromkeys(requirement_ids):
        found = _reasons(kg, kg.entity(requirement_id))
        counted = [r for r in found if allowed is None or r.favoured.id in allowed]
        if not counted:
            targets = ", ".join(r.favoured.id for r in found)
            raise InvalidArgument(
                "among",
                f"{requirement_id!r} favours none of {', '.join(sorted(allowed or ()))} "
                f"(it favours {targets})",
            )
        reasons += counted

    distinct = list({r.favoured.id: r.favoured for r in reasons}.values())
    combiners = [e for e in distinct if _combines(kg, e, [o for o in distinct if o != e])]
    sides = [e for e in distinct if e not in combiners]
    mixed = len(sides) > 1
    situations = _bridging_situations(kg, reasons, sides) if mixed else ()
    if len(distinct) == 1:
        favoured: Entity | None = distinct[0]
    elif combiners:
        favoured = combiners[0]
    elif situations:
        favoured = situations[0].favoured
    else:
        favoured = _combining_entity(kg, sides)
    choice = _choice_of(reasons)
    return Recommendation(
        choice=choice,
        favoured=favoured,
        favoured_entities=tuple(distinct),
        rationale=_rationale(choice, favoured, reasons, situations, mixed and not combiners),
        reasons=tuple(reasons),
        situations=situations,
        sources=tuple(dict.fromkeys(s for r in (*reasons, *situations) for s in r.sources)),
    )


def _among(kg: KnowledgeGraph, among: Sequence[str] | None) -> set[str] | None:
    if among is None:
        return None
    valid = favourable(kg)
    if not among:
        raise InvalidArgument(
            "among",
            f"name at least one entity, or omit the argument; valid ids: {', '.join(valid)}",
        )
    for entity_id in among:
        if entity_id not in kg:
            raise EntityNotFound(entity_id, "among", valid)
        if entity_id not in valid:
            raise InvalidArgument(
                "among", f"no requirement favours {entity_id!r}; valid ids: {', '.join(valid)}"
            )
    return set(among)


def _choice(entity: Entity) -> Choice | None:
    value = entity.attributes.get("choice")
    return Choice[str(value)] if value in Choice.__members__ else None


def _choice_of(reasons: Sequence[RecommendationReason]) -> Choice | None:
    """The built-in notes' answer: None unless every favoured entity carries a choice."""
    choices = [r.favours for r in reasons]
    if any(c is None for c in choices):
        return None
    platforms = set(choices) - {Choice.COMBINED}
    if len(platforms) > 1 or Choice.COMBINED in choices:
        return Choice.COMBINED
    (choice,) = platforms
    return choice


def _layers(kg: KnowledgeGraph, entity_id: str) -> set[str]:
    return {r.source for r in kg.incoming(entity_id, RelationType.LAYER_OF)}


def _combines(kg: KnowledgeGraph, entity: Entity, others: Sequence[Entity]) -> bool:
    """Whether ``entity`` stands for the combination of ``others``: its layers include them
    all, or (the built-in notes' way) its ``choice`` is COMBINED."""
    if _choice(entity) is Choice.COMBINED:
        return True
    layers = _layers(kg, entity.id)
    return bool(layers) and {o.id for o in others} <= layers


def _combining_entity(kg: KnowledgeGraph, sides: Sequence[Entity]) -> Entity | None:
    """An entity whose layers include every side (architectures first, then by id), else,
    when every side carries a choice, the entity whose choice is COMBINED."""
    layered = [{r.target for r in kg.outgoing(s.id, RelationType.LAYER_OF)} for s in sides]
    common = set.intersection(*layered) if layered else set()
    found = sorted(
        (kg.entity(i) for i in common),
        key=lambda e: (e.kind is not EntityKind.ARCHITECTURE, e.id),
    )
    if found:
        return found[0]
    if all(_choice(s) is not None for s in sides):
        for kind in (EntityKind.ARCHITECTURE, EntityKind.PLATFORM):
            for entity in kg.entities(kind):
                if _choice(entity) is Choice.COMBINED:
                    return entity
    return None


def _concerns(kg: KnowledgeGraph, entity_id: str) -> list[Entity]:
    return [kg.entity(r.target) for r in kg.outgoing(entity_id, RelationType.CONCERNS)]


def _reasons(kg: KnowledgeGraph, requirement: Entity) -> list[RecommendationReason]:
    reasons = []
    for relation in kg.outgoing(requirement.id, RelationType.FAVOURS):
        target = kg.entity(relation.target)
        reasons.append(
            RecommendationReason(
                requirement=requirement,
                favoured=target,
                favours=_choice(target),
                explanation=_explanation(kg, requirement, target),
                sources=relation.sources,
            )
        )
    return reasons


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
    kg: KnowledgeGraph, reasons: Sequence[RecommendationReason], sides: Sequence[Entity]
) -> tuple[RecommendationReason, ...]:
    """Reasons of the situations favouring what combines ``sides`` whose concerns meet each side.

    A situation bridges requirements favouring different entities when, for each of
    those entities, it concerns something one of the requirements favouring it concerns
    (e.g. isolation *and* fast deployment).
    """
    side_ids = {s.id for s in sides}
    concerned: dict[str, set[str]] = {}
    for reason in reasons:
        if reason.favoured.id in side_ids:
            ids = {c.id for c in _concerns(kg, reason.requirement.id)}
            concerned.setdefault(reason.favoured.id, set()).update(ids)
    given = {r.requirement.id for r in reasons}
    bridging = []
    for situation in kg.entities(EntityKind.SITUATION):
        if situation.id in given:
            continue
        own = {c.id for c in _concerns(kg, situation.id)}
        if all(own & ids for ids in concerned.values()):
            bridging += [r for r in _reasons(kg, situation) if _combines(kg, r.favoured, sides)]
    return tuple(bridging)


def _rationale(
    choice: Choice | None,
    favoured: Entity | None,
    reasons: Sequence[RecommendationReason],
    situations: Sequence[RecommendationReason],
    uncombined: bool,
) -> str:
    """``Choose <answer> because <who> favour(s) <what>[; the notes combine both for: …].``

    ``uncombined``: the reasons split into sides and none of them favours what combines them.
    """
    by_target: dict[str, list[RecommendationReason]] = {}
    for reason in reasons:
        by_target.setdefault(reason.favoured.id, []).append(reason)
    clauses = _and(
        [
            f"{_and([r.requirement.name for r in group])} "
            f"{'favours' if len(group) == 1 else 'favour'} {group[0].favoured.name}"
            for group in by_target.values()
        ]
    )
    if favoured is not None:
        answer = favoured.name
    elif choice is not None:
        answer = choice.name.replace("_", " ").lower()
    else:
        return f"No one entity serves them all: {clauses}."
    sentence = f"Choose {answer} because {clauses}"
    if situations:
        sentence += (
            f"; the notes combine both for: {_and([s.requirement.name for s in situations])}"
        )
    elif uncombined:
        sentence += "; no single platform serves them all"
    return sentence + "."


def _and(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]

"""The arguments of an embed: declared per answer, read from a query string, normalised.

Normalising makes equal questions get equal URLs (and ETags): arguments are put in
the answer's parameter order; a repeatable one may be repeated or comma-separated
(``dimensions=a,b`` is ``dimensions=a&dimensions=b``), its duplicates dropped; a
parameter may also respell values (the failure ``event``: ``pod-deleted`` is
``POD_DELETED``). Error messages name the argument and what is valid: from the graph, or
from the cluster scenarios served next to it (``serve --scenarios``).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from service.errors import EntityNotFound, InvalidArgument
from service.knowledge import KnowledgeGraph
from service.kube.model import ClusterSnapshot

Served = Mapping[str, ClusterSnapshot]
"""The imported cluster scenarios a server offers by name (``serve --scenarios``)."""
NOTHING_SERVED: Served = {}

LISTED = 30  # valid values listed in full in an error message; more get suggestions
SUGGESTED = 5


@dataclass(frozen=True, slots=True)
class Param:
    """One argument: its name, what it takes, and the values valid in a graph.

    ``valid`` lists the values an error message may offer, from the graph and the served
    scenarios (None: free text); ``normalise`` turns a value into its canonical spelling.
    """

    name: str
    help: str
    required: bool = True
    repeatable: bool = False
    valid: Callable[[KnowledgeGraph, Served], Sequence[str]] | None = None
    normalise: Callable[[str], str] | None = None


@dataclass(frozen=True, slots=True)
class Arguments:
    """Normalised arguments in parameter order: ``(name, values)``, absent ones left out."""

    items: tuple[tuple[str, tuple[str, ...]], ...]

    def get(self, name: str) -> str | None:
        values = self.values(name)
        return values[0] if values else None

    def one(self, name: str) -> str:
        value = self.get(name)
        assert value is not None, f"{name} is required"  # parse_arguments checked it
        return value

    def values(self, name: str) -> tuple[str, ...] | None:
        for key, values in self.items:
            if key == name:
                return values
        return None

    def query_string(self) -> str:
        """The canonical query string (repeatable arguments repeated)."""
        return urlencode([(k, v) for k, values in self.items for v in values])


def parse_arguments(
    answer: str,
    params: Sequence[Param],
    items: Iterable[tuple[str, str]],
    kg: KnowledgeGraph,
    served: Served = NOTHING_SERVED,
) -> Arguments:
    """Normalise query-string ``items`` into :class:`Arguments` of ``answer``'s ``params``.

    Raises
    ------
    InvalidArgument : an argument the answer does not take, a missing or empty one, or
        a single-valued one given twice (the field is the argument's name; the message
        lists the valid values from ``kg`` and ``served`` where there are few).
    """
    by_name = {p.name: p for p in params}
    given: dict[str, list[str]] = {}
    for key, value in items:
        param = by_name.get(key)
        if param is None:
            taken = ", ".join(by_name)
            raise InvalidArgument(key, f"{answer} takes no such argument; it takes {taken}")
        values = [v.strip() for v in value.split(",")] if param.repeatable else [value.strip()]
        given.setdefault(key, []).extend(v for v in values if v)
        if not param.repeatable and not value.strip():
            raise InvalidArgument(key, f"is empty; give {param.help}{_valid(param, kg, served)}")
        if not param.repeatable and len(given[key]) > 1:
            raise InvalidArgument(key, "given more than once; give it once")
    normalised = []
    for param in params:
        if param.name not in given:
            if param.required:
                raise InvalidArgument(
                    param.name, f"is required: give {param.help}{_valid(param, kg, served)}"
                )
            continue
        values = given[param.name]
        if param.normalise is not None:
            values = [param.normalise(v) for v in values]
        normalised.append((param.name, tuple(dict.fromkeys(values))))
    return Arguments(tuple(normalised))


def explain(
    params: Sequence[Param],
    kg: KnowledgeGraph,
    error: InvalidArgument | EntityNotFound,
    served: Served = NOTHING_SERVED,
) -> str:
    """The error's message; an unknown id the query gave no alternatives for gets some."""
    message = str(error)
    if not isinstance(error, EntityNotFound) or error.valid:
        return message
    param = next((p for p in params if p.name == error.field), None)
    return message if param is None else message + _valid(param, kg, served, error.entity_id)


def _valid(param: Param, kg: KnowledgeGraph, served: Served, wrong: str = "") -> str:
    """``; valid: a, b`` for a short list, else the closest matches to ``wrong``."""
    if param.valid is None:
        return ""
    valid = list(param.valid(kg, served))
    if not valid:
        return "; there are none in this graph"
    if len(valid) <= LISTED:
        return f"; valid: {', '.join(valid)}"
    close = difflib.get_close_matches(wrong, valid, n=SUGGESTED, cutoff=0.6) if wrong else []
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return f"{hint} ({len(valid)} valid ids, listed by /export/graph.json)"

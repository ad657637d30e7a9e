"""Where in the input a value came from, so that every complaint names it.

:class:`At` is a position (file and field path) plus the list every problem of one import
goes to; converters take one, descend with :meth:`At.at` and record with
:meth:`At.problem`, and carry on, so one run reports every mistake
(``nodes.json: items[3].status.allocatable.cpu: '12x' is not a Kubernetes quantity …``).
:class:`Quantities` parses each distinct quantity once per import (a 150,000-pod dump has a
few hundred distinct ones).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from service.errors import InvalidArgument, SnapshotProblem
from service.kube.quantities import parse_resource
from service.snapshots.decode import Quantity, join_path

_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")
MAX_PROBLEMS = 200  # reported in full; beyond that, a count


class At:
    """A position in the input: ``file``, ``path`` (``items[3].spec``) and the sink.

    A plain slotted class, not a dataclass: one is made per object imported.
    """

    __slots__ = ("file", "path", "problems")

    def __init__(self, file: str, path: str, problems: list[SnapshotProblem]) -> None:
        self.file = file
        self.path = path
        self.problems = problems

    def at(self, field: str) -> At:
        """The position of ``field`` below this one (``containers[0]``, ``.x`` joined)."""
        return At(self.file, join_path(self.path, field), self.problems)

    def problem(self, message: str, field: str = "") -> None:
        """Record ``message`` about this position (or ``field`` below it)."""
        self.problems.append(SnapshotProblem(self.file, join_path(self.path, field), message))

    def choice(self, value: str | None, allowed: Sequence[str], field: str, default: str) -> str:
        """``value`` if it is one of ``allowed`` (None: ``default``), else a problem and
        ``default``."""
        if value is None:
            return default
        if value in allowed:
            # the constant itself: msgspec's omit_defaults compares strings by identity
            return allowed[allowed.index(value)]
        self.problem(f"{value!r} is not one of {', '.join(allowed)}", field)
        return default


class Quantities:
    """Resource quantities parsed once per distinct (resource, text)."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, Quantity], int] = {}

    def parse(self, resource: str, value: Quantity, at: At) -> int | None:
        """The amount in the scheduler's unit, or None after recording the problem at ``at``."""
        key = (resource, value)
        known = self._known.get(key)
        if known is not None and type(value) is not bool:
            return known
        if isinstance(value, bool):
            at.problem(f"{value!r} is not a Kubernetes quantity")
            return None
        try:
            amount = parse_resource(resource, str(value), at.path)
        except InvalidArgument as exc:
            at.problem(str(exc).removeprefix(f"{exc.field}: "))
            return None
        self._known[key] = amount
        return amount

    def parse_map(self, values: dict[str, Quantity] | None, at: At) -> dict[str, int]:
        """Every quantity of a resource map (``requests``, ``allocatable``); bad ones left out."""
        amounts: dict[str, int] = {}
        for name, value in (values or {}).items():
            amount = self.parse(name, value, at.at(key_step(name)))
            if amount is not None:
                amounts[name] = amount
        return amounts


def key_step(key: str) -> str:
    """A map key as a path step: ``cpu`` → ``cpu``, ``nvidia.com/gpu`` → ``["nvidia.com/gpu"]``."""
    return key if _PLAIN_KEY.fullmatch(key) else f'["{key}"]'


def capped(problems: Sequence[SnapshotProblem]) -> list[SnapshotProblem]:
    """The first :data:`MAX_PROBLEMS` problems, and a last line counting the rest."""
    if len(problems) <= MAX_PROBLEMS:
        return list(problems)
    rest = len(problems) - MAX_PROBLEMS
    return [*problems[:MAX_PROBLEMS], SnapshotProblem("", "", f"… and {rest:,} more problems")]

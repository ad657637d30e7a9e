"""One small exception hierarchy for everything archgraph refuses on purpose.

Messages are written for the person who made the mistake: they name the field,
the id or the file:line that was wrong and, where it helps, what would be valid.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


class ArchgraphError(Exception):
    """Base class: an expected failure whose message is safe to show a user."""


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One mistake in a knowledge pack, located as ``file:line``."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class GraphDataError(ArchgraphError):
    """A knowledge pack is invalid; carries every problem found, not just the first, and
    the warnings met on the way (they often explain the problems: a cited document
    changed since the pack was anchored)."""

    def __init__(self, problems: Iterable[Problem], warnings: Iterable[Problem] = ()) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(set(problems)))
        self.warnings: tuple[Problem, ...] = tuple(warnings)
        super().__init__(str(self))

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the knowledge graph data:"
        lines = [head, *(f"  {p}" for p in self.problems)]
        if self.warnings:
            w = len(self.warnings)
            lines.append(f"{w} warning{'s' if w != 1 else ''}:")
            lines += [f"  {p}" for p in self.warnings]
        return "\n".join(lines)


class EntityNotFound(ArchgraphError):
    """An id names no entity of the graph."""

    def __init__(self, entity_id: str, field: str = "id", valid: Sequence[str] = ()) -> None:
        self.entity_id = entity_id
        self.field = field
        self.valid = tuple(valid)
        message = f"{field}: no entity with id {entity_id!r}"
        if self.valid:
            message += f"; valid ids: {', '.join(self.valid)}"
        super().__init__(message)


class InvalidArgument(ArchgraphError):
    """An argument is malformed or out of range; the message names the field and value."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True, slots=True)
class SnapshotProblem:
    """One mistake in a cluster snapshot: the file (``snapshot`` for text sent in a
    request), the field path in it (``items[3].status.allocatable.cpu``) and what is wrong."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return ": ".join(part for part in (self.file, self.path, self.message) if part)


class SnapshotError(InvalidArgument):
    """A cluster snapshot cannot be imported; carries every problem found, one per line
    (``file: path.to.field: message``), in the order they were met."""

    def __init__(self, problems: Iterable[SnapshotProblem], field: str = "snapshot") -> None:
        self.problems: tuple[SnapshotProblem, ...] = tuple(problems)
        super().__init__(field, "\n".join(str(p) for p in self.problems))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

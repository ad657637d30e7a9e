"""The one list of problems every reader of a knowledge pack adds to."""

from __future__ import annotations

from collections.abc import Iterator

from service.errors import Problem


class Problems:
    """Every mistake found while loading, in the order found, and every warning.

    Readers add to it and go on reading, so that a pack's author sees every mistake
    at once; the loader raises :class:`~service.errors.GraphDataError` with them all.
    Warnings (a review marker left in a drafted pack, a cited document changed since
    the pack was anchored) do not stop the load: they reach the graph as
    :attr:`~service.knowledge.KnowledgeGraph.warnings` and ``archgraph validate``
    prints them. Only :meth:`add` counts towards ``len``.
    """

    __slots__ = ("found", "warnings")

    def __init__(self) -> None:
        self.found: list[Problem] = []
        self.warnings: list[Problem] = []

    def add(self, file: str, line: int, message: str) -> None:
        self.found.append(Problem(file, line, message))

    def warn(self, file: str, line: int, message: str) -> None:
        self.warnings.append(Problem(file, line, message))

    def __len__(self) -> int:
        return len(self.found)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.found)

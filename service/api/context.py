"""What every resolver can reach: the graph being served (typed, not a dict)."""

from __future__ import annotations

from typing import Protocol

from strawberry.types import Info as _Info

from service.knowledge import KnowledgeGraph


class Context(Protocol):
    """The per-request context; the HTTP layer and the CLI each provide one."""

    kg: KnowledgeGraph


class PlainContext:
    """A context for in-process execution (CLI, tests)."""

    def __init__(self, kg: KnowledgeGraph) -> None:
        self.kg = kg


Info = _Info[Context, None]

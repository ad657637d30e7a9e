"""What every resolver can reach: the graph and the named cluster scenarios being served
(typed, not a dict)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Protocol

from strawberry.types import Info as _Info

from service.knowledge import KnowledgeGraph
from service.kube.model import ClusterSnapshot

NO_SCENARIOS: Mapping[str, ClusterSnapshot] = MappingProxyType({})


class Context(Protocol):
    """The per-request context; the HTTP layer and the CLI each provide one."""

    kg: KnowledgeGraph
    scenarios: Mapping[str, ClusterSnapshot]  # imported scenario files (serve --scenarios)


class PlainContext:
    """A context for in-process execution (CLI, tests)."""

    def __init__(
        self, kg: KnowledgeGraph, scenarios: Mapping[str, ClusterSnapshot] = NO_SCENARIOS
    ) -> None:
        self.kg = kg
        self.scenarios = scenarios


Info = _Info[Context, None]

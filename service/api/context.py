"""What every resolver can reach: the graph the request is answered from, the graph versions
kept, and the named cluster scenarios being served (typed, not a dict)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Protocol

from strawberry.types import Info as _Info

from service.knowledge import KnowledgeGraph
from service.kube.model import ClusterSnapshot
from service.packs.versions import GraphVersions

NO_SCENARIOS: Mapping[str, ClusterSnapshot] = MappingProxyType({})


class Context(Protocol):
    """The per-request context; the HTTP layer and the CLI each provide one."""

    kg: KnowledgeGraph  # the graph this request started with, to its end (reloads swap others)
    scenarios: Mapping[str, ClusterSnapshot]  # imported scenario files (serve --scenarios)
    versions: GraphVersions  # the graph versions the server keeps (``changes``)


class PlainContext:
    """A context for in-process execution (CLI, tests)."""

    def __init__(
        self,
        kg: KnowledgeGraph,
        scenarios: Mapping[str, ClusterSnapshot] = NO_SCENARIOS,
        versions: GraphVersions | None = None,
    ) -> None:
        self.kg = kg
        self.scenarios = scenarios
        self.versions = versions if versions is not None else GraphVersions.of(kg)


Info = _Info[Context, None]

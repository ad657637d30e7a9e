"""What the HTTP layer holds for the life of the process: above the cache, below the routes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import strawberry

from service.http.response_cache import ResponseCache
from service.knowledge import KnowledgeGraph
from service.kube.model import ClusterSnapshot
from service.settings import Settings


@dataclass
class AppState:
    settings: Settings
    schema: strawberry.Schema
    kg: KnowledgeGraph | None = None  # set once by the lifespan, then read-only
    responses: ResponseCache | None = None  # memoised /graphql answers; None: off
    # imported cluster scenarios by name (serve --scenarios), loaded once at start-up
    scenarios: Mapping[str, ClusterSnapshot] = field(default_factory=dict)

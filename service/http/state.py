"""What the HTTP layer holds for the life of the process: above the cache, below the routes."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from service.http.response_cache import ResponseCache
from service.knowledge import KnowledgeGraph
from service.settings import Settings


@dataclass
class AppState:
    settings: Settings
    schema: strawberry.Schema
    kg: KnowledgeGraph | None = None  # set once by the lifespan, then read-only
    responses: ResponseCache | None = None  # memoised /graphql answers; None: off

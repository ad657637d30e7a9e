"""What the HTTP layer holds for the life of the process."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import strawberry

from service.knowledge import KnowledgeGraph
from service.settings import Settings

if TYPE_CHECKING:
    from service.http.response_cache import ResponseCache


@dataclass
class AppState:
    settings: Settings
    schema: strawberry.Schema
    kg: KnowledgeGraph | None = None  # set once by the lifespan, then read-only
    responses: ResponseCache | None = None  # memoised /graphql answers; None: off

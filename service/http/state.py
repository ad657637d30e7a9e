"""What the HTTP layer holds for the life of the process."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from service.knowledge import KnowledgeGraph
from service.settings import Settings


@dataclass
class AppState:
    settings: Settings
    schema: strawberry.Schema
    kg: KnowledgeGraph | None = None  # set once by the lifespan, then read-only

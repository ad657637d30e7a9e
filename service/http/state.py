"""What the HTTP layer holds for the life of the process: above the cache, below the routes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import strawberry

from service.http.response_cache import ResponseCache
from service.knowledge import KnowledgeGraph
from service.kube.model import ClusterSnapshot
from service.packs.reload import LiveGraph
from service.settings import Settings


@dataclass
class AppState:
    settings: Settings
    schema: strawberry.Schema
    kg: KnowledgeGraph | None = None  # set by the lifespan, swapped whole by a reload
    responses: ResponseCache | None = None  # memoised /graphql answers; None: off
    # imported cluster scenarios by name (serve --scenarios), loaded once at start-up
    scenarios: Mapping[str, ClusterSnapshot] = field(default_factory=dict)
    # the graph versions kept and reloading them (service.http.live); ``kg`` is the current
    live: LiveGraph = field(default_factory=LiveGraph)
    # the graph was handed over at start (a gunicorn worker gets the arbiter's): reload the
    # packs once in the background, so a worker (re)started after an edit catches up
    catch_up: bool = False

"""What the HTTP layer holds for the life of the process: above the cache, below the routes."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

import strawberry

from service.http.response_cache import ResponseCache
from service.knowledge import KnowledgeGraph
from service.kube.model import ClusterSnapshot
from service.packs.reload import LiveGraph
from service.settings import Settings
from service.snapshots.scenario_file import encode_scenario


@dataclass
class AppState:
    settings: Settings
    schema: strawberry.Schema
    kg: KnowledgeGraph | None = None  # set by the lifespan, swapped whole by a reload
    responses: ResponseCache | None = None  # memoised /graphql answers; None: off
    # imported cluster scenarios by name (serve --scenarios), loaded once at start-up
    scenarios: Mapping[str, ClusterSnapshot] = field(default_factory=dict)
    scenario_digests: Mapping[str, str] = field(default_factory=dict)  # name -> content hash

    def serve_scenarios(self, scenarios: Mapping[str, ClusterSnapshot]) -> None:
        """Serve ``scenarios`` by name, with the content hash embeds put in their ETag (an
        imported scenario is not part of the graph version)."""
        self.scenarios = scenarios
        self.scenario_digests = {
            name: hashlib.sha256(encode_scenario(s)).hexdigest()[:16]
            for name, s in scenarios.items()
        }

    # the graph versions kept and reloading them (service.http.live); ``kg`` is the current
    live: LiveGraph = field(default_factory=LiveGraph)
    # the graph was handed over at start (a gunicorn worker gets the arbiter's): reload the
    # packs once in the background, so a worker (re)started after an edit catches up
    catch_up: bool = False

"""All configuration in one place, read from ``ARCHGRAPH_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Service settings. ``ARCHGRAPH_DATA`` is a ``:``-separated list of extra packs."""

    model_config = SettingsConfigDict(env_prefix="ARCHGRAPH_", frozen=True)

    data: Annotated[tuple[Path, ...], NoDecode] = Field(
        default=(), description="extra knowledge pack directories, merged over the built-in one"
    )
    scenarios: Annotated[tuple[Path, ...], NoDecode] = Field(
        default=(), description="directories of imported cluster scenario files, served by name"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    graphiql: bool = True

    # Limits and security (README, "Limits and security"): what one request may ask for.
    max_depth: int = Field(default=10, ge=1, description="deepest field nesting of a query")
    max_aliases: int = Field(default=15, ge=0, description="aliases in one query")
    max_tokens: int = Field(default=2000, ge=1, description="lexical tokens in one query")
    max_directives: int = Field(default=50, ge=0, description="directives in one query")
    max_cost: int = Field(
        default=50_000, ge=1, description="static cost: fields times the items lists may return"
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1, description="request body size; larger bodies get 413"
    )
    time_budget_seconds: float = Field(
        default=10.0, gt=0, description="time heavy resolvers (paths, simulation) may take"
    )
    response_cache_entries: int = Field(
        default=2048, ge=0, description="GraphQL answers kept in memory for repeats; 0: none"
    )
    response_cache_bytes: int = Field(
        default=64 * 1024 * 1024, ge=0, description="bytes those kept answers may take in all"
    )
    graceful_shutdown_seconds: int = Field(
        default=30, ge=0, description="how long in-flight requests may finish on SIGTERM"
    )

    # Live reload (README, "Live reload"): pick up edits of the packs without a restart.
    watch: bool = Field(default=False, description="reload when a pack file changes (--watch)")
    keep_versions: int = Field(
        default=5, ge=1, description="graph versions still answerable with version="
    )

    # Wiki embeds (/embed/...): how long caches keep them, which pages may fetch them.
    embed_max_age: int = Field(default=300, ge=0, description="Cache-Control max-age of embeds")
    embed_cors_origins: Annotated[list[str], NoDecode] = Field(
        default=[], description="origins allowed to fetch embeds (comma-separated; * for any)"
    )
    embed_base_url: str | None = Field(
        default=None, description="public base URL for embed permalinks (default: the request's)"
    )

    @field_validator("embed_cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
        return value

    @field_validator("data", "scenarios", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(Path(p) for p in value.split(":") if p)
        return value

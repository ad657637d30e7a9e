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
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    graphiql: bool = True

    @field_validator("data", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(Path(p) for p in value.split(":") if p)
        return value

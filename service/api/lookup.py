"""Root fields for finding entities: ``node``, ``entity``, ``entities``."""

from __future__ import annotations

import strawberry

from service.api.context import Info
from service.api.types import (
    Entity,
    EntityConnection,
    EntityEdge,
    EntityKind,
    Node,
    PageInfo,
    decode_cursor,
    encode_cursor,
)
from service.errors import InvalidArgument
from service.queries.lookup import find_entities

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50


@strawberry.type
class LookupQuery:
    @strawberry.field(description="Relay object lookup by global id (the entity's slug).")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        entity = info.context.kg.get(id)
        return Entity.from_domain(entity) if entity else None

    @strawberry.field(description="One entity by its stable slug, or null.")
    async def entity(self, info: Info, id: strawberry.ID) -> Entity | None:
        entity = info.context.kg.get(id)
        return Entity.from_domain(entity) if entity else None

    @strawberry.field(
        description=(
            "Entities, optionally of one kind and matching `search` (name, aliases, summary; "
            f"case-insensitive, best match first). `first` is 0..{MAX_PAGE_SIZE}."
        )
    )
    async def entities(
        self,
        info: Info,
        kind: EntityKind | None = None,
        search: str | None = None,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> EntityConnection:
        if not 0 <= first <= MAX_PAGE_SIZE:
            raise InvalidArgument("first", f"must be between 0 and {MAX_PAGE_SIZE}, got {first}")
        start = 0
        if after is not None:
            offset = decode_cursor(after)
            if offset is None:
                raise InvalidArgument("after", f"{after!r} is not a cursor of this connection")
            start = offset + 1
        found = find_entities(info.context.kg, kind, search)
        page = found[start : start + first]
        edges = [
            EntityEdge(cursor=encode_cursor(start + i), node=Entity.from_domain(e))
            for i, e in enumerate(page)
        ]
        return EntityConnection(
            total_count=len(found),
            page_info=PageInfo(
                has_next_page=start + len(page) < len(found),
                has_previous_page=start > 0,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            edges=edges,
        )

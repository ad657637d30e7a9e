"""The GraphQL schema: the root ``Query`` assembled from one class per capability."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.tools import merge_types

from service.api.changes import ChangesQuery
from service.api.cluster import ClusterQuery
from service.api.failure import FailureQuery
from service.api.limits import Limits
from service.api.lookup import LookupQuery
from service.api.masking import MaskUnexpectedErrors
from service.api.prepared import ArchgraphSchema
from service.api.reasoning import ReasoningQuery
from service.api.types import Entity
from service.errors import ArchgraphError

# Each capability contributes its root fields from its own module.
Query = merge_types(
    "Query", (LookupQuery, ReasoningQuery, FailureQuery, ClusterQuery, ChangesQuery)
)


def _is_user_error(error: GraphQLError) -> bool:
    """Errors meant for users: ours, and GraphQL's own (syntax, validation, coercion)."""
    original = error.original_error
    return original is None or isinstance(original, ArchgraphError | GraphQLError)


def build_schema(limits: Limits | None = None) -> ArchgraphSchema:
    """Assemble the schema; unexpected exceptions are masked (with an error id), user
    errors shown; documents are limit-checked and validated once per text (``limits``)."""
    return ArchgraphSchema(
        query=Query,
        types=[Entity],
        limits=limits,
        extensions=[_masking],
        masking=_masking(),
    )


def _masking() -> MaskUnexpectedErrors:
    return MaskUnexpectedErrors(should_mask_error=lambda e: not _is_user_error(e))


def schema_sdl(schema: strawberry.Schema | None = None) -> str:
    """The schema in SDL, exactly as committed in ``schema.graphql``."""
    return (schema or build_schema()).as_str() + "\n"

"""Unexpected exceptions become a generic message with an error id that is also in the log.

Users see ``Unexpected error (error id 3f2a9c41d07b).``; operators find the same id in the
log, next to the traceback. Nothing of the exception itself reaches the response.
"""

from __future__ import annotations

import logging
import secrets

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

log = logging.getLogger("archgraph.errors")

INTERNAL_ERROR = "INTERNAL_SERVER_ERROR"


def error_id_of(error: GraphQLError) -> str | None:
    """The error id of a masked error, or None for any other error."""
    extensions = error.extensions or {}
    if extensions.get("code") == INTERNAL_ERROR:
        return str(extensions.get("errorId"))
    return None


class MaskUnexpectedErrors(MaskErrors):
    """strawberry's ``MaskErrors``, with an error id in the message, the extensions and the log."""

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        error_id = secrets.token_hex(6)
        original = error.original_error
        log.error(
            "unexpected error %s at %s: %r",
            error_id,
            ".".join(str(p) for p in error.path or ()) or "-",
            original or error,
            exc_info=(type(original), original, original.__traceback__) if original else None,
            extra={"error_id": error_id},
        )
        return GraphQLError(
            message=f"Unexpected error (error id {error_id}).",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": INTERNAL_ERROR, "errorId": error_id},
        )

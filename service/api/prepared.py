"""Documents parsed, limit-checked and validated once per text, shared by every request.

strawberry's per-request validation-rule extensions (``QueryDepthLimiter``,
``MaxAliasesLimiter``) build new rule classes per request and so silently defeat its
``ValidationCache`` (strawberry issue 4635). Here the limits are checked by our own pass
(:mod:`service.api.limits`) and the result of parse + limits + validation is cached by
document text; :class:`PreparedDocumentsExtension` hands the cached document to
strawberry, whose own parsing and validation are then skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from inspect import isawaitable
from typing import Any, Literal, TypeGuard, cast

import strawberry
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    OperationType,
    execute,
    get_operation_ast,
    parse,
)
from graphql.validation.validate import ValidationAbortedError
from strawberry.execution import optimized_is_awaitable
from strawberry.extensions import MaskErrors, SchemaExtension
from strawberry.types.execution import ExecutionContext, ExecutionResult

from service.api.limits import LIMIT_EXCEEDED, Limits, check_limits, token_limit_error
from service.api.validation import rules_for, validate

log = logging.getLogger("archgraph.graphql")

# strawberry's faster check, typed as graphql-core wants it
_is_awaitable = cast("Callable[[Any], TypeGuard[Awaitable[Any]]]", optimized_is_awaitable)

CACHE_SIZE = 512
# Longer documents are prepared every time: caching them could pin much memory.
MAX_CACHED_LENGTH = 32 * 1024

Phase = Literal["parse", "limits", "validation"]


@dataclass(frozen=True, slots=True)
class PreparedDocument:
    """A document ready to execute (``errors`` empty), or why it is not."""

    document: DocumentNode | None  # None when it does not parse
    errors: tuple[GraphQLError, ...] = ()
    failed: Phase | None = None

    def operation(self, name: str | None) -> OperationDefinitionNode | None:
        """The operation a request selects, or None when ``name`` selects none."""
        if self.document is None:
            return None
        return get_operation_ast(self.document, name)

    def operation_type(self, name: str | None) -> OperationType | None:
        operation = self.operation(name)
        return operation.operation if operation else None


class PreparedDocuments:
    """An LRU cache of :class:`PreparedDocument` by document text, for one schema."""

    def __init__(self, limits: Limits, maxsize: int = CACHE_SIZE) -> None:
        self.limits = limits
        self.schema: GraphQLSchema | None = None
        self.preparations = 0  # how many documents were parsed and validated (not cached)
        self._cached: Callable[[str], PreparedDocument] = lru_cache(maxsize=maxsize)(self._prepare)

    def bind(self, schema: GraphQLSchema) -> None:
        self.schema = schema

    def clear(self) -> None:
        """Forget every prepared document (benchmarks of first-seen documents use it)."""
        self._cached.cache_clear()  # type: ignore[attr-defined]

    def prepare(self, text: str) -> PreparedDocument:
        """Parse, check limits and validate ``text`` (once per distinct short text)."""
        if len(text) > MAX_CACHED_LENGTH:
            return self._prepare(text)
        return self._cached(text)

    def _prepare(self, text: str) -> PreparedDocument:
        assert self.schema is not None, "bind() the schema first"
        self.preparations += 1
        try:
            document = parse(text, max_tokens=self.limits.max_tokens)
        except GraphQLSyntaxError as error:
            if "tokens. Parsing aborted" in error.message:
                return PreparedDocument(None, (token_limit_error(self.limits),), "limits")
            return PreparedDocument(None, (error,), "parse")
        refusals = check_limits(self.schema, document, self.limits)
        if refusals:
            return PreparedDocument(document, tuple(refusals), "limits")
        errors = [
            _too_complex() if isinstance(e, ValidationAbortedError) else e
            for e in validate(self.schema, document, rules_for(text))
        ]
        if errors:
            return PreparedDocument(document, tuple(errors), "validation")
        return PreparedDocument(document)


def _too_complex() -> GraphQLError:
    """graphql-core gave up validating (too many fields to compare, too many errors)."""
    return GraphQLError(
        "query is too complex to validate (too many fields, or too many errors); "
        "ask for fewer fields",
        extensions={"code": LIMIT_EXCEEDED, "limit": "validation"},
    )


class PreparedDocumentsExtension(SchemaExtension):
    """Gives strawberry the cached document and its cached validation result."""

    def __init__(self, documents: PreparedDocuments) -> None:
        self.documents = documents
        self.prepared: PreparedDocument | None = None

    def on_parse(self) -> Iterator[None]:
        context: ExecutionContext = self.execution_context
        if context.query is not None and context.graphql_document is None:
            self.prepared = self.documents.prepare(context.query)
            if self.prepared.document is None:
                raise self.prepared.errors[0]
            context.graphql_document = self.prepared.document
        yield

    def on_validate(self) -> Iterator[None]:
        if self.prepared is not None:
            self.execution_context.pre_execution_errors = list(self.prepared.errors)
        yield


class ArchgraphSchema(strawberry.Schema):
    """strawberry's schema, plus the prepared-document cache its requests share.

    :meth:`execute_prepared` runs a prepared document straight on graphql-core, masking
    errors with ``masking``: the HTTP endpoint uses it. :meth:`execute` (strawberry's, with
    its extensions) gives the same answers, for the CLI and tests.
    """

    def __init__(
        self,
        *,
        limits: Limits | None = None,
        extensions: Sequence[Any] = (),
        masking: MaskErrors | None = None,
        **kwargs: Any,
    ) -> None:
        self.documents = PreparedDocuments(limits or Limits())
        self.masking = masking
        documents = self.documents
        super().__init__(
            extensions=[*extensions, lambda: PreparedDocumentsExtension(documents)], **kwargs
        )
        self.documents.bind(self._schema)

    async def execute_prepared(
        self,
        document: DocumentNode,
        *,
        variable_values: dict[str, Any] | None = None,
        context_value: Any = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """Execute a document that :class:`PreparedDocuments` parsed and found valid.

        This is what :meth:`execute` does once its extensions are through (strawberry's
        executor class, so resolvers get strawberry's ``Info``), without their per-request
        set-up: an extension runner, an execution context and four hooks per request.
        """
        result = execute(
            self._schema,
            document,
            variable_values=variable_values,
            context_value=context_value,
            operation_name=operation_name,
            is_awaitable=_is_awaitable,
            executor_class=self.execution_context_class,
            operation_extensions=operation_extensions,
        )
        if isawaitable(result):
            result = await result
        errors = result.errors
        if errors:
            self.process_errors(errors)
            masking = self.masking
            if masking is not None:
                errors = [
                    masking.anonymise_error(e) if masking.should_mask_error(e) else e
                    for e in errors
                ]
        return ExecutionResult(data=result.data, errors=errors, extensions=result.extensions)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # strawberry logs every error with a traceback; user errors are no server fault,
        # and unexpected ones are logged once, with their error id, by the masking extension.
        for error in errors:
            log.debug("graphql error: %s", error.message)

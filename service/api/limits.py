"""Query limits in the spirit of graphql-armor, checked on the parsed document before execution.

Tokens are limited by the parser itself (``parse(max_tokens=...)``); depth, aliases,
directives and a static cost are measured here, in one pass over the document with
fragments expanded (and memoised, so a fragment bomb is measured as cheaply as it is
written). Every refusal is a :class:`GraphQLError` whose message names the limit and its
value, and whose ``extensions`` say which limit refused (``code: LIMIT_EXCEEDED``).

The static cost estimates how many objects an answer may hold: every field costs 1, and
the selection under a field is multiplied by how many items it may return: the field's
``first`` argument when it has one (a literal, else the argument's default), else
``assumed_list_size`` for a list field (the ``edges``/``nodes`` of a paginated field are
not multiplied twice). Introspection is costed as written: its lists are bounded by the
schema, and graphql-core's own rule limits how deeply it nests; its ``ofType`` chains add
no depth, since they cannot fan out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
    is_list_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef, TypeNameMetaFieldDef

if TYPE_CHECKING:
    from service.settings import Settings

LIMIT_EXCEEDED = "LIMIT_EXCEEDED"


@dataclass(frozen=True, slots=True)
class Limits:
    """What one GraphQL document may ask for (see the README, "Limits and security")."""

    max_depth: int = 10
    max_aliases: int = 15
    max_tokens: int = 2000
    max_directives: int = 50
    max_cost: int = 50_000
    assumed_list_size: int = 10

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_depth=settings.max_depth,
            max_aliases=settings.max_aliases,
            max_tokens=settings.max_tokens,
            max_directives=settings.max_directives,
            max_cost=settings.max_cost,
        )


def limit_error(limit: str, maximum: int | float, message: str) -> GraphQLError:
    """A refusal naming the limit (``maxDepth``...) and its value, for users and metrics."""
    return GraphQLError(
        message, extensions={"code": LIMIT_EXCEEDED, "limit": limit, "maximum": maximum}
    )


def refused_limit(error: GraphQLError) -> str | None:
    """The limit that refused a document, or None when ``error`` is no refusal."""
    extensions = error.extensions or {}
    if extensions.get("code") == LIMIT_EXCEEDED:
        return str(extensions.get("limit"))
    return None


def token_limit_error(limits: Limits) -> GraphQLError:
    return limit_error(
        "maxTokens",
        limits.max_tokens,
        f"query has more than {limits.max_tokens} tokens, the maximum",
    )


@dataclass(frozen=True, slots=True)
class Measure:
    """What a selection asks for; ``depth`` counts field levels, ``cost`` is the static cost."""

    depth: int = 0
    aliases: int = 0
    directives: int = 0
    cost: int = 0

    def __add__(self, other: Measure) -> Measure:
        return Measure(
            max(self.depth, other.depth),
            self.aliases + other.aliases,
            self.directives + other.directives,
            self.cost + other.cost,
        )


def measure_operation(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    limits: Limits,
) -> Measure:
    """Depth, aliases, directives and cost of one operation, fragments expanded."""
    return _Walker(schema, document, limits).operation(operation)


def check_limits(
    schema: GraphQLSchema, document: DocumentNode, limits: Limits
) -> list[GraphQLError]:
    """Every limit the document's operations exceed, as refusals (empty when within limits)."""
    walker = _Walker(schema, document, limits)
    worst = Measure()
    try:
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                measure = walker.operation(definition)
                worst = Measure(
                    max(worst.depth, measure.depth),
                    max(worst.aliases, measure.aliases),
                    max(worst.directives, measure.directives),
                    max(worst.cost, measure.cost),
                )
    except RecursionError:  # only a pathological chain of fragments gets here
        return [
            limit_error(
                "maxDepth",
                limits.max_depth,
                f"query nests too deeply to measure; the maximum depth is {limits.max_depth}",
            )
        ]
    errors = []
    if worst.depth > limits.max_depth:
        errors.append(
            limit_error(
                "maxDepth",
                limits.max_depth,
                f"query depth {worst.depth} exceeds the maximum depth of {limits.max_depth}",
            )
        )
    if worst.aliases > limits.max_aliases:
        errors.append(
            limit_error(
                "maxAliases",
                limits.max_aliases,
                f"query uses {worst.aliases} aliases, more than the maximum of {limits.max_aliases}",
            )
        )
    if worst.directives > limits.max_directives:
        errors.append(
            limit_error(
                "maxDirectives",
                limits.max_directives,
                f"query uses {worst.directives} directives, more than the maximum of "
                f"{limits.max_directives}",
            )
        )
    if worst.cost > limits.max_cost:
        errors.append(
            limit_error(
                "maxCost",
                limits.max_cost,
                f"query cost {worst.cost} exceeds the maximum cost of {limits.max_cost} "
                "(each field costs 1, times the items its parent lists may return); "
                "ask for fewer items (`first`) or less nesting",
            )
        )
    return errors


class _Walker:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode, limits: Limits) -> None:
        self.schema = schema
        self.limits = limits
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.memo: dict[tuple[str, bool], Measure] = {}
        self.in_progress: set[str] = set()

    def operation(self, node: OperationDefinitionNode) -> Measure:
        root = self.schema.get_root_type(node.operation)
        own = Measure(directives=len(node.directives or ()))
        return own + self.selection_set(node.selection_set, root, paginated=False)

    def selection_set(
        self, node: SelectionSetNode, parent: GraphQLNamedType | None, paginated: bool
    ) -> Measure:
        total = Measure()
        for selection in node.selections:
            directives = Measure(directives=len(selection.directives or ()))
            if isinstance(selection, FieldNode):
                total = total + directives + self.field(selection, parent, paginated)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total = (
                    total
                    + directives
                    + self.selection_set(selection.selection_set, inner, paginated)
                )
            elif isinstance(selection, FragmentSpreadNode):
                total = total + directives + self.fragment(selection.name.value, paginated)
        return total

    def fragment(self, name: str, paginated: bool) -> Measure:
        key = (name, paginated)
        if key in self.memo:
            return self.memo[key]
        definition = self.fragments.get(name)
        if definition is None or name in self.in_progress:
            return Measure()  # unknown or cyclic: validation reports it
        self.in_progress.add(name)
        try:
            inner = self.schema.get_type(definition.type_condition.name.value)
            measure = Measure(directives=len(definition.directives or ())) + self.selection_set(
                definition.selection_set, inner, paginated
            )
        finally:
            self.in_progress.discard(name)
        self.memo[key] = measure
        return measure

    def field(self, node: FieldNode, parent: GraphQLNamedType | None, paginated: bool) -> Measure:
        aliases = 1 if node.alias is not None else 0
        definition = self._definition(parent, node.name.value)
        if node.selection_set is None:
            return Measure(depth=1, aliases=aliases, cost=1)
        child_type = get_named_type(definition.type) if definition else None
        page = self._page_size(node, definition)
        introspection = node.name.value in ("__schema", "__type") or (
            parent is not None and parent.name.startswith("__")
        )
        if introspection:
            # introspection: bounded by the schema, and by graphql-core's introspection depth rule
            multiplier, child_paginated = 1, False
        elif page is not None:
            multiplier, child_paginated = page, True
        elif definition is not None and is_list_type(get_nullable_type(definition.type)):
            multiplier, child_paginated = (1 if paginated else self.limits.assumed_list_size), False
        else:
            multiplier, child_paginated = 1, False
        inner = self.selection_set(
            node.selection_set,
            child_type if child_type is not None and is_composite_type(child_type) else None,
            child_paginated,
        )
        chain = node.name.value == "ofType" and parent is not None and parent.name == "__Type"
        return Measure(
            depth=inner.depth + (0 if chain else 1),
            aliases=aliases + inner.aliases,
            directives=inner.directives,
            cost=1 + multiplier * inner.cost,
        )

    def _definition(self, parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
        if name == "__typename":
            return TypeNameMetaFieldDef
        if parent is self.schema.query_type and name in ("__schema", "__type"):
            return SchemaMetaFieldDef if name == "__schema" else TypeMetaFieldDef
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            field: GraphQLField | None = parent.fields.get(name)
            return field
        return None

    @staticmethod
    def _page_size(node: FieldNode, definition: GraphQLField | None) -> int | None:
        """The ``first`` a paginated field is given (a literal, else its default)."""
        if definition is None or "first" not in definition.args:
            return None
        for argument in node.arguments or ():
            if argument.name.value == "first":
                if isinstance(argument.value, IntValueNode):
                    value = int(argument.value.value)
                    return value if 0 <= value < 2**31 else None  # else validation says why
                if not isinstance(argument.value, VariableNode):
                    return None  # a wrong literal: validation reports it
        default = definition.args["first"].default_value
        return default if isinstance(default, int) else None

"""GraphQL validation as graphql-core's ``validate`` does it, with a leaner parallel visitor.

graphql-core runs its ~30 rules in one pass over the document: for every node, its
``ParallelVisitor`` loops over every rule, though most have nothing to do for that kind
of node, and it looks each rule's handlers up by name again in every validation. That
is most of the ~1.4 ms a first-seen example operation spends in validation. Here the
loop only visits the rules that handle the node's kind, and which handlers a rule class
has for a kind is looked up once per class; rules, order, errors and the abort on too
many errors are graphql-core's own (the spec's rules and strawberry's two).

The variable rules ask for each operation's variable usages, which graphql-core finds by
a second visit of the whole operation with its types (about 45 % of validating an example
operation with variables); here that visit skips every subtree whose source text has no
``$``, which no variable can be in (:class:`_LeanContext`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Collection
from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    ParallelVisitor,
    TypeInfo,
    TypeInfoVisitor,
    ValidationContext,
    Visitor,
    specified_rules,
    visit,
)
from graphql.language.visitor import BREAK, SKIP, EnterLeaveVisitor
from graphql.validation.rules import ASTValidationRule
from graphql.validation.validate import (
    FragmentNestingVisitor,
    ValidationAbortedError,
    query_document_keys_to_validate,
)
from graphql.validation.validation_context import (
    NodeWithSelectionSet,
    VariableUsage,
    VariableUsageVisitor,
)
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule

MAX_ERRORS = 100
# What strawberry's own validation runs (strawberry.schema.schema.validate_document).
RULES: tuple[type[ASTValidationRule], ...] = (
    *specified_rules,
    MaybeNullValidationRule,
    OneOfInputValidationRule,
)

# Rules that can only find fault with a construct the document's text must then contain:
# without an "@" there are no directives, without a "$" no variables, without "..." or the
# word "fragment" no fragments. Skipping them for such a text changes no result.
_NEEDS: dict[str, tuple[str, ...]] = {
    "@": (
        "KnownDirectivesRule",
        "UniqueDirectivesPerLocationRule",
        "DeferStreamDirectiveOnRootField",
        "DeferStreamDirectiveOnValidOperationsRule",
        "DeferStreamDirectiveLabel",
        "StreamDirectiveOnListField",
    ),
    "$": (
        "VariablesAreInputTypesRule",
        "UniqueVariableNamesRule",
        "NoUndefinedVariablesRule",
        "NoUnusedVariablesRule",
        "VariablesInAllowedPositionRule",
    ),
    "fragments": (
        "FragmentsOnCompositeTypesRule",
        "UniqueFragmentNamesRule",
        "KnownFragmentNamesRule",
        "NoUnusedFragmentsRule",
        "PossibleFragmentSpreadsRule",
        "NoFragmentCyclesRule",
    ),
}
_by_constructs: dict[tuple[bool, bool, bool], tuple[type[ASTValidationRule], ...]] = {}


def rules_for(text: str) -> tuple[type[ASTValidationRule], ...]:
    """:data:`RULES`, less those that cannot apply to a document written as ``text``."""
    present = ("@" in text, "$" in text, "..." in text or "fragment" in text)
    rules = _by_constructs.get(present)
    if rules is None:
        absent = {
            name
            for construct, there in zip(("@", "$", "fragments"), present, strict=True)
            if not there
            for name in _NEEDS[construct]
        }
        rules = _by_constructs[present] = tuple(r for r in RULES if r.__name__ not in absent)
    return rules


Handler = Callable[..., Any]
_handler_names: dict[tuple[type, str], tuple[str | None, str | None]] = {}


def _names(cls: type, kind: str) -> tuple[str | None, str | None]:
    """The names of the enter and leave handlers ``cls`` has for ``kind`` (once per class)."""
    key = (cls, kind)
    names = _handler_names.get(key)
    if names is None:
        enter = next((n for n in (f"enter_{kind}", "enter") if getattr(cls, n, None)), None)
        leave = next((n for n in (f"leave_{kind}", "leave") if getattr(cls, n, None)), None)
        names = _handler_names[key] = (enter, leave)
    return names


class _LeanParallelVisitor(ParallelVisitor):
    """graphql-core's ``ParallelVisitor``, looping only over the rules a kind concerns.

    A rule skips a subtree when its ``enter`` says so and stops skipping at the ``leave``
    of that node, so the ``leave`` loop covers the rules with an ``enter`` or a ``leave``
    for the kind: exactly the ones graphql-core's loop would act on.
    """

    def get_enter_leave_for_kind(self, kind: str) -> EnterLeaveVisitor:
        cached = self.enter_leave_map.get(kind)
        if cached is not None:
            return cached
        enters: list[tuple[int, Handler]] = []
        leaves: list[tuple[int, Handler | None]] = []
        for i, visitor in enumerate(self.visitors):
            enter_name, leave_name = _names(type(visitor), kind)
            enter = getattr(visitor, enter_name) if enter_name else None
            leave = getattr(visitor, leave_name) if leave_name else None
            if enter is not None:
                enters.append((i, enter))
            if enter is not None or leave is not None:
                leaves.append((i, leave))
        enter_pairs, leave_pairs = tuple(enters), tuple(leaves)
        skipping = self.skipping

        def enter_all(node: Any, *args: Any) -> Any:
            for i, fn in enter_pairs:
                if not skipping[i]:
                    result = fn(node, *args)
                    if result is None:
                        continue
                    if result is SKIP or result is False:
                        skipping[i] = node
                    elif result is BREAK or result is True:
                        skipping[i] = BREAK
                    else:
                        return result
            return None

        def leave_all(node: Any, *args: Any) -> Any:
            for i, fn in leave_pairs:
                if not skipping[i]:
                    if fn:
                        result = fn(node, *args)
                        if result is None:
                            continue
                        if result is BREAK or result is True:
                            skipping[i] = BREAK
                        elif result is not SKIP and result is not False:
                            return result
                elif skipping[i] is node:
                    skipping[i] = None
            return None

        enter_leave = EnterLeaveVisitor(
            enter_all if enter_pairs else None, leave_all if leave_pairs else None
        )
        self.enter_leave_map[kind] = enter_leave
        return enter_leave


class _LeanContext(ValidationContext):
    """graphql-core's context, finding a definition's variable usages (``get_variable_usages``:
    the variable rules ask for every operation's and fragment's) by graphql-core's own
    visitor, in a visit that skips the subtrees whose source has no ``$``: the usages and
    the types they are read with are the same, as the types a subtree's nodes are given
    depend only on their ancestors. Without source locations, every node is visited."""

    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        type_info: TypeInfo,
        on_error: Callable[[GraphQLError], None],
    ) -> None:
        super().__init__(schema, document, type_info, on_error)
        self._types = type_info
        self._usages: dict[NodeWithSelectionSet, list[VariableUsage]] = {}
        self._dollars: list[int] | None = None  # where the text has a "$", in order
        if document.loc is not None:
            text = document.loc.source.body
            self._dollars = []
            at = text.find("$")
            while at >= 0:
                self._dollars.append(at)
                at = text.find("$", at + 1)

    def get_variable_usages(self, node: NodeWithSelectionSet) -> list[VariableUsage]:
        usages = self._usages.get(node)
        if usages is None:
            fragment = node if isinstance(node, FragmentDefinitionNode) else None
            finder = VariableUsageVisitor(self._types, fragment)
            walker: Visitor = finder
            if self._dollars is not None:
                walker = _WhereVariablesMayBe(finder, self._dollars)
            # a definition without a "$" has none (and graphql-core's visit cannot skip its root)
            if walker is finder or not _without(node, self._dollars):
                visit(node, TypeInfoVisitor(self._types, walker))
            usages = self._usages[node] = finder.usages
        return usages


def _without(node: Any, dollars: list[int] | None) -> bool:
    """Whether ``node``'s source text has no ``$`` (False: unknown, no location)."""
    loc = node.loc
    if loc is None or dollars is None:
        return False
    i = bisect_left(dollars, loc.start)
    return i == len(dollars) or dollars[i] >= loc.end


class _WhereVariablesMayBe(Visitor):
    """``visitor``'s visit, less the subtrees whose source text has no ``$`` (a string or a
    comment with one is visited for nothing)."""

    def __init__(self, visitor: Visitor, dollars: list[int]) -> None:
        super().__init__()
        self.visitor, self.dollars = visitor, dollars

    def enter(self, node: Any, *args: Any) -> Any:
        if _without(node, self.dollars):
            return SKIP
        fn = self.visitor.get_enter_leave_for_kind(node.kind).enter
        return fn(node, *args) if fn else None

    def leave(self, node: Any, *args: Any) -> Any:
        fn = self.visitor.get_enter_leave_for_kind(node.kind).leave
        return fn(node, *args) if fn else None


def validate(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: Collection[type[ASTValidationRule]] = RULES,
    max_errors: int = MAX_ERRORS,
) -> list[GraphQLError]:
    """The errors of ``document`` against ``schema`` (graphql-core's ``validate``, leaner).

    Too many errors, or fragments nested past the interpreter's recursion limit, end
    validation with a :class:`ValidationAbortedError` as the last error.
    """
    errors: list[GraphQLError] = []
    type_info = TypeInfo(schema)

    def on_error(error: GraphQLError) -> None:
        if len(errors) >= max_errors:
            raise ValidationAbortedError(
                "Too many validation errors, error limit reached. Validation aborted."
            )
        errors.append(error)

    context = _LeanContext(schema, document, type_info, on_error)
    visitors: list[Visitor] = [rule(context) for rule in rules]
    fragments = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    if fragments:
        visitors.insert(0, FragmentNestingVisitor(fragments))
    try:
        visit(
            document,
            TypeInfoVisitor(type_info, _LeanParallelVisitor(visitors)),
            query_document_keys_to_validate,
        )
    except ValidationAbortedError as error:
        error.__context__ = None
        errors.append(error.with_traceback(None))
    except RecursionError:
        errors.append(ValidationAbortedError("Validation aborted."))
    return errors

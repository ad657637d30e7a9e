"""The leaner validation finds exactly what graphql-core's ``validate`` finds."""

from __future__ import annotations

from pathlib import Path

import pytest
import strawberry
from graphql import TypeInfo, ValidationContext, parse
from graphql import validate as graphql_validate

from service.api.validation import RULES, _LeanContext, rules_for, validate

EXAMPLES = Path(__file__).resolve().parents[2] / "clients" / "queries"
# Variables deep in input objects and lists, in directives and fragments, next to strings
# and comments with a "$", some undefined, unused or in the wrong place.
VARIABLES = (
    'query ($n: String!, $c: String, $m: String = "1Gi", $r: Boolean) {\n'
    '  failureConsequences(event: NODE_DOWN, target: "$n", scenario: {\n'
    '    nodes: [{name: $n, cpu: $c, memory: $m, ready: $r}, {name: "b", cpu: "1", memory: $m}]\n'
    "    deployments: [{name: $n, replicas: $k, cpu: $c, memory: $m}]\n"
    "  }) { event ... on FailureAnalysis @include(if: $r) { event } }\n"
    "}",
    "# $ in a comment\n"
    "query A($id: ID!, $x: Boolean!) { entity(id: $id) { ...F name @skip(if: $x) } }\n"
    'query B { entity(id: "$id") { ...F } }\n'
    "fragment F on Entity { kind @include(if: $x) }",
    "query ($first: Int = 5, $s: String) { entities(search: $s, first: $first) { totalCount } }",
    "query ($first: Int, $kind: EntityKind) { entities(kind: $kind, first: $first) { totalCount } }",
)


@pytest.mark.parametrize(
    "document",
    [
        *(path.read_text() for path in sorted(EXAMPLES.glob("*.graphql"))),  # the contract's
        "{ nope }",  # an unknown field
        "query A { __typename } query A { __typename }",  # duplicate operation names
        '{ entity(id: "x") { ...F } } fragment F on Entity { ...G } '
        "fragment G on Entity { ...F }",  # a fragment cycle
        "{ __typename @skip(if: true) @skip(if: true) }",  # a repeated directive
        "{ __typename @nope }",  # an unknown directive
        "query ($a: Int) { __typename }",  # an unused variable
        "{ entity(id: $missing) { name } }",  # an undefined variable
        "{ entity { name } }",  # a missing required argument
        "fragment X on Nope { a } { __typename }",  # an unknown type, an unused fragment
        '{ entity(id: "x") { ... on Entity { name } name: kind } }',  # fields that conflict
        "query ($id: Int) { entity(id: $id) { name } }",  # a variable in the wrong position
        *VARIABLES,
    ],
)
def test_lean_validation_reports_what_graphql_core_reports(
    schema: strawberry.Schema, document: str
) -> None:
    ast = parse(document)
    expected = [e.formatted for e in graphql_validate(schema._schema, ast, RULES)]
    assert [e.formatted for e in validate(schema._schema, ast, rules_for(document))] == expected
    assert [e.formatted for e in validate(schema._schema, ast)] == expected


def test_rules_that_cannot_apply_are_left_out() -> None:
    plain = {rule.__name__ for rule in rules_for("{ __typename }")}
    assert "NoUnusedVariablesRule" not in plain
    assert "KnownDirectivesRule" not in plain
    assert "NoFragmentCyclesRule" not in plain
    assert len(rules_for("query ($a: Int) { x @skip(if: $a) ...F } fragment F on Q { y }")) == len(
        RULES
    )


def test_too_many_errors_abort_validation(schema: strawberry.Schema) -> None:
    document = parse("{ " + " ".join(f"nope{i}" for i in range(120)) + " }")
    errors = validate(schema._schema, document)
    assert len(errors) == 101
    assert errors[-1].message == (
        "Too many validation errors, error limit reached. Validation aborted."
    )


@pytest.mark.parametrize(
    "document", [*(p.read_text() for p in sorted(EXAMPLES.glob("*.graphql"))), *VARIABLES]
)
def test_variable_usages_are_graphql_cores(schema: strawberry.Schema, document: str) -> None:
    """The context's variable usages, found by a visit that skips the subtrees without a
    "$", are graphql-core's for every operation and fragment: same variables, in order, read
    with the same types and defaults."""
    ast = parse(document)
    ours = _LeanContext(schema._schema, ast, TypeInfo(schema._schema), lambda error: None)
    theirs = ValidationContext(schema._schema, ast, TypeInfo(schema._schema), lambda error: None)
    for definition in ast.definitions:
        expected = theirs.get_variable_usages(definition)  # type: ignore[arg-type]
        got = ours.get_variable_usages(definition)  # type: ignore[arg-type]
        assert [
            (u.node.name.value, str(u.type), str(u.parent_type), u.default_value) for u in got
        ] == [
            (u.node.name.value, str(u.type), str(u.parent_type), u.default_value) for u in expected
        ]
        assert [u.node for u in got] == [u.node for u in expected]

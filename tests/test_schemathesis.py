"""schemathesis against the GraphQL schema the app serves (introspected from the running app):
generated queries for every root field, answered without a single server error.

Bounded and deterministic: a few examples per root field, derandomized, no example database.
(schemathesis' own pytest integration is not used: its lazy fixtures break on pytest 9.)
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.graphql.schemas import GraphQLSchema

from service.api.schema import build_schema
from service.http.app import create_app
from service.knowledge import KnowledgeGraph

ROOT_FIELDS = sorted(build_schema()._schema.query_type.fields)  # type: ignore[union-attr]
EXAMPLES_PER_FIELD = 50


@pytest.fixture(scope="module")
def served_schema(kg: KnowledgeGraph) -> GraphQLSchema:
    """The schema as the app serves it, read by introspection over the ASGI interface."""
    schema: GraphQLSchema = schemathesis.graphql.from_asgi("/graphql", create_app(kg=kg))
    return schema


def check(case: Any) -> None:
    response = case.call()
    assert response.status_code < 500, response.text[:1000]
    payload = response.json()
    messages = [error.get("message", "") for error in payload.get("errors") or ()]
    assert not [m for m in messages if m.startswith("Unexpected error")], (case.body, messages)
    assert response.status_code == 200 or messages, response.text[:1000]


@pytest.mark.parametrize("field", ROOT_FIELDS)
def test_generated_queries_never_get_a_server_error(
    served_schema: GraphQLSchema, field: str
) -> None:
    [operation] = [
        result.ok()
        for result in served_schema.get_all_operations()
        if result.ok().label == f"Query.{field}"
    ]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_FIELD,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        check(case)

    run()

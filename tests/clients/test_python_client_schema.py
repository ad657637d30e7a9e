"""The Python client's documents and enums checked against the schema, so drift fails here."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import graphql
import pytest
from archgraph_client import (
    Choice,
    Direction,
    EntityKind,
    FailureEvent,
    LossScope,
    RelationType,
    Side,
)
from archgraph_client.documents import ALL as DOCUMENTS

from service.api.schema import schema_sdl

SCHEMA_FILE = Path(__file__).parents[2] / "schema.graphql"


def _root_fields(schema: graphql.GraphQLSchema) -> set[str]:
    query = schema.query_type
    return set(query.fields) if query else set()


@pytest.mark.parametrize(
    "sdl_source",
    [
        "code",  # the schema the service builds now
        "schema.graphql",  # the committed SDL that other tools read
    ],
)
@pytest.mark.parametrize("field", sorted(DOCUMENTS))
def test_every_client_document_is_valid_against_the_schema(sdl_source: str, field: str) -> None:
    sdl = schema_sdl() if sdl_source == "code" else SCHEMA_FILE.read_text()
    schema = graphql.build_schema(sdl)
    if field not in _root_fields(schema):
        pytest.skip(f"{sdl_source} has no Query.{field} yet")

    errors = graphql.validate(schema, graphql.parse(DOCUMENTS[field]))

    assert [e.message for e in errors] == []


@pytest.mark.parametrize(
    ("enum", "name"),
    [
        (EntityKind, "EntityKind"),
        (RelationType, "RelationType"),
        (Direction, "Direction"),
        (Side, "Side"),
        (Choice, "Choice"),
        (FailureEvent, "FailureEvent"),
        (LossScope, "LossScope"),
    ],
)
def test_the_client_enums_have_exactly_the_schema_values(enum: type[StrEnum], name: str) -> None:
    schema_enum = graphql.build_schema(schema_sdl()).get_type(name)
    if schema_enum is None:
        pytest.skip(f"the schema has no enum {name} yet")
    assert isinstance(schema_enum, graphql.GraphQLEnumType)

    assert [m.value for m in enum] == list(schema_enum.values)


@pytest.mark.parametrize("field", sorted(DOCUMENTS))
def test_every_client_document_fits_the_servers_default_limits(field: str) -> None:
    limits = pytest.importorskip("service.api.limits")
    schema = graphql.build_schema(schema_sdl())
    if field not in _root_fields(schema):
        pytest.skip(f"the schema has no Query.{field} yet")

    errors = limits.check_limits(schema, graphql.parse(DOCUMENTS[field]), limits.Limits())

    assert [e.message for e in errors] == []

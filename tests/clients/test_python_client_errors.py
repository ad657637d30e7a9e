"""How the Python client reports failures: GraphQL errors, HTTP errors, no answer, odd answers."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from archgraph_client import (
    ArchgraphClient,
    ArchgraphConnectionError,
    ArchgraphHTTPError,
    ArchgraphQueryError,
    ArchgraphResponseError,
)

RequireField = Callable[[str], None]

UNKNOWN_REQUIREMENT = (
    "requirements: no entity with id 'multi-cloud'; valid ids: different-operating-systems, "
    "fast-startup, hardware-isolation-with-container-flexibility, high-portability, "
    "kernel-customization, kubernetes-on-cloud, legacy-full-os, low-overhead, "
    "near-native-performance, regulatory-isolation, secure-separation-with-fast-deployment, "
    "simple-operations, split-infrastructure-and-application-teams, strong-security-isolation"
)


def test_an_unknown_requirement_is_a_query_error_listing_the_valid_ids(
    archgraph: ArchgraphClient, require_field: RequireField
) -> None:
    require_field("recommendation")

    with pytest.raises(ArchgraphQueryError) as caught:
        archgraph.recommendation(["strong-security-isolation", "multi-cloud"])

    assert caught.value.messages == [UNKNOWN_REQUIREMENT]
    assert caught.value.errors[0].path == ("recommendation",)
    assert str(caught.value) == f"{UNKNOWN_REQUIREMENT} (at recommendation)"
    assert caught.value.data is None


def test_an_unknown_field_is_a_query_error_with_its_location(archgraph: ArchgraphClient) -> None:
    with pytest.raises(ArchgraphQueryError) as caught:
        archgraph.execute('{ entity(id: "container") { name colour } }')

    message = "Cannot query field 'colour' on type 'Entity'."
    assert caught.value.messages == [message]
    assert caught.value.errors[0].locations == ((1, 34),)
    assert str(caught.value) == f"{message} (line 1, column 34)"


def test_every_graphql_error_is_kept(archgraph: ArchgraphClient) -> None:
    with pytest.raises(ArchgraphQueryError) as caught:
        archgraph.execute('{ entity(id: "pod") { name colour } entities { size } }')

    assert [(e.message, e.locations) for e in caught.value.errors] == [
        ("Cannot query field 'colour' on type 'Entity'.", ((1, 28),)),
        ("Cannot query field 'size' on type 'EntityConnection'.", ((1, 48),)),
    ]
    assert str(caught.value) == (
        "2 GraphQL errors:\n"
        "  Cannot query field 'colour' on type 'Entity'. (line 1, column 28)\n"
        "  Cannot query field 'size' on type 'EntityConnection'. (line 1, column 48)"
    )


@pytest.mark.e2e
def test_a_wrong_path_is_an_http_error_with_status_and_body(live_server: str) -> None:
    with (
        ArchgraphClient(f"{live_server}/v2") as client,
        pytest.raises(ArchgraphHTTPError) as caught,
    ):
        client.entity("container")

    assert caught.value.status_code == 404
    assert caught.value.body_excerpt == '{"detail":"Not Found"}'
    assert str(caught.value) == (
        f'HTTP 404 Not Found from {live_server}/v2/graphql: {{"detail":"Not Found"}}'
    )


def test_a_server_error_page_is_cut_to_an_excerpt() -> None:
    page = "<html><body>" + "Bad gateway. " * 100 + "</body></html>"
    transport = httpx.MockTransport(lambda request: httpx.Response(502, text=page))

    with (
        ArchgraphClient("http://proxy.test", transport=transport) as client,
        pytest.raises(
            ArchgraphHTTPError,
            match=r"^HTTP 502 Bad Gateway from http://proxy.test/graphql: <html>",
        ) as caught,
    ):
        client.requirements()

    assert caught.value.body == page
    assert len(caught.value.body_excerpt) == 500
    assert caught.value.body_excerpt.endswith("…")


def test_nothing_listening_is_a_connection_error(unused_url: str) -> None:
    with ArchgraphClient(unused_url) as client, pytest.raises(ArchgraphConnectionError) as caught:
        client.entity("container")

    assert caught.value.url == f"{unused_url}/graphql"
    assert str(caught.value).startswith(
        f"could not reach archgraph at {unused_url}/graphql: ConnectError"
    )
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


def test_a_timeout_is_a_connection_error_naming_the_timeout() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("", request=request)

    client = ArchgraphClient("http://slow.test", transport=httpx.MockTransport(hang))
    with client, pytest.raises(ArchgraphConnectionError) as caught:
        client.requirements()

    assert str(caught.value) == "could not reach archgraph at http://slow.test/graphql: ReadTimeout"


@pytest.mark.parametrize(
    ("response", "problem"),
    [
        # a proxy's login page instead of the API
        (
            httpx.Response(200, text="<html>login</html>", headers={"content-type": "text/html"}),
            "the body is not JSON (text/html): '<html>login</html>'",
        ),
        # JSON, but not a GraphQL response
        (httpx.Response(200, json={"status": "ok"}), "the body is JSON but not a GraphQL response"),
        # a server whose Entity lost a field the client needs
        (
            httpx.Response(200, json={"data": {"entity": {"id": "container"}}}),
            "entity: the data does not match the client's types (KeyError('kind'))",
        ),
    ],
)
def test_an_answer_that_is_not_the_expected_graphql_is_a_response_error(
    response: httpx.Response, problem: str
) -> None:
    transport = httpx.MockTransport(lambda request: response)

    client = ArchgraphClient("http://odd.test", transport=transport)
    with client, pytest.raises(ArchgraphResponseError) as caught:
        client.entity("container")

    assert caught.value.problem == problem
    assert str(caught.value) == f"unexpected response from http://odd.test/graphql: {problem}"


def test_a_bare_string_of_ids_is_refused_before_sending() -> None:
    with (
        ArchgraphClient(
            "http://never.test", transport=httpx.MockTransport(lambda r: httpx.Response(500))
        ) as client,
        pytest.raises(
            TypeError, match="requirements must be a list of ids, not the string 'fast-startup'"
        ),
    ):
        client.recommendation("fast-startup")

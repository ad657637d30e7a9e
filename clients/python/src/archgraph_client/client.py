"""``ArchgraphClient`` and ``AsyncArchgraphClient``: the contract's root fields as typed methods.

Both take their httpx transport from outside: none for a real socket, or e.g.
``httpx.ASGITransport(app=app)`` to talk to an app in-process (async client only;
httpx's ASGI transport is async).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx

from archgraph_client import operations, protocol
from archgraph_client.cluster import Resilience, ScenarioSummary, SchedulingResult
from archgraph_client.entities import Entity, EntityConnection, EntityDetail, EntityKind
from archgraph_client.failure import (
    AutoscalerInput,
    ClusterScenarioInput,
    FailureAnalysis,
    FailureEvent,
)
from archgraph_client.operations import DEFAULT_MAX_HOPS, DEFAULT_PAGE_SIZE, Operation
from archgraph_client.reasoning import BlastRadius, Comparison, Recommendation, StackPath

T = TypeVar("T")

GRAPHQL_PATH = "/graphql"
DEFAULT_TIMEOUT = 10.0


def _headers(extra: Mapping[str, str] | None) -> dict[str, str]:
    return {**protocol.HEADERS, **(extra or {})}


class ArchgraphClient:
    """A synchronous client.

    >>> with ArchgraphClient("http://127.0.0.1:8000") as archgraph:  # doctest: +SKIP
    ...     archgraph.comparison("virtual-machine", "container").row("startup-time").favours
    <Side.RIGHT: 'RIGHT'>

    Parameters:
        base_url: the service root; requests go to ``{base_url}/graphql``.
        transport: an ``httpx.BaseTransport``; None opens real connections.
        timeout: seconds (or an ``httpx.Timeout``) per request.
        headers: extra headers sent with every request (e.g. authorization for a proxy).

    Every method raises ``ArchgraphQueryError`` (GraphQL errors), ``ArchgraphHTTPError``
    (4xx/5xx), ``ArchgraphConnectionError`` (no answer) or ``ArchgraphResponseError``
    (an answer that is not the expected GraphQL response).
    """

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url, transport=transport, timeout=timeout, headers=_headers(headers)
        )
        self.url = str(self._http.base_url.join(GRAPHQL_PATH.lstrip("/")))

    def execute(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        operation_name: str | None = None,
    ) -> dict[str, Any]:
        """Run any GraphQL document and return its ``data``."""
        body = protocol.request_body(query, variables, operation_name)
        try:
            response = self._http.post(self.url, json=body)
        except httpx.TransportError as exc:
            raise protocol.connection_error(self.url, exc) from exc
        return protocol.response_data(self.url, response)

    def _run(self, operation: Operation[T]) -> T:
        data = self.execute(operation.document, operation.variables)
        return protocol.decode(self.url, operation, data)

    def entity(self, id: str) -> EntityDetail | None:
        """One entity with its relations, or None when no entity has this id."""
        return self._run(operations.entity(id))

    def entities(
        self,
        kind: EntityKind | str | None = None,
        search: str | None = None,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> EntityConnection:
        """One page of entities, optionally of one kind and matching ``search``."""
        return self._run(operations.entities(kind, search, first, after))

    def iter_entities(
        self,
        kind: EntityKind | str | None = None,
        search: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Iterator[Entity]:
        """Every matching entity, following the cursors page by page."""
        after: str | None = None
        while True:
            page = self.entities(kind, search, page_size, after)
            yield from page.nodes
            if not page.page_info.has_next_page:
                return
            after = page.page_info.end_cursor

    def comparison(
        self, left: str, right: str, dimensions: Iterable[str] | None = None
    ) -> Comparison:
        """``left`` and ``right`` compared on every dimension, or on the ones given."""
        return self._run(operations.comparison(left, right, dimensions))

    def requirements(self) -> tuple[Entity, ...]:
        """The requirements and situations ``recommendation`` accepts."""
        return self._run(operations.requirements())

    def recommendation(self, requirements: Iterable[str]) -> Recommendation:
        """VM, container or both for these requirement ids."""
        return self._run(operations.recommendation(requirements))

    def stack_path(self, from_: str, to: str) -> StackPath | None:
        """The layers from ``from_`` to ``to``, or None when they are not stacked."""
        return self._run(operations.stack_path(from_, to))

    def stack_paths(
        self, from_: str, to: str, max_hops: int = DEFAULT_MAX_HOPS
    ) -> tuple[StackPath, ...]:
        """Every stack path of at most ``max_hops`` hops."""
        return self._run(operations.stack_paths(from_, to, max_hops))

    def blast_radius(self, id: str) -> BlastRadius:
        """What fails or is exposed when this entity fails."""
        return self._run(operations.blast_radius(id))

    def failure_consequences(
        self,
        event: FailureEvent | str,
        target: str | None = None,
        scenario: ClusterScenarioInput | None = None,
        *,
        scenario_name: str | None = None,
        snapshot: str | None = None,
        autoscaler: AutoscalerInput | None = None,
    ) -> FailureAnalysis:
        """The causal chain of ``event`` and, given a cluster, its simulated outcome.

        The cluster is at most one of ``scenario`` (written by hand), ``scenario_name`` (one
        of ``scenarios()``) and ``snapshot`` (``kubectl get … -o json`` text); ``autoscaler``
        (``max_nodes`` or ``groups``) grows a real cluster's own node groups.
        """
        return self._run(
            operations.failure_consequences(
                event,
                target,
                scenario,
                scenario_name=scenario_name,
                snapshot=snapshot,
                autoscaler=autoscaler,
            )
        )

    def scenarios(self) -> tuple[ScenarioSummary, ...]:
        """The named cluster scenarios the server offers: built-in and imported."""
        return self._run(operations.scenarios())

    def scheduling(
        self, scenario_name: str | None = None, snapshot: str | None = None
    ) -> SchedulingResult:
        """What kube-scheduler does now with a cluster's Pending pods (exactly one of
        ``scenario_name`` and ``snapshot``): where each binds, or its FitError message."""
        return self._run(operations.scheduling(scenario_name, snapshot))

    def resilience(
        self, scenario_name: str | None = None, snapshot: str | None = None
    ) -> Resilience:
        """The outcome of losing each node and each zone of a cluster (exactly one of
        ``scenario_name`` and ``snapshot``), worst first, and its single points of failure."""
        return self._run(operations.resilience(scenario_name, snapshot))

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncArchgraphClient:
    """The asynchronous twin of ``ArchgraphClient``: same parameters, same methods, awaited.

    ``transport`` is an ``httpx.AsyncBaseTransport``, e.g. ``httpx.ASGITransport(app=app)``.
    """

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url, transport=transport, timeout=timeout, headers=_headers(headers)
        )
        self.url = str(self._http.base_url.join(GRAPHQL_PATH.lstrip("/")))

    async def execute(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        operation_name: str | None = None,
    ) -> dict[str, Any]:
        """Run any GraphQL document and return its ``data``."""
        body = protocol.request_body(query, variables, operation_name)
        try:
            response = await self._http.post(self.url, json=body)
        except httpx.TransportError as exc:
            raise protocol.connection_error(self.url, exc) from exc
        return protocol.response_data(self.url, response)

    async def _run(self, operation: Operation[T]) -> T:
        data = await self.execute(operation.document, operation.variables)
        return protocol.decode(self.url, operation, data)

    async def entity(self, id: str) -> EntityDetail | None:
        return await self._run(operations.entity(id))

    async def entities(
        self,
        kind: EntityKind | str | None = None,
        search: str | None = None,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> EntityConnection:
        return await self._run(operations.entities(kind, search, first, after))

    async def iter_entities(
        self,
        kind: EntityKind | str | None = None,
        search: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> AsyncIterator[Entity]:
        after: str | None = None
        while True:
            page = await self.entities(kind, search, page_size, after)
            for node in page.nodes:
                yield node
            if not page.page_info.has_next_page:
                return
            after = page.page_info.end_cursor

    async def comparison(
        self, left: str, right: str, dimensions: Iterable[str] | None = None
    ) -> Comparison:
        return await self._run(operations.comparison(left, right, dimensions))

    async def requirements(self) -> tuple[Entity, ...]:
        return await self._run(operations.requirements())

    async def recommendation(self, requirements: Iterable[str]) -> Recommendation:
        return await self._run(operations.recommendation(requirements))

    async def stack_path(self, from_: str, to: str) -> StackPath | None:
        return await self._run(operations.stack_path(from_, to))

    async def stack_paths(
        self, from_: str, to: str, max_hops: int = DEFAULT_MAX_HOPS
    ) -> tuple[StackPath, ...]:
        return await self._run(operations.stack_paths(from_, to, max_hops))

    async def blast_radius(self, id: str) -> BlastRadius:
        return await self._run(operations.blast_radius(id))

    async def failure_consequences(
        self,
        event: FailureEvent | str,
        target: str | None = None,
        scenario: ClusterScenarioInput | None = None,
        *,
        scenario_name: str | None = None,
        snapshot: str | None = None,
        autoscaler: AutoscalerInput | None = None,
    ) -> FailureAnalysis:
        return await self._run(
            operations.failure_consequences(
                event,
                target,
                scenario,
                scenario_name=scenario_name,
                snapshot=snapshot,
                autoscaler=autoscaler,
            )
        )

    async def scenarios(self) -> tuple[ScenarioSummary, ...]:
        return await self._run(operations.scenarios())

    async def scheduling(
        self, scenario_name: str | None = None, snapshot: str | None = None
    ) -> SchedulingResult:
        return await self._run(operations.scheduling(scenario_name, snapshot))

    async def resilience(
        self, scenario_name: str | None = None, snapshot: str | None = None
    ) -> Resilience:
        return await self._run(operations.resilience(scenario_name, snapshot))

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

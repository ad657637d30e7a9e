"""Serving a graph that reloads: which version answers a request, and reloading while serving.

- ``version=<v>`` (a query parameter of ``/graphql``, GET and POST, and of every
  ``/embed/…`` URL) answers from that graph version while the server keeps it
  (:class:`~service.packs.versions.GraphVersions`, ``ARCHGRAPH_KEEP_VERSIONS``); a version
  no longer kept is ``410 Gone``, naming the current one, with a
  ``Link: <…?version=current>; rel="latest-version"`` (RFC 5829). Without ``version``, a
  request is answered from the graph current when it arrived, to its end.
- While the app runs (:func:`live_reload`, in its lifespan): ``SIGHUP`` reloads the packs,
  and so does any change under them with ``archgraph serve --watch``
  (``ARCHGRAPH_WATCH``). A valid reload swaps the served graph in one assignment; an
  invalid one keeps the last good graph and reports every ``file:line`` problem in the
  log, on ``/readyz`` (:func:`reload_report`) and in ``/metrics`` (:class:`ReloadCollector`).

Each process reloads by itself. With several workers (gunicorn or uvicorn's supervisor)
each worker watches the packs on its own; a ``SIGHUP`` to the supervisor restarts the
workers, which load the packs anew.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import anyio
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.datastructures import URL, QueryParams

from service.errors import InvalidArgument
from service.http.state import AppState
from service.knowledge import KnowledgeGraph
from service.packs.reload import STATUSES, LiveGraph, ReloadOutcome, watch_packs
from service.packs.versions import VersionNotKept

log = logging.getLogger("archgraph.reload")

VERSION = "version"  # the query parameter that pins a graph version
WATCH_STOP_SECONDS = 5.0


def requested_version(params: QueryParams) -> str | None:
    """The ``version`` a request pins, or None.

    Raises
    ------
    InvalidArgument : ``version`` given twice, or empty.
    """
    values = params.getlist(VERSION)
    if not values:
        return None
    if len(values) > 1:
        raise InvalidArgument(VERSION, f"give one graph version, not {len(values)}")
    if not values[0]:
        raise InvalidArgument(VERSION, "is empty: name a graph version, or leave it out")
    return values[0]


def request_graph(
    state: AppState, params: QueryParams, served: KnowledgeGraph | None = None
) -> KnowledgeGraph:
    """The graph a request is answered from: the version it pins, else ``served`` (the graph
    current when the request arrived), else the current one.

    Raises
    ------
    InvalidArgument : a malformed ``version`` (400).
    VersionNotKept : a version the server does not keep (410).
    """
    current = served or state.kg
    assert current is not None, "the graph is loaded before requests are served"
    version = requested_version(params)
    if version is None or version == current.version:
        return current
    return state.live.versions.graph(version)


def gone_headers(url: URL, gone: VersionNotKept) -> dict[str, str]:
    """Where the current version of the same answer is (``rel="latest-version"``)."""
    latest = url.include_query_params(**{VERSION: gone.current})
    return {"Link": f'<{latest}>; rel="latest-version"', "Cache-Control": "no-cache"}


def pinned_query(query: str, version: str) -> str:
    """A canonical query string with the graph version it was answered from, last."""
    return f"{query}&{VERSION}={version}" if query else f"{VERSION}={version}"


def without_version(items: list[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    """Query parameters other than ``version`` (which is not an argument of an answer)."""
    return (item for item in items if item[0] != VERSION)


@asynccontextmanager
async def live_reload(state: AppState) -> AsyncIterator[None]:
    """Reload the served graph on SIGHUP, and on pack changes when ``settings.watch``.

    Entered once the graph is loaded (the lifespan); on exit the watching stops.
    """
    assert state.kg is not None
    live = state.live
    live.start(state.kg)
    loop = asyncio.get_running_loop()
    reloads: set[asyncio.Task[ReloadOutcome]] = set()

    def on_hup() -> None:
        log.info("SIGHUP: reloading the knowledge packs")
        task = loop.create_task(reload_now(state))
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    hup = _handle_sighup(loop, on_hup)
    if state.catch_up:
        task = loop.create_task(reload_now(state))
        reloads.add(task)
        task.add_done_callback(reloads.discard)
    stop = anyio.Event()
    watcher = None
    if state.settings.watch and live.directories:
        log.info(
            "watching %d pack directories for changes",
            len(live.directories),
            extra={"packs": [str(d) for d in live.directories]},
        )
        watcher = loop.create_task(watch_packs(live, lambda outcome: swap(state, outcome), stop))
    try:
        yield
    finally:
        stop.set()
        if hup:
            loop.remove_signal_handler(signal.SIGHUP)
        if watcher is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(watcher, WATCH_STOP_SECONDS)
        for task in list(reloads):
            task.cancel()


async def reload_now(state: AppState) -> ReloadOutcome:
    """Reload the packs in a thread, then swap (or keep) the served graph."""
    outcome = await state.live.reload_in_thread()
    swap(state, outcome)
    return outcome


def swap(state: AppState, outcome: ReloadOutcome) -> None:
    """Serve the current graph from now on (one assignment) and log what the reload did."""
    state.kg = state.live.current
    if outcome.status == "refused":
        log.error(
            "%s:\n%s",
            outcome.describe(),
            "\n".join(f"  {p}" for p in outcome.problems),
            extra={"version": outcome.version, "problems": [str(p) for p in outcome.problems]},
        )
    else:
        log.info(outcome.describe(), extra={"version": outcome.version})


def _handle_sighup(loop: asyncio.AbstractEventLoop, handler: Any) -> bool:
    """Install ``handler`` for SIGHUP; False where that cannot be (not the main thread)."""
    if not hasattr(signal, "SIGHUP"):
        return False
    try:
        loop.add_signal_handler(signal.SIGHUP, handler)
    except (ValueError, RuntimeError, NotImplementedError):  # not the main thread, say
        return False
    return True


def reload_report(live: LiveGraph, watching: bool) -> dict[str, Any]:
    """The reload part of ``/readyz``: versions kept, watching or not, the last reload."""
    report: dict[str, Any] = {"versions": list(live.versions.versions()), "watching": watching}
    last = live.last
    if last is not None:
        report["reload"] = {
            "status": last.status,
            "version": last.version,
            "finished": datetime.fromtimestamp(last.finished, UTC).isoformat(
                timespec="milliseconds"
            ),
            "problems": [str(p) for p in last.problems],
        }
    return report


class ReloadCollector(Collector):
    """Reloads by outcome, the problems of the last one, versions kept: read at scrape time."""

    def __init__(self, live: LiveGraph) -> None:
        self.live = live

    def collect(self) -> Iterator[Metric]:
        live = self.live
        reloads = CounterMetricFamily(
            "archgraph_graph_reloads",
            "Reloads of the knowledge packs by outcome (loaded, unchanged, refused)",
            labels=["outcome"],
        )
        for status in STATUSES:
            reloads.add_metric([status], live.counts[status])
        yield reloads
        last = live.last
        yield GaugeMetricFamily(
            "archgraph_graph_reload_problems",
            "Problems that made the last reload refused (0: it was not)",
            value=len(last.problems) if last is not None else 0,
        )
        yield GaugeMetricFamily(
            "archgraph_graph_versions_kept",
            "Graph versions answerable with version=",
            value=len(live.versions),
        )

"""Reloading a served graph from its packs: load, validate, then swap, or keep the last good one.

:class:`LiveGraph` holds the graph a server answers from and the versions it keeps
(:class:`~service.packs.versions.GraphVersions`). :meth:`LiveGraph.reload` loads the
packs the current graph was loaded from (its :attr:`KnowledgeGraph.packs`, the built-in
one included) with the same validation as start-up. A valid load is published and
becomes current in one step; an invalid one changes nothing and is kept, with every
``file:line`` problem, as :attr:`LiveGraph.last` for the readiness probe, the log and the
metrics to report. A bad edit never takes the service down or half-loads it.

:func:`watch_packs` reloads whenever a file under those directories changes (watchfiles:
inotify, FSEvents or polling; a burst of writes is one change), the way OPA swaps a
policy bundle only once the new one is fully loaded and valid.

Each load runs in a worker thread; loads are one at a time (a second waits, then reads the
newest files). Loading pauses and unfreezes the garbage collector (see
:func:`service.packs.loader.load_graph`); the graphs are acyclic, so an old version is
freed by reference counting as soon as the last request holding it ends.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import anyio
import anyio.to_thread

from service.errors import GraphDataError, Problem
from service.knowledge import KnowledgeGraph
from service.packs.loader import load_graph
from service.packs.versions import DEFAULT_KEEP, GraphVersions

log = logging.getLogger("archgraph.reload")

Status = Literal["loaded", "unchanged", "refused"]
STATUSES: tuple[Status, ...] = ("loaded", "unchanged", "refused")
Loader = Callable[[Sequence[Path]], KnowledgeGraph]


def load_packs(directories: Sequence[Path]) -> KnowledgeGraph:
    """The graph of exactly these pack directories (the built-in one among them)."""
    return load_graph(directories, include_builtin=False)


@dataclass(frozen=True, slots=True)
class ReloadOutcome:
    """What one reload did: ``loaded`` a new version, found it ``unchanged``, or ``refused`` it.

    ``version`` is the version served after the reload; ``problems`` are why a reload was
    refused (``file:line: message`` each); a graph that loads keeps its warnings itself.
    """

    status: Status
    version: str
    previous: str
    problems: tuple[Problem, ...]
    finished: float  # seconds since the epoch
    seconds: float

    def describe(self) -> str:
        if self.status == "loaded":
            return f"graph {self.version} loaded in {self.seconds:.2f} s (was {self.previous})"
        if self.status == "unchanged":
            return f"graph {self.version} unchanged"
        n = len(self.problems)
        return (
            f"graph reload refused, {n} problem{'s' if n != 1 else ''}; "
            f"still serving {self.version}"
        )


class LiveGraph:
    """The graph being served, the versions kept, and the last reload's outcome."""

    def __init__(self, keep: int = DEFAULT_KEEP, load: Loader = load_packs) -> None:
        self.versions = GraphVersions(keep)
        self.directories: tuple[Path, ...] = ()
        self.last: ReloadOutcome | None = None
        self.counts: dict[Status, int] = dict.fromkeys(STATUSES, 0)
        self._load = load
        self._lock = threading.Lock()

    @property
    def current(self) -> KnowledgeGraph:
        return self.versions.current

    def start(self, kg: KnowledgeGraph) -> None:
        """Serve ``kg``; reloads read the pack directories it was loaded from."""
        self.directories = tuple(Path(p) for p in kg.packs)
        self.versions.publish(kg)

    def reload(self) -> ReloadOutcome:
        """Load and validate the packs; publish the graph if valid, else keep the current one.

        Blocking (run it in a thread); never raises for a bad pack, nor for a file that
        cannot be read: the outcome says what happened.
        """
        with self._lock:
            started = time.perf_counter()
            previous = self.current.version
            problems: tuple[Problem, ...]
            try:
                kg = self._load(self.directories)
            except GraphDataError as exc:
                status: Status = "refused"
                problems = exc.problems
            except Exception as exc:  # an unreadable directory, say: still never fatal
                log.exception("graph reload failed")
                status = "refused"
                where = str(self.directories[-1]) if self.directories else "packs"
                problems = (Problem(where, 0, f"cannot load the packs: {exc}"),)
            else:
                status = "loaded" if self.versions.publish(kg) else "unchanged"
                problems = ()
            outcome = ReloadOutcome(
                status=status,
                version=self.current.version,
                previous=previous,
                problems=problems,
                finished=time.time(),
                seconds=time.perf_counter() - started,
            )
            self.last = outcome
            self.counts[status] += 1
            return outcome

    async def reload_in_thread(self) -> ReloadOutcome:
        return await anyio.to_thread.run_sync(self.reload)


async def watch_packs(
    live: LiveGraph,
    on_outcome: Callable[[ReloadOutcome], None],
    stop: anyio.Event,
) -> None:
    """Reload ``live`` after each burst of changes under its pack directories, until ``stop``.

    A pack directory reached through a link that is then pointed elsewhere (a Kubernetes
    ConfigMap volume swaps its ``..data`` link to a new directory and deletes the old one,
    pkg/volume/util/atomic_writer.go) is watched again where it now leads, after the reload
    that the deletion set off. Set ``stop`` rather than cancelling: the watching thread
    notices it within 50 ms.
    """
    from watchfiles import awatch

    while not stop.is_set():
        watched = {d: d.resolve() for d in live.directories if d.is_dir()}
        if not watched:
            return
        async for changes in awatch(*watched.values(), stop_event=stop, debounce=1_600, step=50):
            log.info(
                "pack files changed: %s",
                ", ".join(sorted({path for _, path in changes})[:10]),
                extra={"changed": len(changes)},
            )
            on_outcome(await live.reload_in_thread())
            moved = [str(d) for d, target in watched.items() if d.resolve() != target]
            if moved:
                log.info("watching again where the packs now lead", extra={"packs": moved})
                break
        else:
            return  # stopped

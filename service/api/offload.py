"""Running heavy resolver work off the event loop, under a time budget.

One slow query stalls nothing else: the work runs in a worker thread, and a request
whose budget runs out gets a clear error at once. Python cannot stop a thread, so the
abandoned work runs on to its end in the background; while too many such threads are
still running, new heavy work is refused rather than piled on (the server stays
responsive for everything else).

The HTTP layer sets each request's budget with :func:`time_budget`; without one (the CLI,
tests) every heavy call gets :data:`DEFAULT_TIME_BUDGET` seconds of its own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Generic, ParamSpec, TypeVar

import anyio
import anyio.to_thread

from service.errors import ArchgraphError

P = ParamSpec("P")
T = TypeVar("T")

DEFAULT_TIME_BUDGET = 10.0
# Heavy work abandoned after its budget that may still be running before new work is refused.
MAX_ABANDONED = 4


class TimeBudgetExceeded(ArchgraphError):
    """A query ran out of its time budget; the message says how long the budget was."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(f"query exceeded its time budget of {seconds:g} s")


class HeavyWorkRefused(ArchgraphError):
    """Too much abandoned work is still running; the client should retry later."""

    def __init__(self, running: int) -> None:
        self.running = running
        super().__init__(
            f"the server is still finishing {running} queries that ran out of time "
            f"(at most {MAX_ABANDONED}); try again in a few seconds"
        )


@dataclass(frozen=True, slots=True)
class _Budget:
    seconds: float
    deadline: float  # time.monotonic()


_budget: ContextVar[_Budget | None] = ContextVar("archgraph_time_budget", default=None)


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Give the heavy work done inside (one request) ``seconds`` in all."""
    token = _budget.set(_Budget(seconds, time.monotonic() + seconds))
    try:
        yield
    finally:
        _budget.reset(token)


class _Abandoned:
    """How many abandoned calls are still running, across threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0


_abandoned = _Abandoned()


def abandoned_running() -> int:
    """Heavy calls that ran out of time and are still running in their threads."""
    return _abandoned.running


class _Call(Generic[T]):
    """One heavy call; counted as abandoned from its timeout until its thread ends."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self.fn = fn
        self.done = False
        self.abandoned = False

    def run(self) -> T:
        try:
            return self.fn()
        finally:
            with _abandoned.lock:
                self.done = True
                if self.abandoned:
                    _abandoned.running -= 1

    def abandon(self) -> None:
        with _abandoned.lock:
            if not self.done:
                self.abandoned = True
                _abandoned.running += 1


async def run_heavy(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Call ``fn(*args, **kwargs)`` in a worker thread and await its result.

    Raises
    ------
    TimeBudgetExceeded : the request's time budget ran out first.
    HeavyWorkRefused : too many earlier calls that ran out of time are still running.
    """
    budget = _budget.get()
    seconds = budget.seconds if budget else DEFAULT_TIME_BUDGET
    remaining = budget.deadline - time.monotonic() if budget else DEFAULT_TIME_BUDGET
    if remaining <= 0:
        raise TimeBudgetExceeded(seconds)
    if _abandoned.running >= MAX_ABANDONED:
        raise HeavyWorkRefused(_abandoned.running)
    call = _Call(lambda: fn(*args, **kwargs))
    try:
        with anyio.fail_after(remaining):
            result = await anyio.to_thread.run_sync(call.run, abandon_on_cancel=True)
    except TimeoutError:
        call.abandon()
        raise TimeBudgetExceeded(seconds) from None
    return result

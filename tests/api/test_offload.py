"""``run_heavy``: off the event loop, under a time budget, with abandoned work bounded."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest

from service.api import offload
from service.api.offload import (
    MAX_ABANDONED,
    HeavyWorkRefused,
    TimeBudgetExceeded,
    abandoned_running,
    run_heavy,
    time_budget,
)


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set at the end of the test, so no deliberately slow thread outlives it."""
    event = threading.Event()
    yield event
    event.set()
    deadline = time.monotonic() + 5
    while abandoned_running() and time.monotonic() < deadline:
        time.sleep(0.01)


async def test_run_heavy_returns_the_result() -> None:
    assert await run_heavy(sum, [1, 2, 3]) == 6


async def test_run_heavy_passes_keyword_arguments() -> None:
    assert await run_heavy(int, "ff", base=16) == 255


async def test_errors_of_the_work_reach_the_caller() -> None:
    with pytest.raises(ZeroDivisionError):
        await run_heavy(lambda: 1 / 0)


async def test_slow_work_gets_a_clear_error_when_the_budget_runs_out(
    release: threading.Event,
) -> None:
    start = time.monotonic()
    with time_budget(0.2), pytest.raises(TimeBudgetExceeded, match=r"time budget of 0\.2 s$"):
        await run_heavy(release.wait, 10)
    assert time.monotonic() - start < 2


async def test_the_event_loop_keeps_running_while_slow_work_runs(
    release: threading.Event,
) -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    with time_budget(0.3), pytest.raises(TimeBudgetExceeded):
        await run_heavy(release.wait, 10)
    ticker.cancel()
    assert ticks >= 10


async def test_the_budget_is_shared_by_the_heavy_calls_of_a_request(
    release: threading.Event,
) -> None:
    with time_budget(0.3):
        await run_heavy(time.sleep, 0.2)
        with pytest.raises(TimeBudgetExceeded, match=r"of 0\.3 s"):
            await run_heavy(release.wait, 10)  # only ~0.1 s was left


async def test_without_a_request_budget_each_call_gets_the_default(
    monkeypatch: pytest.MonkeyPatch, release: threading.Event
) -> None:
    monkeypatch.setattr(offload, "DEFAULT_TIME_BUDGET", 0.1)
    with pytest.raises(TimeBudgetExceeded, match=r"of 0\.1 s"):
        await run_heavy(release.wait, 10)


async def test_new_heavy_work_is_refused_while_too_much_abandoned_work_runs(
    release: threading.Event,
) -> None:
    for _ in range(MAX_ABANDONED):
        with time_budget(0.05), pytest.raises(TimeBudgetExceeded):
            await run_heavy(release.wait, 10)
    assert abandoned_running() == MAX_ABANDONED
    with pytest.raises(HeavyWorkRefused, match=f"still finishing {MAX_ABANDONED} queries"):
        await run_heavy(sum, [1])
    release.set()
    deadline = time.monotonic() + 5
    while abandoned_running() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    assert await run_heavy(sum, [1]) == 1  # accepted again once they have finished
